#pragma once
// IP addresses and their special-purpose class, for SSRF protection. The egress proxy resolves
// names itself and, unless a sink names the address, refuses any destination that is not
// kPublic: loopback, private, link-local, cloud metadata and the other non-public ranges of
// RFC 6890 and the IANA IPv4/IPv6 Special-Purpose Address Registries. IPv6 spellings that
// embed an IPv4 address (mapped, compatible, NAT64, 6to4) are classified as that IPv4 address,
// so "::ffff:169.254.169.254" is metadata like "169.254.169.254". Anything unexpected is
// classified as a non-public class (fail closed), never kPublic. Pure functions and plain
// values; thread-safe.

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.h"

struct sockaddr;

namespace airlock::core {

enum class AddressClass : std::uint8_t {
  kPublic,
  kLoopback,       // 127.0.0.0/8, ::1
  kPrivate,        // 10/8, 172.16/12, 192.168/16, fec0::/10 (deprecated site-local)
  kLinkLocal,      // 169.254/16, fe80::/10
  kMetadata,       // cloud instance metadata endpoints (credentials): 169.254.169.254, …
  kUniqueLocal,    // fc00::/7
  kMulticast,      // 224/4, ff00::/8
  kUnspecified,    // 0.0.0.0, ::  (Linux connects 0.0.0.0 to the local host)
  kBroadcast,      // 255.255.255.255
  kReserved,       // the rest of the special-purpose space, Teredo, IPv6 outside 2000::/3
  kSharedCgnat,    // 100.64/10
  kDocumentation,  // 192.0.2/24, 198.51.100/24, 203.0.113/24, 2001:db8::/32, 3fff::/20
  kBenchmarking,   // 198.18/15, 2001:2::/48
};

// "public", "loopback", "private", "link_local", "metadata", "unique_local", "multicast",
// "unspecified", "broadcast", "reserved", "shared_cgnat", "documentation", "benchmarking":
// stable words for deny reasons and logs.
std::string_view addressClassName(AddressClass cls);

// An IPv4 or IPv6 address in network byte order. IPv4 uses bytes[0..3]; the other bytes are
// zero, so == compares addresses. No zone id: it does not change what an address is.
struct IpAddress {
  bool v6 = false;
  std::array<std::uint8_t, 16> bytes{};

  // IPv4 as a dotted quad, IPv6 per RFC 5952 (inet_ntop: lower case, "::" compression,
  // "::ffff:a.b.c.d" for mapped addresses), exactly as parseUrl spells hosts; parseIpAddress
  // reads it back to the same bytes.
  std::string toString() const;

  bool operator==(const IpAddress&) const = default;
};

// Parses an IP literal: a canonical dotted quad (four decimal parts 0–255, no leading zeros;
// other inet_aton notations such as "127.1" or "0x7f000001" are errors: canonicalize them
// with parseUrl first) or IPv6 text without brackets, any case, optionally with a "%zone"
// suffix that is checked and dropped. Accepts every host parseUrl produces with kind kIPv4 or
// kIPv6. Errors (kInvalidArgument) name what was wrong; a caller deciding on a destination
// must treat an error as a deny.
Result<IpAddress> parseIpAddress(std::string_view text);

// The address in a sockaddr_in or sockaddr_in6 (as getaddrinfo, accept or an Asio endpoint
// give it); `addr` must point to a structure of the size its family implies. Any other
// family, or null, is an error (kInvalidArgument), not a guess.
Result<IpAddress> fromSockaddr(const sockaddr* addr);

// The IPv4 address an IPv6 address stands for, else the address itself:
//   ::ffff:a.b.c.d          IPv4-mapped (RFC 4291 2.5.5.2)
//   ::a.b.c.d               IPv4-compatible (deprecated, RFC 4291 2.5.5.1); not :: or ::1
//   64:ff9b::a.b.c.d        NAT64 well-known prefix (RFC 6052)
//   2002:AABB:CCDD::/48     6to4 (RFC 3056): the embedded AA.BB.CC.DD
// Teredo (2001::/32, RFC 4380) is not folded: it embeds a server address and an obfuscated
// client address, and neither is simply "the destination"; classifyAddress calls the whole
// prefix kReserved instead. IPv4 addresses are returned unchanged.
IpAddress embeddedIPv4OrSelf(const IpAddress& addr);

// The special-purpose class of an address after embeddedIPv4OrSelf. Exact metadata endpoints
// win over the range they sit in (169.254.169.254 is kMetadata, not kLinkLocal).
AddressClass classifyAddress(const IpAddress& addr);

}  // namespace airlock::core
