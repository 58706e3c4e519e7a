#pragma once
// What every subcommand shares: the environment (read once), policy resolution
// (--policy, $AIRLOCK_POLICY, ${XDG_CONFIG_HOME:-~/.config}/airlock/policy.yaml, built-in
// default) and opening the gate on $AIRLOCK_HOME. Not thread-safe; one per process.

#include <memory>
#include <string>

#include "core/env.h"
#include "core/result.h"
#include "gate/gate.h"
#include "policy/policy.h"

namespace airlock::cli {

// Exit codes (docs/cli.md).
inline constexpr int kExitOk = 0;
inline constexpr int kExitFail = 1;   // a check failed: denied, verification failed, test mismatch
inline constexpr int kExitUsage = 2;  // usage or input error (bad flags, unparsable policy or input)

struct Context {
  core::Environment env;
  std::string policyFlag;  // --policy

  // Where the policy comes from, for messages: a path or "built-in default".
  std::string policySource() const;
  core::Result<std::shared_ptr<const policy::Policy>> loadPolicy() const;
  core::Result<std::unique_ptr<gate::Gate>> openGate(std::shared_ptr<const policy::Policy> policy) const;
  std::string stateDir() const { return gate::stateDirectory(env); }
  std::string user() const;  // $AIRLOCK_USER, else the OS user
  // The airlock-pdf helper (PDF inspection): $AIRLOCK_PDF_HELPER, else next to this executable.
  std::string pdfHelper() const;
};

// The built-in default policy (policies/default.yaml, embedded at build time).
extern const char* const kBuiltinPolicy;
// policies/cowork.yaml, the incident's setting, used by `airlock demo`.
extern const char* const kCoworkPolicy;

// Reads all of a file descriptor, up to `limit` bytes; kInvalidArgument when larger.
core::Result<std::string> readAll(int fd, std::size_t limit);

}  // namespace airlock::cli
