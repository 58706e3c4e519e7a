#pragma once
// Requests and decisions: what every adapter hands to the gate and what it gets back
// (DESIGN.md "Concepts", "Decision semantics"). Plain values; not synchronised.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/label.h"

namespace airlock::core {

enum class Action : std::uint8_t {
  kFsRead = 0,
  kFsWrite,
  kFsList,
  kFsDelete,
  kExec,
  kNetRequest,
  kToolCall,
};
inline constexpr std::size_t kActionCount = 7;

std::string_view actionName(Action action);
std::optional<Action> parseAction(std::string_view name);  // "fs.read" … "tool.call"
// True for actions that can carry data out of the session (DESIGN.md "Decision semantics" 3).
bool isEgress(Action action);

using Headers = std::vector<std::pair<std::string, std::string>>;

// One thing an agent wants to do. Adapters fill what they know; the gate canonicalizes.
struct Request {
  std::string user;
  std::string agent;    // empty: the user acts alone
  std::string session;  // empty: a fresh anonymous session
  std::string adapter;  // "hook", "cli", "mcp", "proxy", …
  Action action = Action::kFsRead;
  std::string path;     // fs.*: the file; exec: the program (optional)
  std::string cwd;      // relative paths are resolved against it
  std::string url;      // net.request
  std::string method;   // net.request
  Headers headers;      // net.request
  std::string body;     // bytes that would leave (net.request body, tool arguments)
  std::string tool;     // tool.call: "server/tool"
  std::string args;     // tool.call: arguments as JSON text
  std::string command;  // exec: the command line
  bool interactive = false;  // a human can answer an `ask` now
  // A person was asked about this request (its decision was `ask`) and said yes: the gate turns
  // that `ask` into an allow (allow.ask.approved) and records it; a deny stays a deny. Set only by
  // an adapter that asked, never from what the agent sends.
  bool approved = false;
  bool opaque = false;       // exec: the adapter could not understand the command statically
  std::vector<std::string> payloadFiles;  // files whose content the body carries (curl -F x=@f, …)
  std::string malformed;  // set by an adapter that could not parse what it saw: the gate denies
                          // with deny.invalid_request and this text, and audits the attempt
  // net.request through the egress proxy:
  bool tunnel = false;      // a CONNECT tunnel: method, path, headers and body are not seen
  bool canInspect = false;  // the adapter can terminate TLS and ask again for each request inside
  std::vector<std::string> addresses;  // what the host resolved to (IP literals), when connecting
  bool addressesPinned = false;        // the operator mapped the host to them (--resolve)
};

enum class Verdict : std::uint8_t { kAllow = 0, kAsk = 1, kDeny = 2 };
std::string_view verdictName(Verdict verdict);

// Stable reason codes (docs/reason-codes.md). The string form is what the CLI prints, the
// audit stores and metrics count; never renumber or rename one.
enum class Reason : std::uint8_t {
  kAllowRule,
  kAllowDefault,
  kAskRule,
  kDenyRule,
  kDenyDefault,
  kAskDefault,
  kDenyFlowLabel,        // session label exceeds the sink's clearance
  kDenyFlowPayload,      // the payload's label exceeds the sink's clearance
  kDenySinkUnknown,
  kAskSinkUnknown,
  kDenySinkCredential,
  kDenySinkMethod,
  kDenySinkPath,
  kAskLimitVolume,
  kDenyLimitVolume,
  kDenyInvalidRequest,
  kDenyInternalError,
  kDenyAuditUnavailable,
  kDenyAskNonInteractive,
  kAllowObserved,        // an observation, recorded
  kDenySinkAddress,      // the host resolves to a non-public address that no sink names (SSRF)
  kDenySinkInspection,   // the sink needs TLS inspection and the adapter cannot inspect
  kDenyToolChanged,      // an MCP tool's description or schema is not the one pinned
  kDenyToolPoisoned,     // an MCP tool's description hides content or addresses the assistant
  kDenySandboxSyscall,   // a sandboxed process made a system call the sandbox never allows
  kDenySandboxPrivate,   // a sandboxed process reached for airlock's own state (its audit, sessions, CA key)
  kDenyAskDeclined,      // the decision was `ask` and the person asked said no (or did not answer)
  kAllowToolChanged,     // an MCP tool's description changed and the policy lists it, flagged
  kAllowAskApproved,     // the decision was `ask` and the person asked said yes
};
std::string_view reasonCode(Reason reason);

// An obligation attached to an `allow`: replace bytes [start, end) of the request body with
// what the anonymizer `mode` makes of them before the data moves on (policy `redact:`).
// Adapters that cannot apply an obligation must not let the request through.
struct Obligation {
  std::uint64_t start = 0;
  std::uint64_t end = 0;
  std::string detector;  // what was found there
  std::string mode;      // redact | mask | placeholder | pseudonym | encrypt
  int keepLast = 4;      // mask
  std::string rule;      // the redact rule's id
};

struct Decision {
  Verdict verdict = Verdict::kDeny;
  Reason reason = Reason::kDenyInternalError;
  std::string rule;                  // id of the rule that decided; empty when none did
  std::vector<std::string> reasons;  // human-readable, most important first
  std::string sink;                  // the sink a net/tool request was matched to, if any
  Label sessionLabel;                // after this request
  Label payloadLabel;
  bool untrusted = false;
  std::string resource;              // the canonical resource that was decided on
  std::vector<Obligation> obligations;  // spans of Request::body to anonymize (allow only)
  std::vector<std::string> detected;    // "detector×count" found in the content, for audit
  // Observed content's document-inspection findings (src/inspect), strongest first: "hidden
  // (tiny-font) at word/document.xml paragraph 3 run 2, score 95". Never the text itself.
  std::vector<std::string> inspected;
  // net.request tunnels: the sink's requests must be seen (inspect: true, pinned credentials,
  // methods or paths), so the adapter terminates TLS and asks again for each request inside.
  bool inspect = false;
  std::string credential;  // first 12 hex of the SHA-256 of the key the request carried, for audit
};

}  // namespace airlock::core
