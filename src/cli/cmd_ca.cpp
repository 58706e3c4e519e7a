// `airlock ca`: the local certificate authority that TLS inspection signs leaves with
// (docs/cli.md, src/adapters/proxy/ca.h). init creates it under $AIRLOCK_HOME/ca; path and
// show check it with the same CertAuthority::open() the proxy uses, so a CA they accept is one
// the proxy accepts. Exit 0 when done, 2 on any error.
#include <cstdio>
#include <memory>
#include <string>

#include "adapters/proxy/ca.h"
#include "cli/commands.h"

namespace airlock::cli {

namespace {

int fail(const core::Error& e) {
  std::fprintf(stderr, "airlock ca: %s\n", e.toString().c_str());
  return kExitUsage;
}

std::string caDir(const Context& ctx) { return proxy::caDirectory(ctx.stateDir()); }

struct InitFlags {
  bool force = false;
  std::string commonName = proxy::CaInitOptions{}.commonName;
  int days = proxy::CaInitOptions{}.days;
};

int runInit(const InitFlags& f, const Context& ctx) {
  proxy::CaInitOptions opts;
  opts.commonName = f.commonName;
  opts.days = f.days;
  opts.force = f.force;
  std::string dir = caDir(ctx);
  if (auto st = proxy::initCa(dir, opts); !st) return fail(st.error());
  auto ca = proxy::CertAuthority::open(dir);  // what the proxy will do, once now
  if (!ca) return fail(ca.error());
  std::printf("%s\n", (*ca)->certPath().c_str());
  std::printf(
      "hint: clients trust it through NODE_EXTRA_CA_CERTS (added to the defaults) or "
      "SSL_CERT_FILE, "
      "REQUESTS_CA_BUNDLE, CURL_CA_BUNDLE (these replace the defaults: point them at a bundle of "
      "the "
      "system CAs and this file)\n");
  return kExitOk;
}

int runPath(const Context& ctx) {
  auto ca = proxy::CertAuthority::open(caDir(ctx));
  if (!ca) return fail(ca.error());
  std::printf("%s\n", (*ca)->certPath().c_str());
  return kExitOk;
}

int runShow(const Context& ctx) {
  std::string dir = caDir(ctx);
  auto ca = proxy::CertAuthority::open(dir);
  if (!ca && ca.error().code == core::Code::kNotFound) return fail(ca.error());
  // A CA that open() refuses is still described (that is when one wants to look at it), but
  // the command fails.
  std::string certPath = dir + "/" + std::string(proxy::kCaCertFile);
  auto info = proxy::describeCertificate(certPath);
  if (!info) return fail(info.error());
  std::printf("certificate: %s\n", certPath.c_str());
  std::printf("subject:     %s\n", info->subject.c_str());
  std::printf("sha256:      %s\n", info->sha256Fingerprint.c_str());
  std::printf("not before:  %s\n", info->notBefore.c_str());
  std::printf("not after:   %s\n", info->notAfter.c_str());
  std::printf("status:      %s\n", ca ? "ok" : "unusable");
  if (!ca) return fail(ca.error());
  return kExitOk;
}

}  // namespace

void addCaCommand(CLI::App& app, Context& ctx, int& exitCode) {
  auto* cmd = app.add_subcommand(
      "ca", "The local certificate authority for TLS inspection ($AIRLOCK_HOME/ca)");
  cmd->require_subcommand(1);

  auto f = std::make_shared<InitFlags>();
  auto* init =
      cmd->add_subcommand("init", "Create the CA key (ca.key, 0600) and certificate (ca.crt)");
  init->add_flag("--force", f->force, "Replace an existing CA (clients must trust the new one)");
  init->add_option("--cn", f->commonName,
                   "The certificate's common name (default: airlock local CA)");
  init->add_option("--days", f->days, "Validity in days, 1–3650 (default 825)");
  init->callback([f, &ctx, &exitCode] { exitCode = runInit(*f, ctx); });

  auto* path = cmd->add_subcommand(
      "path", "Print the CA certificate's path (exit 2 when there is no usable CA)");
  path->callback([&ctx, &exitCode] { exitCode = runPath(ctx); });

  auto* show = cmd->add_subcommand(
      "show", "Print the CA certificate's subject, SHA-256 fingerprint and validity");
  show->callback([&ctx, &exitCode] { exitCode = runShow(ctx); });
}

}  // namespace airlock::cli
