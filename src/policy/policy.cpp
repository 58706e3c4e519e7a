#include "policy/policy.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include "core/digest.h"
#include "core/url.h"
#include "policy/index.h"
#include "policy/yaml.h"

namespace airlock::policy {

using core::Code;
using core::Error;
using core::makeError;

std::string_view effectName(Effect effect) {
  switch (effect) {
    case Effect::kAllow: return "allow";
    case Effect::kAsk: return "ask";
    case Effect::kDeny: return "deny";
  }
  return "deny";
}

bool Limit::appliesTo(const core::Label& l) const {
  switch (op) {
    case Op::kAny: return true;
    case Op::kGe: return label.leq(l);
    case Op::kGt: return label.leq(l) && !(label == l);
    case Op::kLe: return l.leq(label);
    case Op::kLt: return l.leq(label) && !(label == l);
    case Op::kEq: return l == label;
  }
  return true;
}

Policy::Policy() = default;
Policy::~Policy() = default;

int Policy::roleIndex(std::string_view name) const {
  for (std::size_t i = 0; i < roles_.size(); ++i)
    if (roles_[i].name == name) return static_cast<int>(i);
  return -1;
}

int Policy::sinkIndex(std::string_view name) const {
  for (std::size_t i = 0; i < sinks_.size(); ++i)
    if (sinks_[i].name == name) return static_cast<int>(i);
  return -1;
}

// A principal not listed by name gets the "*" entry when the policy has one.
const Principal* Policy::user(std::string_view name) const {
  auto it = users_.find(name);
  if (it == users_.end()) it = users_.find("*");
  return it == users_.end() ? nullptr : &it->second;
}

const Principal* Policy::agent(std::string_view name) const {
  auto it = agents_.find(name);
  if (it == agents_.end()) it = agents_.find("*");
  return it == agents_.end() ? nullptr : &it->second;
}

core::Label Policy::classifyPath(std::string_view canonicalPath) const {
  core::Label out;
  std::array<std::string_view, 256> buf;
  int n = splitPath(canonicalPath, buf);
  if (n < 0) return lattice_.top();  // absurdly deep: assume the worst
  std::span<const std::string_view> segs(buf.data(), static_cast<std::size_t>(n));
  for (const auto& c : classify_) {
    if (!c.detectors.empty()) continue;  // labels content, not files (gate: contentLabel)
    for (const auto& g : c.paths) {
      if (g.matches(segs)) {
        out = out.join(c.label);
        break;
      }
    }
  }
  return out;
}

core::Label Policy::classifyBelow(std::string_view canonicalDir) const {
  core::Label out;
  std::array<std::string_view, 256> buf;
  int n = splitPath(canonicalDir, buf);
  if (n < 0) return lattice_.top();
  for (const auto& c : classify_) {
    bool could = false;
    for (const auto& g : c.paths) {
      for (const auto& alt : g.alternatives()) {
        // Below the directory, the glob's literal leading segments must agree with the
        // directory's own segments where both have one.
        std::size_t common = std::min(alt.literalPrefix, static_cast<std::size_t>(n));
        bool agree = true;
        for (std::size_t k = 0; k < common && agree; ++k) agree = alt.segments[k] == buf[k];
        could = could || agree;
      }
    }
    if (could) out = out.join(c.label);
  }
  return out;
}

// Loads YAML into a Policy. Internally it throws LoadError to unwind; load() converts it to a
// Result at the edge (no exception leaves this file).
class PolicyLoader {
 public:
  PolicyLoader(std::string file, std::string home) : file_(std::move(file)), home_(std::move(home)) {}

  core::Result<std::shared_ptr<const Policy>> run(std::string_view yaml);

 private:
  struct LoadError {
    Error error;
  };

  [[noreturn]] void fail(const yaml::Node& node, const std::string& message) const {
    SourcePos p = pos(node);
    throw LoadError{makeError(Code::kInvalidArgument, message,
                              fmt::format("{}:{}:{}", file_, p.line, p.col))};
  }
  [[noreturn]] void failAt(SourcePos p, const std::string& message) const {
    throw LoadError{makeError(Code::kInvalidArgument, message, fmt::format("{}:{}:{}", file_, p.line, p.col))};
  }

  static SourcePos pos(const yaml::Node& node) {
    yaml::Mark m = node.Mark();
    if (m.line < 0) return {};
    return SourcePos{m.line + 1, m.column + 1};
  }

  // Where byte `offset` of the value of scalar `n` stands in the source. yaml-cpp marks only
  // the start of a scalar (its quote or block indicator); escapes, doubled quotes, folded line
  // breaks and block scalars shift everything after it, so walk the source text.
  SourcePos valuePos(const yaml::Node& n, std::size_t offset) const;

  static std::string kindName(const yaml::Node& n) {
    switch (n.Type()) {
      case yaml::NodeType::kNull: return "nothing";
      case yaml::NodeType::kScalar: return fmt::format("'{}'", n.Scalar());
      case yaml::NodeType::kSequence: return "a list";
      case yaml::NodeType::kMap: return "a mapping";
      default: return "nothing";
    }
  }

  void expectMap(const yaml::Node& n, const std::string& what) const {
    if (!n.IsMap()) fail(n, fmt::format("{} must be a mapping, found {}", what, kindName(n)));
  }

  // The entries of the list `n` (called `list` in messages), each with its name "list[i]".
  std::vector<std::pair<yaml::Node, std::string>> entries(const yaml::Node& n, const std::string& list) const {
    if (!n.IsSequence()) fail(n, list + " must be a list");
    std::vector<std::pair<yaml::Node, std::string>> out;
    for (std::size_t i = 0; i < n.size(); ++i) out.emplace_back(n[i], fmt::format("{}[{}]", list, i));
    return out;
  }
  // One entry of such a list: a mapping with only `keys`.
  void expectEntry(const yaml::Node& e, const std::string& what, std::initializer_list<std::string_view> keys) const {
    expectMap(e, what);
    checkKeys(e, what, keys);
  }

  // Rejects keys not in `allowed`; also rejects duplicate keys (yaml-cpp keeps both).
  void checkKeys(const yaml::Node& n, const std::string& what, std::initializer_list<std::string_view> allowed) const {
    std::set<std::string> seen;
    for (auto it = n.begin(); it != n.end(); ++it) {
      if (!it->first.IsScalar()) fail(it->first, fmt::format("{}: keys must be plain names", what));
      const std::string& key = it->first.Scalar();
      bool ok = false;
      for (auto a : allowed) ok = ok || key == a;
      if (!ok) {
        std::string list;
        for (auto a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
        fail(it->first, fmt::format("unknown key '{}' in {} (expected one of: {})", key, what, list));
      }
      if (!seen.insert(key).second) fail(it->first, fmt::format("duplicate key '{}' in {}", key, what));
    }
  }

  std::string scalar(const yaml::Node& n, const std::string& what) const {
    if (!n.IsScalar()) fail(n, fmt::format("{} must be a string, found {}", what, kindName(n)));
    return n.Scalar();
  }

  // A list of strings (or one string). Empty lists are errors unless `mayBeEmpty`: an empty
  // matcher list would silently match nothing, while an empty role list is a real choice.
  std::vector<std::pair<std::string, yaml::Node>> stringList(const yaml::Node& n, const std::string& what,
                                                             bool mayBeEmpty = false) const {
    std::vector<std::pair<std::string, yaml::Node>> out;
    if (n.IsScalar()) {
      out.emplace_back(n.Scalar(), n);
    } else if (n.IsSequence()) {
      if (n.size() == 0 && !mayBeEmpty) fail(n, fmt::format("{} must not be an empty list", what));
      for (const auto& e : n) out.emplace_back(scalar(e, what + " entry"), e);
    } else {
      fail(n, fmt::format("{} must be a string or a list of strings, found {}", what, kindName(n)));
    }
    return out;
  }

  bool boolean(const yaml::Node& n, const std::string& what) const {
    std::string s = scalar(n, what);
    if (s == "true") return true;
    if (s == "false") return false;
    fail(n, fmt::format("{} must be true or false, found '{}'", what, s));
  }

  core::Label label(const yaml::Node& n, const std::string& what) const {
    std::string s = scalar(n, what);
    auto l = policy_->lattice_.parse(s);
    if (!l) failAt(valuePos(n, 0), fmt::format("{}: {}", what, l.error().message));
    return *l;
  }

  std::string expandHome(const std::string& pattern) const {
    if (pattern == "~") return home_;
    if (pattern.rfind("~/", 0) == 0) return home_ + pattern.substr(1);
    return pattern;
  }

  PathGlob pathGlob(const std::string& text, const yaml::Node& n, const std::string& what) const {
    if (!text.empty() && text[0] == '~' && text.size() > 1 && text[1] != '/')
      fail(n, fmt::format("{}: '~user' patterns are not supported: '{}'", what, text));
    auto g = PathGlob::compile(expandHome(text));
    if (!g) fail(n, fmt::format("{}: {}", what, g.error().message));
    return std::move(*g);
  }

  // An HTTP method, upper-cased: letters only.
  std::string httpMethod(const std::string& text, const yaml::Node& n, const std::string& what) const {
    std::string up;
    for (char c : text) up += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (up.empty() || up.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ") != std::string::npos)
      fail(n, fmt::format("{}: invalid method '{}'", what, text));
    return up;
  }
  TextGlob textGlob(const std::string& text, const yaml::Node& n, const std::string& what) const {
    auto g = TextGlob::compile(text);
    if (!g) fail(n, fmt::format("{}: {}", what, g.error().message));
    return std::move(*g);
  }

  Effect effect(const yaml::Node& n, const std::string& what, bool allowAllow) const {
    std::string s = scalar(n, what);
    if (s == "deny") return Effect::kDeny;
    if (s == "ask") return Effect::kAsk;
    if (s == "allow" && allowAllow) return Effect::kAllow;
    fail(n, fmt::format("{} must be {}, found '{}'", what, allowAllow ? "allow, ask or deny" : "ask or deny", s));
  }

  std::int64_t size(const yaml::Node& n, const std::string& what) const {
    std::string s = scalar(n, what);
    std::size_t i = 0;
    std::int64_t v = 0;
    if (s.empty() || !std::isdigit(static_cast<unsigned char>(s[0])))
      fail(n, fmt::format("{} must be a number with an optional unit (KB, MB, GB, KiB, MiB, GiB), found '{}'", what, s));
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) {
      if (v > (INT64_MAX - 9) / 10) fail(n, fmt::format("{} is too large", what));
      v = v * 10 + (s[i++] - '0');
    }
    std::string unit = s.substr(i);
    while (!unit.empty() && unit.front() == ' ') unit.erase(0, 1);
    std::int64_t mul = 1;
    if (unit.empty() || unit == "B") mul = 1;
    else if (unit == "KB" || unit == "kB") mul = 1000;
    else if (unit == "MB") mul = 1000 * 1000;
    else if (unit == "GB") mul = 1000LL * 1000 * 1000;
    else if (unit == "KiB") mul = 1024;
    else if (unit == "MiB") mul = 1024 * 1024;
    else if (unit == "GiB") mul = 1024LL * 1024 * 1024;
    else fail(n, fmt::format("{}: unknown unit '{}' (use B, KB, MB, GB, KiB, MiB, GiB)", what, unit));
    if (v > INT64_MAX / mul) fail(n, fmt::format("{} is too large", what));
    return v * mul;
  }

  std::string name(const yaml::Node& n, const std::string& what) const {
    std::string s = scalar(n, what);
    if (s.empty()) fail(n, fmt::format("{} must not be empty", what));
    for (char c : s) {
      bool ok = std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
      if (!ok) fail(n, fmt::format("{} '{}' may only contain letters, digits, '-', '_' and '.'", what, s));
    }
    return s;
  }

  void loadLabels(const yaml::Node& n);
  void loadPrincipals(const yaml::Node& n, bool agents);
  void loadRoles(const yaml::Node& n);
  void loadRoleRules(const yaml::Node& n);
  void loadGlobalRules(const yaml::Node& n);
  Rule loadMatcher(const yaml::Node& body, const std::string& what);
  void loadWhen(Rule& rule, const yaml::Node& n);
  void finishRule(Rule r, Effect eff, int role, const yaml::Node& e, const std::string& what);
  void loadSinks(const yaml::Node& n);
  void loadClassify(const yaml::Node& n);
  void loadLimits(const yaml::Node& n);
  void loadRedact(const yaml::Node& n);
  void loadMcp(const yaml::Node& n);
  void loadDefaults(const yaml::Node& n);
  void addRule(Rule rule, const yaml::Node& at);

  std::string file_;
  std::string home_;
  std::string_view src_;  // the YAML text, for valuePos()
  std::shared_ptr<Policy> policy_;
  std::set<std::string> ruleIds_;
};

SourcePos PolicyLoader::valuePos(const yaml::Node& n, std::size_t offset) const {
  const SourcePos start = pos(n);
  const yaml::Mark m = n.Mark();
  const bool nonPlain = n.Tag() == "!";
  const std::string_view src = src_;
  const std::string& value = n.Scalar();
  // The old approximation, used when the mark does not fit the text (e.g. after a BOM).
  const SourcePos rough{start.line, start.col + (nonPlain ? 1 : 0) + static_cast<int>(offset)};
  if (start.line == 0 || m.pos < 0 || static_cast<std::size_t>(m.pos) >= src.size()) return rough;
  std::size_t i = static_cast<std::size_t>(m.pos);
  const char style = nonPlain ? src[i] : 0;
  if (nonPlain && style != '"' && style != '\'' && style != '|' && style != '>') return rough;
  if (!nonPlain && (value.empty() || src[i] != value[0])) return rough;
  int line = start.line, col = start.col;
  auto step = [&] {
    if (src[i] == '\n') {
      ++line;
      col = 1;
    } else {
      ++col;
    }
    ++i;
  };
  std::size_t produced = 0;  // bytes of the value accounted for so far

  if (style == '|' || style == '>') {
    while (i < src.size() && src[i] != '\n') step();  // the header line
    if (i >= src.size()) return rough;
    step();
    // Indentation: that of the first line with content.
    std::size_t indent = 0;
    for (std::size_t k = i; k < src.size();) {
      std::size_t b = k;
      while (k < src.size() && src[k] == ' ') ++k;
      if (k < src.size() && (src[k] == '\n' || src[k] == '\r')) {
        while (k < src.size() && src[k] != '\n') ++k;
        ++k;
        continue;
      }
      indent = k - b;
      break;
    }
    bool lineStart = true;
    while (i < src.size()) {
      if (lineStart) {
        for (std::size_t k = 0; k < indent && i < src.size() && src[i] == ' '; ++k) step();
        lineStart = false;
      }
      if (produced >= offset) break;
      if (src[i] == '\r') {
        step();
        continue;
      }
      lineStart = src[i] == '\n';
      step();
      ++produced;
    }
    return {line, col};
  }

  if (style == '"' || style == '\'') step();  // the opening quote
  // A line break in a flow scalar, with the blanks around it, folds to one space (or to n-1
  // newlines for n breaks). Returns how many value bytes the run at `i` produces, or -1 when
  // `i` is not at such a run.
  auto foldRun = [&](bool consume) -> int {
    std::size_t k = i;
    while (k < src.size() && (src[k] == ' ' || src[k] == '\t')) ++k;
    if (k >= src.size() || (src[k] != '\n' && src[k] != '\r')) return -1;
    int breaks = 0;
    while (k < src.size() && (src[k] == ' ' || src[k] == '\t' || src[k] == '\n' || src[k] == '\r')) {
      if (src[k] == '\n') ++breaks;
      ++k;
    }
    if (consume)
      while (i < k) step();
    return breaks <= 1 ? 1 : breaks - 1;
  };
  auto utf8Length = [](unsigned long cp) -> std::size_t {
    return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
  };
  while (i < src.size() && produced < offset) {
    char c = src[i];
    if (style == '\'' && c == '\'') {
      if (i + 1 < src.size() && src[i + 1] == '\'') {
        step();
        step();
        ++produced;
        continue;
      }
      break;  // the closing quote
    }
    if (style == '"' && c == '"') break;
    if (style == '"' && c == '\\' && i + 1 < src.size()) {
      char e = src[i + 1];
      if (e == '\n' || e == '\r') {  // an escaped line break: produces nothing
        step();
        while (i < src.size() && (src[i] == '\r' || src[i] == '\n')) step();
        while (i < src.size() && (src[i] == ' ' || src[i] == '\t')) step();
        continue;
      }
      std::size_t digits = e == 'x' ? 2 : e == 'u' ? 4 : e == 'U' ? 8 : 0;
      std::size_t bytes = 1;
      if (digits > 0 && i + 2 + digits <= src.size()) {
        unsigned long cp = std::strtoul(std::string(src.substr(i + 2, digits)).c_str(), nullptr, 16);
        bytes = utf8Length(cp);
      } else if (e == 'N' || e == '_') {
        bytes = 2;
      } else if (e == 'L' || e == 'P') {
        bytes = 3;
      }
      for (std::size_t k = 0; k < 2 + digits && i < src.size(); ++k) step();
      produced += bytes;
      continue;
    }
    if (int folded = foldRun(true); folded >= 0) {
      produced += static_cast<std::size_t>(folded);
      continue;
    }
    step();
    ++produced;
  }
  foldRun(true);  // point at what follows a fold, not at the line break before it
  return {line, col};
}

void PolicyLoader::loadLabels(const yaml::Node& n) {
  expectMap(n, "labels");
  checkKeys(n, "labels", {"levels", "categories"});
  std::vector<std::string> levels, cats;
  if (!n["levels"]) fail(n, "labels: missing 'levels'");
  if (!n["levels"].IsSequence()) fail(n["levels"], "labels.levels must be a list of names, lowest first");
  for (const auto& e : n["levels"]) levels.push_back(name(e, "label level"));
  if (n["categories"]) {
    if (!n["categories"].IsSequence()) fail(n["categories"], "labels.categories must be a list of names");
    for (const auto& e : n["categories"]) cats.push_back(name(e, "label category"));
  }
  auto l = core::Lattice::make(std::move(levels), std::move(cats));
  if (!l) fail(n, "labels: " + l.error().message);
  policy_->lattice_ = std::move(*l);
}

void PolicyLoader::loadPrincipals(const yaml::Node& n, bool agents) {
  const char* what = agents ? "agents" : "users";
  expectMap(n, what);
  for (auto it = n.begin(); it != n.end(); ++it) {
    std::string pname = it->first.IsScalar() && it->first.Scalar() == "*" ? "*"
                        : name(it->first, agents ? "agent name" : "user name");
    const yaml::Node body = it->second;
    std::string where = fmt::format("{}.{}", what, pname);
    Principal p;
    p.name = pname;
    p.pos = pos(it->first);
    if (!body.IsNull()) {
      expectMap(body, where);
      checkKeys(body, where, {"roles", "description"});
      if (body["roles"]) {
        for (auto& [r, rn] : stringList(body["roles"], where + ".roles", /*mayBeEmpty=*/true)) {
          int idx = policy_->roleIndex(r);
          if (idx < 0) fail(rn, fmt::format("{}: unknown role '{}'", where, r));
          p.roles.push_back(idx);
        }
      }
    }
    auto& map = agents ? policy_->agents_ : policy_->users_;
    if (!map.emplace(pname, std::move(p)).second) fail(it->first, fmt::format("{} '{}' is defined twice", what, pname));
  }
}

void PolicyLoader::loadRoles(const yaml::Node& n) {
  // First pass: names only, so users/agents can refer to roles declared later in the file.
  expectMap(n, "roles");
  for (auto it = n.begin(); it != n.end(); ++it) {
    std::string rname = name(it->first, "role name");
    if (policy_->roleIndex(rname) >= 0) fail(it->first, fmt::format("role '{}' is defined twice", rname));
    policy_->roles_.push_back(Role{rname, pos(it->first)});
  }
}

void PolicyLoader::addRule(Rule rule, const yaml::Node& at) {
  if (!ruleIds_.insert(rule.id).second) fail(at, fmt::format("rule id '{}' is used twice", rule.id));
  rule.index = policy_->rules_.size();
  policy_->rules_.push_back(std::move(rule));
}

Rule PolicyLoader::loadMatcher(const yaml::Node& body, const std::string& what) {
  Rule r;
  r.pos = pos(body);
  if (!body["action"]) fail(body, fmt::format("{}: missing 'action'", what));
  for (auto& [a, an] : stringList(body["action"], what + ".action")) {
    auto act = core::parseAction(a);
    if (!act)
      fail(an, fmt::format("{}: unknown action '{}' (expected one of: fs.read, fs.write, fs.list, fs.delete, "
                           "exec, net.request, tool.call)", what, a));
    r.actions |= actionBit(*act);
  }
  if (body["path"])
    for (auto& [p, pn] : stringList(body["path"], what + ".path")) r.paths.push_back(pathGlob(p, pn, what + ".path"));
  if (body["sink"]) {
    for (auto& [s, sn] : stringList(body["sink"], what + ".sink")) {
      int idx = policy_->sinkIndex(s);
      if (idx < 0) fail(sn, fmt::format("{}: unknown sink '{}'", what, s));
      r.sinks.push_back(idx);
    }
  }
  if (body["tool"])
    for (auto& [t, tn] : stringList(body["tool"], what + ".tool")) r.tools.push_back(textGlob(t, tn, what + ".tool"));
  if (body["command"])
    for (auto& [c, cn] : stringList(body["command"], what + ".command"))
      r.commands.push_back(textGlob(c, cn, what + ".command"));
  // A matcher that cannot apply to any of the rule's actions is an error, not a silent no-op.
  const ActionMask fsOrExec = actionBit(core::Action::kFsRead) | actionBit(core::Action::kFsWrite) |
                              actionBit(core::Action::kFsList) | actionBit(core::Action::kFsDelete) |
                              actionBit(core::Action::kExec);
  if (!r.paths.empty() && !(r.actions & fsOrExec))
    fail(body["path"], fmt::format("{}: 'path' applies to fs.* and exec actions only", what));
  if (!r.sinks.empty() && !(r.actions & (actionBit(core::Action::kNetRequest) | actionBit(core::Action::kToolCall) |
                                         actionBit(core::Action::kFsWrite))))
    fail(body["sink"], fmt::format("{}: 'sink' applies to net.request, tool.call and fs.write only", what));
  if (!r.tools.empty() && !(r.actions & actionBit(core::Action::kToolCall)))
    fail(body["tool"], fmt::format("{}: 'tool' applies to tool.call only", what));
  if (!r.commands.empty() && !(r.actions & actionBit(core::Action::kExec)))
    fail(body["command"], fmt::format("{}: 'command' applies to exec only", what));
  return r;
}

void PolicyLoader::loadWhen(Rule& rule, const yaml::Node& n) {
  std::string text = scalar(n, "when");
  std::size_t offset = 0;
  auto c = Condition::compile(text, policy_->lattice_, &offset);
  if (!c) failAt(valuePos(n, offset), "when: " + c.error().message);
  rule.when.emplace(std::move(*c));
}

void PolicyLoader::loadRoleRules(const yaml::Node& n) {
  for (auto it = n.begin(); it != n.end(); ++it) {
    std::string rname = it->first.Scalar();
    int roleIdx = policy_->roleIndex(rname);
    const yaml::Node body = it->second;
    std::string where = "roles." + rname;
    if (body.IsNull()) continue;
    expectMap(body, where);
    checkKeys(body, where, {"allow", "ask", "deny", "description"});
    for (auto [key, eff] : {std::pair{"allow", Effect::kAllow}, std::pair{"ask", Effect::kAsk},
                            std::pair{"deny", Effect::kDeny}}) {
      yaml::Node list = body[key];
      if (!list) continue;
      if (!list.IsSequence()) fail(list, fmt::format("{}.{} must be a list of rules", where, key));
      for (std::size_t i = 0; i < list.size(); ++i) {
        const yaml::Node e = list[i];
        std::string what = fmt::format("{}.{}[{}]", where, key, i);
        expectMap(e, what);
        checkKeys(e, what, {"id", "action", "path", "sink", "tool", "command", "when", "description"});
        finishRule(loadMatcher(e, what), eff, roleIdx, e, what);
      }
    }
  }
}

// Gives a matched rule its effect, role, id (the one written, else the generated `what`) and
// condition, and adds it. `e` is the YAML map that holds `id` and `when`.
void PolicyLoader::finishRule(Rule r, Effect eff, int role, const yaml::Node& e, const std::string& what) {
  r.effect = eff;
  r.role = role;
  if (e["id"]) {
    r.id = name(e["id"], "rule id");
  } else {
    r.id = what;
    r.generatedId = true;
  }
  if (e["when"]) loadWhen(r, e["when"]);
  addRule(std::move(r), e["id"] ? e["id"] : e);
}

void PolicyLoader::loadGlobalRules(const yaml::Node& n) {
  for (const auto& [e, what] : entries(n, "rules")) {
    expectEntry(e, what, {"id", "allow", "ask", "deny", "when", "description"});
    int count = 0;
    Effect eff = Effect::kDeny;
    yaml::Node body;
    for (auto [key, ef] : {std::pair{"allow", Effect::kAllow}, std::pair{"ask", Effect::kAsk},
                           std::pair{"deny", Effect::kDeny}}) {
      if (e[key]) {
        ++count;
        eff = ef;
        body = e[key];
      }
    }
    if (count != 1) fail(e, fmt::format("{}: needs exactly one of 'allow', 'ask' or 'deny'", what));
    expectMap(body, what);
    checkKeys(body, what, {"action", "path", "sink", "tool", "command"});
    finishRule(loadMatcher(body, what), eff, -1, e, what);
  }
}

void PolicyLoader::loadSinks(const yaml::Node& n) {
  expectMap(n, "sinks");
  for (auto it = n.begin(); it != n.end(); ++it) {
    Sink s;
    s.name = name(it->first, "sink name");
    s.pos = pos(it->first);
    if (policy_->sinkIndex(s.name) >= 0) fail(it->first, fmt::format("sink '{}' is defined twice", s.name));
    const yaml::Node body = it->second;
    std::string where = "sinks." + s.name;
    expectMap(body, where);
    checkKeys(body, where, {"http", "tools", "folders", "credentials", "clearance", "inspect", "description"});
    if (!body["clearance"]) fail(body, fmt::format("{}: missing 'clearance' (the highest label that may reach it)", where));
    s.clearance = label(body["clearance"], where + ".clearance");
    if (!body["http"] && !body["tools"] && !body["folders"])
      fail(body, fmt::format("{}: needs at least one of 'http', 'tools' or 'folders'", where));
    if (body["http"]) {
      const yaml::Node h = body["http"];
      expectMap(h, where + ".http");
      checkKeys(h, where + ".http", {"hosts", "methods", "paths"});
      if (!h["hosts"]) fail(h, fmt::format("{}.http: missing 'hosts'", where));
      for (auto& [host, hn] : stringList(h["hosts"], where + ".http.hosts")) {
        std::string canon;
        if (host.rfind("*.", 0) == 0) {
          auto u = core::parseUrl("http://" + host.substr(2) + "/");
          if (!u || u->hostKind != core::HostKind::kName)
            fail(hn, fmt::format("{}.http.hosts: invalid wildcard host '{}'", where, host));
          canon = "*." + u->host;
        } else {
          auto u = core::parseUrl("http://" + host + "/");
          if (!u) fail(hn, fmt::format("{}.http.hosts: invalid host '{}': {}", where, host, u.error().message));
          if (u->path != "/" || !u->query.empty() || u->explicitPort || u->hadUserinfo)
            fail(hn, fmt::format("{}.http.hosts: '{}' must be a bare host name or address", where, host));
          canon = u->host;
        }
        s.hosts.push_back(canon);
      }
      if (h["methods"]) {
        for (auto& [m, mn] : stringList(h["methods"], where + ".http.methods"))
          s.methods.push_back(httpMethod(m, mn, where + ".http.methods"));
      }
      if (h["paths"])
        for (auto& [p, pn] : stringList(h["paths"], where + ".http.paths")) {
          if (p.empty() || p[0] != '/') fail(pn, fmt::format("{}.http.paths: '{}' must start with '/'", where, p));
          auto g = PathGlob::compile(p);
          if (!g) fail(pn, fmt::format("{}.http.paths: {}", where, g.error().message));
          s.paths.push_back(std::move(*g));
        }
    }
    if (body["tools"])
      for (auto& [t, tn] : stringList(body["tools"], where + ".tools")) s.tools.push_back(textGlob(t, tn, where + ".tools"));
    if (body["folders"])
      for (auto& [f, fn] : stringList(body["folders"], where + ".folders"))
        s.folders.push_back(pathGlob(f, fn, where + ".folders"));
    if (body["credentials"]) {
      const yaml::Node c = body["credentials"];
      expectMap(c, where + ".credentials");
      checkKeys(c, where + ".credentials", {"header", "sha256"});
      Credentials cred;
      if (c["header"]) {
        for (char ch : scalar(c["header"], where + ".credentials.header"))
          cred.header += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      }
      if (!c["sha256"]) fail(c, fmt::format("{}.credentials: missing 'sha256' (digests of the accepted keys)", where));
      for (auto& [d, dn] : stringList(c["sha256"], where + ".credentials.sha256")) {
        std::string lower;
        for (char ch : d) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        if (!core::isSha256Hex(lower))
          fail(dn, fmt::format("{}.credentials.sha256: '{}' is not a SHA-256 hex digest (64 hex digits)", where, d));
        cred.sha256.push_back(lower);
      }
      s.credentials = std::move(cred);
    }
    if (body["inspect"]) s.inspect = boolean(body["inspect"], where + ".inspect");
    policy_->sinks_.push_back(std::move(s));
  }
}

void PolicyLoader::loadClassify(const yaml::Node& n) {
  for (const auto& [e, what] : entries(n, "classify")) {
    expectEntry(e, what, {"path", "detectors", "label", "description"});
    ClassifyRule c;
    c.pos = pos(e);
    if (!e["label"]) fail(e, fmt::format("{}: missing 'label'", what));
    c.label = label(e["label"], what + ".label");
    if (!e["path"] && !e["detectors"]) fail(e, fmt::format("{}: needs 'path' or 'detectors'", what));
    if (e["path"])
      for (auto& [p, pn] : stringList(e["path"], what + ".path")) c.paths.push_back(pathGlob(p, pn, what + ".path"));
    if (e["detectors"])
      for (auto& [d, dn] : stringList(e["detectors"], what + ".detectors")) {
        c.detectors.push_back(name(dn, "detector"));
        c.detectorPos.push_back(pos(dn));
      }
    policy_->classify_.push_back(std::move(c));
  }
}

void PolicyLoader::loadRedact(const yaml::Node& n) {
  for (const auto& [e, what] : entries(n, "redact")) {
    expectEntry(e, what, {"id", "detectors", "mode", "keep_last", "sinks", "description"});
    RedactRule r;
    r.pos = pos(e);
    r.id = e["id"] ? name(e["id"], "redact id") : what;
    if (!e["detectors"]) fail(e, fmt::format("{}: missing 'detectors'", what));
    for (auto& [d, dn] : stringList(e["detectors"], what + ".detectors")) {
      r.detectors.push_back(name(dn, "detector"));
      r.detectorPos.push_back(pos(dn));
    }
    r.mode = e["mode"] ? scalar(e["mode"], what + ".mode") : "redact";
    static constexpr std::string_view kModes[] = {"redact", "mask", "placeholder", "pseudonym", "encrypt"};
    if (std::find(std::begin(kModes), std::end(kModes), r.mode) == std::end(kModes))
      fail(e["mode"], fmt::format("{}.mode must be redact, mask, placeholder, pseudonym or encrypt, found '{}'",
                                  what, r.mode));
    if (e["keep_last"]) {
      std::int64_t k = size(e["keep_last"], what + ".keep_last");
      if (k > 64) fail(e["keep_last"], fmt::format("{}.keep_last must be at most 64", what));
      r.keepLast = static_cast<int>(k);
    }
    if (e["sinks"])
      for (auto& [sn, snn] : stringList(e["sinks"], what + ".sinks")) {
        int idx = policy_->sinkIndex(sn);
        if (idx < 0) fail(snn, fmt::format("{}.sinks: unknown sink '{}'", what, sn));
        r.sinks.push_back(idx);
      }
    policy_->redact_.push_back(std::move(r));
  }
}

void PolicyLoader::loadMcp(const yaml::Node& n) {
  expectMap(n, "mcp");
  checkKeys(n, "mcp", {"arguments", "changed_tools"});
  if (n["changed_tools"]) {
    const std::string v = scalar(n["changed_tools"], "mcp.changed_tools");
    if (v != "withhold" && v != "flag")
      fail(n["changed_tools"], fmt::format("mcp.changed_tools must be withhold or flag, found '{}'", v));
    policy_->mcp_.flagChangedTools = v == "flag";
  }
  if (!n["arguments"]) return;
  const yaml::Node list = n["arguments"];
  for (const auto& [e, what] : entries(list, "mcp.arguments")) {
    expectEntry(e, what, {"tool", "argument", "action", "list", "method", "description"});
    ArgumentMapping m;
    m.pos = pos(e);
    if (!e["tool"]) fail(e, fmt::format("{}: missing 'tool' (\"server/tool\")", what));
    const std::string tool = scalar(e["tool"], what + ".tool");
    if (tool.find('/') == std::string::npos || tool.front() == '/' || tool.back() == '/')
      fail(e["tool"], fmt::format("{}.tool: '{}' must be \"server/tool\"", what, tool));
    m.tool = textGlob(tool, e["tool"], what + ".tool");
    if (!e["argument"]) fail(e, fmt::format("{}: missing 'argument' (the argument that names a file or URL)", what));
    m.argument = scalar(e["argument"], what + ".argument");
    if (m.argument.empty()) fail(e["argument"], fmt::format("{}.argument must not be empty", what));
    if (!e["action"]) fail(e, fmt::format("{}: missing 'action'", what));
    const std::string a = scalar(e["action"], what + ".action");
    auto act = core::parseAction(a);
    if (!act || *act == core::Action::kExec || *act == core::Action::kToolCall)
      fail(e["action"], fmt::format("{}.action must be fs.read, fs.write, fs.list, fs.delete or net.request, found '{}'",
                                    what, a));
    m.action = *act;
    if (e["list"]) {
      const std::string l = scalar(e["list"], what + ".list");
      if (l != "true" && l != "false") fail(e["list"], fmt::format("{}.list must be true or false", what));
      m.list = l == "true";
    }
    if (e["method"]) {
      if (m.action != core::Action::kNetRequest)
        fail(e["method"], fmt::format("{}.method is only for action net.request", what));
      m.method = httpMethod(scalar(e["method"], what + ".method"), e["method"], what + ".method");
    }
    policy_->argumentMappings_.push_back(std::move(m));
  }
}

void PolicyLoader::loadLimits(const yaml::Node& n) {
  for (const auto& [e, what] : entries(n, "limits")) {
    expectEntry(e, what, {"id", "action", "label", "max_files", "max_bytes", "then", "description"});
    Limit l;
    l.pos = pos(e);
    l.id = e["id"] ? name(e["id"], "limit id") : what;
    if (!e["action"]) fail(e, fmt::format("{}: missing 'action'", what));
    for (auto& [a, an] : stringList(e["action"], what + ".action")) {
      auto act = core::parseAction(a);
      if (!act) fail(an, fmt::format("{}: unknown action '{}'", what, a));
      l.actions |= actionBit(*act);
    }
    if (e["label"]) {
      std::string s = scalar(e["label"], what + ".label");
      std::size_t skip = 0;
      l.op = Limit::Op::kGe;
      if (s.rfind(">=", 0) == 0) { l.op = Limit::Op::kGe; skip = 2; }
      else if (s.rfind("<=", 0) == 0) { l.op = Limit::Op::kLe; skip = 2; }
      else if (s.rfind("==", 0) == 0) { l.op = Limit::Op::kEq; skip = 2; }
      else if (s.rfind(">", 0) == 0) { l.op = Limit::Op::kGt; skip = 1; }
      else if (s.rfind("<", 0) == 0) { l.op = Limit::Op::kLt; skip = 1; }
      auto lab = policy_->lattice_.parse(s.substr(skip));
      if (!lab) fail(e["label"], fmt::format("{}.label: {}", what, lab.error().message));
      l.label = *lab;
    }
    if (e["max_files"]) l.maxFiles = size(e["max_files"], what + ".max_files");
    if (e["max_bytes"]) l.maxBytes = size(e["max_bytes"], what + ".max_bytes");
    if (l.maxFiles < 0 && l.maxBytes < 0) fail(e, fmt::format("{}: needs 'max_files' or 'max_bytes'", what));
    if (e["then"]) l.then = effect(e["then"], what + ".then", false);
    policy_->limits_.push_back(std::move(l));
  }
}

void PolicyLoader::loadDefaults(const yaml::Node& n) {
  expectMap(n, "defaults");
  checkKeys(n, "defaults", {"decision", "non_interactive_ask", "on_error"});
  if (n["decision"]) policy_->defaults_.decision = effect(n["decision"], "defaults.decision", true);
  if (n["non_interactive_ask"]) {
    std::string s = scalar(n["non_interactive_ask"], "defaults.non_interactive_ask");
    if (s == "deny") policy_->defaults_.nonInteractiveAsk = Effect::kDeny;
    else if (s == "allow") policy_->defaults_.nonInteractiveAsk = Effect::kAllow;
    else if (s == "ask") policy_->defaults_.nonInteractiveAsk = Effect::kAsk;
    else fail(n["non_interactive_ask"], fmt::format("defaults.non_interactive_ask must be allow, ask or deny, found '{}'", s));
  }
  if (n["on_error"]) {
    std::string s = scalar(n["on_error"], "defaults.on_error");
    if (s != "deny")
      fail(n["on_error"], fmt::format("defaults.on_error may only be 'deny' (errors never allow), found '{}'", s));
  }
}

core::Result<std::shared_ptr<const Policy>> PolicyLoader::run(std::string_view yaml) {
  if (yaml.size() > 16 * 1024 * 1024)
    return makeError(Code::kInvalidArgument, "policy is larger than 16 MiB", file_);
  if (yaml.find('\0') != std::string_view::npos)
    return makeError(Code::kInvalidArgument, "policy contains a NUL byte", file_);
  src_ = yaml;
  policy_ = std::make_shared<Policy>();
  policy_->file_ = file_;
  try {
    yaml::Mark errorAt;
    auto parsed = yaml::load(yaml, &errorAt);
    if (!parsed)
      return makeError(Code::kInvalidArgument, parsed.error().message,
                       fmt::format("{}:{}:{}", file_, errorAt.line + 1, errorAt.column + 1));
    yaml::Node root = *parsed;
    if (!root.IsMap()) {
      if (root.IsNull()) return makeError(Code::kInvalidArgument, "policy is empty (expected 'version: 1' and rules)", file_ + ":1:1");
      fail(root, fmt::format("a policy must be a mapping, found {}", kindName(root)));
    }
    checkKeys(root, "the policy", {"version", "description", "labels", "users", "agents", "classify", "sinks",
                                   "roles", "rules", "limits", "redact", "mcp", "defaults"});
    if (!root["version"]) return makeError(Code::kInvalidArgument, "missing 'version: 1'", file_ + ":1:1");
    if (scalar(root["version"], "version") != "1")
      fail(root["version"], fmt::format("unsupported version '{}' (this airlock reads version 1)", root["version"].Scalar()));
    if (root["labels"]) loadLabels(root["labels"]);
    if (root["roles"]) loadRoles(root["roles"]);
    if (root["users"]) loadPrincipals(root["users"], false);
    if (root["agents"]) loadPrincipals(root["agents"], true);
    if (root["sinks"]) loadSinks(root["sinks"]);
    if (root["classify"]) loadClassify(root["classify"]);
    if (root["roles"]) loadRoleRules(root["roles"]);
    if (root["rules"]) loadGlobalRules(root["rules"]);
    if (root["limits"]) loadLimits(root["limits"]);
    if (root["redact"]) loadRedact(root["redact"]);
    if (root["mcp"]) loadMcp(root["mcp"]);
    if (root["defaults"]) loadDefaults(root["defaults"]);
  } catch (const LoadError& e) {
    return e.error;
  } catch (const std::exception& e) {
    return makeError(Code::kInvalidArgument, e.what(), file_);
  }
  policy_->index_ = std::make_unique<RuleIndex>(*policy_);
  return std::shared_ptr<const Policy>(std::move(policy_));
}

core::Result<std::shared_ptr<const Policy>> Policy::load(std::string_view yaml, std::string file, const std::string& home) {
  PolicyLoader loader(std::move(file), home);
  return loader.run(yaml);
}

core::Result<std::shared_ptr<const Policy>> Policy::loadFile(const std::string& path, const std::string& home) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return makeError(Code::kNotFound, "cannot read policy file", path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return load(ss.str(), path, home);
}

}  // namespace airlock::policy
