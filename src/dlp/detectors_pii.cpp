// PII detectors. Each entry: id, category, description, RE2 pattern, Hyperscan trigger,
// window, validator (detector.h explains how they are used).
//
// Conventions here: a value that needs a context word is found by triggering on the word and
// matching "word, short gap, value" with the value as group 1; a value with its own shape
// triggers on that shape and looks for context words in Candidate::before. Windows are wider
// than the value so that validators can see the neighbouring bytes (a digit group or a dotted
// part just outside the match means the match is a piece of something longer).
#include <arpa/inet.h>

#include <array>
#include <cstring>

#include "dlp/detector.h"
#include "dlp/validators.h"

namespace airlock::dlp {
namespace {

// ------------------------------------------------------------------------------ byte helpers

bool isDigit(char c) { return c >= '0' && c <= '9'; }
bool isUpper(char c) { return c >= 'A' && c <= 'Z'; }
bool isLower(char c) { return c >= 'a' && c <= 'z'; }
bool isAlpha(char c) { return isUpper(c) || isLower(c); }
bool isAlnum(char c) { return isAlpha(c) || isDigit(c); }
bool isHex(char c) { return isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
char lowerAscii(char c) { return isUpper(c) ? static_cast<char>(c + 32) : c; }

bool eqNoCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (lowerAscii(a[i]) != lowerAscii(b[i])) return false;
  return true;
}

bool oneOf(std::string_view w, std::initializer_list<std::string_view> words) {
  for (auto x : words)
    if (eqNoCase(w, x)) return true;
  return false;
}

char lastByte(std::string_view s) { return s.empty() ? '\0' : s.back(); }
char firstByte(std::string_view s) { return s.empty() ? '\0' : s.front(); }

int num(std::string_view s) {
  int v = 0;
  for (char c : s) v = v * 10 + (c - '0');
  return v;
}

// The digits of a value, without allocating. Bytes in `seps` are skipped; any other non-digit
// byte, or more than the buffer holds, leaves `ok` false.
struct Digits {
  std::array<char, 48> buf{};
  std::size_t n = 0;
  bool ok = false;
  std::string_view view() const { return {buf.data(), n}; }
};

Digits digitsOf(std::string_view s, std::string_view seps = " -") {
  Digits d;
  for (char c : s) {
    if (isDigit(c)) {
      if (d.n == d.buf.size()) return d;
      d.buf[d.n++] = c;
    } else if (seps.find(c) == std::string_view::npos) {
      return d;
    }
  }
  d.ok = true;
  return d;
}

// True when every non-digit byte of s is the same byte (or there is none).
bool oneSeparator(std::string_view s) {
  char sep = '\0';
  for (char c : s) {
    if (isDigit(c)) continue;
    if (sep == '\0')
      sep = c;
    else if (c != sep)
      return false;
  }
  return true;
}

// True when the bytes next to a match continue it as a number: a digit right before or after,
// or a separator followed by a digit ("1-" before, ".5" after). Such a match is a piece of a
// longer number, a dotted version or an OID.
bool continuesNumber(std::string_view before, std::string_view after, std::string_view seps) {
  if (isDigit(lastByte(before)) || isDigit(firstByte(after))) return true;
  if (before.size() >= 2 && seps.find(before.back()) != std::string_view::npos &&
      isDigit(before[before.size() - 2]))
    return true;
  if (after.size() >= 2 && seps.find(after[0]) != std::string_view::npos && isDigit(after[1]))
    return true;
  return false;
}

// The word just before a match, skipping a few separator bytes ("version: ", "build=").
std::string_view lastWord(std::string_view before) {
  std::size_t i = before.size();
  int skipped = 0;
  while (i > 0 && skipped < 4) {
    char c = before[i - 1];
    if (c != ' ' && c != '\t' && c != ':' && c != '=' && c != '"' && c != '\'') break;
    --i;
    ++skipped;
  }
  const std::size_t end = i;
  while (i > 0 && isAlpha(before[i - 1]) && end - i < 24) --i;
  return before.substr(i, end - i);
}

// The match starts with a keyword: reject it when the keyword is the tail of a longer word
// ("adobe" for "dob", "kabab" for "aba"). `before` ends where the keyword starts.
bool keywordStartsWord(const Candidate& c) { return !isAlpha(lastByte(c.before)); }

bool validDate(int y, int m, int d) {
  if (y < 1880 || y > 2100 || m < 1 || m > 12 || d < 1) return false;
  static constexpr int kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  int days = kDays[m - 1];
  if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)) days = 29;
  return d <= days;
}

// ------------------------------------------------------------------------------------ email

constexpr std::string_view kFileExtensions[] = {
    "png", "jpg", "jpeg", "gif",  "svg", "webp", "ico", "bmp", "css",  "js",  "mjs", "ts",
    "tsx", "jsx", "json", "yaml", "yml", "xml",  "txt", "md",  "html", "htm", "map", "lock"};

std::optional<Verdict> validateEmail(const Candidate& c) {
  const std::string_view v = c.value;
  const std::size_t at = v.find('@');
  if (at == std::string_view::npos) return std::nullopt;
  const std::string_view local = v.substr(0, at), domain = v.substr(at + 1);
  if (local.front() == '.' || local.back() == '.' || local.find("..") != std::string_view::npos)
    return std::nullopt;
  // URL userinfo ("https://token@host", "postgres://app:pw@db"): the token before the match
  // has "://" with no path '/' after it.
  for (std::size_t i = c.before.size(); i > 0; --i) {
    char b = c.before[i - 1];
    if (b == ' ' || b == '\t' || b == '\n' || b == '"' || b == '\'' || b == '<' || b == '(' ||
        b == '[' || b == ',' || b == ';')
      break;
    if (b == '/' && i >= 3 && c.before[i - 2] == '/' && c.before[i - 3] == ':') {
      if (c.before.substr(i).find('/') == std::string_view::npos) return std::nullopt;
      break;
    }
  }
  for (std::size_t i = 0; i < domain.size(); ++i) {
    if (domain[i] != '-') continue;
    if (i == 0 || domain[i - 1] == '.' || i + 1 == domain.size() || domain[i + 1] == '.')
      return std::nullopt;
  }
  const std::string_view tld = domain.substr(domain.rfind('.') + 1);
  for (auto ext : kFileExtensions)  // "icon@2x.png"
    if (eqNoCase(tld, ext)) return std::nullopt;
  return Verdict{Confidence::kHigh, "address shape"};
}

// ------------------------------------------------------------------------------------ phone

const std::initializer_list<std::string_view> kPhoneWords = {
    "phone", "tel", "mobile", "cell", "call", "fax", "contact", "sms", "whatsapp"};

std::optional<Verdict> validateNanp(const Candidate& c) {
  if (isAlnum(lastByte(c.before)) || continuesNumber(c.before, c.after, "-.")) return std::nullopt;
  std::string_view v = c.value;
  const bool plus = v.starts_with("+1");
  const bool context = keywordBefore(c.before, kPhoneWords, 32);
  std::size_t i = 0;
  if (plus)
    i = 2;
  else if (v[0] == '1')
    i = 1;
  while (i < v.size() && (v[i] == ' ' || v[i] == '-' || v[i] == '.')) ++i;
  const bool paren = i < v.size() && v[i] == '(';
  if (!paren && v.size() - i == 12) {  // "555-123-4567": both separators the same
    const char s1 = v[i + 3], s2 = v[i + 7];
    if (s1 != s2) return std::nullopt;
    if (s1 == ' ' && !plus && !context) return std::nullopt;  // "555 123 4567" alone is vague
  }
  if (plus || context) return Verdict{Confidence::kHigh, "NANP number; valid area and exchange"};
  return Verdict{Confidence::kMedium, "NANP number shape; valid area and exchange"};
}

std::optional<Verdict> validateE164(const Candidate& c) {
  const std::string_view v = c.value;
  if (v.starts_with("+1")) return std::nullopt;  // NANP: phone_nanp owns it
  const char prev = lastByte(c.before);
  if (isAlnum(prev) || prev == '+' || prev == '.' || prev == ')') return std::nullopt;
  if (isDigit(firstByte(c.after)) || continuesNumber({}, c.after, "-.")) return std::nullopt;
  int digits = 0;
  for (char ch : v) digits += isDigit(ch);
  if (v.find("(0)") != std::string_view::npos) --digits;  // national trunk prefix
  if (digits < 8 || digits > 15) return std::nullopt;
  // "+2026-01-05": an ISO date with an explicit sign, not a number.
  if (v.size() == 11 && v[5] == '-' && v[8] == '-') return std::nullopt;
  if (keywordBefore(c.before, kPhoneWords, 32))
    return Verdict{Confidence::kHigh, "international number; context word"};
  return Verdict{Confidence::kMedium, "international number shape"};
}

std::optional<Verdict> validatePhoneNational(const Candidate& c) {
  const std::string_view m = c.match;
  if (!keywordStartsWord(c) && !eqNoCase(m.substr(0, 5), "phone")) return std::nullopt;
  if (isDigit(firstByte(c.after)) || continuesNumber({}, c.after, "-.")) return std::nullopt;
  int digits = 0;
  for (char ch : c.value) digits += isDigit(ch);
  if (digits < 9 || digits > 12) return std::nullopt;
  return Verdict{Confidence::kMedium, "national number with trunk prefix; context word"};
}

// -------------------------------------------------------------------------------- card

std::string_view cardBrand(std::string_view d) {
  const std::size_t n = d.size();
  const int p2 = num(d.substr(0, 2)), p3 = num(d.substr(0, 3)), p4 = num(d.substr(0, 4));
  if (d[0] == '4' && (n == 13 || n == 16 || n == 19)) return "Visa";
  if (n == 16 && ((p2 >= 51 && p2 <= 55) || (p4 >= 2221 && p4 <= 2720))) return "Mastercard";
  if (n == 15 && (p2 == 34 || p2 == 37)) return "American Express";
  if (n >= 16 && (p4 == 6011 || (p3 >= 644 && p3 <= 649) || p2 == 65)) return "Discover";
  if (n >= 16 && p4 >= 3528 && p4 <= 3589) return "JCB";
  if (n == 14 && ((p3 >= 300 && p3 <= 305) || p2 == 36 || p2 == 38)) return "Diners Club";
  if (n >= 16 && p2 == 62) return "UnionPay";
  return {};
}

std::optional<Verdict> validateCard(const Candidate& c) {
  const std::string_view v = c.value;
  if (!oneSeparator(v)) return std::nullopt;
  // Another group of four right before or after: a longer digit sequence, not a card.
  const std::string_view b = c.before, a = c.after;
  if (isDigit(lastByte(b)) || isDigit(firstByte(a))) return std::nullopt;
  if (v.find_first_of(" -") != std::string_view::npos) {
    const bool groupAfter = a.size() >= 5 && (a[0] == ' ' || a[0] == '-') && isDigit(a[1]) &&
                            isDigit(a[2]) && isDigit(a[3]) && isDigit(a[4]) &&
                            (a.size() == 5 || !isDigit(a[5]));
    const std::size_t n = b.size();
    const bool groupBefore = n >= 5 && (b[n - 1] == ' ' || b[n - 1] == '-') && isDigit(b[n - 2]) &&
                             isDigit(b[n - 3]) && isDigit(b[n - 4]) && isDigit(b[n - 5]);
    if (groupAfter || groupBefore) return std::nullopt;
  }
  Digits d = digitsOf(v);
  if (!d.ok || d.n < 13 || d.n > 19 || !luhnValid(d.view())) return std::nullopt;
  const std::string_view brand = cardBrand(d.view());
  if (brand.empty()) return std::nullopt;
  if (brand == "Visa") return Verdict{Confidence::kHigh, "Luhn checksum valid; Visa range"};
  if (brand == "Mastercard")
    return Verdict{Confidence::kHigh, "Luhn checksum valid; Mastercard range"};
  if (brand == "American Express")
    return Verdict{Confidence::kHigh, "Luhn checksum valid; American Express range"};
  if (brand == "Discover") return Verdict{Confidence::kHigh, "Luhn checksum valid; Discover range"};
  if (brand == "JCB") return Verdict{Confidence::kHigh, "Luhn checksum valid; JCB range"};
  if (brand == "Diners Club")
    return Verdict{Confidence::kHigh, "Luhn checksum valid; Diners Club range"};
  return Verdict{Confidence::kHigh, "Luhn checksum valid; UnionPay range"};
}

// ------------------------------------------------------------------------------- US ids

// SSA rules: area not 000, 666 or 900-999; group not 00; serial not 0000.
bool ssnParts(std::string_view d) {
  if (d.size() != 9) return false;
  const int area = num(d.substr(0, 3)), group = num(d.substr(3, 2)), serial = num(d.substr(5));
  return area != 0 && area != 666 && area < 900 && group != 0 && serial != 0;
}

const std::initializer_list<std::string_view> kSsnWords = {"ssn", "social security", "soc sec",
                                                           "ss#", "ss no",           "ss num"};

std::optional<Verdict> validateSsn(const Candidate& c) {
  if (continuesNumber(c.before, c.after, "-")) return std::nullopt;
  Digits d = digitsOf(c.value);
  if (!d.ok || !ssnParts(d.view())) return std::nullopt;
  if (keywordBefore(c.before, kSsnWords, 32))
    return Verdict{Confidence::kHigh, "valid SSN area, group and serial; context word"};
  return Verdict{Confidence::kMedium, "valid SSN area, group and serial"};
}

std::optional<Verdict> validateSsnBare(const Candidate& c) {
  if (!keywordStartsWord(c)) return std::nullopt;
  if (!ssnParts(c.value)) return std::nullopt;
  return Verdict{Confidence::kMedium, "nine digits with valid SSN ranges; context word"};
}

std::optional<Verdict> validateItin(const Candidate& c) {
  if (continuesNumber(c.before, c.after, "-")) return std::nullopt;
  const int g = num(c.value.substr(4, 2));
  const bool ok = (g >= 50 && g <= 65) || (g >= 70 && g <= 88) || (g >= 90 && g <= 92) || g >= 94;
  if (!ok || c.value.substr(7) == "0000") return std::nullopt;
  if (keywordBefore(c.before, {"itin", "taxpayer", "tax id", "tin"}, 32))
    return Verdict{Confidence::kHigh, "ITIN ranges; context word"};
  return Verdict{Confidence::kMedium, "ITIN ranges (9xx, group 50-65/70-88/90-92/94-99)"};
}

std::optional<Verdict> validatePassport(const Candidate& c) {
  Digits d = digitsOf(c.value.substr(isUpper(c.value[0]) ? 1 : 0), "");
  if (!d.ok) return std::nullopt;
  bool same = true;
  for (std::size_t i = 1; i < d.n; ++i) same &= d.buf[i] == d.buf[0];
  if (same) return std::nullopt;
  return Verdict{Confidence::kMedium, "passport number shape; context word"};
}

std::optional<Verdict> validateRouting(const Candidate& c) {
  if (!keywordStartsWord(c) || !abaRoutingValid(c.value)) return std::nullopt;
  return Verdict{Confidence::kHigh, "ABA checksum valid; context word"};
}

std::optional<Verdict> validateEin(const Candidate& c) {
  if (!keywordStartsWord(c)) return std::nullopt;
  const int p = num(c.value.substr(0, 2));
  // IRS campus prefixes; 00, 07-09, 17-19, 28-29, 49, 69-70, 78-79, 89, 96-97 are unused.
  const bool ok = (p >= 1 && p <= 6) || (p >= 10 && p <= 16) || (p >= 20 && p <= 27) ||
                  (p >= 30 && p <= 48) || (p >= 50 && p <= 68) || (p >= 71 && p <= 77) ||
                  (p >= 80 && p <= 88) || (p >= 90 && p <= 95) || p >= 98;
  if (!ok) return std::nullopt;
  return Verdict{Confidence::kMedium, "EIN prefix valid; context word"};
}

// ------------------------------------------------------------------------------ UK, CA, IN, ES

std::optional<Verdict> validateNhs(const Candidate& c) {
  if (!oneSeparator(c.value)) return std::nullopt;
  Digits d = digitsOf(c.value);
  if (!d.ok || !nhsValid(d.view())) return std::nullopt;
  return Verdict{Confidence::kHigh, "NHS mod-11 check digit valid; context word"};
}

std::optional<Verdict> validateNino(const Candidate& c) {
  const std::string_view v = c.value;
  const std::string_view pre = v.substr(0, 2);
  for (auto bad : {"BG", "GB", "NK", "KN", "TN", "NT", "ZZ"})
    if (pre == bad) return std::nullopt;
  const bool spaced = v.size() == 13;
  if (!spaced && v.size() != 9) return std::nullopt;  // spaces all or nothing
  if (keywordBefore(c.before, {"national insurance", "nino", "ni number", "ni no", "nin:"}, 40))
    return Verdict{Confidence::kHigh, "NINO prefix rules; context word"};
  return Verdict{Confidence::kMedium, "NINO prefix rules"};
}

std::optional<Verdict> validateSortCode(const Candidate& c) {
  if (!oneSeparator(c.value)) return std::nullopt;
  return Verdict{Confidence::kMedium, "sort code shape; context word"};
}

std::optional<Verdict> validateSin(const Candidate& c) {
  if (!oneSeparator(c.value)) return std::nullopt;
  Digits d = digitsOf(c.value);
  if (!d.ok || d.n != 9 || d.buf[0] == '0' || d.buf[0] == '8' || !luhnValid(d.view()))
    return std::nullopt;
  return Verdict{Confidence::kHigh, "Luhn checksum valid; context word"};
}

bool verhoeffValid(std::string_view d) {
  static constexpr std::uint8_t kD[10][10] = {
      {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 2, 3, 4, 0, 6, 7, 8, 9, 5},
      {2, 3, 4, 0, 1, 7, 8, 9, 5, 6}, {3, 4, 0, 1, 2, 8, 9, 5, 6, 7},
      {4, 0, 1, 2, 3, 9, 5, 6, 7, 8}, {5, 9, 8, 7, 6, 0, 4, 3, 2, 1},
      {6, 5, 9, 8, 7, 1, 0, 4, 3, 2}, {7, 6, 5, 9, 8, 2, 1, 0, 4, 3},
      {8, 7, 6, 5, 9, 3, 2, 1, 0, 4}, {9, 8, 7, 6, 5, 4, 3, 2, 1, 0}};
  static constexpr std::uint8_t kP[8][10] = {
      {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 5, 7, 6, 2, 8, 3, 0, 9, 4},
      {5, 8, 0, 3, 7, 9, 6, 1, 4, 2}, {8, 9, 1, 6, 0, 4, 3, 5, 2, 7},
      {9, 4, 5, 3, 1, 2, 7, 6, 8, 0}, {4, 2, 8, 6, 5, 7, 3, 9, 0, 1},
      {2, 7, 9, 3, 8, 0, 6, 4, 1, 5}, {7, 0, 4, 6, 9, 1, 3, 2, 5, 8}};
  int c = 0;
  std::size_t i = 0;
  for (auto it = d.rbegin(); it != d.rend(); ++it, ++i) c = kD[c][kP[i % 8][*it - '0']];
  return c == 0;
}

std::optional<Verdict> validateAadhaar(const Candidate& c) {
  if (!oneSeparator(c.value)) return std::nullopt;
  Digits d = digitsOf(c.value);
  if (!d.ok || d.n != 12 || !verhoeffValid(d.view())) return std::nullopt;
  return Verdict{Confidence::kHigh, "Verhoeff check digit valid; context word"};
}

std::optional<Verdict> validateDni(const Candidate& c) {
  if (!keywordStartsWord(c)) return std::nullopt;
  std::string_view v = c.value;
  int lead = 0;  // NIE: X, Y, Z stand for 0, 1, 2
  if (v[0] == 'X' || v[0] == 'Y' || v[0] == 'Z') {
    lead = v[0] - 'X';
    v.remove_prefix(1);
  } else {
    lead = -1;
  }
  char letter = v.back();
  Digits d = digitsOf(v.substr(0, v.size() - 1));
  if (!d.ok) return std::nullopt;
  long n = lead >= 0 ? lead : 0;
  for (std::size_t i = 0; i < d.n; ++i) n = n * 10 + (d.buf[i] - '0');
  static constexpr std::string_view kLetters = "TRWAGMYFPDXBNJZSQVHLCKE";
  if (kLetters[static_cast<std::size_t>(n % 23)] != letter) return std::nullopt;
  return Verdict{Confidence::kHigh, "DNI/NIE check letter valid; context word"};
}

std::optional<Verdict> validateNationalId(const Candidate& c) {
  int digits = 0;
  for (char ch : c.value) digits += isDigit(ch);
  if (digits < 5) return std::nullopt;
  return Verdict{Confidence::kLow, "identifier after a national-id context word"};
}

// ------------------------------------------------------------------------------------ dates

int monthFromName(std::string_view s) {
  static constexpr std::string_view kMonths[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                                 "jul", "aug", "sep", "oct", "nov", "dec"};
  if (s.size() < 3) return 0;
  for (int i = 0; i < 12; ++i)
    if (eqNoCase(s.substr(0, 3), kMonths[i])) return i + 1;
  return 0;
}

std::optional<Verdict> validateDob(const Candidate& c) {
  if (!keywordStartsWord(c)) return std::nullopt;
  const std::string_view v = c.value;
  // Split into runs of digits and of letters.
  std::string_view parts[4];
  int n = 0;
  for (std::size_t i = 0; i < v.size() && n < 4;) {
    std::size_t j = i;
    if (isDigit(v[i])) {
      while (j < v.size() && isDigit(v[j])) ++j;
    } else if (isAlpha(v[i])) {
      while (j < v.size() && isAlpha(v[j])) ++j;
    } else {
      ++i;
      continue;
    }
    parts[n++] = v.substr(i, j - i);
    i = j;
  }
  bool ok = false;
  if (n == 3 && isDigit(parts[0][0]) && isDigit(parts[1][0])) {
    if (!oneSeparator(v)) return std::nullopt;
    const int a = num(parts[0]), b = num(parts[1]), y3 = num(parts[2]);
    if (parts[0].size() == 4)
      ok = validDate(a, b, y3);  // yyyy-mm-dd
    else
      ok = validDate(y3, b, a) || validDate(y3, a, b);  // dd/mm or mm/dd
  } else if (n >= 3) {
    // "12 March 1985", "12th March 1985", "March 12, 1985"
    std::string_view day, month, year;
    for (int i = 0; i < n; ++i) {
      if (isAlpha(parts[i][0])) {
        if (monthFromName(parts[i]) != 0 && month.empty()) month = parts[i];
      } else if (parts[i].size() == 4) {
        year = parts[i];
      } else if (parts[i].size() <= 2) {
        day = parts[i];
      }
    }
    if (!day.empty() && !month.empty() && !year.empty())
      ok = validDate(num(year), monthFromName(month), num(day));
  }
  if (!ok) return std::nullopt;
  return Verdict{Confidence::kMedium, "valid date after a birth-date context word"};
}

// ---------------------------------------------------------------------------------- network

std::optional<Verdict> validateIban(const Candidate& c) {
  const std::string_view v = c.value;
  bool lower = false, upper = false;
  for (char ch : v) {
    lower |= isLower(ch);
    upper |= isUpper(ch);
  }
  if (lower && upper) return std::nullopt;
  if (!ibanValid(v)) return std::nullopt;
  return Verdict{Confidence::kHigh, "IBAN country length and mod-97 valid"};
}

std::optional<Verdict> validateIpv4(const Candidate& c) {
  if (continuesNumber(c.before, c.after, ".")) return std::nullopt;
  if (oneOf(lastWord(c.before), {"version", "ver", "v", "build", "release", "rev", "revision",
                                 "firmware", "fw", "tag", "kernel", "driver", "package"}))
    return std::nullopt;
  // The tail of an IPv6 address with an embedded IPv4 ("::ffff:10.0.0.1"): ipv6 reports it.
  {
    std::size_t i = c.before.size(), colons = 0;
    while (i > 0 && (isHex(c.before[i - 1]) || c.before[i - 1] == ':')) {
      colons += c.before[i - 1] == ':';
      --i;
    }
    if (colons >= 2) return std::nullopt;
  }
  const std::string_view v = c.value;
  if (v.starts_with("127.") || v == "0.0.0.0" || v.starts_with("255."))
    return Verdict{Confidence::kLow, "IPv4 loopback, unspecified or netmask"};
  if (keywordBefore(c.before,
                    {"ip", "addr", "host", "from", "client", "server", "peer", "remote", "src",
                     "dst", "gateway", "upstream", "proxy", "connect", "inet", "dns"},
                    24))
    return Verdict{Confidence::kHigh, "IPv4 octets in range; network context"};
  return Verdict{Confidence::kMedium, "IPv4 octets in range"};
}

std::optional<Verdict> validateIpv6(const Candidate& c) {
  const std::string_view v = c.value;
  if (v.size() > 45) return std::nullopt;
  const char prev = lastByte(c.before), next = firstByte(c.after);
  if (isAlnum(prev) || prev == '_' || prev == ':' || prev == '.') return std::nullopt;
  if (isAlnum(next) || next == '_' || next == ':') return std::nullopt;
  if (next == '.' && c.after.size() >= 2 && isDigit(c.after[1])) return std::nullopt;
  char buf[64];
  std::memcpy(buf, v.data(), v.size());
  buf[v.size()] = '\0';
  unsigned char addr[16];
  if (inet_pton(AF_INET6, buf, addr) != 1) return std::nullopt;
  const bool compressed = v.find("::") != std::string_view::npos;
  int groups = 0, twoHex = 0, digit = 0;
  for (std::size_t i = 0; i < v.size();) {
    if (v[i] == ':') {
      ++i;
      continue;
    }
    std::size_t j = i;
    bool dotted = false;
    while (j < v.size() && v[j] != ':') dotted |= v[j++] == '.';
    groups += dotted ? 2 : 1;
    twoHex += (j - i == 2);
    i = j;
  }
  for (char ch : v) digit += isDigit(ch);
  if (compressed && groups < 3) return std::nullopt;    // "fe80::1", "ab::cd": too little to tell
  if (digit == 0) return std::nullopt;                  // "dead:beef::cafe" in code
  if (!compressed && twoHex == 8) return std::nullopt;  // an EUI-64 written with colons
  return Verdict{Confidence::kHigh, "IPv6 address (inet_pton)"};
}

std::optional<Verdict> validateMac(const Candidate& c) {
  const std::string_view v = c.value;
  const char prev = lastByte(c.before), next = firstByte(c.after);
  if (prev == ':' || prev == '-' || prev == '.' || next == ':' || next == '-' ||
      (next == '.' && c.after.size() >= 2 && isHex(c.after[1])))
    return std::nullopt;
  bool zero = true, ones = true, letter = false;
  for (char ch : v) {
    if (!isHex(ch)) continue;
    zero &= ch == '0';
    ones &= ch == 'f' || ch == 'F';
    letter |= isAlpha(ch);
  }
  if (zero || ones) return std::nullopt;
  const bool context = keywordBefore(
      c.before, {"mac", "ether", "hwaddr", "bssid", "hardware", "lladdr", "wifi", "device"}, 32);
  if (v[4] == '.' && !context && !letter) return std::nullopt;  // "1234.5678.9012"
  if (context) return Verdict{Confidence::kHigh, "MAC address; context word"};
  return Verdict{Confidence::kMedium, "MAC address shape"};
}

// ---------------------------------------------------------------------------------- crypto

std::optional<Verdict> validateBitcoin(const Candidate& c) {
  if (!base58CheckValid(c.value)) return std::nullopt;
  return Verdict{Confidence::kHigh, "Base58Check checksum valid"};
}

std::optional<Verdict> validateBech32(const Candidate& c) {
  std::string_view v = c.value;
  char buf[96];
  for (std::size_t i = 0; i < v.size(); ++i) buf[i] = lowerAscii(v[i]);
  if (!bech32Valid(std::string_view(buf, v.size()), "bc")) return std::nullopt;
  return Verdict{Confidence::kHigh, "bech32/bech32m checksum valid"};
}

std::optional<Verdict> validateEthereum(const Candidate& c) {
  bool lower = false, upper = false;
  for (char ch : c.value.substr(2)) {
    lower |= isLower(ch);
    upper |= isUpper(ch);
  }
  const bool mixed = lower && upper;
  const bool context = keywordBefore(c.before,
                                     {"eth", "wallet", "address", "addr", "account", "erc20",
                                      "erc-20", "contract", "recipient", "sender", "metamask"},
                                     40);
  if (mixed && context) return Verdict{Confidence::kHigh, "mixed-case hex address; context word"};
  if (context) return Verdict{Confidence::kMedium, "hex address; context word"};
  if (mixed) return Verdict{Confidence::kMedium, "mixed-case (checksummed) hex address"};
  return std::nullopt;
}

// Country codes of the IBAN registry (validators.cpp has the lengths).
#define AIRLOCK_IBAN_CC                                                                        \
  "AD|AE|AL|AT|AZ|BA|BE|BG|BH|BI|BR|BY|CH|CR|CY|CZ|DE|DJ|DK|DO|EE|EG|ES|FI|FK|FO|FR|GB|GE|GI|" \
  "GL|GR|GT|HR|HU|IE|IL|IQ|IS|IT|JO|KW|KZ|LB|LC|LI|LT|LU|LV|LY|MC|MD|ME|MK|MN|MR|MT|MU|NI|NL|" \
  "NO|OM|PK|PL|PS|PT|QA|RO|RS|RU|SA|SC|SD|SE|SI|SK|SM|SO|ST|SV|TL|TN|TR|UA|VA|VG|XK"

#define AIRLOCK_OCTET R"((?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d))"
#define AIRLOCK_IPV4 AIRLOCK_OCTET R"((?:\.)" AIRLOCK_OCTET "){3}"
#define AIRLOCK_H16 "[0-9A-Fa-f]{1,4}"

#define AIRLOCK_MONTHS                                                            \
  "jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|" \
  "sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"

constexpr Detector kPii[] = {
    {.id = "email",
     .category = Category::kPii,
     .description = "Email address",
     .pattern =
         R"([A-Za-z0-9._%+\-]{1,64}@[A-Za-z0-9\-]{1,63}(?:\.[A-Za-z0-9\-]{1,63}){0,8}\.[A-Za-z]{2,24}\b)",
     .trigger = "@",
     .back = 96,
     .ahead = 256,
     .validate = validateEmail,
     .placeholder = "EMAIL"},
    {.id = "phone_nanp",
     .category = Category::kPii,
     .description = "North American phone number: (555) 234-5678, 555-234-5678, +1 555 234 5678",
     .pattern =
         R"(((?:\+1[ .\-]?|\b1[ .\-])?(?:\([2-9]\d{2}\)[ .\-]?|\b[2-9]\d{2}[ .\-])[2-9]\d{2}[ .\-]\d{4}\b|\+1[2-9]\d{2}[2-9]\d{6}\b))",
     .shape = Shape::kPhoneNanp,
     .back = 64,
     .ahead = 16,
     .validate = validateNanp,
     .placeholder = "PHONE"},
    {.id = "phone_e164",
     .category = Category::kPii,
     .description = "International phone number with a country code: +44 20 7946 0958",
     .pattern = R"((\+[1-9]\d{0,2}(?:[ .\-]?(?:\(\d{1,4}\)|\d{1,6})){1,7})\b)",
     .trigger = R"(\+[1-9]\d{0,2}[ .\-]?\(?\d)",
     .back = 48,
     .ahead = 48,
     .validate = validateE164,
     .placeholder = "PHONE"},
    {.id = "phone_national",
     .category = Category::kPii,
     .description = "National phone number with a trunk prefix after a context word: 020 7946 0958",
     .pattern =
         R"((?i:phone|tel|mobile|cell|call|fax)[A-Za-z_.]{0,12}[^0-9+\n]{0,24}((?:\(0\d{1,4}\)|\b0\d{1,4})(?:[ .\-]?\d{2,4}){1,4})\b)",
     .trigger = "(?i)(?:phone|tel|mobile|cell|call|fax)",
     .back = 24,
     .ahead = 80,
     .validate = validatePhoneNational,
     .placeholder = "PHONE"},
    {.id = "credit_card",
     .category = Category::kPii,
     .description = "Payment card number (Luhn, issuer range and length)",
     .pattern =
         R"(\b(\d{13,19}|\d{4}[ \-]\d{4}[ \-]\d{4}[ \-]\d{4}|\d{4}[ \-]\d{6}[ \-]\d{4,5})\b)",
     .shape = Shape::kCard,
     .back = 48,
     .ahead = 16,
     .validate = validateCard,
     .placeholder = "CARD"},
    {.id = "us_ssn",
     .category = Category::kPii,
     .description = "US Social Security number ddd-dd-dddd (SSA ranges)",
     .pattern = R"(\b(\d{3}-\d{2}-\d{4})\b)",
     .shape = Shape::kSsn,
     .back = 48,
     .ahead = 8,
     .validate = validateSsn,
     .placeholder = "SSN"},
    {.id = "us_ssn_bare",
     .category = Category::kPii,
     .description = "US Social Security number as nine digits after 'SSN' or 'social security'",
     .pattern = R"((?i:ssn|social[ _\-]?security)[^0-9\n]{0,32}\b(\d{9})\b)",
     .trigger = R"((?i)(?:ssn|social[ _\-]?security))",
     .back = 24,
     .ahead = 56,
     .validate = validateSsnBare,
     .placeholder = "SSN"},
    {.id = "iban",
     .category = Category::kPii,
     .description = "International bank account number (country length, mod-97)",
     .pattern =
         R"(\b((?i:)" AIRLOCK_IBAN_CC R"()\d{2}[A-Za-z0-9]{11,30}|(?:)" AIRLOCK_IBAN_CC
         R"()\d{2}(?: [A-Z0-9]{4}){2,7}(?: (?:\d[A-Z0-9]{0,2}|[A-Z]\d[A-Z0-9]?|[A-Z]{2}\d))?)\b)",
     .shape = Shape::kIban,
     .back = 12,
     .ahead = 44,
     .validate = validateIban,
     .placeholder = "IBAN"},
    {.id = "ipv4",
     .category = Category::kPii,
     .description = "IPv4 address (not a dotted version number)",
     .pattern = R"(\b()" AIRLOCK_IPV4 R"()\b)",
     .shape = Shape::kIPv4,
     .back = 48,
     .ahead = 16,
     .validate = validateIpv4,
     .placeholder = "IPV4"},
    {.id = "ipv6",
     .category = Category::kPii,
     .description = "IPv6 address, full or compressed (inet_pton)",
     .pattern =
         R"((\b(?:)" AIRLOCK_H16 R"(:){6})" AIRLOCK_IPV4 R"(|\b(?:)" AIRLOCK_H16
         R"(:){7})" AIRLOCK_H16 R"(\b|(?:\b(?:)" AIRLOCK_H16 R"(:){1,7}|:):(?:(?:)" AIRLOCK_H16
         R"(:){0,5})" AIRLOCK_IPV4 R"(|)" AIRLOCK_H16 R"((?::)" AIRLOCK_H16 R"(){0,6})?))",
     .shape = Shape::kIPv6,
     .back = 48,
     .ahead = 48,
     .validate = validateIpv6,
     .placeholder = "IPV6"},
    {.id = "us_itin",
     .category = Category::kPii,
     .description = "US Individual Taxpayer Identification Number 9xx-xx-xxxx",
     .pattern = R"(\b(9\d{2}-\d{2}-\d{4})\b)",
     .shape = Shape::kSsn,
     .back = 48,
     .ahead = 8,
     .validate = validateItin,
     .placeholder = "ITIN"},
    {.id = "us_passport",
     .category = Category::kPii,
     .description = "US passport number after 'passport'",
     .pattern = R"((?i:passport)[^0-9\n]{0,32}\b([A-Z]\d{8}|\d{9})\b)",
     .trigger = "(?i)passport",
     .back = 24,
     .ahead = 56,
     .validate = validatePassport,
     .placeholder = "PASSPORT"},
    {.id = "us_bank_routing",
     .category = Category::kPii,
     .description = "US ABA routing number after 'routing', 'ABA' or 'RTN' (checksum)",
     .pattern = R"((?i:routing|aba|rtn)[^0-9\n]{0,32}\b(\d{9})\b)",
     .trigger = "(?i)(?:routing|aba|rtn)",
     .back = 24,
     .ahead = 56,
     .validate = validateRouting,
     .placeholder = "ROUTING_NUMBER"},
    {.id = "uk_nhs_number",
     .category = Category::kPii,
     .description = "UK NHS number after 'NHS' (mod-11)",
     .pattern = R"((?i:nhs)[^0-9\n]{0,32}\b(\d{3}[ \-]?\d{3}[ \-]?\d{4})\b)",
     .trigger = "(?i)nhs",
     .back = 24,
     .ahead = 56,
     .validate = validateNhs,
     .placeholder = "NHS_NUMBER"},
    {.id = "uk_nino",
     .category = Category::kPii,
     .description = "UK National Insurance number (prefix rules)",
     .pattern = R"(\b([A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z] ?\d{2} ?\d{2} ?\d{2} ?[A-D])\b)",
     .shape = Shape::kNino,
     .back = 56,
     .ahead = 4,
     .validate = validateNino,
     .placeholder = "NINO"},
    {.id = "date_of_birth",
     .category = Category::kPii,
     .description = "Date of birth after 'DOB', 'date of birth', 'born' or 'birthday'",
     .pattern =
         R"((?i:dob|d\.o\.b|birth|born)[^0-9\n]{0,24}?\b(\d{4}[\-/.]\d{1,2}[\-/.]\d{1,2}|\d{1,2}[\-/.]\d{1,2}[\-/.]\d{4}|\d{1,2}(?i:st|nd|rd|th)?[ \-](?i:)" AIRLOCK_MONTHS
         R"()\.?,?[ \-]\d{4}|(?i:)" AIRLOCK_MONTHS
         R"()\.?[ \-]\d{1,2}(?i:st|nd|rd|th)?,?[ \-]\d{4})\b)",
     .trigger = R"((?i)(?:dob|d\.o\.b|birth|born))",
     .back = 24,
     .ahead = 72,
     .validate = validateDob,
     .placeholder = "DOB"},
    {.id = "bitcoin_address",
     .category = Category::kPii,
     .description = "Bitcoin P2PKH/P2SH address (Base58Check)",
     .pattern = R"(\b([13][1-9A-HJ-NP-Za-km-z]{25,34})\b)",
     .shape = Shape::kBase58,
     .back = 27,
     .ahead = 10,
     .validate = validateBitcoin,
     .placeholder = "BTC_ADDRESS"},
    {.id = "bitcoin_bech32",
     .category = Category::kPii,
     .description = "Bitcoin SegWit address bc1... (bech32/bech32m checksum)",
     .pattern = R"(\b(bc1[ac-hj-np-z02-9]{11,71}|BC1[AC-HJ-NP-Z02-9]{11,71})\b)",
     .trigger = R"(\b(?:bc1|BC1))",
     .ahead = 80,
     .validate = validateBech32,
     .placeholder = "BTC_ADDRESS"},
    {.id = "ethereum_address",
     .category = Category::kPii,
     .description = "Ethereum address 0x + 40 hex, mixed case or after a wallet/address word",
     .pattern = R"(\b(0x[0-9a-fA-F]{40})\b)",
     .trigger = R"(\b0x[0-9a-fA-F]{40})",
     .back = 90,
     .ahead = 4,
     .validate = validateEthereum,
     .placeholder = "ETH_ADDRESS"},
    {.id = "mac_address",
     .category = Category::kPii,
     .description = "MAC address: aa:bb:cc:dd:ee:ff, aa-bb-..., Cisco aabb.ccdd.eeff",
     .pattern =
         R"(\b([0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){5}|[0-9A-Fa-f]{2}(?:-[0-9A-Fa-f]{2}){5}|[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4})\b)",
     .shape = Shape::kMac,
     .back = 24,
     .ahead = 16,
     .validate = validateMac,
     .placeholder = "MAC"},
    {.id = "ca_sin",
     .category = Category::kPii,
     .description = "Canadian Social Insurance Number after 'SIN' (Luhn)",
     .pattern =
         R"((?i:\bsin(?:\b|_)|social[ _\-]?insurance)[^0-9\n]{0,32}\b(\d{3}[ \-]?\d{3}[ \-]?\d{3})\b)",
     .trigger = R"((?i)(?:\bsin(?:\b|_)|social[ _\-]?insurance))",
     .ahead = 56,
     .validate = validateSin,
     .placeholder = "SIN"},
    {.id = "us_ein",
     .category = Category::kPii,
     .description = "US Employer Identification Number after 'EIN' or 'tax id'",
     .pattern =
         R"((?i:\bf?ein\b|employer[ _\-]?identification|tax[ _\-]?id)[^0-9\n]{0,32}\b(\d{2}-?\d{7})\b)",
     .trigger = R"((?i)(?:\bf?ein\b|employer[ _\-]?identification|tax[ _\-]?id))",
     .back = 24,
     .ahead = 56,
     .validate = validateEin,
     .placeholder = "EIN"},
    {.id = "uk_sort_code",
     .category = Category::kPii,
     .description = "UK bank sort code after 'sort code'",
     .pattern =
         R"((?i:sort[ _\-]?code)[^0-9\n]{0,24}\b(\d{2}-\d{2}-\d{2}|\d{2} \d{2} \d{2}|\d{6})\b)",
     .trigger = R"((?i)sort[ _\-]?code)",
     .back = 24,
     .ahead = 48,
     .validate = validateSortCode,
     .placeholder = "SORT_CODE"},
    {.id = "in_aadhaar",
     .category = Category::kPii,
     .description = "Indian Aadhaar number after 'Aadhaar' (Verhoeff)",
     .pattern = R"((?i:aadhaa?r|aadhar|uidai)[^0-9\n]{0,32}\b([2-9]\d{3}[ \-]?\d{4}[ \-]?\d{4})\b)",
     .trigger = "(?i)(?:aadha|uidai)",
     .back = 24,
     .ahead = 64,
     .validate = validateAadhaar,
     .placeholder = "AADHAAR"},
    {.id = "es_dni",
     .category = Category::kPii,
     .description = "Spanish DNI/NIE after 'DNI', 'NIF' or 'NIE' (check letter)",
     .pattern = R"((?i:dni|nif|nie)\b[^0-9\n]{0,24}?\b(\d{8}-?[A-Z]|[XYZ]-?\d{7}-?[A-Z])\b)",
     .trigger = R"((?i)(?:dni|nif|nie)\b)",
     .back = 24,
     .ahead = 48,
     .validate = validateDni,
     .placeholder = "DNI"},
    {.id = "national_id",
     .category = Category::kPii,
     .description = "Identifier after 'national id', 'identity card/number' or 'citizen id'",
     .pattern =
         R"((?i:national[ _\-]?id|identity[ _\-]?(?:card|number|no)|\bid[ _\-]?card|citizen[ _\-]?id|personal[ _\-]?id)[^0-9\n]{0,24}\b([A-Z]{0,3}\d[\d\-]{3,18}\d[A-Z]{0,2})\b)",
     .trigger =
         R"((?i)(?:national[ _\-]?id|identity[ _\-]?(?:card|number|no)|\bid[ _\-]?card|citizen[ _\-]?id|personal[ _\-]?id))",
     .ahead = 56,
     .validate = validateNationalId,
     .placeholder = "NATIONAL_ID"},
};

#undef AIRLOCK_IBAN_CC
#undef AIRLOCK_OCTET
#undef AIRLOCK_IPV4
#undef AIRLOCK_H16
#undef AIRLOCK_MONTHS

}  // namespace

std::span<const Detector> piiDetectors() { return kPii; }

}  // namespace airlock::dlp
