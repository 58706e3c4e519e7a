// Fuzzes the URL canonicalizer. The properties: parseUrl never crashes, and canonicalization
// is idempotent: whenever a URL is accepted, its canonical form is accepted too and is its
// own canonical form (same string, same host, same kind of host), so policy matching on the
// canonical form cannot be dodged by a second round of spelling.
#include <stdlib.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

#include "core/url.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 64 * 1024) return 0;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto u = airlock::core::parseUrl(in);
  if (!u) {
    if (u.error().message.empty()) abort();  // errors must name the problem
    return 0;
  }
  const std::string canon = u->toString();
  auto again = airlock::core::parseUrl(canon);
  if (!again) {
    std::fprintf(stderr, "canonical form rejected: '%s': %s\n", canon.c_str(), again.error().message.c_str());
    abort();
  }
  if (again->toString() != canon || again->host != u->host || again->hostKind != u->hostKind ||
      again->zone != u->zone || again->port != u->port || again->path != u->path || again->query != u->query) {
    std::fprintf(stderr, "not idempotent: '%s' -> '%s'\n", canon.c_str(), again->toString().c_str());
    abort();
  }
  return 0;
}
