#pragma once
// Canonical filesystem paths (DESIGN.md "Resource"): `~` expanded, relative paths resolved
// against a working directory, `.`/`..` and duplicate slashes removed, symlinks resolved for
// the longest existing prefix and the non-existent tail normalised lexically. Reads the
// filesystem (lstat/readlink) but keeps no state; thread-safe.

#include <string>
#include <string_view>

#include "core/result.h"

namespace airlock::core {

struct PathContext {
  std::string home;  // expansion of "~"; must be absolute
  std::string cwd;   // base for relative paths; must be absolute
};

// Errors: empty path, NUL byte, relative path with no absolute cwd, "~user" forms, a symlink
// loop (more than 40 links), a path longer than 4096 bytes.
Result<std::string> canonicalPath(std::string_view input, const PathContext& ctx);

// Whether canonical absolute `path` is `dir` or below it ("/" holds everything; "/a/b" does not
// hold "/a/bc"). Lexical; no filesystem access.
bool pathWithin(std::string_view dir, std::string_view path);

// Purely lexical normalisation of an absolute path ("/a//b/./c/../d" -> "/a/b/d"); ".." at the
// root stays at the root. No filesystem access.
std::string normalizeLexically(std::string_view absolute);

// The first `max` bytes of the open file `fd` (fewer at its end or on a read error), read with
// pread: the descriptor's offset is left where it was.
std::string readPrefix(int fd, std::size_t max);

}  // namespace airlock::core
