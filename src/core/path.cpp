#include "core/path.h"

#include <sys/stat.h>
#include <unistd.h>

#include <vector>

#include <fmt/format.h>

namespace airlock::core {
namespace {

constexpr std::size_t kMaxPath = 4096;
constexpr int kMaxLinks = 40;

// Splits an absolute path into non-empty segments other than ".".
void pushSegments(std::string_view path, std::vector<std::string>& out) {
  std::size_t i = 0;
  while (i < path.size()) {
    while (i < path.size() && path[i] == '/') ++i;
    std::size_t j = i;
    while (j < path.size() && path[j] != '/') ++j;
    if (j > i) {
      std::string_view seg = path.substr(i, j - i);
      if (seg == "..") {
        if (!out.empty()) out.pop_back();
      } else if (seg != ".") {
        out.emplace_back(seg);
      }
    }
    i = j;
  }
}

std::string joinSegments(const std::vector<std::string>& segs) {
  if (segs.empty()) return "/";
  std::string out;
  for (const auto& s : segs) {
    out += '/';
    out += s;
  }
  return out;
}

}  // namespace

std::string normalizeLexically(std::string_view absolute) {
  std::vector<std::string> segs;
  pushSegments(absolute, segs);
  return joinSegments(segs);
}

Result<std::string> canonicalPath(std::string_view input, const PathContext& ctx) {
  if (input.empty()) return makeError(Code::kInvalidArgument, "empty path");
  if (input.find('\0') != std::string_view::npos)
    return makeError(Code::kInvalidArgument, "path contains a NUL byte");
  if (input.size() > kMaxPath) return makeError(Code::kInvalidArgument, "path longer than 4096 bytes");

  std::string absolute;
  if (input[0] == '~') {
    if (input.size() > 1 && input[1] != '/')
      return makeError(Code::kInvalidArgument, fmt::format("'~user' paths are not supported: '{}'", input));
    if (ctx.home.empty() || ctx.home[0] != '/')
      return makeError(Code::kInvalidArgument, "'~' used but the home directory is not an absolute path");
    absolute = ctx.home;
    absolute += '/';
    absolute.append(input.substr(1));
  } else if (input[0] == '/') {
    absolute.assign(input);
  } else {
    if (ctx.cwd.empty() || ctx.cwd[0] != '/')
      return makeError(Code::kInvalidArgument,
                       fmt::format("relative path '{}' but no absolute working directory", input));
    absolute = ctx.cwd;
    absolute += '/';
    absolute.append(input);
  }

  // Walk segment by segment: while the prefix exists, resolve symlinks (as the kernel would,
  // so `..` after a symlink applies to the link's target); once a component is missing, the
  // rest is normalised lexically.
  std::vector<std::string> pending;  // remaining segments, in reverse order
  {
    std::vector<std::string> segs;
    std::size_t i = 0;
    while (i < absolute.size()) {
      while (i < absolute.size() && absolute[i] == '/') ++i;
      std::size_t j = i;
      while (j < absolute.size() && absolute[j] != '/') ++j;
      if (j > i) segs.emplace_back(absolute.substr(i, j - i));
      i = j;
    }
    pending.assign(segs.rbegin(), segs.rend());
  }
  std::vector<std::string> done;
  bool exists = true;
  int links = 0;
  while (!pending.empty()) {
    std::string seg = std::move(pending.back());
    pending.pop_back();
    if (seg == ".") continue;
    if (seg == "..") {
      if (!done.empty()) done.pop_back();
      continue;
    }
    done.push_back(seg);
    if (!exists) continue;
    std::string current = joinSegments(done);
    struct stat st {};
    if (lstat(current.c_str(), &st) != 0) {
      exists = false;
      continue;
    }
    if (!S_ISLNK(st.st_mode)) continue;
    if (++links > kMaxLinks)
      return makeError(Code::kInvalidArgument, fmt::format("too many symbolic links resolving '{}'", input));
    std::vector<char> buf(kMaxPath + 1);
    ssize_t n = readlink(current.c_str(), buf.data(), buf.size() - 1);
    if (n < 0) {
      exists = false;
      continue;
    }
    std::string target(buf.data(), static_cast<std::size_t>(n));
    done.pop_back();
    if (!target.empty() && target[0] == '/') done.clear();
    std::vector<std::string> tsegs;
    std::size_t i = 0;
    while (i < target.size()) {
      while (i < target.size() && target[i] == '/') ++i;
      std::size_t j = i;
      while (j < target.size() && target[j] != '/') ++j;
      if (j > i) tsegs.emplace_back(target.substr(i, j - i));
      i = j;
    }
    for (auto it = tsegs.rbegin(); it != tsegs.rend(); ++it) pending.push_back(std::move(*it));
  }
  std::string out = joinSegments(done);
  if (out.size() > kMaxPath) return makeError(Code::kInvalidArgument, "canonical path longer than 4096 bytes");
  return out;
}

bool pathWithin(std::string_view dir, std::string_view path) {
  if (dir == "/") return !path.empty() && path.front() == '/';
  return path.size() >= dir.size() && path.substr(0, dir.size()) == dir &&
         (path.size() == dir.size() || path[dir.size()] == '/');
}

std::string readPrefix(int fd, std::size_t max) {
  std::string out(max, '\0');
  std::size_t got = 0;
  while (got < out.size()) {
    const ssize_t r = ::pread(fd, out.data() + got, out.size() - got, static_cast<off_t>(got));
    if (r <= 0) break;
    got += static_cast<std::size_t>(r);
  }
  out.resize(got);
  return out;
}

}  // namespace airlock::core
