// Google Benchmark: per-decision cost of the compiled index and of the linear reference
// evaluator as the policy grows from 100 to 10,000 rules (the index must stay flat), and the
// whole gate pipeline (canonicalization, session, flow checks, audit append) per request.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <memory>

#include "gate/gate.h"
#include "policy/index.h"
#include "workload.h"

namespace {

using airlock::policy::EvalInput;
using airlock::policy::Policy;

struct Loaded {
  std::shared_ptr<const Policy> policy;
  std::vector<EvalInput> inputs;
  std::vector<std::string> paths;
};

const Loaded& loaded(int rules) {
  static std::map<int, std::unique_ptr<Loaded>> cache;
  auto& slot = cache[rules];
  if (!slot) {
    auto w = airlock::bench::syntheticWorkload(rules, 4096, 42);
    auto p = Policy::load(airlock::bench::toPolicyYaml(w), "scaling.yaml", "/nonexistent");
    if (!p) {
      std::fprintf(stderr, "%s\n", p.error().toString().c_str());
      std::abort();
    }
    slot = std::make_unique<Loaded>();
    slot->policy = *p;
    slot->paths.reserve(w.requests.size());
    for (const auto& r : w.requests) slot->paths.push_back(r.path);
    for (std::size_t i = 0; i < w.requests.size(); ++i) {
      EvalInput in;
      in.action = *airlock::core::parseAction(airlock::bench::airlockAction(w.requests[i].action));
      in.path = slot->paths[i];
      in.command = slot->paths[i];
      in.user = slot->policy->user(w.requests[i].user);
      slot->inputs.push_back(in);
    }
  }
  return *slot;
}

void BM_IndexDecision(benchmark::State& state) {
  const Loaded& l = loaded(static_cast<int>(state.range(0)));
  std::size_t i = 0;
  for (auto _ : state) {
    auto e = l.policy->index().evaluate(l.inputs[i++ & 4095]);
    benchmark::DoNotOptimize(e);
  }
  state.counters["rules"] = static_cast<double>(l.policy->rules().size());
}
BENCHMARK(BM_IndexDecision)->Arg(100)->Arg(1000)->Arg(10000);

void BM_LinearDecision(benchmark::State& state) {
  const Loaded& l = loaded(static_cast<int>(state.range(0)));
  std::size_t i = 0;
  for (auto _ : state) {
    auto e = airlock::policy::evaluateLinear(*l.policy, l.inputs[i++ & 4095]);
    benchmark::DoNotOptimize(e);
  }
  state.counters["rules"] = static_cast<double>(l.policy->rules().size());
}
BENCHMARK(BM_LinearDecision)->Arg(100)->Arg(1000)->Arg(10000);

// The full gate on the cowork policy: a Documents read (session updated, audit appended).
void BM_GateDecide(benchmark::State& state) {
  char tmpl[] = "/tmp/airlock-bench-XXXXXX";
  if (!mkdtemp(tmpl)) std::abort();
  std::string root = tmpl;
  std::filesystem::create_directories(root + "/home/Documents");
  auto pol = Policy::loadFile(AIRLOCK_SOURCE_DIR "/policies/cowork.yaml", root + "/home");
  if (!pol) std::abort();
  airlock::gate::GateOptions o;
  o.stateDir = root + "/state";
  o.home = root + "/home";
  o.cwd = root + "/home";
  auto g = airlock::gate::Gate::open(*pol, o);
  if (!g) std::abort();
  airlock::core::Request r;
  r.user = "alice";
  r.agent = "cowork";
  r.session = "bench";
  r.adapter = "bench";
  r.action = airlock::core::Action::kFsRead;
  r.path = "~/Documents/report.docx";
  for (auto _ : state) {
    auto d = (*g)->decide(r);
    benchmark::DoNotOptimize(d);
  }
  g->reset();
  std::filesystem::remove_all(root);
}
BENCHMARK(BM_GateDecide)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
