#include "adapters/sandbox/child.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/securebits.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <seccomp.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <linux/netlink.h>

#include <fmt/format.h>

namespace airlock::sandbox::detail {

namespace {

// Landlock's user API, spelled out here: Debian 12's headers stop at ABI 2 and the running
// kernel may offer more (the version is probed at run time).
constexpr std::uint64_t kFsExecute = 1ULL << 0;
constexpr std::uint64_t kFsWriteFile = 1ULL << 1;
constexpr std::uint64_t kFsReadFile = 1ULL << 2;
constexpr std::uint64_t kFsReadDir = 1ULL << 3;
constexpr std::uint64_t kFsRemoveDir = 1ULL << 4;
constexpr std::uint64_t kFsRemoveFile = 1ULL << 5;
constexpr std::uint64_t kFsMakeChar = 1ULL << 6;
constexpr std::uint64_t kFsMakeDir = 1ULL << 7;
constexpr std::uint64_t kFsMakeReg = 1ULL << 8;
constexpr std::uint64_t kFsMakeSock = 1ULL << 9;
constexpr std::uint64_t kFsMakeFifo = 1ULL << 10;
constexpr std::uint64_t kFsMakeBlock = 1ULL << 11;
constexpr std::uint64_t kFsMakeSym = 1ULL << 12;
constexpr std::uint64_t kFsRefer = 1ULL << 13;     // ABI 2
constexpr std::uint64_t kFsTruncate = 1ULL << 14;  // ABI 3
constexpr std::uint64_t kFsIoctlDev = 1ULL << 15;  // ABI 5
constexpr std::uint64_t kScopeAbstractUnix = 1ULL << 0;  // ABI 6
constexpr std::uint64_t kScopeSignal = 1ULL << 1;        // ABI 6
constexpr int kRulePathBeneath = 1;

struct RulesetAttr {
  std::uint64_t handledAccessFs;
  std::uint64_t handledAccessNet;
  std::uint64_t scoped;
};
struct __attribute__((packed)) PathBeneathAttr {
  std::uint64_t allowedAccess;
  std::int32_t parentFd;
};

constexpr std::uint64_t kRead = kFsReadFile | kFsReadDir | kFsExecute;
constexpr std::uint64_t kWrite = kFsWriteFile | kFsRemoveDir | kFsRemoveFile | kFsMakeDir | kFsMakeReg |
                                 kFsMakeSock | kFsMakeFifo | kFsMakeSym | kFsRefer | kFsTruncate;

[[noreturn]] void die(int ctl, const std::string& what) {
  sendMessage(ctl, kMsgError, what, -1);
  _exit(127);
}

std::string errText(const std::string& what) { return fmt::format("{}: {}", what, std::strerror(errno)); }

bool writeFile(const char* path, const std::string& text) {
  int fd = ::open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return false;
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ::close(fd);
  return ok;
}

// mkdir -p (mode 0755), for mount points inside a fresh tmpfs.
bool makeDirs(const std::string& path) {
  std::string cur;
  for (std::size_t i = 1; i <= path.size(); ++i) {
    if (i == path.size() || path[i] == '/') {
      cur = path.substr(0, i);
      if (::mkdir(cur.c_str(), 0755) != 0 && errno != EEXIST) return false;
    }
  }
  return true;
}

// Signals the init and the namespace's parent pass on to the command.
sigset_t forwardedSignals() {
  sigset_t set;
  sigemptyset(&set);
  for (int s : {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGCHLD}) sigaddset(&set, s);
  return set;
}

int statusCode(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return 127;
}

// Waits for `child`, passing every forwarded signal on to it; reaps other children too (the
// init of a PID namespace inherits orphans). Returns the child's exit code.
[[noreturn]] void superviseAndExit(pid_t child) {
  sigset_t set = forwardedSignals();
  for (;;) {
    siginfo_t info{};
    int sig = sigwaitinfo(&set, &info);
    if (sig < 0) continue;
    if (sig == SIGCHLD) {
      for (;;) {
        int status = 0;
        pid_t p = waitpid(-1, &status, WNOHANG);
        if (p <= 0) break;
        if (p == child) _exit(statusCode(status));
      }
      continue;
    }
    ::kill(child, sig);
  }
}

void bringUpLoopback(int ctl) {
  int s = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (s < 0) die(ctl, errText("socket"));
  ifreq ifr{};
  std::strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
  if (ioctl(s, SIOCGIFFLAGS, &ifr) != 0) die(ctl, errText("loopback flags"));
  ifr.ifr_flags = static_cast<short>(ifr.ifr_flags | IFF_UP | IFF_RUNNING);
  if (ioctl(s, SIOCSIFFLAGS, &ifr) != 0) die(ctl, errText("loopback up"));
  ::close(s);
}

int proxyListener(int ctl, std::uint16_t port) {
  int s = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (s < 0) die(ctl, errText("socket"));
  int one = 1;
  setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) die(ctl, errText("bind 127.0.0.1 in the sandbox"));
  if (::listen(s, 512) != 0) die(ctl, errText("listen"));
  return s;
}

// The mount namespace: private propagation, a /proc of the new PID namespace, private /tmp,
// /dev/shm and /run, secret paths covered, the CA bundle written.
void setUpMounts(const ChildPlan& plan, int ctl) {
  if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) die(ctl, errText("make / private"));
  // Trees below /tmp the run needs keep their contents: opened before /tmp is covered, bound back after.
  std::vector<std::pair<std::string, int>> keep;
  for (const auto& t : plan.keepUnderTmp) {
    int fd = ::open(t.c_str(), O_PATH | O_CLOEXEC);
    if (fd >= 0) keep.emplace_back(t, fd);
  }
  if (::mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777") != 0) die(ctl, errText("mount /tmp"));
  for (const auto& [path, fd] : keep) {
    struct stat st {};
    if (fstat(fd, &st) != 0) die(ctl, errText("stat " + path));
    if (S_ISDIR(st.st_mode)) {
      if (!makeDirs(path)) die(ctl, errText("mkdir " + path));
    } else {
      if (!makeDirs(path.substr(0, path.rfind('/')))) die(ctl, errText("mkdir " + path));
      int f = ::open(path.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
      if (f >= 0) ::close(f);
    }
    const std::string src = fmt::format("/proc/self/fd/{}", fd);
    if (::mount(src.c_str(), path.c_str(), nullptr, MS_BIND | MS_REC, nullptr) != 0) die(ctl, errText("bind " + path));
    ::close(fd);
  }
  struct stat st {};
  if (::stat("/dev/shm", &st) == 0 && ::mount("tmpfs", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777") != 0)
    die(ctl, errText("mount /dev/shm"));
  if (::stat("/run", &st) == 0 && ::mount("tmpfs", "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755") != 0)
    die(ctl, errText("mount /run"));
  if (::mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr) != 0) die(ctl, errText("mount /proc"));
  for (const auto& h : plan.hidden) {
    if (::lstat(h.c_str(), &st) != 0 || S_ISLNK(st.st_mode)) continue;  // a link is judged by its target
    if (S_ISDIR(st.st_mode)) {
      if (::mount("tmpfs", h.c_str(), "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=000,size=4k") != 0)
        die(ctl, errText("cover " + h));
    } else {
      if (::mount("/dev/null", h.c_str(), nullptr, MS_BIND, nullptr) != 0) die(ctl, errText("cover " + h));
      ::mount(nullptr, h.c_str(), nullptr, MS_BIND | MS_REMOUNT | MS_RDONLY, nullptr);
    }
  }
  if (!plan.caBundlePem.empty()) {
    const std::string dir = plan.caBundlePath.substr(0, plan.caBundlePath.rfind('/'));
    if (!makeDirs(dir)) die(ctl, errText("mkdir " + dir));
    int fd = ::open(plan.caBundlePath.c_str(), O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0644);
    if (fd < 0 || ::write(fd, plan.caBundlePem.data(), plan.caBundlePem.size()) !=
                      static_cast<ssize_t>(plan.caBundlePem.size()))
      die(ctl, errText("write " + plan.caBundlePath));
    ::close(fd);
  }
}

void dropCapabilities(int ctl) {
  if (prctl(PR_SET_SECUREBITS, SECBIT_NOROOT | SECBIT_NOROOT_LOCKED | SECBIT_NO_SETUID_FIXUP |
                                   SECBIT_NO_SETUID_FIXUP_LOCKED | SECBIT_KEEP_CAPS_LOCKED) != 0)
    die(ctl, errText("securebits"));
  for (int cap = 0; cap <= 63; ++cap) {
    if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 && errno != EINVAL) die(ctl, errText("drop capability"));
  }
  prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
  __user_cap_header_struct hdr{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2]{};
  if (syscall(SYS_capset, &hdr, data) != 0) die(ctl, errText("capset"));
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) die(ctl, errText("no_new_privs"));
}

void applyLandlock(const ChildPlan& plan, int ctl) {
  const int abi = plan.landlockAbi;
  std::uint64_t handled = kRead | kWrite | kFsMakeChar | kFsMakeBlock;
  if (abi < 2) handled &= ~kFsRefer;
  if (abi < 3) handled &= ~kFsTruncate;
  if (abi >= 5) handled |= kFsIoctlDev;
  RulesetAttr attr{handled, 0, abi >= 6 ? (kScopeAbstractUnix | kScopeSignal) : 0};
  const std::size_t size = abi >= 6 ? sizeof(RulesetAttr) : sizeof(std::uint64_t);
  int rs = static_cast<int>(syscall(SYS_landlock_create_ruleset, &attr, size, 0));
  if (rs < 0) die(ctl, errText("landlock_create_ruleset"));
  auto allow = [&](const std::string& path, std::uint64_t access) {
    int fd = ::open(path.c_str(), O_PATH | O_CLOEXEC);
    if (fd < 0) return;  // a tree that does not exist grants nothing
    struct stat st {};
    if (fstat(fd, &st) == 0 && !S_ISDIR(st.st_mode)) access &= kFsReadFile | kFsWriteFile | kFsExecute | kFsTruncate | kFsIoctlDev;
    PathBeneathAttr rule{access & handled, fd};
    if (syscall(SYS_landlock_add_rule, rs, kRulePathBeneath, &rule, 0) != 0) die(ctl, errText("landlock rule " + path));
    ::close(fd);
  };
  for (const auto& t : plan.runtime) allow(t, kRead);
  for (const auto& t : plan.readTrees) allow(t, kRead);
  for (const auto& t : plan.writeTrees) allow(t, kWrite | kFsReadFile | kFsReadDir);
  for (const char* dev : {"/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom", "/dev/tty", "/dev/ptmx"})
    allow(dev, kFsReadFile | kFsWriteFile | kFsIoctlDev);
  allow("/dev/pts", kFsReadFile | kFsWriteFile | kFsIoctlDev);
  allow("/dev", kFsReadDir);
  allow("/proc", kFsReadFile | kFsReadDir | kFsWriteFile);
  allow("/tmp", kWrite | kRead);
  allow("/dev/shm", kWrite | kFsReadFile | kFsReadDir);
  allow("/run", kFsReadFile | kFsReadDir);
  if (syscall(SYS_landlock_restrict_self, rs, 0) != 0) die(ctl, errText("landlock_restrict_self"));
  ::close(rs);
}

// The system-call filter; returns the notification listener.
int applySeccomp(int ctl) {
  scmp_filter_ctx f = seccomp_init(SCMP_ACT_ALLOW);
  if (f == nullptr) die(ctl, "seccomp_init failed");
  auto rule = [&](std::uint32_t action, int nr, unsigned count, const scmp_arg_cmp* args) {
    if (nr < 0) return;  // not on this architecture
    int rc = seccomp_rule_add_array(f, action, nr, count, args);
    if (rc != 0) die(ctl, fmt::format("seccomp rule for {}: {}", nr, std::strerror(-rc)));
  };
  // Every open is decided by the supervisor.
  for (const char* name : {"open", "openat", "openat2", "creat"})
    rule(SCMP_ACT_NOTIFY, seccomp_syscall_resolve_name(name), 0, nullptr);
  // Refused and recorded (the supervisor answers EPERM).
  for (const char* name : {"ptrace", "process_vm_writev", "mount", "umount2", "pivot_root", "chroot", "bpf",
                           "perf_event_open", "kexec_load", "kexec_file_load", "init_module", "finit_module",
                           "delete_module", "setns", "keyctl", "add_key", "request_key", "io_uring_setup",
                           "io_uring_enter", "io_uring_register", "open_by_handle_at", "fsopen", "fsmount",
                           "move_mount", "open_tree", "fspick", "fsconfig", "mount_setattr", "userfaultfd",
                           "swapon", "swapoff", "reboot", "acct", "quotactl"})
    rule(SCMP_ACT_NOTIFY, seccomp_syscall_resolve_name(name), 0, nullptr);
  const scmp_arg_cmp newUser = SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_NEWUSER, CLONE_NEWUSER);
  rule(SCMP_ACT_NOTIFY, seccomp_syscall_resolve_name("unshare"), 1, &newUser);
  rule(SCMP_ACT_NOTIFY, seccomp_syscall_resolve_name("clone"), 1, &newUser);
  // clone3 passes its flags in memory the filter cannot read: ENOSYS makes libc fall back to clone.
  rule(SCMP_ACT_ERRNO(ENOSYS), seccomp_syscall_resolve_name("clone3"), 0, nullptr);
  // Typing into the terminal on someone's behalf (TIOCSTI; TIOCLINUX can paste on a virtual
  // console): an agent could answer airlock's own question, or feed the shell it returns to.
  for (unsigned long req : {static_cast<unsigned long>(TIOCSTI), static_cast<unsigned long>(TIOCLINUX)}) {
    const scmp_arg_cmp tioc = SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffU, req);
    rule(SCMP_ACT_NOTIFY, seccomp_syscall_resolve_name("ioctl"), 1, &tioc);
  }
  const int sock = seccomp_syscall_resolve_name("socket");
  const scmp_arg_cmp packet = SCMP_A0(SCMP_CMP_EQ, AF_PACKET);
  rule(SCMP_ACT_NOTIFY, sock, 1, &packet);
  const scmp_arg_cmp netlink[2] = {SCMP_A0(SCMP_CMP_EQ, AF_NETLINK), SCMP_A2(SCMP_CMP_NE, NETLINK_ROUTE)};
  rule(SCMP_ACT_NOTIFY, sock, 2, netlink);
  for (int family : {AF_INET, AF_INET6}) {
    const scmp_arg_cmp raw[2] = {SCMP_A0(SCMP_CMP_EQ, static_cast<scmp_datum_t>(family)),
                                 SCMP_A1(SCMP_CMP_MASKED_EQ, 0xf, SOCK_RAW)};
    rule(SCMP_ACT_NOTIFY, sock, 2, raw);
  }
  int rc = seccomp_load(f);
  if (rc != 0) die(ctl, fmt::format("seccomp_load: {}", std::strerror(-rc)));
  int fd = seccomp_notify_fd(f);
  if (fd < 0) die(ctl, "no seccomp notification descriptor");
  // (The context is not released: its memory goes with exec.)
  return fd;
}

[[noreturn]] void commandMain(const ChildPlan& plan, int ctl) {
  if (::chdir(plan.workspace.c_str()) != 0) die(ctl, errText("chdir " + plan.workspace));
  dropCapabilities(ctl);
  if (plan.landlockAbi > 0) applyLandlock(plan, ctl);
  int nfd = applySeccomp(ctl);
  // From here every open waits for the supervisor, which starts serving once it has this.
  if (!sendMessage(ctl, kMsgNotify, "", nfd)) _exit(127);
  ::close(nfd);
  ::close(ctl);
  execCommand(plan.argv, plan.envp);
}

}  // namespace

[[noreturn]] void execCommand(const std::vector<std::string>& args, const std::vector<std::string>& env) {
  syscall(SYS_close_range, 3U, ~0U, 0U);
  std::vector<char*> argv, envp;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  for (const auto& e : env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  sigset_t none;
  sigemptyset(&none);
  for (int s = 1; s < 32; ++s) std::signal(s, SIG_DFL);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  ::execvpe(argv[0], argv.data(), envp.data());
  std::fprintf(stderr, "airlock run: %s: %s\n", argv[0], std::strerror(errno));
  _exit(errno == ENOENT ? 127 : 126);
}

bool sendMessage(int sock, char type, const std::string& text, int fd) {
  std::string payload(1, type);
  payload += text;
  iovec iov{payload.data(), payload.size()};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))]{};
  if (fd >= 0) {
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    cmsghdr* c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    std::memcpy(CMSG_DATA(c), &fd, sizeof(int));
  }
  return ::sendmsg(sock, &msg, MSG_NOSIGNAL) == static_cast<ssize_t>(payload.size());
}

ssize_t recvMessage(int sock, std::string& out, int* fd) {
  char buf[4096];
  iovec iov{buf, sizeof buf};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))]{};
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  *fd = -1;
  ssize_t n;
  do {
    n = ::recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
  } while (n < 0 && errno == EINTR);
  if (n <= 0) return n;
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c))
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) std::memcpy(fd, CMSG_DATA(c), sizeof(int));
  out.assign(buf, static_cast<std::size_t>(n));
  return n;
}

void childMain(const ChildPlan& plan, int ctl) {
  // The sandbox must not outlive the supervisor, and holds none of its descriptors (the gate's
  // databases would be reachable through /proc/1/fd otherwise).
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (ctl > 3) syscall(SYS_close_range, 3U, static_cast<unsigned>(ctl - 1), 0U);
  syscall(SYS_close_range, static_cast<unsigned>(ctl + 1), ~0U, 0U);
  if (::unshare(CLONE_NEWUSER) != 0) die(ctl, errText("new user namespace"));
  // Map our own ids (what an unprivileged process may do); setgroups must be denied first.
  if (!writeFile("/proc/self/setgroups", "deny") ||
      !writeFile("/proc/self/uid_map", fmt::format("{} {} 1\n", plan.uid, plan.uid)) ||
      !writeFile("/proc/self/gid_map", fmt::format("{} {} 1\n", plan.gid, plan.gid)))
    die(ctl, errText("user namespace id maps"));
  if (::unshare(CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWUTS) != 0)
    die(ctl, errText("new mount, network, PID, IPC and UTS namespaces"));
  bringUpLoopback(ctl);
  int listener = proxyListener(ctl, plan.proxyPort);
  if (!sendMessage(ctl, kMsgListener, "", listener)) _exit(127);
  ::close(listener);

  sigset_t set = forwardedSignals();
  sigprocmask(SIG_BLOCK, &set, nullptr);
  pid_t init = fork();
  if (init < 0) die(ctl, errText("fork"));
  if (init > 0) {
    sendMessage(ctl, kMsgInit, std::to_string(init), -1);
    ::close(ctl);
    superviseAndExit(init);
  }
  // PID 1 of the new namespace.
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  sethostname("airlock", 7);
  setUpMounts(plan, ctl);
  pid_t cmd = fork();
  if (cmd < 0) die(ctl, errText("fork"));
  if (cmd == 0) commandMain(plan, ctl);
  ::close(ctl);
  superviseAndExit(cmd);
}

}  // namespace airlock::sandbox::detail
