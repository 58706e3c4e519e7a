#pragma once
// Conditions: the `when:` expressions of a policy, a small side-effect-free subset of CEL
// (DESIGN.md "Decision semantics" 2). Compiled once at policy load; evaluated per request with
// no allocation on the common paths. A compiled Condition is immutable and safe to evaluate
// from several threads at once.
//
// Grammar (precedence low to high):
//   expr    := or
//   or      := and ( "||" and )*
//   and     := unary ( "&&" unary )*
//   unary   := "!" unary | cmp
//   cmp     := member ( ("=="|"!="|"<"|"<="|">"|">="|"in") member )?
//   member  := primary ( "." IDENT "(" args ")" )*        -- startsWith, endsWith, matches, contains
//   primary := literal | field | "(" expr ")" | "[" [expr ("," expr)*] "]" | "label" "(" STRING ")"
//   literal := "true" | "false" | "null" | INT | STRING ('…' or "…", CEL escapes)
//   field   := ("request"|"session"|"user"|"agent") "." IDENT
// A bare identifier that names a level of the policy's lattice (e.g. `confidential`) is a label
// literal. Comparisons between labels use the lattice order: `a >= b` iff b ⊑ a, `a > b` iff
// b ⊑ a and a != b, `<`/`<=` likewise, `==`/`!=` exact. A string compared with a label is parsed
// as a label at compile time. `x in list` tests membership (string lists such as user.roles or
// list literals). `s.matches(re)` uses RE2 (compiled at load; a bad pattern is a load error).

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/label.h"
#include "core/result.h"

namespace airlock::policy {

// A value seen by a condition. Strings and lists are borrowed from the FieldSource and only
// valid during one evaluate() call.
struct Value {
  enum class Kind : std::uint8_t { kNull, kBool, kInt, kString, kLabel, kList };
  Kind kind = Kind::kNull;
  bool b = false;
  std::int64_t i = 0;
  std::string_view s;
  core::Label label;
  const std::vector<std::string>* list = nullptr;

  static Value null() { return {}; }
  static Value boolean(bool v) { Value x; x.kind = Kind::kBool; x.b = v; return x; }
  static Value integer(std::int64_t v) { Value x; x.kind = Kind::kInt; x.i = v; return x; }
  static Value string(std::string_view v) { Value x; x.kind = Kind::kString; x.s = v; return x; }
  static Value ofLabel(core::Label v) { Value x; x.kind = Kind::kLabel; x.label = v; return x; }
  static Value ofList(const std::vector<std::string>* v) { Value x; x.kind = Kind::kList; x.list = v; return x; }
};

// Supplies field values during evaluation; `id` is the index into knownFields().
class FieldSource {
 public:
  virtual ~FieldSource() = default;
  virtual Value field(std::size_t id) const = 0;
};

// The fields a condition may name, in a fixed order (their index is the id passed to
// FieldSource::field). Naming any other field is a compile error listing these.
const std::vector<std::string_view>& knownFields();
// Index of a field name in knownFields(), or -1.
int fieldIndex(std::string_view dotted);

class Condition {
 public:
  // Compiles `text`. On error returns kInvalidArgument whose message says what was expected
  // and sets *errorOffset to the byte offset within `text` where the problem is.
  static core::Result<Condition> compile(std::string_view text, const core::Lattice& lattice,
                                         std::size_t* errorOffset);

  // Evaluates. A type error at run time (e.g. comparing a string with an int, a null field) is
  // an error, not false: the caller decides how to fail closed.
  core::Result<bool> evaluate(const FieldSource& fields) const;

  const std::string& text() const;

  Condition(Condition&&) noexcept;
  Condition& operator=(Condition&&) noexcept;
  ~Condition();
  Condition(const Condition&) = delete;
  Condition& operator=(const Condition&) = delete;

  struct Impl;

 private:
  explicit Condition(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace airlock::policy
