// Fuzzes Policy::load on arbitrary YAML text. Properties: it never crashes, an error always
// says where ("fuzz.yaml…"), and a policy that loads can be linted and evaluated, with the
// rule index agreeing with the linear reference evaluator on a few fixed requests.
#include <cstdint>
#include <string>
#include <string_view>

#include "policy/index.h"
#include "policy/lint.h"
#include "policy/policy.h"

namespace {

using airlock::core::Action;
using airlock::policy::EvalInput;
using airlock::policy::Evaluation;

// Fixed field values: conditions evaluate (or fail closed) the same way on every run.
class FixedFields : public airlock::policy::FieldSource {
 public:
  airlock::policy::Value field(std::size_t id) const override {
    using airlock::policy::Value;
    switch (id % 4) {
      case 0: return Value::string("/home/fuzz/Documents/a.txt");
      case 1: return Value::boolean(true);
      case 2: return Value::integer(3);
      default: return Value::null();
    }
  }
};

bool same(const Evaluation& a, const Evaluation& b) {
  return a.effect == b.effect && a.byDefault == b.byDefault && a.rule == b.rule && a.userGranted == b.userGranted &&
         a.agentGranted == b.agentGranted && a.conditionError == b.conditionError;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 64 * 1024) return 0;
  std::string_view yaml(reinterpret_cast<const char*>(data), size);
  auto p = airlock::policy::Policy::load(yaml, "fuzz.yaml", "/home/fuzz");
  if (!p.ok()) {
    if (p.error().where.rfind("fuzz.yaml", 0) != 0) __builtin_trap();
    return 0;
  }
  const auto& policy = **p;
  auto warnings = airlock::policy::lint(policy);
  (void)warnings;
  (void)policy.classifyPath("/home/fuzz/Documents/a.txt");

  static const char* const kPaths[] = {"", "/", "/home/fuzz/Documents/a.txt", "/etc/passwd", "/home/fuzz/.env"};
  FixedFields fields;
  const char* users[] = {"alice", "fuzz", "*"};
  for (std::size_t a = 0; a < airlock::core::kActionCount; ++a) {
    EvalInput in;
    in.action = static_cast<Action>(a);
    in.path = kPaths[a % 5];
    in.sink = policy.sinks().empty() ? -1 : static_cast<int>(a % policy.sinks().size());
    in.tool = "slack/post_message";
    in.command = "git status";
    in.user = policy.user(users[a % 3]);
    in.hasAgent = a % 2 == 0;
    in.agent = policy.agent("cowork");
    in.fields = a == 3 ? nullptr : &fields;
    if (!same(policy.index().evaluate(in), airlock::policy::evaluateLinear(policy, in))) __builtin_trap();
  }
  return 0;
}
