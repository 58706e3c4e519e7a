// `airlock hook`: the Claude Code hook (docs/adapters/claude-code.md).
#include <unistd.h>

#include <cstdio>

#include <CLI/CLI.hpp>

#include "adapters/hook/hook.h"
#include "cli/commands.h"

namespace airlock::cli {

void addHookCommand(CLI::App& app, Context& ctx, int& exitCode) {
  auto* cmd = app.add_subcommand("hook", "Claude Code hook: read a PreToolUse/PostToolUse payload on stdin, answer on stdout");
  auto agent = std::make_shared<std::string>("claude-code");
  cmd->add_option("--agent", *agent, "Agent name the policy knows this agent by (default: claude-code)");
  cmd->callback([&ctx, &exitCode, agent] {
    adapters::hook::HookReply reply;
    auto payload = readAll(STDIN_FILENO, adapters::hook::kMaxPayload);
    if (!payload) {
      reply = adapters::hook::blockingError(payload.error().message, payload.error().code == core::Code::kInvalidArgument
                                                                         ? core::Reason::kDenyInvalidRequest
                                                                         : core::Reason::kDenyInternalError);
    } else if (auto pol = ctx.loadPolicy(); !pol) {
      reply = adapters::hook::blockingError("policy: " + pol.error().toString());
    } else if (auto gate = ctx.openGate(*pol); !gate) {
      reply = adapters::hook::blockingError("state: " + gate.error().toString());
    } else {
      adapters::hook::HookContext hctx;
      hctx.user = ctx.user();
      hctx.home = ctx.env.home();
      hctx.dlpKey = ctx.env.get("AIRLOCK_DLP_KEY");
      hctx.agent = *agent;
      reply = adapters::hook::handle(*payload, **gate, hctx);
    }
    if (!reply.out.empty()) std::fwrite(reply.out.data(), 1, reply.out.size(), stdout), std::fputc('\n', stdout);
    if (!reply.err.empty()) std::fwrite(reply.err.data(), 1, reply.err.size(), stderr), std::fputc('\n', stderr);
    exitCode = reply.exitCode;
  });
}

}  // namespace airlock::cli
