#include "adapters/proxy/proxy.h"

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

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
  // A non-public address is put to the gate again (it decides whether a sink names it).
  awaitable<core::Result<std::vector<tcp::endpoint>>> destination(const core::Request& req, const std::string& host,
                                                                    std::uint16_t port, core::Decision& decision) {
    std::vector<std::string> addrs;
    bool pinned = false;
    for (const auto& r : options.resolves)
      if (r.host == host && r.port == port) {
        addrs.push_back(r.address);
        pinned = true;
      }
    if (addrs.empty()) {
      if (core::parseIpAddress(host)) {
        addrs.push_back(host);
      } else {
        tcp::resolver resolver(ioc);
        beast::error_code ec;
        auto results = co_await resolver.async_resolve(host, std::to_string(port), net::redirect_error(use_awaitable, ec));
        if (ec) co_return makeError(Code::kUnavailable, "cannot resolve " + host + ": " + ec.message());
        for (const auto& e : results) addrs.push_back(e.endpoint().address().to_string());
      }
    }
    std::vector<tcp::endpoint> out;
    bool allPublic = true;
    for (const auto& a : addrs) {
      auto ip = core::parseIpAddress(a);
      if (!ip || core::classifyAddress(*ip) != core::AddressClass::kPublic) allPublic = false;
      beast::error_code ec;
      auto address = net::ip::make_address(a, ec);
      if (!ec) out.emplace_back(address, port);
    }
    if (!pinned && !allPublic) {
      core::Request again = req;
      again.addresses = addrs;
      decision = gate.decide(again);
      if (decision.verdict != core::Verdict::kAllow)
        co_return makeError(Code::kPermissionDenied, decision.reasons.empty() ? "denied" : decision.reasons.front());
    }
    if (out.empty()) co_return makeError(Code::kUnavailable, "no address for " + host);
    co_return out;
  }

  // Copies a response from upstream to the client as it arrives (bodies are not buffered).
  template <class Up, class Client>
  awaitable<bool> relayResponse(Up& up, beast::flat_buffer& upBuf, Client& client, bool head, bool clientKeepAlive) {
    std::optional<http::response_parser<http::buffer_body>> parser;
    beast::error_code ec;
    // Interim 1xx answers (100 Continue) are the proxy's business, not the client's: skipped.
    for (int interim = 0; interim < 8; ++interim) {
      parser.emplace();
      parser->body_limit(std::numeric_limits<std::uint64_t>::max());  // streamed, never held whole
      parser->skip(head);
      co_await http::async_read_header(up, upBuf, *parser, net::redirect_error(use_awaitable, ec));
      if (ec || parser->get().result_int() / 100 != 1 || parser->get().result() == http::status::switching_protocols) break;
    }
    auto& p = *parser;
    if (ec) {
      co_await sendStatus(client, http::status::bad_gateway, "proxy.upstream_error", "upstream response: " + ec.message());
      co_return false;
    }
    auto& msg = p.get();
    for (const auto& name : connectionListed(msg)) msg.erase(name);
    for (const char* name : {"proxy-connection", "keep-alive", "proxy-authenticate", "upgrade", "te", "trailer"}) msg.erase(name);
    const bool framed = head || p.content_length().has_value() || p.chunked() || msg.result_int() / 100 == 1 ||
                        msg.result() == http::status::no_content ||
                        msg.result() == http::status::not_modified;
    const bool keep = clientKeepAlive && framed;
    msg.keep_alive(keep);
    http::response_serializer<http::buffer_body> sr{msg};
    co_await http::async_write_header(client, sr, net::redirect_error(use_awaitable, ec));
    if (ec) co_return false;
    char buf[16384];
    while (!p.is_done() || !sr.is_done()) {
      if (!p.is_done()) {
        msg.body().data = buf;
        msg.body().size = sizeof(buf);
        co_await http::async_read(up, upBuf, p, net::redirect_error(use_awaitable, ec));
        if (ec == http::error::need_buffer) ec = {};
        if (ec) co_return false;
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
      if (ec) co_return false;
      if (p.is_done() && sr.is_done()) break;
    }
    co_return keep;
  }

  // Sends an allowed request upstream (a fresh connection each time) and relays the response.
  template <class Client>
  awaitable<bool> forward(Client& client, http::request<http::string_body>& in, const core::Url& url,
                          const core::Request& req, core::Decision& decision, bool tls) {
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
    auto where = co_await destination(req, url.host, url.port, decision);
    if (!where) {
      if (where.error().code == Code::kPermissionDenied) co_await sendDecision(client, decision);
      else co_await sendStatus(client, http::status::bad_gateway, "proxy.upstream_error", where.error().message);
      co_return false;
    }
    http::request<http::string_body> out{in.method(), url.path + (url.query.empty() ? "" : "?" + url.query), 11};
    for (const auto& [name, value] : req.headers) out.insert(name, value);  // exactly what was decided on
    const bool defaultPort = url.port == core::defaultPort(url.scheme);
    const std::string hostHeader = (url.hostKind == core::HostKind::kIPv6 ? "[" + url.host + "]" : url.host) +
                                   (defaultPort ? "" : ":" + std::to_string(url.port));
    out.set(http::field::host, hostHeader);
    out.body() = std::move(body);
    out.keep_alive(false);
    out.prepare_payload();
    const bool head = in.method() == http::verb::head;

    beast::tcp_stream up(ioc);
    up.expires_after(std::chrono::seconds(options.connectTimeoutSeconds));
    beast::error_code ec;
    co_await up.async_connect(where->begin(), where->end(), net::redirect_error(use_awaitable, ec));
    if (ec) {
      co_await sendStatus(client, http::status::bad_gateway, "proxy.upstream_error", "connect to " + url.host + ": " + ec.message());
      co_return false;
    }
    up.socket().set_option(tcp::no_delay(true), ec);
    up.expires_after(std::chrono::seconds(options.bodyTimeoutSeconds));
    beast::flat_buffer upBuf;
    if (!tls) {
      co_await http::async_write(up, out, net::redirect_error(use_awaitable, ec));
      if (ec) co_return false;
      co_return co_await relayResponse(up, upBuf, client, head, in.keep_alive());
    }
    beast::ssl_stream<beast::tcp_stream> upTls(std::move(up), upstreamTls);
    SSL* s = upTls.native_handle();
    SSL_set_tlsext_host_name(s, url.host.c_str());
    SSL_set1_host(s, url.host.c_str());
    SSL_set_verify(s, SSL_VERIFY_PEER, nullptr);
    co_await upTls.async_handshake(ssl::stream_base::client, net::redirect_error(use_awaitable, ec));
    if (ec) {
      co_await sendStatus(client, http::status::bad_gateway, "proxy.upstream_tls",
                          "TLS with " + url.host + " failed: " + ec.message());
      co_return false;
    }
    co_await http::async_write(upTls, out, net::redirect_error(use_awaitable, ec));
    if (ec) co_return false;
    co_return co_await relayResponse(upTls, upBuf, client, head, in.keep_alive());
  }

  // Reads requests from a client (plain, or the inside of an inspected tunnel) and handles each.
  template <class Client>
  awaitable<void> serveRequests(Client& client, beast::tcp_stream& raw, beast::flat_buffer& buf, const Tunnel* tunnel) {
    for (;;) {
      http::request_parser<http::string_body> p;
      p.header_limit(static_cast<std::uint32_t>(options.maxHeaderBytes));
      p.body_limit(options.maxBodyBytes);
      beast::error_code ec;
      raw.expires_after(std::chrono::seconds(options.headerTimeoutSeconds));
      co_await http::async_read_header(client, buf, p, net::redirect_error(use_awaitable, ec));
      if (ec == http::error::end_of_stream || ec == net::error::eof || ec == net::ssl::error::stream_truncated) co_return;
      if (ec == http::error::header_limit) {
        co_await sendStatus(client, http::status::request_header_fields_too_large, "proxy.bad_request", "request head too large");
        co_return;
      }
      if (ec == beast::error::timeout) {
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
      const bool keep = co_await forward(client, in, *url, req, d, tunnel != nullptr);
      if (!keep) co_return;
    }
  }

  // Byte relay between the client and upstream for a tunnel that is not inspected.
  awaitable<void> pump(beast::tcp_stream& from, beast::tcp_stream& to) {
    char buf[16384];
    for (;;) {
      beast::error_code ec;
      from.expires_after(std::chrono::seconds(options.idleTimeoutSeconds));
      std::size_t n = co_await from.async_read_some(net::buffer(buf), net::redirect_error(use_awaitable, ec));
      if (n > 0) {
        beast::error_code wec;
        co_await net::async_write(to, net::buffer(buf, n), net::redirect_error(use_awaitable, wec));
        if (wec) break;
      }
      if (ec) break;
    }
    beast::error_code ignored;
    to.socket().shutdown(tcp::socket::shutdown_send, ignored);
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
    std::string problem;
    if (hello.state == PeekState::kMalformed) problem = "TLS ClientHello: " + hello.error;
    else if (!hello.info.hasSni) problem = "TLS ClientHello names no server (SNI); the tunnel is to " + tunnel.host;
    else if (hello.info.sni != tunnel.host)
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
    auto pending = buf.data();
    co_await net::async_write(up, pending, net::redirect_error(use_awaitable, ec));
    if (ec) co_return;
    buf.consume(buf.size());
    // Both directions until either side is done.
    bool done = false;
    net::co_spawn(ioc, [this, &client, &up, &done]() -> awaitable<void> {
      co_await pump(up, client);
      done = true;
    }, net::detached);
    co_await pump(client, up);
    // Wait for the other direction to finish (it ends when upstream closes or goes idle).
    net::steady_timer t(ioc);
    while (!done) {
      t.expires_after(std::chrono::milliseconds(20));
      co_await t.async_wait(net::redirect_error(use_awaitable, ec));
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

core::Result<std::unique_ptr<Proxy>> Proxy::create(gate::Gate& gate, ProxyOptions options) {
  auto impl = std::make_unique<Impl>(gate, std::move(options));
  // A client that goes away mid-write must not kill the process.
  std::signal(SIGPIPE, SIG_IGN);
  beast::error_code ec;
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
  impl->port = impl->acceptor.local_endpoint().port();

  // Upstream TLS: verified against the system store or --upstream-ca; TLS 1.2 at least.
  SSL_CTX* up = impl->upstreamTls.native_handle();
  SSL_CTX_set_min_proto_version(up, TLS1_2_VERSION);
  if (impl->options.upstreamCaFile.empty()) {
    impl->upstreamTls.set_default_verify_paths(ec);
  } else {
    impl->upstreamTls.load_verify_file(impl->options.upstreamCaFile, ec);
  }
  if (ec) return makeError(Code::kInvalidArgument, "upstream CA: " + ec.message());
  static constexpr unsigned char kAlpn[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
  SSL_CTX_set_alpn_protos(up, kAlpn, sizeof kAlpn);

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
