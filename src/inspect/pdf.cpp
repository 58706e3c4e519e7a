// PDF: the airlock-pdf helper (src/inspect/pdf/, protocol.h) parses the document in a child
// process. This side spawns it with the limits, feeds it the bytes while reading its JSON lines
// (poll: neither side can block the other on a full pipe), holds a wall-clock deadline, bounds
// what it reads, and always kills and reaps what it started: the helper runs in a process group
// of its own, and the whole group is killed on every way out.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "inspect/extractors.h"
#include "inspect/pdf/protocol.h"

namespace airlock::inspect {

namespace {

using Clock = std::chrono::steady_clock;
constexpr std::size_t kChunk = 64 * 1024;
constexpr std::size_t kMaxStderr = 4096;
constexpr std::uint64_t kMaxLabelTotal = 64ull << 20;  // where + why of all runs

class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() { reset(); }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  bool open() const { return fd_ >= 0; }
  void reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

// The helper's process (and process group): killed and reaped when this goes out of scope on
// any path that did not reap it already.
class Child {
 public:
  Child() = default;
  ~Child() {
    if (pid_ > 0 && !reaped_) {
      kill();
      wait();
    }
    if (pid_ > 0) ::kill(-pid_, SIGKILL);  // anything the helper left in its group
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  pid_t* pidPtr() { return &pid_; }
  void kill() const {
    ::kill(-pid_, SIGKILL);
    ::kill(pid_, SIGKILL);
  }
  // Blocking; after kill() it returns at once.
  void wait() {
    while (!reaped_) {
      const pid_t r = ::waitpid(pid_, &status_, 0);
      if (r == pid_ || (r < 0 && errno != EINTR)) {
        reaped_ = true;
        known_ = r == pid_;
      }
    }
  }
  // Reaps it if it has exited.
  bool tryWait() {
    if (reaped_) return true;
    const pid_t r = ::waitpid(pid_, &status_, WNOHANG);
    if (r == pid_ || (r < 0 && errno != EINTR)) {
      reaped_ = true;
      known_ = r == pid_;  // ECHILD: the caller ignores SIGCHLD and the kernel reaped it
    }
    return reaped_;
  }
  bool statusKnown() const { return known_; }
  int status() const { return status_; }

 private:
  pid_t pid_ = -1;
  bool reaped_ = false;
  bool known_ = false;
  int status_ = 0;
};

// The helper's JSON lines into a Document, with every bound checked as the lines arrive.
class LineParser {
 public:
  explicit LineParser(const Limits& limits)
      : limits_(limits),
        // A run's line is its text JSON-escaped (at most 6 bytes per byte) and two labels.
        maxLine_(limits.maxTextBytes * 6 + 2 * pdf::kMaxLabelBytes * 6 + 4096),
        maxOutput_(limits.maxTextBytes * 6 + (pdf::kMaxRuns + pdf::kMaxNotes + 2) * (2 * pdf::kMaxLabelBytes * 6 + 128)) {
    doc_.format = Format::kPdf;
  }

  // False once the output is unacceptable (failure() says why).
  bool feed(const char* data, std::size_t n) {
    total_ += n;
    if (total_ > maxOutput_) return fail("PDF helper output is over the limit of " + std::to_string(maxOutput_) + " bytes");
    while (n > 0) {
      const char* nl = static_cast<const char*>(std::memchr(data, '\n', n));
      const std::size_t take = nl ? static_cast<std::size_t>(nl - data) : n;
      if (line_.size() + take > maxLine_)
        return fail("PDF helper wrote a line over the limit of " + std::to_string(maxLine_) + " bytes");
      line_.append(data, take);
      if (!nl) break;
      if (!handle(line_)) return false;
      line_.clear();
      data = nl + 1;
      n -= take + 1;
    }
    return true;
  }

  bool finish() {
    if (!line_.empty()) return fail("PDF helper output ends in the middle of a line");
    return true;
  }

  bool failed() const { return !failure_.empty(); }
  const std::string& failure() const { return failure_; }
  const std::string& helperError() const { return helperError_; }
  bool done() const { return done_; }
  Document& document() { return doc_; }

 private:
  bool fail(std::string message) {
    if (failure_.empty()) failure_ = std::move(message);
    return false;
  }

  static bool label(const nlohmann::json& j, const char* key, std::string& out) {
    auto it = j.find(key);
    if (it == j.end() || !it->is_string()) return false;
    out = it->get<std::string>();
    return out.size() <= pdf::kMaxLabelBytes;
  }

  bool handle(const std::string& line) {
    if (done_ || !helperError_.empty()) return fail("PDF helper wrote after its last line");
    nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object()) return fail("PDF helper wrote a malformed line");
    try {
      if (auto e = j.find("error"); e != j.end()) {
        if (!e->is_string() || e->get_ref<const std::string&>().empty()) return fail("PDF helper wrote a malformed error");
        helperError_ = e->get<std::string>();
        return true;
      }
      if (auto note = j.find("note"); note != j.end()) {
        if (!note->is_string()) return fail("PDF helper wrote a malformed note");
        if (doc_.notes.size() > pdf::kMaxNotes) return fail("PDF helper wrote over " + std::to_string(pdf::kMaxNotes) + " notes");
        doc_.notes.push_back(note->get<std::string>());
        return true;
      }
      if (auto done = j.find("done"); done != j.end()) {
        if (!done->is_boolean() || !done->get<bool>()) return fail("PDF helper wrote a malformed end");
        done_ = true;
        return true;
      }
      auto text = j.find("text");
      Run run;
      std::string hiding;
      if (text == j.end() || !text->is_string() || !label(j, "where", run.where) || !label(j, "hiding", hiding) ||
          !label(j, "why", run.why))
        return fail("PDF helper wrote a malformed line");
      if (!parseHiding(hiding, run.hiding)) return fail("PDF helper wrote an unknown hiding '" + hiding + "'");
      run.text = text->get<std::string>();
      textBytes_ += run.text.size();
      labelBytes_ += run.where.size() + run.why.size();
      if (textBytes_ > limits_.maxTextBytes)
        return fail("extracted text is over the limit of " + std::to_string(limits_.maxTextBytes) + " bytes");
      if (doc_.runs.size() >= pdf::kMaxRuns || labelBytes_ > kMaxLabelTotal)
        return fail("PDF helper wrote over " + std::to_string(pdf::kMaxRuns) + " runs");
      doc_.runs.push_back(std::move(run));
      return true;
    } catch (const nlohmann::json::exception&) {
      return fail("PDF helper wrote a malformed line");
    }
  }

  static bool parseHiding(std::string_view name, Hiding& out) {
    for (int h = static_cast<int>(Hiding::kVisible); h <= static_cast<int>(Hiding::kMetadata); ++h) {
      if (hidingName(static_cast<Hiding>(h)) == name) {
        out = static_cast<Hiding>(h);
        return true;
      }
    }
    return false;
  }

  const Limits& limits_;
  const std::uint64_t maxLine_;
  const std::uint64_t maxOutput_;
  std::uint64_t total_ = 0;
  std::uint64_t textBytes_ = 0;
  std::uint64_t labelBytes_ = 0;
  std::string line_;
  std::string failure_;
  std::string helperError_;
  bool done_ = false;
  Document doc_;
};

// The first line of what the helper wrote on stderr (a sanitizer report, a loader error), for
// an error message: printable, bounded. The helper writes no document text there.
std::string firstLine(std::string_view err) {
  err = err.substr(0, std::min(err.find('\n'), std::size_t{200}));
  std::string out;
  for (char c : err) out += static_cast<unsigned char>(c) < 0x20 ? ' ' : c;
  return out;
}

std::string helperProblem(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return errno == ENOENT ? "not found" : std::strerror(errno);
  if (!S_ISREG(st.st_mode)) return "not a file";
  if (::access(path.c_str(), X_OK) != 0) return "not executable";
  return {};
}

core::Error timedOut(const Limits& limits) {
  return core::makeError(core::Code::kUnavailable, "PDF helper timed out after " + std::to_string(limits.timeoutMs) + " ms");
}

}  // namespace

core::Result<Document> extractPdf(std::string_view bytes, const Limits& limits) {
  if (limits.pdfHelper.empty())
    return core::makeError(core::Code::kFailedPrecondition, "PDF inspection needs the airlock-pdf helper: no path given");
  if (std::string problem = helperProblem(limits.pdfHelper); !problem.empty())
    return core::makeError(core::Code::kFailedPrecondition,
                           "PDF inspection needs the airlock-pdf helper: " + limits.pdfHelper + ": " + problem);

  // stdin is a socket so that writing to a helper that stopped reading is EPIPE (MSG_NOSIGNAL),
  // not a SIGPIPE in this process.
  int in[2], out[2], err[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, in) != 0)
    return core::makeError(core::Code::kUnavailable, std::string("cannot start the PDF helper: ") + std::strerror(errno));
  Fd inParent(in[0]), inChild(in[1]);
  if (::pipe2(out, O_CLOEXEC) != 0)
    return core::makeError(core::Code::kUnavailable, std::string("cannot start the PDF helper: ") + std::strerror(errno));
  Fd outParent(out[0]), outChild(out[1]);
  if (::pipe2(err, O_CLOEXEC) != 0)
    return core::makeError(core::Code::kUnavailable, std::string("cannot start the PDF helper: ") + std::strerror(errno));
  Fd errParent(err[0]), errChild(err[1]);

  const std::uint64_t cpuSeconds = limits.timeoutMs / 1000 + 2;
  std::vector<std::string> args = {limits.pdfHelper,
                                   "--max-bytes", std::to_string(limits.maxInputBytes),
                                   "--max-pages", std::to_string(limits.maxPages),
                                   "--max-text", std::to_string(limits.maxTextBytes),
                                   "--max-memory", std::to_string(limits.helperMemoryBytes),
                                   "--max-cpu", std::to_string(cpuSeconds)};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::string path = "PATH=/usr/bin:/bin";
  std::array<char*, 2> envp = {path.data(), nullptr};

  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  posix_spawn_file_actions_init(&actions);
  posix_spawnattr_init(&attr);
  posix_spawn_file_actions_adddup2(&actions, inChild.get(), 0);
  posix_spawn_file_actions_adddup2(&actions, outChild.get(), 1);
  posix_spawn_file_actions_adddup2(&actions, errChild.get(), 2);
  // A process group of its own, so that a timeout kills whatever it started too; signals as a
  // fresh process has them, whatever this one blocks or ignores.
  sigset_t none, defaults;
  sigemptyset(&none);
  sigemptyset(&defaults);
  for (int sig : {SIGPIPE, SIGXCPU, SIGXFSZ, SIGCHLD, SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGALRM, SIGUSR1, SIGUSR2})
    sigaddset(&defaults, sig);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  Child child;
  const int rc = ::posix_spawn(child.pidPtr(), limits.pdfHelper.c_str(), &actions, &attr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) {
    *child.pidPtr() = -1;
    return core::makeError(core::Code::kUnavailable,
                           "cannot start the PDF helper " + limits.pdfHelper + ": " + std::strerror(rc));
  }
  inChild.reset();
  outChild.reset();
  errChild.reset();
  for (int fd : {inParent.get(), outParent.get(), errParent.get()}) ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);

  const auto deadline = Clock::now() + std::chrono::milliseconds(limits.timeoutMs);
  LineParser parser(limits);
  std::string errText;
  std::size_t written = 0;
  if (bytes.empty()) inParent.reset();
  std::vector<char> buf(kChunk);
  while (outParent.open() || errParent.open()) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) {
      child.kill();
      child.wait();
      return timedOut(limits);
    }
    std::array<pollfd, 3> fds{};
    nfds_t n = 0;
    int inAt = -1, outAt = -1, errAt = -1;
    if (inParent.open()) {
      inAt = static_cast<int>(n);
      fds[n++] = {inParent.get(), POLLOUT, 0};
    }
    if (outParent.open()) {
      outAt = static_cast<int>(n);
      fds[n++] = {outParent.get(), POLLIN, 0};
    }
    if (errParent.open()) {
      errAt = static_cast<int>(n);
      fds[n++] = {errParent.get(), POLLIN, 0};
    }
    const int ready = ::poll(fds.data(), n, static_cast<int>(std::min<long long>(left, 1 << 30)));
    if (ready < 0) {
      if (errno == EINTR) continue;
      return core::makeError(core::Code::kInternal, std::string("waiting for the PDF helper: ") + std::strerror(errno));
    }
    if (inAt >= 0 && fds[inAt].revents != 0) {
      const std::size_t chunk = std::min(kChunk, bytes.size() - written);
      const ssize_t w = ::send(inParent.get(), bytes.data() + written, chunk, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (w > 0) written += static_cast<std::size_t>(w);
      // Done, or the helper stopped reading (it says why on stdout).
      if (written == bytes.size() || (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) inParent.reset();
    }
    if (outAt >= 0 && fds[outAt].revents != 0) {
      const ssize_t r = ::read(outParent.get(), buf.data(), buf.size());
      if (r > 0) {
        if (!parser.feed(buf.data(), static_cast<std::size_t>(r))) {
          child.kill();
          child.wait();
          return core::makeError(core::Code::kInternal, parser.failure());
        }
      } else if (r == 0 || (errno != EAGAIN && errno != EINTR)) {
        outParent.reset();
      }
    }
    if (errAt >= 0 && fds[errAt].revents != 0) {
      const ssize_t r = ::read(errParent.get(), buf.data(), buf.size());
      if (r > 0) {
        errText.append(buf.data(), std::min(static_cast<std::size_t>(r), kMaxStderr - std::min(kMaxStderr, errText.size())));
      } else if (r == 0 || (errno != EAGAIN && errno != EINTR)) {
        errParent.reset();
      }
    }
  }
  inParent.reset();
  // Its output is closed; it is exiting (or holding on to the CPU until the deadline).
  for (long sleepUs = 50; !child.tryWait(); sleepUs = std::min(sleepUs * 2, 10000L)) {
    if (Clock::now() >= deadline) {
      child.kill();
      child.wait();
      return timedOut(limits);
    }
    timespec ts{0, sleepUs * 1000};
    ::nanosleep(&ts, nullptr);
  }
  if (!parser.helperError().empty()) return core::makeError(core::Code::kInvalidArgument, parser.helperError());
  if (child.statusKnown()) {
    const int status = child.status();
    if (WIFSIGNALED(status)) {
      const int sig = WTERMSIG(status);
      return core::makeError(core::Code::kInternal, "PDF helper died (signal " + std::to_string(sig) + ")" +
                                                         (sig == SIGXCPU ? ": over its CPU time limit" : ""));
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) != 0) {
      std::string message = "PDF helper failed (exit " + std::to_string(WEXITSTATUS(status)) + ")";
      if (!errText.empty()) message += ": " + firstLine(errText);
      return core::makeError(core::Code::kInternal, message);
    }
  }
  if (!parser.finish()) return core::makeError(core::Code::kInternal, parser.failure());
  if (!parser.done()) return core::makeError(core::Code::kInternal, "PDF helper stopped without finishing");
  return std::move(parser.document());
}

}  // namespace airlock::inspect
