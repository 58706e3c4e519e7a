// `airlock scan`: DLP findings in files, folders and stdin, streaming redaction into files or
// stdout, and deanonymization of encrypted tokens (docs/cli.md).
//
// Every body is read in 64 KiB chunks through one ScanStream: memory is bounded by the
// scanner's look-behind plus a chunk whatever the size of the file. Findings arrive out of
// order and up to that distance behind the stream, so each body keeps a small window of bytes
// (for the masked preview) and of line starts (for line:col), and prints findings in file order
// once they start below ScanStream::settledOffset(). Raw values are never printed: the preview
// is the value masked (last 4 characters at most, never more than half).
#include <dirent.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <set>

#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/gitignore.h"
#include "core/text.h"
#include "dlp/anonymize.h"
#include "dlp/redactor.h"
#include "dlp/scanner.h"

namespace airlock::cli {

namespace {

constexpr std::size_t kChunk = 64 * 1024;
constexpr std::size_t kBinaryProbe = 8 * 1024;  // a NUL byte in here: a binary file
constexpr std::size_t kMaxPreview = 64;
constexpr std::size_t kGitignoreLimit = 1 << 20;
// "[[airlock:enc:" + a 64-character stem + ":" + an 8192-character body + "]]": the longest
// token deanonymize() accepts (anonymize.h).
constexpr std::string_view kTokenPrefix = "[[airlock:enc:";
constexpr std::size_t kMaxTokenChars = kTokenPrefix.size() + 64 + 1 + 8192 + 2;

struct ScanFlags {
  std::vector<std::string> paths;
  std::vector<std::string> detectors;
  std::vector<std::string> exclude;
  std::string minConfidence = "low";
  std::string format = "text";
  std::string redact;
  std::string output;
  std::string keyEnv = "AIRLOCK_DLP_KEY";
  bool json = false;
  bool decode = false;
  bool gitignore = false;
  bool listDetectors = false;
  bool deanonymize = false;
};

std::string errnoText() { return std::strerror(errno); }

// Reads until `size` bytes or end of input; -1 on error (errno set).
ssize_t readSome(int fd, char* buf, std::size_t size, std::size_t atLeast) {
  std::size_t got = 0;
  while (got < atLeast) {
    ssize_t n = read(fd, buf + got, size - got);
    if (n < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  return static_cast<ssize_t>(got);
}

bool writeAll(std::FILE* f, std::string_view s) {
  return s.empty() || std::fwrite(s.data(), 1, s.size(), f) == s.size();
}

// Control bytes escaped, long previews shortened in the middle: the masked value keeps its
// last characters, which are the ones that help a reader recognise it.
std::string printable(std::string_view masked) {
  std::string out;
  out.reserve(masked.size());
  for (char ch : masked) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20 || c == 0x7f) {
      out += fmt::format("\\x{:02x}", c);
    } else {
      out += ch;
    }
  }
  if (out.size() > kMaxPreview) {
    const std::size_t keep = kMaxPreview / 2 - 2;
    out = out.substr(0, keep) + "..." + out.substr(out.size() - keep);
  }
  return out;
}

// Line starts of the part of a body that findings can still point into (a window, not the
// whole body): offset → 1-based line and byte column. No allocation per byte once warm.
class LineIndex {
 public:
  void reset() {
    starts_.assign(1, 0);
    head_ = 0;
    firstLine_ = 1;
  }
  void add(std::string_view chunk, std::uint64_t at) {
    std::size_t i = 0;
#if defined(__SSE2__)
    // Sixteen bytes at a time (a memchr call per line cost more than the scan: lines are short).
    const __m128i nl = _mm_set1_epi8('\n');
    for (; i + 16 <= chunk.size(); i += 16) {
      const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(chunk.data() + i));
      for (auto bits = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(x, nl))); bits != 0; bits &= bits - 1)
        starts_.push_back(at + i + static_cast<std::uint64_t>(__builtin_ctz(bits)) + 1);
    }
#endif
    for (; i < chunk.size(); ++i)
      if (chunk[i] == '\n') starts_.push_back(at + i + 1);
  }
  // `offset` must not be below the last forget().
  std::pair<std::uint64_t, std::uint64_t> locate(std::uint64_t offset) const {
    const std::size_t i = lineOf(offset);
    return {firstLine_ + (i - head_), offset - starts_[i] + 1};
  }
  // No offset below `floor` will be asked for again.
  void forget(std::uint64_t floor) {
    const std::size_t i = lineOf(floor);
    firstLine_ += i - head_;
    head_ = i;
    if (head_ >= 4096 && head_ * 2 >= starts_.size()) {
      starts_.erase(starts_.begin(), starts_.begin() + static_cast<std::ptrdiff_t>(head_));
      head_ = 0;
    }
  }

 private:
  std::size_t lineOf(std::uint64_t offset) const {
    auto it = std::upper_bound(starts_.begin() + static_cast<std::ptrdiff_t>(head_), starts_.end(),
                               offset);
    return static_cast<std::size_t>(it - starts_.begin()) - 1;
  }
  std::vector<std::uint64_t> starts_{0};
  std::size_t head_ = 0;
  std::uint64_t firstLine_ = 1;
};

// The bytes of a body from `base_` on: what pending findings still need for their preview.
class ByteWindow {
 public:
  void reset() {
    buf_.clear();
    base_ = 0;
  }
  void add(std::string_view chunk) { buf_.append(chunk); }
  std::string_view view(std::uint64_t start, std::uint64_t end) const {
    return std::string_view(buf_).substr(static_cast<std::size_t>(start - base_),
                                         static_cast<std::size_t>(end - start));
  }
  void forget(std::uint64_t floor) {  // amortised: only when it frees half the buffer
    if (floor > base_ && (floor - base_) * 2 >= buf_.size()) {
      buf_.erase(0, static_cast<std::size_t>(floor - base_));
      base_ = floor;
    }
  }

 private:
  std::string buf_;
  std::uint64_t base_ = 0;
};

// "files done / bytes" on stderr, redrawn at most ten times a second; only when both stdout
// and stderr are terminals (stdout piped to a program must not get it, and a redirected
// stderr must not fill up with carriage returns).
class Progress {
 public:
  void enable(bool on) { enabled_ = on; }
  void addBytes(std::uint64_t n) {
    bytes_ += n;
    maybeDraw();
  }
  void fileDone() {
    ++files_;
    maybeDraw();
  }
  // Before a line goes to stdout.
  void hide() {
    if (!shown_) return;
    std::fputs("\r\033[K", stderr);
    shown_ = false;
  }
  void finish() { hide(); }

 private:
  void maybeDraw() {
    if (!enabled_) return;
    auto now = std::chrono::steady_clock::now();
    if (drawn_ && now - last_ < std::chrono::milliseconds(100)) return;
    drawn_ = true;
    last_ = now;
    std::fflush(stdout);
    std::fprintf(stderr, "\r\033[Kairlock scan: %llu files, %.1f MB",
                 static_cast<unsigned long long>(files_), static_cast<double>(bytes_) / 1e6);
    shown_ = true;
  }
  bool enabled_ = false;
  bool shown_ = false;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point last_{};
  std::uint64_t files_ = 0;
  std::uint64_t bytes_ = 0;
};

// Last path component of a command-line folder ("" for ".", ".." and "/"): where its files go
// under --output, as `cp -r FOLDER DIR` would put them.
std::string rootName(std::string_view root) {
  while (root.size() > 1 && root.back() == '/') root.remove_suffix(1);
  const std::size_t slash = root.rfind('/');
  std::string_view name = slash == std::string_view::npos ? root : root.substr(slash + 1);
  if (name == "." || name == ".." || name == "/" || name.empty()) return {};
  return std::string(name);
}

std::string joinPath(std::string_view dir, std::string_view name) {
  if (dir.empty()) return std::string(name);
  if (dir.back() == '/') return std::string(dir) + std::string(name);
  return std::string(dir) + "/" + std::string(name);
}

class ScanRun {
 public:
  ScanRun(const ScanFlags& flags, const dlp::Scanner& scanner, dlp::Anonymizer& masker)
      : flags_(flags),
        scanner_(scanner),
        masker_(masker),
        buf_(kChunk, '\0'),
        counts_(scanner.detectorCount(), 0) {
    sink_ = [this](const dlp::Finding& f) { pending_.push_back(f); };
  }

  bool found() const { return found_; }
  bool failed() const { return failed_; }
  Progress& progress() { return progress_; }

  // --redact: where anonymized bodies go (empty = stdout) and with what.
  void setRedaction(dlp::AnonymizeOptions options, std::string outDir,
                    std::set<std::pair<dev_t, ino_t>> inputs) {
    redact_ = true;
    inputs_ = std::move(inputs);
    anonOptions_ = std::move(options);
    outDir_ = std::move(outDir);
  }

  void error(std::string_view path, std::string_view what) {
    progress_.hide();
    std::fprintf(stderr, "airlock scan: %.*s: %.*s\n", static_cast<int>(path.size()), path.data(),
                 static_cast<int>(what.size()), what.data());
    failed_ = true;
  }

  void scanStdin() { body(0, "-", "", false); }

  // A path named on the command line: a folder is walked, anything else read as it is
  // (a binary file named on purpose is scanned too). `implicit`: no path was given.
  void scanArg(const std::string& path, bool implicit) {
    struct stat st {};
    if (stat(path.c_str(), &st) != 0) {
      error(path, errnoText());
      return;
    }
    if (S_ISDIR(st.st_mode)) {
      walkRoot(path, implicit);
      return;
    }
    int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
      error(path, errnoText());
      return;
    }
    std::string outRel = rootName(path);
    body(fd, path, outRel, false);
    close(fd);
  }

  void summary(std::uint64_t files) {
    std::uint64_t total = 0;
    std::uint64_t withFindings = filesWithFindings_;
    std::string parts;
    for (std::size_t i = 0; i < counts_.size(); ++i) {
      if (counts_[i] == 0) continue;
      total += counts_[i];
      parts += fmt::format("{}{} {}", parts.empty() ? "" : ", ",
                           scanner_.detector(static_cast<std::uint16_t>(i)).id, counts_[i]);
    }
    progress_.hide();
    if (total == 0) {
      std::fprintf(stderr, "airlock scan: no findings in %llu file%s\n",
                   static_cast<unsigned long long>(files), files == 1 ? "" : "s");
    } else {
      std::fprintf(stderr, "airlock scan: %llu finding%s in %llu of %llu file%s: %s\n",
                   static_cast<unsigned long long>(total), total == 1 ? "" : "s",
                   static_cast<unsigned long long>(withFindings),
                   static_cast<unsigned long long>(files), files == 1 ? "" : "s", parts.c_str());
    }
  }
  std::uint64_t filesScanned() const { return filesScanned_; }

 private:
  // ------------------------------------------------------------------------------- walking

  void walkRoot(const std::string& root, bool implicit) {
    GitIgnore ignore;
    if (flags_.gitignore) loadAncestorIgnores(root, ignore);
    const std::size_t baseDepth = ignore.depth();
    walkDir(implicit ? std::string() : root, root, "", implicit ? "" : rootName(root), ignore);
    while (ignore.depth() > baseDepth) ignore.pop();
  }

  // `display`: the folder as printed ("" for the implicit "."); `fsPath`: as opened; `rel`:
  // relative to the root, with a trailing "/" unless empty.
  void walkDir(const std::string& display, const std::string& fsPath, const std::string& rel,
               const std::string& outBase, GitIgnore& ignore) {
    DIR* dir = opendir(fsPath.empty() ? "." : fsPath.c_str());
    if (dir == nullptr) {
      error(display.empty() ? "." : display, errnoText());
      return;
    }
    struct Entry {
      std::string name;
      bool isDir;
    };
    std::vector<Entry> entries;
    bool hasIgnoreFile = false;
    errno = 0;
    while (dirent* e = readdir(dir)) {
      std::string_view name = e->d_name;
      if (name == "." || name == ".." || name == ".git") continue;
      struct stat st {};
      bool isDir = false;
      bool isFile = false;
      if (e->d_type == DT_DIR) {
        isDir = true;
      } else if (e->d_type == DT_REG) {
        isFile = true;
      } else if (e->d_type == DT_LNK) {
        // A symlinked file is read; a symlinked folder is not followed.
        if (fstatat(dirfd(dir), e->d_name, &st, 0) == 0) isFile = S_ISREG(st.st_mode);
      } else if (fstatat(dirfd(dir), e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
        isDir = S_ISDIR(st.st_mode);
        isFile = S_ISREG(st.st_mode);
        if (S_ISLNK(st.st_mode) && fstatat(dirfd(dir), e->d_name, &st, 0) == 0)
          isFile = S_ISREG(st.st_mode);
      }
      if (name == ".gitignore" && isFile) hasIgnoreFile = true;
      if (isDir || isFile) entries.push_back({std::string(name), isDir});
      errno = 0;
    }
    const int readErr = errno;
    closedir(dir);
    if (readErr != 0) {
      errno = readErr;
      error(display.empty() ? "." : display, errnoText());
    }
    std::sort(entries.begin(), entries.end(),
              [](const Entry& a, const Entry& b) { return a.name < b.name; });

    bool pushed = false;
    if (flags_.gitignore && hasIgnoreFile)
      pushed = pushIgnoreFile(joinPath(fsPath, ".gitignore"), "", rel.size(), ignore);
    for (const Entry& e : entries) {
      const std::string relPath = rel + e.name;
      if (flags_.gitignore && ignore.ignored(relPath, e.isDir)) continue;
      const std::string childDisplay = joinPath(display, e.name);
      const std::string childFs = fsPath.empty() ? e.name : joinPath(fsPath, e.name);
      const std::string childOut = joinPath(outBase, e.name);
      if (e.isDir) {
        walkDir(childDisplay, childFs, relPath + "/", childOut, ignore);
      } else {
        walkFile(childDisplay, childFs, childOut);
      }
    }
    if (pushed) ignore.pop();
  }

  void walkFile(const std::string& display, const std::string& fsPath, const std::string& outRel) {
    int fd = open(fsPath.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) {
      error(display, errnoText());
      return;
    }
    struct stat st {};
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {  // replaced since it was listed
      close(fd);
      return;
    }
    body(fd, display, outRel, true);
    close(fd);
  }

  bool pushIgnoreFile(const std::string& path, std::string up, std::size_t strip,
                      GitIgnore& ignore) {
    int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) return false;
    auto text = readAll(fd, kGitignoreLimit);
    close(fd);
    if (!text) {
      progress_.hide();
      std::fprintf(stderr, "airlock scan: %s: ignored: %s\n", path.c_str(),
                   text.error().message.c_str());
      return false;
    }
    ignore.push(*text, std::move(up), strip);
    return true;
  }

  // The .gitignore files between the root and the top of its git work tree, and that work
  // tree's .git/info/exclude, as ripgrep does. Nothing when the root is not in a work tree.
  void loadAncestorIgnores(const std::string& root, GitIgnore& ignore) {
    namespace fs = std::filesystem;
    std::error_code ec;
    fs::path real = fs::canonical(root, ec);
    if (ec) return;
    std::vector<fs::path> chain;  // from the root up to the work tree's top
    fs::path top;
    for (fs::path p = real;; p = p.parent_path()) {
      chain.push_back(p);
      if (fs::exists(p / ".git", ec)) {
        top = p;
        break;
      }
      if (p == p.root_path() || p.parent_path() == p) return;
    }
    auto upOf = [&real](const fs::path& ancestor) {
      std::string r = real.lexically_relative(ancestor).generic_string();
      return r == "." ? std::string() : r + "/";
    };
    if (fs::is_directory(top / ".git", ec))
      pushIgnoreFile((top / ".git" / "info" / "exclude").string(), upOf(top), 0, ignore);
    // Shallowest first: deeper files take precedence.
    for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
      if (*it == real) break;  // the root's own .gitignore is read by the walk
      pushIgnoreFile((*it / ".gitignore").string(), upOf(*it), 0, ignore);
    }
  }

  // ---------------------------------------------------------------------------- one body

  // Reads one body from `fd`; `walked`: found in a folder, so a binary file is skipped.
  void body(int fd, const std::string& display, const std::string& outRel, bool walked) {
    if (walked) {
      // O_NONBLOCK only guarded the open against FIFOs swapped in; regular files ignore it.
      fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    }
    ssize_t n = readSome(fd, buf_.data(), buf_.size(), walked ? kBinaryProbe : 1);
    if (n < 0) {
      error(display, errnoText());
      return;
    }
    std::string_view first(buf_.data(), static_cast<std::size_t>(n));
    if (walked && std::memchr(first.data(), '\0', std::min(first.size(), kBinaryProbe)) != nullptr)
      return;
    ++filesScanned_;
    if (redact_) {
      redactBody(fd, display, outRel, first);
    } else {
      scanBody(fd, display, first);
    }
    progress_.fileDone();
  }

  // Calls `chunk(view)` for `first` and every further chunk of `fd`; false after an error.
  template <typename OnChunk>
  bool readChunks(int fd, const std::string& display, std::string_view first, OnChunk&& onChunk) {
    std::string_view chunk = first;
    while (!chunk.empty()) {
      progress_.addBytes(chunk.size());
      if (!onChunk(chunk)) return false;
      ssize_t n = readSome(fd, buf_.data(), buf_.size(), 1);
      if (n < 0) {
        error(display, errnoText());
        return false;
      }
      chunk = std::string_view(buf_.data(), static_cast<std::size_t>(n));
    }
    return true;
  }

  void scanBody(int fd, const std::string& display, std::string_view first) {
    dlp::ScanStream stream(scanner_);
    lines_.reset();
    window_.reset();
    pending_.clear();
    std::uint64_t at = 0;
    bool any = false;
    bool ok = readChunks(fd, display, first, [&](std::string_view chunk) {
      lines_.add(chunk, at);
      window_.add(chunk);
      at += chunk.size();
      auto st = stream.feed(chunk, sink_);
      if (!st) {
        error(display, st.error().toString());
        return false;
      }
      any |= flush(display, stream.settledOffset());
      return true;
    });
    if (!ok) return;
    auto st = stream.finish(sink_);
    if (!st) {
      error(display, st.error().toString());
      return;
    }
    any |= flush(display, stream.consumed());
    if (any) {
      found_ = true;
      ++filesWithFindings_;
    }
  }

  // Prints the pending findings that start below `settled`, in file order; true if any.
  bool flush(const std::string& display, std::uint64_t settled) {
    std::sort(pending_.begin(), pending_.end(), dlp::findingLess);
    std::size_t n = 0;
    for (; n < pending_.size() && pending_[n].start < settled; ++n) print(display, pending_[n]);
    pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(n));
    const std::uint64_t floor =
        pending_.empty() ? settled : std::min(settled, pending_.front().start);
    lines_.forget(floor);
    window_.forget(floor);
    return n > 0;
  }

  void print(const std::string& display, const dlp::Finding& f) {
    const dlp::Detector& d = scanner_.detector(f.detector);
    const auto [line, col] = lines_.locate(f.start);
    const std::string preview = printable(masker_.replace(d, window_.view(f.start, f.end)));
    const auto encoding = static_cast<dlp::Encoding>(f.encoding);
    ++counts_[f.detector];
    progress_.hide();
    if (flags_.json) {
      // One object, the keys in this order, compact: what nlohmann::ordered_json dumps, written
      // directly (a finding every few KB of ordinary text made building the object a tenth of a
      // scan). The path is escaped once per file.
      if (display != jsonPathOf_) {
        jsonPathOf_ = display;
        jsonPath_.clear();
        core::appendJsonString(jsonPath_, display);
      }
      line_ = "{\"path\":";
      line_ += jsonPath_;
      fmt::format_to(std::back_inserter(line_), ",\"line\":{},\"col\":{},\"offset\":{},\"length\":{},\"detector\":",
                     line, col, f.start, f.end - f.start);
      core::appendJsonString(line_, d.id);
      line_ += ",\"category\":";
      core::appendJsonString(line_, dlp::categoryName(d.category));
      line_ += ",\"confidence\":";
      core::appendJsonString(line_, dlp::confidenceName(f.confidence));
      line_ += ",\"reason\":";
      core::appendJsonString(line_, f.reason);
      line_ += ",\"encoding\":";
      core::appendJsonString(line_, dlp::encodingName(encoding));
      line_ += ",\"preview\":";
      core::appendJsonString(line_, preview);
      line_ += '}';
    } else {
      line_ = fmt::format("{}:{}:{}: {} ({}) {}", display, line, col, d.id,
                          dlp::confidenceName(f.confidence), preview);
      if (encoding != dlp::Encoding::kNone)
        line_ += fmt::format(" [{}]", dlp::encodingName(encoding));
    }
    line_ += '\n';
    writeAll(stdout, line_);
  }

  // ---------------------------------------------------------------------------- redaction

  void redactBody(int fd, const std::string& display, const std::string& outRel,
                  std::string_view first) {
    auto anon = dlp::Anonymizer::make(anonOptions_);
    if (!anon) {
      error(display, anon.error().message);
      return;
    }
    std::FILE* out = stdout;
    std::string target;
    std::string tmp;
    if (!outDir_.empty()) {
      target = joinPath(outDir_, outRel);
      if (!written_.insert(target).second) {
        error(display, fmt::format("{} was already written from another input", target));
        return;
      }
      struct stat in {};
      struct stat was {};
      const bool exists = stat(target.c_str(), &was) == 0;
      const bool isThisInput =
          exists && fstat(fd, &in) == 0 && in.st_dev == was.st_dev && in.st_ino == was.st_ino;
      if (isThisInput || (exists && inputs_.count({was.st_dev, was.st_ino}) != 0)) {
        error(display, fmt::format("refusing to overwrite the input with {}", target));
        return;
      }
      if (!makeParents(display, target)) return;
      tmp = target + ".airlock-XXXXXX";
      int ofd = mkstemp(tmp.data());
      if (ofd < 0) {
        error(target, errnoText());
        return;
      }
      fchmod(ofd, (in.st_mode & 07777) != 0 ? (in.st_mode & 0777) : 0644);
      out = fdopen(ofd, "wb");
      if (out == nullptr) {
        close(ofd);
        unlink(tmp.c_str());
        error(target, errnoText());
        return;
      }
    }
    dlp::Redactor redactor(scanner_, *anon);
    text_.clear();
    bool ok = readChunks(fd, display, first, [&](std::string_view chunk) {
      text_.clear();
      auto st = redactor.feed(chunk, text_);
      if (!st) {
        error(display, st.error().toString());
        return false;
      }
      if (!writeAll(out, text_)) {
        error(target.empty() ? "stdout" : target, errnoText());
        return false;
      }
      return true;
    });
    if (ok) {
      text_.clear();
      auto st = redactor.finish(text_);
      if (!st) {
        error(display, st.error().toString());
        ok = false;
      } else if (!writeAll(out, text_)) {
        error(target.empty() ? "stdout" : target, errnoText());
        ok = false;
      }
    }
    if (out != stdout) {
      if (std::fclose(out) != 0 && ok) {
        error(target, errnoText());
        ok = false;
      }
      if (ok && std::rename(tmp.c_str(), target.c_str()) != 0) {
        error(target, errnoText());
        ok = false;
      }
      if (!ok) unlink(tmp.c_str());
    }
    if (!ok) return;
    for (const dlp::Finding& f : redactor.findings()) ++counts_[f.detector];
    if (!redactor.findings().empty()) {
      found_ = true;
      ++filesWithFindings_;
    }
  }

  bool makeParents(const std::string& display, const std::string& target) {
    for (std::size_t slash = target.find('/', 1); slash != std::string::npos;
         slash = target.find('/', slash + 1)) {
      const std::string dir = target.substr(0, slash);
      if (mkdir(dir.c_str(), 0777) != 0 && errno != EEXIST) {
        error(display, fmt::format("cannot create {}: {}", dir, errnoText()));
        return false;
      }
    }
    return true;
  }

  const ScanFlags& flags_;
  const dlp::Scanner& scanner_;
  dlp::Anonymizer& masker_;  // mask mode: the previews
  std::string buf_;          // the read buffer, one chunk
  dlp::FindingSink sink_;
  std::vector<dlp::Finding> pending_;  // confirmed, not printed yet
  LineIndex lines_;
  ByteWindow window_;
  std::string line_;
  std::string jsonPathOf_, jsonPath_;  // the last path printed in JSON, and its JSON string
  std::string text_;
  std::vector<std::uint64_t> counts_;  // per detector index
  std::uint64_t filesScanned_ = 0;
  std::uint64_t filesWithFindings_ = 0;
  Progress progress_;
  bool found_ = false;
  bool failed_ = false;

  bool redact_ = false;
  dlp::AnonymizeOptions anonOptions_;
  std::string outDir_;
  std::set<std::string> written_;
  std::set<std::pair<dev_t, ino_t>> inputs_;  // the files named on the command line
};

// ------------------------------------------------------------------------- other modes

void listDetectors(const std::string& format) {
  auto all = dlp::allDetectors();
  if (format == "markdown") {
    std::printf("| id | category | what it finds |\n|---|---|---|\n");
    for (const auto& d : all) {
      std::string desc;
      for (char c : d.description) desc += c == '|' ? std::string("\\|") : std::string(1, c);
      std::printf("| `%.*s` | %.*s | %s |\n", static_cast<int>(d.id.size()), d.id.data(),
                  static_cast<int>(dlp::categoryName(d.category).size()),
                  dlp::categoryName(d.category).data(), desc.c_str());
    }
    return;
  }
  std::size_t width = 0;
  for (const auto& d : all) width = std::max(width, d.id.size());
  for (const auto& d : all)
    std::printf("%s\n", fmt::format("{:<{}}  {:<11}  {}", d.id, width,
                                    dlp::categoryName(d.category), d.description)
                            .c_str());
}

// deanonymize() works on a whole text and names a bad token by its byte offset in that text;
// pieces of a stream are passed to it, so the offset is moved to the stream's.
std::string shiftTokenOffset(std::string message, std::uint64_t base) {
  constexpr std::string_view kAt = "at byte ";
  std::size_t p = message.find(kAt);
  if (p == std::string::npos || base == 0) return message;
  p += kAt.size();
  std::size_t q = p;
  std::uint64_t v = 0;
  while (q < message.size() && message[q] >= '0' && message[q] <= '9')
    v = v * 10 + static_cast<std::uint64_t>(message[q++] - '0');
  if (q == p) return message;
  return message.replace(p, q - p, std::to_string(v + base));
}

// Streams `fd` through deanonymize(): a piece is handed over once no token can straddle its
// end (every prefix in the last token length is held back with what follows it).
int deanonymizeStream(int fd, const std::string& display, const std::string& key) {
  std::string buf;
  std::string chunk(kChunk, '\0');
  std::uint64_t base = 0;
  bool eof = false;
  while (!eof) {
    ssize_t n = readSome(fd, chunk.data(), chunk.size(), 1);
    if (n < 0) {
      std::fprintf(stderr, "airlock scan: %s: %s\n", display.c_str(), errnoText().c_str());
      return kExitUsage;
    }
    eof = n == 0;
    buf.append(chunk.data(), static_cast<std::size_t>(n));
    std::size_t cut = buf.size();
    if (!eof) {
      if (buf.size() < kMaxTokenChars + kChunk) continue;
      cut = buf.size() - kMaxTokenChars;
      const std::size_t from = cut > kMaxTokenChars ? cut - kMaxTokenChars : 0;
      std::size_t q = buf.find(kTokenPrefix, from);
      if (q < cut) cut = q;
      if (cut == 0) continue;
    }
    auto plain = dlp::deanonymize(std::string_view(buf).substr(0, cut), key);
    if (!plain) {
      std::fprintf(stderr, "airlock scan: %s: %s\n", display.c_str(),
                   shiftTokenOffset(plain.error().message, base).c_str());
      return kExitUsage;
    }
    if (!writeAll(stdout, *plain)) {
      std::fprintf(stderr, "airlock scan: stdout: %s\n", errnoText().c_str());
      return kExitUsage;
    }
    std::fill(plain->begin(), plain->end(), '\0');
    buf.erase(0, cut);
    base += cut;
  }
  return kExitOk;
}

// "--detectors a,b --detectors c" → a, b, c. (CLI11's own delimiter would let the option
// swallow the paths that follow it.)
std::vector<std::string> splitIds(const std::vector<std::string>& values) {
  std::vector<std::string> out;
  for (const auto& v : values) {
    std::size_t from = 0;
    while (from <= v.size()) {
      std::size_t comma = std::min(v.find(',', from), v.size());
      if (comma > from) out.push_back(v.substr(from, comma - from));
      from = comma + 1;
    }
  }
  return out;
}

int usage(const std::string& message) {
  std::fprintf(stderr, "airlock scan: %s\n", message.c_str());
  return kExitUsage;
}

// The key for pseudonym, encrypt and --deanonymize, from the variable --key-env names.
core::Result<std::string> keyFrom(const Context& ctx, const ScanFlags& f, std::string_view what) {
  std::string key = ctx.env.get(f.keyEnv);
  if (key.empty())
    return core::makeError(
        core::Code::kInvalidArgument,
        fmt::format("{} needs a key: set ${} (16 bytes or more)", what, f.keyEnv));
  return key;
}

int runScan(const ScanFlags& f, const Context& ctx) {
  if (f.listDetectors) {
    listDetectors(f.format);
    return kExitOk;
  }
  const bool stdinIsTty = isatty(0) != 0;
  std::vector<std::string> paths = f.paths;
  const bool implicit = paths.empty() && stdinIsTty;
  if (paths.empty()) paths.emplace_back(stdinIsTty ? "." : "-");
  const auto stdinCount = std::count(paths.begin(), paths.end(), "-");
  if (stdinCount > 1) return usage("'-' (stdin) may be given once");

  if (f.deanonymize) {
    if (!f.redact.empty()) return usage("--deanonymize and --redact exclude each other");
    if (paths.size() != 1) return usage("--deanonymize reads stdin or one file");
    auto key = keyFrom(ctx, f, "--deanonymize");
    if (!key) return usage(key.error().message);
    if (key->size() < 16)
      return usage(fmt::format("--deanonymize needs a key of at least 16 bytes in ${} (got {})",
                               f.keyEnv, key->size()));
    if (paths[0] == "-") return deanonymizeStream(0, "-", *key);
    int fd = open(paths[0].c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
    struct stat st {};
    if (fd < 0 || fstat(fd, &st) != 0) {
      std::string err = errnoText();
      if (fd >= 0) close(fd);
      return usage(fmt::format("{}: {}", paths[0], err));
    }
    if (S_ISDIR(st.st_mode)) {
      close(fd);
      return usage(fmt::format("{}: --deanonymize reads a file, not a folder", paths[0]));
    }
    int rc = deanonymizeStream(fd, paths[0], *key);
    close(fd);
    return rc;
  }

  dlp::ScanOptions opts;
  opts.only = splitIds(f.detectors);
  opts.exclude = splitIds(f.exclude);
  opts.decode = f.decode;
  auto conf = dlp::parseConfidence(f.minConfidence);
  if (!conf)
    return usage(
        fmt::format("--min-confidence: expected low, medium or high, got '{}'", f.minConfidence));
  opts.minConfidence = *conf;
  opts.cacheDir = ctx.stateDir() + "/cache";  // compiled once, then loaded in about a millisecond
  auto scanner = dlp::Scanner::build(opts);
  if (!scanner) return usage(scanner.error().toString());
  auto masker = dlp::Anonymizer::make({dlp::AnonymizeMode::kMask, 4, {}});
  if (!masker) return usage(masker.error().toString());

  ScanRun run(f, **scanner, *masker);

  // What each path is, before anything is read or written.
  std::vector<std::string> folders;
  std::set<std::pair<dev_t, ino_t>> files;
  std::size_t inputs = 0;
  for (const auto& p : paths) {
    ++inputs;
    struct stat st {};
    if (p == "-" || stat(p.c_str(), &st) != 0) continue;
    if (S_ISDIR(st.st_mode)) {
      folders.push_back(p);
    } else {
      files.insert({st.st_dev, st.st_ino});
    }
  }

  if (!f.redact.empty()) {
    auto mode = dlp::parseAnonymizeMode(f.redact);
    if (!mode) return usage(fmt::format("--redact: unknown mode '{}'", f.redact));
    dlp::AnonymizeOptions anon;
    anon.mode = *mode;
    if (*mode == dlp::AnonymizeMode::kPseudonym || *mode == dlp::AnonymizeMode::kEncrypt) {
      auto key = keyFrom(ctx, f, fmt::format("--redact {}", f.redact));
      if (!key) return usage(key.error().message);
      anon.key = std::move(*key);
    }
    // A bad key is refused before anything is written.
    if (auto probe = dlp::Anonymizer::make(anon); !probe)
      return usage(fmt::format("{} (from ${})", probe.error().message, f.keyEnv));
    const bool many = inputs > 1 || !folders.empty();
    if (stdinCount > 0 && many)
      return usage("--redact: stdin ('-') cannot be combined with other paths");
    if (stdinCount > 0 && !f.output.empty())
      return usage("--redact: stdin is written to stdout; --output needs files or folders");
    if (many && f.output.empty())
      return usage("--redact with several files or a folder needs --output DIR");
    if (!f.output.empty()) {
      namespace fs = std::filesystem;
      std::error_code ec;
      fs::path out = fs::weakly_canonical(f.output, ec);
      if (ec) return usage(fmt::format("--output {}: {}", f.output, ec.message()));
      for (const auto& folder : folders) {
        fs::path in = fs::canonical(folder, ec);
        if (ec) continue;
        auto below = [](const fs::path& a, const fs::path& b) {  // a is b or inside it
          auto rel = a.lexically_relative(b);
          return !rel.empty() && *rel.begin() != "..";
        };
        if (below(out, in))
          return usage(
              fmt::format("--output {} is inside the scanned folder {}", f.output, folder));
        if (below(in, out))
          return usage(
              fmt::format("the scanned folder {} is inside --output {}", folder, f.output));
      }
      if (mkdir(f.output.c_str(), 0777) != 0 && errno != EEXIST)
        return usage(fmt::format("--output {}: {}", f.output, errnoText()));
    }
    run.setRedaction(std::move(anon), f.output, std::move(files));
  }

  run.progress().enable(!folders.empty() && isatty(1) != 0 && isatty(2) != 0);
  for (const auto& p : paths) {
    if (p == "-") {
      run.scanStdin();
    } else {
      run.scanArg(p, implicit);
    }
  }
  run.progress().finish();
  if (!f.redact.empty()) run.summary(run.filesScanned());
  std::fflush(stdout);
  if (run.failed()) return kExitUsage;
  return run.found() ? kExitFail : kExitOk;
}

}  // namespace

void addScanCommand(CLI::App& app, Context& ctx, int& exitCode) {
  auto f = std::make_shared<ScanFlags>();
  auto* cmd = app.add_subcommand(
      "scan",
      "Find personal data and secrets in files, folders or stdin; redact or deanonymize them");
  cmd->add_option("paths", f->paths, "Files and folders ('-' or nothing with piped input: stdin)");
  auto* jsonFlag = cmd->add_flag("--json", f->json, "One JSON object per finding");
  cmd->add_option("--detectors", f->detectors, "Only these detector ids (comma-separated)")
      ->allow_extra_args(false);
  cmd->add_option("--exclude", f->exclude, "Not these detector ids (comma-separated)")
      ->allow_extra_args(false);
  cmd->add_option("--min-confidence", f->minConfidence, "low (default), medium or high")
      ->check(CLI::IsMember({"low", "medium", "high"}));
  cmd->add_flag("--decode", f->decode, "Also look inside base64, hex and URL-encoded runs");
  cmd->add_flag("--gitignore", f->gitignore,
                "Skip what .gitignore files (and .git/info/exclude) ignore");
  auto* list = cmd->add_flag("--list-detectors", f->listDetectors, "Print every detector and exit");
  cmd->add_option("--format", f->format, "--list-detectors output: text (default) or markdown")
      ->check(CLI::IsMember({"text", "markdown"}))
      ->needs(list);
  auto* redact =
      cmd->add_option("--redact", f->redact,
                      "Write the text anonymized: redact, mask, placeholder, pseudonym, encrypt")
          ->check(CLI::IsMember({"redact", "mask", "placeholder", "pseudonym", "encrypt"}));
  cmd->add_option("--output", f->output,
                  "--redact: write each file under this folder (mirroring paths)")
      ->needs(redact);
  cmd->add_option(
      "--key-env", f->keyEnv,
      "Variable holding the key for pseudonym, encrypt, --deanonymize (default AIRLOCK_DLP_KEY)");
  auto* dean = cmd->add_flag("--deanonymize", f->deanonymize,
                             "Decrypt every [[airlock:enc:…]] token of stdin or one file");
  dean->excludes(redact);
  jsonFlag->excludes(redact)->excludes(dean);
  cmd->callback([f, &ctx, &exitCode] { exitCode = runScan(*f, ctx); });
}

}  // namespace airlock::cli
