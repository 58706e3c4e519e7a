#pragma once
// `airlock policy lint` warnings (DESIGN.md "Policy file"): roles nobody has, sinks and label
// categories never used, rules that can never match (their role is held by no user or agent)
// and allow rules shadowed by an unconditional deny that covers them. Pure; thread-safe.

#include <string>
#include <vector>

#include "policy/policy.h"

namespace airlock::policy {

struct LintWarning {
  SourcePos pos;
  std::string code;     // "unused-role", "unused-sink", "unused-category", "never-matches", "shadowed"
  std::string message;
};

std::vector<LintWarning> lint(const Policy& policy);

}  // namespace airlock::policy
