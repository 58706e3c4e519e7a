#pragma once
// The egress proxy (DESIGN.md "Enforcement points", docs/proxy.md): an HTTP/1.1 forward proxy
// and CONNECT endpoint. Every request is a gate decision before any byte goes upstream:
//   - absolute-form http:// requests: method, URL, headers and body (read whole, up to a bound)
//     are decided; an allowed one is sent with its body (anonymized where the decision says so)
//     and the response streamed back;
//   - CONNECT host:port: the tunnel is decided on the host; the client's TLS ClientHello must
//     name that host (SNI). A sink that must be inspected (inspect: true, pinned credentials,
//     methods or paths) has its TLS terminated with a leaf from the local CA, and each request
//     inside is decided like a plain one (its Host must be the tunnel's host); otherwise the
//     bytes are relayed as they are.
// Names are resolved by the proxy, never by the client; a name that resolves to a non-public
// address is refused unless a sink names the address or --resolve mapped it. A denied request
// gets 403 with {"error": "<reason code>", "reason": "…"} and nothing reaches upstream.
//
// Threading: one thread runs run(); the gate is called from it (the gate is single-threaded).
// stop() may be called from any thread.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/proxy/ca.h"
#include "adapters/proxy/clients.h"
#include "core/result.h"
#include "gate/gate.h"

namespace airlock::proxy {

// --resolve HOST:PORT:ADDR, as curl's: connections to HOST:PORT go to ADDR.
struct ResolveEntry {
  std::string host;  // canonical (lower case, no trailing dot)
  std::uint16_t port = 0;
  std::string address;  // an IP literal
};
core::Result<ResolveEntry> parseResolve(std::string_view spec);

struct ProxyOptions {
  std::string listenHost = "127.0.0.1";
  std::uint16_t listenPort = 0;  // 0: any free port (see Proxy::port())
  int listenFd = -1;  // >= 0: serve this bound, listening IPv4 TCP socket instead (taken over, closed
                      // with the proxy): `airlock run` hands over one made in the sandbox's network
  std::string user;
  std::string agent;
  std::string session;
  std::vector<ResolveEntry> resolves;
  std::string upstreamCaFile;    // empty: the system's trust store
  // $SSL_CERT_FILE and $SSL_CERT_DIR, for the system's trust store. Roots are looked up by
  // subject hash in the certificate directory, each when a verification first needs it, unless
  // SSL_CERT_FILE names another file than the system's bundle or the directory holds no hashed
  // links: then the store is loaded whole (OpenSSL's defaults).
  std::string sslCertFile;
  std::string sslCertDir;
  std::shared_ptr<CertAuthority> ca;  // null: nothing can be inspected (such sinks are denied)
  std::shared_ptr<const ClientTable> clients;  // null: every client is user/agent/session above
  std::size_t maxHeaderBytes = 64 * 1024;
  std::size_t maxBodyBytes = 64 * 1024 * 1024;
  int headerTimeoutSeconds = 30;   // a request's head must arrive within this (slowloris); it
                                   // also bounds the wait for the next request on a kept-alive connection
  int bodyTimeoutSeconds = 300;
  int idleTimeoutSeconds = 120;    // a byte tunnel with no traffic either way
  int connectTimeoutSeconds = 15;
};

class Proxy {
 public:
  // Binds the listening socket (so port() is known) and prepares TLS; serves nothing until run().
  static core::Result<std::unique_ptr<Proxy>> create(gate::Gate& gate, ProxyOptions options);
  std::uint16_t port() const;
  void run();   // serves until stop()
  void stop();  // thread-safe
  ~Proxy();
  Proxy(const Proxy&) = delete;
  Proxy& operator=(const Proxy&) = delete;

  struct Impl;
  explicit Proxy(std::unique_ptr<Impl> impl);  // use create()

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace airlock::proxy
