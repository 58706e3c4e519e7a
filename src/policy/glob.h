#pragma once
// Globs for policy matchers. Path globs work on '/'-separated segments: `*` matches within one
// segment, `?` one character of a segment, `**` (a whole segment) any number of segments
// including none, `{a,b}` alternatives (expanded at compile time, at most 64). `dir/**` matches
// `dir` and everything below it. Text globs (commands, tools) have no separator: `*` and `**`
// match any run of characters. Compiled globs are immutable and thread-safe; matching does
// not allocate.

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace airlock::policy {

// Splits an absolute canonical path into segments, without allocating when it has at most
// `out.size()` segments; returns the number of segments, or -1 when there are more.
int splitPath(std::string_view path, std::span<std::string_view> out);

class PathGlob {
 public:
  // `pattern` must be absolute (start with '/') or start with `**`; `~` must already be
  // expanded by the caller. Errors name the problem (empty, relative, unbalanced braces,
  // too many alternatives).
  static core::Result<PathGlob> compile(std::string_view pattern);

  bool matches(std::span<const std::string_view> segments) const;
  bool matches(std::string_view path) const;  // splits, then matches (for tests, cold paths)

  const std::string& pattern() const { return pattern_; }
  // For indexing: the leading literal segments of each alternative (no wildcard in them).
  struct Alternative {
    std::vector<std::string> segments;  // all segments of the alternative
    std::size_t literalPrefix = 0;      // how many leading segments are wildcard-free
  };
  const std::vector<Alternative>& alternatives() const { return alternatives_; }

 private:
  std::string pattern_;
  std::vector<Alternative> alternatives_;
};

class TextGlob {
 public:
  static core::Result<TextGlob> compile(std::string_view pattern);
  bool matches(std::string_view text) const;
  const std::string& pattern() const { return pattern_; }

 private:
  std::string pattern_;
  std::vector<std::string> alternatives_;
};

// Expands `{a,b}` alternatives (nested allowed) into plain patterns; at most 64 results.
core::Result<std::vector<std::string>> expandBraces(std::string_view pattern);

// Matches one segment (or one text) against a wildcard pattern with `*` and `?`; when
// `separator` is non-zero, wildcards never match it.
bool wildcardMatch(std::string_view pattern, std::string_view text, char separator);

}  // namespace airlock::policy
