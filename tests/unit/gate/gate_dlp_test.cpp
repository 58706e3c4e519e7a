// The gate with DLP: detector classify rules label content, redact rules turn findings bound
// for a sink into obligations, unknown detector ids are load errors at their position.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "gate/gate.h"

using airlock::core::Action;
using airlock::core::Reason;
using airlock::core::Request;
using airlock::core::Verdict;
using airlock::gate::Gate;
using airlock::gate::GateOptions;
using airlock::gate::Observation;
using airlock::policy::Policy;

namespace {

const char* kPolicy = R"(version: 1
users:
  alice: { roles: [analyst] }
classify:
  - { detectors: [credit_card, us_ssn], label: "confidential{pii}" }
  - { detectors: [aws_access_key_id], label: "secret{credentials}" }
sinks:
  crm:
    http: { hosts: [crm.test], methods: [POST] }
    clearance: internal
  pastebin:
    http: { hosts: [paste.test] }
    clearance: public
redact:
  - { id: crm-email, detectors: [email], mode: placeholder, sinks: [crm] }
  - { id: crm-card, detectors: [credit_card], mode: mask, keep_last: 4, sinks: [crm] }
roles:
  analyst:
    allow:
      - { action: net.request }
      - { action: tool.call }
)";

class GateDlp : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("airlock-gate-dlp-" + std::to_string(getpid()) + "-" +
                                                     ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::unique_ptr<Gate> open(const std::string& yaml) {
    auto p = Policy::load(yaml, "p.yaml", dir_.string());
    EXPECT_TRUE(p.ok()) << (p.ok() ? "" : p.error().toString());
    if (!p.ok()) return nullptr;
    GateOptions o;
    o.stateDir = dir_.string();
    o.home = dir_.string();
    o.cwd = dir_.string();
    auto g = Gate::open(*p, o);
    EXPECT_TRUE(g.ok()) << (g.ok() ? "" : g.error().toString());
    return g.ok() ? std::move(*g) : nullptr;
  }

  Request post(const std::string& url, const std::string& body) {
    Request r;
    r.user = "alice";
    r.session = "s1";
    r.adapter = "test";
    r.action = Action::kNetRequest;
    r.method = "POST";
    r.url = url;
    r.body = body;
    return r;
  }

  std::filesystem::path dir_;
};

TEST_F(GateDlp, ContentWithACardIsConfidentialAndCannotGoToAPublicSink) {
  auto g = open(kPolicy);
  ASSERT_TRUE(g);
  auto d = g->decide(post("https://paste.test/new", "paid with 4111 1111 1111 1111 today"));
  EXPECT_EQ(d.verdict, Verdict::kDeny);
  EXPECT_EQ(d.reason, Reason::kDenyFlowPayload);
  auto clean = g->decide(post("https://paste.test/new", "nothing to see here"));
  EXPECT_EQ(clean.verdict, Verdict::kAllow);
}

TEST_F(GateDlp, RedactRulesTurnFindingsIntoObligations) {
  auto g = open(kPolicy);
  ASSERT_TRUE(g);
  const std::string body = "{\"note\":\"call bob@example.com, card 4111 1111 1111 1111\"}";
  auto d = g->decide(post("https://crm.test/notes", body));
  ASSERT_EQ(d.verdict, Verdict::kAllow) << (d.reasons.empty() ? "" : d.reasons.front());
  ASSERT_EQ(d.obligations.size(), 2u);
  auto out = airlock::gate::applyObligations(body, d.obligations, "");
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(*out, "{\"note\":\"call <EMAIL_1>, card **** **** **** 1111\"}");
  // The same body to a sink without redact rules is judged by its label instead.
  auto p = g->decide(post("https://paste.test/new", body));
  EXPECT_EQ(p.verdict, Verdict::kDeny);
  EXPECT_TRUE(p.obligations.empty());
}

TEST_F(GateDlp, ObservedContentRaisesTheSession) {
  auto g = open(kPolicy);
  ASSERT_TRUE(g);
  Observation o;
  o.user = "alice";
  o.session = "s2";
  o.adapter = "test";
  o.action = Action::kToolCall;
  o.resource = "claude-code/Bash";
  const std::string out = "[default]\naws_access_key_id = AKIA" "Q2RTYU3OPASDF4GH\n";
  o.content = out;
  auto d = g->observe(o);
  EXPECT_EQ(d.verdict, Verdict::kAllow);
  EXPECT_EQ(g->policy().lattice().format(d.sessionLabel), "secret{credentials}");
  ASSERT_FALSE(d.detected.empty());
  // Now nothing may leave to the internal CRM.
  auto r = post("https://crm.test/notes", "hello");
  r.session = "s2";
  EXPECT_EQ(g->decide(r).reason, Reason::kDenyFlowLabel);
}

TEST_F(GateDlp, UnknownDetectorIsAnErrorWithItsPosition) {
  auto p = Policy::load("version: 1\nclassify:\n  - { detectors: [credit_card, no_such], label: internal }\n",
                        "p.yaml", dir_.string());
  ASSERT_TRUE(p.ok());
  GateOptions o;
  o.stateDir = dir_.string();
  auto g = Gate::open(*p, o);
  ASSERT_FALSE(g.ok());
  EXPECT_EQ(g.error().where, "p.yaml:3:32");
  EXPECT_NE(g.error().message.find("no_such"), std::string::npos);
}

TEST_F(GateDlp, EncryptRedactionWithoutAKeyFallsBackToTheLabel) {
  std::string yaml = kPolicy;
  yaml.replace(yaml.find("mode: placeholder"), 17, "mode: encrypt");
  auto g = open(yaml);
  ASSERT_TRUE(g);
  auto d = g->decide(post("https://crm.test/notes", "mail bob@example.com"));
  // No key: nothing to encrypt with, so the email is not redacted; it carries no classify
  // label either, so the request goes through unchanged.
  EXPECT_EQ(d.verdict, Verdict::kAllow);
  EXPECT_TRUE(d.obligations.empty());
}

}  // namespace
