#include "policy/glob.h"

#include <array>

#include <fmt/format.h>

namespace airlock::policy {
namespace {

constexpr std::size_t kMaxAlternatives = 64;

bool hasWildcard(std::string_view s) { return s.find_first_of("*?") != std::string_view::npos; }

core::Status expandInto(std::string_view pattern, std::vector<std::string>& out, int depth) {
  if (depth > 16) return core::makeError(core::Code::kInvalidArgument, "braces nested too deeply");
  auto open = pattern.find('{');
  if (open == std::string_view::npos) {
    if (pattern.find('}') != std::string_view::npos)
      return core::makeError(core::Code::kInvalidArgument, fmt::format("unbalanced '}}' in '{}'", pattern));
    if (out.size() >= kMaxAlternatives)
      return core::makeError(core::Code::kInvalidArgument, "more than 64 alternatives after expanding braces");
    out.emplace_back(pattern);
    return {};
  }
  // Find the matching close brace and the top-level commas inside.
  int level = 0;
  std::size_t close = std::string_view::npos;
  std::vector<std::size_t> commas;
  for (std::size_t i = open; i < pattern.size(); ++i) {
    char c = pattern[i];
    if (c == '{') {
      ++level;
    } else if (c == '}') {
      if (--level == 0) {
        close = i;
        break;
      }
    } else if (c == ',' && level == 1) {
      commas.push_back(i);
    }
  }
  if (close == std::string_view::npos)
    return core::makeError(core::Code::kInvalidArgument, fmt::format("unbalanced '{{' in '{}'", pattern));
  std::string_view head = pattern.substr(0, open);
  std::string_view tail = pattern.substr(close + 1);
  std::size_t start = open + 1;
  commas.push_back(close);
  for (std::size_t comma : commas) {
    std::string alt;
    alt.append(head);
    alt.append(pattern.substr(start, comma - start));
    alt.append(tail);
    auto st = expandInto(alt, out, depth + 1);
    if (!st) return st;
    start = comma + 1;
  }
  return {};
}

// Segment-level matching with `**`: the classic greedy wildcard algorithm with one backtrack
// point, over segments instead of characters. O(n*m) worst case, no recursion, no allocation.
bool matchSegments(const std::vector<std::string>& pat, std::span<const std::string_view> segs) {
  std::size_t p = 0, s = 0;
  std::size_t starP = std::string::npos, starS = 0;
  while (s < segs.size()) {
    if (p < pat.size() && pat[p] == "**") {
      starP = p++;
      starS = s;
    } else if (p < pat.size() && wildcardMatch(pat[p], segs[s], '/')) {
      ++p;
      ++s;
    } else if (starP != std::string::npos) {
      p = starP + 1;
      s = ++starS;
    } else {
      return false;
    }
  }
  while (p < pat.size() && pat[p] == "**") ++p;
  return p == pat.size();
}

}  // namespace

bool wildcardMatch(std::string_view pattern, std::string_view text, char separator) {
  std::size_t p = 0, t = 0;
  std::size_t starP = std::string_view::npos, starT = 0;
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      while (p < pattern.size() && pattern[p] == '*') ++p;
      starP = p;
      starT = t;
    } else if (p < pattern.size() && (pattern[p] == text[t] || (pattern[p] == '?' && text[t] != separator))) {
      ++p;
      ++t;
    } else if (starP != std::string_view::npos && (separator == 0 || text[starT] != separator)) {
      p = starP;
      t = ++starT;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

core::Result<std::vector<std::string>> expandBraces(std::string_view pattern) {
  std::vector<std::string> out;
  auto st = expandInto(pattern, out, 0);
  if (!st) return st.error();
  return out;
}

int splitPath(std::string_view path, std::span<std::string_view> out) {
  std::size_t n = 0, i = 0;
  while (i < path.size()) {
    while (i < path.size() && path[i] == '/') ++i;
    std::size_t j = i;
    while (j < path.size() && path[j] != '/') ++j;
    if (j > i) {
      if (n >= out.size()) return -1;
      out[n++] = path.substr(i, j - i);
    }
    i = j;
  }
  return static_cast<int>(n);
}

core::Result<PathGlob> PathGlob::compile(std::string_view pattern) {
  if (pattern.empty()) return core::makeError(core::Code::kInvalidArgument, "empty path pattern");
  auto alts = expandBraces(pattern);
  if (!alts) return alts.error();
  PathGlob g;
  g.pattern_ = std::string(pattern);
  for (const auto& alt : *alts) {
    if (alt.empty() || (alt[0] != '/' && alt.rfind("**", 0) != 0))
      return core::makeError(core::Code::kInvalidArgument,
                             fmt::format("path pattern '{}' must be absolute, start with '~/' or with '**'", alt));
    Alternative a;
    std::size_t i = 0;
    while (i < alt.size()) {
      while (i < alt.size() && alt[i] == '/') ++i;
      std::size_t j = i;
      while (j < alt.size() && alt[j] != '/') ++j;
      if (j > i) {
        std::string seg = alt.substr(i, j - i);
        if (seg == "." || seg == "..")
          return core::makeError(core::Code::kInvalidArgument,
                                 fmt::format("path pattern '{}' contains '{}'", alt, seg));
        // `**` inside a segment ("a**b") means the same as `*`.
        if (seg != "**") {
          std::string collapsed;
          for (char c : seg)
            if (!(c == '*' && !collapsed.empty() && collapsed.back() == '*')) collapsed += c;
          seg = std::move(collapsed);
        }
        a.segments.push_back(std::move(seg));
      }
      i = j;
    }
    while (a.literalPrefix < a.segments.size() && !hasWildcard(a.segments[a.literalPrefix])) ++a.literalPrefix;
    g.alternatives_.push_back(std::move(a));
  }
  return g;
}

bool PathGlob::matches(std::span<const std::string_view> segments) const {
  for (const auto& alt : alternatives_)
    if (matchSegments(alt.segments, segments)) return true;
  return false;
}

bool PathGlob::matches(std::string_view path) const {
  std::array<std::string_view, 256> buf;
  int n = splitPath(path, buf);
  if (n < 0) {
    std::vector<std::string_view> big(path.size());
    n = splitPath(path, big);
    return matches(std::span<const std::string_view>(big.data(), static_cast<std::size_t>(n)));
  }
  return matches(std::span<const std::string_view>(buf.data(), static_cast<std::size_t>(n)));
}

core::Result<TextGlob> TextGlob::compile(std::string_view pattern) {
  if (pattern.empty()) return core::makeError(core::Code::kInvalidArgument, "empty pattern");
  auto alts = expandBraces(pattern);
  if (!alts) return alts.error();
  TextGlob g;
  g.pattern_ = std::string(pattern);
  g.alternatives_ = std::move(*alts);
  return g;
}

bool TextGlob::matches(std::string_view text) const {
  for (const auto& alt : alternatives_)
    if (wildcardMatch(alt, text, 0)) return true;
  return false;
}

}  // namespace airlock::policy
