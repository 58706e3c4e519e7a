#include "policy/lint.h"

#include <algorithm>

#include <fmt/format.h>

namespace airlock::policy {
namespace {

// Does glob `outer` match every path `inner` matches? Conservative: true only for the plain
// "prefix/**" form containing the other pattern's literal prefix, or identical patterns.
bool covers(const PathGlob& outer, const PathGlob& inner) {
  for (const auto& ia : inner.alternatives()) {
    bool covered = false;
    for (const auto& oa : outer.alternatives()) {
      if (oa.segments == ia.segments) {
        covered = true;
        break;
      }
      bool starStar = !oa.segments.empty() && oa.segments.back() == "**" && oa.literalPrefix == oa.segments.size() - 1;
      if (!starStar || ia.literalPrefix < oa.literalPrefix) continue;
      if (std::equal(oa.segments.begin(), oa.segments.begin() + static_cast<long>(oa.literalPrefix), ia.segments.begin())) {
        covered = true;
        break;
      }
    }
    if (!covered) return false;
  }
  return true;
}

bool coversRule(const Rule& deny, const Rule& allow) {
  if (deny.when) return false;
  if ((allow.actions & deny.actions) != allow.actions) return false;
  if (deny.role >= 0 && deny.role != allow.role) return false;
  if (!deny.paths.empty()) {
    if (allow.paths.empty()) return false;
    for (const auto& ap : allow.paths) {
      bool any = false;
      for (const auto& dp : deny.paths) any = any || covers(dp, ap);
      if (!any) return false;
    }
  }
  if (!deny.sinks.empty()) {
    if (allow.sinks.empty()) return false;
    for (int s : allow.sinks)
      if (std::find(deny.sinks.begin(), deny.sinks.end(), s) == deny.sinks.end()) return false;
  }
  if (!deny.tools.empty() || !deny.commands.empty()) return false;  // not analysed: assume no cover
  return true;
}

}  // namespace

std::vector<LintWarning> lint(const Policy& p) {
  std::vector<LintWarning> out;
  std::vector<bool> roleUsed(p.roles().size(), false);
  for (const auto* map : {&p.users(), &p.agents()})
    for (const auto& [name, who] : *map)
      for (int r : who.roles) roleUsed[static_cast<std::size_t>(r)] = true;
  for (std::size_t i = 0; i < p.roles().size(); ++i)
    if (!roleUsed[i])
      out.push_back({p.roles()[i].pos, "unused-role",
                     fmt::format("role '{}' is held by no user or agent", p.roles()[i].name)});

  std::vector<bool> sinkUsed(p.sinks().size(), false);
  for (const auto& r : p.rules())
    for (int s : r.sinks) sinkUsed[static_cast<std::size_t>(s)] = true;
  for (std::size_t i = 0; i < p.sinks().size(); ++i)
    if (!sinkUsed[i])
      out.push_back({p.sinks()[i].pos, "unused-sink",
                     fmt::format("sink '{}' is named by no rule: requests to it are decided by rules without a "
                                 "sink matcher, or by the default", p.sinks()[i].name)});

  std::uint64_t catsUsed = 0;
  for (const auto& c : p.classify()) catsUsed |= c.label.categories;
  for (const auto& s : p.sinks()) catsUsed |= s.clearance.categories;
  for (const auto& l : p.limits()) catsUsed |= l.label.categories;
  const auto& cats = p.lattice().categories();
  for (std::size_t i = 0; i < cats.size(); ++i)
    if (!(catsUsed & (1ULL << i)))
      out.push_back({{}, "unused-category", fmt::format("label category '{}' is used by no classify rule, sink or limit", cats[i])});

  for (const auto& r : p.rules()) {
    if (r.role >= 0 && !roleUsed[static_cast<std::size_t>(r.role)])
      out.push_back({r.pos, "never-matches",
                     fmt::format("rule {} can never match: role '{}' is held by nobody", r.id, p.roles()[r.role].name)});
    if (r.effect == Effect::kDeny) continue;
    for (const auto& d : p.rules()) {
      if (d.effect != Effect::kDeny || &d == &r) continue;
      if (coversRule(d, r)) {
        out.push_back({r.pos, "shadowed",
                       fmt::format("rule {} ({}) never takes effect: deny rule {} covers everything it matches", r.id,
                                   effectName(r.effect), d.id)});
        break;
      }
    }
  }
  std::stable_sort(out.begin(), out.end(), [](const LintWarning& a, const LintWarning& b) {
    return a.pos.line < b.pos.line || (a.pos.line == b.pos.line && a.pos.col < b.pos.col);
  });
  return out;
}

}  // namespace airlock::policy
