#pragma once
// Peeking at a TLS ClientHello (DESIGN.md "Enforcement points", egress proxy). On a CONNECT
// tunnel the proxy reads the client's first bytes before it opens anything upstream:
// without inspection the ClientHello's SNI must name the CONNECT host (no domain fronting,
// no SNI means no tunnel); with inspection the same peek gives the SNI and the ALPN list.
//
// Because this decides whether a tunnel may open, the parser is strict and anything
// ambiguous is malformed: exactly one SNI entry, of type host_name, holding a valid LDH DNS
// name (not an IP literal); no extension type twice; every length adding up exactly; nothing
// after the ClientHello in its last record. SSLv2-compatible hellos are refused.
//
// peekClientHello is a pure function of its input (thread-safe). It allocates only for the
// result and, when the ClientHello spans several records, one buffer to join them. Bounded:
// at most 16 records and a 64 KiB handshake message.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace airlock::proxy {

struct ClientHelloInfo {
  std::string sni;                // host_name, lower-cased, trailing dot removed; empty when absent
  bool hasSni = false;            // a server_name extension was present (then sni is not empty)
  std::vector<std::string> alpn;  // ALPN protocol names, in the client's order
  std::uint16_t legacyVersion = 0;  // ClientHello.legacy_version (client_version), e.g. 0x0303
  bool supportsTls13 = false;       // supported_versions lists 0x0304
  // encrypted_client_hello (0xfe0d) is present: sni is then only the outer, public name. Chrome
  // also sends it as GREASE (random contents) when it has no ECH config for the host.
  bool hasEch = false;
};

enum class PeekState : std::uint8_t {
  kNeedMore,   // the bytes so far are a valid prefix of a ClientHello: read more
  kDone,       // a complete, well-formed ClientHello: info is filled in
  kMalformed,  // not a ClientHello we accept: error says why; deny the tunnel
};

struct PeekResult {
  PeekState state = PeekState::kNeedMore;
  ClientHelloInfo info;  // filled in only when kDone
  std::string error;     // why, only when kMalformed
  // With kNeedMore: a lower bound on the total number of bytes (counted from the first byte
  // the client sent) needed before the answer can change; always more than bytes.size() and
  // never more than the length of the complete ClientHello's records.
  std::size_t needAtLeast = 0;
};

// Maximum size of the ClientHello handshake message and number of records it may span.
inline constexpr std::size_t kMaxClientHelloBytes = 64 * 1024;
inline constexpr std::size_t kMaxClientHelloRecords = 16;

// bytes: everything received from the client so far. Handles a ClientHello split over
// several TLS records and over any number of reads. Bytes after the ClientHello's last record
// (early data, say) are ignored: the result is then kDone and stays kDone as more arrive.
// A prefix of an input that gives kDone never gives kMalformed.
PeekResult peekClientHello(std::string_view bytes);

}  // namespace airlock::proxy
