// The hook with DLP: PostToolUse output raises the session by what it carries; a tool call that
// the policy redacts goes through with its input rewritten (updatedInput).
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "adapters/hook/hook.h"

using airlock::adapters::hook::handle;
using airlock::adapters::hook::HookContext;
using airlock::adapters::hook::HookReply;
using json = nlohmann::json;

namespace {

const char* kPolicy = R"(version: 1
users:
  alice: { roles: [dev] }
agents:
  claude-code: { roles: [dev] }
classify:
  - { detectors: [aws_access_key_id], label: "secret{credentials}" }
sinks:
  issues:
    tools: ["github/*"]
    clearance: internal
redact:
  - { detectors: [email], mode: placeholder, sinks: [issues] }
roles:
  dev:
    allow:
      - { action: [exec, tool.call] }
)";

class HookDlp : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/airlock-hookdlp-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    root_ = tmpl;
    auto pol = airlock::policy::Policy::load(kPolicy, "p.yaml", root_);
    ASSERT_TRUE(pol.ok()) << pol.error().toString();
    airlock::gate::GateOptions o;
    o.stateDir = root_ + "/state";
    o.home = root_;
    o.cwd = root_;
    auto g = airlock::gate::Gate::open(*pol, o);
    ASSERT_TRUE(g.ok()) << g.error().toString();
    gate_ = std::move(*g);
    ctx_.user = "alice";
    ctx_.home = root_;
  }
  void TearDown() override {
    gate_.reset();
    std::filesystem::remove_all(root_);
  }
  json payload(const std::string& tool, json input, const std::string& event = "PreToolUse") {
    return json{{"session_id", "s"},        {"cwd", root_},          {"permission_mode", "default"},
                {"hook_event_name", event}, {"tool_name", tool},     {"tool_input", std::move(input)}};
  }
  std::string root_;
  std::unique_ptr<airlock::gate::Gate> gate_;
  HookContext ctx_;
};

TEST_F(HookDlp, RedactedToolInputIsRewritten) {
  HookReply r = handle(payload("mcp__github__create_issue",
                               {{"title", "bug"}, {"body", "reported by carol@example.org twice"}})
                           .dump(),
                       *gate_, ctx_);
  ASSERT_EQ(r.exitCode, 0) << r.err;
  json out = json::parse(r.out);
  EXPECT_EQ(out["hookSpecificOutput"]["permissionDecision"], "allow");
  EXPECT_EQ(out["hookSpecificOutput"]["updatedInput"]["body"], "reported by <EMAIL_1> twice");
  EXPECT_EQ(out["hookSpecificOutput"]["updatedInput"]["title"], "bug");
  EXPECT_EQ(r.out.find("carol@"), std::string::npos);
}

TEST_F(HookDlp, BashOutputWithAKeyTaintsTheSession) {
  json post = payload("Bash", {{"command", "cat ~/.aws/credentials"}}, "PostToolUse");
  post["tool_response"] = {{"stdout", "aws_access_key_id = AKIA" "Q2RTYU3OPASDF4GH\n"}, {"stderr", ""}};
  HookReply p = handle(post.dump(), *gate_, ctx_);
  EXPECT_EQ(p.exitCode, 0) << p.err;
  // The session now holds a secret: nothing may go to the internal issue tracker.
  HookReply r = handle(payload("mcp__github__create_issue", {{"title", "hello"}}).dump(), *gate_, ctx_);
  ASSERT_EQ(r.exitCode, 0) << r.err;
  json out = json::parse(r.out);
  EXPECT_EQ(out["hookSpecificOutput"]["permissionDecision"], "deny");
  EXPECT_NE(out["hookSpecificOutput"]["permissionDecisionReason"].get<std::string>().find("label_exceeds"),
            std::string::npos);
}

}  // namespace
