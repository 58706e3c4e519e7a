#include "dlp/validators.h"

#include <openssl/sha.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <iterator>

namespace airlock::dlp {
namespace {

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

bool isDigit(char c) { return c >= '0' && c <= '9'; }

// Registered IBAN lengths (SWIFT IBAN registry).
struct IbanLength {
  char cc[3];
  std::uint8_t len;
};
constexpr IbanLength kIbanLengths[] = {
    {"AD", 24}, {"AE", 23}, {"AL", 28}, {"AT", 20}, {"AZ", 28}, {"BA", 20}, {"BE", 16},
    {"BG", 22}, {"BH", 22}, {"BI", 27}, {"BR", 29}, {"BY", 28}, {"CH", 21}, {"CR", 22},
    {"CY", 28}, {"CZ", 24}, {"DE", 22}, {"DJ", 27}, {"DK", 18}, {"DO", 28}, {"EE", 20},
    {"EG", 29}, {"ES", 24}, {"FI", 18}, {"FK", 18}, {"FO", 18}, {"FR", 27}, {"GB", 22},
    {"GE", 22}, {"GI", 23}, {"GL", 18}, {"GR", 27}, {"GT", 28}, {"HR", 21}, {"HU", 28},
    {"IE", 22}, {"IL", 23}, {"IQ", 23}, {"IS", 26}, {"IT", 27}, {"JO", 30}, {"KW", 30},
    {"KZ", 20}, {"LB", 28}, {"LC", 32}, {"LI", 21}, {"LT", 20}, {"LU", 20}, {"LV", 21},
    {"LY", 25}, {"MC", 27}, {"MD", 24}, {"ME", 22}, {"MK", 19}, {"MN", 20}, {"MR", 27},
    {"MT", 31}, {"MU", 30}, {"NI", 28}, {"NL", 18}, {"NO", 15}, {"OM", 23}, {"PK", 24},
    {"PL", 28}, {"PS", 29}, {"PT", 25}, {"QA", 29}, {"RO", 24}, {"RS", 22}, {"RU", 33},
    {"SA", 24}, {"SC", 31}, {"SD", 18}, {"SE", 24}, {"SI", 19}, {"SK", 24}, {"SM", 27},
    {"SO", 23}, {"ST", 25}, {"SV", 28}, {"TL", 23}, {"TN", 24}, {"TR", 26}, {"UA", 29},
    {"VA", 22}, {"VG", 24}, {"XK", 20},
};

constexpr std::string_view kBase58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
constexpr std::string_view kBech32 = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
constexpr std::string_view kBase62 =
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

std::array<std::uint32_t, 256> makeCrcTable() {
  std::array<std::uint32_t, 256> t{};
  for (std::uint32_t i = 0; i < 256; ++i) {
    std::uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    t[i] = c;
  }
  return t;
}

std::uint32_t bech32Polymod(const std::uint8_t* v, std::size_t n) {
  constexpr std::uint32_t kGen[5] = {0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3};
  std::uint32_t chk = 1;
  for (std::size_t i = 0; i < n; ++i) {
    std::uint32_t top = chk >> 25;
    chk = ((chk & 0x1ffffff) << 5) ^ v[i];
    for (int k = 0; k < 5; ++k)
      if ((top >> k) & 1) chk ^= kGen[k];
  }
  return chk;
}

int base64Value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+' || c == '-') return 62;
  if (c == '/' || c == '_') return 63;
  return -1;
}

}  // namespace

std::string digitsOnly(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    if (isDigit(c)) {
      out.push_back(c);
    } else if (c != ' ' && c != '-') {
      return {};
    }
  }
  return out;
}

bool luhnValid(std::string_view digits) {
  if (digits.empty()) return false;
  int sum = 0;
  bool dbl = false;
  for (auto it = digits.rbegin(); it != digits.rend(); ++it) {
    if (!isDigit(*it)) return false;
    int d = *it - '0';
    if (dbl) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    dbl = !dbl;
  }
  return sum % 10 == 0;
}

bool ibanValid(std::string_view iban) {
  char buf[40];
  std::size_t n = 0;
  for (char c : iban) {
    if (c == ' ') continue;
    if (n == sizeof buf) return false;
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 32);
    if (!((c >= 'A' && c <= 'Z') || isDigit(c))) return false;
    buf[n++] = c;
  }
  if (n < 15 || !(buf[0] >= 'A' && buf[0] <= 'Z') || !(buf[1] >= 'A' && buf[1] <= 'Z') ||
      !isDigit(buf[2]) || !isDigit(buf[3]))
    return false;
  bool known = false;
  for (const auto& e : kIbanLengths) {
    if (e.cc[0] == buf[0] && e.cc[1] == buf[1]) {
      if (e.len != n) return false;
      known = true;
      break;
    }
  }
  if (!known) return false;
  unsigned rem = 0;
  auto feed = [&rem](char c) {
    if (isDigit(c)) {
      rem = (rem * 10 + static_cast<unsigned>(c - '0')) % 97;
    } else {
      unsigned v = static_cast<unsigned>(c - 'A' + 10);
      rem = (rem * 100 + v) % 97;
    }
  };
  for (std::size_t i = 4; i < n; ++i) feed(buf[i]);
  for (std::size_t i = 0; i < 4; ++i) feed(buf[i]);
  return rem == 1;
}

bool abaRoutingValid(std::string_view d) {
  if (d.size() != 9) return false;
  for (char c : d)
    if (!isDigit(c)) return false;
  int prefix = (d[0] - '0') * 10 + (d[1] - '0');
  bool prefixOk = (prefix <= 12) || (prefix >= 21 && prefix <= 32) ||
                  (prefix >= 61 && prefix <= 72) || prefix == 80;
  if (!prefixOk) return false;
  static constexpr int kW[9] = {3, 7, 1, 3, 7, 1, 3, 7, 1};
  int sum = 0;
  for (int i = 0; i < 9; ++i) sum += kW[i] * (d[i] - '0');
  return sum % 10 == 0 && d != "000000000";
}

bool nhsValid(std::string_view d) {
  if (d.size() != 10) return false;
  int sum = 0;
  for (int i = 0; i < 10; ++i)
    if (!isDigit(d[i])) return false;
  for (int i = 0; i < 9; ++i) sum += (d[i] - '0') * (10 - i);
  int check = 11 - sum % 11;
  if (check == 11) check = 0;
  if (check == 10) return false;
  return check == d[9] - '0';
}

bool base58CheckValid(std::string_view s) {
  if (s.size() < 26 || s.size() > 35) return false;
  std::array<std::uint8_t, 25> out{};
  for (char c : s) {
    auto pos = kBase58.find(c);
    if (pos == std::string_view::npos) return false;
    unsigned carry = static_cast<unsigned>(pos);
    for (int i = 24; i >= 0; --i) {
      carry += 58u * out[i];
      out[i] = static_cast<std::uint8_t>(carry & 0xff);
      carry >>= 8;
    }
    if (carry != 0) return false;  // more than 25 bytes
  }
  std::uint8_t h1[SHA256_DIGEST_LENGTH], h2[SHA256_DIGEST_LENGTH];
  SHA256(out.data(), 21, h1);
  SHA256(h1, sizeof h1, h2);
  return std::memcmp(h2, out.data() + 21, 4) == 0;
}

bool bech32Valid(std::string_view s, std::string_view hrp) {
  if (s.size() < hrp.size() + 7 || s.size() > 90) return false;
  if (s.substr(0, hrp.size()) != hrp && lower(s[0]) != hrp[0]) return false;
  std::size_t sep = s.rfind('1');
  if (sep != hrp.size()) return false;
  for (std::size_t i = 0; i < hrp.size(); ++i)
    if (lower(s[i]) != hrp[i]) return false;
  std::uint8_t v[100];
  std::size_t n = 0;
  for (char c : hrp) v[n++] = static_cast<std::uint8_t>(c >> 5);
  v[n++] = 0;
  for (char c : hrp) v[n++] = static_cast<std::uint8_t>(c & 31);
  bool hasLower = false, hasUpper = false;
  for (std::size_t i = sep + 1; i < s.size(); ++i) {
    char c = s[i];
    hasLower |= (c >= 'a' && c <= 'z');
    hasUpper |= (c >= 'A' && c <= 'Z');
    auto pos = kBech32.find(lower(c));
    if (pos == std::string_view::npos) return false;
    v[n++] = static_cast<std::uint8_t>(pos);
  }
  if (hasLower && hasUpper) return false;
  std::uint32_t pm = bech32Polymod(v, n);
  return pm == 1 || pm == 0x2bc830a3;  // bech32 or bech32m
}

std::uint32_t crc32(std::string_view bytes) {
  static const auto kTable = makeCrcTable();
  std::uint32_t c = 0xFFFFFFFFu;
  for (unsigned char b : bytes) c = kTable[(c ^ b) & 0xff] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

bool base62Crc32Valid(std::string_view body) {
  if (body.size() <= 6) return false;
  std::uint32_t crc = crc32(body.substr(0, body.size() - 6));
  char enc[6];
  for (int i = 5; i >= 0; --i) {
    enc[i] = kBase62[crc % 62];
    crc /= 62;
  }
  return std::string_view(enc, 6) == body.substr(body.size() - 6);
}

double shannonEntropy(std::string_view s) {
  if (s.empty()) return 0;
  // Only the bytes present are counted and summed, in ascending byte order (the sum is the
  // same, bit for bit, as over all 256 counts): a value has a few dozen distinct bytes, and
  // clearing and walking 256 counters cost more than the rest.
  ByteSet present;
  for (unsigned char c : s) present.add(c);
  std::array<std::uint32_t, 256> counts;  // only the entries of present bytes are read
  present.forEach([&counts](unsigned char c) { counts[c] = 0; });
  for (unsigned char c : s) ++counts[c];
  double h = 0;
  const double n = static_cast<double>(s.size());
  present.forEach([&](unsigned char c) {
    const double p = counts[c] / n;
    h -= p * std::log2(p);
  });
  return h;
}

int charClasses(std::string_view s) {
  // One bit per class (lower, upper, digit, other printable ASCII), OR-ed without branches.
  static constexpr auto kClass = [] {
    std::array<std::uint8_t, 256> t{};
    for (int c = 0; c < 256; ++c) {
      if (c >= 'a' && c <= 'z') t[c] = 1;
      else if (c >= 'A' && c <= 'Z') t[c] = 2;
      else if (c >= '0' && c <= '9') t[c] = 4;
      else if (c > ' ' && c < 127) t[c] = 8;
    }
    return t;
  }();
  unsigned seen = 0;
  for (unsigned char c : s) seen |= kClass[c];
  return __builtin_popcount(seen);
}

std::optional<std::string> base64Decode(std::string_view s) {
  while (!s.empty() && s.back() == '=') s.remove_suffix(1);
  if (s.size() % 4 == 1) return std::nullopt;
  std::string out;
  out.reserve(s.size() * 3 / 4);
  std::uint32_t acc = 0;
  int bits = 0;
  for (char c : s) {
    int v = base64Value(c);
    if (v < 0) return std::nullopt;
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  return out;
}

bool keywordBefore(std::string_view before, std::initializer_list<std::string_view> words,
                   std::size_t within) {
  if (before.size() > within) before = before.substr(before.size() - within);
  for (std::string_view w : words) {
    if (w.size() > before.size()) continue;
    for (std::size_t i = 0; i + w.size() <= before.size(); ++i) {
      std::size_t k = 0;
      while (k < w.size() && lower(before[i + k]) == lower(w[k])) ++k;
      if (k == w.size()) return true;
    }
  }
  return false;
}

bool looksLikePlaceholder(std::string_view v) {
  if (v.empty()) return true;
  static constexpr std::string_view kWords[] = {
      "changeme", "change_me", "password", "passw0rd", "secret",  "example", "placeholder",
      "your_",    "your-",     "xxxx",     "****",     "....",    "null",    "none",
      "true",     "false",     "undefined", "redacted", "dummy",  "sample",  "todo"};
  // A word counts only in a value at most five bytes longer than it.
  constexpr std::size_t kShort =
      std::max_element(std::begin(kWords), std::end(kWords), [](auto a, auto b) { return a.size() < b.size(); })
          ->size() +
      6;
  if (v.size() < kShort) {
    char buf[kShort];
    for (std::size_t i = 0; i < v.size(); ++i) buf[i] = lower(v[i]);
    const std::string_view low(buf, v.size());
    for (auto w : kWords)
      if (low.size() < w.size() + 6 && low.find(w) != std::string_view::npos) return true;
  }
  char f = v.front();
  if (f == '<' || f == '$' || f == '%' || f == '{' || f == '[' || f == '(') return true;
  // One pass: "xxxx" (either case) or "****" anywhere, a '(' or "->" anywhere, or a dotted
  // identifier such as config.password or os.environ.
  int xs = 0, stars = 0;
  bool ident = true, dot = false;
  char prev = 0;
  for (char c : v) {
    xs = c == 'x' || c == 'X' ? xs + 1 : 0;
    stars = c == '*' ? stars + 1 : 0;
    if (xs == 4 || stars == 4 || c == '(' || (prev == '-' && c == '>')) return true;
    if (c == '.') dot = true;
    else if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || isDigit(c) || c == '_'))
      ident = false;
    prev = c;
  }
  return ident && dot;
}

}  // namespace airlock::dlp
