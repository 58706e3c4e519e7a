// airlock: a data-governance firewall for AI agents. See docs/cli.md.
#include <cstdio>

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
  addCheckCommand(app, ctx, exitCode);
  addPolicyCommand(app, ctx, exitCode);
  addAuditCommand(app, ctx, exitCode);
  addHookCommand(app, ctx, exitCode);
  addDemoCommand(app, ctx, exitCode);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : kExitUsage;
  }
  std::fflush(stdout);
  return exitCode;
}
