#pragma once
// A stand-in for a remote HTTPS API on loopback, for `airlock demo`: it serves TLS as one host
// with a leaf of a given CA, answers every request 200 with a small JSON body, and records what
// arrived: method, path, body size and digest, the digest of the x-api-key header, and whether
// the body carried any of the given marks. Never the content itself. One thread, one request per
// connection (it answers `Connection: close`), reads bounded in size and time.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "adapters/proxy/ca.h"
#include "core/result.h"

namespace airlock::cli {

struct Arrival {
  std::string method;
  std::string path;
  std::string keySha256;  // of the x-api-key header; empty when there was none
  std::size_t bodySize = 0;
  std::string bodySha256;
  bool carriesMark = false;  // the body contained one of the marks
};

class StandIn {
 public:
  // Listens on 127.0.0.1 (an ephemeral port) as `host`, with a leaf of `ca`.
  static core::Result<std::unique_ptr<StandIn>> start(proxy::CertAuthority& ca, const std::string& host,
                                                      std::vector<std::string> marks);
  ~StandIn();  // stops serving and joins the thread
  StandIn(const StandIn&) = delete;
  StandIn& operator=(const StandIn&) = delete;

  std::uint16_t port() const;
  std::vector<Arrival> arrivals() const;
  std::size_t connections() const;  // accepted TCP connections, whether or not a request followed

  struct Impl;
  explicit StandIn(std::unique_ptr<Impl> impl);

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace airlock::cli
