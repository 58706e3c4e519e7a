// Google Benchmark: per-decision cost of the compiled index and of the linear reference
// evaluator as the policy grows from 100 to 10,000 rules (the index must stay flat), and the
// whole gate pipeline (canonicalization, session, flow checks, audit append) per request.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <memory>

#include "adapters/mcp/mcp.h"
#include "audit/audit_log.h"
#include "core/sqlite_db.h"
#include "flow/session.h"
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

// A fresh temporary directory, removed with everything in it by the destructor.
struct BenchDir {
  std::string root;
  BenchDir() {
    char tmpl[] = "/tmp/airlock-bench-XXXXXX";
    if (!mkdtemp(tmpl)) std::abort();
    root = tmpl;
  }
  ~BenchDir() { std::filesystem::remove_all(root); }
};

// A gate on `policy` with its state in a fresh temporary directory (removed by the destructor).
struct BenchGate {
  BenchDir dir;
  std::unique_ptr<airlock::gate::Gate> gate;
  template <class Load>
  explicit BenchGate(Load load) {
    std::filesystem::create_directories(dir.root + "/home/Documents");
    auto pol = load(dir.root + "/home");
    if (!pol) std::abort();
    airlock::gate::GateOptions o;
    o.stateDir = dir.root + "/state";
    o.home = o.cwd = dir.root + "/home";
    auto g = airlock::gate::Gate::open(*pol, o);
    if (!g) std::abort();
    gate = std::move(*g);
  }
  ~BenchGate() { gate.reset(); }  // before the directory goes
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

// The stores' own costs, one SQLite transaction each: an audit append, a session update, a
// session read. What every audited decision pays (see BM_GateDecide, BM_McpToolsCall).
void BM_AuditAppend(benchmark::State& state) {
  BenchDir dir;
  airlock::core::SystemClock clock;
  auto log = airlock::audit::AuditLog::open(dir.root + "/audit.db", clock);
  if (!log) std::abort();
  airlock::audit::Event e;
  e.kind = "decision";
  e.user = "bench";
  e.session = "bench";
  e.adapter = "mcp";
  e.action = "tool.call";
  e.resource = "everything/echo";
  e.decision = "allow";
  e.reason = "allow.rule";
  e.reasons = {"allowed by rule dev.allow[0]"};
  e.sessionLabel = e.payloadLabel = "public";
  for (auto _ : state) {
    e.timeMicros = 0;
    if (!(*log)->append(e)) std::abort();
  }
}
BENCHMARK(BM_AuditAppend)->Unit(benchmark::kMicrosecond);

// A session store in a fresh temporary directory.
struct BenchSessions {
  BenchDir dir;
  airlock::core::SystemClock clock;
  std::unique_ptr<airlock::flow::SessionStore> store;
  BenchSessions() {
    auto s = airlock::flow::SessionStore::open(dir.root + "/sessions.db", clock);
    if (!s) std::abort();
    store = std::move(*s);
  }
};

void BM_SessionUpdate(benchmark::State& state) {
  BenchSessions b;
  for (auto _ : state) {
    auto s = b.store->update("bench", [](airlock::flow::SessionState& s) -> airlock::core::Status {
      s.bytesRead += 10;
      return {};
    });
    if (!s) std::abort();
  }
}
BENCHMARK(BM_SessionUpdate)->Unit(benchmark::kMicrosecond);

void BM_SessionLoad(benchmark::State& state) {
  BenchSessions b;
  (void)b.store->update("bench", [](airlock::flow::SessionState&) -> airlock::core::Status { return {}; });
  for (auto _ : state) {
    auto s = b.store->load("bench");
    if (!s) std::abort();
    benchmark::DoNotOptimize(s);
  }
}
BENCHMARK(BM_SessionLoad)->Unit(benchmark::kMicrosecond);

// What a SQLite write transaction costs by the pages it writes (WAL, synchronous=NORMAL, as the
// stores open their files), without airlock's code: 0 an empty BEGIN IMMEDIATE/COMMIT; 1 one
// row updated (a session write); 2 a 600-byte row inserted and a head row updated in another
// table (an audit append's shape); 3 both of those and the session row in one database and one
// transaction; 4 the session row in one database, then the audit shape in another (what an
// observation does today). Every page a transaction changes is one 4 KiB WAL frame.
void BM_SqliteCommit(benchmark::State& state) {
  BenchDir dir;
  auto open = [&](const std::string& name) {
    auto db = airlock::core::openStateDb(dir.root + "/" + name, "bench");
    if (!db) std::abort();
    if (sqlite3_exec(db->get(),
                     "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT); CREATE TABLE events(seq INTEGER PRIMARY KEY, "
                     "record TEXT); CREATE TABLE sessions(id TEXT PRIMARY KEY, state TEXT); INSERT INTO meta "
                     "VALUES('head', '0'); INSERT INTO sessions VALUES('s', '0');",
                     nullptr, nullptr, nullptr) != SQLITE_OK)
      std::abort();
    return std::move(*db);
  };
  airlock::core::SqliteDb a = open("a.db"), b = open("b.db");
  struct Stmts {
    airlock::core::SqliteStmt begin, commit, insert, head, session;
  } sa, sb;
  auto prepare = [](sqlite3* db, Stmts& s) {
    auto one = [db](const char* sql) {
      auto st = airlock::core::sqlitePrepare(db, sql, "bench", "");
      if (!st) std::abort();
      return std::move(*st);
    };
    s.begin = one("BEGIN IMMEDIATE");
    s.commit = one("COMMIT");
    s.insert = one("INSERT INTO events(record) VALUES(?1)");
    s.head = one("UPDATE meta SET value = ?1 WHERE key = 'head'");
    s.session = one("UPDATE sessions SET state = ?1 WHERE id = 's'");
  };
  prepare(a.get(), sa);
  prepare(b.get(), sb);
  const std::string record(600, 'r');
  std::int64_t n = 0;
  auto step = [](airlock::core::SqliteStmt& s) {
    if (sqlite3_step(s.get()) != SQLITE_DONE) std::abort();
    sqlite3_reset(s.get());
  };
  auto bindStep = [&](airlock::core::SqliteStmt& s, const std::string& v) {
    sqlite3_bind_text(s.get(), 1, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
    step(s);
  };
  const int mode = static_cast<int>(state.range(0));
  for (auto _ : state) {
    const std::string v = std::to_string(++n);
    if (mode == 4) {
      step(sb.begin);
      bindStep(sb.session, v);
      step(sb.commit);
    }
    step(sa.begin);
    if (mode == 1 || mode == 3) bindStep(sa.session, v);
    if (mode >= 2) {
      bindStep(sa.insert, record);
      bindStep(sa.head, v);
    }
    step(sa.commit);
  }
}
BENCHMARK(BM_SqliteCommit)->DenseRange(0, 4)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
