// Conditions: compile + evaluate tables against a tiny FieldSource, compile errors with their
// byte offsets, and run-time type mismatches (a FieldSource returning the wrong kind), which
// must be errors and never true.
#include "policy/condition.h"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

using airlock::core::Label;
using airlock::core::Lattice;
using airlock::policy::Condition;
using airlock::policy::fieldIndex;
using airlock::policy::FieldSource;
using airlock::policy::knownFields;
using airlock::policy::Value;

namespace {

const Lattice& lattice() {
  static const Lattice l;
  return l;
}

Label lab(const char* text) {
  auto l = lattice().parse(text);
  EXPECT_TRUE(l.ok()) << text;
  return l.ok() ? *l : Label{};
}

// A tiny FieldSource: a value per field name. Strings and lists are owned here so the views
// handed out stay valid. Records which fields were read (for short-circuit checks); a field
// listed in `broken` returns a value of the wrong kind.
class TinySource : public FieldSource {
 public:
  TinySource() {
    strings = {{"request.action", "fs.read"},
               {"request.path", "/home/u/Documents/report.txt"},
               {"request.url", "https://api.example.com/v1/messages?q=1"},
               {"request.host", "api.example.com"},
               {"request.method", "POST"},
               {"request.tool", "slack/post_message"},
               {"request.command", "git status"},
               {"request.adapter", "claude-code"},
               {"request.sink", "model"},
               {"session.id", "s1"},
               {"user.name", "alice"},
               {"agent.name", "cowork"}};
    bools = {{"request.interactive", true}, {"request.opaque", false}, {"session.untrusted", true}};
    ints = {{"session.files_read", 5}, {"session.bytes_read", 1000}};
    labels = {{"request.label", lab("confidential{pii}")}, {"session.label", lab("internal")}};
    lists = {{"user.roles", {"analyst", "dev"}}, {"agent.roles", {"office-agent"}}};
  }

  Value field(std::size_t id) const override {
    std::string name(knownFields().at(id));
    seen.insert(name);
    auto b = broken.find(name);
    if (b != broken.end()) return b->second;
    if (auto it = strings.find(name); it != strings.end()) return Value::string(it->second);
    if (auto it = bools.find(name); it != bools.end()) return Value::boolean(it->second);
    if (auto it = ints.find(name); it != ints.end()) return Value::integer(it->second);
    if (auto it = labels.find(name); it != labels.end()) return Value::ofLabel(it->second);
    if (auto it = lists.find(name); it != lists.end()) return Value::ofList(&it->second);
    return Value::null();
  }

  std::map<std::string, std::string> strings;
  std::map<std::string, bool> bools;
  std::map<std::string, std::int64_t> ints;
  std::map<std::string, Label> labels;
  std::map<std::string, std::vector<std::string>> lists;
  std::map<std::string, Value> broken;
  mutable std::set<std::string> seen;
};

struct EvalCase {
  const char* text;
  bool want;
};

const EvalCase kEval[] = {
    // Literals.
    {"true", true},
    {"false", false},
    {"!false", true},
    {"!!true", true},
    {"null == null", true},
    {"1 == 1", true},
    {"-3 < 0", true},
    {"'a' == \"a\"", true},
    {"'\\x41\\n' == \"A\\n\"", true},
    {"'it\\'s' == \"it's\"", true},
    {"(true)", true},
    // Every field type.
    {"request.action == 'fs.read'", true},
    {"request.path == '/home/u/Documents/report.txt'", true},
    {"request.url == 'https://api.example.com/v1/messages?q=1'", true},
    {"request.host == 'api.example.com'", true},
    {"request.method == 'POST'", true},
    {"request.tool == 'slack/post_message'", true},
    {"request.command == 'git status'", true},
    {"request.adapter == 'claude-code'", true},
    {"request.sink == 'model'", true},
    {"request.interactive", true},
    {"request.opaque", false},
    {"request.interactive == true", true},
    {"request.opaque != true", true},
    {"request.label == 'confidential{pii}'", true},
    {"session.id == 's1'", true},
    {"session.label == internal", true},
    {"session.untrusted", true},
    {"session.files_read == 5", true},
    {"session.bytes_read == 1000", true},
    {"user.name == 'alice'", true},
    {"'analyst' in user.roles", true},
    {"agent.name == 'cowork'", true},
    {"'office-agent' in agent.roles", true},
    {"request.path == null", false},
    {"request.path != null", true},
    {"null != session.files_read", true},
    // Ints.
    {"session.files_read == 4", false},
    {"session.files_read != 4", true},
    {"session.files_read < 6", true},
    {"session.files_read < 5", false},
    {"session.files_read <= 5", true},
    {"session.files_read > 4", true},
    {"session.files_read > 5", false},
    {"session.files_read >= 5", true},
    {"session.files_read >= 6", false},
    {"session.bytes_read > -1", true},
    {"9223372036854775807 > session.bytes_read", true},
    // Strings (byte order).
    {"request.method == 'post'", false},
    {"request.method != 'GET'", true},
    {"'a' < 'b'", true},
    {"'b' < 'a'", false},
    {"request.method > 'GET'", true},
    {"request.method >= 'POST'", true},
    {"request.method <= 'POSTX'", true},
    {"'abc' <= 'abc'", true},
    {"'' < 'a'", true},
    // Labels via the lattice (request.label is confidential{pii}, session.label internal).
    {"session.label >= confidential", false},
    {"session.label >= internal", true},
    {"session.label > internal", false},
    {"session.label >= public", true},
    {"session.label < secret", true},
    {"session.label <= internal", true},
    {"request.label > label('internal{pii}')", true},
    {"request.label > label('confidential{pii}')", false},
    {"request.label >= label('confidential{pii}')", true},
    {"request.label >= confidential", true},
    {"request.label <= confidential", false},      // {pii} is not below {}
    {"request.label >= label('{financial}')", false},  // incomparable both ways
    {"request.label <= label('{financial}')", false},
    {"request.label <= label('secret{pii,financial}')", true},
    {"request.label != secret", true},
    {"request.label == label('confidential{pii}')", true},
    {"request.label == confidential", false},
    {"request.label > request.label", false},
    {"request.label >= request.label", true},
    {"request.label >= session.label", true},
    {"session.label < request.label", true},
    // A string compared with a label is parsed as a label (either side).
    {"request.label >= 'confidential'", true},
    {"request.label < 'secret{pii,credentials}'", true},
    {"'secret' > session.label", true},
    {"'public' == session.label", false},
    {"session.label == ' internal '", true},  // whitespace around names is allowed
    // &&, ||, !, precedence (! binds tighter than &&, && tighter than ||).
    {"true && false", false},
    {"true && true", true},
    {"false || true", true},
    {"false || false", false},
    {"true || false && false", true},
    {"(true || false) && false", false},
    {"!true || true", true},
    {"!(true || true)", false},
    {"!session.untrusted && request.interactive", false},
    {"session.untrusted && session.label >= confidential", false},
    {"session.untrusted && request.label >= confidential", true},
    // in.
    {"request.method in ['GET', 'POST']", true},
    {"request.method in ['GET', 'HEAD']", false},
    {"request.method in []", false},
    {"'root' in user.roles", false},
    {"user.name in ['bob', \"alice\"]", true},
    {"!('dev' in user.roles)", false},
    // Methods.
    {"request.path.startsWith('/home/u/')", true},
    {"request.path.startsWith('/home/v/')", false},
    {"request.path.startsWith('')", true},
    {"request.path.startsWith('/home/u/Documents/report.txt.bak')", false},
    {"request.path.endsWith('.txt')", true},
    {"request.path.endsWith('.pdf')", false},
    {"request.path.endsWith('x/home/u/Documents/report.txt')", false},
    {"request.path.contains('Documents')", true},
    {"request.path.contains('documents')", false},
    {"request.host.matches('^api\\\\.')", true},
    {"request.host.matches('example\\\\.com$')", true},
    {"request.host.matches('^example')", false},
    {"request.command.matches('git (status|log)')", true},
    {"'x'.startsWith('x') && request.tool.startsWith('slack/')", true},
    {"request.url.contains('?') && !request.url.startsWith('http:')", true},
    // Whitespace of any kind between tokens.
    {"\trequest.opaque\n||\r\nsession.untrusted ", true},
};

TEST(Condition, EvaluateTable) {
  TinySource src;
  for (const auto& c : kEval) {
    std::size_t off = 999;
    auto cond = Condition::compile(c.text, lattice(), &off);
    ASSERT_TRUE(cond.ok()) << c.text << ": " << cond.error().message << " at " << off;
    EXPECT_EQ(cond->text(), c.text);
    auto r = cond->evaluate(src);
    ASSERT_TRUE(r.ok()) << c.text << ": " << r.error().message;
    EXPECT_EQ(*r, c.want) << c.text;
  }
}

TEST(Condition, KnownFields) {
  const auto& f = knownFields();
  ASSERT_EQ(f.size(), 21u);
  for (std::size_t i = 0; i < f.size(); ++i) EXPECT_EQ(fieldIndex(f[i]), static_cast<int>(i));
  EXPECT_EQ(fieldIndex("request.nope"), -1);
  EXPECT_EQ(fieldIndex("request"), -1);
  EXPECT_EQ(fieldIndex(""), -1);
}

// && and || do not evaluate their right operand when the left decides; an operand that would
// be an error is therefore never reached.
TEST(Condition, ShortCircuit) {
  TinySource src;
  src.broken["request.path"] = Value::integer(7);  // would be a run-time type error
  struct C {
    const char* text;
    bool want;
  };
  for (const C& c : {C{"false && request.path == 'x'", false}, C{"true || request.path == 'x'", true},
                     C{"!(false && request.path.startsWith('/'))", true},
                     C{"request.opaque && request.path == 'x'", false},
                     C{"session.untrusted || request.path == 'x'", true},
                     C{"(false && request.path == 'x') || true", true}}) {
    src.seen.clear();
    auto cond = Condition::compile(c.text, lattice(), nullptr);
    ASSERT_TRUE(cond.ok()) << c.text << ": " << cond.error().message;
    auto r = cond->evaluate(src);
    ASSERT_TRUE(r.ok()) << c.text << ": " << r.error().message;
    EXPECT_EQ(*r, c.want) << c.text;
    EXPECT_EQ(src.seen.count("request.path"), 0u) << c.text << " read its right operand";
  }
  // When the left does not decide, the right is evaluated (and its error surfaces).
  for (const char* text : {"true && request.path == 'x'", "false || request.path == 'x'",
                           "request.path == 'x' || true", "request.path == 'x' && false"}) {
    auto cond = Condition::compile(text, lattice(), nullptr);
    ASSERT_TRUE(cond.ok()) << text;
    EXPECT_FALSE(cond->evaluate(src).ok()) << text;
  }
}

struct ErrCase {
  const char* text;
  std::size_t offset;
  const char* message;
};

const ErrCase kErrors[] = {
    {"", 0, "empty condition; expected a bool expression"},
    {"  \t ", 0, "empty condition; expected a bool expression"},
    {"request.path ==", 15, "unexpected end of the condition; expected a value"},
    {"request.path = 'x'", 13, "expected '==' (a single '=' is not an operator)"},
    {"request.opaque & true", 15, "expected '&&'"},
    {"request.opaque | true", 15, "expected '||'"},
    {"request.path # x", 13, "unexpected character '#'"},
    {"request.opaque \x01", 15, "unexpected character '\\x01'"},
    {"request.path == 'abc", 16, "unterminated string literal"},
    {"request.path == 'a\nb'", 16, "unterminated string literal"},
    {"request.path == 'a\\qb'", 18, "unknown escape '\\q'"},
    {"request.path == '\\x4'", 17, "expected two hex digits after \\x"},
    {"99999999999999999999 > 1", 0, "integer literal out of range"},
    {"1x > 1", 1, "expected an operator after the integer literal"},
    {"1.5 > 1", 1, "expected an operator after the integer literal"},
    {"-x > 1", 1, "expected an integer after '-'"},
    {"request.pth == 'x'", 8,
     "unknown field 'request.pth'; known: request.action, request.path, request.url, request.host, request.method, "
     "request.tool, request.command, request.adapter, request.sink, request.interactive, request.opaque, "
     "request.label"},
    {"user.id == 'x'", 5, "unknown field 'user.id'; known: user.name, user.roles"},
    {"session", 7, "expected '.' and a field of session"},
    {"session.1", 8, "expected a field name after 'session.'"},
    {"bogus == 1", 0,
     "unknown name 'bogus'; expected a literal, a label level, or a field of request, session, user or agent"},
    {"request.path == 3", 13, "cannot compare a string with an int"},
    {"session.files_read > 'x'", 19, "cannot compare an int with a string"},
    {"session.label == 1", 14, "cannot compare a label with an int"},
    {"request.opaque == 'true'", 15, "cannot compare a bool with a string"},
    {"true < false", 5, "'<', '<=', '>', '>=' need ints, strings or labels, found a bool"},
    {"null < 1", 5, "'<', '<=', '>', '>=' need ints, strings or labels, found a null"},
    {"1 < null", 2, "null cannot be ordered"},
    {"user.roles < agent.roles", 11, "'<', '<=', '>', '>=' need ints, strings or labels, found a list"},
    {"user.roles == agent.roles", 11, "lists cannot be compared; use 'in'"},
    {"['a'] != user.roles", 6, "lists cannot be compared; use 'in'"},
    {"request.path", 0, "a condition must be a bool expression, this one is a string"},
    {"session.files_read", 0, "a condition must be a bool expression, this one is an int"},
    {"!request.path", 1, "'!' needs bool operands, found a string"},
    {"request.opaque && session.files_read", 18, "'&&' needs bool operands, found an int"},
    {"request.label || true", 0, "'||' needs bool operands, found a label"},
    {"request.path == 'x' )", 20, "expected '&&', '||' or the end of the condition"},
    {"request.opaque request.opaque", 15, "expected '&&', '||' or the end of the condition"},
    {"(request.opaque", 15, "expected ')'"},
    {")", 0, "expected a value (a literal, a field or '(')"},
    {"'x' in request.path", 7, "'in' needs a list on its right, found a string"},
    {"1 in user.roles", 0, "'in' tests strings, found an int"},
    {"'x' in [1]", 8, "list literals hold string literals only"},
    {"'x' in ['a' 'b']", 12, "expected ',' or ']' in the list"},
    {"'x' in ['a',]", 12, "list literals hold string literals only"},
    {"request.path.foo('x')", 13, "unknown method 'foo'; expected startsWith, endsWith, contains or matches"},
    {"request.path.(", 13, "expected a method name after '.'"},
    {"request.path.contains 'x'", 22, "expected '(' after the method name"},
    {"request.path.contains('x'", 25, "expected ')' to close the method call"},
    {"session.files_read.contains('x')", 0, "'contains' applies to strings, found an int"},
    {"request.path.endsWith(1)", 22, "'endsWith' takes a string, found an int"},
    {"request.path.matches('(')", 21, "invalid regular expression: missing ): ("},
    {"request.path.matches(request.host)", 21, "'matches' takes a string literal (patterns are compiled at load)"},
    {"session.label >= 'confidential{nope}'", 17,
     "unknown category 'nope' (categories: pii, financial, credentials, source-code)"},
    {"'topsecret' < session.label", 0,
     "unknown level 'topsecret' (levels: public, internal, confidential, secret)"},
    {"label('bogus') == session.label", 6, "unknown level 'bogus' (levels: public, internal, confidential, secret)"},
    {"label(1) == session.label", 6, "label() takes a string literal such as 'confidential{pii}'"},
    {"label 'x'", 6, "expected '(' after label"},
    {"label('x' == session.label", 10, "expected ')' to close label(...)"},
};

TEST(Condition, CompileErrors) {
  for (const auto& c : kErrors) {
    std::size_t off = 12345;
    auto cond = Condition::compile(c.text, lattice(), &off);
    ASSERT_FALSE(cond.ok()) << "compiled: " << c.text;
    EXPECT_EQ(cond.error().code, airlock::core::Code::kInvalidArgument);
    EXPECT_EQ(cond.error().message, c.message) << c.text;
    EXPECT_EQ(off, c.offset) << c.text;
    EXPECT_LE(off, std::string_view(c.text).size()) << c.text;
  }
}

TEST(Condition, NestingAndLengthLimits) {
  std::string deep(200, '(');
  deep += "true";
  deep += std::string(200, ')');
  std::size_t off = 0;
  auto c = Condition::compile(deep, lattice(), &off);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().message, "condition nested too deeply");
  std::string nots(200, '!');
  nots += "true";
  EXPECT_FALSE(Condition::compile(nots, lattice(), &off).ok());
  std::string shallow = "((((((((true))))))))";
  EXPECT_TRUE(Condition::compile(shallow, lattice(), &off).ok());
  // The limit counts parentheses (and '!', method arguments), not grammar levels: 63 pairs
  // compile, 65 do not.
  EXPECT_TRUE(Condition::compile(std::string(63, '(') + "true" + std::string(63, ')'), lattice(), &off).ok());
  EXPECT_FALSE(Condition::compile(std::string(65, '(') + "true" + std::string(65, ')'), lattice(), &off).ok());
  std::string longText = "request.path == '" + std::string(70 * 1024, 'a') + "'";
  auto l = Condition::compile(longText, lattice(), &off);
  ASSERT_FALSE(l.ok());
  EXPECT_EQ(off, 0u);
  // Long chains of && are not nesting (they are iterated, not recursed).
  std::string chain = "true";
  for (int i = 0; i < 500; ++i) chain += " && true";
  EXPECT_TRUE(Condition::compile(chain, lattice(), &off).ok());
}

TEST(Condition, NullErrorOffsetPointerIsAllowed) {
  auto c = Condition::compile("request.path ==", lattice(), nullptr);
  EXPECT_FALSE(c.ok());
}

TEST(Condition, CustomLatticeLevelsAreBareLiterals) {
  auto lat = Lattice::make({"low", "high"}, {"x"});
  ASSERT_TRUE(lat.ok());
  auto c = Condition::compile("session.label >= high", *lat, nullptr);
  ASSERT_TRUE(c.ok()) << c.error().message;
  TinySource src;
  src.labels["session.label"] = Label{1, 0};
  EXPECT_TRUE(*c->evaluate(src));
  src.labels["session.label"] = Label{0, 1};
  EXPECT_FALSE(*c->evaluate(src));
  // The default lattice's names are unknown here.
  EXPECT_FALSE(Condition::compile("session.label >= confidential", *lat, nullptr).ok());
}

// A FieldSource that returns a value of the wrong kind (or none) makes evaluation an error;
// in particular, never true, whatever the operator or negation around it.
TEST(Condition, RuntimeTypeMismatchIsAnError) {
  struct C {
    const char* field;
    Value wrong;
    const char* text;
  };
  const C cases[] = {
      {"request.path", Value::integer(1), "request.path == 'x'"},
      {"request.path", Value::integer(1), "request.path != 'x'"},
      {"request.path", Value::integer(1), "!(request.path == 'x')"},
      {"request.path", Value::null(), "request.path == null"},
      {"request.path", Value::null(), "request.path != null"},
      {"request.path", Value::boolean(true), "request.path.startsWith('/')"},
      {"request.path", Value::ofLabel(Label{}), "request.path.matches('.*')"},
      {"request.opaque", Value::string("true"), "request.opaque"},
      {"request.opaque", Value::integer(1), "!request.opaque"},
      {"request.opaque", Value::null(), "request.opaque || request.interactive"},
      {"session.files_read", Value::string("5"), "session.files_read < 10"},
      {"session.files_read", Value::null(), "!(session.files_read > 10)"},
      {"session.label", Value::string("secret"), "session.label >= confidential"},
      {"session.label", Value::string("secret"), "!(session.label < confidential)"},
      {"session.label", Value::integer(3), "session.label == secret"},
      {"user.roles", Value::string("analyst"), "'analyst' in user.roles"},
      {"user.roles", Value::ofList(nullptr), "'analyst' in user.roles"},
      {"user.roles", Value::ofList(nullptr), "!('analyst' in user.roles)"},
      {"user.roles", Value::null(), "!('x' in user.roles) || true"},
      {"agent.roles", Value::integer(0), "false || !('x' in agent.roles) && request.opaque"},
  };
  for (const auto& c : cases) {
    TinySource src;
    src.broken[c.field] = c.wrong;
    auto cond = Condition::compile(c.text, lattice(), nullptr);
    ASSERT_TRUE(cond.ok()) << c.text << ": " << cond.error().message;
    auto r = cond->evaluate(src);
    EXPECT_FALSE(r.ok()) << c.text << " evaluated to " << (r.ok() && *r ? "true" : "false");
    if (!r.ok()) {
      EXPECT_NE(r.error().message.find(c.text), std::string::npos) << r.error().message;
    }
  }
}

// The same compiled condition evaluates against different sources independently.
TEST(Condition, ReusableAcrossSources) {
  auto c = Condition::compile("session.untrusted && session.label >= confidential", lattice(), nullptr);
  ASSERT_TRUE(c.ok());
  TinySource a, b;
  b.labels["session.label"] = lab("secret{pii}");
  EXPECT_FALSE(*c->evaluate(a));
  EXPECT_TRUE(*c->evaluate(b));
  Condition moved = std::move(*c);
  EXPECT_TRUE(*moved.evaluate(b));
  EXPECT_EQ(moved.text(), "session.untrusted && session.label >= confidential");
}

}  // namespace
