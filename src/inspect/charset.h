#pragma once
// Character-set helpers shared by the text-family extractors (text, HTML, e-mail, RTF) and the
// analysis: UTF-8 decoding that never fails (an invalid sequence is one U+FFFD per bad byte,
// as the WHATWG decoder does), UTF-16 and the single-byte Western charsets converted to UTF-8,
// and a budget for the extracted text (Limits::maxTextBytes). Pure functions; thread-safe.
#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.h"

namespace airlock::inspect {

inline constexpr char32_t kReplacement = 0xFFFD;

// The code point at s[i], advancing i past it; an invalid or truncated sequence, an overlong
// form or a surrogate gives U+FFFD and advances by one byte. i < s.size() on entry.
inline char32_t nextCodePoint(std::string_view s, std::size_t& i) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  if (b0 < 0x80) {
    ++i;
    return b0;
  }
  auto cont = [&](std::size_t k) {
    return i + k < s.size() && (static_cast<unsigned char>(s[i + k]) & 0xC0) == 0x80;
  };
  auto at = [&](std::size_t k) { return static_cast<char32_t>(static_cast<unsigned char>(s[i + k]) & 0x3F); };
  if (b0 >= 0xC2 && b0 <= 0xDF && cont(1)) {
    char32_t cp = (static_cast<char32_t>(b0 & 0x1F) << 6) | at(1);
    i += 2;
    return cp;
  }
  if (b0 >= 0xE0 && b0 <= 0xEF && cont(1) && cont(2)) {
    char32_t cp = (static_cast<char32_t>(b0 & 0x0F) << 12) | (at(1) << 6) | at(2);
    if (cp >= 0x800 && (cp < 0xD800 || cp > 0xDFFF)) {
      i += 3;
      return cp;
    }
  } else if (b0 >= 0xF0 && b0 <= 0xF4 && cont(1) && cont(2) && cont(3)) {
    char32_t cp = (static_cast<char32_t>(b0 & 0x07) << 18) | (at(1) << 12) | (at(2) << 6) | at(3);
    if (cp >= 0x10000 && cp <= 0x10FFFF) {
      i += 4;
      return cp;
    }
  }
  ++i;
  return kReplacement;
}

void appendUtf8(std::string& out, char32_t cp);
// Valid UTF-8 out of bytes that should be UTF-8 (invalid sequences become U+FFFD).
std::string validUtf8(std::string_view bytes);
// True when every byte is ASCII (a fast word-at-a-time check: most text is).
bool allAscii(std::string_view bytes);
// UTF-16 (after its BOM) to UTF-8; unpaired surrogates become U+FFFD.
std::string utf16ToUtf8(std::string_view bytes, bool bigEndian);
// windows-1252 (a superset of ISO-8859-1's printable range, as browsers treat both) to UTF-8.
std::string cp1252ToUtf8(std::string_view bytes);
// ISO-8859-1 proper: bytes are code points.
std::string latin1ToUtf8(std::string_view bytes);
// The Unicode code point for one windows-1252 byte.
char32_t cp1252(unsigned char byte);

// Counts extracted text against Limits::maxTextBytes across a whole document.
class TextBudget {
 public:
  explicit TextBudget(std::uint64_t max) : max_(max) {}
  // An InvalidArgument error naming the limit and `where` once the total would exceed it.
  core::Result<void> take(std::uint64_t bytes, std::string_view where);

 private:
  std::uint64_t used_ = 0;
  std::uint64_t max_;
};

}  // namespace airlock::inspect
