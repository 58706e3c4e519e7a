// Google Benchmark: per-decision cost of the compiled index and of the linear reference
// evaluator as the policy grows from 100 to 10,000 rules (the index must stay flat), and the
// whole gate pipeline (canonicalization, session, flow checks, audit append) per request.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <memory>

#include "adapters/mcp/mcp.h"
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

// A gate on `policy` with its state in a fresh temporary directory (removed by the destructor).
struct BenchGate {
  std::string root;
  std::unique_ptr<airlock::gate::Gate> gate;
  template <class Load>
  explicit BenchGate(Load load) {
    char tmpl[] = "/tmp/airlock-bench-XXXXXX";
    if (!mkdtemp(tmpl)) std::abort();
    root = tmpl;
    std::filesystem::create_directories(root + "/home/Documents");
    auto pol = load(root + "/home");
    if (!pol) std::abort();
    airlock::gate::GateOptions o;
    o.stateDir = root + "/state";
    o.home = o.cwd = root + "/home";
    auto g = airlock::gate::Gate::open(*pol, o);
    if (!g) std::abort();
    gate = std::move(*g);
  }
  ~BenchGate() {
    gate.reset();
    std::filesystem::remove_all(root);
  }
};

// The full gate on the cowork policy: a Documents read (session updated, audit appended).
void BM_GateDecide(benchmark::State& state) {
  BenchGate g([](const std::string& home) { return Policy::loadFile(AIRLOCK_SOURCE_DIR "/policies/cowork.yaml", home); });
  airlock::core::Request r;
  r.user = "alice";
  r.agent = "cowork";
  r.session = "bench";
  r.adapter = "bench";
  r.action = airlock::core::Action::kFsRead;
  r.path = "~/Documents/report.docx";
  for (auto _ : state) {
    auto d = g.gate->decide(r);
    benchmark::DoNotOptimize(d);
  }
}
BENCHMARK(BM_GateDecide)->Unit(benchmark::kMicrosecond);

// `airlock mcp`'s own work per tools/call, without I/O: the call decided (session read, audit
// append) and its result observed (inspection, session update, audit append), as the relay does.
void BM_McpToolsCall(benchmark::State& state) {
  BenchGate g([](const std::string& home) {
    return Policy::load("version: 1\nusers:\n  bench: { roles: [dev] }\nroles:\n  dev:\n    allow:\n"
                        "      - { action: tool.call, tool: [\"everything/*\"] }\ndefaults: { decision: deny }\n",
                        "bench.yaml", home);
  });
  airlock::mcp::Options mo;
  mo.server = "everything";
  mo.user = "bench";
  mo.session = "bench";
  airlock::mcp::Relay relay(*g.gate, mo);
  std::string toServer, toClient;
  relay.fromServer(R"({"jsonrpc":"2.0","id":0,"result":{"tools":[{"name":"echo","description":"Echoes back the input",)"
                   R"("inputSchema":{"type":"object","properties":{"message":{"type":"string"}}}}]}})",
                   toClient, toServer);
  relay.fromClient(R"({"jsonrpc":"2.0","id":0,"method":"tools/list"})", toServer, toClient);
  relay.fromServer(R"({"jsonrpc":"2.0","id":0,"result":{"tools":[{"name":"echo","description":"Echoes back the input",)"
                   R"("inputSchema":{"type":"object","properties":{"message":{"type":"string"}}}}]}})",
                   toClient, toServer);
  for (auto _ : state) {
    toServer.clear();
    toClient.clear();
    relay.fromClient(R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"message":"hello"}}})",
                     toServer, toClient);
    relay.fromServer(R"({"jsonrpc":"2.0","id":1,"result":{"content":[{"type":"text","text":"Echo: hello"}]}})", toClient,
                     toServer);
    if (toServer.empty() || toClient.find("Echo: hello") == std::string::npos) std::abort();
  }
}
BENCHMARK(BM_McpToolsCall)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
