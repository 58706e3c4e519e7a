#pragma once
// One yes/no question on a terminal, for adapters whose `ask` a person at the terminal answers
// (`airlock run`, `airlock mcp --ask terminal`).
#include <string>
#include <string_view>

namespace airlock::core {

// Asks `question` on `tty` (an open terminal, read and write) and waits for one key: y or Y is
// yes; anything else (n, Enter, Ctrl-C, Ctrl-D), an error, or no key within `timeoutMs` is no.
// Input typed before the question is discarded (TCSAFLUSH), so an answer cannot be typed ahead;
// the terminal's settings are restored afterwards. Says on the terminal how it was taken.
bool askOnTerminal(int tty, std::string_view question, int timeoutMs);

// `text` with every control character (C0, DEL) replaced by '?': what a question may show of a
// path or a tool name without letting it write escape sequences to the terminal.
std::string terminalSafe(std::string_view text);

}  // namespace airlock::core
