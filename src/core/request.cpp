#include "core/request.h"

#include <array>

namespace airlock::core {
namespace {
constexpr std::array<std::string_view, kActionCount> kActionNames = {
    "fs.read", "fs.write", "fs.list", "fs.delete", "exec", "net.request", "tool.call"};
}  // namespace

std::string_view actionName(Action action) { return kActionNames[static_cast<std::size_t>(action)]; }

std::optional<Action> parseAction(std::string_view name) {
  for (std::size_t i = 0; i < kActionNames.size(); ++i)
    if (kActionNames[i] == name) return static_cast<Action>(i);
  return std::nullopt;
}

bool isEgress(Action action) { return action == Action::kNetRequest || action == Action::kToolCall; }

std::string_view verdictName(Verdict verdict) {
  switch (verdict) {
    case Verdict::kAllow: return "allow";
    case Verdict::kAsk: return "ask";
    case Verdict::kDeny: return "deny";
  }
  return "deny";
}

std::string_view reasonCode(Reason reason) {
  switch (reason) {
    case Reason::kAllowRule: return "allow.rule";
    case Reason::kAllowDefault: return "allow.default";
    case Reason::kAskRule: return "ask.rule";
    case Reason::kDenyRule: return "deny.rule";
    case Reason::kDenyDefault: return "deny.default";
    case Reason::kAskDefault: return "ask.default";
    case Reason::kDenyFlowLabel: return "deny.flow.label_exceeds_clearance";
    case Reason::kDenyFlowPayload: return "deny.flow.payload_exceeds_clearance";
    case Reason::kDenySinkUnknown: return "deny.sink.unknown";
    case Reason::kAskSinkUnknown: return "ask.sink.unknown";
    case Reason::kDenySinkCredential: return "deny.sink.credential_mismatch";
    case Reason::kDenySinkMethod: return "deny.sink.method_not_allowed";
    case Reason::kDenySinkPath: return "deny.sink.path_not_allowed";
    case Reason::kAskLimitVolume: return "ask.limit.volume";
    case Reason::kDenyLimitVolume: return "deny.limit.volume";
    case Reason::kDenyInvalidRequest: return "deny.invalid_request";
    case Reason::kDenyInternalError: return "deny.internal_error";
    case Reason::kDenyAuditUnavailable: return "deny.audit_unavailable";
    case Reason::kDenyAskNonInteractive: return "deny.ask.non_interactive";
    case Reason::kAllowObserved: return "allow.observed";
    case Reason::kDenySinkAddress: return "deny.sink.private_address";
    case Reason::kDenySinkInspection: return "deny.sink.inspection_unavailable";
    case Reason::kDenyToolChanged: return "deny.tool.description_changed";
    case Reason::kDenyToolPoisoned: return "deny.tool.poisoned";
    case Reason::kDenySandboxSyscall: return "deny.sandbox.syscall";
    case Reason::kDenySandboxPrivate: return "deny.sandbox.private";
    case Reason::kDenyAskDeclined: return "deny.ask.declined";
    case Reason::kAllowToolChanged: return "allow.tool.description_changed";
    case Reason::kAllowAskApproved: return "allow.ask.approved";
  }
  return "deny.internal_error";
}

}  // namespace airlock::core
