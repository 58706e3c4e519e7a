// `airlock run [options] -- CMD [ARGS…]`: the sandbox (src/adapters/sandbox/sandbox.h,
// docs/adapters/run.md). One process hosts the gate for the child's opens, the egress proxy
// (its own gate, on its own thread) on a socket inside the child's network namespace, and the
// session both report to. Exits with the command's status (128+N for signal N); 125 when
// airlock itself could not run it.
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "adapters/proxy/proxy.h"
#include "adapters/sandbox/sandbox.h"
#include "cli/commands.h"
#include "core/digest.h"

namespace airlock::cli {

namespace {

constexpr int kExitRunFailed = 125;

struct RunFlags {
  std::string user;
  std::string agent;
  std::string session;
  std::string workspace;
  std::vector<std::string> resolves;
  std::string upstreamCa;
  std::vector<std::string> runtime;
  int proxyPort = 3128;
  bool unsafeNoSandbox = false;
  bool noAsk = false;
  bool verbose = false;
  std::vector<std::string> command;
};

int fail(const std::string& message) {
  std::fprintf(stderr, "airlock run: %s\n", message.c_str());
  return kExitRunFailed;
}

std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

int runRun(const RunFlags& f, const Context& ctx) {
  if (f.command.empty()) {
    std::fprintf(stderr, "airlock run: no command (airlock run [options] -- CMD [ARGS…])\n");
    return kExitUsage;
  }
  const sandbox::Support support = sandbox::probe();
  const bool sandboxed = support.problem.empty();
  if (!sandboxed && !f.unsafeNoSandbox)
    return fail(support.problem + ": refusing to run without a sandbox (--unsafe-no-sandbox runs the command with "
                "only the proxy in front of it, which it can bypass)");
  if (!sandboxed)
    std::fprintf(stderr,
                 "airlock run: WARNING: NO SANDBOX (%s). --unsafe-no-sandbox: the command runs as you, can open "
                 "any file you can and connect around the proxy; only what it sends through the proxy is decided\n",
                 support.problem.c_str());

  sandbox::Options o;
  o.user = f.user.empty() ? ctx.user() : f.user;
  o.agent = f.agent;
  o.session = !f.session.empty() ? f.session
              : !ctx.env.get("AIRLOCK_SESSION").empty()
                  ? ctx.env.get("AIRLOCK_SESSION")
                  : fmt::format("run-{}", core::sha256Hex(fmt::format("{}:{}", getpid(), ::time(nullptr))).substr(0, 12));
  std::error_code ec;
  const std::string ws = f.workspace.empty() ? ctx.env.cwd : f.workspace;
  auto wsPath = std::filesystem::canonical(ws, ec);
  if (ec || !std::filesystem::is_directory(wsPath, ec))
    return fail(fmt::format("--workspace {}: not a directory", ws));
  o.workspace = wsPath.string();
  for (const auto& r : f.runtime) {
    auto p = std::filesystem::canonical(r, ec);
    if (ec) return fail(fmt::format("--runtime {}: {}", r, ec.message()));
    o.runtime.push_back(p.string());
  }
  for (const auto& [k, v] : ctx.env.vars) o.environment.push_back(k + "=" + v);
  // airlock's state (audit, sessions, CA key) and the policy are never the child's business.
  o.privatePaths.push_back(std::filesystem::weakly_canonical(ctx.stateDir(), ec).string());
  if (ctx.policySource() != "built-in default") {
    auto pp = std::filesystem::weakly_canonical(ctx.policySource(), ec);
    if (!ec) o.privatePaths.push_back(pp.string());
  }
  o.proxyPort = static_cast<std::uint16_t>(f.proxyPort);
  o.askOnTerminal = !f.noAsk;

  proxy::ProxyOptions po;
  po.user = o.user;
  po.agent = o.agent;
  po.session = o.session;
  for (const auto& r : f.resolves) {
    auto e = proxy::parseResolve(r);
    if (!e) return fail(e.error().message);
    po.resolves.push_back(*e);
  }
  po.upstreamCaFile = f.upstreamCa;
  po.sslCertFile = ctx.env.get("SSL_CERT_FILE");
  po.sslCertDir = ctx.env.get("SSL_CERT_DIR");
  auto ca = proxy::CertAuthority::open(proxy::caDirectory(ctx.stateDir()));
  if (ca) {
    po.ca = *ca;
    // The child trusts the system's roots and airlock's CA (for the hosts the proxy inspects).
    std::string bundle = readFile("/etc/ssl/certs/ca-certificates.crt");
    if (!bundle.empty() && bundle.back() != '\n') bundle += '\n';
    bundle += readFile(proxy::caDirectory(ctx.stateDir()) + "/" + std::string(proxy::kCaCertFile));
    o.caBundlePem = std::move(bundle);
  } else if (ca.error().code != core::Code::kNotFound) {
    return fail(ca.error().toString());
  } else if (f.verbose) {
    std::fprintf(stderr, "airlock run: no CA (run `airlock ca init`): sinks that must be inspected are denied\n");
  }

  auto pol = ctx.loadPolicy();
  if (!pol) {
    std::fprintf(stderr, "airlock run: policy: %s\n", pol.error().toString().c_str());
    return kExitUsage;
  }
  // Two gates on one state: the child's opens are decided on this thread, the proxy's requests
  // on its own (a Gate is used from one thread at a time); the session is shared through the store.
  auto fileGate = ctx.openGate(*pol);
  if (!fileGate) return fail("state: " + fileGate.error().toString());
  auto netGate = ctx.openGate(*pol);
  if (!netGate) return fail("state: " + netGate.error().toString());

  auto sb = sandboxed ? sandbox::Sandbox::start(**fileGate, o, f.command)
                      : sandbox::Sandbox::startUnsandboxed(**fileGate, o, f.command);
  if (!sb) return fail(sb.error().toString());
  po.listenFd = (*sb)->takeProxyListener();
  auto px = proxy::Proxy::create(**netGate, std::move(po));
  if (!px) return fail(px.error().toString());  // the sandbox is killed on the way out
  proxy::Proxy* p = px->get();
  std::thread serving([p] { p->run(); });
  const int code = (*sb)->wait();
  p->stop();
  serving.join();
  if (f.verbose) {
    const auto st = (*sb)->stats();
    std::fprintf(stderr, "airlock run: session %s: %llu opens seen, %llu decided, %llu refused, %llu contents observed; exit %d\n",
                 o.session.c_str(), static_cast<unsigned long long>(st.opens),
                 static_cast<unsigned long long>(st.decided), static_cast<unsigned long long>(st.denied),
                 static_cast<unsigned long long>(st.observed), code);
  }
  return code;
}

}  // namespace

void addRunCommand(CLI::App& app, Context& ctx, int& exitCode) {
  auto f = std::make_shared<RunFlags>();
  auto* cmd = app.add_subcommand("run", "Run a command in a sandbox where the policy holds and the proxy is the only way out");
  cmd->add_option("--user", f->user, "The user the command works for (default $AIRLOCK_USER, else the OS user)");
  cmd->add_option("--agent", f->agent, "The agent the command is");
  cmd->add_option("--session", f->session, "The session (default $AIRLOCK_SESSION, else one per run)");
  cmd->add_option("--workspace", f->workspace, "The command's working directory (default: the current one)");
  cmd->add_option("--resolve", f->resolves, "HOST:PORT:ADDR: the proxy connects to ADDR for HOST:PORT (repeatable)");
  cmd->add_option("--upstream-ca", f->upstreamCa, "The proxy verifies upstream TLS against this CA bundle");
  cmd->add_option("--runtime", f->runtime, "Another tree the command may read and execute, like /usr (repeatable)");
  cmd->add_option("--proxy-port", f->proxyPort, "The proxy's port on 127.0.0.1 inside the sandbox (default 3128)")
      ->check(CLI::Range(1, 65535));
  cmd->add_flag("--unsafe-no-sandbox", f->unsafeNoSandbox,
                "Where the kernel has no sandbox, run anyway with only the proxy in front (it can be bypassed)");
  cmd->add_flag("--no-ask", f->noAsk,
                "Never ask on the terminal: an `ask` for an open is answered by defaults.non_interactive_ask");
  cmd->add_flag("-v,--verbose", f->verbose, "Print what the sandbox saw when the command ends");
  cmd->add_option("command", f->command, "The command and its arguments (after --)")->expected(-1);
  cmd->callback([f, &ctx, &exitCode] { exitCode = runRun(*f, ctx); });
}

}  // namespace airlock::cli
