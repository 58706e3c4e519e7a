#pragma once
// Rule evaluation (DESIGN.md "Decision semantics" 2). RuleIndex is the compiled index: rules
// are bucketed by action, then by the literal prefix of their path globs (a segment trie) or
// by sink, then by role, so the number of rules looked at per request does not grow with the policy.
// evaluateLinear() is the reference model: it looks at every rule, in order, and must always
// agree with the index (tests compare them on random requests). explain() is the linear walk
// with a reason for every rule that did not match. Immutable after construction; evaluate()
// is thread-safe and does not allocate.

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/request.h"
#include "policy/policy.h"

namespace airlock::policy {

// What the evaluator needs to know about a request; filled by the gate from the canonical
// request and the session. Views must outlive the call.
struct EvalInput {
  core::Action action = core::Action::kFsRead;
  std::string_view path;                // canonical path (fs.*, exec program); empty = none
  int sink = -1;                        // resolved sink index, -1 = none
  std::string_view tool;                // "server/tool"
  std::string_view command;             // exec command line
  const Principal* user = nullptr;      // nullptr = unknown user (holds no roles)
  const Principal* agent = nullptr;     // nullptr with hasAgent = unknown agent (no roles)
  bool hasAgent = false;
  const FieldSource* fields = nullptr;  // for `when`; nullptr = conditions evaluate as errors
  // A condition that cannot be evaluated leaves its rule possible instead of failing closed:
  // an allow rule applies, a deny or ask rule does not. Only for a request that is a door to
  // others each decided in full (a CONNECT to a sink whose requests are inspected).
  bool unknownsPossible = false;
};

struct Evaluation {
  Effect effect = Effect::kDeny;
  bool byDefault = true;          // no rule decided: defaults.decision applied
  const Rule* rule = nullptr;     // the deciding rule (nullptr when by default)
  bool userGranted = false;       // the user's roles (or a global rule) allow it
  bool agentGranted = false;      // the agent's roles (or a global rule) allow it
  bool conditionError = false;    // some `when` could not be evaluated (treated fail-closed)
  std::uint32_t visited = 0;      // rules matched against the request (the index's whole point)
};

struct TraceEntry {
  const Rule* rule = nullptr;
  bool matched = false;
  std::string why;  // "matched", "action is fs.write, rule is for fs.read", "role not held", …
};

class RuleIndex {
 public:
  explicit RuleIndex(const Policy& policy);
  Evaluation evaluate(const EvalInput& in) const;

 private:
  struct SvHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  // Rules of one index slot, split by role so that a request looks only at the rules of the
  // roles its user and agent hold (and the global ones): the cost follows the rules that can
  // match, not the size of the policy.
  struct Bucket {
    std::vector<std::uint32_t> global;                             // rules of no role
    std::vector<std::pair<std::int32_t, std::uint32_t>> byRole;    // (role, rule), sorted
    void add(const Rule& rule, std::uint32_t index);
    void seal();
  };
  struct Node {
    std::unordered_map<std::string, std::uint32_t, SvHash, std::equal_to<>> children;
    Bucket rules;
  };
  struct ActionIndex {
    std::vector<Node> trie;        // trie[0] is the root
    std::vector<Bucket> bySink;    // rules naming a sink, per sink
    Bucket other;                  // rules with neither path nor sink
  };
  const Policy& policy_;
  std::vector<ActionIndex> actions_;
};

Evaluation evaluateLinear(const Policy& policy, const EvalInput& in);
std::vector<TraceEntry> explain(const Policy& policy, const EvalInput& in);

}  // namespace airlock::policy
