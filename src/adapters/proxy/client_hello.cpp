#include "adapters/proxy/client_hello.h"

#include <algorithm>
#include <array>
#include <bitset>
#include <utility>

#include <fmt/format.h>

namespace airlock::proxy {
namespace {

constexpr std::uint8_t kContentHandshake = 22;
constexpr std::uint8_t kHandshakeClientHello = 1;
constexpr std::size_t kRecordHeader = 5;
constexpr std::size_t kHandshakeHeader = 4;
// TLSCiphertext may reach 2^14 + 256 bytes; a ClientHello record is plaintext (2^14), but the
// looser bound is the one servers enforce on an unknown first record, so it is ours too.
constexpr std::size_t kMaxRecord = 16384 + 256;
constexpr std::size_t kMaxSessionId = 32;
constexpr std::size_t kMaxHostName = 253;
constexpr std::size_t kMaxLabel = 63;

constexpr std::uint16_t kExtServerName = 0;
constexpr std::uint16_t kExtAlpn = 16;
constexpr std::uint16_t kExtPreSharedKey = 41;
constexpr std::uint16_t kExtSupportedVersions = 43;
constexpr std::uint16_t kExtEch = 0xfe0d;
constexpr std::uint16_t kTls13 = 0x0304;

PeekResult malformed(std::string why) {
  PeekResult r;
  r.state = PeekState::kMalformed;
  r.error = std::move(why);
  return r;
}

PeekResult needMore(std::size_t total) {
  PeekResult r;
  r.state = PeekState::kNeedMore;
  r.needAtLeast = total;
  return r;
}

// "0x47 ('G')" for a printable byte, "0x80" otherwise: names a byte without echoing control
// characters into logs.
std::string describeByte(std::uint8_t b) {
  if (b >= 0x20 && b < 0x7f) return fmt::format("0x{:02x} ('{}')", b, static_cast<char>(b));
  return fmt::format("0x{:02x}", b);
}

std::string_view contentTypeName(std::uint8_t t) {
  switch (t) {
    case 20:
      return "change_cipher_spec";
    case 21:
      return "alert";
    case 22:
      return "handshake";
    case 23:
      return "application_data";
    case 24:
      return "heartbeat";
    default:
      return {};
  }
}

// Why the first byte cannot start a TLS ClientHello record.
std::string notTls(std::uint8_t first) {
  if (first & 0x80) {
    return fmt::format(
        "not TLS: first byte {} is an SSLv2-style record header "
        "(SSLv2-compatible ClientHellos are not supported)",
        describeByte(first));
  }
  auto name = contentTypeName(first);
  if (!name.empty())
    return fmt::format("not a handshake record: the first record has content type {} ({})", first,
                       name);
  return fmt::format("not TLS: first byte {}", describeByte(first));
}

// A bounds-checked cursor over the ClientHello body: every read either succeeds or leaves the
// cursor where it was and returns false.
class Reader {
 public:
  explicit Reader(std::string_view b) : b_(b) {}
  std::size_t left() const { return b_.size() - pos_; }
  bool u8(std::uint8_t& v) {
    if (left() < 1) return false;
    v = at(pos_);
    pos_ += 1;
    return true;
  }
  bool u16(std::uint16_t& v) {
    if (left() < 2) return false;
    v = static_cast<std::uint16_t>((at(pos_) << 8) | at(pos_ + 1));
    pos_ += 2;
    return true;
  }
  bool bytes(std::size_t n, std::string_view& out) {
    if (left() < n) return false;
    out = b_.substr(pos_, n);
    pos_ += n;
    return true;
  }

 private:
  std::uint8_t at(std::size_t i) const { return static_cast<std::uint8_t>(b_[i]); }
  std::string_view b_;
  std::size_t pos_ = 0;
};

bool isDigit(char c) { return c >= '0' && c <= '9'; }
bool isHex(char c) { return isDigit(c) || (c >= 'a' && c <= 'f'); }

// The same rule as core/url.cpp: a name whose last label is a decimal number or 0x-hex is an
// IPv4 literal in some notation (and no TLD is numeric).
bool endsInNumber(std::string_view host) {
  auto dot = host.rfind('.');
  std::string_view last = dot == std::string_view::npos ? host : host.substr(dot + 1);
  if (last.empty()) return false;
  if (std::all_of(last.begin(), last.end(), isDigit)) return true;
  return last.size() >= 2 && last[0] == '0' && last[1] == 'x' &&
         std::all_of(last.begin() + 2, last.end(), isHex);
}

// Validates an SNI host_name and writes its canonical form (lower case, no trailing dot) to
// out. Returns an error message, empty when the name is valid.
std::string canonicalHostName(std::string_view raw, std::string& out) {
  if (raw.empty()) return "SNI host name is empty";
  for (char ch : raw) {
    auto c = static_cast<std::uint8_t>(ch);
    if (c == 0) return "SNI host name contains a NUL byte";
    if (c >= 0x80) {
      return fmt::format(
          "SNI host name contains the non-ASCII byte 0x{:02x} (IDNs must be sent as punycode)", c);
    }
  }
  std::string_view name = raw;
  if (name.back() == '.') name.remove_suffix(1);
  if (name.size() > kMaxHostName) {
    return fmt::format("SNI host name is {} characters long (at most {})", name.size(),
                       kMaxHostName);
  }
  out.clear();
  out.reserve(name.size());
  std::size_t labelStart = 0;
  for (std::size_t i = 0; i <= name.size(); ++i) {
    if (i == name.size() || name[i] == '.') {
      std::size_t len = i - labelStart;
      if (len == 0) return "SNI host name has an empty label";
      if (len > kMaxLabel)
        return fmt::format("SNI host name has a label of {} characters (at most {})", len,
                           kMaxLabel);
      if (name[labelStart] == '-' || name[i - 1] == '-')
        return "SNI host name has a label starting or ending with '-'";
      labelStart = i + 1;
      if (i < name.size()) out += '.';
      continue;
    }
    char c = name[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c == ':') {
      // Two colons or more: an IPv6 literal. One, before digits: "host:port" (hey sends the URL's
      // authority). Anything else falls to the generic message below.
      const auto colon = name.rfind(':');
      const std::string_view port = name.substr(colon + 1);
      if (name.find(':') != colon) return "SNI host name is an IPv6 literal (RFC 6066 allows only DNS names)";
      if (!port.empty() && port.size() <= 5 && std::all_of(port.begin(), port.end(), isDigit))
        return "SNI host name carries a port (RFC 6066 allows only DNS names)";
    }
    if (!((c >= 'a' && c <= 'z') || isDigit(c) || c == '-')) {
      return fmt::format("SNI host name contains {}, not a letter, digit, '-' or '.'",
                         describeByte(static_cast<std::uint8_t>(c)));
    }
    out += c;
  }
  if (endsInNumber(out))
    return fmt::format("SNI host name '{}' is an IP literal (RFC 6066 allows only DNS names)", out);
  return {};
}

// server_name (RFC 6066 section 3): exactly one entry, of type host_name.
std::string parseServerName(std::string_view data, ClientHelloInfo& info) {
  Reader r(data);
  std::uint16_t listLen = 0;
  if (!r.u16(listLen)) return "SNI extension is shorter than its list length";
  if (listLen != r.left()) {
    return fmt::format("SNI list length {} does not match the {} bytes left in the extension",
                       listLen, r.left());
  }
  if (listLen == 0) return "SNI extension holds an empty list";
  std::uint8_t type = 0;
  std::uint16_t nameLen = 0;
  std::string_view name;
  if (!r.u8(type)) return "SNI list is truncated";
  if (type != 0) return fmt::format("SNI entry of type {} is not host_name (0)", type);
  if (!r.u16(nameLen) || !r.bytes(nameLen, name))
    return "SNI host name runs past the end of the list";
  if (r.left() != 0) {
    std::uint8_t next = 0;
    (void)r.u8(next);
    if (next == 0) return "SNI list holds two host names";
    return fmt::format("SNI list holds a second entry, of type {}", next);
  }
  std::string err = canonicalHostName(name, info.sni);
  if (!err.empty()) return err;
  info.hasSni = true;
  return {};
}

// application_layer_protocol_negotiation (RFC 7301 section 3.1).
std::string parseAlpn(std::string_view data, ClientHelloInfo& info) {
  Reader r(data);
  std::uint16_t listLen = 0;
  if (!r.u16(listLen)) return "ALPN extension is shorter than its list length";
  if (listLen != r.left()) {
    return fmt::format("ALPN list length {} does not match the {} bytes left in the extension",
                       listLen, r.left());
  }
  if (listLen == 0) return "ALPN extension holds an empty list";
  while (r.left() > 0) {
    std::uint8_t len = 0;
    std::string_view proto;
    (void)r.u8(len);
    if (len == 0) return "ALPN list holds an empty protocol name";
    if (!r.bytes(len, proto)) return "ALPN protocol name runs past the end of the list";
    info.alpn.emplace_back(proto);
  }
  return {};
}

// supported_versions in a ClientHello (RFC 8446 section 4.2.1): a list of 2-byte versions.
std::string parseSupportedVersions(std::string_view data, ClientHelloInfo& info) {
  Reader r(data);
  std::uint8_t len = 0;
  if (!r.u8(len)) return "supported_versions extension is empty";
  if (len != r.left()) {
    return fmt::format(
        "supported_versions list length {} does not match the {} bytes left in the extension", len,
        r.left());
  }
  if (len < 2 || len % 2 != 0)
    return fmt::format("supported_versions list length {} is not a positive even number", len);
  std::uint16_t v = 0;
  while (r.u16(v)) {
    if (v == kTls13) info.supportsTls13 = true;
  }
  return {};
}

// The ClientHello body after the 4-byte handshake header (RFC 8446 section 4.1.2, RFC 5246
// section 7.4.1.2). Returns an error message, empty when the body is well formed.
std::string parseBody(std::string_view body, ClientHelloInfo& info) {
  Reader r(body);
  std::string_view skip;
  if (!r.u16(info.legacyVersion)) return "ClientHello is truncated before legacy_version";
  if ((info.legacyVersion >> 8) != 3) {
    return fmt::format("ClientHello legacy_version 0x{:04x} is not SSL 3.0 or TLS",
                       info.legacyVersion);
  }
  if (!r.bytes(32, skip)) return "ClientHello is truncated in random";
  std::uint8_t sidLen = 0;
  if (!r.u8(sidLen)) return "ClientHello is truncated before session_id";
  if (sidLen > kMaxSessionId)
    return fmt::format("session_id length {} exceeds {}", sidLen, kMaxSessionId);
  if (!r.bytes(sidLen, skip)) return "ClientHello is truncated in session_id";
  std::uint16_t csLen = 0;
  if (!r.u16(csLen)) return "ClientHello is truncated before cipher_suites";
  if (csLen < 2 || csLen % 2 != 0)
    return fmt::format("cipher_suites length {} is not a positive even number", csLen);
  if (!r.bytes(csLen, skip)) return "cipher_suites run past the end of the ClientHello";
  std::uint8_t compLen = 0;
  if (!r.u8(compLen)) return "ClientHello is truncated before compression_methods";
  if (compLen == 0) return "compression_methods list is empty";
  if (!r.bytes(compLen, skip)) return "compression_methods run past the end of the ClientHello";
  if (r.left() == 0) return {};  // a ClientHello without extensions (so without SNI)

  std::uint16_t extLen = 0;
  if (!r.u16(extLen)) return "ClientHello has 1 byte where the extensions length should be";
  if (extLen > r.left()) {
    return fmt::format("extensions length {} runs past the end of the ClientHello ({} bytes left)",
                       extLen, r.left());
  }
  if (extLen < r.left()) {
    return fmt::format("{} trailing bytes after the extensions at the end of the ClientHello",
                       r.left() - extLen);
  }
  std::bitset<65536> seen;
  bool pskSeen = false;
  while (r.left() > 0) {
    std::uint16_t type = 0;
    std::uint16_t len = 0;
    std::string_view data;
    if (!r.u16(type) || !r.u16(len)) return "extensions end with a truncated extension header";
    if (!r.bytes(len, data)) {
      return fmt::format(
          "extension 0x{:04x} length {} runs past the end of the extensions ({} bytes left)", type,
          len, r.left());
    }
    if (seen.test(type)) return fmt::format("extension 0x{:04x} appears twice", type);
    seen.set(type);
    // RFC 8446 4.2.11: pre_shared_key must be the last extension.
    if (pskSeen) return "pre_shared_key is not the last extension";
    std::string err;
    switch (type) {
      case kExtServerName:
        err = parseServerName(data, info);
        break;
      case kExtAlpn:
        err = parseAlpn(data, info);
        break;
      case kExtSupportedVersions:
        err = parseSupportedVersions(data, info);
        break;
      case kExtPreSharedKey:
        pskSeen = true;
        break;
      case kExtEch:
        info.hasEch = true;
        break;
      default:
        break;
    }
    if (!err.empty()) return err;
  }
  return {};
}

}  // namespace

PeekResult peekClientHello(std::string_view bytes) {
  const std::size_t n = bytes.size();
  auto byteAt = [&](std::size_t i) { return static_cast<std::uint8_t>(bytes[i]); };
  if (n == 0) return needMore(kRecordHeader);
  if (byteAt(0) != kContentHandshake) return malformed(notTls(byteAt(0)));

  std::array<std::string_view, kMaxClientHelloRecords> frags;
  std::size_t nfrags = 0;
  std::array<std::uint8_t, kHandshakeHeader> hsHeader{};
  std::size_t collected = 0;  // handshake bytes in complete records so far
  std::size_t msgTotal = 0;   // header + body length of the ClientHello; 0 until known
  std::size_t off = 0;        // start of the current record
  while (true) {
    const std::size_t avail = n - off;
    const std::size_t recNo = nfrags + 1;
    if (avail >= 1 && byteAt(off) != kContentHandshake) {
      auto name = contentTypeName(byteAt(off));
      return malformed(fmt::format(
          "record {} has content type {}{}{}{}, not handshake: the ClientHello is incomplete",
          recNo, byteAt(off), name.empty() ? "" : " (", name, name.empty() ? "" : ")"));
    }
    if (avail >= 2 && byteAt(off + 1) != 3) {
      return malformed(fmt::format("not TLS: record {} has version major byte {}", recNo,
                                   describeByte(byteAt(off + 1))));
    }
    if (avail < kRecordHeader) return needMore(off + kRecordHeader);
    const std::size_t len = (static_cast<std::size_t>(byteAt(off + 3)) << 8) | byteAt(off + 4);
    if (len == 0) return malformed(fmt::format("record {} is an empty handshake record", recNo));
    if (len > kMaxRecord) return malformed(fmt::format("record length {} exceeds 16384+256", len));
    const std::size_t have = std::min(len, avail - kRecordHeader);
    const std::string_view frag = bytes.substr(off + kRecordHeader, have);

    // Check the handshake header as soon as its bytes arrive, so that a non-ClientHello is
    // refused without waiting for a whole record.
    for (std::size_t i = collected; i < kHandshakeHeader && i < collected + have; ++i) {
      hsHeader[i] = static_cast<std::uint8_t>(frag[i - collected]);
      if (i == 0 && hsHeader[0] != kHandshakeClientHello) {
        return malformed(
            fmt::format("handshake message type {} is not client_hello (1)", hsHeader[0]));
      }
      if (i == kHandshakeHeader - 1) {
        std::size_t bodyLen = (static_cast<std::size_t>(hsHeader[1]) << 16) |
                              (static_cast<std::size_t>(hsHeader[2]) << 8) | hsHeader[3];
        if (bodyLen > kMaxClientHelloBytes) {
          return malformed(
              fmt::format("ClientHello length {} exceeds {}", bodyLen, kMaxClientHelloBytes));
        }
        msgTotal = kHandshakeHeader + bodyLen;
      }
    }
    if (msgTotal != 0 && collected + len > msgTotal) {
      return malformed(fmt::format("record {} holds {} bytes after the ClientHello", recNo,
                                   collected + len - msgTotal));
    }
    const std::size_t recordEnd = off + kRecordHeader + len;
    if (have < len) {
      // The whole record is needed; if the message is known to go on past it, a next record's
      // header too.
      bool more = msgTotal != 0 && collected + len < msgTotal;
      return needMore(recordEnd + (more && recNo < kMaxClientHelloRecords ? kRecordHeader : 0));
    }
    frags[nfrags++] = frag;
    collected += len;
    if (msgTotal != 0 && collected == msgTotal) break;
    if (nfrags == kMaxClientHelloRecords) {
      return malformed(
          fmt::format("ClientHello spans more than {} records", kMaxClientHelloRecords));
    }
    off = recordEnd;
  }

  // Only a ClientHello spread over several records is copied, to join its pieces.
  std::string joined;
  std::string_view message = frags[0];
  if (nfrags > 1) {
    joined.reserve(msgTotal);
    for (std::size_t i = 0; i < nfrags; ++i) joined.append(frags[i]);
    message = joined;
  }
  PeekResult r;
  std::string err = parseBody(message.substr(kHandshakeHeader), r.info);
  if (!err.empty()) return malformed(std::move(err));
  r.state = PeekState::kDone;
  return r;
}

}  // namespace airlock::proxy
