#pragma once
// Shape triggers: the detectors whose values hold no literal that Hyperscan could anchor on
// (card, phone, SSN, IBAN and NINO numbers; IPv4, IPv6 and MAC addresses; Base58 wallets).
// Put in the Hyperscan database they cost more than every other trigger together: with no
// literal factor they become one DFA run over every byte. Instead one SIMD pass finds the few
// places where their shapes can end (the end of a run of digits, a colon, a dash or a dot
// between hex digits) and a few byte comparisons there decide which detectors to try.
//
// A shape hit has the meaning of a trigger hit (detector.h): an offset that lies inside the
// value (start < to <= end), so the detector's window around it holds the whole match. Each
// shape fires at a superset of those offsets; RE2 and the validator decide, as for any trigger.
#include <cstdint>
#include <string_view>
#include <vector>

namespace airlock::dlp {

enum class Shape : std::uint8_t {
  kNone = 0,    // a Hyperscan trigger (Detector::trigger or the pattern)
  kCard,        // 13-19 digits, or 4-4-4-4 / 4-6-4(5) groups: at the end of the last group
  kSsn,         // ddd-dd-dddd: at its end
  kPhoneNanp,   // (ddd) ddd-dddd, ddd.ddd.dddd, +1dddddddddd …: at its end
  kIPv4,        // four dotted groups of at most three digits: at the end of the fourth
  kIban,        // two letters of a country code, then digits: two digits into the run
  kNino,        // two capitals, six digits in groups, a letter A-D: at the end of the digits
  kBase58,      // 1 or 3 after a word boundary, then 25 Base58 characters: after them
  kIPv6,        // a colon with two earlier colons, each gap at most four hex digits: after it
  kMac,         // pairs of hex digits joined by ':' or '-', or aabb.ccdd.eeff: after a separator
};
constexpr std::size_t kShapeCount = 10;

// How far a shape looks around the offset it examines: its bytes must be present.
constexpr std::uint64_t kShapeBack = 64;
constexpr std::uint64_t kShapeAhead = 32;

struct ShapeHit {
  std::uint64_t to;
  Shape shape;
};

// Examines the offsets [from, to) of a body whose bytes from absolute offset `base` are in
// `bytes`. Bytes [from - kShapeBack, to + kShapeAhead) must be present, except past the end
// of the body when `eof` (the body ends at base + bytes.size()). `wanted` has bit 1 << Shape
// set for each shape to report. Hits are appended to `out` in offset order of the examined
// byte (an offset may repeat; a hit may lie a little before or after the examined byte).
void scanShapes(std::string_view bytes, std::uint64_t base, std::uint64_t from, std::uint64_t to,
                bool eof, std::uint32_t wanted, std::vector<ShapeHit>& out);

// For tests: makes scanShapes compute its byte classes with "avx512bw", "sse2" or "scalar"
// (every implementation must give the same hits), or skip the filters and run the byte checks
// at "every-offset" (the reference the filters must agree with). False when this CPU or build
// lacks it. Not thread-safe; the fastest supported one is chosen at start-up.
bool useShapeMasks(std::string_view name);

}  // namespace airlock::dlp
