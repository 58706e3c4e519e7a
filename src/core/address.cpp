#include "core/address.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstring>

#include <fmt/format.h>

namespace airlock::core {
namespace {

// Longest text worth looking at: a full IPv6 address with an embedded IPv4 tail is 45
// characters; a zone id adds at most kMaxZone more.
constexpr std::size_t kMaxZone = 64;
constexpr std::size_t kMaxText = 46 + 1 + kMaxZone;

bool isDigit(char c) { return c >= '0' && c <= '9'; }
bool isHex(char c) { return isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
bool isZoneChar(char c) {
  return isDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' || c == '_' ||
         c == '.';
}

// The input as it may appear in an error message: printable ASCII kept, anything else as \xNN,
// at most 64 characters, so a hostile string cannot forge log lines.
std::string quoted(std::string_view text) {
  std::string out = "'";
  std::size_t n = 0;
  for (unsigned char c : text) {
    if (++n > 64) {
      out += "…";
      break;
    }
    if (c >= 0x20 && c < 0x7f && c != '\'') {
      out += static_cast<char>(c);
    } else {
      out += fmt::format("\\x{:02x}", c);
    }
  }
  out += '\'';
  return out;
}

Error invalid(std::string message) { return makeError(Code::kInvalidArgument, std::move(message)); }

// Strict dotted quad: four decimal parts 0–255 without leading zeros.
Result<IpAddress> parseDottedQuad(std::string_view text) {
  IpAddress out;
  std::size_t part = 0;
  std::size_t i = 0;
  auto notCanonical = [&] {
    return invalid(fmt::format(
        "{} is not a dotted-quad IPv4 address (four decimal parts 0-255, no leading zeros)",
        quoted(text)));
  };
  while (true) {
    std::size_t start = i;
    unsigned v = 0;
    while (i < text.size() && isDigit(text[i]) && i - start < 3)
      v = v * 10 + static_cast<unsigned>(text[i++] - '0');
    std::size_t len = i - start;
    if (len == 0 || v > 255 || (len > 1 && text[start] == '0')) return notCanonical();
    out.bytes[part++] = static_cast<std::uint8_t>(v);
    if (part == 4) break;
    if (i >= text.size() || text[i] != '.') return notCanonical();
    ++i;
  }
  if (i != text.size()) return notCanonical();
  return out;
}

Result<IpAddress> parseV6(std::string_view text) {
  std::string_view addr = text;
  auto pct = text.find('%');
  if (pct != std::string_view::npos) {
    std::string_view zone = text.substr(pct + 1);
    addr = text.substr(0, pct);
    if (zone.empty()) return invalid(fmt::format("empty zone id in IPv6 address {}", quoted(text)));
    if (zone.size() > kMaxZone)
      return invalid(fmt::format("zone id longer than {} characters", kMaxZone));
    for (char c : zone)
      if (!isZoneChar(c))
        return invalid(fmt::format("invalid zone id in IPv6 address {}", quoted(text)));
  }
  // inet_pton reads a C string: a NUL or any other stray byte must not end the address early.
  for (char c : addr)
    if (!isHex(c) && c != ':' && c != '.')
      return invalid(fmt::format("invalid IPv6 address {}", quoted(text)));
  std::string copy(addr);
  in6_addr a6{};
  if (inet_pton(AF_INET6, copy.c_str(), &a6) != 1)
    return invalid(fmt::format("invalid IPv6 address {}", quoted(text)));
  IpAddress out;
  out.v6 = true;
  std::memcpy(out.bytes.data(), &a6, 16);
  return out;
}

IpAddress v4From(const std::array<std::uint8_t, 16>& b, std::size_t at) {
  IpAddress out;
  for (std::size_t k = 0; k < 4; ++k) out.bytes[k] = b[at + k];
  return out;
}

constexpr std::uint32_t ip4(unsigned a, unsigned b, unsigned c, unsigned d) {
  return (a << 24) | (b << 16) | (c << 8) | d;
}

struct V4Range {
  std::uint32_t base;
  int bits;
  AddressClass cls;
};

// RFC 6890 and the IANA IPv4 Special-Purpose Address Registry
// (https://www.iana.org/assignments/iana-ipv4-special-registry), plus multicast (RFC 5771) and
// the former class E space (RFC 1112). First match wins; exact addresses are handled before.
// Some registry entries are globally reachable (192.0.0.9 PCP anycast, 192.0.0.10 TURN
// anycast); they sit in 192.0.0.0/24 and are kReserved here: an agent has no business there.
constexpr V4Range kV4Ranges[] = {
    {ip4(0, 0, 0, 0), 8, AddressClass::kReserved},          // "this network" (RFC 791)
    {ip4(10, 0, 0, 0), 8, AddressClass::kPrivate},          // RFC 1918
    {ip4(100, 64, 0, 0), 10, AddressClass::kSharedCgnat},   // RFC 6598
    {ip4(127, 0, 0, 0), 8, AddressClass::kLoopback},        // RFC 1122
    {ip4(169, 254, 0, 0), 16, AddressClass::kLinkLocal},    // RFC 3927
    {ip4(172, 16, 0, 0), 12, AddressClass::kPrivate},       // RFC 1918
    {ip4(192, 0, 0, 0), 24, AddressClass::kReserved},       // IETF protocol assignments (RFC 6890)
    {ip4(192, 0, 2, 0), 24, AddressClass::kDocumentation},  // TEST-NET-1 (RFC 5737)
    {ip4(192, 88, 99, 0), 24, AddressClass::kReserved},  // deprecated 6to4 relay anycast (RFC 7526)
    {ip4(192, 168, 0, 0), 16, AddressClass::kPrivate},   // RFC 1918
    {ip4(198, 18, 0, 0), 15, AddressClass::kBenchmarking},     // RFC 2544
    {ip4(198, 51, 100, 0), 24, AddressClass::kDocumentation},  // TEST-NET-2 (RFC 5737)
    {ip4(203, 0, 113, 0), 24, AddressClass::kDocumentation},   // TEST-NET-3 (RFC 5737)
    {ip4(224, 0, 0, 0), 4, AddressClass::kMulticast},          // RFC 5771
    {ip4(240, 0, 0, 0), 4, AddressClass::kReserved},  // RFC 1112 (255.255.255.255 is exact)
};

// Cloud instance metadata services: they hand out the machine's credentials, so they get their
// own class: a policy can allow link-local or private space without also allowing these.
constexpr std::uint32_t kV4Metadata[] = {
    ip4(169, 254, 169, 254),  // AWS, GCP, Azure, OCI, DigitalOcean, OpenStack IMDS
    ip4(169, 254, 170, 2),    // AWS ECS task metadata and credentials
    ip4(169, 254, 170, 23),   // AWS EKS Pod Identity agent
    ip4(100, 100, 100, 200),  // Alibaba Cloud
    ip4(192, 0, 0, 192),      // Oracle Cloud (legacy)
};

AddressClass classifyV4(std::uint32_t a) {
  if (a == 0xffffffffU) return AddressClass::kBroadcast;  // RFC 919 limited broadcast
  if (a == 0) return AddressClass::kUnspecified;
  for (std::uint32_t m : kV4Metadata)
    if (a == m) return AddressClass::kMetadata;
  for (const auto& r : kV4Ranges) {
    std::uint32_t mask = 0xffffffffU << (32 - r.bits);
    if ((a & mask) == r.base) return r.cls;
  }
  return AddressClass::kPublic;
}

using Bytes16 = std::array<std::uint8_t, 16>;

struct V6Range {
  Bytes16 prefix;
  int bits;
  AddressClass cls;
};

bool inPrefix(const Bytes16& a, const Bytes16& prefix, int bits) {
  std::size_t full = static_cast<std::size_t>(bits / 8);
  for (std::size_t k = 0; k < full; ++k)
    if (a[k] != prefix[k]) return false;
  int rest = bits % 8;
  if (rest == 0) return true;
  auto mask = static_cast<std::uint8_t>(0xff << (8 - rest));
  return (a[full] & mask) == (prefix[full] & mask);
}

// RFC 6890 and the IANA IPv6 Special-Purpose Address Registry
// (https://www.iana.org/assignments/iana-ipv6-special-registry). Only 2000::/3 holds global
// unicast (IANA IPv6 Address Space registry), so everything else that is not listed here
// (100::/64 discard-only, 64:ff9b:1::/48 local-use NAT64, 5f00::/16 SRv6, unassigned space)
// falls to kReserved after this table. First match wins; :: and ::1 are handled before.
const V6Range kV6Ranges[] = {
    {{0xfe, 0x80}, 10, AddressClass::kLinkLocal},   // RFC 4291
    {{0xfe, 0xc0}, 10, AddressClass::kPrivate},     // site-local, deprecated (RFC 3879)
    {{0xfc, 0x00}, 7, AddressClass::kUniqueLocal},  // RFC 4193 (fd00::/8 inside it)
    {{0xff, 0x00}, 8, AddressClass::kMulticast},    // RFC 4291
    {{0x20, 0x01, 0x0d, 0xb8}, 32, AddressClass::kDocumentation},             // RFC 3849
    {{0x3f, 0xff}, 20, AddressClass::kDocumentation},                         // RFC 9637
    {{0x20, 0x01, 0x00, 0x02, 0x00, 0x00}, 48, AddressClass::kBenchmarking},  // RFC 5180
    // IETF protocol assignments (RFC 2928), Teredo 2001::/32 inside it (see address.h).
    {{0x20, 0x01, 0x00, 0x00}, 23, AddressClass::kReserved},
};

// fd00:ec2::254 (AWS IMDS over IPv6) and fd00:ec2::23 (EKS Pod Identity agent over IPv6).
const Bytes16 kV6Metadata[] = {
    {0xfd, 0x00, 0x0e, 0xc2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02, 0x54},
    {0xfd, 0x00, 0x0e, 0xc2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x00, 0x23},
};

AddressClass classifyV6(const Bytes16& a) {
  bool zeroHead = true;  // bytes 0..14
  for (std::size_t k = 0; k < 15; ++k) zeroHead = zeroHead && a[k] == 0;
  if (zeroHead && a[15] == 0) return AddressClass::kUnspecified;
  if (zeroHead && a[15] == 1) return AddressClass::kLoopback;
  for (const auto& m : kV6Metadata)
    if (a == m) return AddressClass::kMetadata;
  for (const auto& r : kV6Ranges)
    if (inPrefix(a, r.prefix, r.bits)) return r.cls;
  if ((a[0] & 0xe0) != 0x20) return AddressClass::kReserved;  // outside 2000::/3
  return AddressClass::kPublic;
}

}  // namespace

std::string_view addressClassName(AddressClass cls) {
  switch (cls) {
    case AddressClass::kPublic:
      return "public";
    case AddressClass::kLoopback:
      return "loopback";
    case AddressClass::kPrivate:
      return "private";
    case AddressClass::kLinkLocal:
      return "link_local";
    case AddressClass::kMetadata:
      return "metadata";
    case AddressClass::kUniqueLocal:
      return "unique_local";
    case AddressClass::kMulticast:
      return "multicast";
    case AddressClass::kUnspecified:
      return "unspecified";
    case AddressClass::kBroadcast:
      return "broadcast";
    case AddressClass::kReserved:
      return "reserved";
    case AddressClass::kSharedCgnat:
      return "shared_cgnat";
    case AddressClass::kDocumentation:
      return "documentation";
    case AddressClass::kBenchmarking:
      return "benchmarking";
  }
  return "reserved";  // not reachable with a valid enumerator; never "public"
}

std::string IpAddress::toString() const {
  if (!v6) return fmt::format("{}.{}.{}.{}", bytes[0], bytes[1], bytes[2], bytes[3]);
  in6_addr a6{};
  std::memcpy(&a6, bytes.data(), 16);
  std::array<char, INET6_ADDRSTRLEN> buf{};
  if (inet_ntop(AF_INET6, &a6, buf.data(), buf.size()) == nullptr)
    return "::";  // cannot fail for AF_INET6
  return buf.data();
}

Result<IpAddress> parseIpAddress(std::string_view text) {
  if (text.empty()) return invalid("empty IP address");
  if (text.size() > kMaxText)
    return invalid(fmt::format("IP address longer than {} characters", kMaxText));
  if (text.front() == '[')
    return invalid(fmt::format("IP address {} in brackets (give it without [ ])", quoted(text)));
  if (text.find(':') != std::string_view::npos) return parseV6(text);
  return parseDottedQuad(text);
}

Result<IpAddress> fromSockaddr(const sockaddr* addr) {
  if (addr == nullptr) return invalid("no socket address");
  IpAddress out;
  if (addr->sa_family == AF_INET) {
    sockaddr_in in4{};
    std::memcpy(&in4, addr, sizeof in4);
    std::memcpy(out.bytes.data(), &in4.sin_addr, 4);
    return out;
  }
  if (addr->sa_family == AF_INET6) {
    sockaddr_in6 in6{};
    std::memcpy(&in6, addr, sizeof in6);
    out.v6 = true;
    std::memcpy(out.bytes.data(), &in6.sin6_addr, 16);
    return out;
  }
  return invalid(fmt::format("socket address family {} is neither IPv4 nor IPv6", addr->sa_family));
}

IpAddress embeddedIPv4OrSelf(const IpAddress& addr) {
  if (!addr.v6) return addr;
  const Bytes16& b = addr.bytes;
  auto zeros = [&](std::size_t from, std::size_t to) {
    for (std::size_t k = from; k < to; ++k)
      if (b[k] != 0) return false;
    return true;
  };
  // ::ffff:a.b.c.d
  if (zeros(0, 10) && b[10] == 0xff && b[11] == 0xff) return v4From(b, 12);
  // ::a.b.c.d, except :: and ::1, which are IPv6's own unspecified and loopback addresses.
  if (zeros(0, 12)) {
    bool unspecOrLoop = zeros(12, 15) && (b[15] == 0 || b[15] == 1);
    return unspecOrLoop ? addr : v4From(b, 12);
  }
  // 64:ff9b::a.b.c.d
  if (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b && zeros(4, 12))
    return v4From(b, 12);
  // 2002:AABB:CCDD::/48
  if (b[0] == 0x20 && b[1] == 0x02) return v4From(b, 2);
  return addr;
}

AddressClass classifyAddress(const IpAddress& addr) {
  IpAddress folded = embeddedIPv4OrSelf(addr);
  if (!folded.v6) {
    const auto& b = folded.bytes;
    return classifyV4(ip4(b[0], b[1], b[2], b[3]));
  }
  return classifyV6(folded.bytes);
}

}  // namespace airlock::core
