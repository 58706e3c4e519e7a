#include "cli/standin.h"

#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <atomic>
#include <mutex>
#include <thread>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "core/digest.h"

namespace airlock::cli {

namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
namespace http = boost::beast::http;
using tcp = net::ip::tcp;

namespace {

constexpr std::size_t kMaxBody = 16 << 20;
constexpr int kIoTimeoutSeconds = 5;

}  // namespace

struct StandIn::Impl {
  net::io_context ioc;
  tcp::acceptor acceptor{ioc};
  ssl::context tls{ssl::context::tls_server};
  std::vector<std::string> marks;
  std::atomic<bool> stopping{false};
  mutable std::mutex mu;
  std::vector<Arrival> arrivals;
  std::size_t connections = 0;
  std::thread thread;

  void serve() {
    while (!stopping.load()) {
      pollfd p{acceptor.native_handle(), POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0) continue;
      boost::system::error_code ec;
      tcp::socket s = acceptor.accept(ec);
      if (ec) continue;
      {
        std::lock_guard lock(mu);
        ++connections;
      }
      timeval tv{kIoTimeoutSeconds, 0};
      ::setsockopt(s.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
      ::setsockopt(s.native_handle(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
      one(s);
    }
  }

  void one(tcp::socket& s) {
    boost::system::error_code ec;
    ssl::stream<tcp::socket&> stream(s, tls);
    stream.handshake(ssl::stream_base::server, ec);
    if (ec) return;
    boost::beast::flat_buffer buf;
    http::request_parser<http::string_body> parser;
    parser.body_limit(kMaxBody);
    http::read(stream, buf, parser, ec);
    if (ec) return;
    const auto& req = parser.get();
    Arrival a;
    a.method = std::string(req.method_string());
    a.path = std::string(req.target());
    if (auto k = req.find("x-api-key"); k != req.end()) a.keySha256 = core::sha256Hex(std::string_view(k->value().data(), k->value().size()));
    a.bodySize = req.body().size();
    a.bodySha256 = core::sha256Hex(req.body());
    for (const auto& m : marks) a.carriesMark = a.carriesMark || req.body().find(m) != std::string::npos;
    {
      std::lock_guard lock(mu);
      arrivals.push_back(std::move(a));
    }
    http::response<http::string_body> res{http::status::ok, req.version()};
    res.set(http::field::content_type, "application/json");
    res.set(http::field::connection, "close");
    res.body() = R"({"id":"msg_standin","type":"message","content":[{"type":"text","text":"ok"}]})";
    res.prepare_payload();
    http::write(stream, res, ec);
    stream.shutdown(ec);
  }
};

StandIn::StandIn(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

StandIn::~StandIn() {
  impl_->stopping.store(true);
  if (impl_->thread.joinable()) impl_->thread.join();
}

core::Result<std::unique_ptr<StandIn>> StandIn::start(proxy::CertAuthority& ca, const std::string& host,
                                                      std::vector<std::string> marks) {
  auto leaf = ca.leafFor(host);
  if (!leaf) return leaf.error();
  auto impl = std::make_unique<Impl>();
  impl->marks = std::move(marks);
  SSL_CTX* ctx = impl->tls.native_handle();
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  if (SSL_CTX_use_certificate(ctx, (*leaf)->cert()) != 1 || SSL_CTX_use_PrivateKey(ctx, (*leaf)->key()) != 1)
    return core::makeError(core::Code::kInternal, "stand-in: cannot use its certificate");
  boost::system::error_code ec;
  tcp::endpoint ep(net::ip::make_address("127.0.0.1"), 0);
  impl->acceptor.open(ep.protocol(), ec);
  if (!ec) impl->acceptor.bind(ep, ec);
  if (!ec) impl->acceptor.listen(16, ec);
  if (ec) return core::makeError(core::Code::kUnavailable, "stand-in: cannot listen on 127.0.0.1: " + ec.message());
  Impl* p = impl.get();
  impl->thread = std::thread([p] { p->serve(); });
  return std::make_unique<StandIn>(std::move(impl));
}

std::uint16_t StandIn::port() const { return impl_->acceptor.local_endpoint().port(); }

std::vector<Arrival> StandIn::arrivals() const {
  std::lock_guard lock(impl_->mu);
  return impl_->arrivals;
}

std::size_t StandIn::connections() const {
  std::lock_guard lock(impl_->mu);
  return impl_->connections;
}

}  // namespace airlock::cli
