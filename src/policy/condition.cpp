#include "policy/condition.h"

#include <array>
#include <cctype>
#include <cstdlib>
#include <optional>
#include <utility>

#include <fmt/format.h>
#include <re2/re2.h>

namespace airlock::policy {
namespace {

using core::Code;
using core::Error;
using core::Label;
using core::Lattice;
using core::makeError;
using core::Result;

// Static types: every expression is type-checked at compile time so that a policy whose
// condition could never evaluate is rejected at load, not discovered on a request.
enum class Type : std::uint8_t { kNull, kBool, kInt, kString, kLabel, kList };

std::string_view typeName(Type t) {
  switch (t) {
    case Type::kNull: return "null";
    case Type::kBool: return "bool";
    case Type::kInt: return "int";
    case Type::kString: return "string";
    case Type::kLabel: return "label";
    case Type::kList: return "list";
  }
  return "?";
}

// The type name with its indefinite article, for messages: "a string", "an int".
std::string withArticle(Type t) {
  return fmt::format("{} {}", t == Type::kInt ? "an" : "a", typeName(t));
}

struct FieldInfo {
  std::string_view name;
  Type type;
};

constexpr std::array<FieldInfo, 21> kFields = {{
    {"request.action", Type::kString},   {"request.path", Type::kString},
    {"request.url", Type::kString},      {"request.host", Type::kString},
    {"request.method", Type::kString},   {"request.tool", Type::kString},
    {"request.command", Type::kString},  {"request.adapter", Type::kString},
    {"request.sink", Type::kString},     {"request.interactive", Type::kBool},
    {"request.opaque", Type::kBool},     {"request.label", Type::kLabel},
    {"session.id", Type::kString},       {"session.label", Type::kLabel},
    {"session.untrusted", Type::kBool},  {"session.files_read", Type::kInt},
    {"session.bytes_read", Type::kInt},  {"user.name", Type::kString},
    {"user.roles", Type::kList},         {"agent.name", Type::kString},
    {"agent.roles", Type::kList},
}};

constexpr std::size_t kMaxDepth = 64;
constexpr std::size_t kMaxLength = 64 * 1024;

// ---- Lexer -------------------------------------------------------------------------------

enum class Tok : std::uint8_t {
  kEnd, kIdent, kInt, kString, kLParen, kRParen, kLBracket, kRBracket, kComma, kDot, kNot,
  kAnd, kOr, kEq, kNe, kLt, kLe, kGt, kGe, kMinus,
};

struct Token {
  Tok kind = Tok::kEnd;
  std::size_t offset = 0;
  std::string text;  // identifier name or decoded string
  std::int64_t number = 0;
};

class CompileError {
 public:
  CompileError(std::size_t offset, std::string message) : offset_(offset), message_(std::move(message)) {}
  std::size_t offset() const { return offset_; }
  const std::string& message() const { return message_; }

 private:
  std::size_t offset_;
  std::string message_;
};

class Lexer {
 public:
  explicit Lexer(std::string_view src) : src_(src) {}

  std::optional<CompileError> run(std::vector<Token>* out) {
    while (true) {
      while (pos_ < src_.size() && (src_[pos_] == ' ' || src_[pos_] == '\t' || src_[pos_] == '\n' ||
                                    src_[pos_] == '\r'))
        ++pos_;
      Token t;
      t.offset = pos_;
      if (pos_ >= src_.size()) {
        out->push_back(t);
        return std::nullopt;
      }
      char c = src_[pos_];
      auto two = [&](char next) { return pos_ + 1 < src_.size() && src_[pos_ + 1] == next; };
      if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
        std::size_t b = pos_;
        while (pos_ < src_.size() && (std::isalnum(static_cast<unsigned char>(src_[pos_])) || src_[pos_] == '_'))
          ++pos_;
        t.kind = Tok::kIdent;
        t.text = std::string(src_.substr(b, pos_ - b));
      } else if (std::isdigit(static_cast<unsigned char>(c))) {
        std::size_t b = pos_;
        std::int64_t v = 0;
        while (pos_ < src_.size() && std::isdigit(static_cast<unsigned char>(src_[pos_]))) {
          int d = src_[pos_] - '0';
          if (v > (INT64_MAX - d) / 10) return CompileError(b, "integer literal out of range");
          v = v * 10 + d;
          ++pos_;
        }
        if (pos_ < src_.size() && (std::isalpha(static_cast<unsigned char>(src_[pos_])) || src_[pos_] == '.'))
          return CompileError(pos_, "expected an operator after the integer literal");
        t.kind = Tok::kInt;
        t.number = v;
      } else if (c == '\'' || c == '"') {
        auto err = string(&t);
        if (err) return err;
      } else {
        switch (c) {
          case '(': t.kind = Tok::kLParen; ++pos_; break;
          case ')': t.kind = Tok::kRParen; ++pos_; break;
          case '[': t.kind = Tok::kLBracket; ++pos_; break;
          case ']': t.kind = Tok::kRBracket; ++pos_; break;
          case ',': t.kind = Tok::kComma; ++pos_; break;
          case '.': t.kind = Tok::kDot; ++pos_; break;
          case '-': t.kind = Tok::kMinus; ++pos_; break;
          case '!':
            if (two('=')) { t.kind = Tok::kNe; pos_ += 2; } else { t.kind = Tok::kNot; ++pos_; }
            break;
          case '=':
            if (!two('=')) return CompileError(pos_, "expected '==' (a single '=' is not an operator)");
            t.kind = Tok::kEq; pos_ += 2;
            break;
          case '<':
            if (two('=')) { t.kind = Tok::kLe; pos_ += 2; } else { t.kind = Tok::kLt; ++pos_; }
            break;
          case '>':
            if (two('=')) { t.kind = Tok::kGe; pos_ += 2; } else { t.kind = Tok::kGt; ++pos_; }
            break;
          case '&':
            if (!two('&')) return CompileError(pos_, "expected '&&'");
            t.kind = Tok::kAnd; pos_ += 2;
            break;
          case '|':
            if (!two('|')) return CompileError(pos_, "expected '||'");
            t.kind = Tok::kOr; pos_ += 2;
            break;
          default:
            return CompileError(pos_, fmt::format("unexpected character '{}'", printable(c)));
        }
      }
      out->push_back(std::move(t));
    }
  }

 private:
  static std::string printable(char c) {
    auto u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u < 0x7f) return std::string(1, c);
    return fmt::format("\\x{:02x}", u);
  }

  static int hexValue(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }

  std::optional<CompileError> string(Token* t) {
    char quote = src_[pos_];
    std::size_t start = pos_++;
    t->kind = Tok::kString;
    while (true) {
      if (pos_ >= src_.size()) return CompileError(start, "unterminated string literal");
      char c = src_[pos_];
      if (c == quote) {
        ++pos_;
        return std::nullopt;
      }
      if (c == '\n') return CompileError(start, "unterminated string literal");
      if (c != '\\') {
        t->text.push_back(c);
        ++pos_;
        continue;
      }
      if (pos_ + 1 >= src_.size()) return CompileError(start, "unterminated string literal");
      char e = src_[pos_ + 1];
      switch (e) {
        case '\\': case '\'': case '"': case '`': case '?': t->text.push_back(e); pos_ += 2; break;
        case 'n': t->text.push_back('\n'); pos_ += 2; break;
        case 't': t->text.push_back('\t'); pos_ += 2; break;
        case 'r': t->text.push_back('\r'); pos_ += 2; break;
        case 'x': {
          int hi = pos_ + 2 < src_.size() ? hexValue(src_[pos_ + 2]) : -1;
          int lo = pos_ + 3 < src_.size() ? hexValue(src_[pos_ + 3]) : -1;
          if (hi < 0 || lo < 0) return CompileError(pos_, "expected two hex digits after \\x");
          t->text.push_back(static_cast<char>(hi * 16 + lo));
          pos_ += 4;
          break;
        }
        default:
          return CompileError(pos_, fmt::format("unknown escape '\\{}'", printable(e)));
      }
    }
  }

  std::string_view src_;
  std::size_t pos_ = 0;
};

// ---- AST ---------------------------------------------------------------------------------

enum class Op : std::uint8_t {
  kLiteral, kField, kList, kNot, kAnd, kOr, kEq, kNe, kLt, kLe, kGt, kGe, kIn,
  kStartsWith, kEndsWith, kContains, kMatches,
};

struct Node {
  Op op = Op::kLiteral;
  Type type = Type::kNull;
  std::size_t offset = 0;
  // kLiteral
  Value value;
  std::string text;                    // owned storage for a string literal
  std::vector<std::string> items;      // owned storage for a list literal
  // kField
  std::size_t field = 0;
  // operands
  std::unique_ptr<Node> lhs;
  std::unique_ptr<Node> rhs;
  std::unique_ptr<RE2> re;  // kMatches with a literal pattern
};

using NodePtr = std::unique_ptr<Node>;

NodePtr makeNode(Op op, Type type, std::size_t offset) {
  auto n = std::make_unique<Node>();
  n->op = op;
  n->type = type;
  n->offset = offset;
  return n;
}

class Parser {
 public:
  Parser(std::vector<Token> toks, const Lattice& lattice) : toks_(std::move(toks)), lattice_(lattice) {}

  NodePtr parse() {
    NodePtr e = orExpr(0);
    if (peek().kind != Tok::kEnd) throw CompileError(peek().offset, "expected '&&', '||' or the end of the condition");
    if (e->type != Type::kBool)
      throw CompileError(0, fmt::format("a condition must be a bool expression, this one is {}", withArticle(e->type)));
    return e;
  }

 private:
  const Token& peek() const { return toks_[pos_]; }
  const Token& next() { return toks_[pos_ < toks_.size() - 1 ? pos_++ : pos_]; }
  bool accept(Tok k) {
    if (peek().kind != k) return false;
    next();
    return true;
  }
  void guard(std::size_t depth) const {
    if (depth > kMaxDepth) throw CompileError(peek().offset, "condition nested too deeply");
  }

  void requireBool(const Node& n, std::string_view op) const {
    if (n.type != Type::kBool)
      throw CompileError(n.offset, fmt::format("'{}' needs bool operands, found {}", op, withArticle(n.type)));
  }

  NodePtr orExpr(std::size_t depth) {
    guard(depth);
    NodePtr l = andExpr(depth);
    while (peek().kind == Tok::kOr) {
      std::size_t off = next().offset;
      NodePtr r = andExpr(depth);
      requireBool(*l, "||");
      requireBool(*r, "||");
      auto n = makeNode(Op::kOr, Type::kBool, off);
      n->lhs = std::move(l);
      n->rhs = std::move(r);
      l = std::move(n);
    }
    return l;
  }

  NodePtr andExpr(std::size_t depth) {
    guard(depth);
    NodePtr l = unary(depth);
    while (peek().kind == Tok::kAnd) {
      std::size_t off = next().offset;
      NodePtr r = unary(depth);
      requireBool(*l, "&&");
      requireBool(*r, "&&");
      auto n = makeNode(Op::kAnd, Type::kBool, off);
      n->lhs = std::move(l);
      n->rhs = std::move(r);
      l = std::move(n);
    }
    return l;
  }

  NodePtr unary(std::size_t depth) {
    guard(depth);
    if (peek().kind == Tok::kNot) {
      std::size_t off = next().offset;
      NodePtr e = unary(depth + 1);
      requireBool(*e, "!");
      auto n = makeNode(Op::kNot, Type::kBool, off);
      n->lhs = std::move(e);
      return n;
    }
    return comparison(depth);
  }

  // Turns a string literal compared with a label into a label literal, parsed now.
  void coerceToLabel(Node& n) const {
    if (n.type != Type::kString || n.op != Op::kLiteral) return;
    auto l = lattice_.parse(n.text);
    if (!l) throw CompileError(n.offset, l.error().message);
    n.type = Type::kLabel;
    n.value = Value::ofLabel(*l);
  }

  NodePtr comparison(std::size_t depth) {
    NodePtr l = member(depth);
    Op op;
    switch (peek().kind) {
      case Tok::kEq: op = Op::kEq; break;
      case Tok::kNe: op = Op::kNe; break;
      case Tok::kLt: op = Op::kLt; break;
      case Tok::kLe: op = Op::kLe; break;
      case Tok::kGt: op = Op::kGt; break;
      case Tok::kGe: op = Op::kGe; break;
      case Tok::kIdent:
        if (peek().text == "in") {
          op = Op::kIn;
          break;
        }
        return l;
      default: return l;
    }
    const Token& optok = next();
    std::size_t off = optok.offset;
    NodePtr r = member(depth);
    if (op == Op::kIn) {
      if (r->type != Type::kList)
        throw CompileError(r->offset, fmt::format("'in' needs a list on its right, found {}", withArticle(r->type)));
      if (l->type != Type::kString)
        throw CompileError(l->offset, fmt::format("'in' tests strings, found {}", withArticle(l->type)));
    } else {
      if (l->type == Type::kLabel) coerceToLabel(*r);
      if (r->type == Type::kLabel) coerceToLabel(*l);
      bool ordered = op == Op::kLt || op == Op::kLe || op == Op::kGt || op == Op::kGe;
      if (l->type != r->type && l->type != Type::kNull && r->type != Type::kNull)
        throw CompileError(off, fmt::format("cannot compare {} with {}", withArticle(l->type), withArticle(r->type)));
      if (ordered && l->type != Type::kInt && l->type != Type::kLabel && l->type != Type::kString)
        throw CompileError(off, fmt::format("'<', '<=', '>', '>=' need ints, strings or labels, found {}",
                                            withArticle(l->type)));
      if (ordered && (l->type == Type::kNull || r->type == Type::kNull))
        throw CompileError(off, "null cannot be ordered");
      // Evaluation has no list equality: reject it here rather than fail on every request.
      if (l->type == Type::kList && r->type == Type::kList)
        throw CompileError(off, "lists cannot be compared; use 'in'");
    }
    auto n = makeNode(op, Type::kBool, off);
    n->lhs = std::move(l);
    n->rhs = std::move(r);
    return n;
  }

  NodePtr member(std::size_t depth) {
    guard(depth);
    NodePtr e = primary(depth);
    while (peek().kind == Tok::kDot) {
      next();
      const Token& name = next();
      if (name.kind != Tok::kIdent) throw CompileError(name.offset, "expected a method name after '.'");
      Op op;
      if (name.text == "startsWith") op = Op::kStartsWith;
      else if (name.text == "endsWith") op = Op::kEndsWith;
      else if (name.text == "contains") op = Op::kContains;
      else if (name.text == "matches") op = Op::kMatches;
      else
        throw CompileError(name.offset, fmt::format("unknown method '{}'; expected startsWith, endsWith, contains "
                                                    "or matches", name.text));
      std::size_t off = name.offset;
      if (!accept(Tok::kLParen)) throw CompileError(peek().offset, "expected '(' after the method name");
      NodePtr arg = orExpr(depth + 1);
      if (!accept(Tok::kRParen)) throw CompileError(peek().offset, "expected ')' to close the method call");
      if (e->type != Type::kString)
        throw CompileError(e->offset, fmt::format("'{}' applies to strings, found {}", name.text, withArticle(e->type)));
      if (arg->type != Type::kString)
        throw CompileError(arg->offset, fmt::format("'{}' takes a string, found {}", name.text, withArticle(arg->type)));
      auto n = makeNode(op, Type::kBool, off);
      if (op == Op::kMatches) {
        if (arg->op != Op::kLiteral)
          throw CompileError(arg->offset, "'matches' takes a string literal (patterns are compiled at load)");
        RE2::Options o;
        o.set_log_errors(false);
        o.set_max_mem(8 << 20);
        auto re = std::make_unique<RE2>(arg->text, o);
        if (!re->ok()) throw CompileError(arg->offset, fmt::format("invalid regular expression: {}", re->error()));
        n->re = std::move(re);
      }
      n->lhs = std::move(e);
      n->rhs = std::move(arg);
      e = std::move(n);
    }
    return e;
  }

  NodePtr stringLiteral(std::string text, std::size_t off) {
    auto n = makeNode(Op::kLiteral, Type::kString, off);
    n->text = std::move(text);
    n->value = Value::string(n->text);  // text lives in the node, whose address is stable
    return n;
  }

  NodePtr primary(std::size_t depth) {
    guard(depth);
    const Token& t = next();
    switch (t.kind) {
      case Tok::kInt: {
        auto n = makeNode(Op::kLiteral, Type::kInt, t.offset);
        n->value = Value::integer(t.number);
        return n;
      }
      case Tok::kMinus: {
        const Token& num = next();
        if (num.kind != Tok::kInt) throw CompileError(num.offset, "expected an integer after '-'");
        auto n = makeNode(Op::kLiteral, Type::kInt, t.offset);
        n->value = Value::integer(-num.number);
        return n;
      }
      case Tok::kString: return stringLiteral(t.text, t.offset);
      case Tok::kLParen: {
        NodePtr e = orExpr(depth + 1);
        if (!accept(Tok::kRParen)) throw CompileError(peek().offset, "expected ')'");
        return e;
      }
      case Tok::kLBracket: {
        auto n = makeNode(Op::kList, Type::kList, t.offset);
        if (!accept(Tok::kRBracket)) {
          while (true) {
            const Token& item = next();
            if (item.kind != Tok::kString)
              throw CompileError(item.offset, "list literals hold string literals only");
            n->items.push_back(item.text);
            if (accept(Tok::kRBracket)) break;
            if (!accept(Tok::kComma)) throw CompileError(peek().offset, "expected ',' or ']' in the list");
          }
        }
        n->value = Value::ofList(&n->items);
        return n;
      }
      case Tok::kIdent: return identifier(t);
      case Tok::kEnd: throw CompileError(t.offset, "unexpected end of the condition; expected a value");
      default: throw CompileError(t.offset, "expected a value (a literal, a field or '(')");
    }
  }

  NodePtr identifier(const Token& t) {
    const std::string& id = t.text;
    if (id == "true" || id == "false") {
      auto n = makeNode(Op::kLiteral, Type::kBool, t.offset);
      n->value = Value::boolean(id == "true");
      return n;
    }
    if (id == "null") return makeNode(Op::kLiteral, Type::kNull, t.offset);
    if (id == "label") {
      if (!accept(Tok::kLParen)) throw CompileError(peek().offset, "expected '(' after label");
      const Token& s = next();
      if (s.kind != Tok::kString) throw CompileError(s.offset, "label() takes a string literal such as 'confidential{pii}'");
      if (!accept(Tok::kRParen)) throw CompileError(peek().offset, "expected ')' to close label(...)");
      auto l = lattice_.parse(s.text);
      if (!l) throw CompileError(s.offset, l.error().message);
      auto n = makeNode(Op::kLiteral, Type::kLabel, t.offset);
      n->value = Value::ofLabel(*l);
      return n;
    }
    if (id == "request" || id == "session" || id == "user" || id == "agent") {
      if (!accept(Tok::kDot)) throw CompileError(peek().offset, fmt::format("expected '.' and a field of {}", id));
      const Token& f = next();
      if (f.kind != Tok::kIdent) throw CompileError(f.offset, fmt::format("expected a field name after '{}.'", id));
      std::string dotted = id + "." + f.text;
      int idx = fieldIndex(dotted);
      if (idx < 0) {
        std::string known;
        for (const auto& k : kFields)
          if (k.name.substr(0, id.size() + 1) == id + ".")
            known += (known.empty() ? "" : ", ") + std::string(k.name);
        throw CompileError(f.offset, fmt::format("unknown field '{}'; known: {}", dotted, known));
      }
      auto n = makeNode(Op::kField, kFields[static_cast<std::size_t>(idx)].type, t.offset);
      n->field = static_cast<std::size_t>(idx);
      return n;
    }
    if (lattice_.levelIndex(id) >= 0) {
      auto n = makeNode(Op::kLiteral, Type::kLabel, t.offset);
      Label l;
      l.level = static_cast<std::uint8_t>(lattice_.levelIndex(id));
      n->value = Value::ofLabel(l);
      return n;
    }
    throw CompileError(t.offset, fmt::format("unknown name '{}'; expected a literal, a label level, or a field of "
                                             "request, session, user or agent", id));
  }

  std::vector<Token> toks_;
  std::size_t pos_ = 0;
  const Lattice& lattice_;
};

// ---- Evaluation --------------------------------------------------------------------------

// Evaluation returns a Value; a type mismatch at run time (a FieldSource returning a kind the
// field's static type does not allow) sets `error` and evaluation unwinds.
struct Eval {
  const FieldSource& fields;
  const Lattice& lattice;
  const char* error = nullptr;

  Value fail(const char* why) {
    if (error == nullptr) error = why;
    return Value::null();
  }

  bool truth(const Node& n) {
    Value v = eval(n);
    if (error) return false;
    if (v.kind != Value::Kind::kBool) {
      fail("a bool was expected");
      return false;
    }
    return v.b;
  }

  static bool sameKind(const Value& a, const Value& b) { return a.kind == b.kind; }

  Value compare(const Node& n) {
    Value a = eval(*n.lhs);
    if (error) return Value::null();
    Value b = eval(*n.rhs);
    if (error) return Value::null();
    if (a.kind == Value::Kind::kNull || b.kind == Value::Kind::kNull) {
      if (n.op == Op::kEq) return Value::boolean(a.kind == b.kind);
      if (n.op == Op::kNe) return Value::boolean(a.kind != b.kind);
      return fail("null cannot be ordered");
    }
    // A label field compared with a string coming from a field: parse it now.
    if (a.kind == Value::Kind::kLabel && b.kind == Value::Kind::kString) {
      auto l = lattice.parse(b.s);
      if (!l) return fail("a string compared with a label is not a valid label");
      b = Value::ofLabel(*l);
    } else if (b.kind == Value::Kind::kLabel && a.kind == Value::Kind::kString) {
      auto l = lattice.parse(a.s);
      if (!l) return fail("a string compared with a label is not a valid label");
      a = Value::ofLabel(*l);
    }
    if (!sameKind(a, b)) return fail("operands of a comparison have different types");
    switch (a.kind) {
      case Value::Kind::kBool:
        if (n.op == Op::kEq) return Value::boolean(a.b == b.b);
        if (n.op == Op::kNe) return Value::boolean(a.b != b.b);
        return fail("bools cannot be ordered");
      case Value::Kind::kInt: return Value::boolean(ordered(n.op, a.i <=> b.i));
      case Value::Kind::kString: return Value::boolean(ordered(n.op, a.s.compare(b.s) <=> 0));
      case Value::Kind::kLabel: {
        const Label& x = a.label;
        const Label& y = b.label;
        switch (n.op) {
          case Op::kEq: return Value::boolean(x == y);
          case Op::kNe: return Value::boolean(!(x == y));
          case Op::kLe: return Value::boolean(x.leq(y));
          case Op::kLt: return Value::boolean(x.leq(y) && !(x == y));
          case Op::kGe: return Value::boolean(y.leq(x));
          case Op::kGt: return Value::boolean(y.leq(x) && !(x == y));
          default: return fail("bad label comparison");
        }
      }
      case Value::Kind::kList: return fail("lists cannot be compared");
      case Value::Kind::kNull: break;
    }
    return fail("bad comparison");
  }

  static bool ordered(Op op, std::strong_ordering c) {
    switch (op) {
      case Op::kEq: return c == 0;
      case Op::kNe: return c != 0;
      case Op::kLt: return c < 0;
      case Op::kLe: return c <= 0;
      case Op::kGt: return c > 0;
      case Op::kGe: return c >= 0;
      default: return false;
    }
  }

  Value eval(const Node& n) {
    switch (n.op) {
      case Op::kLiteral:
      case Op::kList: return n.value;
      case Op::kField: {
        Value v = fields.field(n.field);
        bool okKind = false;
        switch (n.type) {
          case Type::kBool: okKind = v.kind == Value::Kind::kBool; break;
          case Type::kInt: okKind = v.kind == Value::Kind::kInt; break;
          case Type::kString: okKind = v.kind == Value::Kind::kString; break;
          case Type::kLabel: okKind = v.kind == Value::Kind::kLabel; break;
          case Type::kList: okKind = v.kind == Value::Kind::kList && v.list != nullptr; break;
          case Type::kNull: okKind = true; break;
        }
        if (!okKind) return fail("a field has no value of its type for this request");
        return v;
      }
      case Op::kNot: {
        bool v = truth(*n.lhs);
        return error ? Value::null() : Value::boolean(!v);
      }
      case Op::kAnd: {
        bool l = truth(*n.lhs);
        if (error) return Value::null();
        if (!l) return Value::boolean(false);
        bool r = truth(*n.rhs);
        return error ? Value::null() : Value::boolean(r);
      }
      case Op::kOr: {
        bool l = truth(*n.lhs);
        if (error) return Value::null();
        if (l) return Value::boolean(true);
        bool r = truth(*n.rhs);
        return error ? Value::null() : Value::boolean(r);
      }
      case Op::kEq: case Op::kNe: case Op::kLt: case Op::kLe: case Op::kGt: case Op::kGe:
        return compare(n);
      case Op::kIn: {
        Value a = eval(*n.lhs);
        if (error) return Value::null();
        Value b = eval(*n.rhs);
        if (error) return Value::null();
        if (a.kind != Value::Kind::kString || b.kind != Value::Kind::kList || b.list == nullptr)
          return fail("'in' needs a string and a list");
        for (const auto& s : *b.list)
          if (s == a.s) return Value::boolean(true);
        return Value::boolean(false);
      }
      case Op::kStartsWith: case Op::kEndsWith: case Op::kContains: case Op::kMatches: {
        Value a = eval(*n.lhs);
        if (error) return Value::null();
        Value b = eval(*n.rhs);
        if (error) return Value::null();
        if (a.kind != Value::Kind::kString || b.kind != Value::Kind::kString) return fail("a string was expected");
        switch (n.op) {
          case Op::kStartsWith: return Value::boolean(a.s.substr(0, b.s.size()) == b.s);
          case Op::kEndsWith:
            return Value::boolean(a.s.size() >= b.s.size() && a.s.substr(a.s.size() - b.s.size()) == b.s);
          case Op::kContains: return Value::boolean(a.s.find(b.s) != std::string_view::npos);
          default: return Value::boolean(RE2::PartialMatch(re2::StringPiece(a.s.data(), a.s.size()), *n.re));
        }
      }
    }
    return fail("unknown expression");
  }
};

}  // namespace

struct Condition::Impl {
  std::string text;
  Lattice lattice;
  NodePtr root;
};

const std::vector<std::string_view>& knownFields() {
  static const std::vector<std::string_view> names = [] {
    std::vector<std::string_view> v;
    for (const auto& f : kFields) v.push_back(f.name);
    return v;
  }();
  return names;
}

int fieldIndex(std::string_view dotted) {
  for (std::size_t i = 0; i < kFields.size(); ++i)
    if (kFields[i].name == dotted) return static_cast<int>(i);
  return -1;
}

core::Result<Condition> Condition::compile(std::string_view text, const core::Lattice& lattice,
                                           std::size_t* errorOffset) {
  auto fail = [&](std::size_t off, std::string msg) -> Result<Condition> {
    if (errorOffset) *errorOffset = off;
    return makeError(Code::kInvalidArgument, std::move(msg));
  };
  if (text.size() > kMaxLength) return fail(0, fmt::format("condition longer than {} bytes", kMaxLength));
  std::vector<Token> toks;
  if (auto err = Lexer(text).run(&toks)) return fail(err->offset(), err->message());
  if (toks.size() == 1) return fail(0, "empty condition; expected a bool expression");
  try {
    auto impl = std::make_unique<Impl>(Impl{std::string(text), lattice, nullptr});
    impl->root = Parser(std::move(toks), impl->lattice).parse();
    return Condition(std::move(impl));
  } catch (const CompileError& e) {
    return fail(e.offset(), e.message());
  }
}

core::Result<bool> Condition::evaluate(const FieldSource& fields) const {
  Eval ev{fields, impl_->lattice};
  bool v = ev.truth(*impl_->root);
  if (ev.error) return makeError(Code::kInvalidArgument, fmt::format("condition '{}': {}", impl_->text, ev.error));
  return v;
}

const std::string& Condition::text() const { return impl_->text; }

Condition::Condition(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Condition::Condition(Condition&&) noexcept = default;
Condition& Condition::operator=(Condition&&) noexcept = default;
Condition::~Condition() = default;

}  // namespace airlock::policy
