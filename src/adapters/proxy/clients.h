#pragma once
// Who a proxy client is, from its Proxy-Authorization credentials (`airlock proxy --clients
// FILE`). Without a clients file every client is the identity of the proxy's flags. With one,
// each request must carry `Proxy-Authorization: Basic base64(name:token)` (what
// `curl -x http://name:token@host:port` sends) or `Bearer token`; the SHA-256 of the token
// picks the line, and with Basic the name must be that line's user.
//
// File format, one client per line, `#` comments and blank lines ignored:
//   <sha256 of the token, 64 hex>  <user>  [<agent>|-]  [<session>|-]
// Tokens themselves are never stored, logged or compared in clear.
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace airlock::proxy {

struct ClientIdentity {
  std::string user;
  std::string agent;
  std::string session;
};

class ClientTable {
 public:
  // Errors name the file, the line and what was wrong.
  static core::Result<ClientTable> parse(std::string_view text, const std::string& file);
  static core::Result<ClientTable> load(const std::string& path);
  // The identity a Proxy-Authorization header value stands for; kPermissionDenied naming why
  // (missing, malformed, unknown token, user mismatch) — never the token.
  core::Result<ClientIdentity> identify(std::string_view proxyAuthorization) const;
  std::size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    std::string sha256;
    ClientIdentity who;
  };
  std::vector<Entry> entries_;
};

}  // namespace airlock::proxy
