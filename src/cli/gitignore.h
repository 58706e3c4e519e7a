#pragma once
// .gitignore matching for `airlock scan --gitignore`: the rules of one or more .gitignore files
// (and .git/info/exclude), stacked as a directory walk enters and leaves directories. A path is
// decided by the deepest file that has a matching rule; within a file the last matching rule
// wins; "!" re-includes. Supported: blank lines and "#" comments, "\" escapes, trailing spaces,
// "!" negation, a trailing "/" (directories only), a leading or middle "/" (anchored to the
// file's directory), "*", "?", "[…]" classes, and "**" (leading "**/", middle "/**/",
// trailing "/**"). Not thread-safe; a plain value.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace airlock::cli {

// Matches `path` against one gitignore glob with git's pathname rules: "*", "?" and classes
// never match "/"; "**" between slashes (or at either end) matches any number of directories.
bool globMatch(std::string_view glob, std::string_view path);

class GitIgnore {
 public:
  // Adds the rules of one file. Paths given to ignored() are relative to the scan root; the
  // file sees them as `up + path.substr(strip)`: `strip` is the length of the file's directory
  // below the root ("sub/" → 4), `up` the root's path below a file in an ancestor ("src/").
  void push(std::string_view text, std::string up, std::size_t strip);
  // Removes the rules added last.
  void pop();
  std::size_t depth() const { return files_.size(); }

  // Whether `path` (relative to the scan root, no leading "/") is ignored.
  bool ignored(std::string_view path, bool isDir) const;

 private:
  struct Rule {
    std::string glob;
    bool negate = false;
    bool dirOnly = false;
    bool anchored = false;  // matched against the whole relative path, not the last component
  };
  struct File {
    std::vector<Rule> rules;
    std::string up;
    std::size_t strip = 0;
  };
  std::vector<File> files_;
};

}  // namespace airlock::cli
