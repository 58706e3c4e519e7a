#include "adapters/sandbox/sandbox.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <linux/seccomp.h>
#include <netinet/in.h>
#include <poll.h>
#include <seccomp.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <tuple>

#include <fmt/format.h>

#include "adapters/sandbox/child.h"
#include "core/digest.h"
#include "core/path.h"
#include "core/tty.h"
#include "inspect/inspect.h"

namespace airlock::sandbox {

using core::Code;
using core::makeError;
using detail::ChildPlan;

namespace {

constexpr const char* kCaBundlePath = "/run/airlock/ca.pem";
constexpr std::size_t kMaxProtectedFiles = 20000;
constexpr int kAskTimeoutMs = 120000;
constexpr off_t kMaxObservedBytes = 16 << 20;
constexpr std::size_t kMaxObservedFiles = 100000;

struct FdGuard {
  int fd;
  ~FdGuard() {
    if (fd >= 0) ::close(fd);
  }
};
// SECCOMP_IOCTL_NOTIF_SET_FLAGS and SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP (Linux 6.6; Debian 12's
// headers predate them). An older kernel answers EINVAL and the wake-ups stay ordinary.
constexpr unsigned long kNotifSetFlags = SECCOMP_IOW(4, __u64);
constexpr __u64 kNotifSyncWakeUp = 1;

int syscallNumber(const char* name) { return seccomp_syscall_resolve_name(name); }

// The signals the supervisor takes from a signalfd (blocked in every thread) and passes on.
sigset_t supervisedSignals() {
  sigset_t set;
  sigemptyset(&set);
  for (int s : {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGCHLD}) sigaddset(&set, s);
  return set;
}

// The command's environment: the caller's, less what reaches outside the sandbox (agent
// sockets, other proxies), with the proxy, the session and the CA bundle added.
std::vector<std::string> childEnvironment(const Options& o, const std::string& proxy, const std::string& caPath,
                                          const char* sandboxed) {
  std::vector<std::string> env;
  for (const auto& e : o.environment) {
    const std::string name = e.substr(0, e.find('='));
    std::string lower = name;
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
    if (lower == "http_proxy" || lower == "https_proxy" || lower == "all_proxy" || lower == "no_proxy" ||
        lower == "ftp_proxy" || name == "SSH_AUTH_SOCK" || name == "GPG_AGENT_INFO" ||
        name == "DBUS_SESSION_BUS_ADDRESS" || name == "XDG_RUNTIME_DIR" || name == "AIRLOCK_SESSION" ||
        name == "AIRLOCK_SANDBOX" || name == "SSL_CERT_FILE" || name == "NODE_EXTRA_CA_CERTS" ||
        name == "REQUESTS_CA_BUNDLE" || name == "CURL_CA_BUNDLE" || name == "GIT_SSL_CAINFO")
      continue;
    env.push_back(e);
  }
  for (const char* n : {"HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"})
    env.push_back(fmt::format("{}={}", n, proxy));
  env.push_back("AIRLOCK_SESSION=" + o.session);
  env.push_back(std::string("AIRLOCK_SANDBOX=") + sandboxed);
  if (!caPath.empty())
    for (const char* n : {"SSL_CERT_FILE", "NODE_EXTRA_CA_CERTS", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "GIT_SSL_CAINFO"})
      env.push_back(fmt::format("{}={}", n, caPath));
  return env;
}

}  // namespace

const std::vector<std::string>& defaultRuntime() {
  static const std::vector<std::string> trees = {"/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32",
                                                 "/etc", "/opt"};
  return trees;
}

Support probe() {
  Support s;
  long abi = syscall(SYS_landlock_create_ruleset, nullptr, 0, 1U /* LANDLOCK_CREATE_RULESET_VERSION */);
  s.landlockAbi = abi > 0 ? static_cast<int>(abi) : 0;
  std::ifstream maxNs("/proc/sys/user/max_user_namespaces");
  long max = -1;
  if (maxNs >> max) s.userNamespaces = max > 0;
  std::ifstream apparmor("/proc/sys/kernel/apparmor_restrict_unprivileged_userns");
  int restricted = 0;
  if (apparmor >> restricted && restricted == 1 && geteuid() != 0) s.userNamespaces = false;
  if (!s.userNamespaces)
    s.problem = "user namespaces are not available (user.max_user_namespaces is 0, or AppArmor restricts them)";
  else if (s.landlockAbi == 0)
    s.problem = "Landlock is not available (a kernel of 5.13 or later with lsm=…,landlock is needed)";
  return s;
}

struct Sandbox::Impl {
  gate::Gate& gate;
  Options options;
  pid_t child = -1;      // the namespace's parent, in our PID namespace
  pid_t init = -1;       // the PID namespace's init, as we see it
  int ctl = -1;
  int listener = -1;
  int notifyFd = -1;
  bool waited = false;
  std::string caFile;    // unsandboxed: the CA bundle written for the command
  int tty = -1;          // the controlling terminal, where `ask` is answered (-1: none)
  std::map<std::pair<core::Action, std::string>, bool> answers;  // given on the terminal, for this run
  using ObservedKey = std::tuple<dev_t, ino_t, off_t, time_t, long>;
  std::set<ObservedKey> observed;  // file versions whose content was observed in this run
  Stats stats;
  std::vector<std::string> runtime;
  std::set<dev_t> ownDevices;  // the sandbox's private /proc, /tmp, /dev/shm and /run
  std::map<std::pair<dev_t, ino_t>, std::string> protectedFiles;  // inodes below hidden paths
  seccomp_notif* req = nullptr;
  seccomp_notif_resp* resp = nullptr;
  int nrOpen = -1, nrOpenat = -1, nrOpenat2 = -1, nrCreat = -1;

  Impl(gate::Gate& g, Options o) : gate(g), options(std::move(o)) {}
  ~Impl() {
    if (child > 0 && !waited) {
      ::kill(child, SIGKILL);
      int st = 0;
      waitpid(child, &st, 0);
    }
    for (int fd : {ctl, listener, notifyFd, tty})
      if (fd >= 0) ::close(fd);
    if (!caFile.empty()) ::unlink(caFile.c_str());
    if (req != nullptr) seccomp_notify_free(req, resp);
  }

  // Reads a NUL-terminated string of at most PATH_MAX bytes from the child's memory.
  bool readPath(pid_t pid, std::uint64_t addr, std::string& out) {
    out.clear();
    char buf[4096];
    std::uint64_t at = addr;
    while (out.size() < 4096) {
      // Never across a page boundary: the next page may not be mapped.
      std::size_t chunk = 4096 - (at % 4096);
      iovec local{buf, chunk};
      iovec remote{reinterpret_cast<void*>(at), chunk};
      ssize_t n = process_vm_readv(pid, &local, 1, &remote, 1, 0);
      if (n <= 0) return false;
      const void* nul = std::memchr(buf, 0, static_cast<std::size_t>(n));
      if (nul != nullptr) {
        out.append(buf, static_cast<const char*>(nul) - buf);
        return true;
      }
      out.append(buf, static_cast<std::size_t>(n));
      at += static_cast<std::uint64_t>(n);
    }
    return false;  // longer than PATH_MAX
  }

  // The last field of a "NStgid:"/"NSpid:" line of /proc/PID/status: the id inside the sandbox.
  std::string innerId(pid_t pid, std::string_view key) {
    std::ifstream in(fmt::format("/proc/{}/status", pid));
    std::string line;
    while (std::getline(in, line))
      if (line.rfind(key, 0) == 0) {
        auto sp = line.find_last_of(" \t");
        return sp == std::string::npos ? "" : line.substr(sp + 1);
      }
    return "";
  }

  void respond(int error, bool proceed) {
    resp->error = proceed ? 0 : -error;
    resp->val = 0;
    resp->flags = proceed ? SECCOMP_USER_NOTIF_FLAG_CONTINUE : 0;
    // ENOENT: the caller died (or was interrupted) meanwhile; nothing to answer.
    seccomp_notify_respond(notifyFd, resp);
  }

  // A request, observation or refusal of this run's principal and session.
  template <class T>
  T fromRun() const {
    T t;
    t.user = options.user;
    t.agent = options.agent;
    t.session = options.session;
    t.adapter = "run";
    return t;
  }

  bool decided(core::Action action, const std::string& path) {
    auto r = fromRun<core::Request>();
    r.action = action;
    r.path = path;
    r.cwd = "/";
    r.interactive = tty >= 0;
    ++stats.decided;
    core::Decision d = gate.decide(r);
    if (d.verdict == core::Verdict::kAllow) return true;
    if (d.verdict != core::Verdict::kAsk) return false;
    // Asked on the terminal (once per action and path for this run); a yes is decided again as
    // approved (allow.ask.approved: an approved read raises the session's label like any read).
    auto key = std::make_pair(action, path);
    auto it = answers.find(key);
    const bool yes = it != answers.end() ? it->second : (answers[key] = askTerminal(action, path, d));
    if (!yes) {
      refuse(action, path, core::Reason::kDenyAskDeclined, "asked on the terminal: declined");
      return false;
    }
    r.approved = true;
    return gate.decide(r).verdict == core::Verdict::kAllow;
  }

  // Every process of the sandbox's PID namespace but its init, stopped (SIGSTOP) so that none
  // reads the terminal or types into it while airlock asks; a few passes catch those forked
  // meanwhile. An open waiting for an answer is interrupted and restarted by the kernel after
  // SIGCONT; its repeat finds the answer given.
  std::vector<pid_t> stopSandbox() {
    std::vector<pid_t> stopped;
    char ns[64], mine[64];
    const ssize_t n = readlink(fmt::format("/proc/{}/ns/pid", init).c_str(), ns, sizeof ns - 1);
    if (init <= 0 || n <= 0) return stopped;
    ns[n] = 0;
    for (int pass = 0; pass < 5; ++pass) {
      bool found = false;
      std::error_code ec;
      for (const auto& e : std::filesystem::directory_iterator("/proc", ec)) {
        const std::string name = e.path().filename().string();
        if (name.find_first_not_of("0123456789") != std::string::npos) continue;
        const pid_t p = static_cast<pid_t>(std::stol(name));
        if (p == init || std::find(stopped.begin(), stopped.end(), p) != stopped.end()) continue;
        const ssize_t m = readlink(fmt::format("/proc/{}/ns/pid", p).c_str(), mine, sizeof mine - 1);
        if (m != n || std::memcmp(ns, mine, static_cast<std::size_t>(n)) != 0) continue;
        if (::kill(p, SIGSTOP) == 0) {
          stopped.push_back(p);
          found = true;
        }
      }
      if (!found) break;
    }
    return stopped;
  }

  // Asks on the terminal with every process of the sandbox stopped (core::askOnTerminal: one
  // key, y allows; anything else or no answer in 120 s declines).
  bool askTerminal(core::Action action, const std::string& path, const core::Decision& d) {
    const std::vector<pid_t> stopped = stopSandbox();
    const std::string why = d.reasons.empty() ? std::string(core::reasonCode(d.reason)) : d.reasons.back();
    const std::string q = fmt::format("\nairlock: {}{} asks to {} {}\n  ({})\n  allow for this run? [y/N] ",
                                      options.agent.empty() ? "" : "agent " + options.agent + " for ", options.user,
                                      core::actionName(action), core::terminalSafe(path), core::terminalSafe(why));
    const bool yes = core::askOnTerminal(tty, q, kAskTimeoutMs);
    for (pid_t s : stopped) ::kill(s, SIGCONT);
    return yes;
  }

  void handleOpen(int nr) {
    const pid_t pid = static_cast<pid_t>(req->pid);
    const auto* a = req->data.args;
    std::uint64_t pathAddr = 0, flags = 0;
    int dirfd = AT_FDCWD;
    if (nr == nrOpen) {
      pathAddr = a[0];
      flags = a[1];
    } else if (nr == nrCreat) {
      pathAddr = a[0];
      flags = O_CREAT | O_WRONLY | O_TRUNC;
    } else {
      dirfd = static_cast<int>(static_cast<std::int32_t>(a[0]));
      pathAddr = a[1];
      if (nr == nrOpenat) {
        flags = a[2];
      } else {
        open_how how{};
        iovec local{&how, sizeof how};
        iovec remote{reinterpret_cast<void*>(a[2]), sizeof how};
        if (a[3] < sizeof how || process_vm_readv(pid, &local, 1, &remote, 1, 0) != static_cast<ssize_t>(sizeof how))
          return respond(EINVAL, false);
        flags = how.flags;
      }
    }
    std::string path;
    if (!readPath(pid, pathAddr, path)) return respond(EFAULT, false);
    // The pid must still be the caller: it could have died and been reused while we read.
    if (seccomp_notify_id_valid(notifyFd, req->id) != 0) return;
    if (flags & O_PATH) return respond(0, true);  // a handle without the content: its reopen is decided
    if (path.empty()) return respond(0, true);    // the kernel answers ENOENT

    // Resolve the path as the caller sees it: its root, its working directory or the directory
    // it named, through its own /proc.
    std::string full;
    if (path[0] == '/') {
      std::string p = path;
      if (p.rfind("/proc/self", 0) == 0 && (p.size() == 10 || p[10] == '/')) {
        p = "/proc/" + innerId(pid, "NStgid:") + p.substr(10);
      } else if (p.rfind("/proc/thread-self", 0) == 0 && (p.size() == 17 || p[17] == '/')) {
        p = "/proc/" + innerId(pid, "NStgid:") + "/task/" + innerId(pid, "NSpid:") + p.substr(17);
      }
      full = fmt::format("/proc/{}/root{}", pid, p);
    } else if (dirfd == AT_FDCWD) {
      full = fmt::format("/proc/{}/cwd/{}", pid, path);
    } else {
      full = fmt::format("/proc/{}/fd/{}/{}", pid, dirfd, path);
    }
    int oflags = O_PATH | O_CLOEXEC | ((flags & O_NOFOLLOW) ? O_NOFOLLOW : 0);
    int fd = ::open(full.c_str(), oflags);
    std::string tail;
    bool creating = false;
    if (fd < 0 && errno == ENOENT && (flags & O_CREAT)) {
      // A dangling symbolic link would have the kernel create its target, elsewhere than the
      // name says (O_EXCL never follows it: the kernel answers EEXIST).
      if (!(flags & O_EXCL)) {
        int link = ::open(full.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC);
        if (link >= 0) {
          ::close(link);
          refuse(core::Action::kFsWrite, path, core::Reason::kDenyInvalidRequest,
                 "creating a file through a dangling symbolic link is refused");
          return deny();
        }
      }
      // A new file: decided on its directory's real path and its name.
      auto slash = full.find_last_of('/');
      tail = full.substr(slash + 1);
      fd = ::open(full.substr(0, slash).c_str(), O_PATH | O_CLOEXEC | O_DIRECTORY);
      creating = true;
      if (tail.empty() || tail == "." || tail == "..") {
        if (fd >= 0) ::close(fd);
        return respond(0, true);
      }
    }
    if (fd < 0) {
      const int err = errno;
      if (err != ENOENT && err != ENOTDIR) return respond(err == ELOOP || err == ENAMETOOLONG ? err : EACCES, false);
      // Nothing there as the caller sees it (or covered, like a secret path): the kernel gives it
      // the same answer. A classified path is still decided, so that reaching for a covered
      // secret is refused and recorded; a file created meanwhile stays inside Landlock's outline.
      std::string lexical = path;
      if (path[0] != '/') {
        char cwd[4096];
        const std::string base = dirfd == AT_FDCWD ? fmt::format("/proc/{}/cwd", pid) : fmt::format("/proc/{}/fd/{}", pid, dirfd);
        ssize_t m = readlink(base.c_str(), cwd, sizeof cwd - 1);
        if (m <= 0) return respond(0, true);
        lexical = std::string(cwd, static_cast<std::size_t>(m)) + "/" + path;
      }
      lexical = core::normalizeLexically(lexical);
      if (!(gate.policy().classifyPath(lexical) == core::Label{}) &&
          !decided(creating ? core::Action::kFsWrite : core::Action::kFsRead, lexical))
        return deny();
      return respond(0, true);
    }
    const FdGuard held{fd};
    char link[4096];
    ssize_t n = readlink(fmt::format("/proc/self/fd/{}", fd).c_str(), link, sizeof link - 1);
    struct stat st {};
    const bool statted = fstat(fd, &st) == 0;
    if (n <= 0 || !statted) return respond(EACCES, false);
    std::string real(link, static_cast<std::size_t>(n));
    if (creating) real = (real == "/" ? "" : real) + "/" + tail;

    if (isPrivate(real)) return refusePrivate(real);
    // The sandbox's own private mounts hold nothing from outside (for a new file, `st` is its
    // directory's).
    if (ownDevices.count(st.st_dev) != 0) return respond(0, true);
    // A hard link to a protected file is decided as that file.
    if (!creating && S_ISREG(st.st_mode) && st.st_nlink > 1) {
      auto it = protectedFiles.find({st.st_dev, st.st_ino});
      if (it != protectedFiles.end()) real = it->second;
      if (isPrivate(real)) return refusePrivate(real);
    }
    const int acc = static_cast<int>(flags & O_ACCMODE);
    const bool writes = creating || acc == O_WRONLY || acc == O_RDWR || (flags & O_TRUNC);
    const bool reads = !creating && (acc == O_RDONLY || acc == O_RDWR);
    const bool dir = !creating && S_ISDIR(st.st_mode);
    // The runtime: unclassified system files are read without a decision.
    if (!writes) {
      bool inRuntime = false;
      for (const auto& t : runtime) inRuntime = inRuntime || core::pathWithin(t, real);
      if (inRuntime && gate.policy().classifyPath(real) == core::Label{}) return respond(0, true);
    }
    // The devices every program uses, read and written (Landlock allows nothing else in /dev).
    if (real == "/dev/null" || real == "/dev/zero" || real == "/dev/full" || real == "/dev/urandom" ||
        real == "/dev/random" || real == "/dev/tty" || real == "/dev/ptmx" || real.rfind("/dev/pts/", 0) == 0)
      return respond(0, true);
    if (dir && !writes) {
      if (!decided(core::Action::kFsList, real)) return deny();
    } else {
      if (reads && !decided(core::Action::kFsRead, real)) return deny();
      if (writes && !decided(core::Action::kFsWrite, real)) return deny();
      if (reads && S_ISREG(st.st_mode) && !observeContent(fd, st, real)) return deny();
    }
    respond(0, true);
  }

  // What an allowed read of a regular file holds, observed once per version of the file (device,
  // inode, size, mtime) in this run: the policy's detector rules label it, and inspection finds
  // hidden content or instructions addressed to an assistant (the session becomes untrusted).
  // The first kMaxObservedBytes of the file are read. False when the observation could not be
  // recorded (the open is then refused).
  bool observeContent(int pathFd, const struct stat& st, const std::string& real) {
    const ObservedKey key{st.st_dev, st.st_ino, st.st_size, st.st_mtim.tv_sec, st.st_mtim.tv_nsec};
    if (observed.count(key) != 0) return true;
    const int fd = ::open(fmt::format("/proc/self/fd/{}", pathFd).c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) return true;  // unreadable to airlock, hence to the command (same user): nothing seen
    const std::string bytes = core::readPrefix(fd, static_cast<std::size_t>(std::min<off_t>(st.st_size, kMaxObservedBytes)));
    ::close(fd);
    const std::size_t got = bytes.size();
    auto o = fromRun<gate::Observation>();
    o.action = core::Action::kFsRead;
    o.path = real;
    o.cwd = "/";
    o.size = st.st_size;
    if (got == static_cast<std::size_t>(st.st_size)) o.digest = core::sha256Hex(bytes);
    if (inspect::hidesFromText(std::string_view(bytes).substr(0, 8), real)) {
      o.document = bytes;
    } else {
      o.content = bytes;
    }
    ++stats.observed;
    if (gate.observe(o).verdict != core::Verdict::kAllow) return false;
    if (observed.size() < kMaxObservedFiles) observed.insert(key);
    return true;
  }

  // A refusal by the sandbox's construction, recorded for this run's principal and session.
  void refuse(core::Action action, std::string resource, core::Reason reason, std::string why) {
    auto r = fromRun<gate::Refusal>();
    r.action = action;
    r.resource = std::move(resource);
    r.reason = reason;
    r.reasons = {std::move(why)};
    gate.refuse(r);
  }

  bool isPrivate(const std::string& path) const {
    for (const auto& priv : options.privatePaths)
      if (core::pathWithin(priv, path)) return true;
    return false;
  }

  void refusePrivate(const std::string& path) {
    refuse(core::Action::kFsRead, path, core::Reason::kDenySandboxPrivate,
           fmt::format("{} is airlock's own state: never opened from inside the sandbox", path));
    deny();
  }

  void deny() {
    ++stats.denied;
    respond(EACCES, false);
  }

  void handleRefused(int nr) {
    char* name = seccomp_syscall_resolve_num_arch(req->data.arch, nr);
    std::string what = name != nullptr ? name : fmt::format("#{}", nr);
    std::free(name);
    if (what == "socket")
      what += fmt::format("({}, {})", req->data.args[0], req->data.args[1] & 0xf);
    if (what == "ioctl") what += (req->data.args[1] & 0xffffffffU) == TIOCSTI ? "(TIOCSTI)" : "(TIOCLINUX)";
    refuse(core::Action::kExec, "syscall " + what, core::Reason::kDenySandboxSyscall,
           fmt::format("the sandbox never allows {} (pid {})", what, req->pid));
    ++stats.denied;
    respond(EPERM, false);
  }

  void serveOne() {
    std::memset(req, 0, sizeof *req);
    if (seccomp_notify_receive(notifyFd, req) != 0) return;  // the caller is gone
    std::memset(resp, 0, sizeof *resp);
    resp->id = req->id;
    const int nr = req->data.nr;
    if (nr == nrOpen || nr == nrOpenat || nr == nrOpenat2 || nr == nrCreat) {
      ++stats.opens;
      handleOpen(nr);
    } else {
      handleRefused(nr);
    }
  }

  // Inodes of regular files below the hidden paths, so that a hard link elsewhere is decided
  // as the file it is (bounded: a huge tree is indexed up to kMaxProtectedFiles).
  void indexProtected(const std::vector<std::string>& hidden) {
    std::error_code ec;
    for (const auto& h : hidden) {
      struct stat st {};
      if (lstat(h.c_str(), &st) != 0) continue;
      if (S_ISREG(st.st_mode)) {
        protectedFiles[{st.st_dev, st.st_ino}] = h;
        continue;
      }
      if (!S_ISDIR(st.st_mode)) continue;
      auto it = std::filesystem::recursive_directory_iterator(
          h, std::filesystem::directory_options::skip_permission_denied, ec);
      for (; !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
        if (protectedFiles.size() >= kMaxProtectedFiles) return;
        if (lstat(it->path().c_str(), &st) == 0 && S_ISREG(st.st_mode))
          protectedFiles[{st.st_dev, st.st_ino}] = it->path().string();
      }
      ec.clear();
    }
  }
};

Sandbox::Sandbox(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Sandbox::~Sandbox() = default;
Sandbox::Stats Sandbox::stats() const { return impl_->stats; }

int Sandbox::takeProxyListener() {
  int fd = impl_->listener;
  impl_->listener = -1;
  return fd;
}

core::Result<std::unique_ptr<Sandbox>> Sandbox::start(gate::Gate& gate, Options options,
                                                      const std::vector<std::string>& argv) {
  if (argv.empty()) return makeError(Code::kInvalidArgument, "no command to run");
  const Support support = probe();
  if (!support.problem.empty()) return makeError(Code::kFailedPrecondition, support.problem);
  auto impl = std::make_unique<Impl>(gate, std::move(options));
  const Options& o = impl->options;

  ChildPlan plan;
  plan.uid = geteuid();
  plan.gid = getegid();
  plan.workspace = o.workspace;
  plan.landlockAbi = support.landlockAbi;
  plan.proxyPort = o.proxyPort;
  plan.argv = argv;
  const gate::FsReach reach = gate.fsReach(o.user, o.agent);
  plan.readTrees = reach.read;
  plan.writeTrees = reach.write;
  plan.hidden = reach.hidden;
  for (const auto& h : o.privatePaths) plan.hidden.push_back(h);
  plan.runtime = defaultRuntime();
  for (const auto& r : o.runtime) plan.runtime.push_back(r);
  impl->runtime = plan.runtime;
  for (const auto* trees : {&reach.read, &reach.write})
    for (const auto& t : *trees)
      if (core::pathWithin("/tmp", t) && t != "/tmp") plan.keepUnderTmp.push_back(t);
  if (core::pathWithin("/tmp", o.workspace) && o.workspace != "/tmp") plan.keepUnderTmp.push_back(o.workspace);
  if (!o.caBundlePem.empty()) {
    plan.caBundlePem = o.caBundlePem;
    plan.caBundlePath = kCaBundlePath;
  }
  plan.envp = childEnvironment(o, fmt::format("http://127.0.0.1:{}", o.proxyPort), plan.caBundlePath, "1");

  impl->indexProtected(plan.hidden);
  impl->nrOpen = syscallNumber("open");
  impl->nrOpenat = syscallNumber("openat");
  impl->nrOpenat2 = syscallNumber("openat2");
  impl->nrCreat = syscallNumber("creat");
  if (seccomp_notify_alloc(&impl->req, &impl->resp) != 0)
    return makeError(Code::kInternal, "cannot allocate seccomp notification buffers");

  // Signals are taken from a signalfd in wait(); every thread started later inherits the mask.
  const sigset_t set = supervisedSignals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);

  int pair[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) != 0)
    return makeError(Code::kInternal, fmt::format("socketpair: {}", std::strerror(errno)));
  std::fflush(nullptr);
  pid_t pid = fork();
  if (pid < 0) {
    ::close(pair[0]);
    ::close(pair[1]);
    return makeError(Code::kInternal, fmt::format("fork: {}", std::strerror(errno)));
  }
  if (pid == 0) {
    ::close(pair[0]);
    detail::childMain(plan, pair[1]);
  }
  ::close(pair[1]);
  impl->child = pid;
  impl->ctl = pair[0];
  // The child reports the listener, the init's pid and then the seccomp listener, or an error.
  for (;;) {
    pollfd p{impl->ctl, POLLIN, 0};
    if (poll(&p, 1, 30000) <= 0)
      return makeError(Code::kUnavailable, "the sandbox did not start within 30 s");
    std::string msg;
    int fd = -1;
    ssize_t n = detail::recvMessage(impl->ctl, msg, &fd);
    if (n <= 0) return makeError(Code::kUnavailable, "the sandbox failed to start (it exited without saying why)");
    const char type = msg[0];
    const std::string text = msg.substr(1);
    if (type == detail::kMsgError) {
      if (fd >= 0) ::close(fd);
      return makeError(Code::kFailedPrecondition, "cannot set up the sandbox: " + text);
    }
    if (type == detail::kMsgListener && fd >= 0) {
      impl->listener = fd;
    } else if (type == detail::kMsgInit) {
      impl->init = static_cast<pid_t>(std::stol(text));
    } else if (type == detail::kMsgNotify && fd >= 0) {
      impl->notifyFd = fd;
      // Wake the supervisor on the caller's CPU and the caller on the supervisor's (Linux 6.6):
      // an open then costs a context switch instead of two cross-CPU wake-ups, which on a
      // virtual machine are a halt and an interrupt each (PERFORMANCE.md, "Sandbox").
      (void)::ioctl(fd, kNotifSetFlags, kNotifSyncWakeUp);
      break;
    } else if (fd >= 0) {
      ::close(fd);
    }
  }
  // `ask` is answered on the controlling terminal, when there is one.
  if (impl->options.askOnTerminal) impl->tty = ::open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
  // The sandbox's private mounts, as the supervisor sees their devices.
  for (const char* m : {"/proc", "/tmp", "/dev/shm", "/run"}) {
    struct stat st {};
    if (impl->init > 0 && ::stat(fmt::format("/proc/{}/root{}", impl->init, m).c_str(), &st) == 0)
      impl->ownDevices.insert(st.st_dev);
  }
  return std::make_unique<Sandbox>(std::move(impl));
}

core::Result<std::unique_ptr<Sandbox>> Sandbox::startUnsandboxed(gate::Gate& gate, Options options,
                                                                 const std::vector<std::string>& argv) {
  if (argv.empty()) return makeError(Code::kInvalidArgument, "no command to run");
  auto impl = std::make_unique<Impl>(gate, std::move(options));
  const Options& o = impl->options;
  // The proxy on an ephemeral port of this network namespace (the command shares it).
  impl->listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (impl->listener < 0 || ::bind(impl->listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(impl->listener, SOMAXCONN) != 0 ||
      ::getsockname(impl->listener, reinterpret_cast<sockaddr*>(&addr), &len) != 0)
    return makeError(Code::kUnavailable, fmt::format("cannot listen on 127.0.0.1: {}", std::strerror(errno)));
  if (!o.caBundlePem.empty()) {
    std::string tmp = "/tmp";
    for (const auto& e : o.environment)
      if (e.rfind("TMPDIR=/", 0) == 0) tmp = e.substr(7);
    std::string path = tmp + "/airlock-run-ca-XXXXXX";
    int fd = ::mkstemp(path.data());
    if (fd < 0) return makeError(Code::kUnavailable, fmt::format("cannot write the CA bundle in {}: {}", tmp, std::strerror(errno)));
    impl->caFile = path;
    const bool written = ::write(fd, o.caBundlePem.data(), o.caBundlePem.size()) ==
                         static_cast<ssize_t>(o.caBundlePem.size());
    ::fchmod(fd, 0644);
    ::close(fd);
    if (!written) return makeError(Code::kUnavailable, "cannot write the CA bundle " + path);
  }
  const std::vector<std::string> env =
      childEnvironment(o, fmt::format("http://127.0.0.1:{}", ntohs(addr.sin_port)), impl->caFile, "none");
  const sigset_t set = supervisedSignals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::fflush(nullptr);
  pid_t pid = fork();
  if (pid < 0) return makeError(Code::kInternal, fmt::format("fork: {}", std::strerror(errno)));
  if (pid == 0) {
    if (::chdir(o.workspace.c_str()) != 0) {
      std::fprintf(stderr, "airlock run: chdir %s: %s\n", o.workspace.c_str(), std::strerror(errno));
      _exit(126);
    }
    detail::execCommand(argv, env);
  }
  impl->child = pid;
  return std::make_unique<Sandbox>(std::move(impl));
}

int Sandbox::wait() {
  Impl& s = *impl_;
  const sigset_t set = supervisedSignals();
  int sfd = signalfd(-1, &set, SFD_CLOEXEC);
  int code = -1;
  while (code < 0) {
    pollfd p[2] = {{sfd, POLLIN, 0}, {s.notifyFd, POLLIN, 0}};
    const nfds_t n = s.notifyFd >= 0 ? 2 : 1;
    if (poll(p, n, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (n == 2 && (p[1].revents & POLLIN)) s.serveOne();
    if (n == 2 && (p[1].revents & (POLLHUP | POLLERR | POLLNVAL))) {
      ::close(s.notifyFd);  // every process under the filter has exited
      s.notifyFd = -1;
    }
    if (p[0].revents & POLLIN) {
      signalfd_siginfo info{};
      if (::read(sfd, &info, sizeof info) != sizeof info) continue;
      const int sig = static_cast<int>(info.ssi_signo);
      if (sig != SIGCHLD) {
        // A terminal's Ctrl-C reaches the command directly (same process group): passed on only
        // when a process sent it.
        if (sig != SIGINT || info.ssi_code != SI_KERNEL) ::kill(s.child, sig);
        continue;
      }
      int status = 0;
      pid_t r = waitpid(s.child, &status, WNOHANG);
      if (r == s.child) code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
  }
  if (sfd >= 0) ::close(sfd);
  s.waited = true;
  return code < 0 ? 125 : code;
}

}  // namespace airlock::sandbox
