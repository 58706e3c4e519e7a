#include "core/url.h"
#include "core/text.h"

#include <arpa/inet.h>
#include <idn2.h>

#include <array>
#include <cstdlib>
#include <vector>

#include <fmt/format.h>

namespace airlock::core {
namespace {

constexpr std::size_t kMaxUrl = 8192;

bool isAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool isDigit(char c) { return c >= '0' && c <= '9'; }
bool isHex(char c) { return isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
char lowerAscii(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }
bool unreserved(unsigned char c) {
  return isAlpha(static_cast<char>(c)) || isDigit(static_cast<char>(c)) || c == '-' || c == '.' || c == '_' || c == '~';
}
bool subDelim(char c) {
  return c == '!' || c == '$' || c == '&' || c == '\'' || c == '(' || c == ')' || c == '*' || c == '+' || c == ',' ||
         c == ';' || c == '=';
}

void pctEncode(std::string& out, unsigned char c) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  out += '%';
  out += kHex[c >> 4];
  out += kHex[c & 15];
}

// Normalises percent-encoding: %XX of an unreserved character is decoded, other %XX upper-cased,
// a stray '%' becomes %25, characters outside the allowed set are encoded.
std::string normalizePercent(std::string_view in, bool isQuery) {
  std::string out;
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(in[i]);
    if (c == '%') {
      if (i + 2 < in.size() && isHex(in[i + 1]) && isHex(in[i + 2])) {
        unsigned char v = static_cast<unsigned char>(hexDigitValue(in[i + 1]) * 16 + hexDigitValue(in[i + 2]));
        if (unreserved(v)) {
          out += static_cast<char>(v);
        } else {
          pctEncode(out, v);
        }
        i += 2;
      } else {
        out += "%25";
      }
      continue;
    }
    bool allowed = unreserved(c) || subDelim(static_cast<char>(c)) || c == ':' || c == '@' || c == '/' ||
                   (isQuery && c == '?');
    if (allowed) {
      out += static_cast<char>(c);
    } else {
      pctEncode(out, c);
    }
  }
  return out;
}

// RFC 3986 5.2.4 remove_dot_segments; empty segments ("//") are kept.
std::string removeDotSegments(std::string_view path) {
  std::vector<std::string_view> segs;
  bool trailingSlash = false;
  std::size_t i = 0;
  if (path.empty() || path[0] != '/') return std::string(path);
  i = 1;
  while (true) {
    std::size_t j = path.find('/', i);
    std::string_view seg = path.substr(i, j == std::string_view::npos ? std::string_view::npos : j - i);
    bool last = j == std::string_view::npos;
    if (seg == ".") {
      trailingSlash = last;
    } else if (seg == "..") {
      if (!segs.empty()) segs.pop_back();
      trailingSlash = last;
    } else {
      segs.push_back(seg);
      trailingSlash = false;
    }
    if (last) break;
    i = j + 1;
  }
  std::string out;
  for (auto s : segs) {
    out += '/';
    out.append(s);
  }
  if (trailingSlash || out.empty()) out += '/';
  return out;
}

bool endsInNumber(std::string_view host) {
  auto dot = host.rfind('.');
  std::string_view last = dot == std::string_view::npos ? host : host.substr(dot + 1);
  if (last.empty()) return false;
  bool digits = true;
  for (char c : last) digits = digits && isDigit(c);
  if (digits) return true;
  if (last.size() >= 2 && last[0] == '0' && (last[1] == 'x' || last[1] == 'X')) {
    for (char c : last.substr(2))
      if (!isHex(c)) return false;
    return true;
  }
  return false;
}

}  // namespace

std::uint16_t defaultPort(std::string_view scheme) {
  if (scheme == "http" || scheme == "ws") return 80;
  if (scheme == "https" || scheme == "wss") return 443;
  if (scheme == "ftp") return 21;
  return 0;
}

Result<std::string> parseIPv4Literal(std::string_view text) {
  if (text.empty() || text.size() > 64) return makeError(Code::kInvalidArgument, "not an IPv4 literal");
  std::array<std::uint64_t, 4> parts{};
  std::size_t n = 0;
  std::size_t i = 0;
  while (true) {
    if (n == 4) return makeError(Code::kInvalidArgument, "IPv4 literal with more than 4 parts");
    std::size_t j = text.find('.', i);
    std::string_view p = text.substr(i, j == std::string_view::npos ? std::string_view::npos : j - i);
    if (p.empty()) return makeError(Code::kInvalidArgument, "IPv4 literal with an empty part");
    std::uint64_t v = 0;
    int base = 10;
    std::string_view digits = p;
    if (p.size() >= 2 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
      base = 16;
      digits = p.substr(2);
    } else if (p.size() > 1 && p[0] == '0') {
      base = 8;
      digits = p.substr(1);
    }
    for (char c : digits) {
      int d;
      if (base == 16 && isHex(c)) d = hexDigitValue(c);
      else if (isDigit(c) && c - '0' < base) d = c - '0';
      else return makeError(Code::kInvalidArgument, fmt::format("'{}' is not a number in an IPv4 literal", p));
      v = v * static_cast<std::uint64_t>(base) + static_cast<std::uint64_t>(d);
      if (v > 0xffffffffULL) return makeError(Code::kInvalidArgument, "IPv4 literal out of range");
    }
    parts[n++] = v;
    if (j == std::string_view::npos) break;
    i = j + 1;
  }
  std::uint64_t addr = 0;
  for (std::size_t k = 0; k + 1 < n; ++k) {
    if (parts[k] > 255) return makeError(Code::kInvalidArgument, "IPv4 literal part above 255");
    addr |= parts[k] << (8 * (3 - k));
  }
  std::uint64_t lastMax = n == 1 ? 0xffffffffULL : (1ULL << (8 * (5 - n))) - 1;
  if (parts[n - 1] > lastMax) return makeError(Code::kInvalidArgument, "IPv4 literal out of range");
  addr |= parts[n - 1];
  return fmt::format("{}.{}.{}.{}", (addr >> 24) & 255, (addr >> 16) & 255, (addr >> 8) & 255, addr & 255);
}

std::string Url::toString() const {
  std::string out = scheme + "://";
  if (hostKind == HostKind::kIPv6) {
    out += '[' + host;
    if (!zone.empty()) out += "%25" + zone;
    out += ']';
  } else {
    out += host;
  }
  if (port != defaultPort(scheme)) out += fmt::format(":{}", port);
  out += path;
  if (!query.empty()) out += '?' + query;
  return out;
}

Result<Url> parseUrl(std::string_view text) {
  if (text.size() > kMaxUrl) return makeError(Code::kInvalidArgument, "URL longer than 8192 bytes");
  for (unsigned char c : text) {
    if (c < 0x21 || c == 0x7f)
      return makeError(Code::kInvalidArgument, "URL contains a space or a control character");
    // Clients disagree on a backslash: browsers read it as '/', curl and Python's urllib as
    // part of the userinfo, so https://allowed.test<backslash>@evil.test/ names two hosts.
    if (c == '\\') return makeError(Code::kInvalidArgument, "URL contains a backslash");
  }
  Url u;
  std::size_t i = 0;
  while (i < text.size() && (isAlpha(text[i]) || (i > 0 && (isDigit(text[i]) || text[i] == '+' || text[i] == '-' ||
                                                            text[i] == '.'))))
    ++i;
  if (i == 0 || text.substr(i, 3) != "://")
    return makeError(Code::kInvalidArgument, "URL has no scheme (expected scheme://host/…)");
  for (char c : text.substr(0, i)) u.scheme += lowerAscii(c);
  std::string_view rest = text.substr(i + 3);
  std::size_t end = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, end);
  std::string_view tail = end == std::string_view::npos ? std::string_view{} : rest.substr(end);
  auto at = authority.rfind('@');
  if (at != std::string_view::npos) {
    u.hadUserinfo = true;
    authority = authority.substr(at + 1);
  }
  std::string_view hostPart = authority, portPart;
  bool hasPort = false;
  if (!authority.empty() && authority[0] == '[') {
    auto close = authority.find(']');
    if (close == std::string_view::npos) return makeError(Code::kInvalidArgument, "IPv6 address without ']'");
    hostPart = authority.substr(1, close - 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':') return makeError(Code::kInvalidArgument, "unexpected characters after the IPv6 address");
      portPart = after.substr(1);
      hasPort = true;
    }
    std::string addr(hostPart), zone;
    auto pct = addr.find('%');
    if (pct != std::string::npos) {
      zone = addr.substr(pct + 1);
      if (zone.rfind("25", 0) == 0) zone = zone.substr(2);
      addr = addr.substr(0, pct);
      if (zone.empty()) return makeError(Code::kInvalidArgument, "empty IPv6 zone id");
      for (char c : zone)
        if (!(isAlpha(c) || isDigit(c) || c == '-' || c == '_' || c == '.'))
          return makeError(Code::kInvalidArgument, "invalid IPv6 zone id");
    }
    in6_addr a6{};
    if (inet_pton(AF_INET6, addr.c_str(), &a6) != 1)
      return makeError(Code::kInvalidArgument, fmt::format("invalid IPv6 address '{}'", addr));
    std::array<char, INET6_ADDRSTRLEN> buf{};
    inet_ntop(AF_INET6, &a6, buf.data(), buf.size());
    // An IPv4-mapped address (::ffff:a.b.c.d) is the IPv4 host on the wire, so it gets the
    // IPv4 spelling: one name for sink matching and SSRF checks. A zone id has no meaning on
    // it, and there is no canonical form that keeps one.
    const unsigned char* b = a6.s6_addr;
    bool mapped = b[10] == 0xff && b[11] == 0xff;
    for (int k = 0; k < 10; ++k) mapped = mapped && b[k] == 0;
    if (mapped) {
      if (!zone.empty())
        return makeError(Code::kInvalidArgument,
                         fmt::format("IPv4-mapped IPv6 address '{}' with a zone id", buf.data()));
      u.host = fmt::format("{}.{}.{}.{}", b[12], b[13], b[14], b[15]);
      u.hostKind = HostKind::kIPv4;
    } else {
      u.host = buf.data();
      u.zone = zone;
      u.hostKind = HostKind::kIPv6;
    }
  } else {
    auto colon = authority.rfind(':');
    if (colon != std::string_view::npos) {
      hostPart = authority.substr(0, colon);
      portPart = authority.substr(colon + 1);
      hasPort = true;
    }
    // Percent-decoding of the host: "%65vil.com" is evil.com.
    std::string host;
    for (std::size_t k = 0; k < hostPart.size(); ++k) {
      if (hostPart[k] == '%') {
        if (k + 2 >= hostPart.size() || !isHex(hostPart[k + 1]) || !isHex(hostPart[k + 2]))
          return makeError(Code::kInvalidArgument, "invalid percent-encoding in the host");
        host += static_cast<char>(hexDigitValue(hostPart[k + 1]) * 16 + hexDigitValue(hostPart[k + 2]));
        k += 2;
      } else {
        host += hostPart[k];
      }
    }
    if (!host.empty() && host.back() == '.') host.pop_back();
    if (host.empty()) return makeError(Code::kInvalidArgument, "URL has an empty host");
    bool ascii = true;
    for (unsigned char c : host) ascii = ascii && c < 0x80;
    if (!ascii) {
      char* out = nullptr;
      int rc = idn2_to_ascii_8z(host.c_str(), &out, IDN2_NONTRANSITIONAL | IDN2_NFC_INPUT);
      if (rc != IDN2_OK) {
        if (out) idn2_free(out);
        out = nullptr;
        rc = idn2_to_ascii_8z(host.c_str(), &out, IDN2_TRANSITIONAL | IDN2_NFC_INPUT);
      }
      if (rc != IDN2_OK) {
        if (out) idn2_free(out);
        return makeError(Code::kInvalidArgument, fmt::format("invalid internationalized host name: {}", idn2_strerror(rc)));
      }
      host = out;
      idn2_free(out);
      if (!host.empty() && host.back() == '.') host.pop_back();
    }
    for (char& c : host) c = lowerAscii(c);
    if (endsInNumber(host)) {
      auto v4 = parseIPv4Literal(host);
      if (!v4) return makeError(Code::kInvalidArgument, fmt::format("invalid IPv4 address '{}': {}", host, v4.error().message));
      u.host = *v4;
      u.hostKind = HostKind::kIPv4;
    } else {
      if (host.size() > 253) return makeError(Code::kInvalidArgument, "host name longer than 253 characters");
      std::size_t labelStart = 0;
      for (std::size_t k = 0; k <= host.size(); ++k) {
        if (k == host.size() || host[k] == '.') {
          std::size_t len = k - labelStart;
          if (len == 0) return makeError(Code::kInvalidArgument, fmt::format("host '{}' has an empty label", host));
          if (len > 63) return makeError(Code::kInvalidArgument, "host label longer than 63 characters");
          labelStart = k + 1;
          continue;
        }
        char c = host[k];
        if (!(isAlpha(c) || isDigit(c) || c == '-' || c == '_'))
          return makeError(Code::kInvalidArgument, fmt::format("invalid character in host '{}'", host));
      }
      u.host = host;
      u.hostKind = HostKind::kName;
    }
  }
  if (hasPort && !portPart.empty()) {
    if (portPart.size() > 5) return makeError(Code::kInvalidArgument, "invalid port");
    unsigned v = 0;
    for (char c : portPart) {
      if (!isDigit(c)) return makeError(Code::kInvalidArgument, fmt::format("invalid port '{}'", portPart));
      v = v * 10 + static_cast<unsigned>(c - '0');
    }
    if (v == 0 || v > 65535) return makeError(Code::kInvalidArgument, fmt::format("port {} out of range", v));
    u.port = static_cast<std::uint16_t>(v);
    u.explicitPort = true;
  } else {
    u.port = defaultPort(u.scheme);
  }
  // Path, query; the fragment never leaves the client and is dropped.
  auto hash = tail.find('#');
  if (hash != std::string_view::npos) tail = tail.substr(0, hash);
  auto q = tail.find('?');
  std::string rawPath(tail.substr(0, q));
  if (rawPath.empty()) rawPath = "/";
  u.path = removeDotSegments(normalizePercent(rawPath, false));
  if (q != std::string_view::npos) u.query = normalizePercent(tail.substr(q + 1), true);
  // Percent-encoding can triple the length; a canonical form parseUrl would itself refuse is
  // refused here, so that parseUrl(u.toString()) always gives u back.
  if (u.toString().size() > kMaxUrl)
    return makeError(Code::kInvalidArgument, "URL longer than 8192 bytes once canonicalized");
  return u;
}

}  // namespace airlock::core
