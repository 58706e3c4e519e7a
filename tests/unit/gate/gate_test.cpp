#include "gate/gate.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "core/digest.h"
#include "core/redact.h"

using airlock::core::Action;
using airlock::core::Decision;
using airlock::core::Reason;
using airlock::core::reasonCode;
using airlock::core::Request;
using airlock::core::Verdict;
using airlock::gate::Gate;
using airlock::gate::GateOptions;
using airlock::policy::Policy;

namespace {

const std::string kOrgKey = "sk-org-key-0001";

std::string policyYaml() {
  return R"(version: 1
users:
  alice: { roles: [analyst] }
  bob: { roles: [intern] }
agents:
  cowork: { roles: [office-agent] }
  rogue: { roles: [] }
classify:
  - { path: "~/Finance/**", label: "confidential{financial}" }
  - { path: "~/.ssh/**", label: "secret{credentials}" }
sinks:
  model:
    http: { hosts: [api.model.test], methods: [POST], paths: ["/v1/messages", "/v1/files"] }
    credentials: { header: x-api-key, sha256: [")" + airlock::core::sha256Hex(kOrgKey) + R"("] }
    clearance: "confidential{pii,financial}"
  bearer:
    http: { hosts: ["*.bearer.test"] }
    credentials: { sha256: [")" + airlock::core::sha256Hex(kOrgKey) + R"("] }
    clearance: "confidential{financial}"
  pastebin:
    http: { hosts: [paste.test] }
    clearance: public
roles:
  analyst:
    allow:
      - { action: [fs.read, fs.list], path: ["~/Documents/**", "~/Finance/**", "~/.ssh/**"] }
      - { action: fs.write, path: "~/Documents/**" }
      - { action: net.request }
      - { action: exec }
  intern:
    allow:
      - { action: fs.read, path: "~/Documents/**" }
  office-agent:
    allow:
      - { id: agent-docs, action: [fs.read, fs.list], path: "~/Documents/**" }
      - { id: agent-out, action: fs.write, path: "~/Documents/out/**" }
      - { id: agent-net, action: net.request, sink: [model, bearer, pastebin] }
      - { id: agent-exec, action: exec }
    ask:
      - { id: agent-finance, action: fs.read, path: "~/Finance/**" }
    deny:
      - { id: agent-no-rm, action: exec, command: "rm *" }
rules:
  - id: secrets
    deny: { action: [fs.read, fs.list, fs.write, fs.delete] }
    when: request.label >= secret
  - id: untrusted-confidential
    ask: { action: net.request }
    when: session.untrusted && session.label >= confidential
limits:
  - { id: finance-volume, action: fs.read, label: ">= confidential", max_files: 2, then: ask }
defaults: { decision: deny, non_interactive_ask: deny }
)";
}

class GateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/airlock-gate-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    root_ = tmpl;
    home_ = root_ + "/home";
    std::filesystem::create_directories(home_ + "/Documents/out");
    std::filesystem::create_directories(home_ + "/Finance");
    std::filesystem::create_directories(home_ + "/.ssh");
    for (const char* f : {"/Finance/a.csv", "/Finance/b.csv", "/Finance/c.csv", "/Documents/report.txt", "/.ssh/id_rsa"})
      std::ofstream(home_ + f) << "data";
    gate_ = open();
  }
  void TearDown() override {
    gate_.reset();
    std::filesystem::remove_all(root_);
  }
  std::unique_ptr<Gate> open() {
    auto pol = Policy::load(policyYaml(), "test.yaml", home_);
    EXPECT_TRUE(pol.ok()) << (pol.ok() ? "" : pol.error().toString());
    GateOptions o;
    o.stateDir = root_ + "/state";
    o.home = home_;
    o.cwd = home_;
    auto g = Gate::open(*pol, o);
    EXPECT_TRUE(g.ok()) << (g.ok() ? "" : g.error().toString());
    return g.ok() ? std::move(*g) : nullptr;
  }
  Request req(Action a, const std::string& user = "alice", const std::string& agent = "cowork") {
    Request r;
    r.user = user;
    r.agent = agent;
    r.session = "s1";
    r.adapter = "test";
    r.action = a;
    return r;
  }
  Request read(const std::string& path, const std::string& session = "s1") {
    Request r = req(Action::kFsRead);
    r.path = path;
    r.session = session;
    return r;
  }
  Request post(const std::string& url, const std::string& key) {
    Request r = req(Action::kNetRequest);
    r.url = url;
    r.method = "POST";
    if (!key.empty()) r.headers.emplace_back("X-Api-Key", key);
    return r;
  }
  static std::string code(const Decision& d) { return std::string(reasonCode(d.reason)); }

  std::string root_, home_;
  std::unique_ptr<Gate> gate_;
  airlock::core::SystemClock clock_;
};

TEST_F(GateTest, AgentNeverExceedsItsUser) {
  // bob (intern) may read Documents; the agent may too: allowed.
  auto d = gate_->decide(read("~/Documents/report.txt"));
  EXPECT_EQ(d.verdict, Verdict::kAllow) << code(d);
  EXPECT_EQ(d.rule, "agent-docs");
  // The agent may write ~/Documents/out, but bob may not write at all: default deny naming bob.
  Request w = req(Action::kFsWrite, "bob");
  w.path = "~/Documents/out/x.txt";
  d = gate_->decide(w);
  EXPECT_EQ(d.verdict, Verdict::kDeny);
  EXPECT_EQ(code(d), "deny.default");
  ASSERT_FALSE(d.reasons.empty());
  EXPECT_NE(d.reasons[0].find("user bob"), std::string::npos) << d.reasons[0];
  // alice may write all of Documents, the agent only out/: default deny naming the agent.
  w = req(Action::kFsWrite);
  w.path = "~/Documents/notes.txt";
  d = gate_->decide(w);
  EXPECT_EQ(code(d), "deny.default");
  EXPECT_NE(d.reasons[0].find("agent cowork"), std::string::npos) << d.reasons[0];
  // Without an agent, alice's own roles decide.
  w.agent.clear();
  d = gate_->decide(w);
  EXPECT_EQ(d.verdict, Verdict::kAllow) << code(d);
  // An agent the policy gives no roles can do nothing, whatever its user may.
  Request r = read("~/Documents/report.txt");
  r.agent = "rogue";
  EXPECT_EQ(code(gate_->decide(r)), "deny.default");
  // An unknown user has no roles.
  r = read("~/Documents/report.txt");
  r.user = "mallory";
  EXPECT_EQ(code(gate_->decide(r)), "deny.default");
}

TEST_F(GateTest, DenyOverridesAskOverridesAllow) {
  // .ssh: alice allows, the global deny (label >= secret) wins.
  Request r = read("~/.ssh/id_rsa");
  r.agent.clear();
  auto d = gate_->decide(r);
  EXPECT_EQ(d.verdict, Verdict::kDeny);
  EXPECT_EQ(code(d), "deny.rule");
  EXPECT_EQ(d.rule, "secrets");
  // Finance: alice allows, the agent asks → ask when interactive, deny when nobody can answer.
  r = read("~/Finance/a.csv");
  r.interactive = true;
  d = gate_->decide(r);
  EXPECT_EQ(d.verdict, Verdict::kAsk);
  EXPECT_EQ(code(d), "ask.rule");
  EXPECT_EQ(d.rule, "agent-finance");
  r.interactive = false;
  d = gate_->decide(r);
  EXPECT_EQ(d.verdict, Verdict::kDeny);
  EXPECT_EQ(code(d), "deny.ask.non_interactive");
  // The person asked said yes: the ask becomes an allow that says so, and the read raises the
  // session's label like any allowed read; an approval never turns a deny into an allow.
  r.interactive = true;
  r.approved = true;
  d = gate_->decide(r);
  EXPECT_EQ(d.verdict, Verdict::kAllow);
  EXPECT_EQ(code(d), "allow.ask.approved");
  EXPECT_EQ(d.rule, "agent-finance");
  EXPECT_NE(d.sessionLabel, airlock::core::Label{});
  Request secret = read("~/.ssh/id_rsa");
  secret.agent.clear();
  secret.approved = true;
  EXPECT_EQ(code(gate_->decide(secret)), "deny.rule");
  // A command deny in the agent's role overrides its exec allow.
  Request e = req(Action::kExec);
  e.command = "rm -rf /";
  d = gate_->decide(e);
  EXPECT_EQ(d.rule, "agent-no-rm");
  EXPECT_EQ(d.verdict, Verdict::kDeny);
}

TEST_F(GateTest, SymlinkIntoSecretsIsJudgedByItsTarget) {
  std::filesystem::create_symlink(home_ + "/.ssh/id_rsa", home_ + "/Documents/innocent.txt");
  auto d = gate_->decide(read("~/Documents/innocent.txt"));
  EXPECT_EQ(d.verdict, Verdict::kDeny);
  EXPECT_EQ(d.rule, "secrets");
  EXPECT_EQ(d.resource, home_ + "/.ssh/id_rsa");
  d = gate_->decide(read("~/Documents/../.ssh/./id_rsa"));
  EXPECT_EQ(d.rule, "secrets");
}

TEST_F(GateTest, CredentialPinning) {
  auto d = gate_->decide(post("https://api.model.test/v1/messages", kOrgKey));
  EXPECT_EQ(d.verdict, Verdict::kAllow) << code(d) << " " << (d.reasons.empty() ? "" : d.reasons[0]);
  EXPECT_EQ(d.sink, "model");
  d = gate_->decide(post("https://api.model.test/v1/files", "sk-attacker"));
  EXPECT_EQ(code(d), "deny.sink.credential_mismatch");
  EXPECT_EQ(d.reasons[0].find("sk-attacker"), std::string::npos) << "the key itself must never be shown";
  d = gate_->decide(post("https://api.model.test/v1/files", ""));
  EXPECT_EQ(code(d), "deny.sink.credential_mismatch");
  // Two keys on one request: refuse rather than guess which one upstream uses.
  Request two = post("https://api.model.test/v1/messages", kOrgKey);
  two.headers.emplace_back("x-api-key", "sk-attacker");
  EXPECT_EQ(code(gate_->decide(two)), "deny.sink.credential_mismatch");
  // Spelling of the host does not matter: case, trailing dot.
  d = gate_->decide(post("https://API.Model.TEST./v1/messages", "sk-attacker"));
  EXPECT_EQ(code(d), "deny.sink.credential_mismatch");
  // Bearer form on a wildcard host.
  Request b = req(Action::kNetRequest);
  b.url = "https://eu.bearer.test/upload";
  b.method = "PUT";
  b.headers.emplace_back("Authorization", "Bearer " + kOrgKey);
  EXPECT_EQ(gate_->decide(b).verdict, Verdict::kAllow);
  b.headers = {{"Authorization", "Bearer nope"}};
  EXPECT_EQ(code(gate_->decide(b)), "deny.sink.credential_mismatch");
}

TEST_F(GateTest, SinkResolution) {
  EXPECT_EQ(code(gate_->decide(post("https://evil.test/upload", ""))), "deny.sink.unknown");
  EXPECT_EQ(code(gate_->decide(post("https://api.model.test/v1/other", kOrgKey))), "deny.sink.path_not_allowed");
  Request g = post("https://api.model.test/v1/messages", kOrgKey);
  g.method = "GET";
  EXPECT_EQ(code(gate_->decide(g)), "deny.sink.method_not_allowed");
  // `*.bearer.test` does not match the apex or a look-alike suffix.
  EXPECT_EQ(code(gate_->decide(post("https://bearer.test/x", kOrgKey))), "deny.sink.unknown");
  EXPECT_EQ(code(gate_->decide(post("https://evilbearer.test/x", kOrgKey))), "deny.sink.unknown");
  // Dot segments cannot smuggle a path past the sink's path list.
  EXPECT_EQ(gate_->decide(post("https://api.model.test/v1/messages/../files", kOrgKey)).verdict, Verdict::kAllow);
  EXPECT_EQ(code(gate_->decide(post("https://api.model.test/v1/messages/../../admin", kOrgKey))),
            "deny.sink.path_not_allowed");
}

TEST_F(GateTest, FlowOfTheSessionLabel) {
  // Before reading anything classified, the public paste sink is reachable.
  EXPECT_EQ(gate_->decide(post("https://paste.test/p", "")).verdict, Verdict::kAllow);
  Request r = read("~/Finance/a.csv");
  r.agent.clear();  // alice herself reads it: allowed, and the session is now confidential{financial}
  auto d = gate_->decide(r);
  ASSERT_EQ(d.verdict, Verdict::kAllow) << code(d);
  auto lattice = airlock::core::Lattice();
  EXPECT_EQ(lattice.format(d.sessionLabel), "confidential{financial}");
  d = gate_->decide(post("https://paste.test/p", ""));
  EXPECT_EQ(code(d), "deny.flow.label_exceeds_clearance");
  // The model sink is cleared for financial data.
  EXPECT_EQ(gate_->decide(post("https://api.model.test/v1/messages", kOrgKey)).verdict, Verdict::kAllow);
  // A different session is untouched.
  Request other = post("https://paste.test/p", "");
  other.session = "s2";
  EXPECT_EQ(gate_->decide(other).verdict, Verdict::kAllow);
}

TEST_F(GateTest, FlowOfThePayload) {
  Request p = post("https://paste.test/p", "");
  p.session = "fresh";
  p.payloadFiles = {home_ + "/Finance/b.csv"};
  auto d = gate_->decide(p);
  EXPECT_EQ(code(d), "deny.flow.payload_exceeds_clearance");
}

TEST_F(GateTest, UntrustedAndConfidentialAsks) {
  airlock::gate::Observation o;
  o.user = "alice";
  o.agent = "cowork";
  o.session = "s1";
  o.adapter = "test";
  o.path = home_ + "/Finance/c.csv";
  o.untrusted = true;
  auto obs = gate_->observe(o);
  EXPECT_EQ(obs.verdict, Verdict::kAllow);
  EXPECT_TRUE(obs.untrusted);
  auto d = gate_->decide(post("https://api.model.test/v1/messages", kOrgKey));
  EXPECT_EQ(d.rule, "untrusted-confidential");
  EXPECT_EQ(code(d), "deny.ask.non_interactive");
}

TEST_F(GateTest, ObservationsAreAuditedAsSuchWithTheirDigestOnly) {
  airlock::gate::Observation o;
  o.user = "alice";
  o.agent = "cowork";
  o.session = "obs";
  o.adapter = "test";
  o.path = home_ + "/Finance/a.csv";
  o.size = 4;
  o.digest = airlock::core::sha256Hex("data");
  gate_->observe(o);
  o.path = home_ + "/Documents/report.txt";
  o.digest = "not a digest: account 12345678 SSN 078-05-1120";  // must never reach the record
  gate_->observe(o);
  auto log = airlock::audit::AuditLog::open(root_ + "/state/audit.db", clock_);
  ASSERT_TRUE(log.ok());
  auto tail = (*log)->tail(2);
  ASSERT_TRUE(tail.ok());
  ASSERT_EQ(tail->size(), 2u);
  const std::string& first = (*tail)[0].encoding;
  const std::string& second = (*tail)[1].encoding;
  EXPECT_NE(first.find(R"("kind":"observation")"), std::string::npos) << first;
  EXPECT_NE(first.find(airlock::core::sha256Hex("data")), std::string::npos) << first;
  EXPECT_NE(second.find(R"("digest":null)"), std::string::npos) << second;
  EXPECT_EQ(second.find("078-05-1120"), std::string::npos) << second;
}

// Regression (Grep over ~ returned private-key lines): a directory read as a whole carries the
// labels of what is below it, symlinks judged by their targets.
TEST_F(GateTest, ReadingADirectoryCarriesTheLabelsBelowIt) {
  std::filesystem::create_directories(home_ + "/Documents/sub");
  std::ofstream(home_ + "/Documents/sub/notes.txt") << "x";
  Request clean = read("~/Documents/sub");
  clean.agent.clear();
  EXPECT_EQ(gate_->decide(clean).verdict, Verdict::kAllow);
  std::filesystem::create_symlink(home_ + "/.ssh/id_rsa", home_ + "/Documents/sub/innocent.txt");
  Request tainted = read("~/Documents");
  tainted.agent.clear();
  auto d = gate_->decide(tainted);
  EXPECT_EQ(d.verdict, Verdict::kDeny);
  EXPECT_EQ(d.rule, "secrets");
}

TEST_F(GateTest, VolumeLimits) {
  for (const char* f : {"~/Finance/a.csv", "~/Finance/b.csv"}) {
    Request r = read(f);
    r.agent.clear();
    EXPECT_EQ(gate_->decide(r).verdict, Verdict::kAllow) << f;
  }
  Request r = read("~/Finance/c.csv");
  r.agent.clear();
  r.interactive = true;
  auto d = gate_->decide(r);
  EXPECT_EQ(d.verdict, Verdict::kAsk);
  EXPECT_EQ(code(d), "ask.limit.volume");
  EXPECT_EQ(d.rule, "finance-volume");
  // Public documents do not count against the limit.
  EXPECT_EQ(gate_->decide(read("~/Documents/report.txt")).verdict, Verdict::kAllow);
}

TEST_F(GateTest, MalformedRequestsAreDeniedAndAudited) {
  struct Case {
    Request r;
    const char* fragment;
  };
  std::vector<Case> cases;
  Request noUser = read("~/Documents/report.txt");
  noUser.user.clear();
  cases.push_back({noUser, "names no user"});
  Request noPath = req(Action::kFsRead);
  cases.push_back({noPath, "fs.read needs a path"});
  Request nul = read(std::string("/etc/passwd\0x", 13));
  cases.push_back({nul, "NUL"});
  Request badUrl = req(Action::kNetRequest);
  badUrl.url = "not a url";
  cases.push_back({badUrl, "url:"});
  Request badMethod = post("https://api.model.test/v1/messages", kOrgKey);
  badMethod.method = "PO ST";
  cases.push_back({badMethod, "invalid HTTP method"});
  Request badTool = req(Action::kToolCall);
  badTool.tool = "notool";
  cases.push_back({badTool, "server/tool"});
  Request control = read("~/Documents/report.txt");
  control.session = "s\n1";
  cases.push_back({control, "printable"});
  Request malformed = read("~/Documents/report.txt");
  malformed.malformed = "unknown field 'x'";
  cases.push_back({malformed, "unknown field 'x'"});
  for (const auto& c : cases) {
    auto d = gate_->decide(c.r);
    EXPECT_EQ(d.verdict, Verdict::kDeny) << c.fragment;
    EXPECT_EQ(code(d), "deny.invalid_request") << c.fragment;
    ASSERT_FALSE(d.reasons.empty());
    EXPECT_NE(d.reasons[0].find(c.fragment), std::string::npos) << d.reasons[0];
  }
  // Every one of them is on the record.
  auto log = airlock::audit::AuditLog::open(root_ + "/state/audit.db", clock_);
  ASSERT_TRUE(log.ok());
  auto tail = (*log)->tail(100);
  ASSERT_TRUE(tail.ok());
  int invalid = 0;
  for (const auto& rec : *tail) invalid += rec.encoding.find("deny.invalid_request") != std::string::npos;
  EXPECT_EQ(invalid, static_cast<int>(cases.size()));
}

TEST_F(GateTest, AuditFailureTurnsAllowIntoDeny) {
  ASSERT_EQ(gate_->decide(read("~/Documents/report.txt")).verdict, Verdict::kAllow);
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((root_ + "/state/audit.db").c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "DROP TABLE events", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  auto d = gate_->decide(read("~/Documents/report.txt"));
  EXPECT_EQ(d.verdict, Verdict::kDeny);
  EXPECT_EQ(code(d), "deny.audit_unavailable");
}

TEST_F(GateTest, ExtendedAttributeLabels) {
  std::string f = home_ + "/Documents/labelled.txt";
  std::ofstream(f) << "x";
  if (setxattr(f.c_str(), "user.airlock.label", "confidential{pii}", 17, 0) != 0)
    GTEST_SKIP() << "filesystem of /tmp has no user xattrs";
  Request r = read(f);
  auto d = gate_->decide(r);
  ASSERT_EQ(d.verdict, Verdict::kAllow);
  EXPECT_EQ(airlock::core::Lattice().format(d.sessionLabel), "confidential{pii}");
  // An unparsable label must not make a file look harmless: it counts as top, so the
  // global secrets rule denies it.
  std::string g = home_ + "/Documents/garbled.txt";
  std::ofstream(g) << "x";
  ASSERT_EQ(setxattr(g.c_str(), "user.airlock.label", "ultra{???}", 10, 0), 0);
  d = gate_->decide(read(g));
  EXPECT_EQ(d.verdict, Verdict::kDeny);
  EXPECT_EQ(d.rule, "secrets");
}

TEST_F(GateTest, ExplainNamesEveryRule) {
  Request r = read("~/Finance/a.csv");
  auto e = gate_->explain(r);
  std::string all;
  for (const auto& l : e.lines) all += l + "\n";
  EXPECT_NE(all.find("rule agent-finance (ask): matched"), std::string::npos) << all;
  EXPECT_NE(all.find("rule agent-docs (allow): path"), std::string::npos) << all;
  EXPECT_NE(all.find("rule secrets (deny): condition is false"), std::string::npos) << all;
  EXPECT_NE(all.find("is labelled confidential{financial}"), std::string::npos) << all;
}

TEST_F(GateTest, ConcurrentProcessesShareOneSessionWithoutLostUpdates) {
  gate_.reset();
  // Four processes, each its own Gate on the same state directory, each reading a different
  // classified file into the same session. The session must end up with the join of all.
  std::vector<pid_t> kids;
  for (int i = 0; i < 4; ++i) {
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      auto g = open();
      int bad = 0;
      for (int k = 0; k < 25; ++k) {
        Request r = read(k == 0 && i == 0 ? "~/Finance/a.csv" : "~/Documents/report.txt", "shared");
        r.agent.clear();
        if (g->decide(r).verdict != Verdict::kAllow) ++bad;
      }
      _exit(bad == 0 ? 0 : 1);
    }
    kids.push_back(pid);
  }
  for (pid_t k : kids) {
    int st = 0;
    waitpid(k, &st, 0);
    EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
  }
  gate_ = open();
  // The one Finance read by one process is in the shared session, whatever the interleaving.
  Request p = post("https://paste.test/p", "");
  p.session = "shared";
  EXPECT_EQ(code(gate_->decide(p)), "deny.flow.label_exceeds_clearance");
  auto log = airlock::audit::AuditLog::open(root_ + "/state/audit.db", clock_);
  ASSERT_TRUE(log.ok());
  auto v = (*log)->verify();
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(v->ok) << v->detail;
  EXPECT_EQ(v->records, 101);
}

}  // namespace

// The sandbox's outline (airlock run): user ∩ agent trees, nested trees folded, and the
// classified paths a fresh session may not even list.
TEST_F(GateTest, FsReachIntersectsUserAndAgent) {
  const airlock::gate::FsReach both = gate_->fsReach("alice", "cowork");
  // alice reads Documents, Finance, .ssh; cowork reads Documents and may ask for Finance.
  EXPECT_EQ(both.read, (std::vector<std::string>{home_ + "/Documents", home_ + "/Finance"}));
  EXPECT_EQ(both.write, (std::vector<std::string>{home_ + "/Documents/out"}));
  EXPECT_EQ(both.hidden, (std::vector<std::string>{home_ + "/.ssh"}));
  const airlock::gate::FsReach alone = gate_->fsReach("alice", "");
  EXPECT_EQ(alone.read, (std::vector<std::string>{home_ + "/.ssh", home_ + "/Documents", home_ + "/Finance"}));
  // An unknown user reaches nothing.
  EXPECT_TRUE(gate_->fsReach("mallory", "").read.empty());
}

TEST_F(GateTest, RefusalIsRecordedAsDeny) {
  airlock::gate::Refusal r;
  r.user = "alice";
  r.session = "s1";
  r.adapter = "run";
  r.resource = "syscall ptrace";
  r.reasons = {"never allowed"};
  const auto d = gate_->refuse(r);
  EXPECT_EQ(d.verdict, Verdict::kDeny);
  EXPECT_EQ(airlock::core::reasonCode(d.reason), "deny.sandbox.syscall");
  EXPECT_EQ(d.resource, "syscall ptrace");
}
