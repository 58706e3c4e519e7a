// Fuzzes the IP literal parser and the SSRF address classification. The properties:
// parseIpAddress never crashes and every error names the problem; an accepted address's
// toString() parses back to the same bytes (so what the proxy logs and what it checked are one
// address); classification is total, gives a named class, and is unchanged by folding an
// embedded IPv4 address first (folding is idempotent); IPv4-mapped addresses are never public
// unless their IPv4 address is.
#include <stdlib.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

#include "core/address.h"

using airlock::core::AddressClass;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 4096) return 0;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto a = airlock::core::parseIpAddress(in);
  if (!a) {
    if (a.error().message.empty()) abort();  // errors must name the problem
    return 0;
  }
  const std::string text = a->toString();
  auto again = airlock::core::parseIpAddress(text);
  if (!again) {
    std::fprintf(stderr, "canonical form rejected: '%s': %s\n", text.c_str(),
                 again.error().message.c_str());
    abort();
  }
  if (*again != *a || again->toString() != text) {
    std::fprintf(stderr, "not a round trip: '%s' -> '%s'\n", text.c_str(),
                 again->toString().c_str());
    abort();
  }
  if (!a->v6) {
    for (std::size_t k = 4; k < 16; ++k)
      if (a->bytes[k] != 0) abort();  // IPv4 keeps the tail zero so == compares addresses
  }
  AddressClass cls = airlock::core::classifyAddress(*a);
  if (airlock::core::addressClassName(cls).empty()) abort();
  auto folded = airlock::core::embeddedIPv4OrSelf(*a);
  if (airlock::core::embeddedIPv4OrSelf(folded) != folded) abort();
  if (airlock::core::classifyAddress(folded) != cls) {
    std::fprintf(stderr, "folding changed the class of '%s'\n", text.c_str());
    abort();
  }
  if (!a->v6) {
    airlock::core::IpAddress mapped;
    mapped.v6 = true;
    mapped.bytes[10] = mapped.bytes[11] = 0xff;
    for (std::size_t k = 0; k < 4; ++k) mapped.bytes[12 + k] = a->bytes[k];
    if (airlock::core::classifyAddress(mapped) != cls) {
      std::fprintf(stderr, "'%s' and its IPv4-mapped form differ in class\n", text.c_str());
      abort();
    }
  }
  return 0;
}
