// What the gate decides for the egress proxy: CONNECT tunnels (host only; inspection required
// for sinks whose requests must be seen), addresses a host resolved to (SSRF), the credential
// fingerprint for the audit trail, and data in URLs and headers.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include <zlib.h>

#include "core/digest.h"
#include "gate/gate.h"

using airlock::core::Action;
using airlock::core::Reason;
using airlock::core::Request;
using airlock::core::Verdict;
using airlock::gate::Gate;
using airlock::gate::GateOptions;
using airlock::policy::Policy;

namespace {

std::string policyText() {
  return std::string(R"(version: 1
users:
  alice: { roles: [analyst] }
classify:
  - { detectors: [us_ssn], label: "confidential{pii}" }
sinks:
  model:
    http: { hosts: [api.model.test], methods: [POST], paths: ["/v1/messages"] }
    credentials: { header: x-api-key, sha256: [")") +
         airlock::core::sha256Hex("org-key") + R"("] }
    clearance: internal
  files:
    http: { hosts: [files.test] }
    clearance: internal
  lab:
    http: { hosts: [lab.test, 10.1.2.3] }
    clearance: internal
roles:
  analyst:
    allow:
      - { action: net.request }
)";
}

// A request of alice's through the proxy, in session s1.
Request netRequest(const std::string& method, const std::string& url) {
  Request r;
  r.user = "alice";
  r.session = "s1";
  r.adapter = "proxy";
  r.action = Action::kNetRequest;
  r.method = method;
  r.url = url;
  return r;
}

class GateProxy : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("airlock-gate-proxy-" + std::to_string(getpid()) + "-" +
                                                     ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
    auto p = Policy::load(policyText(), "p.yaml", dir_.string());
    ASSERT_TRUE(p.ok()) << (p.ok() ? "" : p.error().toString());
    GateOptions o;
    o.stateDir = o.home = o.cwd = dir_.string();
    auto g = Gate::open(*p, o);
    ASSERT_TRUE(g.ok()) << (g.ok() ? "" : g.error().toString());
    gate_ = std::move(*g);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  static Request req(const std::string& method, const std::string& url) { return netRequest(method, url); }
  static Request tunnel(const std::string& hostPort, bool canInspect) {
    Request r = req("CONNECT", "https://" + hostPort + "/");
    r.tunnel = true;
    r.canInspect = canInspect;
    return r;
  }

  std::filesystem::path dir_;
  std::unique_ptr<Gate> gate_;
};

TEST_F(GateProxy, TunnelToASinkWhoseRequestsMustBeSeenIsInspected) {
  auto d = gate_->decide(tunnel("api.model.test:443", true));
  EXPECT_EQ(d.verdict, Verdict::kAllow) << d.reasons.front();
  EXPECT_TRUE(d.inspect);
  EXPECT_EQ(d.sink, "model");
  // No credentials are asked of the tunnel itself: they are checked on each request inside.
  EXPECT_TRUE(d.credential.empty());
}

TEST_F(GateProxy, TunnelThatCannotBeInspectedIsDenied) {
  auto d = gate_->decide(tunnel("api.model.test:443", false));
  EXPECT_EQ(d.verdict, Verdict::kDeny);
  EXPECT_EQ(d.reason, Reason::kDenySinkInspection);
}

TEST_F(GateProxy, TunnelToAPlainSinkIsABytePipe) {
  auto d = gate_->decide(tunnel("files.test:443", false));
  EXPECT_EQ(d.verdict, Verdict::kAllow);
  EXPECT_FALSE(d.inspect);
  EXPECT_EQ(gate_->decide(tunnel("elsewhere.test:443", true)).reason, Reason::kDenySinkUnknown);
}

TEST_F(GateProxy, NonPublicAddressesNeedASinkNamingThemOrAnOperatorMapping) {
  for (const char* a : {"127.0.0.1", "10.0.0.5", "169.254.169.254", "::1", "::ffff:127.0.0.1", "fd00::1", "0.0.0.0"}) {
    Request r = req("GET", "http://files.test/x");
    r.addresses = {"93.184.216.34", a};
    auto d = gate_->decide(r);
    EXPECT_EQ(d.verdict, Verdict::kDeny) << a;
    EXPECT_EQ(d.reason, Reason::kDenySinkAddress) << a;
    r.addressesPinned = true;  // --resolve
    EXPECT_EQ(gate_->decide(r).verdict, Verdict::kAllow) << a;
  }
  Request pub = req("GET", "http://files.test/x");
  pub.addresses = {"93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946"};
  EXPECT_EQ(gate_->decide(pub).verdict, Verdict::kAllow);
  // The lab sink names 10.1.2.3: that address, and only that one, is fine.
  Request lab = req("GET", "http://lab.test/");
  lab.addresses = {"10.1.2.3"};
  EXPECT_EQ(gate_->decide(lab).verdict, Verdict::kAllow);
  lab.addresses = {"10.1.2.4"};
  EXPECT_EQ(gate_->decide(lab).reason, Reason::kDenySinkAddress);
  // Garbage where an address should be is not public.
  lab.addresses = {"not-an-ip"};
  EXPECT_EQ(gate_->decide(lab).reason, Reason::kDenySinkAddress);
}

TEST_F(GateProxy, CredentialFingerprintIsAHashPrefixNeverTheKey) {
  Request r = req("POST", "https://api.model.test/v1/messages");
  r.headers = {{"x-api-key", "org-key"}};
  auto ok = gate_->decide(r);
  EXPECT_EQ(ok.verdict, Verdict::kAllow);
  EXPECT_EQ(ok.credential, airlock::core::sha256Hex("org-key").substr(0, 12));
  r.headers = {{"x-api-key", "attacker-key"}};
  auto bad = gate_->decide(r);
  EXPECT_EQ(bad.reason, Reason::kDenySinkCredential);
  EXPECT_EQ(bad.credential, airlock::core::sha256Hex("attacker-key").substr(0, 12));
  for (const auto& line : bad.reasons) EXPECT_EQ(line.find("attacker-key"), std::string::npos);
}

TEST_F(GateProxy, DataInTheUrlOrHeadersRaisesThePayloadLabel) {
  const std::string ssn = std::string("123-45-") + "6789";
  Request q = req("GET", "http://files.test/lookup?ssn=" + ssn);
  auto d = gate_->decide(q);
  EXPECT_EQ(d.verdict, Verdict::kDeny);
  EXPECT_EQ(d.reason, Reason::kDenyFlowPayload);
  Request h = req("GET", "http://files.test/lookup");
  h.headers = {{"X-Customer", "ssn " + ssn}};
  EXPECT_EQ(gate_->decide(h).reason, Reason::kDenyFlowPayload);
  // The request's own authentication is not data it sends.
  Request a = req("GET", "http://files.test/lookup");
  a.headers = {{"Authorization", "Bearer " + ssn}};
  EXPECT_EQ(gate_->decide(a).verdict, Verdict::kAllow);
}

std::string gzipped(const std::string& in) {
  z_stream z{};
  deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&z, in.size()) + 64, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

TEST_F(GateProxy, PackagedBodiesAreScannedUnpacked) {
  const std::string ssn = std::string("123-45-") + "6789";
  Request r = req("POST", "http://files.test/upload");
  r.headers = {{"Content-Type", "text/plain"}, {"Content-Encoding", "gzip"}};
  r.body = gzipped("customer ssn " + ssn);
  auto d = gate_->decide(r);
  EXPECT_EQ(d.reason, Reason::kDenyFlowPayload);
  r.body = gzipped("nothing here");
  EXPECT_EQ(gate_->decide(r).verdict, Verdict::kAllow);
  // Declared gzip that is not: unknown content, labelled top, so it cannot leave.
  r.body = "customer data, not gzip";
  EXPECT_EQ(gate_->decide(r).reason, Reason::kDenyFlowPayload);
  Request j = req("POST", "http://files.test/upload");
  j.headers = {{"Content-Type", "application/json"}};
  j.body = R"({"note":"ssn 123\u002d45\u002d6789"})";
  EXPECT_EQ(gate_->decide(j).reason, Reason::kDenyFlowPayload);
}

}  // namespace

// A CONNECT to an inspected sink only opens the door: a rule whose condition needs the URL or the
// method waits for the requests inside, each decided in full. A tunnel that is not inspected is
// a byte pipe: there the CONNECT is all there is, and such a condition still fails closed.
TEST(GateProxyDoor, ConditionsOnUrlAndMethodWaitForTheRequestsInsideAnInspectedTunnel) {
  const auto dir = std::filesystem::temp_directory_path() / ("airlock-gate-door-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  auto p = Policy::load(R"(version: 1
users: { alice: { roles: [analyst] } }
sinks:
  model: { http: { hosts: [api.model.test] }, clearance: internal, inspect: true }
  plain: { http: { hosts: [plain.test] }, clearance: internal }
roles:
  analyst: { allow: [{ action: net.request }] }
rules:
  - id: only-messages
    ask: { action: net.request }
    when: '!request.url.startsWith("https://api.model.test/v1/messages") && request.host != "plain.test"'
  - id: no-delete
    deny: { action: net.request }
    when: request.method == "DELETE"
  - id: plain-only-ok
    deny: { action: net.request }
    when: request.host == "plain.test" && !request.url.startsWith("https://plain.test/ok")
defaults: { decision: deny, non_interactive_ask: deny }
)",
                        "p.yaml", dir.string());
  ASSERT_TRUE(p.ok()) << (p.ok() ? "" : p.error().toString());
  GateOptions o;
  o.stateDir = o.home = o.cwd = dir.string();
  auto g = Gate::open(*p, o);
  ASSERT_TRUE(g.ok()) << (g.ok() ? "" : g.error().toString());
  auto make = [](const std::string& method, const std::string& url, bool tunnel) {
    Request r = netRequest(method, url);
    r.tunnel = tunnel;
    r.canInspect = true;
    return r;
  };
  auto door = (*g)->decide(make("CONNECT", "https://api.model.test:8443/", true));
  EXPECT_EQ(door.verdict, Verdict::kAllow) << door.reasons.front();
  EXPECT_TRUE(door.inspect);
  EXPECT_EQ((*g)->decide(make("POST", "https://api.model.test/v1/messages", false)).verdict, Verdict::kAllow);
  auto files = (*g)->decide(make("POST", "https://api.model.test/v1/files", false));
  EXPECT_EQ(files.verdict, Verdict::kDeny);
  EXPECT_EQ(files.reason, Reason::kDenyAskNonInteractive);
  EXPECT_EQ(files.rule, "only-messages");
  auto del = (*g)->decide(make("DELETE", "https://api.model.test/v1/messages", false));
  EXPECT_EQ(del.verdict, Verdict::kDeny);
  EXPECT_EQ(del.rule, "no-delete");
  // Not inspected: the CONNECT's own URL is what the condition sees.
  auto pipe = (*g)->decide(make("CONNECT", "https://plain.test:443/", true));
  EXPECT_EQ(pipe.verdict, Verdict::kDeny);
  EXPECT_EQ(pipe.rule, "plain-only-ok");
  std::filesystem::remove_all(dir);
}
