// airlock: a data-governance firewall for AI agents. See docs/cli.md.
#include <array>
#include <cstdio>
#include <string_view>

#include <CLI/CLI.hpp>

#include "cli/commands.h"

int main(int argc, char** argv) {
  using namespace airlock::cli;
  Context ctx;
  ctx.env = airlock::core::Environment::fromProcess();
  int exitCode = kExitOk;
  CLI::App app{"airlock: a data-governance firewall for AI agents"};
  app.set_version_flag("--version", "airlock 0.1.0");
  app.add_option("--policy", ctx.policyFlag, "Policy file (default: $AIRLOCK_POLICY, ~/.config/airlock/policy.yaml, built-in)");
  app.require_subcommand(1);
  app.fallthrough();
  // `airlock hook` runs once per tool call: registering every subcommand's options cost about a
  // quarter of a million instructions it does not need. When the first word names a subcommand,
  // only that one is registered; otherwise (help, typos) all of them are, for the messages.
  using Adder = void (*)(CLI::App&, Context&, int&);
  static constexpr std::array<std::pair<std::string_view, Adder>, 11> kCommands = {{
      {"check", addCheckCommand}, {"policy", addPolicyCommand}, {"audit", addAuditCommand},
      {"hook", addHookCommand}, {"demo", addDemoCommand}, {"scan", addScanCommand},
      {"ca", addCaCommand}, {"proxy", addProxyCommand}, {"inspect", addInspectCommand},
      {"mcp", addMcpCommand}, {"run", addRunCommand}}};
  std::string_view first;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a == "--policy") {
      ++i;
      continue;
    }
    if (a.rfind("--policy=", 0) == 0) continue;
    first = a;
    break;
  }
  bool registered = false;
  for (const auto& [name, add] : kCommands)
    if (name == first) {
      add(app, ctx, exitCode);
      registered = true;
    }
  if (!registered)
    for (const auto& [name, add] : kCommands) add(app, ctx, exitCode);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : kExitUsage;
  }
  std::fflush(stdout);
  return exitCode;
}
