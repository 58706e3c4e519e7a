#pragma once
// Checks that confirm a DLP candidate: checksums, ranges, entropy, context words, and the
// small decoders they need. Pure functions over borrowed bytes: no allocation unless the
// signature returns an owning type, safe from any thread.

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

namespace airlock::dlp {

// Digits of `s`, ignoring ' ' and '-' (and nothing else). Empty if another byte is present.
std::string digitsOnly(std::string_view s);

// Luhn (mod 10) over a digit string.
bool luhnValid(std::string_view digits);

// IBAN: country code, registered length for that country, mod-97 == 1. Spaces ignored.
bool ibanValid(std::string_view iban);

// US ABA routing number: 9 digits, 3-7-1 weighted checksum, valid Federal Reserve prefix.
bool abaRoutingValid(std::string_view digits);

// UK NHS number: 10 digits, mod-11 check digit.
bool nhsValid(std::string_view digits);

// Base58Check (Bitcoin P2PKH/P2SH): decodes to 25 bytes whose last 4 are the first 4 of
// double SHA-256 of the first 21.
bool base58CheckValid(std::string_view s);

// Bech32 / Bech32m (BIP-173/BIP-350) checksum with human-readable part `hrp` ("bc", "tb").
bool bech32Valid(std::string_view s, std::string_view hrp);

// CRC-32 (IEEE, as zlib) of bytes.
std::uint32_t crc32(std::string_view bytes);

// GitHub/npm-style token checksum: the last 6 characters are the base62 encoding of the
// CRC-32 of the characters before them (after the prefix), left-padded with '0'.
bool base62Crc32Valid(std::string_view body);

// A set of byte values: add, test, and visit the members in ascending order.
class ByteSet {
 public:
  void add(unsigned char c) { bits_[c >> 6] |= std::uint64_t{1} << (c & 63); }
  bool has(unsigned char c) const { return (bits_[c >> 6] >> (c & 63) & 1) != 0; }
  template <typename F>
  void forEach(F&& f) const {
    for (int w = 0; w < 4; ++w)
      for (std::uint64_t b = bits_[w]; b != 0; b &= b - 1)
        f(static_cast<unsigned char>(w * 64 + __builtin_ctzll(b)));
  }

 private:
  std::uint64_t bits_[4] = {0, 0, 0, 0};
};

// Shannon entropy in bits per byte of s (0 for empty).
double shannonEntropy(std::string_view s);

// How many of {lower, upper, digit, other printable} occur in s.
int charClasses(std::string_view s);

// Standard or URL-safe base64, padding optional, whitespace not allowed. nullopt if invalid.
std::optional<std::string> base64Decode(std::string_view s);

// True when one of `words` (ASCII, compared case-insensitively) occurs in the last `within`
// bytes of `before`.
bool keywordBefore(std::string_view before, std::initializer_list<std::string_view> words,
                   std::size_t within = 48);

// True for obvious non-secrets in an assignment: placeholders ("changeme", "xxxx", "<...>",
// "${VAR}", "%s"), booleans, null, and code (a call or a member access).
bool looksLikePlaceholder(std::string_view value);

}  // namespace airlock::dlp
