// `airlock proxy`: the egress proxy (src/adapters/proxy/proxy.h, docs/proxy.md). Loads the
// policy, opens the gate and the local CA (when there is one: without it, sinks that must be
// inspected are denied), listens, and serves until SIGINT/SIGTERM. With --ready-file it writes
// {"port": N} there once it listens (PORT 0 picks a free port). Exit 0 on a signal, 2 on errors.
#include <csignal>
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <sys/signalfd.h>
#include <unistd.h>

#include "adapters/proxy/proxy.h"
#include "cli/commands.h"

namespace airlock::cli {

namespace {

struct ProxyFlags {
  std::string listen = "127.0.0.1:8080";
  std::string user;
  std::string agent;
  std::string session;
  std::vector<std::string> resolves;
  std::string upstreamCa;
  std::string readyFile;
  std::string clientsFile;
  std::size_t maxBody = proxy::ProxyOptions{}.maxBodyBytes;
  int headerTimeout = proxy::ProxyOptions{}.headerTimeoutSeconds;
  int idleTimeout = proxy::ProxyOptions{}.idleTimeoutSeconds;
};

int fail(const std::string& message) {
  std::fprintf(stderr, "airlock proxy: %s\n", message.c_str());
  return kExitUsage;
}

int runProxy(const ProxyFlags& f, const Context& ctx) {
  proxy::ProxyOptions opts;
  auto colon = f.listen.rfind(':');
  if (colon == std::string::npos) return fail("--listen '" + f.listen + "': expected ADDR:PORT");
  opts.listenHost = f.listen.substr(0, colon);
  if (opts.listenHost.size() >= 2 && opts.listenHost.front() == '[' && opts.listenHost.back() == ']')
    opts.listenHost = opts.listenHost.substr(1, opts.listenHost.size() - 2);
  try {
    unsigned long p = std::stoul(f.listen.substr(colon + 1));
    if (p > 65535) throw std::out_of_range("port");
    opts.listenPort = static_cast<std::uint16_t>(p);
  } catch (const std::exception&) {
    return fail("--listen '" + f.listen + "': bad port");
  }
  opts.user = f.user.empty() ? ctx.user() : f.user;
  opts.agent = f.agent;
  opts.session = f.session;
  for (const auto& r : f.resolves) {
    auto e = proxy::parseResolve(r);
    if (!e) return fail(e.error().message);
    opts.resolves.push_back(*e);
  }
  opts.upstreamCaFile = f.upstreamCa;
  opts.sslCertFile = ctx.env.get("SSL_CERT_FILE");
  opts.sslCertDir = ctx.env.get("SSL_CERT_DIR");
  if (!f.clientsFile.empty()) {
    auto clients = proxy::ClientTable::load(f.clientsFile);
    if (!clients) return fail(clients.error().toString());
    opts.clients = std::make_shared<const proxy::ClientTable>(std::move(*clients));
  }
  opts.maxBodyBytes = f.maxBody;
  opts.headerTimeoutSeconds = f.headerTimeout;
  opts.idleTimeoutSeconds = f.idleTimeout;
  auto ca = proxy::CertAuthority::open(proxy::caDirectory(ctx.stateDir()));
  if (ca) {
    opts.ca = *ca;
  } else if (ca.error().code != core::Code::kNotFound) {
    return fail(ca.error().toString());  // a CA that is there but unusable is an error, not "none"
  } else {
    std::fprintf(stderr, "airlock proxy: no CA (run `airlock ca init`): sinks that must be inspected are denied\n");
  }
  auto pol = ctx.loadPolicy();
  if (!pol) return fail(pol.error().toString());
  auto gate = ctx.openGate(*pol);
  if (!gate) return fail(gate.error().toString());

  // Signals are taken by a thread that stops the proxy; the serving thread never sees them.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);

  auto px = proxy::Proxy::create(**gate, std::move(opts));
  if (!px) return fail(px.error().toString());
  std::fprintf(stderr, "airlock proxy: listening on %s:%u (policy: %s)\n",
               f.listen.substr(0, colon).c_str(), (*px)->port(), ctx.policySource().c_str());
  if (!f.readyFile.empty()) {
    const std::string tmp = f.readyFile + ".tmp";
    {
      std::ofstream out(tmp, std::ios::trunc);
      out << "{\"port\": " << (*px)->port() << "}\n";
      if (!out) return fail("cannot write --ready-file " + f.readyFile);
    }
    if (std::rename(tmp.c_str(), f.readyFile.c_str()) != 0) return fail("cannot write --ready-file " + f.readyFile);
  }
  proxy::Proxy* p = px->get();
  std::thread waiter([set, p] {
    int sig = 0;
    sigwait(&set, &sig);
    p->stop();
  });
  p->run();
  // run() returns after stop(): the waiter has its signal. (A run() that ended otherwise would
  // leave the waiter blocked; send it one.)
  pthread_kill(waiter.native_handle(), SIGTERM);
  waiter.join();
  return kExitOk;
}

}  // namespace

void addProxyCommand(CLI::App& app, Context& ctx, int& exitCode) {
  auto f = std::make_shared<ProxyFlags>();
  auto* cmd = app.add_subcommand("proxy", "The egress proxy: every HTTP(S) request decided by the policy");
  cmd->add_option("--listen", f->listen, "ADDR:PORT to listen on (default 127.0.0.1:8080; port 0 = any)");
  cmd->add_option("--user", f->user, "The user the requests are made for (default $AIRLOCK_USER, else the OS user)");
  cmd->add_option("--agent", f->agent, "The agent making the requests");
  cmd->add_option("--session", f->session, "The session whose label the requests carry");
  cmd->add_option("--resolve", f->resolves, "HOST:PORT:ADDR: connect to ADDR for HOST:PORT (as curl's; repeatable)");
  cmd->add_option("--upstream-ca", f->upstreamCa, "Verify upstream TLS against this CA bundle (default: the system's)");
  cmd->add_option("--clients", f->clientsFile,
                  "File of '<sha256 of token> user [agent] [session]' lines: each client must send Proxy-Authorization");
  cmd->add_option("--ready-file", f->readyFile, "Write {\"port\": N} to this file once listening");
  cmd->add_option("--max-body", f->maxBody, "Largest request body read for inspection, in bytes (larger: denied)");
  // Hidden (an empty group): for tests that cannot wait the default 30 s for a slow head, or
  // 120 s for an idle tunnel to be closed.
  cmd->add_option("--header-timeout", f->headerTimeout, "Seconds a request head may take to arrive (default 30)")
      ->check(CLI::Range(1, 3600))
      ->group("");
  cmd->add_option("--idle-timeout", f->idleTimeout, "Seconds a pass-through tunnel may stay silent (default 120)")
      ->check(CLI::Range(1, 86400))
      ->group("");
  cmd->callback([f, &ctx, &exitCode] { exitCode = runProxy(*f, ctx); });
}

}  // namespace airlock::cli
