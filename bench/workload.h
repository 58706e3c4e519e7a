#pragma once
// The neutral policy-bench workload (../shared/bench/policy/README.md): load workload.json,
// turn it into an airlock policy, and generate synthetic workloads of any size with the same
// shape for the scaling benchmark.

#include <string>
#include <vector>

namespace airlock::bench {

struct BenchRule {
  std::string id, effect, role, action, prefix;
};
struct BenchUser {
  std::string id;
  std::vector<std::string> roles;
};
struct BenchRequest {
  std::string user, action, path, expected;
  std::vector<std::string> expectedReasons;
};
struct Workload {
  std::vector<std::string> roles;
  std::vector<BenchUser> users;
  std::vector<BenchRule> rules;
  std::vector<BenchRequest> requests;
};

// Reads workload.json; throws std::runtime_error with a message on a malformed file.
Workload loadWorkload(const std::string& path);
// A deterministic synthetic workload with about `nRules` rules (allow over roles × prefixes ×
// actions plus 5 % deny carve-outs) and `nRequests` requests; expectations are not filled.
Workload syntheticWorkload(int nRules, int nRequests, unsigned seed);
// The airlock policy YAML for a workload: roles with allow/deny lists, role "*" as global rules,
// path prefixes as `prefix/**` globs, actions read/write/exec as fs.read/fs.write/exec.
std::string toPolicyYaml(const Workload& w);
// read → fs.read, write → fs.write, exec → exec.
std::string airlockAction(const std::string& benchAction);

}  // namespace airlock::bench
