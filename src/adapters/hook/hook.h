#pragma once
// The Claude Code hook adapter (DESIGN.md "Enforcement points"): turns one PreToolUse or
// PostToolUse payload (JSON on stdin) into gate requests or observations and answers in Claude
// Code's own format. It decides nothing itself: every request goes to the gate, and the
// answer is the most restrictive of the gate's decisions. Fails closed: malformed input, an
// oversized payload or any internal error is a deny (exit 2 with the reason on stderr, which
// blocks the call even when Claude Code cannot parse our stdout).

#include <string>
#include <string_view>

#include "gate/gate.h"

namespace airlock::adapters::hook {

struct HookContext {
  std::string user;                  // $AIRLOCK_USER or the OS user
  std::string agent = "claude-code";
  std::string home;                  // for ~ in paths
  std::string dlpKey;                // $AIRLOCK_DLP_KEY: for pseudonym/encrypt redaction
};

struct HookReply {
  int exitCode = 2;
  std::string out;  // stdout: Claude Code hook JSON
  std::string err;  // stderr: shown to the model when exitCode is 2
};

inline constexpr std::size_t kMaxPayload = 32 * 1024 * 1024;

// Handles one payload. Never throws.
HookReply handle(std::string_view payload, gate::Gate& gate, const HookContext& ctx);

// A reply that blocks: used when the gate itself cannot be opened.
HookReply blockingError(std::string_view reason, core::Reason code = core::Reason::kDenyInternalError);

}  // namespace airlock::adapters::hook
