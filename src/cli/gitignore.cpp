#include "cli/gitignore.h"

namespace airlock::cli {

namespace {

constexpr std::size_t kNpos = std::string_view::npos;

// A "[…]" class at p[i]. Returns the index after it (kNpos when it is not closed: the "[" is
// then literal) and sets `matched`. A class never matches "/".
std::size_t matchClass(std::string_view p, std::size_t i, char c, bool& matched) {
  std::size_t j = i + 1;
  bool negate = false;
  if (j < p.size() && (p[j] == '!' || p[j] == '^')) {
    negate = true;
    ++j;
  }
  bool hit = false;
  bool first = true;
  while (j < p.size() && (first || p[j] != ']')) {
    first = false;
    char lo = p[j];
    if (lo == '\\' && j + 1 < p.size()) lo = p[++j];
    char hi = lo;
    if (j + 2 < p.size() && p[j + 1] == '-' && p[j + 2] != ']') {
      j += 2;
      hi = p[j];
      if (hi == '\\' && j + 1 < p.size()) hi = p[++j];
    }
    const auto uc = static_cast<unsigned char>(c);
    if (uc >= static_cast<unsigned char>(lo) && uc <= static_cast<unsigned char>(hi)) hit = true;
    ++j;
  }
  if (j >= p.size()) return kNpos;
  matched = hit != negate && c != '/';
  return j + 1;
}

}  // namespace

bool globMatch(std::string_view p, std::string_view s) {
  std::size_t pi = 0;
  std::size_t si = 0;
  while (pi < p.size()) {
    const char c = p[pi];
    if (c == '*') {
      std::size_t after = pi;
      while (after < p.size() && p[after] == '*') ++after;
      const bool atStart = pi == 0 || p[pi - 1] == '/';
      const bool atEnd = after == p.size() || p[after] == '/';
      if (after - pi >= 2 && atStart && atEnd) {
        if (after == p.size()) return true;  // "…/**": everything below
        // "**/": zero or more whole directories.
        const std::string_view rest = p.substr(after + 1);
        for (std::size_t k = si;;) {
          if (globMatch(rest, s.substr(k))) return true;
          const std::size_t slash = s.find('/', k);
          if (slash == kNpos) return false;
          k = slash + 1;
        }
      }
      // "*" (or a "**" that is not a whole path component): anything but "/".
      const std::string_view rest = p.substr(after);
      for (std::size_t k = si; k <= s.size(); ++k) {
        if (globMatch(rest, s.substr(k))) return true;
        if (k < s.size() && s[k] == '/') return false;
      }
      return false;
    }
    if (si >= s.size()) return false;
    if (c == '?') {
      if (s[si] == '/') return false;
      ++pi;
      ++si;
      continue;
    }
    if (c == '[') {
      bool matched = false;
      const std::size_t next = matchClass(p, pi, s[si], matched);
      if (next != kNpos) {
        if (!matched) return false;
        pi = next;
        ++si;
        continue;
      }
    }
    char literal = c;
    if (c == '\\' && pi + 1 < p.size()) literal = p[++pi];
    if (literal != s[si]) return false;
    ++pi;
    ++si;
  }
  return si == s.size();
}

void GitIgnore::push(std::string_view text, std::string up, std::size_t strip) {
  File file;
  file.up = std::move(up);
  file.strip = strip;
  while (!text.empty()) {
    std::size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == kNpos ? text.size() : nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() || line.front() == '#') continue;
    // Trailing spaces are dropped unless escaped with a backslash.
    while (!line.empty() && line.back() == ' ' &&
           !(line.size() >= 2 && line[line.size() - 2] == '\\'))
      line.remove_suffix(1);
    Rule rule;
    if (line.front() == '!') {
      rule.negate = true;
      line.remove_prefix(1);
    }
    if (!line.empty() && line.back() == '/') {
      rule.dirOnly = true;
      while (!line.empty() && line.back() == '/') line.remove_suffix(1);
    }
    if (line.empty()) continue;
    rule.anchored = line.find('/') != kNpos;
    if (line.front() == '/') line.remove_prefix(1);
    if (line.empty()) continue;
    rule.glob = std::string(line);
    file.rules.push_back(std::move(rule));
  }
  files_.push_back(std::move(file));
}

void GitIgnore::pop() {
  if (!files_.empty()) files_.pop_back();
}

bool GitIgnore::ignored(std::string_view path, bool isDir) const {
  const std::size_t slash = path.rfind('/');
  const std::string_view base = slash == kNpos ? path : path.substr(slash + 1);
  std::string subject;
  for (auto f = files_.rbegin(); f != files_.rend(); ++f) {
    if (f->strip > path.size()) continue;
    subject.assign(f->up).append(path.substr(f->strip));
    for (auto r = f->rules.rbegin(); r != f->rules.rend(); ++r) {
      if (r->dirOnly && !isDir) continue;
      if (globMatch(r->glob, r->anchored ? std::string_view(subject) : base)) return !r->negate;
    }
  }
  return false;
}

}  // namespace airlock::cli
