// Times airlock's policy engine on the shared policy-bench workload (../shared/bench/policy),
// measured the way that harness measures Cedar and casbin: load, check every decision and its
// determining rule against the expectations, warm up 2,000 decisions, then time N decisions
// one by one with steady_clock, cycling the 10,000 requests in file order. Prints one JSON
// line in the harness's results format (summarize.mjs tables it).
//
//   policy_workload WORKLOAD.json [--n N] [--variant index|linear]
#include <sys/utsname.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "policy/index.h"
#include "policy/policy.h"
#include "workload.h"

using airlock::policy::EvalInput;
using airlock::policy::Evaluation;
using airlock::policy::Policy;
using Clock = std::chrono::steady_clock;

namespace {

std::string cpuModel() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  return "unknown";
}

std::int64_t quantile(const std::vector<std::int64_t>& sorted, double q) {
  auto i = static_cast<std::size_t>(std::llround(q * static_cast<double>(sorted.size() - 1)));
  return sorted[std::min(i, sorted.size() - 1)];
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: policy_workload WORKLOAD.json [--n N] [--variant index|linear]\n");
    return 2;
  }
  std::string path = argv[1];
  std::size_t n = 100000;
  std::string variant = "index";
  for (int i = 2; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--n") == 0) n = std::stoul(argv[i + 1]);
    else if (std::strcmp(argv[i], "--variant") == 0) variant = argv[i + 1];
  }
  const bool linear = variant == "linear";

  auto w = airlock::bench::loadWorkload(path);
  auto t0 = Clock::now();
  auto loaded = Policy::load(airlock::bench::toPolicyYaml(w), "workload.yaml", "/nonexistent");
  double loadMs = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
  if (!loaded) {
    std::fprintf(stderr, "policy: %s\n", loaded.error().toString().c_str());
    return 1;
  }
  const Policy& pol = **loaded;

  // Requests prepared as engine input before timing (as the peers' harness does); the user's
  // name → principal lookup stays inside each timed decision.
  struct Prepared {
    airlock::core::Action action;
    std::string path;
    std::string user;
  };
  std::vector<Prepared> reqs;
  for (const auto& r : w.requests)
    reqs.push_back({*airlock::core::parseAction(airlock::bench::airlockAction(r.action)), r.path, r.user});

  auto decide = [&](const Prepared& p) -> Evaluation {
    EvalInput in;
    in.action = p.action;
    in.path = p.path;
    in.command = p.path;
    in.user = pol.user(p.user);
    return linear ? airlock::policy::evaluateLinear(pol, in) : pol.index().evaluate(in);
  };

  // Correctness: decision and determining rule for every request.
  std::size_t decisionMismatches = 0, reasonMismatches = 0;
  for (std::size_t i = 0; i < reqs.size(); ++i) {
    Evaluation e = decide(reqs[i]);
    bool allow = e.effect == airlock::policy::Effect::kAllow;
    const auto& want = w.requests[i];
    if (allow != (want.expected == "allow")) ++decisionMismatches;
    const auto& reasons = want.expectedReasons;
    bool reasonOk = e.rule == nullptr
                        ? reasons.empty()
                        : std::find(reasons.begin(), reasons.end(), e.rule->id) != reasons.end();
    if (!reasonOk) ++reasonMismatches;
  }

  const std::size_t warmup = 2000;
  std::size_t allowCount = 0;
  for (std::size_t i = 0; i < warmup; ++i)
    allowCount += decide(reqs[i % reqs.size()]).effect == airlock::policy::Effect::kAllow;
  std::vector<std::int64_t> lat(n);
  auto start = Clock::now();
  for (std::size_t i = 0; i < n; ++i) {
    auto a = Clock::now();
    Evaluation e = decide(reqs[i % reqs.size()]);
    auto b = Clock::now();
    lat[i] = std::chrono::duration_cast<std::chrono::nanoseconds>(b - a).count();
    allowCount += e.effect == airlock::policy::Effect::kAllow;
  }
  auto totalNs = std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - start).count();
  std::sort(lat.begin(), lat.end());
  std::vector<std::int64_t> timer(200000);
  for (auto& t : timer) {
    auto a = Clock::now();
    auto b = Clock::now();
    t = std::chrono::duration_cast<std::chrono::nanoseconds>(b - a).count();
  }
  std::sort(timer.begin(), timer.end());

  utsname u{};
  uname(&u);
  nlohmann::json out = {
      {"engine", "airlock"},
      {"engine_version", "0.1.0"},
      {"variant", linear ? "linear (reference)" : "index"},
      {"api", linear ? "policy::evaluateLinear" : "policy::RuleIndex::evaluate"},
      {"rules", w.rules.size()},
      {"distinct_requests", reqs.size()},
      {"decision_mismatches", decisionMismatches},
      {"reason_mismatches", reasonMismatches},
      {"load_ms", std::round(loadMs * 10) / 10},
      {"timer_overhead_ns", quantile(timer, 0.5)},
      {"n", n},
      {"warmup", warmup},
      {"median_ns", quantile(lat, 0.5)},
      {"p90_ns", quantile(lat, 0.9)},
      {"p99_ns", quantile(lat, 0.99)},
      {"max_ns", lat.back()},
      {"mean_ns", totalNs / static_cast<std::int64_t>(n)},
      {"decisions_per_s", static_cast<std::int64_t>(static_cast<double>(n) / (static_cast<double>(totalNs) / 1e9))},
      {"timed_loop_ms", totalNs / 1000000},
      {"allow_count_incl_warmup", allowCount},
      {"env", {{"cpu", cpuModel()}, {"kernel", u.release}, {"compiler", __VERSION__}}},
  };
  std::printf("%s\n", out.dump().c_str());
  return decisionMismatches == 0 && reasonMismatches == 0 ? 0 : 1;
}
