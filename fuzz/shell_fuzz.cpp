// Fuzzes the Bash parser and analyser of the Claude Code hook (adapters/hook/shell.h) on their
// own, without a gate. The properties: parseShell() and analyzeBash() never crash on any input,
// and analyzeBash() always reports at least one effect (a parse error is one opaque exec).
#include <cstdint>
#include <string_view>

#include "adapters/hook/shell.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 64 * 1024) return 0;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto script = airlock::adapters::hook::parseShell(in);
  if (script.ok()) {
    // Every command found holds something: a word, an assignment or a redirection.
    for (const auto& c : script->commands)
      if (c.words.empty() && c.assignments.empty() && c.redirects.empty()) __builtin_trap();
  }
  auto analysis = airlock::adapters::hook::analyzeBash(in);
  if (analysis.effects.empty()) __builtin_trap();
  // A parse error is exactly one opaque exec.
  if (!script.ok() && (analysis.effects.size() != 1 || !analysis.effects[0].opaque)) __builtin_trap();
  return 0;
}
