#pragma once
// Canonical URLs (DESIGN.md "Resource"). parseUrl turns what an agent wrote into one canonical
// form so that policy matching cannot be dodged by spelling: scheme and host lower-cased,
// IDNA names to punycode (UTS #46 via libidn2), trailing dots removed, default ports filled
// in, every IPv4 notation (decimal 2130706433, octal 0177.0.0.1, hex 0x7f.1, short 127.1)
// recognised as the dotted-quad address, IPv6 compressed per RFC 5952 with its zone id kept
// apart, IPv4-mapped IPv6 ([::ffff:127.0.0.1], [::ffff:7f00:1]) folded to the IPv4 host
// with kind kIPv4 (the other IPv4-embedding IPv6 forms stay IPv6 here; core/address.h folds
// them for classification), userinfo stripped (and noted), dot segments removed from the path
// and percent-encoding normalised. Pure functions; thread-safe.

#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.h"

namespace airlock::core {

enum class HostKind : std::uint8_t { kName, kIPv4, kIPv6 };

struct Url {
  std::string scheme;  // lower case: "http", "https", …
  std::string host;    // name (punycode, lower case, no trailing dot), "a.b.c.d" (also for
                       // IPv4-mapped IPv6), or IPv6 w/o brackets
  HostKind hostKind = HostKind::kName;
  std::string zone;    // IPv6 zone id ("eth0"), empty when none
  std::uint16_t port = 0;        // explicit, else the scheme's default
  bool explicitPort = false;
  std::string path = "/";        // dot segments removed; unreserved chars decoded; other %XX upper-case
  std::string query;             // without '?', percent-encoding normalised like the path
  bool hadUserinfo = false;      // "user:pass@" was present and was stripped

  // scheme://host[:port]path[?query]; the port only when it is not the default; IPv6 in brackets.
  std::string toString() const;
  // The host as sinks list it (IPv6 without brackets): what sink host patterns are matched against.
  std::string hostForMatch() const { return host; }
};

// Parses an absolute URL. Errors (kInvalidArgument) name what was wrong: missing scheme,
// empty host, bad port, invalid IPv6 (or an IPv4-mapped one with a zone id), an IDNA failure,
// control characters or spaces.
Result<Url> parseUrl(std::string_view text);

// Recognises every IPv4 notation that inet_aton accepts (1–4 parts, each decimal, 0-octal or
// 0x-hex) and returns the dotted quad; nullopt-like error when text is not an IPv4 literal.
Result<std::string> parseIPv4Literal(std::string_view text);

// Default port for a scheme (http 80, https 443, ws 80, wss 443, ftp 21), 0 when unknown.
std::uint16_t defaultPort(std::string_view scheme);

}  // namespace airlock::core
