// Fuzzes Condition::compile on arbitrary text with the default lattice. Properties: it never
// crashes, a compile error's offset lies within the text, and a condition that compiles
// evaluates against fixed field values (to true, false or an error) without crashing.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/label.h"
#include "policy/condition.h"

namespace {

using airlock::policy::Value;

// Well-typed values for every field, in knownFields() order.
class FixedFields : public airlock::policy::FieldSource {
 public:
  Value field(std::size_t id) const override {
    std::string_view name = airlock::policy::knownFields().at(id);
    if (name == "request.interactive" || name == "session.untrusted") return Value::boolean(true);
    if (name == "request.opaque") return Value::boolean(false);
    if (name == "request.label") return Value::ofLabel(airlock::core::Label{2, 1});
    if (name == "session.label") return Value::ofLabel(airlock::core::Label{1, 0});
    if (name == "session.files_read") return Value::integer(5);
    if (name == "session.bytes_read") return Value::integer(1 << 20);
    if (name == "user.roles") return Value::ofList(&roles_);
    if (name == "agent.roles") return Value::ofList(&agentRoles_);
    return Value::string(name == "request.path" ? "/home/fuzz/Documents/a.txt" : "api.example.com");
  }

 private:
  std::vector<std::string> roles_{"analyst", "dev"};
  std::vector<std::string> agentRoles_{};
};

// Wrong kinds for every field: evaluation must then be an error or not read the field at all.
class WrongFields : public airlock::policy::FieldSource {
 public:
  Value field(std::size_t id) const override { return id % 2 ? Value::null() : Value::integer(-1); }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 64 * 1024) return 0;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  static const airlock::core::Lattice lattice;
  std::size_t offset = 0;
  auto c = airlock::policy::Condition::compile(text, lattice, &offset);
  if (!c.ok()) {
    if (offset > text.size()) __builtin_trap();
    return 0;
  }
  if (c->text() != text) __builtin_trap();
  (void)c->evaluate(FixedFields());
  (void)c->evaluate(WrongFields());
  return 0;
}
