// `airlock mcp [options] -- CMD [ARGS…]`: the MCP proxy (src/adapters/mcp/mcp.h,
// docs/adapters/mcp.md). Loads the policy, opens the gate, spawns the server and relays until
// either side is done; exits with the server's status (2 when it could not start or on errors).
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "adapters/mcp/mcp.h"
#include "cli/commands.h"
#include "core/digest.h"

namespace airlock::cli {

namespace {

struct McpFlags {
  std::string name;
  std::string user;
  std::string agent;
  std::string session;
  std::size_t maxMessage = mcp::Options{}.maxMessageBytes;
  bool acceptToolChanges = false;
  std::string ask = "client";
  std::vector<std::string> command;
};

int runMcp(const McpFlags& f, const Context& ctx) {
  if (f.command.empty()) {
    std::fprintf(stderr, "airlock mcp: no server command (airlock mcp [options] -- CMD [ARGS…])\n");
    return kExitUsage;
  }
  mcp::Options o;
  o.server = f.name.empty() ? std::filesystem::path(f.command[0]).filename().string() : f.name;
  if (o.server.empty() || o.server.find('/') != std::string::npos) {
    std::fprintf(stderr, "airlock mcp: --name must be a non-empty name without '/'\n");
    return kExitUsage;
  }
  o.user = f.user.empty() ? ctx.user() : f.user;
  o.agent = f.agent;
  // One session per proxy run unless one is named: what the server's results carry stays on
  // the calls that follow.
  o.session = !f.session.empty() ? f.session
              : !ctx.env.get("AIRLOCK_SESSION").empty()
                  ? ctx.env.get("AIRLOCK_SESSION")
                  : fmt::format("mcp-{}-{}", o.server, core::sha256Hex(fmt::format("{}:{}", getpid(), ::time(nullptr))).substr(0, 12));
  std::error_code ec;
  o.cwd = std::filesystem::current_path(ec).string();
  o.maxMessageBytes = f.maxMessage;
  o.dlpKey = ctx.env.get("AIRLOCK_DLP_KEY");
  o.acceptToolChanges = f.acceptToolChanges;
  o.approver = f.ask == "terminal" ? mcp::Options::Approver::kTerminal
               : f.ask == "none"   ? mcp::Options::Approver::kNone
                                   : mcp::Options::Approver::kClient;
  if (o.approver == mcp::Options::Approver::kTerminal) {
    o.ttyFd = ::open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (o.ttyFd < 0)
      std::fprintf(stderr, "airlock mcp: --ask terminal: no terminal (%s): nobody can be asked; "
                   "defaults.non_interactive_ask applies\n", std::strerror(errno));
  }
  auto pol = ctx.loadPolicy();
  if (!pol) {
    std::fprintf(stderr, "airlock mcp: policy: %s\n", pol.error().toString().c_str());
    return kExitUsage;
  }
  auto gate = ctx.openGate(*pol);
  if (!gate) {
    std::fprintf(stderr, "airlock mcp: state: %s\n", gate.error().toString().c_str());
    return kExitUsage;
  }
  return mcp::run(**gate, o, f.command);
}

}  // namespace

void addMcpCommand(CLI::App& app, Context& ctx, int& exitCode) {
  auto f = std::make_shared<McpFlags>();
  auto* cmd = app.add_subcommand("mcp", "Proxy a stdio MCP server: every tool call decided by the policy");
  cmd->add_option("--name", f->name, "The server's name in tool names 'SERVER/tool' (default: the command's base name)");
  cmd->add_option("--user", f->user, "The user the calls are made for (default $AIRLOCK_USER, else the OS user)");
  cmd->add_option("--agent", f->agent, "The agent making the calls");
  cmd->add_option("--session", f->session, "The session (default $AIRLOCK_SESSION, else one per run)");
  cmd->add_option("--max-message", f->maxMessage, "Largest JSON-RPC message either side may send, in bytes (default 64 MiB)")
      ->check(CLI::Range(static_cast<std::size_t>(1024), static_cast<std::size_t>(1) << 32));
  cmd->add_flag("--accept-tool-changes", f->acceptToolChanges,
                "Accept tool descriptions that changed since they were pinned, and pin them anew");
  cmd->add_option("--ask", f->ask,
                  "Who approves a call the policy asks about: client (the client's user, through MCP elicitation, "
                  "when the client supports it), terminal (/dev/tty), none (defaults.non_interactive_ask)")
      ->check(CLI::IsMember({"client", "terminal", "none"}));
  cmd->add_option("command", f->command, "The server command and its arguments (after --)")->expected(-1);
  cmd->callback([f, &ctx, &exitCode] { exitCode = runMcp(*f, ctx); });
}

}  // namespace airlock::cli
