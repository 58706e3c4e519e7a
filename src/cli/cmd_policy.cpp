// `airlock policy lint FILE` and `airlock policy test TABLE` (docs/cli.md, docs/policy.md).
#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <iterator>

#include "cli/commands.h"
#include "policy/lint.h"
#include "policy/yaml.h"

namespace airlock::cli {

using nlohmann::json;

namespace {

// YAML → JSON for test tables: unquoted true/false become booleans, everything else strings.
json toJson(const policy::yaml::Node& n) {
  switch (n.Type()) {
    case policy::yaml::NodeType::kScalar:
      if (n.Tag() != "!" && (n.Scalar() == "true" || n.Scalar() == "false")) return n.Scalar() == "true";
      return n.Scalar();
    case policy::yaml::NodeType::kSequence: {
      json a = json::array();
      for (std::size_t i = 0; i < n.size(); ++i) a.push_back(toJson(n[i]));
      return a;
    }
    case policy::yaml::NodeType::kMap: {
      json o = json::object();
      for (auto it = n.begin(); it != n.end(); ++it) o[it->first.Scalar()] = toJson(it->second);
      return o;
    }
    default: return nullptr;
  }
}

int runLint(const std::string& file, const Context& ctx) {
  auto pol = policy::Policy::loadFile(file, ctx.env.home());
  if (!pol) {
    std::fprintf(stderr, "%s: error: %s\n", pol.error().where.empty() ? file.c_str() : pol.error().where.c_str(),
                 pol.error().message.c_str());
    return kExitUsage;
  }
  auto warnings = policy::lint(**pol);
  for (const auto& w : warnings) {
    std::string where = w.pos.line > 0 ? fmt::format("{}:{}:{}", file, w.pos.line, w.pos.col) : file;
    std::printf("%s: warning: %s [%s]\n", where.c_str(), w.message.c_str(), w.code.c_str());
  }
  std::printf("%s: ok (%zu rules, %zu sinks, %zu warnings)\n", file.c_str(), (*pol)->rules().size(),
              (*pol)->sinks().size(), warnings.size());
  return kExitOk;
}

struct TempDir {
  std::string path;
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "airlock-test-XXXXXX").string();
    if (mkdtemp(tmpl.data())) path = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    if (!path.empty()) std::filesystem::remove_all(path, ec);
  }
};

int runTable(const std::string& tableFile, const Context& outer) {
  std::ifstream in(tableFile, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "%s: error: cannot read the test table\n", tableFile.c_str());
    return kExitUsage;
  }
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  policy::yaml::Mark errorAt;
  auto parsed = policy::yaml::load(text, &errorAt);
  if (!parsed) {
    std::fprintf(stderr, "%s:%d:%d: error: %s\n", tableFile.c_str(), errorAt.line + 1, errorAt.column + 1,
                 parsed.error().message.c_str());
    return kExitUsage;
  }
  policy::yaml::Node table = *parsed;
  if (!table.IsMap() || !table["cases"] || !table["cases"].IsSequence()) {
    std::fprintf(stderr, "%s: error: a test table is a mapping with a 'cases' list\n", tableFile.c_str());
    return kExitUsage;
  }
  TempDir state;
  if (state.path.empty()) {
    std::fprintf(stderr, "airlock policy test: cannot create a temporary state directory\n");
    return kExitUsage;
  }
  Context ctx = outer;
  ctx.env.vars["AIRLOCK_HOME"] = state.path;
  if (table["home"]) ctx.env.vars["HOME"] = table["home"].Scalar();
  if (ctx.policyFlag.empty()) {
    if (!table["policy"]) {
      std::fprintf(stderr, "%s: error: no 'policy:' in the table and no --policy\n", tableFile.c_str());
      return kExitUsage;
    }
    ctx.policyFlag = (std::filesystem::path(tableFile).parent_path() / table["policy"].Scalar()).string();
  }
  auto pol = ctx.loadPolicy();
  if (!pol) {
    std::fprintf(stderr, "%s: error: %s\n", ctx.policyFlag.c_str(), pol.error().toString().c_str());
    return kExitUsage;
  }
  auto gate = ctx.openGate(*pol);
  if (!gate) {
    std::fprintf(stderr, "airlock policy test: %s\n", gate.error().toString().c_str());
    return kExitUsage;
  }
  int failures = 0, passed = 0;
  const policy::yaml::Node cases = table["cases"];
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const policy::yaml::Node& c = cases[i];
    std::string name = c["name"] ? c["name"].Scalar() : fmt::format("case {}", i + 1);
    std::string where = fmt::format("{}:{}", tableFile, c.Mark().line + 1);
    if (c["observe"]) {
      json o = toJson(c["observe"]);
      gate::Observation ob;
      ob.user = o.value("user", ctx.user());
      ob.agent = o.value("agent", "");
      ob.session = o.value("session", "");
      ob.adapter = "test";
      ob.path = o.value("path", "");
      ob.resource = o.value("resource", "");
      ob.untrusted = o.value("untrusted", false);
      auto d = (*gate)->observe(ob);
      if (d.verdict != core::Verdict::kAllow) {
        std::printf("FAIL %s (%s): observation was not recorded: %s\n", name.c_str(), where.c_str(),
                    d.reasons.empty() ? "" : d.reasons.front().c_str());
        ++failures;
      }
      continue;
    }
    if (!c["request"] || !c["expect"]) {
      std::printf("FAIL %s (%s): a case needs 'request' and 'expect' (or 'observe')\n", name.c_str(), where.c_str());
      ++failures;
      continue;
    }
    core::Request req = requestFromJson(toJson(c["request"]), ctx);
    json expect = toJson(c["expect"]);
    std::string wantDecision = expect.is_string() ? expect.get<std::string>() : expect.value("decision", "");
    std::string wantReason = expect.is_object() ? expect.value("reason", "") : "";
    std::string wantRule = expect.is_object() ? expect.value("rule", "") : "";
    std::string wantSink = expect.is_object() ? expect.value("sink", "") : "";
    auto e = (*gate)->explain(req);
    std::string got(core::verdictName(e.decision.verdict));
    std::string gotReason(core::reasonCode(e.decision.reason));
    bool ok = got == wantDecision && (wantReason.empty() || wantReason == gotReason) &&
              (wantRule.empty() || wantRule == e.decision.rule) && (wantSink.empty() || wantSink == e.decision.sink);
    if (ok) {
      ++passed;
      continue;
    }
    ++failures;
    std::printf("FAIL %s (%s): expected %s%s%s, got %s (%s)%s\n", name.c_str(), where.c_str(), wantDecision.c_str(),
                wantReason.empty() ? "" : (" (" + wantReason + ")").c_str(), wantRule.empty() ? "" : (" by " + wantRule).c_str(),
                got.c_str(), gotReason.c_str(), e.decision.rule.empty() ? "" : (" by " + e.decision.rule).c_str());
    for (const auto& r : e.decision.reasons) std::printf("    reason: %s\n", r.c_str());
    printExplanation(e);
  }
  std::printf("%s: %d passed, %d failed\n", tableFile.c_str(), passed, failures);
  return failures == 0 ? kExitOk : kExitFail;
}

}  // namespace

void addPolicyCommand(CLI::App& app, Context& ctx, int& exitCode) {
  auto* cmd = app.add_subcommand("policy", "Check policies: lint, test");
  cmd->require_subcommand(1);
  auto lintFile = std::make_shared<std::string>();
  auto* lintCmd = cmd->add_subcommand("lint", "Validate a policy (errors name file:line:col) and warn about dead parts");
  lintCmd->add_option("file", *lintFile, "Policy file")->required();
  lintCmd->callback([lintFile, &ctx, &exitCode] { exitCode = runLint(*lintFile, ctx); });
  auto tables = std::make_shared<std::vector<std::string>>();
  auto* testCmd = cmd->add_subcommand("test", "Run test tables of requests with expected decisions");
  testCmd->add_option("table", *tables, "Test table file(s) (YAML or JSON)")->required();
  testCmd->callback([tables, &ctx, &exitCode] {
    exitCode = kExitOk;
    for (const auto& t : *tables) {
      int rc = runTable(t, ctx);
      if (rc > exitCode) exitCode = rc;
    }
  });
}

}  // namespace airlock::cli
