#pragma once
// Shell words and Bash command analysis for the Claude Code hook (DESIGN.md "Enforcement
// points"). parseShell() is a real POSIX/Bash word parser: quotes ('…', "…", $'…'), backslash
// escapes, comments, pipelines, `&&`, `||`, `;`, `&`, newlines, subshells `( … )`, groups
// `{ …; }`, command substitution `$(…)` and backquotes, process substitution `<(…)`/`>(…)`,
// redirections (`<`, `>`, `>>`, `>|`, `<>`, `2>`, `&>`, `&>>`, `N>&M`, here-strings `<<<`,
// here-docs `<<EOF`), leading assignments `A=b cmd`. analyzeBash() derives from that the files
// read and written and the network destinations, per command, and lists what it cannot
// understand. Pure functions, thread-safe, bounded: input over 1 MiB or nesting deeper than 64
// is an error.
//
// These static checks are a fast, clear "no" for the agent; they can be talked around (eval,
// interpreters), which is why whatever is not understood is reported as opaque and decided by
// the policy as an `exec` (the sandbox and proxy are what hold).

#include <string>
#include <string_view>
#include <vector>

#include "core/request.h"
#include "core/result.h"

namespace airlock::adapters::hook {

// One word after quote removal. `literal` is false when it contains an expansion whose value
// is not known statically ($VAR, ${…}, $(…), `…`, globs * ? [ are kept as text but flagged).
struct Word {
  std::string text;
  bool literal = true;
  bool hasGlob = false;
};

struct Redirect {
  enum class Kind { kRead, kWrite, kAppend, kReadWrite, kDup, kHereDoc, kHereString };
  Kind kind = Kind::kRead;
  int fd = -1;  // explicit fd number, -1 when defaulted
  Word target;  // file name (or fd for kDup, or the here-string/here-doc body)
};

struct SimpleCommand {
  std::vector<std::string> assignments;  // "NAME=value" prefixes
  std::vector<Word> words;               // argv
  std::vector<Redirect> redirects;
  bool pipedIn = false;  // stdin comes from a pipe (`… | this`)
};

// A parsed script, flattened: every simple command found anywhere (top level, pipelines,
// lists, subshells, groups, command and process substitutions), in source order.
struct Script {
  std::vector<SimpleCommand> commands;
  bool hasSubstitution = false;  // $( ) ` ` <( ) >( ) anywhere
  bool hasBackground = false;    // a `&` list operator
};

// Errors (kInvalidArgument): unterminated quote or substitution, unbalanced parentheses,
// a here-doc without its terminator is accepted (the body runs to the end), oversize input.
core::Result<Script> parseShell(std::string_view source);

// One effect of a command that the gate should decide on its own.
struct Effect {
  core::Action action = core::Action::kExec;
  std::string path;     // fs.*: the path as written (the hook canonicalizes against cwd)
  std::string url;      // net.request: an absolute URL (scheme added when the tool implies it)
  std::string method;   // net.request: GET, POST, PUT … when derivable
  std::string command;  // exec: the command's words joined with single spaces
  core::Headers headers;  // net.request: headers given on the command line (curl -H)
  std::string why;      // e.g. "curl -F file=@x uploads x", "> out.txt writes out.txt"
  bool opaque = false;  // exec that cannot be understood statically (eval, sh -c "$(…)", …)
};

struct Analysis {
  std::vector<Effect> effects;
};

// Derives effects. Every simple command yields an exec effect (opaque when it is eval, source,
// `.`, an interpreter given inline code (python -c, node -e, perl -e, ruby -e, bash/sh -c …),
// a shell fed from a pipe (`… | sh`), or its program name is not literal); plus:
//  - fs.read for `<` redirects and files read by cat, head, tail, less, more, grep (files after
//    the pattern), cp/rsync/scp/tar sources, curl -F x=@f / --data-binary @f / -d @f / -T f /
//    --upload-file f, wget --post-file f, source/. f;
//  - fs.write for `>`/`>>`/`&>` redirects (not /dev/null), tee, cp/mv/rsync destinations,
//    tar -c -f archive, curl -o f, wget -O f;
//  - fs.delete for rm, rmdir, unlink, shred;
//  - net.request for curl/wget URLs (method from -X/--request, -d/-F/-T/--data* imply POST/PUT),
//    nc/ncat/telnet host port, ssh/scp/rsync/sftp user@host:…, git clone/fetch/pull/push
//    URLs (remote names are opaque net requests), pip/pip3 install (https://pypi.org/simple/),
//    npm install/publish (https://registry.npmjs.org/).
// A parse error yields a single opaque exec effect for the whole command.
Analysis analyzeBash(std::string_view command);

}  // namespace airlock::adapters::hook
