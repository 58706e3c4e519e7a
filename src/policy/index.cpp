#include "policy/index.h"

#include <algorithm>
#include <array>
#include <limits>
#include <span>

#include <fmt/format.h>

namespace airlock::policy {
namespace {

constexpr std::size_t kNone = std::numeric_limits<std::size_t>::max();

bool holds(const Principal* p, int role) {
  if (p == nullptr) return false;
  for (int r : p->roles)
    if (r == role) return true;
  return false;
}

enum class Miss { kNone, kAction, kRole, kPath, kSink, kTool, kCommand, kCondition, kConditionError };

struct Match {
  Miss miss = Miss::kNone;
  bool forUser = false;
  bool forAgent = false;
  bool conditionError = false;
};

// Does `rule` match? Shared by the index and the linear reference: only the choice of
// candidates differs between them.
Match matchRule(const Rule& rule, const EvalInput& in, std::span<const std::string_view> segs) {
  Match m;
  if (!(rule.actions & actionBit(in.action))) {
    m.miss = Miss::kAction;
    return m;
  }
  if (rule.role < 0) {
    m.forUser = m.forAgent = true;
  } else {
    m.forUser = holds(in.user, rule.role);
    m.forAgent = in.hasAgent && holds(in.agent, rule.role);
    if (!m.forUser && !m.forAgent) {
      m.miss = Miss::kRole;
      return m;
    }
  }
  if (!rule.paths.empty()) {
    bool any = false;
    if (!in.path.empty())
      for (const auto& g : rule.paths) any = any || g.matches(segs);
    if (!any) {
      m.miss = Miss::kPath;
      return m;
    }
  }
  if (!rule.sinks.empty()) {
    bool any = false;
    for (int s : rule.sinks) any = any || s == in.sink;
    if (!any) {
      m.miss = Miss::kSink;
      return m;
    }
  }
  if (!rule.tools.empty()) {
    bool any = false;
    for (const auto& g : rule.tools) any = any || g.matches(in.tool);
    if (!any) {
      m.miss = Miss::kTool;
      return m;
    }
  }
  if (!rule.commands.empty()) {
    bool any = false;
    for (const auto& g : rule.commands) any = any || g.matches(in.command);
    if (!any) {
      m.miss = Miss::kCommand;
      return m;
    }
  }
  if (rule.when) {
    if (in.fields == nullptr) {
      m.conditionError = true;
    } else {
      auto r = rule.when->evaluate(*in.fields);
      if (!r) {
        m.conditionError = true;
      } else if (!*r) {
        m.miss = Miss::kCondition;
        return m;
      }
    }
    if (m.conditionError && in.unknownsPossible) {
      m.conditionError = false;
      if (rule.effect != Effect::kAllow) m.miss = Miss::kCondition;
      return m;
    }
    // A condition that cannot be evaluated fails closed: a deny or ask rule applies, an allow
    // rule does not.
    if (m.conditionError && rule.effect == Effect::kAllow) {
      m.miss = Miss::kConditionError;
      return m;
    }
  }
  return m;
}

// Folds matches into a decision; order-independent (keeps the lowest rule index per slot).
class Combiner {
 public:
  void add(const Rule& rule, const Match& m) {
    ++visited_;
    if (m.conditionError) conditionError_ = true;
    if (m.miss != Miss::kNone) return;
    auto keep = [&](std::size_t& slot) {
      if (slot == kNone || rule.index < slot) slot = rule.index;
    };
    switch (rule.effect) {
      case Effect::kDeny: keep(deny_); break;
      case Effect::kAsk:
        keep(ask_);
        // An ask in the principal's own role is a grant that needs approval; a global ask only
        // restricts (it never grants on its own).
        if (rule.role >= 0) {
          if (m.forUser) keep(userGrant_);
          if (m.forAgent) keep(agentGrant_);
        }
        break;
      case Effect::kAllow:
        if (m.forUser) keep(userGrant_);
        if (m.forAgent) keep(agentGrant_);
        break;
    }
  }

  Evaluation finish(const Policy& policy, const EvalInput& in) const {
    Evaluation e;
    e.visited = visited_;
    e.conditionError = conditionError_;
    e.userGranted = userGrant_ != kNone;
    e.agentGranted = !in.hasAgent || agentGrant_ != kNone;
    const auto& rules = policy.rules();
    if (deny_ != kNone) {
      e.effect = Effect::kDeny;
      e.byDefault = false;
      e.rule = &rules[deny_];
      return e;
    }
    if (!e.userGranted || !e.agentGranted) {
      e.effect = policy.defaults().decision;
      e.byDefault = true;
      return e;
    }
    e.byDefault = false;
    if (ask_ != kNone) {
      e.effect = Effect::kAsk;
      e.rule = &rules[ask_];
      return e;
    }
    e.effect = Effect::kAllow;
    e.rule = &rules[in.hasAgent ? agentGrant_ : userGrant_];
    return e;
  }

 private:
  std::size_t deny_ = kNone;
  std::size_t ask_ = kNone;
  std::size_t userGrant_ = kNone;
  std::size_t agentGrant_ = kNone;
  bool conditionError_ = false;
  std::uint32_t visited_ = 0;
};

// Splits the request path into segments on the stack; requests with absurdly deep paths get
// a heap buffer (never silently truncated).
template <typename Fn>
auto withSegments(std::string_view path, Fn&& fn) {
  std::array<std::string_view, 128> buf;
  int n = splitPath(path, buf);
  if (n >= 0) return fn(std::span<const std::string_view>(buf.data(), static_cast<std::size_t>(n)));
  std::vector<std::string_view> big(path.size() / 2 + 1);
  n = splitPath(path, big);
  return fn(std::span<const std::string_view>(big.data(), static_cast<std::size_t>(n)));
}

std::string describeMiss(const Policy& policy, const Rule& rule, const EvalInput& in, const Match& m) {
  switch (m.miss) {
    case Miss::kNone:
      return m.conditionError ? "matched (its condition could not be evaluated; applied fail-closed)" : "matched";
    case Miss::kAction: return fmt::format("action is {}", core::actionName(in.action));
    case Miss::kRole: return fmt::format("role '{}' is held by neither the user nor the agent", policy.roles()[rule.role].name);
    case Miss::kPath: return in.path.empty() ? "the request has no path" : fmt::format("path {} does not match", in.path);
    case Miss::kSink:
      return in.sink < 0 ? "the request goes to no declared sink"
                         : fmt::format("sink is {}", policy.sinks()[in.sink].name);
    case Miss::kTool: return fmt::format("tool {} does not match", in.tool);
    case Miss::kCommand: return "command does not match";
    case Miss::kCondition: return fmt::format("condition is false: {}", rule.when->text());
    case Miss::kConditionError:
      return fmt::format("condition could not be evaluated, so this allow does not apply: {}", rule.when->text());
  }
  return "no match";
}

}  // namespace

RuleIndex::RuleIndex(const Policy& policy) : policy_(policy), actions_(core::kActionCount) {
  for (auto& a : actions_) {
    a.trie.emplace_back();
    a.bySink.resize(policy.sinks().size());
  }
  const auto& rules = policy.rules();
  for (std::uint32_t ri = 0; ri < rules.size(); ++ri) {
    const Rule& r = rules[ri];
    for (std::size_t act = 0; act < core::kActionCount; ++act) {
      if (!(r.actions & (1u << act))) continue;
      ActionIndex& ai = actions_[act];
      if (!r.paths.empty()) {
        for (const auto& g : r.paths) {
          for (const auto& alt : g.alternatives()) {
            std::uint32_t node = 0;
            for (std::size_t s = 0; s < alt.literalPrefix; ++s) {
              auto it = ai.trie[node].children.find(alt.segments[s]);
              if (it == ai.trie[node].children.end()) {
                auto next = static_cast<std::uint32_t>(ai.trie.size());
                ai.trie[node].children.emplace(alt.segments[s], next);
                ai.trie.emplace_back();
                node = next;
              } else {
                node = it->second;
              }
            }
            ai.trie[node].rules.add(r, ri);
          }
        }
      } else if (!r.sinks.empty()) {
        for (int s : r.sinks) ai.bySink[static_cast<std::size_t>(s)].add(r, ri);
      } else {
        ai.other.add(r, ri);
      }
    }
  }
  for (auto& a : actions_) {
    for (auto& n : a.trie) n.rules.seal();
    for (auto& b : a.bySink) b.seal();
    a.other.seal();
  }
}

void RuleIndex::Bucket::add(const Rule& rule, std::uint32_t index) {
  if (rule.role < 0) {
    if (global.empty() || global.back() != index) global.push_back(index);
  } else {
    byRole.emplace_back(rule.role, index);
  }
}

void RuleIndex::Bucket::seal() {
  std::sort(byRole.begin(), byRole.end());
  byRole.erase(std::unique(byRole.begin(), byRole.end()), byRole.end());
  byRole.shrink_to_fit();
  global.shrink_to_fit();
}

Evaluation RuleIndex::evaluate(const EvalInput& in) const {
  const ActionIndex& ai = actions_[static_cast<std::size_t>(in.action)];
  const auto& rules = policy_.rules();
  return withSegments(in.path, [&](std::span<const std::string_view> segs) {
    Combiner c;
    auto consider = [&](std::uint32_t ri) { c.add(rules[ri], matchRule(rules[ri], in, segs)); };
    auto visitRoles = [&](const Bucket& b, const Principal* p) {
      if (p == nullptr) return;
      for (int role : p->roles) {
        auto it = std::lower_bound(b.byRole.begin(), b.byRole.end(), std::pair<std::int32_t, std::uint32_t>{role, 0});
        for (; it != b.byRole.end() && it->first == role; ++it) consider(it->second);
      }
    };
    // Combiner::add is idempotent, so a role held by both user and agent may be visited twice.
    auto visit = [&](const Bucket& b) {
      for (std::uint32_t ri : b.global) consider(ri);
      if (b.byRole.empty()) return;
      visitRoles(b, in.user);
      if (in.hasAgent) visitRoles(b, in.agent);
    };
    if (!in.path.empty()) {
      std::uint32_t node = 0;
      visit(ai.trie[0].rules);
      for (std::string_view seg : segs) {
        auto it = ai.trie[node].children.find(seg);
        if (it == ai.trie[node].children.end()) break;
        node = it->second;
        visit(ai.trie[node].rules);
      }
    }
    if (in.sink >= 0 && static_cast<std::size_t>(in.sink) < ai.bySink.size())
      visit(ai.bySink[static_cast<std::size_t>(in.sink)]);
    visit(ai.other);
    return c.finish(policy_, in);
  });
}

Evaluation evaluateLinear(const Policy& policy, const EvalInput& in) {
  return withSegments(in.path, [&](std::span<const std::string_view> segs) {
    Combiner c;
    for (const Rule& r : policy.rules()) c.add(r, matchRule(r, in, segs));
    return c.finish(policy, in);
  });
}

std::vector<TraceEntry> explain(const Policy& policy, const EvalInput& in) {
  return withSegments(in.path, [&](std::span<const std::string_view> segs) {
    std::vector<TraceEntry> out;
    for (const Rule& r : policy.rules()) {
      Match m = matchRule(r, in, segs);
      out.push_back(TraceEntry{&r, m.miss == Miss::kNone, describeMiss(policy, r, in, m)});
    }
    return out;
  });
}

}  // namespace airlock::policy
