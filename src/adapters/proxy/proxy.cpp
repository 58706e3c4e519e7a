#include "adapters/proxy/proxy.h"

#include <dirent.h>
#include <sys/stat.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <limits>
#include <optional>
#include <unordered_map>
#include <csignal>
#include <nlohmann/json.hpp>

#include "adapters/proxy/client_hello.h"
#include "adapters/proxy/http_rules.h"
#include "core/address.h"
#include "core/text.h"
#include "core/url.h"

namespace airlock::proxy {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
using net::awaitable;
using net::use_awaitable;
using core::Code;
using core::makeError;

namespace {

std::string denyBody(std::string_view code, std::string_view reason) {
  nlohmann::json j;
  j["error"] = std::string(code);
  j["reason"] = std::string(reason);
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

struct Tunnel {
  std::string host;  // canonical CONNECT host
  std::uint16_t port = 443;
  ClientIdentity who;  // established by the CONNECT request
};

// Where an upstream connection goes: the names resolved for it, and whether they came from
// --resolve (pinned) and are all public (no SSRF question to put to the gate).
struct Destination {
  std::vector<std::string> addresses;
  bool pinned = false;
  bool allPublic = true;
};

// The upstream connection of one client connection (or one inspected tunnel), kept open between
// its requests while both sides keep alive: a TCP connect and, for tunnels, a TLS handshake per
// request was most of the cost of inspection. It is only reused for the same scheme, host and
// port; every request is still decided on its own and the SSRF check is repeated.
struct UpstreamSlot {
  bool tls = false;
  std::string host;
  std::uint16_t port = 0;
  Destination where;
  std::string sessionKey;  // host:port, read by the TLS new-session callback (outlives `secure`)
  std::unique_ptr<beast::tcp_stream> plain;
  std::unique_ptr<beast::ssl_stream<beast::tcp_stream>> secure;
  beast::flat_buffer buf;

  UpstreamSlot() = default;
  UpstreamSlot(const UpstreamSlot&) = delete;
  UpstreamSlot& operator=(const UpstreamSlot&) = delete;
  ~UpstreamSlot() { release(); }

  bool open() const { return plain != nullptr || secure != nullptr; }
  bool matches(bool t, const std::string& h, std::uint16_t p) const { return open() && tls == t && host == h && port == p; }
  // Closes a connection whose last exchange ended cleanly. OpenSSL takes a TLS connection freed
  // without a shutdown for a truncation attack and poisons its session for resumption; after a
  // complete answer there was none, so the shutdown is marked done (quietly: nothing is sent).
  void release() {
    if (secure && buf.size() == 0) {
      SSL_set_quiet_shutdown(secure->native_handle(), 1);
      (void)SSL_shutdown(secure->native_handle());
    }
    reset();
  }
  // Closes the connection, whatever state it is in.
  void reset() {
    beast::error_code ignored;
    if (plain) plain->socket().close(ignored);
    if (secure) secure->next_layer().socket().close(ignored);
    plain.reset();
    secure.reset();
    buf.clear();
  }
  tcp::socket& socket() { return plain ? plain->socket() : secure->next_layer().socket(); }
  // Idle and still good: nothing to read. Readable bytes on an idle connection are an EOF, a
  // TLS alert or junk, and any of them means it must not carry the next request.
  bool idle() {
    if (!open() || buf.size() != 0) return false;
    if (secure && SSL_pending(secure->native_handle()) > 0) return false;
    char c;
    const ssize_t n = ::recv(socket().native_handle(), &c, 1, MSG_PEEK | MSG_DONTWAIT);
    return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
  }
};

// A request that can be sent again when a reused connection turned out to be closed before any
// answer came (RFC 9110 §9.2.2).
bool idempotent(http::verb v) {
  return v == http::verb::get || v == http::verb::head || v == http::verb::options || v == http::verb::put ||
         v == http::verb::delete_ || v == http::verb::trace;
}

}  // namespace

core::Result<ResolveEntry> parseResolve(std::string_view spec) {
  // HOST:PORT:ADDR, as curl's; an IPv6 HOST or ADDR may be written in brackets.
  auto bad = [&](const std::string& why) {
    return makeError(Code::kInvalidArgument, "--resolve '" + std::string(spec) + "': " + why);
  };
  std::string_view rest = spec, host;
  if (!rest.empty() && rest.front() == '[') {
    auto close = rest.find(']');
    if (close == std::string_view::npos) return bad("unclosed '[' in HOST");
    host = rest.substr(0, close + 1);
    rest = rest.substr(close + 1);
    if (rest.empty() || rest.front() != ':') return bad("expected HOST:PORT:ADDR");
    rest.remove_prefix(1);
  } else {
    auto colon = rest.find(':');
    if (colon == std::string_view::npos || colon == 0) return bad("expected HOST:PORT:ADDR");
    host = rest.substr(0, colon);
    rest = rest.substr(colon + 1);
  }
  auto colon = rest.find(':');
  if (colon == std::string_view::npos) return bad("expected HOST:PORT:ADDR");
  std::string_view port = rest.substr(0, colon), addr = rest.substr(colon + 1);
  if (addr.size() >= 2 && addr.front() == '[' && addr.back() == ']') addr = addr.substr(1, addr.size() - 2);
  if (host.find_first_of("/?#@\\ ") != std::string_view::npos) return bad("bad host '" + std::string(host) + "'");
  auto url = core::parseUrl("https://" + std::string(host) + "/");
  if (!url || url->hadUserinfo || url->path != "/" || !url->query.empty())
    return bad("bad host '" + std::string(host) + "'");
  unsigned p = 0;
  for (char c : port) {
    if (c < '0' || c > '9' || p > 65535) return bad("bad port '" + std::string(port) + "'");
    p = p * 10 + static_cast<unsigned>(c - '0');
  }
  if (port.empty() || p == 0 || p > 65535) return bad("bad port '" + std::string(port) + "'");
  auto ip = core::parseIpAddress(addr);
  if (!ip) return bad("'" + std::string(addr) + "' is not an IP address");
  return ResolveEntry{url->host, static_cast<std::uint16_t>(p), ip->toString()};
}

struct Proxy::Impl {
  gate::Gate& gate;
  ProxyOptions options;
  net::io_context ioc{1};
  tcp::acceptor acceptor{ioc};
  ssl::context upstreamTls{ssl::context::tls_client};
  ssl::context clientTls{ssl::context::tls_server};
  std::uint16_t port = 0;
  // Upstream TLS sessions by host:port, for resumption (bounded; cleared when full).
  struct SessionFree {
    void operator()(SSL_SESSION* s) const { SSL_SESSION_free(s); }
  };
  static constexpr std::size_t kMaxSessions = 1024;
  std::unordered_map<std::string, std::unique_ptr<SSL_SESSION, SessionFree>> sessions;
  static int sessionKeyIndex() {
    static const int index = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
    return index;
  }
  // (Not the context's app data: Asio keeps its verify callback there.)
  static int implIndex() {
    static const int index = SSL_CTX_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
    return index;
  }
  // OpenSSL's new-session callback (TLS 1.3 tickets arrive after the handshake): keeps the
  // session under the connection's host:port. Returns 1: the reference is ours now.
  static int onNewSession(SSL* s, SSL_SESSION* session) {
    auto* impl = static_cast<Impl*>(SSL_CTX_get_ex_data(SSL_get_SSL_CTX(s), implIndex()));
    auto* key = static_cast<const std::string*>(SSL_get_ex_data(s, sessionKeyIndex()));
    if (impl == nullptr || key == nullptr || key->empty()) return 0;
    if (impl->sessions.size() >= kMaxSessions && !impl->sessions.contains(*key)) impl->sessions.clear();
    impl->sessions[*key].reset(session);
    return 1;
  }

  explicit Impl(gate::Gate& g, ProxyOptions o) : gate(g), options(std::move(o)) {}

  ClientIdentity flagsIdentity() const { return ClientIdentity{options.user, options.agent, options.session}; }

  core::Request baseRequest(const ClientIdentity& who) const {
    core::Request r;
    r.user = who.user;
    r.agent = who.agent;
    r.session = who.session;
    r.adapter = "proxy";
    r.action = core::Action::kNetRequest;
    r.canInspect = options.ca != nullptr;
    return r;
  }

  // A deny (or any non-allow) as the client sees it: 403 and the reason code.
  template <class Stream>
  awaitable<void> sendStatus(Stream& s, http::status status, std::string_view code, std::string_view reason) {
    http::response<http::string_body> res{status, 11};
    res.set(http::field::content_type, "application/json");
    res.set(http::field::server, "airlock");
    res.keep_alive(false);
    res.body() = denyBody(code, reason);
    res.prepare_payload();
    beast::error_code ec;
    co_await http::async_write(s, res, net::redirect_error(use_awaitable, ec));
  }
  // A body over --max-body cannot be inspected: denied (and audited) without being read.
  template <class Stream>
  awaitable<void> sendTooLarge(Stream& s, const ClientIdentity& who) {
    core::Request req = baseRequest(who);
    req.malformed = "request body over " + std::to_string(options.maxBodyBytes) + " bytes (--max-body)";
    co_await sendDecision(s, gate.decide(req));
  }
  // With --clients, a request without known proxy credentials: 407, and on record.
  template <class Stream>
  awaitable<void> sendProxyAuthRequired(Stream& s, const std::string& why) {
    core::Request req = baseRequest(ClientIdentity{});
    req.malformed = "proxy credentials: " + why;
    const core::Decision d = gate.decide(req);
    http::response<http::string_body> res{http::status::proxy_authentication_required, 11};
    res.set(http::field::content_type, "application/json");
    res.set(http::field::proxy_authenticate, "Basic realm=\"airlock\"");
    res.keep_alive(false);
    res.body() = denyBody(core::reasonCode(d.reason), req.malformed);
    res.prepare_payload();
    beast::error_code ec;
    co_await http::async_write(s, res, net::redirect_error(use_awaitable, ec));
  }
  template <class Stream>
  awaitable<void> sendDecision(Stream& s, const core::Decision& d) {
    co_await sendStatus(s, http::status::forbidden, core::reasonCode(d.reason),
                        d.reasons.empty() ? std::string_view("denied") : std::string_view(d.reasons.front()));
  }

  // Where a connection to host:port goes: --resolve, an IP literal, else DNS (the proxy's own).
  awaitable<core::Result<Destination>> resolve(const std::string& host, std::uint16_t port) {
    Destination d;
    for (const auto& r : options.resolves)
      if (r.host == host && r.port == port) {
        d.addresses.push_back(r.address);
        d.pinned = true;
      }
    if (d.addresses.empty()) {
      if (core::parseIpAddress(host)) {
        d.addresses.push_back(host);
      } else {
        tcp::resolver resolver(ioc);
        beast::error_code ec;
        auto results = co_await resolver.async_resolve(host, std::to_string(port), net::redirect_error(use_awaitable, ec));
        if (ec) co_return makeError(Code::kUnavailable, "cannot resolve " + host + ": " + ec.message());
        for (const auto& e : results) d.addresses.push_back(e.endpoint().address().to_string());
      }
    }
    for (const auto& a : d.addresses) {
      auto ip = core::parseIpAddress(a);
      if (!ip || core::classifyAddress(*ip) != core::AddressClass::kPublic) d.allPublic = false;
    }
    if (d.addresses.empty()) co_return makeError(Code::kUnavailable, "no address for " + host);
    co_return d;
  }

  // A non-public address (SSRF) is put to the gate again: it decides whether a sink names it.
  core::Result<void> checkAddresses(const core::Request& req, const Destination& where, core::Decision& decision) {
    if (where.pinned || where.allPublic) return {};
    core::Request again = req;
    again.addresses = where.addresses;
    decision = gate.decide(again);
    if (decision.verdict != core::Verdict::kAllow)
      return makeError(Code::kPermissionDenied, decision.reasons.empty() ? "denied" : decision.reasons.front());
    return {};
  }

  static std::vector<tcp::endpoint> endpoints(const Destination& where, std::uint16_t port) {
    std::vector<tcp::endpoint> out;
    for (const auto& a : where.addresses) {
      beast::error_code ec;
      auto address = net::ip::make_address(a, ec);
      if (!ec) out.emplace_back(address, port);
    }
    return out;
  }

  awaitable<core::Result<std::vector<tcp::endpoint>>> destination(const core::Request& req, const std::string& host,
                                                                    std::uint16_t port, core::Decision& decision) {
    auto where = co_await resolve(host, port);
    if (!where) co_return where.error();
    if (auto ok = checkAddresses(req, *where, decision); !ok) co_return ok.error();
    co_return endpoints(*where, port);
  }

  // What became of one request's exchange with upstream.
  enum class Relay : std::uint8_t {
    kClosed,   // done (or failed, the client told); neither connection is kept
    kKeepBoth, // done; client and upstream both keep alive
    kKeepClient,  // done; the client keeps alive, the upstream connection is spent
    kRetry,    // a reused upstream connection closed before answering: nothing sent to the client
  };

  // Copies a response from upstream to the client as it arrives (bodies are not buffered).
  template <class Up, class Client>
  awaitable<Relay> relayResponse(Up& up, beast::flat_buffer& upBuf, Client& client, bool head, bool clientKeepAlive,
                                 bool retryable) {
    std::optional<http::response_parser<http::buffer_body>> parser;
    beast::error_code ec;
    // Interim 1xx answers (100 Continue) are the proxy's business, not the client's: skipped.
    bool any = false;
    for (int interim = 0; interim < 8; ++interim) {
      parser.emplace();
      parser->body_limit(std::numeric_limits<std::uint64_t>::max());  // streamed, never held whole
      parser->skip(head);
      co_await http::async_read_header(up, upBuf, *parser, net::redirect_error(use_awaitable, ec));
      if (ec) break;
      any = true;
      if (parser->get().result_int() / 100 != 1 || parser->get().result() == http::status::switching_protocols) break;
    }
    auto& p = *parser;
    if (ec) {
      const bool closedEarly = ec == http::error::end_of_stream || ec == net::error::eof ||
                               ec == net::error::connection_reset || ec == net::ssl::error::stream_truncated;
      if (retryable && !any && upBuf.size() == 0 && closedEarly) co_return Relay::kRetry;
      co_await sendStatus(client, http::status::bad_gateway, "proxy.upstream_error", "upstream response: " + ec.message());
      co_return Relay::kClosed;
    }
    auto& msg = p.get();
    const bool upstreamKeepAlive = msg.keep_alive();
    for (const auto& name : connectionListed(msg)) msg.erase(name);
    for (const char* name : {"proxy-connection", "keep-alive", "proxy-authenticate", "upgrade", "te", "trailer"}) msg.erase(name);
    const bool framed = head || p.content_length().has_value() || p.chunked() || msg.result_int() / 100 == 1 ||
                        msg.result() == http::status::no_content ||
                        msg.result() == http::status::not_modified;
    const bool keep = clientKeepAlive && framed;
    msg.keep_alive(keep);
    http::response_serializer<http::buffer_body> sr{msg};
    co_await http::async_write_header(client, sr, net::redirect_error(use_awaitable, ec));
    if (ec) co_return Relay::kClosed;
    char buf[16384];
    while (!p.is_done() || !sr.is_done()) {
      if (!p.is_done()) {
        msg.body().data = buf;
        msg.body().size = sizeof(buf);
        co_await http::async_read(up, upBuf, p, net::redirect_error(use_awaitable, ec));
        if (ec == http::error::need_buffer) ec = {};
        if (ec) co_return Relay::kClosed;
        msg.body().size = sizeof(buf) - msg.body().size;
        msg.body().data = buf;
        msg.body().more = !p.is_done();
      } else {
        msg.body().data = nullptr;
        msg.body().size = 0;
        msg.body().more = false;
      }
      co_await http::async_write(client, sr, net::redirect_error(use_awaitable, ec));
      if (ec == http::error::need_buffer) ec = {};
      if (ec) co_return Relay::kClosed;
      if (p.is_done() && sr.is_done()) break;
    }
    if (!keep) co_return Relay::kClosed;
    // The upstream connection can carry the next request only if this answer ended cleanly by
    // its own framing and upstream did not say close (a 1xx switch never gets here).
    const bool reusable = upstreamKeepAlive && framed && p.is_done() && msg.result_int() / 100 != 1;
    co_return reusable ? Relay::kKeepBoth : Relay::kKeepClient;
  }

  // Opens the slot's connection to where (TCP, and TLS verified against --upstream-ca or the
  // system store for tunnels). On failure returns the reason code and message for a 502.
  awaitable<std::pair<std::string, std::string>> openUpstream(UpstreamSlot& slot, bool tls, const core::Url& url) {
    auto eps = endpoints(slot.where, url.port);
    auto up = std::make_unique<beast::tcp_stream>(ioc);
    up->expires_after(std::chrono::seconds(options.connectTimeoutSeconds));
    beast::error_code ec;
    co_await up->async_connect(eps.begin(), eps.end(), net::redirect_error(use_awaitable, ec));
    if (ec) co_return std::pair<std::string, std::string>{"proxy.upstream_error", "connect to " + url.host + ": " + ec.message()};
    up->socket().set_option(tcp::no_delay(true), ec);
    slot.tls = tls;
    slot.host = url.host;
    slot.port = url.port;
    if (!tls) {
      slot.plain = std::move(up);
      co_return std::pair<std::string, std::string>{};
    }
    auto secure = std::make_unique<beast::ssl_stream<beast::tcp_stream>>(std::move(*up), upstreamTls);
    SSL* s = secure->native_handle();
    // SNI carries DNS names only; SSL_set1_host checks an address against the IP SANs.
    if (url.hostKind == core::HostKind::kName) SSL_set_tlsext_host_name(s, url.host.c_str());
    SSL_set1_host(s, url.host.c_str());
    SSL_set_verify(s, SSL_VERIFY_PEER, nullptr);
    // Resumption: a new tunnel to a host seen before skips the full handshake. A session is kept
    // for the exact host and port it was verified for (onNewSession); a server that does not
    // accept it does a full handshake.
    slot.sessionKey = url.host + ":" + std::to_string(url.port);
    SSL_set_ex_data(s, sessionKeyIndex(), &slot.sessionKey);
    if (auto it = sessions.find(slot.sessionKey); it != sessions.end()) SSL_set_session(s, it->second.get());
    co_await secure->async_handshake(ssl::stream_base::client, net::redirect_error(use_awaitable, ec));
    if (ec) co_return std::pair<std::string, std::string>{"proxy.upstream_tls", "TLS with " + url.host + " failed: " + ec.message()};
    slot.secure = std::move(secure);
    co_return std::pair<std::string, std::string>{};
  }

  // Sends one request over the slot's connection and relays the answer.
  template <class Up, class Client>
  awaitable<Relay> exchange(Up& up, beast::flat_buffer& upBuf, Client& client, http::request<http::string_body>& out,
                            bool head, bool clientKeepAlive, bool retryable) {
    beast::get_lowest_layer(up).expires_after(std::chrono::seconds(options.bodyTimeoutSeconds));
    beast::error_code ec;
    co_await http::async_write(up, out, net::redirect_error(use_awaitable, ec));
    if (ec) {
      if (retryable) co_return Relay::kRetry;
      co_return Relay::kClosed;
    }
    co_return co_await relayResponse(up, upBuf, client, head, clientKeepAlive, retryable);
  }

  // Sends an allowed request upstream, over the connection kept from the client's previous
  // request when it goes to the same place and is still good, and relays the response.
  template <class Client>
  awaitable<bool> forward(Client& client, UpstreamSlot& slot, http::request<http::string_body>& in,
                          const core::Url& url, const core::Request& req, core::Decision& decision, bool tls) {
    std::string body = in.body();
    if (!decision.obligations.empty()) {
      auto redacted = gate::applyObligations(body, decision.obligations, std::string());
      if (!redacted) {
        co_await sendStatus(client, http::status::forbidden, "deny.internal_error",
                            "cannot apply the redaction the policy requires: " + redacted.error().message);
        co_return false;
      }
      body = std::move(*redacted);
    }
    bool reused = slot.matches(tls, url.host, url.port) && slot.idle();
    if (!reused) {
      slot.reset();
      auto where = co_await resolve(url.host, url.port);
      if (!where) {
        co_await sendStatus(client, http::status::bad_gateway, "proxy.upstream_error", where.error().message);
        co_return false;
      }
      slot.where = std::move(*where);
    }
    if (auto ok = checkAddresses(req, slot.where, decision); !ok) {
      slot.reset();
      co_await sendDecision(client, decision);
      co_return false;
    }
    http::request<http::string_body> out{in.method(), url.path + (url.query.empty() ? "" : "?" + url.query), 11};
    for (const auto& [name, value] : req.headers) out.insert(name, value);  // exactly what was decided on
    const bool defaultPort = url.port == core::defaultPort(url.scheme);
    const std::string hostHeader = (url.hostKind == core::HostKind::kIPv6 ? "[" + url.host + "]" : url.host) +
                                   (defaultPort ? "" : ":" + std::to_string(url.port));
    out.set(http::field::host, hostHeader);
    out.body() = std::move(body);
    out.keep_alive(true);
    out.prepare_payload();
    const bool head = in.method() == http::verb::head;

    for (int attempt = 0; attempt < 2; ++attempt) {
      if (!slot.open()) {
        auto [code, why] = co_await openUpstream(slot, tls, url);
        if (!code.empty()) {
          slot.reset();
          co_await sendStatus(client, http::status::bad_gateway, code, why);
          co_return false;
        }
      }
      // Sent again only when a kept connection proved dead before any answer, and only once.
      const bool retryable = reused && attempt == 0 && idempotent(in.method());
      Relay r = Relay::kClosed;
      if (tls) r = co_await exchange(*slot.secure, slot.buf, client, out, head, in.keep_alive(), retryable);
      else r = co_await exchange(*slot.plain, slot.buf, client, out, head, in.keep_alive(), retryable);
      if (r == Relay::kRetry) {
        slot.reset();
        reused = false;
        continue;
      }
      if (r == Relay::kKeepClient) slot.release();
      else if (r != Relay::kKeepBoth) slot.reset();
      co_return r != Relay::kClosed;
    }
    co_return false;
  }

  // Reads a request head within --header-timeout; beast::error::timeout when it is too slow.
  // Beast's own stream timeout closes the socket when it fires, which leaves nothing to answer
  // on; this timer only cancels the read, so the client still gets its 408. The timer's handler
  // may run after this frame is gone (queued before the read completed): it shares only `state`.
  template <class Client, class Parser>
  awaitable<beast::error_code> readHead(Client& client, beast::tcp_stream& raw, beast::flat_buffer& buf, Parser& p) {
    struct State {
      bool done = false;
      bool fired = false;
    };
    auto state = std::make_shared<State>();
    raw.expires_never();
    net::steady_timer timer(ioc);
    timer.expires_after(std::chrono::seconds(options.headerTimeoutSeconds));
    tcp::socket* socket = &raw.socket();
    timer.async_wait([state, socket](beast::error_code ec) {
      if (ec || state->done) return;
      state->fired = true;
      beast::error_code ignored;
      socket->cancel(ignored);
    });
    beast::error_code ec;
    co_await http::async_read_header(client, buf, p, net::redirect_error(use_awaitable, ec));
    state->done = true;
    timer.cancel();
    if (ec && state->fired) ec = beast::error::timeout;
    // What follows the head until the body's own limit (answers to a bad head, the CONNECT's
    // 200) is bounded as it was before this timer.
    raw.expires_after(std::chrono::seconds(options.headerTimeoutSeconds));
    co_return ec;
  }

  // Reads requests from a client (plain, or the inside of an inspected tunnel) and handles each.
  template <class Client>
  awaitable<void> serveRequests(Client& client, beast::tcp_stream& raw, beast::flat_buffer& buf, const Tunnel* tunnel) {
    UpstreamSlot slot;
    for (;;) {
      http::request_parser<http::string_body> p;
      p.header_limit(static_cast<std::uint32_t>(options.maxHeaderBytes));
      p.body_limit(options.maxBodyBytes);
      beast::error_code ec = co_await readHead(client, raw, buf, p);
      if (ec == http::error::end_of_stream || ec == net::error::eof || ec == net::ssl::error::stream_truncated) co_return;
      if (ec == http::error::header_limit) {
        co_await sendStatus(client, http::status::request_header_fields_too_large, "proxy.bad_request", "request head too large");
        co_return;
      }
      if (ec == beast::error::timeout) {
        // Part of a head came, too slowly (slowloris): 408. An idle kept-alive connection that
        // sent nothing is closed without an answer, which its client could take for the answer
        // to a request it was sending meanwhile.
        if (buf.size() == 0 && !p.got_some()) co_return;
        co_await sendStatus(client, http::status::request_timeout, "proxy.bad_request", "request head too slow");
        co_return;
      }
      if (ec == http::error::body_limit) {  // a Content-Length over the bound, known from the head
        // (Not a conditional expression inside co_await: GCC 12 evaluates both arms there.)
        ClientIdentity early = flagsIdentity();
        if (tunnel != nullptr) early = tunnel->who;
        co_await sendTooLarge(client, early);
        co_return;
      }
      if (ec) {
        co_await sendStatus(client, http::status::bad_request, "proxy.bad_request", "malformed request: " + ec.message());
        co_return;
      }
      if (auto problem = framingProblem(p.get()); !problem.empty()) {
        // A smuggling shape is an attempt worth a record: the gate denies and audits it.
        ClientIdentity asker = flagsIdentity();
        if (tunnel != nullptr) asker = tunnel->who;
        core::Request bad = baseRequest(asker);
        bad.malformed = "ambiguous request framing: " + problem;
        const core::Decision d = gate.decide(bad);
        co_await sendStatus(client, http::status::bad_request, core::reasonCode(d.reason), problem);
        co_return;
      }
      // Who asks: the flags' identity, a --clients entry, or (inside a tunnel) the CONNECT's.
      ClientIdentity who = flagsIdentity();
      if (tunnel != nullptr) who = tunnel->who;
      if (tunnel == nullptr && options.clients) {
        auto id = options.clients->identify(std::string(p.get()[http::field::proxy_authorization]));
        if (!id) {
          co_await sendProxyAuthRequired(client, id.error().message);
          co_return;
        }
        who = *id;
      }
      if (p.get().method() == http::verb::connect) {
        if (tunnel != nullptr) {
          co_await sendStatus(client, http::status::bad_request, "proxy.bad_request", "CONNECT inside a tunnel");
          co_return;
        }
        co_await connect(raw, buf, std::string(p.get().target()), who);
        co_return;
      }
      raw.expires_after(std::chrono::seconds(options.bodyTimeoutSeconds));
      // The whole body is read before anything is decided, so a client waiting for 100 Continue
      // is told to go on; the interim answer upstream gives is not passed back (see relay).
      if (beast::iequals(p.get()[http::field::expect], "100-continue") && !p.is_done()) {
        static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
        co_await net::async_write(client, net::buffer(kContinue.data(), kContinue.size()),
                                  net::redirect_error(use_awaitable, ec));
        if (ec) co_return;
      }
      co_await http::async_read(client, buf, p, net::redirect_error(use_awaitable, ec));
      if (ec == http::error::body_limit) {
        co_await sendTooLarge(client, who);
        co_return;
      }
      if (ec) {
        co_await sendStatus(client, http::status::bad_request, "proxy.bad_request", "request body: " + ec.message());
        co_return;
      }
      http::request<http::string_body> in = p.release();
      std::string target(in.target());
      core::Request req = baseRequest(who);
      req.method = std::string(in.method_string());
      // The gate decides on exactly the headers that will be sent: without the hop-by-hop ones,
      // those `Connection` names, and the proxy's own (a header the gate saw but upstream does
      // not, or the other way round, would let a checked key stand in for an unchecked one).
      req.headers = endToEndHeaders(in);
      req.body = in.body();
      core::Result<core::Url> url = makeError(Code::kInvalidArgument, "no URL");
      if (tunnel == nullptr) {
        if (core::asciiLower(target.substr(0, 7)) != "http://") {
          co_await sendStatus(client, http::status::bad_request, "proxy.bad_request",
                              target.starts_with("/") ? "not a proxy request (origin-form target); use an absolute http:// URL"
                                                      : "only http:// URLs are proxied in the clear; use CONNECT for https");
          co_return;
        }
        url = core::parseUrl(target);
        req.url = target;
      } else {
        // Inside a tunnel: origin-form target, and Host must be the tunnel's host.
        std::string host(in[http::field::host]);
        auto hostUrl = core::parseUrl("https://" + host + "/");
        req.url = "https://" + host + target;
        if (!target.starts_with("/")) {
          req.malformed = "request target inside a tunnel is not origin-form";
        } else if (!hostUrl || hostUrl->host != tunnel->host || hostUrl->port != tunnel->port) {
          req.malformed = "Host '" + host + "' does not match the tunnel's host " + tunnel->host + ":" +
                          std::to_string(tunnel->port);
          req.url = "https://" + tunnel->host + ":" + std::to_string(tunnel->port) + target;
        }
        url = core::parseUrl(req.url);
      }
      if (!url && req.malformed.empty()) req.malformed = "URL: " + url.error().message;
      core::Decision d = gate.decide(req);
      if (d.verdict != core::Verdict::kAllow || !url) {
        co_await sendDecision(client, d);
        co_return;
      }
      const bool keep = co_await forward(client, slot, in, *url, req, d, tunnel != nullptr);
      if (!keep) co_return;
    }
  }

  // The state both directions of a pass-through tunnel share (it lives in connect()'s frame,
  // which outlives both).
  struct Relaying {
    std::uint64_t activity = 0;  // bumped on every read; the idle watchdog compares it
    int running = 2;             // directions still copying
    net::steady_timer tick;      // the watchdog's timer; cancelled when the last direction ends
    explicit Relaying(net::io_context& ioc) : tick(ioc) {}
  };

  // Byte relay in one direction of a pass-through tunnel, on the raw sockets and without a
  // per-operation timer (re-arming one per read cost a timerfd update each time the earliest
  // deadline moved): the tunnel's idle limit is kept by one watchdog in connect().
  awaitable<void> pump(tcp::socket& from, tcp::socket& to, Relaying& r) {
    char buf[16384];
    beast::error_code ec;
    for (;;) {
      const std::size_t n = co_await from.async_read_some(net::buffer(buf), net::redirect_error(use_awaitable, ec));
      if (n > 0) {
        ++r.activity;
        beast::error_code wec;
        co_await net::async_write(to, net::buffer(buf, n), net::redirect_error(use_awaitable, wec));
        if (wec) break;
      }
      if (ec) break;
    }
    beast::error_code ignored;
    to.shutdown(tcp::socket::shutdown_send, ignored);
    if (--r.running == 0) r.tick.cancel();
  }

  awaitable<void> connect(beast::tcp_stream& client, beast::flat_buffer& buf, std::string target, ClientIdentity who) {
    core::Request req = baseRequest(who);
    req.method = "CONNECT";
    req.tunnel = true;
    auto url = core::parseUrl("https://" + target + "/");
    req.url = "https://" + target + "/";
    if (!url || url->path != "/" || !url->query.empty() || url->hadUserinfo || target.find('/') != std::string::npos)
      req.malformed = "CONNECT target '" + target + "' is not host:port";
    core::Decision d = gate.decide(req);
    if (d.verdict != core::Verdict::kAllow) {
      co_await sendDecision(client, d);
      co_return;
    }
    const Tunnel tunnel{url->host, url->port, who};
    // Resolved (and SSRF-checked) before the client is told the tunnel is open.
    std::vector<tcp::endpoint> where;
    if (!d.inspect) {
      auto dest = co_await destination(req, url->host, url->port, d);
      if (!dest) {
        if (dest.error().code == Code::kPermissionDenied) co_await sendDecision(client, d);
        else co_await sendStatus(client, http::status::bad_gateway, "proxy.upstream_error", dest.error().message);
        co_return;
      }
      where = std::move(*dest);
    }
    beast::error_code ec;
    static constexpr std::string_view kEstablished = "HTTP/1.1 200 Connection Established\r\n\r\n";
    co_await net::async_write(client, net::buffer(kEstablished.data(), kEstablished.size()),
                              net::redirect_error(use_awaitable, ec));
    if (ec) co_return;

    // The ClientHello must name the CONNECT host (no fronting, no missing SNI).
    client.expires_after(std::chrono::seconds(options.headerTimeoutSeconds));
    PeekResult hello;
    for (;;) {
      auto data = buf.data();
      hello = peekClientHello(std::string_view(static_cast<const char*>(data.data()), data.size()));
      if (hello.state != PeekState::kNeedMore) break;
      const std::size_t more = hello.needAtLeast > buf.size() ? hello.needAtLeast - buf.size() : 0;
      auto space = buf.prepare(std::max<std::size_t>(4096, more));
      std::size_t n = co_await client.async_read_some(space, net::redirect_error(use_awaitable, ec));
      buf.commit(n);
      if (ec) co_return;
    }
    // A tunnel to an IP literal has no SNI (RFC 6066 allows only DNS names there): a ClientHello
    // without one is the only right one, and one naming a host is fronting.
    const bool toAddress = url->hostKind != core::HostKind::kName;
    std::string problem;
    if (hello.state == PeekState::kMalformed) problem = "TLS ClientHello: " + hello.error;
    else if (!hello.info.hasSni && !toAddress)
      problem = "TLS ClientHello names no server (SNI); the tunnel is to " + tunnel.host;
    else if (hello.info.hasSni && toAddress)
      problem = "TLS ClientHello names " + hello.info.sni + " but the tunnel is to the address " + tunnel.host;
    else if (hello.info.hasSni && hello.info.sni != tunnel.host)
      problem = "TLS ClientHello names " + hello.info.sni + " but the tunnel is to " + tunnel.host;
    if (!problem.empty()) {
      core::Request bad = req;
      bad.malformed = problem;
      (void)gate.decide(bad);  // audited; the client only sees the connection close
      co_return;
    }

    if (d.inspect) {
      auto leaf = options.ca->leafFor(tunnel.host);
      if (!leaf) co_return;
      beast::ssl_stream<beast::tcp_stream&> tls(client, clientTls);
      SSL* s = tls.native_handle();
      if (SSL_use_certificate(s, (*leaf)->cert()) != 1 || SSL_use_PrivateKey(s, (*leaf)->key()) != 1) co_return;
      auto data = buf.data();
      std::string early(static_cast<const char*>(data.data()), data.size());
      buf.consume(buf.size());
      co_await tls.async_handshake(ssl::stream_base::server, net::buffer(early), net::redirect_error(use_awaitable, ec));
      if (ec) co_return;
      co_await serveRequests(tls, client, buf, &tunnel);
      beast::error_code ignored;
      tls.next_layer().socket().shutdown(tcp::socket::shutdown_both, ignored);
      co_return;
    }

    beast::tcp_stream up(ioc);
    up.expires_after(std::chrono::seconds(options.connectTimeoutSeconds));
    co_await up.async_connect(where.begin(), where.end(), net::redirect_error(use_awaitable, ec));
    if (ec) co_return;
    // A relay adds no coalescing of its own: what the client sent as it did goes on at once
    // (with Nagle, a second TLS record waits for the upstream's delayed ACK of the first).
    up.socket().set_option(tcp::no_delay(true), ec);
    auto pending = buf.data();
    co_await net::async_write(up, pending, net::redirect_error(use_awaitable, ec));
    if (ec) co_return;
    buf.consume(buf.size());
    // Both directions until both are done: each ends on EOF or an error and half-closes the
    // other side. The tunnel is closed once nothing has moved either way for the idle limit.
    tcp::socket& c = client.socket();
    tcp::socket& u = up.socket();
    Relaying r(ioc);
    net::co_spawn(ioc, pump(u, c, r), net::detached);
    net::co_spawn(ioc, pump(c, u, r), net::detached);
    bool closed = false;
    while (r.running > 0) {
      const std::uint64_t seen = r.activity;
      r.tick.expires_after(std::chrono::seconds(options.idleTimeoutSeconds));
      co_await r.tick.async_wait(net::redirect_error(use_awaitable, ec));
      if (r.running > 0 && !closed && ec != net::error::operation_aborted && r.activity == seen) {
        beast::error_code ignored;  // idle: both directions' waits end with operation_aborted
        c.cancel(ignored);
        u.cancel(ignored);
        closed = true;
      }
    }
  }

  awaitable<void> session(tcp::socket socket) {
    // A response head and its body go out as separate writes: without TCP_NODELAY the second
    // waits for the client's delayed ACK (40 ms per request on a kept-alive connection).
    beast::error_code nd;
    socket.set_option(tcp::no_delay(true), nd);
    beast::tcp_stream client(std::move(socket));
    beast::flat_buffer buf;
    try {
      co_await serveRequests(client, client, buf, nullptr);
    } catch (const std::exception&) {
      // A coroutine must never take the proxy down; the connection is dropped.
    }
    // A lingering close: after a refusal the client may still be sending the body; closing
    // with unread bytes would reset the connection and could destroy the answer before the
    // client reads it. Stop sending, discard what still comes (bounded), then close.
    beast::error_code ec;
    client.socket().shutdown(tcp::socket::shutdown_send, ec);
    char sink[16384];
    std::size_t drained = 0;
    client.expires_after(std::chrono::seconds(2));
    while (!ec && drained < (8u << 20)) {
      drained += co_await client.async_read_some(net::buffer(sink), net::redirect_error(use_awaitable, ec));
    }
    client.socket().shutdown(tcp::socket::shutdown_both, ec);
  }

  awaitable<void> listen() {
    for (;;) {
      beast::error_code ec;
      tcp::socket s = co_await acceptor.async_accept(net::redirect_error(use_awaitable, ec));
      if (ec == net::error::operation_aborted) co_return;
      if (ec) continue;
      net::co_spawn(ioc, session(std::move(s)), net::detached);
    }
  }
};

Proxy::Proxy(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Proxy::~Proxy() = default;
std::uint16_t Proxy::port() const { return impl_->port; }

namespace {

// True when DIR (the first of a colon-separated list) holds OpenSSL's subject-hash links
// (HHHHHHHH.N), as update-ca-certificates and `openssl rehash` make.
bool hasHashedCerts(const char* dirs) {
  const std::string dir(dirs, std::strcspn(dirs, ":"));
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return false;
  bool found = false;
  while (const dirent* e = ::readdir(d)) {
    std::string_view n = e->d_name;
    if (n.size() >= 10 && n[8] == '.' &&
        n.substr(0, 8).find_first_not_of("0123456789abcdef") == std::string_view::npos) {
      found = true;
      break;
    }
  }
  ::closedir(d);
  return found;
}

// True when A is empty or names the same file as B.
bool sameFile(const std::string& a, const char* b) {
  if (a.empty()) return true;
  struct stat sa {}, sb {};
  return ::stat(a.c_str(), &sa) == 0 && ::stat(b, &sb) == 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

}  // namespace

core::Result<std::unique_ptr<Proxy>> Proxy::create(gate::Gate& gate, ProxyOptions options) {
  auto impl = std::make_unique<Impl>(gate, std::move(options));
  // A client that goes away mid-write must not kill the process.
  std::signal(SIGPIPE, SIG_IGN);
  beast::error_code ec;
  if (impl->options.listenFd >= 0) {
    impl->acceptor.assign(tcp::v4(), impl->options.listenFd, ec);
    if (ec) {
      ::close(impl->options.listenFd);
      return makeError(Code::kInvalidArgument, "cannot serve the given listening socket: " + ec.message());
    }
  } else {
    auto address = net::ip::make_address(impl->options.listenHost, ec);
    if (ec) return makeError(Code::kInvalidArgument, "--listen: '" + impl->options.listenHost + "' is not an IP address");
    tcp::endpoint ep(address, impl->options.listenPort);
    impl->acceptor.open(ep.protocol(), ec);
    if (!ec) impl->acceptor.set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) impl->acceptor.bind(ep, ec);
    if (!ec) impl->acceptor.listen(net::socket_base::max_listen_connections, ec);
    if (ec)
      return makeError(Code::kUnavailable, "cannot listen on " + impl->options.listenHost + ":" +
                                               std::to_string(impl->options.listenPort) + ": " + ec.message());
  }
  impl->port = impl->acceptor.local_endpoint().port();

  // Upstream TLS: verified against the system store or --upstream-ca; TLS 1.2 at least.
  SSL_CTX* up = impl->upstreamTls.native_handle();
  SSL_CTX_set_min_proto_version(up, TLS1_2_VERSION);
  if (impl->options.upstreamCaFile.empty()) {
    if (!sameFile(impl->options.sslCertFile, X509_get_default_cert_file()) ||
        !hasHashedCerts(impl->options.sslCertDir.empty() ? X509_get_default_cert_dir()
                                                         : impl->options.sslCertDir.c_str())) {
      impl->upstreamTls.set_default_verify_paths(ec);
    } else {
      // Each issuer is read from the hashed directory when a verification first needs it
      // (honouring SSL_CERT_DIR); loading the whole bundle parses some 150 certificates, about
      // 25 ms of every start (PERFORMANCE.md, "Sandbox").
      X509_LOOKUP* dir = X509_STORE_add_lookup(SSL_CTX_get_cert_store(up), X509_LOOKUP_hash_dir());
      if (dir == nullptr || X509_LOOKUP_add_dir(dir, nullptr, X509_FILETYPE_DEFAULT) != 1)
        return makeError(Code::kInternal, "upstream CA: cannot use the system's certificate directory");
    }
  } else {
    impl->upstreamTls.load_verify_file(impl->options.upstreamCaFile, ec);
  }
  if (ec) return makeError(Code::kInvalidArgument, "upstream CA: " + ec.message());
  static constexpr unsigned char kAlpn[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
  SSL_CTX_set_alpn_protos(up, kAlpn, sizeof kAlpn);
  SSL_CTX_set_ex_data(up, Impl::implIndex(), impl.get());
  SSL_CTX_set_session_cache_mode(up, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
  SSL_CTX_sess_set_new_cb(up, &Impl::onNewSession);

  // Towards clients of inspected tunnels: http/1.1 only.
  SSL_CTX* down = impl->clientTls.native_handle();
  SSL_CTX_set_min_proto_version(down, TLS1_2_VERSION);
  SSL_CTX_set_alpn_select_cb(
      down,
      [](SSL*, const unsigned char** out, unsigned char* outlen, const unsigned char* in, unsigned inlen, void*) -> int {
        for (unsigned i = 0; i < inlen;) {
          unsigned len = in[i];
          if (i + 1 + len > inlen) break;
          if (len == 8 && std::string_view(reinterpret_cast<const char*>(in + i + 1), 8) == "http/1.1") {
            *out = in + i + 1;
            *outlen = 8;
            return SSL_TLSEXT_ERR_OK;
          }
          i += 1 + len;
        }
        return SSL_TLSEXT_ERR_NOACK;  // no ALPN: HTTP/1.1 is the default anyway
      },
      nullptr);
  return std::make_unique<Proxy>(std::move(impl));
}

void Proxy::run() {
  net::co_spawn(impl_->ioc, impl_->listen(), net::detached);
  impl_->ioc.run();
}

void Proxy::stop() { impl_->ioc.stop(); }

}  // namespace airlock::proxy
