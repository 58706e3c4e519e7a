#include "dlp/shape.h"

#include <algorithm>
#include <array>
#include <cstring>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace airlock::dlp {
namespace {

// The body as the shapes read it: a byte, or NUL outside what is present (before `base`, or
// past the end; offsets before 0 wrap to huge values). NUL is in no class below, so an absent
// byte reads like any byte that ends a shape.
struct Body {
  const unsigned char* p;
  std::uint64_t base;
  std::uint64_t end;
  unsigned char at(std::uint64_t i) const { return i - base < end - base ? p[i - base] : 0; }
};

// Byte classes, one bit each.
enum : std::uint16_t {
  kDigit = 1, kHex = 2, kUpper = 4, kLetter = 8, kWord = 16, kBase58 = 32,
  kCardSep = 64,    // ' ' '-'
  kPhoneSep = 128,  // ' ' '.' '-'
  kAreaEnd = 256,   // ' ' '.' '-' ')'
};
constexpr std::array<std::uint16_t, 256> kClasses = [] {
  std::array<std::uint16_t, 256> t{};
  for (int c = 0; c < 256; ++c) {
    const bool d = c >= '0' && c <= '9', up = c >= 'A' && c <= 'Z', lo = c >= 'a' && c <= 'z';
    std::uint16_t v = 0;
    if (d) v |= kDigit;
    if (d || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')) v |= kHex;
    if (up) v |= kUpper;
    if (up || lo) v |= kLetter;
    if (up || lo || d || c == '_') v |= kWord;
    if ((c >= '1' && c <= '9') || ((up || lo) && c != 'I' && c != 'O' && c != 'l')) v |= kBase58;
    if (c == ' ' || c == '-') v |= kCardSep;
    if (c == ' ' || c == '.' || c == '-') v |= kPhoneSep | kAreaEnd;
    if (c == ')') v |= kAreaEnd;
    t[static_cast<std::size_t>(c)] = v;
  }
  return t;
}();
bool is(unsigned char c, std::uint16_t cls) { return (kClasses[c] & cls) != 0; }
bool digit(unsigned char c) { return is(c, kDigit); }
bool hex(unsigned char c) { return is(c, kHex); }

constexpr std::uint32_t bit(Shape s) { return 1u << static_cast<unsigned>(s); }

struct Emitter {
  std::vector<ShapeHit>& out;
  std::uint32_t wanted;
  void operator()(Shape s, std::uint64_t to) const {
    if (wanted & bit(s)) out.push_back(ShapeHit{to, s});
  }
};

// Digits in the run that ends just before `e`, counted up to `cap`.
std::uint64_t runBefore(const Body& b, std::uint64_t e, std::uint64_t cap) {
  std::uint64_t n = 0;
  while (n < cap && digit(b.at(e - 1 - n))) ++n;
  return n;
}

// The group before a group starting at `s`: when the byte before `s` is one of `seps` and a
// digit run ends there, its length (start in `ps`); else 0.
std::uint64_t groupBefore(const Body& b, std::uint64_t s, std::uint16_t seps, std::uint64_t& ps) {
  if (!is(b.at(s - 1), seps) || !digit(b.at(s - 2))) return 0;
  const std::uint64_t n = runBefore(b, s - 1, 41);
  ps = s - 1 - n;
  return n;
}

// A run of digits [s, e) ends at `e` (the byte there is not a digit, or the body ends).
// Most runs in text are short numbers that fit no shape; the byte before and after the run
// rule most of them out before any group is walked.
void atRunEnd(const Body& b, std::uint64_t e, const Emitter& emit) {
  const std::uint64_t len = runBefore(b, e, 41);
  const std::uint64_t s = e - len;
  const unsigned char before = b.at(s - 1);
  std::uint64_t p1 = 0, p2 = 0, p3 = 0;

  if (len >= 13 && len <= 19) emit(Shape::kCard, e);  // one run of 13-19 digits
  if (len == 4 || len == 5) {
    // Cards in 4-4-4-4 / 4-6-4 / 4-6-5 groups joined by ' ' or '-'.
    if (is(before, kCardSep)) {
      const std::uint64_t l1 = groupBefore(b, s, kCardSep, p1);
      const std::uint64_t l2 = l1 == 4 || l1 == 6 ? groupBefore(b, p1, kCardSep, p2) : 0;
      if ((len == 4 && l1 == 4 && l2 == 4 && groupBefore(b, p2, kCardSep, p3) == 4) || (l1 == 6 && l2 == 4))
        emit(Shape::kCard, e);
    }
    if (len == 4 && is(before, kPhoneSep)) {
      const std::uint64_t l1 = groupBefore(b, s, kPhoneSep, p1);
      // ddd-dd-dddd
      if (before == '-' && l1 == 2 && groupBefore(b, p1, kPhoneSep, p2) == 3 && b.at(p1 - 1) == '-')
        emit(Shape::kSsn, e);
      // Exchange and line, ddd[ .-]dddd, after an area code of three digits and one or two of
      // ' ', '.', '-', ')'.
      if (l1 == 3) {
        std::uint64_t k = 0;
        while (k < 2 && is(b.at(p1 - 1 - k), kAreaEnd)) ++k;
        if (k > 0 && runBefore(b, p1 - k, 4) == 3) emit(Shape::kPhoneNanp, e);
      }
    }
  }
  if (before == '+' && len == 11 && b.at(s) == '1') emit(Shape::kPhoneNanp, e);  // +1 and ten digits
  if (before == '.' && len <= 3) {
    // Four dotted groups of one to three digits.
    const std::uint64_t l1 = groupBefore(b, s, kPhoneSep, p1);
    const std::uint64_t l2 = l1 >= 1 && l1 <= 3 && b.at(s - 1) == '.' ? groupBefore(b, p1, kPhoneSep, p2) : 0;
    const std::uint64_t l3 = l2 >= 1 && l2 <= 3 && b.at(p1 - 1) == '.' ? groupBefore(b, p2, kPhoneSep, p3) : 0;
    if (l3 >= 1 && l3 <= 3 && b.at(p2 - 1) == '.') emit(Shape::kIPv4, e);
  }
  if (is(before, kLetter)) {
    // IBAN: a word that starts with two letters and two digits (the country's list and the
    // checksum are the validator's).
    if (len >= 2 && is(b.at(s - 2), kLetter) && !is(b.at(s - 3), kWord)) emit(Shape::kIban, s + 2);
  } else if ((b.at(s) == '1' || b.at(s) == '3') && !is(before, kWord)) {
    // Base58 wallet: 1 or 3 at a word start, then 25 more Base58 characters.
    bool ok = true;
    for (std::uint64_t i = 1; i <= 25 && ok; ++i) ok = is(b.at(s + i), kBase58);
    if (ok) emit(Shape::kBase58, s + 26);
  }
  // NINO: six digits in space-separated groups between two capitals and a letter A-D.
  unsigned char after = b.at(e);
  if (after == ' ') after = b.at(e + 1);
  if (after >= 'A' && after <= 'D' && len <= 6) {
    std::uint64_t total = len, fs = s;
    while (total < 6) {
      std::uint64_t ps = 0;
      const std::uint64_t l = b.at(fs - 1) == ' ' ? groupBefore(b, fs, kCardSep, ps) : 0;
      if (l == 0) break;
      total += l;
      fs = ps;
    }
    unsigned char first = b.at(fs - 1);
    if (first == ' ') first = b.at(fs - 2);
    if (total == 6 && is(first, kUpper)) emit(Shape::kNino, e);
  }
}

// Hex digits just before `p`, counted up to `cap`.
std::uint64_t hexBefore(const Body& b, std::uint64_t p, std::uint64_t cap) {
  std::uint64_t n = 0;
  while (n < cap && hex(b.at(p - 1 - n))) ++n;
  return n;
}

void atColon(const Body& b, std::uint64_t p, const Emitter& emit) {
  // Two earlier colons, each gap at most four hex digits (the end of "h:h:h:").
  const std::uint64_t k1 = hexBefore(b, p, 5);
  if (k1 > 4 || b.at(p - 1 - k1) != ':') return;
  const std::uint64_t q1 = p - 1 - k1;
  const std::uint64_t k2 = hexBefore(b, q1, 5);
  if (k2 > 4 || b.at(q1 - 1 - k2) != ':') return;
  emit(Shape::kIPv6, p + 1);
  if (k1 == 2 && k2 == 2) emit(Shape::kMac, p + 1);
}

void atDash(const Body& b, std::uint64_t p, const Emitter& emit) {
  // hh-hh-hh-
  for (std::uint64_t q : {p, p + 3, p + 6})
    if (b.at(q) != '-' || !hex(b.at(q - 1)) || !hex(b.at(q - 2))) return;
  emit(Shape::kMac, p + 1);
}

void atDot(const Body& b, std::uint64_t p, const Emitter& emit) {
  // hhhh.hhhh.
  if (b.at(p + 5) != '.') return;
  for (std::uint64_t i = 1; i <= 4; ++i)
    if (!hex(b.at(p - i)) || !hex(b.at(p + i))) return;
  emit(Shape::kMac, p + 1);
}

// Bit i of each mask: byte i of a 64-byte block is in the class. Only the masks a scan needs
// are computed (kNeed* bits).
struct Masks {
  std::uint64_t digit = 0;
  std::uint64_t letter = 0;  // A-Z a-z
  std::uint64_t word = 0;    // letters, digits, '_'
  std::uint64_t plus = 0;
  std::uint64_t one3 = 0;    // '1' '3'
  std::uint64_t base58 = 0;
  std::uint64_t atod = 0;    // 'A'-'D'
  std::uint64_t space = 0;
  std::uint64_t colon = 0, dash = 0, dot = 0, hex = 0;
};
// digit, colon, dash and dot are always computed: in ordinary text most blocks hold no digit
// and no dashes or dots spaced as in a MAC address, and then nothing else is needed (the scan
// asks a second time for the classes the block's events need).
enum : unsigned { kNeedDigit = 1, kNeedMac = 4 };

Masks masksScalar(const unsigned char* p, unsigned need) {
  (void)need;
  Masks m;
  for (int i = 0; i < 64; ++i) {
    const std::uint64_t b = 1ull << i;
    const unsigned char c = p[i];
    if (digit(c)) m.digit |= b;
    if (is(c, kLetter)) m.letter |= b;
    if (is(c, kWord)) m.word |= b;
    if (c == ' ') m.space |= b;
    if (c == '+') m.plus |= b;
    if (c == '1' || c == '3') m.one3 |= b;
    if (is(c, kBase58)) m.base58 |= b;
    if (c >= 'A' && c <= 'D') m.atod |= b;
    if (hex(c)) m.hex |= b;
    if (c == ':') m.colon |= b;
    if (c == '-') m.dash |= b;
    if (c == '.') m.dot |= b;
  }
  return m;
}

#if defined(__x86_64__)
// With AVX-512BW a class is one or two compares straight into a 64-bit mask.
__attribute__((target("avx512f,avx512bw"), always_inline)) inline Masks masksAvx512(const unsigned char* p,
                                                                                    unsigned need) {
  Masks m;
  const __m512i x = _mm512_loadu_si512(p);
  auto eq = [&](char c) __attribute__((target("avx512f,avx512bw"))) {
    return static_cast<std::uint64_t>(_mm512_cmpeq_epi8_mask(x, _mm512_set1_epi8(c)));
  };
  auto range = [&](const __m512i& v, char lo, char n) __attribute__((target("avx512f,avx512bw"))) {
    return static_cast<std::uint64_t>(
        _mm512_cmplt_epu8_mask(_mm512_sub_epi8(v, _mm512_set1_epi8(lo)), _mm512_set1_epi8(n)));
  };
  m.digit = range(x, '0', 10);
  m.colon = eq(':');
  m.dash = eq('-');
  m.dot = eq('.');
  if (need & kNeedDigit) {
    const __m512i lower = _mm512_or_si512(x, _mm512_set1_epi8(0x20));
    m.letter = range(lower, 'a', 26);
    m.word = m.letter | m.digit | eq('_');
    m.space = eq(' ');
    m.plus = eq('+');
    m.one3 = eq('1') | eq('3');
    m.atod = range(x, 'A', 4);
    m.base58 = (m.letter | m.digit) & ~(eq('0') | eq('I') | eq('O') | eq('l'));
  }
  if (need & kNeedMac) {
    const __m512i lower = _mm512_or_si512(x, _mm512_set1_epi8(0x20));
    m.hex = m.digit | range(lower, 'a', 6);
  }
  return m;
}
#endif

#if defined(__SSE2__)
std::uint64_t bits16(__m128i v) { return static_cast<std::uint16_t>(_mm_movemask_epi8(v)); }

// SSE2, in every x86-64: sixteen bytes at a time.
[[gnu::always_inline]] inline Masks masksSse2(const unsigned char* p, unsigned need) {
  Masks m;
  auto in = [](__m128i x, char lo, char hi) {
    return _mm_and_si128(_mm_cmpgt_epi8(x, _mm_set1_epi8(static_cast<char>(lo - 1))),
                         _mm_cmplt_epi8(x, _mm_set1_epi8(static_cast<char>(hi + 1))));
  };
  auto eq = [](__m128i x, char c) { return _mm_cmpeq_epi8(x, _mm_set1_epi8(c)); };
  for (int k = 0; k < 4; ++k) {
    const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16 * k));
    const int sh = 16 * k;
    const __m128i d = in(x, '0', '9');
    const __m128i lower = _mm_or_si128(x, _mm_set1_epi8(0x20));
    m.digit |= bits16(d) << sh;
    m.colon |= bits16(eq(x, ':')) << sh;
    m.dash |= bits16(eq(x, '-')) << sh;
    m.dot |= bits16(eq(x, '.')) << sh;
    if (need & kNeedDigit) {
      const __m128i let = in(lower, 'a', 'z');
      const __m128i sp = eq(x, ' ');
      m.letter |= bits16(let) << sh;
      m.word |= bits16(_mm_or_si128(_mm_or_si128(let, d), eq(x, '_'))) << sh;
      m.space |= bits16(sp) << sh;
      m.plus |= bits16(eq(x, '+')) << sh;
      m.one3 |= bits16(_mm_or_si128(eq(x, '1'), eq(x, '3'))) << sh;
      m.atod |= bits16(in(x, 'A', 'D')) << sh;
      const __m128i notB58 = _mm_or_si128(_mm_or_si128(eq(x, '0'), eq(x, 'I')), _mm_or_si128(eq(x, 'O'), eq(x, 'l')));
      m.base58 |= bits16(_mm_andnot_si128(notB58, _mm_or_si128(let, d))) << sh;
    }
    if (need & kNeedMac) m.hex |= bits16(_mm_or_si128(d, in(lower, 'a', 'f'))) << sh;
  }
  return m;
}
#endif

// Bits of x moved to the places n bytes later / earlier; `edge` fills the bits that came from
// outside the block (1 = unknown, so the filter stays a superset).
[[gnu::always_inline]] inline std::uint64_t fromBefore(std::uint64_t x, int n) {
  return (x << n) | ((1ull << n) - 1);
}
[[gnu::always_inline]] inline std::uint64_t fromAfter(std::uint64_t x, int n) {
  return (x >> n) | ~(~0ull >> n);
}

constexpr std::uint32_t kDigitShapes = bit(Shape::kCard) | bit(Shape::kSsn) | bit(Shape::kPhoneNanp) |
                                       bit(Shape::kIPv4) | bit(Shape::kIban) | bit(Shape::kNino) |
                                       bit(Shape::kBase58);
// What a scan looks for (a shape's events are only computed when it is wanted).
enum : unsigned { kWantDigits = 1, kWantColons = 2, kWantMac = 4 };

// The classes a block's events need beyond digit, colon, dash and dot.
// (MAC addresses need hex digits only where dashes or dots are spaced as in one: a dash with
// dashes 3 and 6 bytes on, or a dot with one 5 on.)
[[gnu::always_inline]] inline unsigned classesNeeded(const Masks& m, unsigned want) {
  const bool macSpaced = ((m.dash & fromAfter(m.dash, 3) & fromAfter(m.dash, 6)) | (m.dot & fromAfter(m.dot, 5))) != 0;
  return ((want & kWantDigits) != 0 && m.digit != 0 ? kNeedDigit : 0u) |
         ((want & kWantMac) != 0 && macSpaced ? kNeedMac : 0u);
}

// Candidate events of one block, filtered on its masks (supersets at the block's edges); each
// is checked byte by byte where it fires. Plain bit arithmetic, inlined into each byte-class
// implementation below.
[[gnu::always_inline]] inline std::uint64_t blockEvents(const Masks& m, unsigned want, unsigned need) {
  std::uint64_t ev = 0;
  if ((need & kNeedDigit) != 0) {
    // Runs of digits worth a look: those whose start follows "digit separator" (the later
    // groups of cards, phones, SSNs, IPv4), a word's first two letters (IBAN), '+' (+1 phones), or is a 1 or 3
    // at a word start with 26 Base58 characters (wallets); runs of 13 or more (cards); runs
    // followed by A-D or " A-D" (NINO); and runs that touch the block's edges (not seen whole).
    // Adding the marked starts to the digit mask carries a bit to just past each marked run.
    const std::uint64_t d = m.digit;
    const std::uint64_t starts = d & ~(d << 1);  // bit 0: a run that may have begun earlier
    std::uint64_t b2 = m.base58 & (m.base58 >> 1), b4 = b2 & (b2 >> 2), b8 = b4 & (b4 >> 4);
    const std::uint64_t b26 = (b8 & (b8 >> 8) & (b8 >> 16) & (b2 >> 24)) | ~(~0ull >> 26);
    // dK: a run of at least K digits starts here (counted inside the block: a run that reaches
    // its end looks shorter, and fires at bit 63 anyway).
    const std::uint64_t d2 = d & (d >> 1), d4 = d2 & (d2 >> 2), d8 = d4 & (d4 >> 4);
    const std::uint64_t d5 = d4 & (d >> 4), d6 = d4 & (d2 >> 4);
    const std::uint64_t d13 = d8 & (d4 >> 8) & (d >> 12);
    // A group after "digit separator" ends a value only as the 4- or 5-digit last group of a
    // card, phone or SSN (after ' ' or '-'), or the last group of an IPv4 address or a dotted
    // phone (after '.', at most 4 digits); other lengths have nothing to check.
    const std::uint64_t afterGroup = starts & fromBefore(d, 2);
    const std::uint64_t sepGroup = (afterGroup & fromBefore(m.space | m.dash, 1) & d4 & ~d6) |
                                   (afterGroup & fromBefore(m.dot, 1) & ~d5);
    const std::uint64_t marked =
        (starts & (sepGroup | (fromBefore(m.letter, 1) & fromBefore(m.letter, 2) & ~(m.word << 3) & d2) |
                   (fromBefore(m.plus, 1) & ~1ull) | (m.one3 & ~fromBefore(m.word, 1) & b26))) |
        d13 | (d & 1);
    const std::uint64_t ends = d & ~(d >> 1);  // last digit of each run; bit 63 always
    const std::uint64_t pastMarked = (d + marked) & ~d;
    // NINO: a run of at most six digits followed by A-D or " A-D" (e7: seven digits end here).
    const std::uint64_t e2 = d & (d << 1), e4 = e2 & (e2 << 2), e7 = e4 & (e2 << 4) & (d << 6);
    const std::uint64_t nino = (fromAfter(m.atod, 1) | (fromAfter(m.space, 1) & fromAfter(m.atod, 2))) & ~e7;
    ev |= ends & ((pastMarked >> 1) | nino | (1ull << 63));
  }
  if ((want & kWantColons) != 0 && m.colon != 0) {
    // A colon with another within five bytes before it, which has one too (h:h:h:).
    auto near5 = [](std::uint64_t x) {
      return fromBefore(x, 1) | fromBefore(x, 2) | fromBefore(x, 3) | fromBefore(x, 4) | fromBefore(x, 5);
    };
    ev |= m.colon & near5(m.colon & near5(m.colon));
  }
  if ((need & kNeedMac) != 0) {
    // hh-hh-hh- starts at a dash with dashes 3 and 6 bytes on; hhhh.hhhh. at a dot with one 5 on.
    ev |= m.dash & fromAfter(m.dash, 3) & fromAfter(m.dash, 6) & fromBefore(m.hex, 1);
    ev |= m.dot & fromAfter(m.dot, 5) & fromBefore(m.hex, 1) & fromAfter(m.hex, 1);
  }
  return ev;
}

// The events of `blocks` whole 64-byte blocks from p, one word each. One per byte-class
// implementation, so that its masks stay in registers. The loop is written out in each: a
// template taking the masks function cannot inline an AVX-512 one into a function compiled
// for the baseline (GCC: "target specific option mismatch").
using EventsFn = void (*)(const unsigned char* p, std::size_t blocks, unsigned want, std::uint64_t* ev);

void eventsScalar(const unsigned char* p, std::size_t blocks, unsigned want, std::uint64_t* ev) {
  for (std::size_t k = 0; k < blocks; ++k, p += 64) {
    const Masks m = masksScalar(p, kNeedDigit | kNeedMac);
    ev[k] = blockEvents(m, want, classesNeeded(m, want));
  }
}

#if defined(__x86_64__)
__attribute__((target("avx512f,avx512bw"))) void eventsAvx512(const unsigned char* p, std::size_t blocks,
                                                              unsigned want, std::uint64_t* ev) {
  for (std::size_t k = 0; k < blocks; ++k, p += 64) {
    Masks m = masksAvx512(p, 0);
    const unsigned need = classesNeeded(m, want);
    if (need != 0) m = masksAvx512(p, need);
    ev[k] = blockEvents(m, want, need);
  }
}
#endif

#if defined(__SSE2__)
void eventsSse2(const unsigned char* p, std::size_t blocks, unsigned want, std::uint64_t* ev) {
  for (std::size_t k = 0; k < blocks; ++k, p += 64) {
    Masks m = masksSse2(p, 0);
    const unsigned need = classesNeeded(m, want);
    if (need != 0) m = masksSse2(p, need);
    ev[k] = blockEvents(m, want, need);
  }
}
#endif

// The reference the filters are tested against: every byte examined by the byte checks.
void eventsEveryOffset(const unsigned char*, std::size_t blocks, unsigned, std::uint64_t* ev) {
  for (std::size_t k = 0; k < blocks; ++k) ev[k] = ~0ull;
}

struct MaskImpl {
  std::string_view name;
  EventsFn fn;
  bool (*supported)();
};
constexpr MaskImpl kMaskImpls[] = {
#if defined(__x86_64__)
    {"avx512bw", eventsAvx512, [] { return __builtin_cpu_supports("avx512bw") != 0; }},
#endif
#if defined(__SSE2__)
    {"sse2", eventsSse2, [] { return true; }},
#endif
    {"scalar", eventsScalar, [] { return true; }},
    {"every-offset", eventsEveryOffset, [] { return true; }},  // tests only: never picked
};
EventsFn pickEvents() {
#if defined(__x86_64__)
  __builtin_cpu_init();
#endif
  for (const auto& m : kMaskImpls)
    if (m.supported()) return m.fn;
  return eventsScalar;
}
EventsFn blockEventsOf = pickEvents();

// The byte-by-byte checks at each event of a block starting at `blk`.
void atEvents(const Body& b, std::uint64_t blk, std::uint64_t ev, const Emitter& emit) {
  while (ev != 0) {
    const std::uint64_t i = blk + static_cast<std::uint64_t>(__builtin_ctzll(ev));
    ev &= ev - 1;
    const int c = b.at(i);
    if (digit(c)) {
      if (!digit(b.at(i + 1))) atRunEnd(b, i + 1, emit);
    } else if (c == ':') {
      atColon(b, i, emit);
    } else if (c == '-') {
      atDash(b, i, emit);
    } else if (c == '.') {
      atDot(b, i, emit);
    }
  }
}

}  // namespace

void scanShapes(std::string_view bytes, std::uint64_t base, std::uint64_t from, std::uint64_t to,
                bool eof, std::uint32_t wanted, std::vector<ShapeHit>& out) {
  const Body b{reinterpret_cast<const unsigned char*>(bytes.data()), base, base + bytes.size()};
  const Emitter emit{out, wanted};
  const unsigned want = ((wanted & kDigitShapes) != 0 ? kWantDigits : 0u) |
                        ((wanted & (bit(Shape::kIPv6) | bit(Shape::kMac))) != 0 ? kWantColons : 0u) |
                        ((wanted & bit(Shape::kMac)) != 0 ? kWantMac : 0u);
  if (from < base || to > b.end || from >= to || (want & (kWantDigits | kWantColons)) == 0) return;
  (void)eof;  // past the end of the body every read is -1: the same as a non-matching byte
  // Whole blocks (all 64 bytes present) in batches; the body's last, partial block from a copy
  // in which what follows reads as NUL, as past the end.
  constexpr std::size_t kBatch = 64;
  std::uint64_t ev[kBatch];
  std::uint64_t blk = from;
  while (blk < to) {
    const std::uint64_t whole = b.end - blk >= 64 ? (b.end - blk) / 64 : 0;
    const std::uint64_t wanted64 = (to - blk + 63) / 64;  // blocks that hold offsets to examine
    const auto n = static_cast<std::size_t>(std::min<std::uint64_t>({whole, wanted64, std::uint64_t{kBatch}}));
    if (n > 0) {
      blockEventsOf(b.p + (blk - base), n, want, ev);
    } else {
      alignas(64) unsigned char tail[64];
      std::memset(tail, 0, sizeof tail);
      std::memcpy(tail, b.p + (blk - base), b.end - blk);
      blockEventsOf(tail, 1, want, ev);
    }
    for (std::size_t k = 0; k < std::max<std::size_t>(n, 1); ++k, blk += 64) {
      const std::uint64_t left = to - blk;  // offsets examined in this block
      const std::uint64_t live = left >= 64 ? ~0ull : (1ull << left) - 1;
      if ((ev[k] & live) != 0) atEvents(b, blk, ev[k] & live, emit);
    }
  }
}

bool useShapeMasks(std::string_view name) {
  for (const auto& m : kMaskImpls)
    if (m.name == name && m.supported()) {
      blockEventsOf = m.fn;
      return true;
    }
  return false;
}

}  // namespace airlock::dlp
