#include "adapters/hook/shell.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <deque>
#include <optional>
#include <set>

#include <fmt/format.h>

namespace airlock::adapters::hook {
namespace {

using core::Action;
using core::Code;
using core::makeError;

constexpr std::size_t kMaxInput = 1 << 20;
constexpr int kMaxDepth = 64;
constexpr std::size_t kMaxCommands = 10000;

struct ParseError {
  std::size_t offset;
  std::string message;
};

bool isBlank(char c) { return c == ' ' || c == '\t'; }
// Characters that end an unquoted word.
bool isMeta(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == ';' || c == '&' || c == '|' || c == '(' || c == ')' ||
         c == '<' || c == '>';
}
bool isNameStart(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool isNameChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// Reserved words that only shape control flow; the commands inside them are what matter.
bool isReservedPrefix(std::string_view w) {
  static constexpr std::array<std::string_view, 14> kWords = {
      "if", "then", "else", "elif", "fi", "do", "done", "while", "until", "!", "{", "}", "time", "coproc"};
  return std::find(kWords.begin(), kWords.end(), w) != kWords.end();
}

struct PendingHereDoc {
  std::string delimiter;
  bool stripTabs = false;
  bool quoted = false;
  std::size_t commandIndex = 0;
  std::size_t redirectIndex = 0;
};

// A recursive-descent parser over the whole source. Nested constructs ($( ), ` `, <( ), ( ))
// recurse with a terminator; every simple command found is appended to script_.commands.
class ShellParser {
 public:
  explicit ShellParser(std::string_view src) : src_(src) {}

  core::Result<Script> run() {
    try {
      sequence(0, '\0');
      if (pos_ < src_.size()) fail(pos_, fmt::format("unexpected '{}'", src_[pos_]));
    } catch (const ParseError& e) {
      return makeError(Code::kInvalidArgument, fmt::format("shell: {} at offset {}", e.message, e.offset));
    }
    return std::move(script_);
  }

 private:
  [[noreturn]] static void fail(std::size_t at, std::string msg) { throw ParseError{at, std::move(msg)}; }

  bool atEnd() const { return pos_ >= src_.size(); }
  char cur() const { return atEnd() ? '\0' : src_[pos_]; }
  char ahead(std::size_t n) const { return pos_ + n < src_.size() ? src_[pos_ + n] : '\0'; }

  void skipBlanks() {
    while (!atEnd()) {
      if (isBlank(cur())) {
        ++pos_;
      } else if (cur() == '\\' && ahead(1) == '\n') {
        pos_ += 2;  // line continuation
      } else if (cur() == '#') {
        while (!atEnd() && cur() != '\n') ++pos_;
      } else {
        break;
      }
    }
  }

  // A newline ends a command line: any here-document bodies begin after it.
  void newline() {
    ++pos_;
    for (auto& h : pendingHereDocs_) readHereDoc(h);
    pendingHereDocs_.clear();
  }

  void readHereDoc(const PendingHereDoc& h) {
    std::string body;
    while (!atEnd()) {
      std::size_t eol = src_.find('\n', pos_);
      std::string_view line = src_.substr(pos_, eol == std::string_view::npos ? std::string_view::npos : eol - pos_);
      pos_ = eol == std::string_view::npos ? src_.size() : eol + 1;
      std::string_view cmp = line;
      if (h.stripTabs)
        while (!cmp.empty() && cmp.front() == '\t') cmp.remove_prefix(1);
      if (cmp == h.delimiter) break;
      body.append(line);
      body.push_back('\n');
    }
    // An unquoted delimiter lets the body expand $(…) and `…`: commands we would not see.
    if (!h.quoted && (body.find("$(") != std::string::npos || body.find('`') != std::string::npos))
      fail(pos_, "command substitution inside an unquoted here-document");
    if (h.commandIndex < script_.commands.size()) {
      auto& cmd = script_.commands[h.commandIndex];
      if (h.redirectIndex < cmd.redirects.size()) {
        cmd.redirects[h.redirectIndex].target.text = std::move(body);
        cmd.redirects[h.redirectIndex].target.literal = h.quoted;
      }
    }
  }

  // sequence := pipeline ((';' | '&' | '&&' | '||' | '\n') pipeline)*  up to `term`.
  void sequence(int depth, char term) {
    if (depth > kMaxDepth) fail(pos_, "nested deeper than 64 levels");
    while (true) {
      skipBlanks();
      if (atEnd()) {
        if (term != '\0') fail(pos_, fmt::format("missing '{}'", term));
        return;
      }
      char c = cur();
      if (c == term) return;
      if (c == '\n' || c == ';') {
        if (c == ';' && ahead(1) == ';') fail(pos_, "';;' outside a case statement");
        if (c == '\n') newline(); else ++pos_;
        continue;
      }
      if (c == '&') {
        if (ahead(1) == '&') fail(pos_, "'&&' without a command before it");
        script_.hasBackground = true;
        ++pos_;
        continue;
      }
      if (c == ')') fail(pos_, "unbalanced ')'");
      pipeline(depth);
      skipBlanks();
      if (atEnd()) continue;
      c = cur();
      if (c == '&' && ahead(1) == '&') {
        pos_ += 2;
        requireFollowing(depth, term);
      } else if (c == '|' && ahead(1) == '|') {
        pos_ += 2;
        requireFollowing(depth, term);
      } else if (c == '&') {
        script_.hasBackground = true;
        ++pos_;
      }
    }
  }

  // After && or || a command must follow (possibly on the next line).
  void requireFollowing(int depth, char term) {
    while (true) {
      skipBlanks();
      if (cur() == '\n') {
        newline();
        continue;
      }
      break;
    }
    if (atEnd() || cur() == term || cur() == ';' || cur() == '&' || cur() == '|' || cur() == ')')
      fail(pos_, "expected a command after '&&' or '||'");
    (void)depth;
  }

  void pipeline(int depth) {
    bool piped = false;
    while (true) {
      command(depth, piped);
      skipBlanks();
      if (cur() == '|' && ahead(1) != '|') {
        pos_ += (ahead(1) == '&') ? 2 : 1;  // `|&` pipes stderr too
        piped = true;
        while (true) {
          skipBlanks();
          if (cur() == '\n') {
            newline();
            continue;
          }
          break;
        }
        if (atEnd() || cur() == '|' || cur() == ';' || cur() == '&' || cur() == ')')
          fail(pos_, "expected a command after '|'");
        continue;
      }
      return;
    }
  }

  void command(int depth, bool piped) {
    skipBlanks();
    if (cur() == '(') {
      if (ahead(1) == '(') fail(pos_, "arithmetic command '((' is not supported");
      ++pos_;
      script_.hasSubstitution = script_.hasSubstitution || false;
      std::size_t first = script_.commands.size();
      sequence(depth + 1, ')');
      ++pos_;  // ')'
      if (piped)
        for (std::size_t i = first; i < script_.commands.size(); ++i) script_.commands[i].pipedIn = true;
      // Redirections after a subshell apply to it as a whole.
      SimpleCommand redirOnly;
      trailingRedirects(depth, &redirOnly);
      if (!redirOnly.redirects.empty()) pushCommand(std::move(redirOnly));
      return;
    }
    SimpleCommand cmd;
    cmd.pipedIn = piped;
    std::size_t index = 0;  // where the command will be; fixed up when pushed
    std::vector<std::pair<std::size_t, PendingHereDoc>> heredocs;
    bool sawName = false;
    while (true) {
      skipBlanks();
      if (atEnd()) break;
      char c = cur();
      if (c == '\n' || c == ';' || c == '|' || c == ')' || (c == '&' && ahead(1) != '>')) break;
      if (c == '(') {
        // `name() {…}` function definitions and stray parentheses: not understood.
        fail(pos_, "unexpected '(' (function definitions and arrays are not supported)");
      }
      if (redirect(depth, &cmd, &heredocs)) continue;
      std::size_t wordStart = pos_;
      Word w = word(depth);
      if (!sawName) {
        if (w.literal && isReservedPrefix(w.text) && cmd.assignments.empty()) continue;
        if (w.literal && (w.text == "case" || w.text == "select" || w.text == "function"))
          fail(wordStart, fmt::format("'{}' is not supported", w.text));
        if (w.literal && w.text == "for") {
          skipForHeader(depth);
          continue;
        }
        if (isAssignment(src_.substr(wordStart, pos_ - wordStart))) {
          cmd.assignments.push_back(w.text);
          continue;
        }
      }
      sawName = true;
      cmd.words.push_back(std::move(w));
    }
    if (cmd.words.empty() && cmd.assignments.empty() && cmd.redirects.empty()) return;
    index = script_.commands.size();
    for (auto& [ri, h] : heredocs) {
      h.commandIndex = index;
      h.redirectIndex = ri;
      pendingHereDocs_.push_back(h);
    }
    pushCommand(std::move(cmd));
  }

  // `for NAME in WORDS; do` / `for ((…)); do`: the loop header runs nothing itself, but its
  // words may hold command substitutions, which word() records.
  void skipForHeader(int depth) {
    while (true) {
      skipBlanks();
      if (atEnd() || cur() == ';' || cur() == '\n') return;
      if (cur() == '(') fail(pos_, "arithmetic for loops are not supported");
      if (isMeta(cur())) fail(pos_, "unexpected operator in a for loop header");
      word(depth);
    }
  }

  void pushCommand(SimpleCommand cmd) {
    if (script_.commands.size() >= kMaxCommands) fail(pos_, "more than 10000 commands");
    script_.commands.push_back(std::move(cmd));
  }

  static bool isAssignment(std::string_view raw) {
    if (raw.empty() || !isNameStart(raw[0])) return false;
    std::size_t i = 1;
    while (i < raw.size() && isNameChar(raw[i])) ++i;
    if (i < raw.size() && raw[i] == '+') ++i;
    return i < raw.size() && raw[i] == '=';
  }

  void trailingRedirects(int depth, SimpleCommand* cmd) {
    std::vector<std::pair<std::size_t, PendingHereDoc>> heredocs;
    while (true) {
      skipBlanks();
      if (!redirect(depth, cmd, &heredocs)) break;
    }
    if (!heredocs.empty()) fail(pos_, "here-document on a subshell is not supported");
  }

  // Parses one redirection at pos_, if there is one.
  bool redirect(int depth, SimpleCommand* cmd, std::vector<std::pair<std::size_t, PendingHereDoc>>* heredocs) {
    std::size_t save = pos_;
    int fd = -1;
    std::size_t p = pos_;
    while (p < src_.size() && std::isdigit(static_cast<unsigned char>(src_[p]))) ++p;
    if (p > pos_ && p < src_.size() && (src_[p] == '<' || src_[p] == '>') && p - pos_ <= 4) {
      fd = std::stoi(std::string(src_.substr(pos_, p - pos_)));
      pos_ = p;
    }
    char c = cur();
    Redirect r;
    r.fd = fd;
    if (c == '&' && ahead(1) == '>') {
      pos_ += 2;
      r.kind = Redirect::Kind::kWrite;
      if (cur() == '>') {
        ++pos_;
        r.kind = Redirect::Kind::kAppend;
      }
      r.fd = -2;  // both stdout and stderr
    } else if (c == '<') {
      if (ahead(1) == '<' && ahead(2) == '<') {
        pos_ += 3;
        r.kind = Redirect::Kind::kHereString;
      } else if (ahead(1) == '<') {
        pos_ += 2;
        bool strip = false;
        if (cur() == '-') {
          strip = true;
          ++pos_;
        }
        skipBlanks();
        std::size_t ws = pos_;
        Word delim = word(depth);
        std::string_view raw = src_.substr(ws, pos_ - ws);
        if (delim.text.empty() && raw.empty()) fail(pos_, "expected a here-document delimiter");
        PendingHereDoc h;
        h.delimiter = delim.text;
        h.stripTabs = strip;
        h.quoted = raw.find_first_of("'\"\\") != std::string_view::npos;
        r.kind = Redirect::Kind::kHereDoc;
        heredocs->emplace_back(cmd->redirects.size(), h);
        cmd->redirects.push_back(std::move(r));
        return true;
      } else if (ahead(1) == '&') {
        pos_ += 2;
        r.kind = Redirect::Kind::kDup;
      } else if (ahead(1) == '>') {
        pos_ += 2;
        r.kind = Redirect::Kind::kReadWrite;
      } else if (ahead(1) == '(') {
        pos_ = save;  // process substitution: a word
        return false;
      } else {
        ++pos_;
        r.kind = Redirect::Kind::kRead;
      }
    } else if (c == '>') {
      if (ahead(1) == '(') {
        pos_ = save;
        return false;
      }
      if (ahead(1) == '>') {
        pos_ += 2;
        r.kind = Redirect::Kind::kAppend;
      } else if (ahead(1) == '&') {
        pos_ += 2;
        r.kind = Redirect::Kind::kDup;
      } else if (ahead(1) == '|') {
        pos_ += 2;
        r.kind = Redirect::Kind::kWrite;
      } else {
        ++pos_;
        r.kind = Redirect::Kind::kWrite;
      }
    } else {
      pos_ = save;
      return false;
    }
    skipBlanks();
    if (atEnd() || (isMeta(cur()) && !(cur() == '<' && ahead(1) == '(') && !(cur() == '>' && ahead(1) == '(')))
      fail(pos_, "expected a file name after the redirection");
    r.target = word(depth);
    // `>&file` (not a number or '-') is bash's `&>file`.
    if (r.kind == Redirect::Kind::kDup && r.target.literal && !r.target.text.empty() && r.target.text != "-" &&
        !std::all_of(r.target.text.begin(), r.target.text.end(), [](char d) { return std::isdigit(static_cast<unsigned char>(d)); })) {
      r.kind = c == '<' ? Redirect::Kind::kRead : Redirect::Kind::kWrite;
    }
    cmd->redirects.push_back(std::move(r));
    return true;
  }

  // One word, with quotes removed and expansions noted.
  Word word(int depth) {
    if (depth > kMaxDepth) fail(pos_, "nested deeper than 64 levels");
    Word w;
    bool first = true;
    while (!atEnd()) {
      char c = cur();
      if ((c == '<' || c == '>') && ahead(1) == '(' && first) {
        pos_ += 2;
        script_.hasSubstitution = true;
        sequence(depth + 1, ')');
        ++pos_;
        w.literal = false;
        w.text += "/dev/fd/N";
        first = false;
        continue;
      }
      if (isMeta(c)) break;
      first = false;
      if (c == '\\') {
        if (ahead(1) == '\n') {
          pos_ += 2;
        } else if (pos_ + 1 < src_.size()) {
          w.text.push_back(ahead(1));
          pos_ += 2;
        } else {
          ++pos_;  // a trailing backslash is kept literally by bash
          w.text.push_back('\\');
        }
      } else if (c == '\'') {
        std::size_t start = pos_++;
        std::size_t end = src_.find('\'', pos_);
        if (end == std::string_view::npos) fail(start, "unterminated single quote");
        w.text.append(src_.substr(pos_, end - pos_));
        pos_ = end + 1;
      } else if (c == '"') {
        doubleQuoted(depth, &w);
      } else if (c == '$') {
        dollar(depth, &w, false);
      } else if (c == '`') {
        backquote(depth, &w);
      } else {
        if (c == '*' || c == '?' || c == '[') w.hasGlob = true;
        w.text.push_back(c);
        ++pos_;
      }
    }
    return w;
  }

  void doubleQuoted(int depth, Word* w) {
    std::size_t start = pos_++;
    while (true) {
      if (atEnd()) fail(start, "unterminated double quote");
      char c = cur();
      if (c == '"') {
        ++pos_;
        return;
      }
      if (c == '\\') {
        char n = ahead(1);
        if (n == '$' || n == '`' || n == '"' || n == '\\') {
          w->text.push_back(n);
          pos_ += 2;
        } else if (n == '\n') {
          pos_ += 2;
        } else {
          w->text.push_back('\\');
          ++pos_;
        }
      } else if (c == '$') {
        dollar(depth, w, true);
      } else if (c == '`') {
        backquote(depth, w);
      } else {
        w->text.push_back(c);
        ++pos_;
      }
    }
  }

  static int hexDigit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }

  // $'…' ANSI-C quoting: the escapes are decoded, so `$'\x2fetc/passwd'` is `/etc/passwd`.
  void ansiC(Word* w) {
    std::size_t start = pos_;
    pos_ += 2;
    while (true) {
      if (atEnd()) fail(start, "unterminated $'…' quote");
      char c = cur();
      if (c == '\'') {
        ++pos_;
        return;
      }
      if (c != '\\') {
        w->text.push_back(c);
        ++pos_;
        continue;
      }
      char e = ahead(1);
      pos_ += 2;
      switch (e) {
        case 'n': w->text.push_back('\n'); break;
        case 't': w->text.push_back('\t'); break;
        case 'r': w->text.push_back('\r'); break;
        case 'a': w->text.push_back('\a'); break;
        case 'b': w->text.push_back('\b'); break;
        case 'e': case 'E': w->text.push_back('\x1b'); break;
        case 'f': w->text.push_back('\f'); break;
        case 'v': w->text.push_back('\v'); break;
        case '\\': case '\'': case '"': case '?': w->text.push_back(e); break;
        case 'x': {
          int v = 0, n = 0;
          while (n < 2 && hexDigit(cur()) >= 0) {
            v = v * 16 + hexDigit(cur());
            ++pos_;
            ++n;
          }
          if (n == 0) fail(pos_, "expected hex digits after \\x");
          w->text.push_back(static_cast<char>(v));
          break;
        }
        case 'u': case 'U':
          // Unicode escapes could spell anything; refuse to guess.
          w->literal = false;
          break;
        case '\0': fail(start, "unterminated $'…' quote");
        default:
          if (e >= '0' && e <= '7') {
            int v = e - '0', n = 1;
            while (n < 3 && cur() >= '0' && cur() <= '7') {
              v = v * 8 + (cur() - '0');
              ++pos_;
              ++n;
            }
            w->text.push_back(static_cast<char>(v & 0xff));
          } else {
            w->text.push_back('\\');
            w->text.push_back(e);
          }
      }
    }
  }

  void dollar(int depth, Word* w, bool inDouble) {
    char n = ahead(1);
    if (n == '\'' && !inDouble) {
      ansiC(w);
      return;
    }
    if (n == '"' && !inDouble) {  // $"…" locale translation: a double-quoted string
      ++pos_;
      doubleQuoted(depth, w);
      return;
    }
    if (n == '(') {
      w->literal = false;
      script_.hasSubstitution = true;
      if (ahead(2) == '(') {  // $(( arithmetic ))
        std::size_t start = pos_;
        skipBalanced(pos_ + 1, '(', ')');
        refuseHiddenCommands(start);
        w->text += "$((…))";
        return;
      }
      pos_ += 2;
      sequence(depth + 1, ')');
      ++pos_;
      w->text += "$(…)";
      return;
    }
    if (n == '{') {
      w->literal = false;
      std::size_t start = pos_;
      skipBalanced(pos_ + 1, '{', '}');
      refuseHiddenCommands(start);
      w->text.append(src_.substr(start, pos_ - start));
      return;
    }
    if (isNameStart(n)) {
      w->literal = false;
      std::size_t start = pos_++;
      while (!atEnd() && isNameChar(cur())) ++pos_;
      w->text.append(src_.substr(start, pos_ - start));
      return;
    }
    if (std::isdigit(static_cast<unsigned char>(n)) || n == '@' || n == '*' || n == '#' || n == '?' || n == '-' ||
        n == '$' || n == '!') {
      w->literal = false;
      w->text.append(src_.substr(pos_, 2));
      pos_ += 2;
      return;
    }
    w->text.push_back('$');  // a lone dollar is literal
    ++pos_;
  }

  // ${…} and $((…)) are skipped, not parsed: a command substitution inside them would run
  // commands we never see (`${x:-$(curl -T f …)}`), so it is refused like an unquoted
  // here-document's.
  void refuseHiddenCommands(std::size_t start) {
    std::string_view inner = src_.substr(start + 2, pos_ - start - 2);  // after "${" or "$("
    if (inner.find("$(") != std::string_view::npos || inner.find('`') != std::string_view::npos ||
        inner.find("<(") != std::string_view::npos || inner.find(">(") != std::string_view::npos)
      fail(start, "command substitution inside ${…} or $((…))");
  }

  // Skips from `open` at `at` to its matching `close`, honouring quotes; pos_ ends after it.
  void skipBalanced(std::size_t at, char open, char close) {
    std::size_t start = pos_;
    pos_ = at;
    int level = 0;
    while (!atEnd()) {
      char c = cur();
      if (c == '\\') {
        pos_ += 2;
        continue;
      }
      if (c == '\'') {
        std::size_t end = src_.find('\'', pos_ + 1);
        if (end == std::string_view::npos) fail(pos_, "unterminated single quote");
        pos_ = end + 1;
        continue;
      }
      if (c == open) ++level;
      if (c == close && --level == 0) {
        ++pos_;
        return;
      }
      ++pos_;
    }
    fail(start, fmt::format("missing '{}'", close));
  }

  // `…`: the inner text, with \` \\ \$ unescaped, is a script of its own.
  void backquote(int depth, Word* w) {
    std::size_t start = pos_++;
    std::string inner;
    while (true) {
      if (atEnd()) fail(start, "unterminated backquote");
      char c = cur();
      if (c == '`') {
        ++pos_;
        break;
      }
      if (c == '\\' && (ahead(1) == '`' || ahead(1) == '\\' || ahead(1) == '$')) {
        inner.push_back(ahead(1));
        pos_ += 2;
        continue;
      }
      inner.push_back(c);
      ++pos_;
    }
    w->literal = false;
    w->text += "`…`";
    script_.hasSubstitution = true;
    if (depth + 1 > kMaxDepth) fail(start, "nested deeper than 64 levels");
    ShellParser nested(inner);
    nested.baseDepth_ = depth + 1;
    try {
      nested.sequence(depth + 1, '\0');
    } catch (const ParseError& e) {
      fail(start + 1 + std::min(e.offset, inner.size()), e.message);
    }
    for (auto& c : nested.script_.commands) pushCommand(std::move(c));
  }

  std::string_view src_;
  std::size_t pos_ = 0;
  int baseDepth_ = 0;
  Script script_;
  std::vector<PendingHereDoc> pendingHereDocs_;
};

// ---- Analysis ----------------------------------------------------------------------------

std::string basename(std::string_view p) {
  auto slash = p.rfind('/');
  return std::string(slash == std::string_view::npos ? p : p.substr(slash + 1));
}

bool startsWith(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

std::string joinWords(const std::vector<Word>& words, std::size_t from = 0) {
  std::string out;
  for (std::size_t i = from; i < words.size(); ++i) {
    if (!out.empty()) out.push_back(' ');
    out += words[i].text;
  }
  return out;
}

bool isShell(std::string_view p) {
  return p == "sh" || p == "bash" || p == "dash" || p == "zsh" || p == "ksh" || p == "mksh" || p == "fish" ||
         p == "ash" || p == "busybox";
}

bool isInterpreter(std::string_view p) {
  static constexpr std::array<std::string_view, 16> kNames = {
      "python", "python2", "python3", "node", "nodejs", "deno", "bun", "perl", "ruby", "php", "lua", "Rscript",
      "osascript", "pwsh", "powershell", "tclsh"};
  if (std::find(kNames.begin(), kNames.end(), p) != kNames.end()) return true;
  // python3.11, perl5.36 …
  return startsWith(p, "python3.") || startsWith(p, "perl5");
}

// Options that take inline code, per interpreter family.
bool isInlineCodeFlag(std::string_view prog, std::string_view arg) {
  if (isShell(prog)) return arg == "-c" || (arg.size() > 1 && arg[0] == '-' && arg[1] != '-' && arg.find('c') != std::string_view::npos);
  if (startsWith(prog, "python")) return arg == "-c" || (arg.size() > 2 && startsWith(arg, "-c"));
  if (prog == "node" || prog == "nodejs" || prog == "deno" || prog == "bun")
    return arg == "-e" || arg == "--eval" || arg == "-p" || arg == "--print" || arg == "eval";
  if (prog == "perl" || startsWith(prog, "perl5") || prog == "ruby")
    return arg == "-e" || arg == "-E" || (arg.size() > 1 && arg[0] == '-' && arg.find_first_of("eE") != std::string_view::npos && arg[1] != '-');
  if (prog == "php") return arg == "-r";
  if (prog == "lua") return arg == "-e";
  if (prog == "Rscript") return arg == "-e";
  if (prog == "osascript") return arg == "-e";
  if (prog == "pwsh" || prog == "powershell") return arg == "-c" || arg == "-Command" || arg == "-command";
  if (prog == "tclsh") return false;
  return false;
}

class Analyzer {
 public:
  explicit Analyzer(Analysis* out, int depth = 0) : out_(out), depth_(depth) {}

  void command(const SimpleCommand& sc) {
    std::vector<Word> words = sc.words;
    Effect exec;
    exec.action = Action::kExec;
    // Files named in redirections.
    for (const auto& r : sc.redirects) {
      switch (r.kind) {
        case Redirect::Kind::kRead: file(Action::kFsRead, r.target, "< reads", &exec); break;
        case Redirect::Kind::kWrite:
        case Redirect::Kind::kAppend:
          if (!isDevNull(r.target)) file(Action::kFsWrite, r.target, "> writes", &exec);
          break;
        case Redirect::Kind::kReadWrite:
          file(Action::kFsRead, r.target, "<> reads", &exec);
          file(Action::kFsWrite, r.target, "<> writes", &exec);
          break;
        default: break;
      }
    }
    for (const auto& a : sc.assignments)
      if (startsWith(a, "PATH=") || startsWith(a, "LD_PRELOAD=") || startsWith(a, "LD_LIBRARY_PATH=") ||
          startsWith(a, "BASH_ENV=") || startsWith(a, "ENV=")) {
        exec.opaque = true;
        exec.why = fmt::format("{} changes what runs", a.substr(0, a.find('=')));
      }
    if (words.empty()) {
      if (!exec.opaque) return;  // only redirections and assignments: the file effects say it all
      exec.command = joinWords(words);
      out_->effects.push_back(std::move(exec));
      return;
    }
    exec.command = joinWords(words);
    std::size_t i = unwrap(words, &exec);
    if (i >= words.size()) {
      pushExec(std::move(exec));
      return;
    }
    const Word& progWord = words[i];
    if (!progWord.literal) {
      exec.opaque = true;
      exec.why = "the program name is computed at run time";
      pushExec(std::move(exec));
      return;
    }
    std::string prog = basename(progWord.text);
    std::vector<const Word*> args;
    for (std::size_t k = i + 1; k < words.size(); ++k) args.push_back(&words[k]);
    dispatch(prog, args, sc, &exec);
    pushExec(std::move(exec));
  }

 private:
  static bool isDevNull(const Word& w) {
    return w.literal && (w.text == "/dev/null" || w.text == "/dev/stdout" || w.text == "/dev/stderr" ||
                         w.text == "/dev/tty");
  }

  void pushExec(Effect exec) { out_->effects.push_back(std::move(exec)); }

  // A file operand: an fs effect when its name is known, else the command becomes opaque.
  void file(Action a, const Word& w, std::string_view why, Effect* exec) {
    if (w.text.empty() && w.literal) return;
    if (!w.literal || w.hasGlob) {
      exec->opaque = true;
      exec->why = fmt::format("{} a file whose name is only known at run time ({})", why, w.text);
      return;
    }
    if (w.text == "-") return;  // stdin/stdout
    Effect e;
    e.action = a;
    e.path = w.text;
    e.why = fmt::format("{} {}", why, w.text);
    out_->effects.push_back(std::move(e));
  }

  void net(std::string url, std::string method, Effect* exec, std::string why, core::Headers headers = {}) {
    Effect e;
    e.action = Action::kNetRequest;
    e.url = std::move(url);
    e.method = std::move(method);
    e.command = exec->command;
    e.headers = std::move(headers);
    e.why = std::move(why);
    out_->effects.push_back(std::move(e));
  }

  // Skips wrappers that run the command after them: sudo, env, nohup, nice, timeout, …
  static std::size_t unwrap(const std::vector<Word>& w, Effect* exec) {
    std::size_t i = 0;
    while (i < w.size() && w[i].literal) {
      std::string p = basename(w[i].text);
      if (p == "sudo" || p == "doas") {
        ++i;
        while (i < w.size() && startsWith(w[i].text, "-")) {
          std::string o = w[i].text;
          ++i;
          if ((o == "-u" || o == "-g" || o == "-C" || o == "-h" || o == "-p" || o == "-U" || o == "-r" || o == "-t") &&
              i < w.size())
            ++i;
        }
      } else if (p == "env") {
        ++i;
        while (i < w.size() && (startsWith(w[i].text, "-") || w[i].text.find('=') != std::string::npos)) {
          std::string o = w[i].text;
          if (startsWith(o, "PATH=") || startsWith(o, "LD_PRELOAD=")) {
            exec->opaque = true;
            exec->why = "env changes what runs";
          }
          ++i;
          if ((o == "-u" || o == "-C" || o == "-S") && i < w.size()) {
            if (o == "-S") {
              exec->opaque = true;
              exec->why = "env -S splits a string into a command";
            }
            ++i;
          }
        }
      } else if (p == "nohup" || p == "command" || p == "builtin" || p == "exec" || p == "stdbuf" || p == "unbuffer" ||
                 p == "setsid" || p == "chronic" || p == "time") {
        ++i;
        while (i < w.size() && startsWith(w[i].text, "-")) ++i;
      } else if (p == "nice" || p == "ionice" || p == "chrt" || p == "taskset") {
        ++i;
        while (i < w.size() && startsWith(w[i].text, "-")) {
          std::string o = w[i].text;
          ++i;
          if ((o == "-n" || o == "-c" || o == "-p") && i < w.size()) ++i;
        }
        if (p == "chrt" || p == "taskset") ++i;  // priority / mask
      } else if (p == "timeout") {
        ++i;
        while (i < w.size() && startsWith(w[i].text, "-")) {
          std::string o = w[i].text;
          ++i;
          if ((o == "-s" || o == "-k" || o == "--signal" || o == "--kill-after") && i < w.size()) ++i;
        }
        ++i;  // duration
      } else {
        break;
      }
    }
    return i;
  }

  // Positional operands, skipping options; `withArg` lists options that consume the next word.
  static std::vector<const Word*> operands(const std::vector<const Word*>& args,
                                           const std::vector<std::string_view>& withArg) {
    std::vector<const Word*> out;
    bool endOpts = false;
    for (std::size_t k = 0; k < args.size(); ++k) {
      const std::string& t = args[k]->text;
      if (!endOpts && t == "--") {
        endOpts = true;
        continue;
      }
      if (!endOpts && t.size() > 1 && t[0] == '-') {
        if (std::find(withArg.begin(), withArg.end(), t) != withArg.end()) ++k;
        continue;
      }
      out.push_back(args[k]);
    }
    return out;
  }

  void dispatch(const std::string& prog, const std::vector<const Word*>& args, const SimpleCommand& sc,
                Effect* exec) {
    if (prog == "eval") {
      std::string code;
      for (const auto* a : args) code += (code.empty() ? "" : " ") + a->text;
      if (!nested(args, code, exec)) {
        exec->opaque = true;
        exec->why = "eval runs a string as code";
      }
      return;
    }
    if (prog == "source" || prog == ".") {
      exec->opaque = true;
      exec->why = fmt::format("{} runs a script in this shell", prog);
      if (!args.empty()) file(Action::kFsRead, *args[0], "source reads", exec);
      return;
    }
    if (prog == "xargs" || prog == "parallel" || prog == "watch") {
      exec->opaque = true;
      exec->why = fmt::format("{} runs commands built at run time", prog);
      return;
    }
    if (isShell(prog) || isInterpreter(prog)) {
      interpreter(prog, args, sc, exec);
      return;
    }
    if (prog == "find") {
      for (const auto* a : args)
        if (a->text == "-exec" || a->text == "-execdir" || a->text == "-ok" || a->text == "-okdir" ||
            a->text == "-delete" || a->text == "-fprint" || a->text == "-fls") {
          exec->opaque = true;
          exec->why = fmt::format("find {} acts on files found at run time", a->text);
        }
      return;
    }
    if (prog == "cat" || prog == "less" || prog == "more" || prog == "bat" || prog == "batcat" || prog == "nl" ||
        prog == "tac" || prog == "od" || prog == "xxd" || prog == "hexdump" || prog == "strings" || prog == "wc" ||
        prog == "base64" || prog == "base32" || prog == "md5sum" || prog == "sha1sum" || prog == "sha256sum" ||
        prog == "sha512sum" || prog == "uniq" || prog == "file" || prog == "diff" || prog == "cmp" ||
        prog == "zcat" || prog == "gzip" || prog == "gunzip" || prog == "bzip2" || prog == "xz" ||
        prog == "iconv" || prog == "rev" || prog == "fold" || prog == "expand" || prog == "column" ||
        prog == "paste" || prog == "comm" || prog == "join" || prog == "fmt" || prog == "pr" || prog == "split" ||
        prog == "gpg" || prog == "openssl" || prog == "stat" || prog == "readlink" || prog == "realpath" ||
        prog == "view" || prog == "vi" || prog == "vim" || prog == "nano" || prog == "emacs" || prog == "code") {
      readers(prog, args, exec);
      return;
    }
    if (prog == "head" || prog == "tail") {
      for (const auto* o : operands(args, {"-n", "-c", "--lines", "--bytes", "-s", "--pid"}))
        file(Action::kFsRead, *o, prog + " reads", exec);
      return;
    }
    if (prog == "cut") {
      for (const auto* o : operands(args, {"-d", "-f", "-b", "-c", "--output-delimiter"}))
        file(Action::kFsRead, *o, "cut reads", exec);
      return;
    }
    if (prog == "sort") {
      for (std::size_t k = 0; k < args.size(); ++k)
        if ((args[k]->text == "-o" || args[k]->text == "--output") && k + 1 < args.size())
          file(Action::kFsWrite, *args[k + 1], "sort -o writes", exec);
      for (const auto* o : operands(args, {"-o", "--output", "-k", "-t", "-S", "-T", "--key"}))
        file(Action::kFsRead, *o, "sort reads", exec);
      return;
    }
    if (prog == "grep" || prog == "egrep" || prog == "fgrep" || prog == "rg" || prog == "ag" || prog == "zgrep") {
      grep(prog, args, exec);
      return;
    }
    if (prog == "sed" || prog == "awk" || prog == "gawk" || prog == "mawk" || prog == "jq" || prog == "yq") {
      scripted(prog, args, exec);
      return;
    }
    if (prog == "tee" || prog == "touch" || prog == "truncate" || prog == "mkdir" || prog == "chmod" ||
        prog == "chown" || prog == "ln" || prog == "install" || prog == "dd") {
      writers(prog, args, exec);
      return;
    }
    if (prog == "rm" || prog == "rmdir" || prog == "unlink" || prog == "shred") {
      for (const auto* o : operands(args, {"-n", "--iterations", "-s", "--size"}))
        file(Action::kFsDelete, *o, prog + " deletes", exec);
      return;
    }
    if (prog == "cp" || prog == "mv") {
      copy(prog, args, exec);
      return;
    }
    if (prog == "zip") {
      // zip ARCHIVE FILES…: the archive is written, the files are read.
      auto ops = operands(args, {"-P", "--password", "-x", "-i", "-b", "-t", "-tt"});
      for (std::size_t k = 0; k < ops.size(); ++k)
        file(k == 0 ? Action::kFsWrite : Action::kFsRead, *ops[k], k == 0 ? "zip writes" : "zip archives", exec);
      for (const auto* a : args)
        if (a->text == "-@" || a->text == "--names-stdin") {
          exec->opaque = true;
          exec->why = "zip -@ takes its file list from standard input";
        }
      return;
    }
    if (prog == "tar" || prog == "bsdtar") {
      tar(args, exec);
      return;
    }
    if (prog == "curl") {
      curl(args, exec);
      return;
    }
    if (prog == "wget") {
      wget(args, exec);
      return;
    }
    if (prog == "nc" || prog == "ncat" || prog == "netcat" || prog == "telnet" || prog == "socat") {
      netcat(prog, args, exec);
      return;
    }
    if (prog == "ssh" || prog == "sftp" || prog == "mosh") {
      ssh(prog, args, exec);
      return;
    }
    if (prog == "scp" || prog == "rsync") {
      remoteCopy(prog, args, exec);
      return;
    }
    if (prog == "git") {
      git(args, exec);
      return;
    }
    if (prog == "pip" || prog == "pip3" || prog == "uv" || prog == "poetry" || prog == "pipx") {
      for (const auto* a : args)
        if (a->text == "install" || a->text == "download" || a->text == "add" || a->text == "sync") {
          net("https://pypi.org/simple/", "GET", exec, prog + " installs from PyPI");
          break;
        }
      for (std::size_t k = 0; k + 1 < args.size(); ++k)
        if (args[k]->text == "-r" || args[k]->text == "--requirement")
          file(Action::kFsRead, *args[k + 1], prog + " -r reads", exec);
      return;
    }
    if (prog == "npm" || prog == "npx" || prog == "yarn" || prog == "pnpm") {
      npm(prog, args, exec);
      return;
    }
  }

  // Short options of the readers that take a value. Anything not listed is a flag, so that
  // `cat -n f`, `wc -l f`, `od -c f`, `gzip -c f` still report f (an unknown option taking a
  // value only over-reports its value as a file).
  static std::vector<std::string_view> readerOptionsWithValue(const std::string& prog) {
    if (prog == "tac") return {"-s", "--separator"};
    if (prog == "base64" || prog == "base32") return {"-w", "--wrap"};
    if (prog == "od") return {"-t", "-w", "-N", "-j", "-A", "--format", "--width", "--read-bytes", "--skip-bytes"};
    if (prog == "xxd") return {"-s", "-l", "-c", "-g", "-o", "-n", "-cols", "-len", "-seek"};
    if (prog == "hexdump") return {"-n", "-s", "-e", "-f"};
    if (prog == "strings") return {"-n", "-t", "-e", "-s", "--bytes", "--radix", "--encoding"};
    if (prog == "nl") return {"-s", "-w", "-b", "-n", "-v", "-i", "-d", "-f", "-h", "-l"};
    if (prog == "uniq") return {"-f", "-s", "-w"};
    if (prog == "fold") return {"-w", "--width"};
    if (prog == "expand") return {"-t", "--tabs"};
    if (prog == "column") return {"-s", "-c", "-o", "-N", "-R", "-H", "-O", "-E", "-W"};
    if (prog == "paste") return {"-d", "--delimiters"};
    if (prog == "join") return {"-t", "-o", "-e", "-1", "-2", "-j", "-a", "-v"};
    if (prog == "fmt") return {"-w", "-p", "-g", "--width", "--prefix", "--goal"};
    if (prog == "pr") return {"-l", "-w", "-h", "-o", "-W", "-N"};
    if (prog == "split") return {"-l", "-b", "-n", "-C", "-a", "-t", "--lines", "--bytes", "--number"};
    if (prog == "iconv") return {"-f", "-t", "-o", "--from-code", "--to-code", "--output"};
    if (prog == "cmp") return {"-i", "-n", "--bytes", "--ignore-initial"};
    if (prog == "diff") return {"-U", "-C", "-x", "-X", "-I", "-F", "-L", "--label", "--exclude", "--exclude-from"};
    if (prog == "file") return {"-m", "-f", "-F", "-e", "-P", "--magic-file", "--files-from", "--separator"};
    if (prog == "stat") return {"-c", "--format", "--printf"};
    if (prog == "gzip" || prog == "gunzip" || prog == "zcat") return {"-S", "--suffix"};
    if (prog == "xz") return {"-T", "--threads", "-F", "--format", "-C", "--check"};
    if (prog == "less") return {"-b", "-h", "-j", "-k", "-o", "-O", "-p", "-P", "-t", "-T", "-x", "-y", "-z"};
    if (prog == "more") return {"-n"};
    if (prog == "bat" || prog == "batcat")
      return {"-l", "--language", "-H", "--highlight-line", "-r", "--line-range", "--theme", "--style", "-m",
              "--map-syntax", "--tabs", "--wrap", "--terminal-width"};
    if (prog == "view" || prog == "vi" || prog == "vim") return {"-c", "-S", "-s", "-t", "-u", "-U", "-i", "-T", "-w", "-W"};
    if (prog == "nano") return {"-s", "-o", "-Y", "-T", "-r", "-Q", "-X", "--speller", "--operatingdir", "--syntax"};
    return {};  // cat, wc, md5sum, rev, comm, readlink, … take no option values
  }

  // The value of the short option at position j of the cluster args[k] (`-rfpats`, `-rf pats`):
  // the rest of the word, or the next word, in which case k moves past it.
  static Word clusterValue(const std::vector<const Word*>& args, std::size_t& k, std::size_t j) {
    const std::string& t = args[k]->text;
    if (j + 1 < t.size()) {
      Word w = *args[k];
      w.text = t.substr(j + 1);
      return w;
    }
    if (k + 1 < args.size()) return *args[++k];
    return Word{};
  }

  void readers(const std::string& prog, const std::vector<const Word*>& args, Effect* exec) {
    std::vector<const Word*> ops = operands(args, readerOptionsWithValue(prog));
    if (prog == "gpg" || prog == "openssl") {
      // Their operands mix sub-commands and files; the files they are given are read.
      for (std::size_t k = 0; k + 1 < args.size(); ++k)
        if (args[k]->text == "-in" || args[k]->text == "--decrypt" || args[k]->text == "-d" ||
            args[k]->text == "--encrypt" || args[k]->text == "-e")
          file(Action::kFsRead, *args[k + 1], prog + " reads", exec);
      for (std::size_t k = 0; k + 1 < args.size(); ++k)
        if (args[k]->text == "-out" || args[k]->text == "-o" || args[k]->text == "--output")
          file(Action::kFsWrite, *args[k + 1], prog + " writes", exec);
      return;
    }
    bool edits = prog == "vi" || prog == "vim" || prog == "nano" || prog == "emacs" || prog == "code";
    for (const auto* o : ops) {
      file(Action::kFsRead, *o, prog + " reads", exec);
      if (edits) file(Action::kFsWrite, *o, prog + " edits", exec);
    }
  }

  void grep(const std::string& prog, const std::vector<const Word*>& args, Effect* exec) {
    bool patternGiven = false;
    std::vector<const Word*> ops;
    bool endOpts = false;
    for (std::size_t k = 0; k < args.size(); ++k) {
      const std::string& t = args[k]->text;
      if (!endOpts && t == "--") {
        endOpts = true;
        continue;
      }
      if (!endOpts && t.size() > 1 && t[0] == '-') {
        if (t == "-e" || t == "--regexp") {
          patternGiven = true;
          ++k;
        } else if (t == "-f" || t == "--file") {
          patternGiven = true;
          if (k + 1 < args.size()) file(Action::kFsRead, *args[k + 1], prog + " -f reads", exec);
          ++k;
        } else if (t == "-m" || t == "-A" || t == "-B" || t == "-C" || t == "--max-count" || t == "-g" ||
                   t == "--glob" || t == "-t" || t == "--type" || t == "-T" || t == "--type-not" ||
                   t == "--include" || t == "--exclude" || t == "--exclude-dir" || t == "-d" || t == "-D") {
          ++k;
        } else if (startsWith(t, "--regexp=") || startsWith(t, "--file=")) {
          patternGiven = true;
          if (startsWith(t, "--file=")) {
            Word f = *args[k];
            f.text = t.substr(7);
            file(Action::kFsRead, f, prog + " -f reads", exec);
          }
        } else if (t[1] != '-') {
          // A cluster (-rn, -vePAT, -rf pats): -e/-f take the rest of the word or the next one.
          for (std::size_t j = 1; j < t.size(); ++j) {
            char c = t[j];
            if (c == 'e' || c == 'f') {
              patternGiven = true;
              Word v = clusterValue(args, k, j);
              if (c == 'f') file(Action::kFsRead, v, prog + " -f reads", exec);
              break;
            }
            std::string_view withValue = prog == "rg" ? "mABCgtT" : prog == "ag" ? "mABCG" : "mABCdD";
            if (withValue.find(c) != std::string_view::npos) {
              (void)clusterValue(args, k, j);
              break;
            }
          }
        }
        continue;
      }
      ops.push_back(args[k]);
    }
    std::size_t start = patternGiven ? 0 : 1;
    for (std::size_t k = start; k < ops.size(); ++k) file(Action::kFsRead, *ops[k], prog + " reads", exec);
    // With no file operand a recursive search (grep -r, rg, ag) reads the working directory.
    bool recursive = prog == "rg" || prog == "ag";
    for (const auto* a : args) {
      const std::string& t = a->text;
      if (t == "--recursive" || t == "--dereference-recursive" ||
          (t.size() > 1 && t[0] == '-' && t[1] != '-' && t.find_first_of("rR") != std::string::npos))
        recursive = true;
    }
    if (recursive && ops.size() <= start) {
      Word cwd;
      cwd.text = ".";
      file(Action::kFsRead, cwd, prog + " searches the working directory", exec);
    }
  }

  void scripted(const std::string& prog, const std::vector<const Word*>& args, Effect* exec) {
    bool scriptGiven = false;
    bool inPlace = false;
    std::vector<const Word*> ops;
    for (std::size_t k = 0; k < args.size(); ++k) {
      const std::string& t = args[k]->text;
      if (t.size() > 1 && t[0] == '-') {
        if (t == "-e" || t == "--expression") {
          scriptGiven = true;
          ++k;
        } else if (t == "-f" || t == "--file" || t == "--from-file") {
          scriptGiven = true;
          if (k + 1 < args.size()) file(Action::kFsRead, *args[k + 1], prog + " -f reads", exec);
          ++k;
        } else if (t == "-F" || t == "-v" || t == "--arg" || t == "--argjson") {
          k += (t == "--arg" || t == "--argjson") ? 2 : 1;
        } else if (t == "--slurpfile" || t == "--rawfile") {
          if (k + 2 < args.size()) file(Action::kFsRead, *args[k + 2], prog + " reads", exec);
          k += 2;
        } else if (prog == "sed" && startsWith(t, "--expression=")) {
          scriptGiven = true;
        } else if (prog == "sed" && startsWith(t, "--file=")) {
          scriptGiven = true;
          Word f = *args[k];
          f.text = t.substr(7);
          file(Action::kFsRead, f, "sed -f reads", exec);
        } else if (prog == "sed" && t[1] != '-') {
          // A cluster: -i takes the rest as a backup suffix; -e/-f/-l the rest or the next word.
          for (std::size_t j = 1; j < t.size(); ++j) {
            char c = t[j];
            if (c == 'i') {
              inPlace = true;
              break;
            }
            if (c == 'e' || c == 'f') {
              scriptGiven = true;
              Word v = clusterValue(args, k, j);
              if (c == 'f') file(Action::kFsRead, v, "sed -f reads", exec);
              break;
            }
            if (c == 'l') {
              (void)clusterValue(args, k, j);
              break;
            }
          }
        } else if (startsWith(t, "-i") || t == "--in-place") {
          inPlace = prog == "sed";
        }
        continue;
      }
      ops.push_back(args[k]);
    }
    if (prog == "awk" || prog == "gawk" || prog == "mawk") {
      // awk programs can run commands and open files themselves.
      for (const auto* o : ops)
        if (o->text.find("system") != std::string::npos || o->text.find('|') != std::string::npos ||
            o->text.find("getline") != std::string::npos || o->text.find('>') != std::string::npos) {
          exec->opaque = true;
          exec->why = "awk program runs commands or opens files";
        }
    }
    if (prog == "sed")
      for (const auto* o : ops)
        if (!scriptGiven && o == ops.front() && (o->text.find("/e") != std::string::npos || o->text.find('w') != std::string::npos)) {
          // `e` executes, `w file` writes: cannot be followed statically.
          if (o->text.find("/e") != std::string::npos || o->text.find(" w ") != std::string::npos ||
              startsWith(o->text, "w ")) {
            exec->opaque = true;
            exec->why = "sed script executes commands or writes files";
          }
        }
    std::size_t start = scriptGiven ? 0 : 1;
    for (std::size_t k = start; k < ops.size(); ++k) {
      file(Action::kFsRead, *ops[k], prog + " reads", exec);
      if (inPlace) file(Action::kFsWrite, *ops[k], "sed -i writes", exec);
    }
  }

  void writers(const std::string& prog, const std::vector<const Word*>& args, Effect* exec) {
    if (prog == "dd") {
      for (const auto* a : args) {
        if (startsWith(a->text, "if=")) {
          Word w = *a;
          w.text = a->text.substr(3);
          file(Action::kFsRead, w, "dd reads", exec);
        } else if (startsWith(a->text, "of=")) {
          Word w = *a;
          w.text = a->text.substr(3);
          file(Action::kFsWrite, w, "dd writes", exec);
        }
      }
      return;
    }
    std::vector<const Word*> ops = operands(args, {"-s", "--size", "-m", "--mode", "-r", "--reference", "-t", "-o", "-g"});
    std::size_t start = (prog == "chmod" || prog == "chown") ? 1 : 0;
    if (prog == "ln" || prog == "install") {
      // ln TARGET LINK / install SRC DST: the last operand is written, the others are read.
      for (std::size_t k = 0; k < ops.size(); ++k)
        file(k + 1 == ops.size() ? Action::kFsWrite : Action::kFsRead, *ops[k], prog + (k + 1 == ops.size() ? " writes" : " reads"), exec);
      return;
    }
    for (std::size_t k = start; k < ops.size(); ++k) file(Action::kFsWrite, *ops[k], prog + " writes", exec);
  }

  void copy(const std::string& prog, const std::vector<const Word*>& args, Effect* exec) {
    const Word* targetDir = nullptr;
    std::vector<const Word*> ops;
    for (std::size_t k = 0; k < args.size(); ++k) {
      const std::string& t = args[k]->text;
      if (t == "-t" || t == "--target-directory") {
        if (k + 1 < args.size()) targetDir = args[++k];
        continue;
      }
      if (t.size() > 1 && t[0] == '-') {
        if (t == "-S" || t == "--suffix") ++k;
        continue;
      }
      ops.push_back(args[k]);
    }
    if (!targetDir && !ops.empty()) {
      targetDir = ops.back();
      ops.pop_back();
    }
    for (const auto* o : ops) {
      file(Action::kFsRead, *o, prog + " reads", exec);
      if (prog == "mv") file(Action::kFsDelete, *o, "mv removes", exec);
    }
    if (targetDir) file(Action::kFsWrite, *targetDir, prog + " writes", exec);
  }

  void tar(const std::vector<const Word*>& args, Effect* exec) {
    char mode = 0;
    const Word* archive = nullptr;
    Word fileOption;  // the value of --file=…
    std::vector<const Word*> ops;
    for (std::size_t k = 0; k < args.size(); ++k) {
      std::string t = args[k]->text;
      bool cluster = (k == 0 && !t.empty() && t[0] != '-') || (t.size() > 1 && t[0] == '-' && t[1] != '-');
      if (startsWith(t, "--")) {
        if (t == "--create") mode = 'c';
        else if (t == "--extract" || t == "--get") mode = 'x';
        else if (t == "--list") mode = 't';
        else if (t == "--append") mode = 'r';
        else if (t == "--file" && k + 1 < args.size()) archive = args[++k];
        else if (startsWith(t, "--file=")) {
          fileOption = *args[k];
          fileOption.text = t.substr(7);
          archive = &fileOption;
        } else if ((t == "--directory" || t == "-C" || t == "--exclude") && k + 1 < args.size()) {
          ++k;
        } else if (t == "--files-from" || startsWith(t, "--files-from=")) {
          exec->opaque = true;
          exec->why = "tar --files-from takes its file list from a file";
        }
        continue;
      }
      if (cluster) {
        for (std::size_t j = (t[0] == '-') ? 1 : 0; j < t.size(); ++j) {
          char c = t[j];
          if (c == 'c' || c == 'x' || c == 't' || c == 'r' || c == 'u') mode = c;
          if (c == 'T') {
            exec->opaque = true;
            exec->why = "tar -T takes its file list from a file";
          }
          if ((c == 'f' || c == 'C' || c == 'T') && k + 1 < args.size()) {
            if (c == 'f') archive = args[k + 1];
            ++k;
            break;
          }
        }
        continue;
      }
      ops.push_back(args[k]);
    }
    if (archive) {
      if (mode == 'c' || mode == 'r' || mode == 'u') file(Action::kFsWrite, *archive, "tar writes", exec);
      else file(Action::kFsRead, *archive, "tar reads", exec);
    }
    if (mode == 'c' || mode == 'r' || mode == 'u')
      for (const auto* o : ops) file(Action::kFsRead, *o, "tar archives", exec);
  }

  static std::string withScheme(const std::string& u, const char* def) {
    if (u.find("://") != std::string::npos) return u;
    return std::string(def) + "://" + u;
  }

  // "Name: value" as given to curl -H / wget --header.
  static void addHeader(const std::string& text, core::Headers* headers) {
    auto colon = text.find(':');
    if (colon == std::string::npos) return;
    std::string value = text.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.erase(0, 1);
    headers->emplace_back(text.substr(0, colon), value);
  }

  // One option of a command line: its name, and its value when given inline (`--opt=v`, or a
  // short option in `gluedShort` written as `-Xvalue`). value() takes the inline value or the
  // next word.
  struct Option {
    const std::vector<const Word*>& args;
    std::size_t& k;
    std::string name;
    std::optional<std::string> inlineValue;

    Option(const std::vector<const Word*>& a, std::size_t& index, std::string_view gluedShort)
        : args(a), k(index), name(a[index]->text) {
      if (startsWith(name, "--") && name.find('=') != std::string::npos) {
        inlineValue = name.substr(name.find('=') + 1);
        name = name.substr(0, name.find('='));
      } else if (!startsWith(name, "--") && name.size() > 2 && name[0] == '-' &&
                 gluedShort.find(name[1]) != std::string_view::npos) {
        inlineValue = name.substr(2);
        name = name.substr(0, 2);
      }
    }
    std::optional<Word> value() {
      if (inlineValue) {
        Word w = *args[k];
        w.text = *inlineValue;
        return w;
      }
      if (k + 1 >= args.size()) return std::nullopt;
      return *args[++k];
    }
    void skipValue() { (void)value(); }
  };

  // curl's short options that take a value.
  static constexpr std::string_view kCurlValueLetters = "XHdFToeuAbcxwmKErCyYztDPQU";

  // `-sd @f` is `-s -d @f`: a cluster of flags ending in an option with a value becomes that
  // option, with the rest of the word (or the next word) as its value.
  static std::vector<const Word*> splitCurlClusters(const std::vector<const Word*>& in, std::deque<Word>* store) {
    std::vector<const Word*> out;
    for (const auto* a : in) {
      const std::string& t = a->text;
      if (t.size() > 2 && t[0] == '-' && t[1] != '-' && kCurlValueLetters.find(t[1]) == std::string_view::npos) {
        auto j = t.find_first_of(kCurlValueLetters, 1);
        if (j != std::string::npos) {
          Word w = *a;
          w.text = "-" + t.substr(j);
          store->push_back(std::move(w));
          out.push_back(&store->back());
          continue;
        }
      }
      out.push_back(a);
    }
    return out;
  }

  void curl(const std::vector<const Word*>& rawArgs, Effect* exec) {
    std::deque<Word> split;  // rewritten clusters, kept at stable addresses
    const std::vector<const Word*> args = splitCurlClusters(rawArgs, &split);
    std::string method;
    bool upload = false;
    bool body = false;
    bool head = false;
    bool get = false;
    core::Headers headers;
    std::vector<const Word*> urls;
    std::deque<Word> urlOptions;  // values of --url, kept at stable addresses
    // curl options that take an argument (the ones an agent uses; others are rarer).
    static const std::set<std::string_view> kWithArg = {
        "-A", "--user-agent", "-b", "--cookie", "-c", "--cookie-jar", "-e", "--referer", "-E", "--cert",
        "--key", "--cacert", "--capath", "-m", "--max-time", "--connect-timeout", "--retry", "-r", "--range",
        "-w", "--write-out", "-x", "--proxy", "--resolve", "--connect-to", "-u", "--user", "-U", "--proxy-user",
        "-C", "--continue-at", "--limit-rate", "-y", "-Y", "-z", "--output-dir", "--interface", "--dns-servers",
        "--max-filesize", "--retry-delay", "--retry-max-time", "--oauth2-bearer", "--aws-sigv4", "-t",
        "--telnet-option", "--unix-socket", "--abstract-unix-socket", "-D", "--dump-header", "--trace",
        "--trace-ascii", "--stderr", "-P", "--ftp-port", "-Q", "--quote", "--mail-from", "--mail-rcpt",
        "--variable", "--expand-url"};
    for (std::size_t k = 0; k < args.size(); ++k) {
      // -XPOST, -HX:y, -d@f: short options glued to their value
      Option opt(args, k, kCurlValueLetters);
      const std::string& t = opt.name;
      auto value = [&] { return opt.value(); };
      if (t == "-X" || t == "--request") {
        auto v = value();
        if (v) method = v->text;
      } else if (t == "-H" || t == "--header" || t == "--proxy-header") {
        auto v = value();
        if (v && t != "--proxy-header") {
          if (startsWith(v->text, "@")) {
            Word f = *v;
            f.text = v->text.substr(1);
            file(Action::kFsRead, f, "curl -H @ reads", exec);
            continue;
          }
          addHeader(v->text, &headers);
        }
      } else if (t == "-d" || t == "--data" || t == "--data-binary" || t == "--data-ascii" ||
                 t == "--data-urlencode" || t == "--json") {
        body = true;
        auto v = value();
        if (v) {
          // --data-urlencode name@file reads too.
          std::string s = v->text;
          std::size_t at = t == "--data-urlencode" ? s.find('@') : (startsWith(s, "@") ? 0 : std::string::npos);
          if (at != std::string::npos && (t != "--data-urlencode" || s.find('=') == std::string::npos || s.find('=') > at)) {
            Word f = *v;
            f.text = s.substr(at + 1);
            file(Action::kFsRead, f, fmt::format("curl {} @ uploads", t), exec);
          }
        }
      } else if (t == "--data-raw") {
        body = true;
        (void)value();
      } else if (t == "-F" || t == "--form" || t == "--form-string") {
        body = true;
        auto v = value();
        if (v && t != "--form-string") {
          // name=@file;type=…  or name=<file
          auto eq = v->text.find('=');
          if (eq != std::string::npos && eq + 1 < v->text.size() &&
              (v->text[eq + 1] == '@' || v->text[eq + 1] == '<')) {
            Word f = *v;
            std::string rest = v->text.substr(eq + 2);
            auto semi = rest.find(';');
            f.text = rest.substr(0, semi);
            if (!f.text.empty() && f.text.front() == '"' && f.text.size() > 1 && f.text.back() == '"')
              f.text = f.text.substr(1, f.text.size() - 2);
            file(Action::kFsRead, f, "curl -F @ uploads", exec);
          }
        }
      } else if (t == "-T" || t == "--upload-file") {
        upload = true;
        auto v = value();
        if (v) file(Action::kFsRead, *v, "curl -T uploads", exec);
      } else if (t == "-o" || t == "--output") {
        auto v = value();
        if (v && !isDevNull(*v)) file(Action::kFsWrite, *v, "curl -o writes", exec);
      } else if (t == "-K" || t == "--config") {
        auto v = value();
        exec->opaque = true;
        exec->why = "curl -K takes its options from a file";
        if (v) file(Action::kFsRead, *v, "curl -K reads", exec);
      } else if (t == "--url") {
        auto v = value();
        if (v) {
          urlOptions.push_back(*v);
          urls.push_back(&urlOptions.back());
        }
      } else if (t == "-I" || t == "--head") {
        head = true;
      } else if (t == "-G" || t == "--get") {
        get = true;
      } else if (t == "-O" || t == "--remote-name" || t == "-J") {
        exec->why = "curl -O writes a file named by the server";
      } else if (kWithArg.count(t)) {
        opt.skipValue();
      } else if (startsWith(t, "-") && t.size() > 1) {
        // Unknown or flag options take no argument.
      } else {
        urls.push_back(args[k]);
      }
    }
    if (method.empty()) method = head ? "HEAD" : get ? "GET" : upload ? "PUT" : body ? "POST" : "GET";
    for (const auto* u : urls) {
      if (!u->literal) {
        exec->opaque = true;
        exec->why = fmt::format("curl to a URL only known at run time ({})", u->text);
        continue;
      }
      net(withScheme(u->text, "http"), method, exec, fmt::format("curl {} {}", method, u->text), headers);
    }
  }

  void wget(const std::vector<const Word*>& args, Effect* exec) {
    std::string method;
    bool body = false;
    core::Headers headers;
    std::vector<const Word*> urls;
    for (std::size_t k = 0; k < args.size(); ++k) {
      Option opt(args, k, "");
      const std::string& t = opt.name;
      auto value = [&] { return opt.value(); };
      if (t == "--post-file" || t == "--body-file") {
        body = true;
        auto v = value();
        if (v) file(Action::kFsRead, *v, "wget uploads", exec);
      } else if (t == "--post-data" || t == "--body-data") {
        body = true;
        (void)value();
      } else if (t == "--method") {
        auto v = value();
        if (v) method = v->text;
      } else if (t == "-O" || t == "--output-document") {
        auto v = value();
        if (v && !isDevNull(*v)) file(Action::kFsWrite, *v, "wget -O writes", exec);
      } else if (t == "-i" || t == "--input-file") {
        auto v = value();
        exec->opaque = true;
        exec->why = "wget -i takes its URLs from a file";
        if (v) file(Action::kFsRead, *v, "wget -i reads", exec);
      } else if (t == "--header") {
        auto v = value();
        if (v) addHeader(v->text, &headers);
      } else if (t == "-o" || t == "-a" || t == "-P" || t == "-U" || t == "-t" || t == "-T" || t == "-e" ||
                 t == "--user" || t == "--password" || t == "--user-agent" || t == "--directory-prefix") {
        opt.skipValue();
      } else if (startsWith(t, "-") && t.size() > 1) {
      } else {
        urls.push_back(args[k]);
      }
    }
    if (method.empty()) method = body ? "POST" : "GET";
    for (const auto* u : urls) {
      if (!u->literal) {
        exec->opaque = true;
        exec->why = fmt::format("wget of a URL only known at run time ({})", u->text);
        continue;
      }
      net(withScheme(u->text, "http"), method, exec, fmt::format("wget {} {}", method, u->text), headers);
    }
  }

  // user@host → host; [v6] kept in brackets.
  static std::string hostPart(std::string s) {
    auto at = s.rfind('@');
    if (at != std::string::npos) s = s.substr(at + 1);
    return s;
  }

  void netcat(const std::string& prog, const std::vector<const Word*>& args, Effect* exec) {
    if (prog == "socat") {
      exec->opaque = true;
      exec->why = "socat addresses are not analysed";
      return;
    }
    std::vector<const Word*> ops = operands(args, {"-p", "-s", "-w", "-i", "-q", "-x", "-X", "-e", "-c", "-b", "-T", "-P"});
    for (const auto* a : args)
      if (a->text == "-l" || a->text == "-e" || a->text == "-c" || a->text == "--exec" || a->text == "--sh-exec") {
        exec->opaque = true;
        exec->why = fmt::format("{} {} listens or runs a program", prog, a->text);
      }
    if (ops.empty()) return;
    if (!ops[0]->literal) {
      exec->opaque = true;
      exec->why = fmt::format("{} to a host only known at run time", prog);
      return;
    }
    std::string port = ops.size() > 1 ? ops[1]->text : (prog == "telnet" ? "23" : "");
    if (port.empty() || !std::all_of(port.begin(), port.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); })) {
      exec->opaque = true;
      exec->why = fmt::format("{} without a numeric port", prog);
      return;
    }
    std::string host = ops[0]->text;
    if (host.find(':') != std::string::npos && host.front() != '[') host = "[" + host + "]";
    net(fmt::format("tcp://{}:{}/", host, port), "CONNECT", exec, fmt::format("{} connects to {}:{}", prog, ops[0]->text, port));
  }

  void ssh(const std::string& prog, const std::vector<const Word*>& args, Effect* exec) {
    std::string port;
    std::vector<const Word*> ops;
    for (std::size_t k = 0; k < args.size(); ++k) {
      const std::string& t = args[k]->text;
      if (t.size() > 1 && t[0] == '-') {
        if (t == "-p" || t == "-P") {
          if (k + 1 < args.size()) port = args[++k]->text;
        } else if (t == "-i" && k + 1 < args.size()) {
          file(Action::kFsRead, *args[++k], prog + " -i reads", exec);
        } else if (t == "-F" && k + 1 < args.size()) {
          file(Action::kFsRead, *args[++k], prog + " -F reads", exec);
        } else if (t == "-o" && k + 1 < args.size()) {
          const std::string& o = args[++k]->text;
          if (o.find("ProxyCommand") != std::string::npos || o.find("LocalCommand") != std::string::npos) {
            exec->opaque = true;
            exec->why = "ssh -o runs a local command";
          }
        } else if (t.size() == 2 && std::string_view("lLRDJbcEeImOQSWwB").find(t[1]) != std::string_view::npos) {
          ++k;
        }
        continue;
      }
      ops.push_back(args[k]);
      if (prog == "ssh") break;  // the rest is the remote command
    }
    if (ops.empty()) return;
    if (!ops[0]->literal) {
      exec->opaque = true;
      exec->why = fmt::format("{} to a host only known at run time", prog);
      return;
    }
    std::string target = ops[0]->text;
    if (startsWith(target, "ssh://") || startsWith(target, "sftp://")) {
      net(target, "CONNECT", exec, fmt::format("{} connects to {}", prog, target));
      return;
    }
    std::string host = hostPart(target.substr(0, target.find(':') == std::string::npos || target.front() == '[' ? std::string::npos : target.find(':')));
    net(fmt::format("ssh://{}{}/", host, port.empty() ? "" : ":" + port), "CONNECT", exec,
        fmt::format("{} connects to {}", prog, host));
  }

  // A remote operand of scp/rsync: [user@]host:path (not a local path with a colon after '/').
  static std::optional<std::string> remoteHost(const std::string& s) {
    if (startsWith(s, "scp://") || startsWith(s, "rsync://") || startsWith(s, "ssh://")) {
      std::string rest = s.substr(s.find("://") + 3);
      return hostPart(rest.substr(0, rest.find_first_of("/:")));
    }
    auto colon = s.find(':');
    if (colon == std::string::npos || colon == 0) return std::nullopt;
    auto slash = s.find('/');
    if (slash != std::string::npos && slash < colon) return std::nullopt;
    return hostPart(s.substr(0, colon));
  }

  void remoteCopy(const std::string& prog, const std::vector<const Word*>& args, Effect* exec) {
    std::vector<const Word*> ops;
    for (std::size_t k = 0; k < args.size(); ++k) {
      const std::string& t = args[k]->text;
      if (t.size() > 1 && t[0] == '-') {
        if (t == "-e" || t == "--rsh") {
          exec->opaque = true;
          exec->why = fmt::format("{} {} runs a program of its choosing", prog, t);
          ++k;
        } else if (t == "-i" && prog == "scp" && k + 1 < args.size()) {
          file(Action::kFsRead, *args[++k], "scp -i reads", exec);
        } else if ((t == "-P" || t == "-o" || t == "-F" || t == "-c" || t == "-l" || t == "-S" || t == "-J") && prog == "scp") {
          ++k;
        } else if ((t == "--exclude" || t == "--include" || t == "--filter" || t == "-f" || t == "--port" ||
                    t == "--files-from" || t == "--exclude-from") && prog == "rsync") {
          if ((t == "--files-from" || t == "--exclude-from") && k + 1 < args.size()) {
            exec->opaque = true;
            exec->why = fmt::format("rsync {} lists files in a file", t);
          }
          ++k;
        }
        continue;
      }
      ops.push_back(args[k]);
    }
    if (ops.size() < 2) {
      for (const auto* o : ops) {
        if (auto h = remoteHost(o->text)) net(fmt::format("ssh://{}/", *h), "CONNECT", exec, prog + " connects to " + *h);
      }
      return;
    }
    const Word* dst = ops.back();
    ops.pop_back();
    auto dstHost = remoteHost(dst->text);
    for (const auto* src : ops) {
      if (auto h = remoteHost(src->text)) {
        net(fmt::format("ssh://{}/", *h), "GET", exec, fmt::format("{} downloads from {}", prog, *h));
      } else {
        file(Action::kFsRead, *src, dstHost ? prog + " uploads" : prog + " reads", exec);
      }
    }
    if (dstHost) {
      if (!dst->literal) {
        exec->opaque = true;
        exec->why = fmt::format("{} to a host only known at run time", prog);
      } else {
        net(fmt::format("ssh://{}/", *dstHost), "PUT", exec, fmt::format("{} uploads to {}", prog, *dstHost));
      }
    } else {
      file(Action::kFsWrite, *dst, prog + " writes", exec);
    }
  }

  static std::optional<std::string> gitUrl(const std::string& s) {
    if (s.find("://") != std::string::npos) {
      if (startsWith(s, "file://")) return std::nullopt;
      return s;
    }
    // scp-like: git@github.com:org/repo.git
    if (auto h = remoteHost(s)) return fmt::format("ssh://{}/{}", *h, s.substr(s.find(':') + 1));
    return std::nullopt;
  }

  void git(const std::vector<const Word*>& args, Effect* exec) {
    std::size_t k = 0;
    while (k < args.size() && startsWith(args[k]->text, "-")) {
      const std::string& t = args[k]->text;
      if (t == "-c") {
        // `git -c core.sshCommand=… ` and friends run programs.
        if (k + 1 < args.size()) {
          const std::string& v = args[k + 1]->text;
          if (v.find("sshCommand") != std::string::npos || v.find("alias.") != std::string::npos ||
              v.find("hooksPath") != std::string::npos || v.find("fsmonitor") != std::string::npos ||
              v.find("pager") != std::string::npos || v.find("editor") != std::string::npos) {
            exec->opaque = true;
            exec->why = "git -c runs a configured program";
          }
        }
        k += 2;
      } else if (t == "-C" || t == "--git-dir" || t == "--work-tree" || t == "--namespace") {
        k += 2;
      } else {
        ++k;
      }
    }
    if (k >= args.size()) return;
    const std::string sub = args[k]->text;
    std::vector<const Word*> rest(args.begin() + static_cast<std::ptrdiff_t>(k) + 1, args.end());
    std::string method;
    if (sub == "clone" || sub == "fetch" || sub == "pull" || sub == "ls-remote" || sub == "submodule") method = "GET";
    else if (sub == "push" || sub == "send-email" || sub == "request-pull") method = "POST";
    else if (sub == "remote") method = "GET";
    else return;
    bool named = false;
    for (const auto* o : operands(rest, {"-b", "--branch", "--depth", "-o", "--origin", "-c", "--config", "-j",
                                         "--jobs", "--reference", "--template", "--upload-pack", "-u",
                                         "--receive-pack", "--exec", "--filter", "--recurse-submodules"})) {
      if (!o->literal) continue;
      if (auto u = gitUrl(o->text)) {
        net(*u, method, exec, fmt::format("git {} {}", sub, o->text));
        named = true;
        if (sub == "clone") break;  // the next operand is the directory
      }
    }
    for (const auto* a : rest)
      if (startsWith(a->text, "--upload-pack") || startsWith(a->text, "--receive-pack") || startsWith(a->text, "--exec")) {
        exec->opaque = true;
        exec->why = fmt::format("git {} {} runs a program", sub, a->text);
      }
    if (!named && sub != "remote") {
      // A remote given by name (origin): its URL lives in .git/config; the policy decides.
      Effect e;
      e.action = Action::kNetRequest;
      e.method = method;
      e.command = exec->command;
      e.why = fmt::format("git {} to a remote named in the repository's configuration", sub);
      out_->effects.push_back(std::move(e));
    }
  }

  void npm(const std::string& prog, const std::vector<const Word*>& args, Effect* exec) {
    if (prog == "npx") {
      net("https://registry.npmjs.org/", "GET", exec, "npx fetches packages from the npm registry");
      exec->opaque = true;
      exec->why = "npx runs a package's code";
      return;
    }
    for (const auto* a : args) {
      const std::string& t = a->text;
      if (t == "publish") {
        net("https://registry.npmjs.org/", "PUT", exec, prog + " publish uploads to the npm registry");
        return;
      }
      if (t == "install" || t == "i" || t == "ci" || t == "add" || t == "update" || t == "upgrade" || t == "exec" ||
          t == "dlx") {
        net("https://registry.npmjs.org/", "GET", exec, prog + " installs from the npm registry");
        return;
      }
      if (t == "run" || t == "run-script" || t == "test" || t == "start") {
        exec->opaque = true;
        exec->why = fmt::format("{} {} runs package scripts", prog, t);
        return;
      }
    }
  }

  // Code given as a string (eval ARGS…, sh -c CODE): when every word of it is literal, it is
  // parsed and analysed as a script of its own (up to 8 levels deep); returns false when it
  // cannot be, and the caller reports the command as opaque.
  bool nested(const std::vector<const Word*>& words, const std::string& code, Effect* exec) {
    for (const auto* w : words)
      if (!w->literal) return false;
    if (depth_ >= 8 || code.empty()) return false;
    auto script = parseShell(code);
    if (!script) return false;
    Analysis inner;
    Analyzer a(&inner, depth_ + 1);
    for (const auto& c : script->commands) a.command(c);
    for (auto& e : inner.effects) out_->effects.push_back(std::move(e));
    exec->why = "runs a literal script, analysed on its own";
    return true;
  }

  void interpreter(const std::string& prog, const std::vector<const Word*>& args, const SimpleCommand& sc,
                   Effect* exec) {
    // `python -m pip install …` is pip.
    for (std::size_t k = 0; k + 1 < args.size(); ++k)
      if (args[k]->text == "-m" && (args[k + 1]->text == "pip" || args[k + 1]->text == "pip3")) {
        std::vector<const Word*> rest(args.begin() + static_cast<std::ptrdiff_t>(k) + 2, args.end());
        dispatch("pip", rest, sc, exec);
        exec->opaque = false;
        return;
      }
    for (const auto* a : args) {
      if (a->text == "--") break;
      if (isInlineCodeFlag(prog, a->text)) {
        // `sh -c 'literal code'` is a script we can read like any other; other interpreters'
        // inline code is not shell.
        auto it = std::find(args.begin(), args.end(), a);
        if (isShell(prog) && a->text == "-c" && it + 1 != args.end() &&
            nested({*(it + 1)}, (*(it + 1))->text, exec))
          return;
        exec->opaque = true;
        exec->why = fmt::format("{} {} runs inline code", prog, a->text);
        return;
      }
      if (!startsWith(a->text, "-")) {
        // The first operand is the script: it is read, and what it does is not known.
        file(Action::kFsRead, *a, prog + " runs", exec);
        exec->opaque = true;
        if (exec->why.empty()) exec->why = fmt::format("{} runs a script", prog);
        return;
      }
      if (a->text == "-m" || a->text == "-s" || a->text == "-i" || a->text == "--interactive" ||
          a->text == "--init-file" || a->text == "--rcfile" || a->text == "-r" || a->text == "--require") {
        exec->opaque = true;
        exec->why = fmt::format("{} {} runs code chosen at run time", prog, a->text);
        return;
      }
    }
    // No script and no inline code: the program is read from stdin.
    if (sc.pipedIn || std::any_of(sc.redirects.begin(), sc.redirects.end(), [](const Redirect& r) {
          return r.kind == Redirect::Kind::kRead || r.kind == Redirect::Kind::kHereDoc ||
                 r.kind == Redirect::Kind::kHereString;
        })) {
      exec->opaque = true;
      exec->why = fmt::format("{} runs code fed on its standard input", prog);
      return;
    }
    exec->opaque = true;
    exec->why = fmt::format("{} starts an interactive interpreter", prog);
  }

  Analysis* out_;
  int depth_ = 0;
};

}  // namespace

core::Result<Script> parseShell(std::string_view source) {
  if (source.size() > kMaxInput) return makeError(Code::kInvalidArgument, "shell: command longer than 1 MiB");
  if (source.find('\0') != std::string_view::npos) return makeError(Code::kInvalidArgument, "shell: NUL byte in command");
  return ShellParser(source).run();
}

Analysis analyzeBash(std::string_view command) {
  Analysis out;
  auto script = parseShell(command);
  if (!script) {
    Effect e;
    e.action = Action::kExec;
    e.command = std::string(command.substr(0, kMaxInput));
    e.opaque = true;
    e.why = script.error().message;
    out.effects.push_back(std::move(e));
    return out;
  }
  Analyzer a(&out);
  for (const auto& c : script->commands) a.command(c);
  if (out.effects.empty()) {
    Effect e;
    e.action = Action::kExec;
    e.command = std::string(command);
    e.opaque = true;
    e.why = "nothing to run was found";
    out.effects.push_back(std::move(e));
  }
  return out;
}

}  // namespace airlock::adapters::hook
