// Credential detectors. Each entry: id, category, description, RE2 pattern, Hyperscan trigger,
// window, validator (detector.h explains how they are used).
//
// Conventions in this table:
//  - Vendor tokens trigger on their literal prefix; `back` is 0 (the prefix width: the scanner
//    adds one byte of context, enough for a leading \b) and `ahead` covers the longest body plus
//    one byte, so the trailing boundary `(?:[^…]|$)` always sees the byte after the token.
//  - Context detectors (a name such as aws_secret_access_key, then the value) trigger on the
//    name and their pattern spans name and value; group 1 is always the value alone.
//  - Block detectors (PEM, OpenSSH, PGP, PuTTY) trigger on the BEGIN line and look ahead up to
//    8 KiB.
//  - Runs of unknown length (a PEM body, a JWT payload, the value of `password = …`, a URL
//    password) are written unbounded (+, *) in the RE2 pattern, and the detector sets an
//    explicit back/ahead: the window bounds the match, and the scanner never needs the
//    pattern's width. Counted runs ({1,128}) make RE2 programs ten times larger: the DFA runs
//    out of memory or submatch extraction falls back to the NFA, several µs per hit. Triggers
//    are always bounded. Validators cap value lengths where it matters.
#include <cmath>
#include <string>

#include "dlp/detector.h"
#include "dlp/validators.h"
#include "core/text.h"

namespace airlock::dlp {
namespace {

// ------------------------------------------------------------------------------ helpers

constexpr Category kCred = Category::kCredentials;

char lowerAscii(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }
bool isDigit(char c) { return c >= '0' && c <= '9'; }
bool isAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool isAlnum(char c) { return isDigit(c) || isAlpha(c); }
bool isLowerAscii(char c) { return c >= 'a' && c <= 'z'; }
bool isUpperAscii(char c) { return c >= 'A' && c <= 'Z'; }

bool hasDigit(std::string_view s) {
  for (char c : s)
    if (isDigit(c)) return true;
  return false;
}
bool hasAlpha(std::string_view s) {
  for (char c : s)
    if (isAlpha(c)) return true;
  return false;
}
bool allSame(std::string_view s) {
  for (char c : s)
    if (c != s.front()) return false;
  return true;
}
bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (lowerAscii(a[i]) != lowerAscii(b[i])) return false;
  return true;
}
bool startsWith(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

// Entropy a random string of this length reaches comfortably: short strings cannot reach the
// per-alphabet maximum because they repeat few symbols.
double entropyFloor(std::size_t n, double cap) {
  return std::min(cap, std::log2(static_cast<double>(n)) - 0.45);
}

// looksLikePlaceholder() treats any value starting with '$' or '%' as a variable reference or a
// format string. A random password may start with either, so only the real forms are kept:
// ${VAR} $(cmd) $VAR $var (one case) and %s %d %(name)s %VAR%.
bool placeholderValue(std::string_view v) {
  if (v.empty()) return true;
  if (v.front() == '$' || v.front() == '%') {
    std::string_view rest = v.substr(1);
    if (rest.empty() || rest.front() == '{' || rest.front() == '(') return true;
    if (v.front() == '$' && (isAlpha(rest.front()) || rest.front() == '_')) {
      bool upper = true, lower = true;
      for (char c : rest) {
        if (!(isUpperAscii(c) || isDigit(c) || c == '_')) upper = false;
        if (!(isLowerAscii(c) || isDigit(c) || c == '_')) lower = false;
      }
      if (upper || lower) return true;  // $DB_PASSWORD, $password
    }
    if (v.front() == '%') {
      if (rest.size() == 1 && isAlpha(rest.front())) return true;  // %s
      if (rest.back() == '%') {                                    // %VAR%
        bool var = true;
        for (char c : rest.substr(0, rest.size() - 1))
          if (!(isAlnum(c) || c == '_')) var = false;
        if (var) return true;
      }
    }
    return looksLikePlaceholder(rest);
  }
  if (looksLikePlaceholder(v)) return true;
  if (allSame(v)) return true;
  return false;
}

// Code rather than a literal: a call, an index, a template, a member access.
bool codeLike(std::string_view v) {
  for (char c : v)
    if (c == '(' || c == '[' || c == '{' || c == '<' || c == '>') return true;
  return v.find("::") != std::string_view::npos || v.find("->") != std::string_view::npos;
}

bool isSeparator(char c) { return c == '_' || c == '.' || c == '-'; }

bool isNameChar(char c) { return isAlnum(c) || isSeparator(c); }

// The assignment's whole name, as written: the identifier characters just before the match
// (db_ in db_password) and those at its start.
std::string assignmentName(const Candidate& c) {
  std::size_t b = c.before.size();
  while (b > 0 && isNameChar(c.before[b - 1]) && c.before.size() - b < 64) --b;
  std::size_t n = 0;
  while (n < c.match.size() && isNameChar(c.match[n])) ++n;
  std::string name(c.before.substr(b));
  name.append(c.match.substr(0, n));
  return name;
}

// Finds the last place where one of `keywords` (lowercase, longest first) is a word of `name`:
// db_password, dbPassword, PGPASSWORD, password2 — not compass, passenger, max_tokens. Returns
// the rest of the name after it (lowercased), or nothing when no keyword is a word.
std::optional<std::string> keywordSuffix(std::string_view name,
                                         std::initializer_list<std::string_view> keywords,
                                         bool plural) {
  std::string low = core::asciiLower(name);
  bool allUpper = true;
  for (char ch : name)
    if (isLowerAscii(ch)) allUpper = false;
  std::optional<std::string> found;
  ByteSet firsts;  // the keywords' first bytes: most positions start none
  for (std::string_view k : keywords) firsts.add(static_cast<unsigned char>(k.front()));
  for (std::size_t p = 0; p < low.size(); ++p) {
    if (!firsts.has(static_cast<unsigned char>(low[p]))) continue;
    for (std::string_view k : keywords) {
      if (low[p] != k.front() || low.compare(p, k.size(), k) != 0) continue;
      bool before = p == 0 || isSeparator(name[p - 1]) || isDigit(name[p - 1]) ||
                    (isUpperAscii(name[p]) && (isLowerAscii(name[p - 1]) || allUpper));
      std::size_t q = p + k.size();
      if (plural && q < name.size() && low[q] == 's' &&
          (q + 1 == name.size() || isSeparator(name[q + 1])))
        ++q;
      bool after = q == name.size() || isSeparator(name[q]) || isDigit(name[q]) ||
                   (isUpperAscii(name[q]) && !allUpper);
      if (before && after) found = low.substr(q);
      break;  // longest keyword at this position decides
    }
  }
  return found;
}

// True when the value in an assignment was written between quotes.
bool quoted(const Candidate& c) {
  if (c.value.data() <= c.match.data()) return false;
  char q = c.value.data()[-1];
  return q == '"' || q == '\'' || q == '`';
}

bool containsAny(std::string_view s, std::initializer_list<std::string_view> words) {
  for (auto w : words)
    if (s.find(w) != std::string_view::npos) return true;
  return false;
}

// Words that make an assignment's name describe something other than the secret itself
// (password_hash, token_type, secret_name, ...). Checked on the part of the name after the
// keyword.
bool metadataSuffix(std::string_view suffix) {
  if (suffix.size() < 2) return false;  // most names end with their keyword; no word is shorter
  return containsAny(suffix, {"hash", "file", "path", "len", "min", "max", "policy", "field",
                              "input", "label", "prompt", "hint", "regex", "pattern", "strength",
                              "expir", "reset", "rule", "type", "enabled", "required", "url",
                              "uri", "count", "attempt", "timeout", "ttl", "history", "name",
                              "id", "format", "mode", "method", "algo", "endpoint", "header",
                              "prefix", "version", "arn", "ref", "env", "var", "kind", "size",
                              "limit", "digest", "salt", "char", "valid", "hidden", "show",
                              "visible", "title", "text", "placeholder", "param"});
}

// Words that are never the secret in a `name: value` line (type annotations, YAML tags).
bool typeWord(std::string_view v) {
  static constexpr std::string_view kWords[] = {
      "string", "str",    "bytes",  "text",    "number", "int",      "integer", "boolean",
      "bool",   "any",    "object", "varchar", "char",   "optional", "required", "!vault",
      "secret", "secure", "hidden", "nil",     "empty",  "unknown",  "unset",   "default"};
  for (auto w : kWords)
    if (iequals(v, w)) return true;
  return false;
}

bool identifierLike(std::string_view v) {
  if (v.empty() || !(isAlpha(v.front()) || v.front() == '_')) return false;
  bool underscore = false, lower = false, upper = false;
  for (char c : v) {
    if (c == '_') underscore = true;
    else if (c >= 'a' && c <= 'z') lower = true;
    else if (c >= 'A' && c <= 'Z') upper = true;
    else if (!isDigit(c)) return false;
  }
  // snake_case or SCREAMING_CASE with an underscore, or camelCase without digits.
  return underscore || (lower && upper && !hasDigit(v));
}

// ------------------------------------------------------------------------------ validators

// A vendor token identified by its prefix: drop obvious fillers (ghp_xxxx…, sk_live_0000…).
std::optional<Verdict> validatePrefixed(const Candidate& c) {
  if (shannonEntropy(c.value) < 3.0) return std::nullopt;
  if (c.value.find("xxxx") != std::string_view::npos ||
      c.value.find("XXXX") != std::string_view::npos)
    return std::nullopt;
  return Verdict{Confidence::kHigh, "distinctive token prefix; random body"};
}

std::optional<Verdict> validateTestKey(const Candidate& c) {
  if (!validatePrefixed(c)) return std::nullopt;
  return Verdict{Confidence::kLow, "test-mode key prefix"};
}

std::optional<Verdict> validateAwsKeyId(const Candidate& c) {
  if (shannonEntropy(c.value.substr(4)) < 2.5) return std::nullopt;
  if (c.value.ends_with("EXAMPLE"))  // AWS documentation keys (AKIAIOSFODNN7EXAMPLE)
    return Verdict{Confidence::kLow, "AWS key id shape; documentation example key"};
  if (startsWith(c.value, "ASIA"))
    return Verdict{Confidence::kHigh, "AWS temporary (STS) key id prefix; base32 body"};
  return Verdict{Confidence::kHigh, "AWS key id prefix; base32 body"};
}

std::optional<Verdict> validateAwsSecret(const Candidate& c) {
  if (c.value.ends_with("EXAMPLEKEY")) return std::nullopt;
  if (placeholderValue(c.value) || charClasses(c.value) < 2) return std::nullopt;
  double h = shannonEntropy(c.value);
  if (h < 3.5) return std::nullopt;
  if (h >= 4.2 && charClasses(c.value) >= 3)
    return Verdict{Confidence::kHigh, "40-char secret after an AWS secret key name"};
  return Verdict{Confidence::kMedium, "40-char value after an AWS secret key name"};
}

std::optional<Verdict> validateAwsSession(const Candidate& c) {
  if (shannonEntropy(c.value) < 4.5) return std::nullopt;
  if (startsWith(c.value, "FwoGZXIvYXdz") || startsWith(c.value, "IQoJb3JpZ2lu"))
    return Verdict{Confidence::kHigh, "AWS session token encoding after a session token name"};
  return Verdict{Confidence::kMedium, "long base64 value after an AWS session token name"};
}

std::optional<Verdict> validateGcpServiceAccount(const Candidate&) {
  return Verdict{Confidence::kHigh, "service account JSON with an embedded private key"};
}

std::optional<Verdict> validateAzureStorageKey(const Candidate& c) {
  auto raw = base64Decode(c.value.substr(c.value.size() - 88));
  if (!raw || raw->size() != 64) return std::nullopt;
  if (shannonEntropy(c.value) < 4.5) return std::nullopt;
  return Verdict{Confidence::kHigh, "AccountKey= with a 64-byte base64 key"};
}

std::optional<Verdict> validateAzureConnection(const Candidate& c) {
  if (shannonEntropy(c.value) < 4.0) return std::nullopt;
  return Verdict{Confidence::kHigh, "connection string with an account or shared access key"};
}

std::optional<Verdict> validateAzureSas(const Candidate& c) {
  std::string_view v = c.value;
  auto param = [v](std::string_view name) {
    return startsWith(v, name) || v.find(std::string("&") + std::string(name)) != std::string_view::npos;
  };
  if (!param("sv=") || !(param("se=") || param("sp="))) return std::nullopt;
  return Verdict{Confidence::kHigh, "SAS query with version, expiry or permissions and sig"};
}

std::optional<Verdict> validateAzureAdSecret(const Candidate& c) {
  if (charClasses(c.value) < 3 || shannonEntropy(c.value) < 4.0) return std::nullopt;
  if (keywordBefore(c.before, {"client_secret", "client-secret", "clientsecret", "azure",
                               "secret", "password", "credential"},
                    80))
    return Verdict{Confidence::kHigh, "Azure AD client secret format after a secret name"};
  return Verdict{Confidence::kMedium, "Azure AD client secret format (Q~)"};
}

// GitHub and npm: 36 base62 characters after the prefix, the last 6 of which are the base62
// CRC-32 of the first 30.
std::optional<Verdict> validateCrcToken(const Candidate& c) {
  std::string_view body = c.value.substr(c.value.find('_') + 1);
  if (shannonEntropy(body) < 3.0) return std::nullopt;
  if (base62Crc32Valid(body.substr(0, 36)))
    return Verdict{Confidence::kHigh, "checksum verified"};
  return Verdict{Confidence::kMedium, "format match; checksum does not verify"};
}

std::optional<Verdict> validateSlackWebhook(const Candidate&) {
  return Verdict{Confidence::kHigh, "Slack incoming webhook URL"};
}

std::optional<Verdict> validateTwilioKey(const Candidate& c) {
  std::string_view hex = c.value.substr(2);
  if (!hasDigit(hex) || !hasAlpha(hex) || shannonEntropy(hex) < 3.0) return std::nullopt;
  if (keywordBefore(c.before, {"twilio"}, 100))
    return Verdict{Confidence::kHigh, "Twilio API key SID after a Twilio name"};
  return Verdict{Confidence::kMedium, "Twilio API key SID format (SK + 32 hex)"};
}

bool hexMixed(std::string_view v) {
  return hasDigit(v) && hasAlpha(v) && shannonEntropy(v) >= 3.0;
}

std::optional<Verdict> validateTwilioAuth(const Candidate& c) {
  if (!hexMixed(c.value)) return std::nullopt;
  if (core::asciiLower(c.match).find("twilio") != std::string::npos ||
      keywordBefore(c.before, {"twilio"}, 100))
    return Verdict{Confidence::kHigh, "32-hex auth token after a Twilio name"};
  return Verdict{Confidence::kMedium, "32-hex value after an auth_token name"};
}

std::optional<Verdict> validateMailgun(const Candidate& c) {
  if (!startsWith(c.value, "key-")) {  // the long form: the pattern required "mailgun" before it
    if (!hexMixed(c.value.substr(0, 32))) return std::nullopt;
    return Verdict{Confidence::kHigh, "Mailgun key format with Mailgun context"};
  }
  std::string_view hex = c.value.substr(4);
  if (!hexMixed(hex)) return std::nullopt;
  if (keywordBefore(c.before, {"mailgun", "mg_api", "mg-api", "mgapi"}, 100) ||
      keywordBefore(c.before, {"api:"}, 6))
    return Verdict{Confidence::kHigh, "Mailgun key format with Mailgun context"};
  return std::nullopt;
}

std::optional<Verdict> validateMailchimp(const Candidate& c) {
  if (!hexMixed(c.value.substr(0, 32))) return std::nullopt;
  return Verdict{Confidence::kHigh, "32 hex with a Mailchimp datacenter suffix"};
}

std::optional<Verdict> validateHexContext(const Candidate& c) {
  if (!hexMixed(c.value)) return std::nullopt;
  return Verdict{Confidence::kMedium, "hex key after a vendor key name"};
}

// JWT: the header must decode to a JSON object with an "alg" member.
std::optional<Verdict> validateJwt(const Candidate& c) {
  std::string_view v = c.value;
  std::size_t d1 = v.find('.');
  std::size_t d2 = v.find('.', d1 + 1);
  if (d1 == std::string_view::npos || d2 == std::string_view::npos) return std::nullopt;
  auto header = base64Decode(v.substr(0, d1));
  if (!header) return std::nullopt;
  std::string_view h = *header;
  while (!h.empty() && (h.front() == ' ' || h.front() == '\n' || h.front() == '\r' || h.front() == '\t'))
    h.remove_prefix(1);
  if (h.empty() || h.front() != '{' || h.find("\"alg\"") == std::string_view::npos)
    return std::nullopt;
  if (d2 + 1 == v.size()) return Verdict{Confidence::kMedium, "unsigned JWT (header has alg)"};
  return Verdict{Confidence::kHigh, "JWT header decodes to JSON with alg"};
}

// The base64 body of a PEM-style block: lines between the BEGIN line and the END line, with
// real or JSON-escaped ("\n") line breaks and optional indentation. Returns the concatenated
// base64 text, or nothing when a line is not base64 of a sane length. `headers` is set when
// RFC 1421 headers (Proc-Type, DEK-Info) precede the body.
struct PemBody {
  std::string b64;
  bool encryptedHeaders = false;
};

std::optional<PemBody> pemBody(std::string_view block) {
  std::size_t first = block.find("-----", 5);  // end of the BEGIN line's label
  if (first == std::string_view::npos) return std::nullopt;
  std::size_t bodyStart = first + 5;
  std::size_t bodyEnd = block.rfind("-----END");
  if (bodyEnd == std::string_view::npos || bodyEnd < bodyStart) return std::nullopt;
  std::string_view body = block.substr(bodyStart, bodyEnd - bodyStart);
  PemBody out;
  std::size_t firstLen = 0, lines = 0, lastLen = 0;
  bool shortSeen = false;
  std::size_t i = 0;
  while (i < body.size()) {
    // one line: up to a real or escaped line break
    std::size_t j = i;
    while (j < body.size() && body[j] != '\n' && body[j] != '\r' &&
           !(body[j] == '\\' && j + 1 < body.size() && (body[j + 1] == 'n' || body[j + 1] == 'r')))
      ++j;
    std::string_view line = body.substr(i, j - i);
    while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
    while (!line.empty() && (line.back() == ' ' || line.back() == '\t')) line.remove_suffix(1);
    if (line.find(':') != std::string_view::npos) {
      if (!out.b64.empty()) return std::nullopt;  // a header after the body started
      if (line.find("ENCRYPTED") != std::string_view::npos) out.encryptedHeaders = true;
    } else if (!line.empty()) {
      if (line.size() > 100) return std::nullopt;
      for (char ch : line)
        if (!(isAlnum(ch) || ch == '+' || ch == '/' || ch == '=')) return std::nullopt;
      // every line but the last has the same length
      if (shortSeen) return std::nullopt;
      if (lines == 0) firstLen = line.size();
      else if (line.size() > firstLen) return std::nullopt;
      if (lines > 0 && line.size() < firstLen) shortSeen = true;
      ++lines;
      lastLen = line.size();
      out.b64.append(line);
    }
    i = j;
    if (i < body.size()) i += (body[i] == '\\') ? 2 : 1;
  }
  (void)lastLen;
  if (out.b64.size() < 64) return std::nullopt;
  return out;
}

// The label between "-----BEGIN " and "-----" equals the one on the END line.
bool pemLabelsMatch(std::string_view block) {
  constexpr std::string_view kBegin = "-----BEGIN ";
  constexpr std::string_view kEnd = "-----END ";
  if (!startsWith(block, kBegin)) return false;
  std::size_t e1 = block.find("-----", kBegin.size());
  std::size_t endPos = block.rfind(kEnd);
  if (e1 == std::string_view::npos || endPos == std::string_view::npos) return false;
  std::string_view label = block.substr(kBegin.size(), e1 - kBegin.size());
  std::string_view tail = block.substr(endPos + kEnd.size());
  return startsWith(tail, label) && tail.substr(label.size()) == "-----";
}

std::optional<Verdict> validatePem(const Candidate& c) {
  if (!pemLabelsMatch(c.value)) return std::nullopt;
  auto body = pemBody(c.value);
  if (!body) return std::nullopt;
  if (body->encryptedHeaders)
    return Verdict{Confidence::kHigh, "encrypted PEM private key block (legacy headers)"};
  auto head = base64Decode(std::string_view(body->b64).substr(0, 4));
  if (!head || head->empty() || static_cast<unsigned char>((*head)[0]) != 0x30)
    return std::nullopt;
  return Verdict{Confidence::kHigh, "PEM private key block; body is a DER sequence"};
}

std::optional<Verdict> validateOpenSsh(const Candidate& c) {
  if (!pemLabelsMatch(c.value)) return std::nullopt;
  auto body = pemBody(c.value);
  if (!body) return std::nullopt;
  auto head = base64Decode(std::string_view(body->b64).substr(0, 20));
  if (!head || !startsWith(*head, "openssh-key-v1")) return std::nullopt;
  return Verdict{Confidence::kHigh, "OpenSSH private key block; body starts openssh-key-v1"};
}

std::optional<Verdict> validatePgp(const Candidate& c) {
  // Armor: optional headers, a blank line, base64 lines, an "=XXXX" CRC line.
  std::size_t n = 0;
  for (char ch : c.value)
    if (isAlnum(ch) || ch == '+' || ch == '/') ++n;
  if (n < 200) return std::nullopt;
  return Verdict{Confidence::kHigh, "PGP private key block"};
}

std::optional<Verdict> validatePutty(const Candidate& c) {
  if (c.value.find("Private-Lines:") == std::string_view::npos) return std::nullopt;
  return Verdict{Confidence::kHigh, "PuTTY private key file with private lines and MAC"};
}

std::optional<Verdict> validateAge(const Candidate& c) {
  if (bech32Valid(c.value, "age-secret-key-"))
    return Verdict{Confidence::kHigh, "bech32 checksum valid"};
  return Verdict{Confidence::kMedium, "format match; bech32 checksum does not verify"};
}

// A password in a URL's user-info. The match starts with the scheme; the user is between
// "://" and the first ':'.
std::optional<Verdict> validateUrlPassword(const Candidate& c, bool databaseUrl) {
  std::string_view v = c.value;
  if (v.size() > 128 || placeholderValue(v)) return std::nullopt;
  for (std::string_view w : {"pass", "pwd", "pw", "secret", "password", "passwd", "pass123",
                             "mypassword", "mysecretpassword", "yourpassword", "token"})
    if (iequals(v, w)) return std::nullopt;
  if (v.size() <= 5) {
    bool digits = true;
    for (char ch : v)
      if (!isDigit(ch)) digits = false;
    if (digits && !databaseUrl) return std::nullopt;  // host:port@... rather than a password
  }
  std::size_t s = c.match.find("://");
  std::string_view user;
  if (s != std::string_view::npos) {
    user = c.match.substr(s + 3);
    user = user.substr(0, user.find(':'));
  }
  if (iequals(v, user)) return Verdict{Confidence::kLow, "URL password equal to the user name"};
  for (std::string_view w : {"postgres", "root", "admin", "guest", "test", "mysql", "redis"})
    if (iequals(v, w)) return Verdict{Confidence::kLow, "default password in a URL"};
  if (v.size() >= 8 && charClasses(v) >= 2)
    return Verdict{Confidence::kHigh, databaseUrl ? "password in a database connection URL"
                                                  : "password in a URL's user-info"};
  return Verdict{Confidence::kMedium, databaseUrl ? "short password in a database connection URL"
                                                  : "short password in a URL's user-info"};
}
std::optional<Verdict> validateDbUrl(const Candidate& c) { return validateUrlPassword(c, true); }
std::optional<Verdict> validateBasicAuthUrl(const Candidate& c) {
  return validateUrlPassword(c, false);
}

// Shared checks of `name = value` detectors. `keywords` locate the secret word in the name so
// that what follows it (password_hash, token_type) can be judged.
bool assignmentValueOk(const Candidate& c, std::string_view name,
                       std::initializer_list<std::string_view> keywords, bool plural) {
  std::string_view v = c.value;
  auto suffix = keywordSuffix(name, keywords, plural);
  if (!suffix || metadataSuffix(*suffix)) return false;
  if (placeholderValue(v) || typeWord(v)) return false;
  if (!quoted(c)) {
    if (codeLike(v) || identifierLike(v)) return false;
    // An unquoted run that reaches the end of the window may be cut short.
    if (c.after.empty() && v.size() >= 120) return false;
    if (v.front() == '/' && v.find('/', 1) != std::string_view::npos) return false;  // a path
  }
  return true;
}

// The value of a match of AIRLOCK_NAME(…) AIRLOCK_ASSIGN AIRLOCK_VALUE, read off the match.
// Every part is decided by the next byte: the name is the run of name characters (the keyword
// is one), then an optional closing quote or bracket, blanks, the operator (':=' and '=>' before
// '=' and ':', as the pattern orders them), blanks, then a quoted value (group 1 or 2) that ends
// the match or an unquoted one (group 3) that is the rest of it.
bool locateAssignedValue(std::string_view m, std::string_view& value) {
  std::size_t i = 0;
  while (i < m.size() && isNameChar(m[i])) ++i;
  if (i < m.size() && (m[i] == '"' || m[i] == '\'' || m[i] == ']')) ++i;
  auto blanks = [&] {
    while (i < m.size() && (m[i] == ' ' || m[i] == '\t')) ++i;
  };
  blanks();
  const std::string_view op = m.substr(i, 2);
  if (op == ":=" || op == "=>") {
    i += 2;
  } else if (i < m.size() && (m[i] == '=' || m[i] == ':')) {
    ++i;
  } else {
    return false;
  }
  blanks();
  if (i >= m.size()) return false;
  const char q = m[i];
  if (q == '"' || q == '\'') {
    if (m.size() - i < 3 || m.back() != q) return false;
    value = m.substr(i + 1, m.size() - i - 2);
    return value.find_first_of(q == '"' ? std::string_view("\"\r\n") : std::string_view("'\r\n")) ==
           std::string_view::npos;
  }
  value = m.substr(i);
  // [^\s"'`,;)\]}>=][^\s"'`,;)\]}>]* (RE2's \s is [\t\n\f\r ])
  constexpr std::string_view kNotFirst = " \t\r\n\f\"'`,;)]}>=";
  constexpr std::string_view kNotIn = " \t\r\n\f\"'`,;)]}>";
  return kNotFirst.find(value.front()) == std::string_view::npos &&
         value.find_first_of(kNotIn) == std::string_view::npos;
}

// The password of a match of scheme://user:password@host…: the user has no ':' and no part
// after the password has an '@', so it runs from the first ':' after "://" to the last '@'.
bool locateUrlPassword(std::string_view m, std::string_view& value) {
  const std::size_t scheme = m.find("://");
  if (scheme == std::string_view::npos) return false;
  const std::size_t colon = m.find(':', scheme + 3);
  const std::size_t at = m.rfind('@');
  if (colon == std::string_view::npos || at == std::string_view::npos || at <= colon + 1) return false;
  value = m.substr(colon + 1, at - colon - 1);
  // [^\s/"'<>?]+ (RE2's \s is [\t\n\f\r ])
  return value.find_first_of(" \t\n\f\r/\"'<>?") == std::string_view::npos;
}

std::optional<Verdict> validatePasswordAssignment(const Candidate& c) {
  std::string_view v = c.value;
  if (v.size() < 6 || v.size() > 128) return std::nullopt;
  if (!assignmentValueOk(c, assignmentName(c), {"passphrase", "password", "passwort", "passwd", "pass", "pwd"},
                         false))
    return std::nullopt;
  double h = shannonEntropy(v);
  if (h < 2.5) return std::nullopt;
  if (v.size() >= 8 && h >= 3.0 && charClasses(v) >= 2)
    return Verdict{Confidence::kMedium, "value assigned to a password name"};
  return Verdict{Confidence::kLow, "short or simple value assigned to a password name"};
}

std::optional<Verdict> validateSecretAssignment(const Candidate& c) {
  std::string_view v = c.value;
  if (v.size() < 12 || v.size() > 256) return std::nullopt;
  const std::string name = assignmentName(c);
  if (containsAny(core::asciiLower(name), {"page", "next", "continuation", "cursor", "resume", "sync"}))
    return std::nullopt;
  if (!assignmentValueOk(c, name,
                         {"secret", "token", "api_key", "api-key", "apikey", "access_key",
                          "access-key", "accesskey", "private_key", "private-key", "privatekey",
                          "auth_key", "auth-key", "authkey", "credential"},
                         true))
    return std::nullopt;
  if (v.find(' ') != std::string_view::npos) return std::nullopt;  // prose in quotes
  double h = shannonEntropy(v);
  if (h < 3.0 || charClasses(v) < 2) return std::nullopt;
  if (!hasDigit(v) && h < 3.7) return std::nullopt;
  if (v.size() >= 16 && h >= 3.5)
    return Verdict{Confidence::kMedium, "random-looking value assigned to a secret name"};
  return Verdict{Confidence::kLow, "value assigned to a secret name"};
}

bool jwtShaped(std::string_view v) {
  return startsWith(v, "eyJ");
}

std::optional<Verdict> validateNearKeyword(const Candidate& c) {
  std::string_view v = c.value;
  if (v.size() < 20 || v.size() > 200 || jwtShaped(v)) return std::nullopt;
  if (v.front() == '/' || v.find("//") != std::string_view::npos) return std::nullopt;
  if (!hasDigit(v) || !hasAlpha(v)) return std::nullopt;
  bool hex = true;
  for (char ch : v)
    if (!(isDigit(ch) || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F'))) hex = false;
  if (hex) return std::nullopt;  // digests and ids, not secrets, most of the time
  if (shannonEntropy(v) < entropyFloor(v.size(), 4.0)) return std::nullopt;
  if (placeholderValue(v)) return std::nullopt;
  return Verdict{Confidence::kLow, "high-entropy token shortly after a secret keyword"};
}

std::optional<Verdict> validateBearer(const Candidate& c) {
  std::string_view v = c.value;
  if (jwtShaped(v)) return std::nullopt;  // the jwt detector reports it
  if (v.size() > 400) return std::nullopt;
  if (placeholderValue(v) || !hasDigit(v) || !hasAlpha(v)) return std::nullopt;
  if (shannonEntropy(v) < entropyFloor(v.size(), 3.5)) return std::nullopt;
  return Verdict{Confidence::kMedium, "opaque bearer token"};
}

std::optional<Verdict> validateNotion(const Candidate& c) {
  if (!validatePrefixed(c)) return std::nullopt;
  if (startsWith(c.value, "ntn_")) return Verdict{Confidence::kHigh, "Notion token prefix"};
  if (keywordBefore(c.before, {"notion"}, 100))
    return Verdict{Confidence::kMedium, "secret_ token with Notion context"};
  return std::nullopt;
}

std::optional<Verdict> validateTelegram(const Candidate& c) {
  if (!validatePrefixed(c)) return std::nullopt;
  if (keywordBefore(c.before, {"telegram", "bot"}, 100))
    return Verdict{Confidence::kHigh, "Telegram bot token format with bot context"};
  return Verdict{Confidence::kMedium, "Telegram bot token format"};
}

// Discord bot token: the first part is the base64 of the bot's numeric user id.
std::optional<Verdict> validateDiscord(const Candidate& c) {
  std::string_view first = c.value.substr(0, c.value.find('.'));
  auto id = base64Decode(first);
  if (id && id->size() >= 17 && id->size() <= 20) {
    bool digits = true;
    for (char ch : *id)
      if (!isDigit(ch)) digits = false;
    if (digits) return Verdict{Confidence::kHigh, "Discord token; first part encodes a user id"};
  }
  if (shannonEntropy(c.value) < 4.0) return std::nullopt;
  return Verdict{Confidence::kMedium, "Discord token format with Discord context"};
}

std::optional<Verdict> validateSquare(const Candidate& c) {
  if (!validatePrefixed(c)) return std::nullopt;
  if (startsWith(c.value, "EAAA") && !keywordBefore(c.before, {"square"}, 100)) return std::nullopt;
  return Verdict{Confidence::kHigh, "Square token format"};
}

std::optional<Verdict> validateTwitterBearer(const Candidate& c) {
  std::string_view rest = c.value;
  while (!rest.empty() && rest.front() == 'A') rest.remove_prefix(1);
  if (rest.size() < 30 || !hasDigit(rest) || shannonEntropy(rest) < 4.0) return std::nullopt;
  if (keywordBefore(c.before, {"twitter", "bearer", "x_api", "tw_"}, 100))
    return Verdict{Confidence::kHigh, "Twitter app bearer token with context"};
  return Verdict{Confidence::kMedium, "Twitter app bearer token format"};
}

std::optional<Verdict> validateContextToken(const Candidate& c) {
  if (placeholderValue(c.value) || charClasses(c.value) < 2) return std::nullopt;
  if (shannonEntropy(c.value) < entropyFloor(c.value.size(), 3.8)) return std::nullopt;
  return Verdict{Confidence::kMedium, "token format with vendor context"};
}

std::optional<Verdict> validateHeroku(const Candidate& c) {
  if (startsWith(c.value, "HRKU-")) return validatePrefixed(c);
  if (shannonEntropy(c.value) < 3.0) return std::nullopt;
  return Verdict{Confidence::kMedium, "UUID API key with Heroku context"};
}

std::optional<Verdict> validateGrafana(const Candidate& c) {
  if (!validatePrefixed(c)) return std::nullopt;
  if (startsWith(c.value, "glc_")) {
    auto raw = base64Decode(c.value.substr(4));
    if (!raw || raw->empty() || raw->front() != '{') return std::nullopt;
    return Verdict{Confidence::kHigh, "Grafana Cloud token; body is base64 JSON"};
  }
  return Verdict{Confidence::kHigh, "Grafana service account token prefix"};
}

// ------------------------------------------------------------------------------ table

// Separator and value forms shared by the `name = value` detectors.
#define AIRLOCK_ASSIGN R"(["'\]]?[ \t]{0,4}(?::=|=>|=|:)[ \t]{0,4})"
#define AIRLOCK_VALUE \
  R"re((?:"([^"\r\n]+)"|'([^'\r\n]+)'|([^\s"'`,;)\]}>=][^\s"'`,;)\]}>]*)))re"
// The keyword and the rest of the name after it. The match starts at the keyword (a prefix run
// before it makes RE2 several times slower); the validator rebuilds the whole name from the
// bytes before the match and checks that the keyword is a word of it.
#define AIRLOCK_NAME(kw) R"((?i:)" kw R"()[A-Za-z0-9_.\-]{0,24})"

constexpr Detector kSecrets[] = {
    // ---------------------------------------------------------------- AWS
    {.id = "aws_access_key_id",
     .category = kCred,
     .description = "AWS access key id (AKIA/ASIA/ABIA/ACCA + 16 base32)",
     .pattern = R"(\b((?:AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16})\b)",
     .validate = validateAwsKeyId,
     .placeholder = "AWS_KEY_ID"},
    {.id = "aws_secret_access_key",
     .category = kCred,
     .description = "AWS secret access key (40 chars after an AWS secret key name)",
     .pattern =
         R"((?i:(?:aws[ _.\-]?)?secret[ _.\-]?access[ _.\-]?key|aws[ _.\-]?secret(?:[ _.\-]?key)?))" AIRLOCK_ASSIGN
         R"(["']?([A-Za-z0-9/+]{40})(?:[^A-Za-z0-9/+=]|$))",
     .trigger = R"((?i)aws.?secret|secret.?access.?key)",
     .back = 40,
     .ahead = 110,
     .validate = validateAwsSecret,
     .placeholder = "AWS_SECRET_KEY"},
    {.id = "aws_session_token",
     .category = kCred,
     .description = "AWS session token after aws_session_token / X-Amz-Security-Token",
     .pattern =
         R"((?i:aws[ _.\-]?session[ _.\-]?token|x-amz-security-token|sessiontoken))" AIRLOCK_ASSIGN
         R"(["']?([A-Za-z0-9/+=]{100,1000})(?:[^A-Za-z0-9/+=]|$))",
     .trigger = R"((?i)session.?token|x-amz-security-token)",
     .back = 40,
     .ahead = 1100,
     .validate = validateAwsSession,
     .placeholder = "AWS_SESSION_TOKEN"},
    // ---------------------------------------------------------------- Google Cloud
    {.id = "gcp_service_account",
     .category = kCred,
     .description = "Google service account JSON key (the private_key field)",
     .pattern =
         R"("type"\s{0,4}:\s{0,4}"service_account"[^\x00]{0,800}?"private_key"\s{0,4}:\s{0,4}")"
         R"re((-----BEGIN (?:RSA )?PRIVATE KEY-----[A-Za-z0-9+/=\\ ]*-----END (?:RSA )?PRIVATE KEY-----(?:\\n)?)")re",
     .trigger = "service_account",
     .back = 40,
     .ahead = 6000,
     .validate = validateGcpServiceAccount,
     .placeholder = "GCP_SERVICE_ACCOUNT_KEY"},
    {.id = "gcp_api_key",
     .category = kCred,
     .description = "Google API key (AIza + 35)",
     .pattern = R"(\b(AIza[0-9A-Za-z_\-]{35})(?:[^0-9A-Za-z_\-]|$))",
     .trigger = "AIza",
     .ahead = 40,
     .validate = validatePrefixed,
     .placeholder = "GCP_API_KEY"},
    {.id = "gcp_oauth_client_secret",
     .category = kCred,
     .description = "Google OAuth client secret (GOCSPX-)",
     .pattern = R"(\b(GOCSPX-[0-9A-Za-z_\-]{28})(?:[^0-9A-Za-z_\-]|$))",
     .trigger = "GOCSPX-",
     .ahead = 32,
     .validate = validatePrefixed,
     .placeholder = "GCP_CLIENT_SECRET"},
    {.id = "gcp_oauth_access_token",
     .category = kCred,
     .description = "Google OAuth access token (ya29.)",
     .pattern = R"(\b(ya29\.[0-9A-Za-z_\-]{30,500})(?:[^0-9A-Za-z_\-]|$))",
     .trigger = R"(ya29\.)",
     .ahead = 505,
     .validate = validatePrefixed,
     .placeholder = "GCP_ACCESS_TOKEN"},
    // ---------------------------------------------------------------- Azure
    {.id = "azure_storage_key",
     .category = kCred,
     .description = "Azure storage account key (AccountKey= 88 base64)",
     .pattern = R"(AccountKey=([A-Za-z0-9+/]{86}==)(?:[^A-Za-z0-9+/=]|$))",
     .trigger = "AccountKey=",
     .ahead = 92,
     .validate = validateAzureStorageKey,
     .placeholder = "AZURE_STORAGE_KEY"},
    {.id = "azure_connection_string",
     .category = kCred,
     .description = "Azure storage or Service Bus connection string with its key",
     .pattern =
         R"((DefaultEndpointsProtocol=https?;AccountName=[A-Za-z0-9]{3,24};AccountKey=[A-Za-z0-9+/]{86}==(?:;EndpointSuffix=[A-Za-z0-9.\-]{1,64})?)|)"
         R"((Endpoint=sb://[A-Za-z0-9.\-]{1,100}/?;SharedAccessKeyName=[A-Za-z0-9_\-.]{1,64};SharedAccessKey=[A-Za-z0-9+/]{43}=))",
     .trigger = "DefaultEndpointsProtocol=|;SharedAccessKey=",
     .back = 250,
     .ahead = 250,
     .validate = validateAzureConnection,
     .placeholder = "AZURE_CONNECTION_STRING"},
    {.id = "azure_sas_token",
     .category = kCred,
     .description = "Azure shared access signature (sv=…&…&sig=…)",
     .pattern =
         R"(\b((?:[a-z]{2,6}=[A-Za-z0-9%:\-.+/,]{1,70}&){1,14}sig=[A-Za-z0-9%+/]{40,100}(?:%3D|%3d|=){0,2})(?:[^A-Za-z0-9%+/=]|$))",
     .trigger = "sig=",
     .back = 700,
     .ahead = 110,
     .validate = validateAzureSas,
     .placeholder = "AZURE_SAS"},
    {.id = "azure_ad_client_secret",
     .category = kCred,
     .description = "Azure AD (Entra) application client secret (…Q~…)",
     .pattern =
         R"((?:^|[^A-Za-z0-9_~.\-])([A-Za-z0-9_~.\-]{3}[0-9]Q~[A-Za-z0-9_~.\-]{31,34})(?:[^A-Za-z0-9_~.\-]|$))",
     .trigger = "[0-9]Q~",
     .back = 100,
     .ahead = 40,
     .validate = validateAzureAdSecret,
     .placeholder = "AZURE_CLIENT_SECRET"},
    // ---------------------------------------------------------------- GitHub
    {.id = "github_pat",
     .category = kCred,
     .description = "GitHub personal access token (ghp_, CRC-32 checksum)",
     .pattern = R"(\b(ghp_[A-Za-z0-9]{36})(?:[^A-Za-z0-9]|$))",
     .trigger = "ghp_",
     .ahead = 40,
     .validate = validateCrcToken,
     .placeholder = "GITHUB_TOKEN"},
    {.id = "github_oauth",
     .category = kCred,
     .description = "GitHub OAuth access token (gho_)",
     .pattern = R"(\b(gho_[A-Za-z0-9]{36})(?:[^A-Za-z0-9]|$))",
     .trigger = "gho_",
     .ahead = 40,
     .validate = validateCrcToken,
     .placeholder = "GITHUB_TOKEN"},
    {.id = "github_user_to_server",
     .category = kCred,
     .description = "GitHub App user-to-server token (ghu_)",
     .pattern = R"(\b(ghu_[A-Za-z0-9]{36})(?:[^A-Za-z0-9]|$))",
     .trigger = "ghu_",
     .ahead = 40,
     .validate = validateCrcToken,
     .placeholder = "GITHUB_TOKEN"},
    {.id = "github_server_to_server",
     .category = kCred,
     .description = "GitHub App installation token (ghs_)",
     .pattern = R"(\b(ghs_[A-Za-z0-9]{36})(?:[^A-Za-z0-9]|$))",
     .trigger = "ghs_",
     .ahead = 40,
     .validate = validateCrcToken,
     .placeholder = "GITHUB_TOKEN"},
    {.id = "github_refresh",
     .category = kCred,
     .description = "GitHub refresh token (ghr_)",
     .pattern = R"(\b(ghr_[A-Za-z0-9]{36,76})(?:[^A-Za-z0-9]|$))",
     .trigger = "ghr_",
     .ahead = 80,
     .validate = validateCrcToken,
     .placeholder = "GITHUB_TOKEN"},
    {.id = "github_fine_grained_pat",
     .category = kCred,
     .description = "GitHub fine-grained personal access token (github_pat_)",
     .pattern = R"(\b(github_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59})(?:[^A-Za-z0-9]|$))",
     .trigger = "github_pat_",
     .ahead = 90,
     .validate = validatePrefixed,
     .placeholder = "GITHUB_TOKEN"},
    // ---------------------------------------------------------------- GitLab
    {.id = "gitlab_pat",
     .category = kCred,
     .description = "GitLab personal/project/group access token (glpat-)",
     .pattern =
         R"(\b(glpat-[A-Za-z0-9_\-]{20,300}(?:\.[0-9a-z]{2}\.[0-9a-z]{7,10})?)(?:[^A-Za-z0-9_\-]|$))",
     .trigger = "glpat-",
     .ahead = 320,
     .validate = validatePrefixed,
     .placeholder = "GITLAB_TOKEN"},
    {.id = "gitlab_pipeline_trigger",
     .category = kCred,
     .description = "GitLab pipeline trigger token (glptt-)",
     .pattern = R"(\b(glptt-[A-Za-z0-9_\-]{20,64})(?:[^A-Za-z0-9_\-]|$))",
     .trigger = "glptt-",
     .ahead = 70,
     .validate = validatePrefixed,
     .placeholder = "GITLAB_TOKEN"},
    {.id = "gitlab_runner_token",
     .category = kCred,
     .description = "GitLab runner authentication token (glrt-)",
     .pattern = R"(\b(glrt-[A-Za-z0-9_\-]{20,300})(?:[^A-Za-z0-9_\-]|$))",
     .trigger = "glrt-",
     .ahead = 305,
     .validate = validatePrefixed,
     .placeholder = "GITLAB_TOKEN"},
    {.id = "gitlab_deploy_token",
     .category = kCred,
     .description = "GitLab deploy token (gldt-)",
     .pattern = R"(\b(gldt-[A-Za-z0-9_\-]{20,300})(?:[^A-Za-z0-9_\-]|$))",
     .trigger = "gldt-",
     .ahead = 305,
     .validate = validatePrefixed,
     .placeholder = "GITLAB_TOKEN"},
    // ---------------------------------------------------------------- Slack
    {.id = "slack_bot_token",
     .category = kCred,
     .description = "Slack bot token (xoxb-)",
     .pattern = R"(\b(xoxb-[0-9]{10,13}-[0-9]{10,13}-[A-Za-z0-9]{24,34})(?:[^A-Za-z0-9]|$))",
     .trigger = "xoxb-",
     .ahead = 70,
     .validate = validatePrefixed,
     .placeholder = "SLACK_TOKEN"},
    {.id = "slack_user_token",
     .category = kCred,
     .description = "Slack user or workspace token (xoxp-, xoxa-)",
     .pattern =
         R"(\b(xox[pa]-[0-9]{10,13}-[0-9]{10,13}-[0-9]{10,13}-[A-Za-z0-9]{28,34})(?:[^A-Za-z0-9]|$))",
     .trigger = "xox[pa]-",
     .ahead = 90,
     .validate = validatePrefixed,
     .placeholder = "SLACK_TOKEN"},
    {.id = "slack_app_token",
     .category = kCred,
     .description = "Slack app-level token (xapp-)",
     .pattern = R"(\b(xapp-[0-9]-[A-Z0-9]{9,12}-[0-9]{10,14}-[a-f0-9]{64})(?:[^A-Za-z0-9]|$))",
     .trigger = "xapp-",
     .ahead = 100,
     .validate = validatePrefixed,
     .placeholder = "SLACK_TOKEN"},
    {.id = "slack_config_token",
     .category = kCred,
     .description = "Slack configuration access or refresh token (xoxe.xoxp-, xoxe-)",
     .pattern =
         R"(\b(xoxe\.xox[bp]-[0-9]-[A-Za-z0-9]{140,170}|xoxe-[0-9]-[A-Za-z0-9]{140,150})(?:[^A-Za-z0-9]|$))",
     .trigger = "xoxe",
     .ahead = 185,
     .validate = validatePrefixed,
     .placeholder = "SLACK_TOKEN"},
    {.id = "slack_webhook",
     .category = kCred,
     .description = "Slack incoming webhook URL",
     .pattern =
         R"((https://hooks\.slack\.com/services/T[A-Z0-9]{8,12}/B[A-Z0-9]{8,12}/[A-Za-z0-9]{24})(?:[^A-Za-z0-9]|$))",
     .trigger = R"(hooks\.slack\.com/services/)",
     .back = 40,
     .ahead = 60,
     .validate = validateSlackWebhook,
     .placeholder = "SLACK_WEBHOOK"},
    // ---------------------------------------------------------------- Stripe
    {.id = "stripe_secret_key",
     .category = kCred,
     .description = "Stripe live secret key (sk_live_)",
     .pattern = R"(\b(sk_live_[A-Za-z0-9]{24,247})(?:[^A-Za-z0-9]|$))",
     .trigger = "sk_live_",
     .ahead = 250,
     .validate = validatePrefixed,
     .placeholder = "STRIPE_KEY"},
    {.id = "stripe_restricted_key",
     .category = kCred,
     .description = "Stripe live restricted key (rk_live_)",
     .pattern = R"(\b(rk_live_[A-Za-z0-9]{24,247})(?:[^A-Za-z0-9]|$))",
     .trigger = "rk_live_",
     .ahead = 250,
     .validate = validatePrefixed,
     .placeholder = "STRIPE_KEY"},
    {.id = "stripe_test_key",
     .category = kCred,
     .description = "Stripe test-mode secret key (sk_test_)",
     .pattern = R"(\b(sk_test_[A-Za-z0-9]{24,247})(?:[^A-Za-z0-9]|$))",
     .trigger = "sk_test_",
     .ahead = 250,
     .validate = validateTestKey,
     .placeholder = "STRIPE_KEY"},
    {.id = "stripe_webhook_secret",
     .category = kCred,
     .description = "Stripe webhook signing secret (whsec_)",
     .pattern = R"(\b(whsec_[A-Za-z0-9+/=]{32,88})(?:[^A-Za-z0-9+/=]|$))",
     .trigger = "whsec_",
     .ahead = 92,
     .validate = validatePrefixed,
     .placeholder = "STRIPE_WEBHOOK_SECRET"},
    // ---------------------------------------------------------------- AI providers
    {.id = "anthropic_api_key",
     .category = kCred,
     .description = "Anthropic API key (sk-ant-api03- … AA)",
     .pattern = R"(\b(sk-ant-api03-[A-Za-z0-9_\-]{93}AA)(?:[^A-Za-z0-9_\-]|$))",
     .trigger = "sk-ant-api03-",
     .ahead = 100,
     .validate = validatePrefixed,
     .placeholder = "ANTHROPIC_KEY"},
    {.id = "anthropic_admin_key",
     .category = kCred,
     .description = "Anthropic Admin API key (sk-ant-admin01-)",
     .pattern = R"(\b(sk-ant-admin01-[A-Za-z0-9_\-]{93}AA)(?:[^A-Za-z0-9_\-]|$))",
     .trigger = "sk-ant-admin01-",
     .ahead = 100,
     .validate = validatePrefixed,
     .placeholder = "ANTHROPIC_KEY"},
    {.id = "openai_api_key",
     .category = kCred,
     .description = "OpenAI API key (sk-proj-/sk-svcacct-/sk-admin-/legacy, T3BlbkFJ marker)",
     .pattern =
         R"(\bsk-(?:proj|svcacct|admin)-[A-Za-z0-9_\-]{20,160}T3BlbkFJ[A-Za-z0-9_\-]{20,160}|\bsk-[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20}\b)",
     .trigger = "T3BlbkFJ",
     .back = 200,
     .ahead = 170,
     .validate = validatePrefixed,
     .placeholder = "OPENAI_KEY"},
    {.id = "huggingface_token",
     .category = kCred,
     .description = "Hugging Face user access token (hf_ + 34 letters)",
     .pattern = R"(\b(hf_[A-Za-z]{34})(?:[^A-Za-z0-9]|$))",
     .trigger = "hf_",
     .ahead = 38,
     .validate = validatePrefixed,
     .placeholder = "HF_TOKEN"},
    {.id = "huggingface_org_token",
     .category = kCred,
     .description = "Hugging Face organization API token (api_org_)",
     .pattern = R"(\b(api_org_[A-Za-z]{34})(?:[^A-Za-z0-9]|$))",
     .trigger = "api_org_",
     .ahead = 38,
     .validate = validatePrefixed,
     .placeholder = "HF_TOKEN"},
    // ---------------------------------------------------------------- package registries
    {.id = "npm_token",
     .category = kCred,
     .description = "npm access token (npm_, CRC-32 checksum)",
     .pattern = R"(\b(npm_[A-Za-z0-9]{36})(?:[^A-Za-z0-9]|$))",
     .trigger = "npm_",
     .ahead = 40,
     .validate = validateCrcToken,
     .placeholder = "NPM_TOKEN"},
    {.id = "pypi_token",
     .category = kCred,
     .description = "PyPI / TestPyPI API token (pypi-AgE… macaroon)",
     .pattern =
         R"(\b(pypi-AgE(?:IcHlwaS5vcmc|NdGVzdC5weXBpLm9yZw)[A-Za-z0-9_\-]{50,1000})(?:[^A-Za-z0-9_\-]|$))",
     .trigger = "pypi-AgE",
     .ahead = 1030,
     .validate = validatePrefixed,
     .placeholder = "PYPI_TOKEN"},
    {.id = "docker_pat",
     .category = kCred,
     .description = "Docker Hub personal access token (dckr_pat_)",
     .pattern = R"(\b(dckr_pat_[A-Za-z0-9_\-]{27,40})(?:[^A-Za-z0-9_\-]|$))",
     .trigger = "dckr_pat_",
     .ahead = 45,
     .validate = validatePrefixed,
     .placeholder = "DOCKER_TOKEN"},
    {.id = "rubygems_api_key",
     .category = kCred,
     .description = "RubyGems API key (rubygems_ + 48 hex)",
     .pattern = R"(\b(rubygems_[a-f0-9]{48})(?:[^A-Za-z0-9]|$))",
     .trigger = "rubygems_",
     .ahead = 52,
     .validate = validatePrefixed,
     .placeholder = "RUBYGEMS_KEY"},
    {.id = "nuget_api_key",
     .category = kCred,
     .description = "NuGet API key (oy2 + 43)",
     .pattern = R"(\b(oy2[a-z0-9]{43})(?:[^A-Za-z0-9]|$))",
     .trigger = "oy2[a-z0-9]{43}",
     .ahead = 2,
     .validate = validatePrefixed,
     .placeholder = "NUGET_KEY"},
    // ---------------------------------------------------------------- messaging and email
    {.id = "twilio_api_key",
     .category = kCred,
     .description = "Twilio API key SID (SK + 32 hex)",
     .pattern = R"(\b(SK[0-9a-fA-F]{32})\b)",
     .trigger = R"(\bSK[0-9a-fA-F]{32}\b)",
     .back = 130,
     .validate = validateTwilioKey,
     .placeholder = "TWILIO_KEY"},
    {.id = "twilio_auth_token",
     .category = kCred,
     .description = "Twilio auth token (32 hex after a Twilio / auth_token name)",
     .pattern =
         R"((?i:twilio[A-Za-z0-9_\-.]{0,24}|auth_?token))" AIRLOCK_ASSIGN R"(["']?([0-9a-f]{32})(?:[^0-9A-Za-z]|$))",
     .trigger = R"((?i)twilio|auth_?token)",
     .back = 40,
     .ahead = 80,
     .validate = validateTwilioAuth,
     .placeholder = "TWILIO_TOKEN"},
    {.id = "sendgrid_api_key",
     .category = kCred,
     .description = "SendGrid API key (SG.22.43)",
     .pattern = R"(\b(SG\.[A-Za-z0-9_\-]{22}\.[A-Za-z0-9_\-]{43})(?:[^A-Za-z0-9_\-]|$))",
     .trigger = R"(SG\.)",
     .ahead = 70,
     .validate = validatePrefixed,
     .placeholder = "SENDGRID_KEY"},
    {.id = "mailgun_api_key",
     .category = kCred,
     .description = "Mailgun API key (key-32hex or 32hex-8hex-8hex) with Mailgun context",
     .pattern =
         R"(\b(key-[0-9a-f]{32})\b|(?i:mailgun)[^\n]{0,60}?\b([0-9a-f]{32}-[0-9a-f]{8}-[0-9a-f]{8})\b)",
     .trigger = R"(key-[0-9a-f]{32}|(?i:mailgun))",
     .back = 150,
     .ahead = 120,
     .validate = validateMailgun,
     .placeholder = "MAILGUN_KEY"},
    {.id = "mailchimp_api_key",
     .category = kCred,
     .description = "Mailchimp API key (32 hex + -usN datacenter)",
     .pattern = R"(\b([0-9a-f]{32}-us[0-9]{1,2})\b)",
     .validate = validateMailchimp,
     .placeholder = "MAILCHIMP_KEY"},
    {.id = "telegram_bot_token",
     .category = kCred,
     .description = "Telegram bot token (id:AA + 33)",
     .pattern = R"(\b([0-9]{8,10}:AA[A-Za-z0-9_\-]{33})(?:[^A-Za-z0-9_\-]|$))",
     .trigger = "[0-9]:AA",
     .back = 120,
     .ahead = 40,
     .validate = validateTelegram,
     .placeholder = "TELEGRAM_TOKEN"},
    {.id = "discord_bot_token",
     .category = kCred,
     .description = "Discord bot token with Discord context",
     .pattern =
         R"((?i:discord)[^\n]{0,60}?\b([MNO][A-Za-z0-9_\-]{23,27}\.[A-Za-z0-9_\-]{6}\.[A-Za-z0-9_\-]{27,40})(?:[^A-Za-z0-9_\-]|$))",
     .trigger = "(?i)discord",
     .ahead = 140,
     .validate = validateDiscord,
     .placeholder = "DISCORD_TOKEN"},
    {.id = "discord_webhook",
     .category = kCred,
     .description = "Discord webhook URL",
     .pattern =
         R"((https://(?:ptb\.|canary\.)?discord(?:app)?\.com/api/webhooks/[0-9]{17,20}/[A-Za-z0-9_\-]{60,68})(?:[^A-Za-z0-9_\-]|$))",
     .trigger = "/api/webhooks/",
     .back = 50,
     .ahead = 95,
     .validate = validatePrefixed,
     .placeholder = "DISCORD_WEBHOOK"},
    // ---------------------------------------------------------------- commerce
    {.id = "shopify_access_token",
     .category = kCred,
     .description = "Shopify access token (shpat_)",
     .pattern = R"(\b(shpat_[a-fA-F0-9]{32})(?:[^A-Za-z0-9]|$))",
     .trigger = "shpat_",
     .ahead = 36,
     .validate = validatePrefixed,
     .placeholder = "SHOPIFY_TOKEN"},
    {.id = "shopify_custom_app_token",
     .category = kCred,
     .description = "Shopify custom app access token (shpca_)",
     .pattern = R"(\b(shpca_[a-fA-F0-9]{32})(?:[^A-Za-z0-9]|$))",
     .trigger = "shpca_",
     .ahead = 36,
     .validate = validatePrefixed,
     .placeholder = "SHOPIFY_TOKEN"},
    {.id = "shopify_private_app_token",
     .category = kCred,
     .description = "Shopify private app access token (shppa_)",
     .pattern = R"(\b(shppa_[a-fA-F0-9]{32})(?:[^A-Za-z0-9]|$))",
     .trigger = "shppa_",
     .ahead = 36,
     .validate = validatePrefixed,
     .placeholder = "SHOPIFY_TOKEN"},
    {.id = "shopify_shared_secret",
     .category = kCred,
     .description = "Shopify app shared secret (shpss_)",
     .pattern = R"(\b(shpss_[a-fA-F0-9]{32})(?:[^A-Za-z0-9]|$))",
     .trigger = "shpss_",
     .ahead = 36,
     .validate = validatePrefixed,
     .placeholder = "SHOPIFY_SECRET"},
    {.id = "square_token",
     .category = kCred,
     .description = "Square access token or OAuth secret (sq0atp-, sq0csp-, EAAA with context)",
     .pattern =
         R"(\b(sq0atp-[A-Za-z0-9_\-]{22}|sq0csp-[A-Za-z0-9_\-]{43}|EAAA[A-Za-z0-9_\-+=]{60})(?:[^A-Za-z0-9_\-+=]|$))",
     .trigger = "sq0(?:atp|csp)-|EAAA[A-Za-z0-9_+=-]{60}",
     .back = 120,
     .ahead = 50,
     .validate = validateSquare,
     .placeholder = "SQUARE_TOKEN"},
    {.id = "braintree_token",
     .category = kCred,
     .description = "Braintree production access token",
     .pattern = R"(\b(access_token\$production\$[a-z0-9]{16}\$[a-f0-9]{32})(?:[^A-Za-z0-9]|$))",
     .trigger = R"(access_token\$production\$)",
     .ahead = 55,
     .validate = validatePrefixed,
     .placeholder = "BRAINTREE_TOKEN"},
    {.id = "atlassian_api_token",
     .category = kCred,
     .description = "Atlassian API token (ATATT3)",
     .pattern = R"(\b(ATATT3[A-Za-z0-9_\-=]{150,250})(?:[^A-Za-z0-9_\-=]|$))",
     .trigger = "ATATT3",
     .ahead = 255,
     .validate = validatePrefixed,
     .placeholder = "ATLASSIAN_TOKEN"},
    // ---------------------------------------------------------------- observability
    {.id = "datadog_api_key",
     .category = kCred,
     .description = "Datadog API key (32 hex after a Datadog/DD api key name)",
     .pattern =
         R"((?i:(?:datadog|\bdd)[_\-.]?(?:api[_\-.]?)?key))" AIRLOCK_ASSIGN R"(["']?([0-9a-f]{32})(?:[^0-9A-Za-z]|$))",
     .trigger = R"((?i)(?:datadog|dd)[_.-]?(?:api[_.-]?)?key)",
     .ahead = 60,
     .validate = validateHexContext,
     .placeholder = "DATADOG_KEY"},
    {.id = "datadog_app_key",
     .category = kCred,
     .description = "Datadog application key (40 hex after a Datadog/DD app key name)",
     .pattern =
         R"((?i:(?:datadog|\bdd)[_\-.]?app(?:lication)?[_\-.]?key))" AIRLOCK_ASSIGN R"(["']?([0-9a-f]{40})(?:[^0-9A-Za-z]|$))",
     .trigger = R"((?i)(?:datadog|dd)[_.-]?app(?:lication)?[_.-]?key)",
     .ahead = 70,
     .validate = validateHexContext,
     .placeholder = "DATADOG_KEY"},
    {.id = "new_relic_key",
     .category = kCred,
     .description = "New Relic user or insert key (NRAK-, NRII-)",
     .pattern = R"(\b(NRAK-[A-Z0-9]{27}|NRII-[A-Za-z0-9_\-]{32})(?:[^A-Za-z0-9_\-]|$))",
     .trigger = "NRAK-|NRII-",
     .ahead = 36,
     .validate = validatePrefixed,
     .placeholder = "NEWRELIC_KEY"},
    {.id = "sentry_auth_token",
     .category = kCred,
     .description = "Sentry auth token (sntrys_ org token, sntryu_ user token)",
     .pattern =
         R"(\b(sntrys_eyJ[A-Za-z0-9+/=]{20,600}_[A-Za-z0-9+/]{43}|sntryu_[a-f0-9]{64})(?:[^A-Za-z0-9+/=_]|$))",
     .trigger = "sntry[su]_",
     .ahead = 680,
     .validate = validatePrefixed,
     .placeholder = "SENTRY_TOKEN"},
    {.id = "grafana_token",
     .category = kCred,
     .description = "Grafana service account token (glsa_) or Grafana Cloud token (glc_)",
     .pattern =
         R"(\b(glsa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8}|glc_[A-Za-z0-9+/]{32,400}={0,2})(?:[^A-Za-z0-9+/=_]|$))",
     .trigger = "glsa_|glc_",
     .ahead = 410,
     .validate = validateGrafana,
     .placeholder = "GRAFANA_TOKEN"},
    // ---------------------------------------------------------------- infrastructure
    {.id = "digitalocean_token",
     .category = kCred,
     .description = "DigitalOcean token (dop_v1_, doo_v1_, dor_v1_ + 64 hex)",
     .pattern = R"(\b(do[opr]_v1_[a-f0-9]{64})(?:[^A-Za-z0-9]|$))",
     .trigger = "do[opr]_v1_",
     .ahead = 68,
     .validate = validatePrefixed,
     .placeholder = "DIGITALOCEAN_TOKEN"},
    {.id = "vault_token",
     .category = kCred,
     .description = "HashiCorp Vault service or batch token (hvs., hvb.)",
     .pattern = R"(\b(hv[sb]\.[A-Za-z0-9_\-]{24,255})(?:[^A-Za-z0-9_\-]|$))",
     .trigger = R"(hv[sb]\.)",
     .ahead = 260,
     .validate = validatePrefixed,
     .placeholder = "VAULT_TOKEN"},
    {.id = "terraform_cloud_token",
     .category = kCred,
     .description = "Terraform Cloud / Enterprise API token (.atlasv1.)",
     .pattern = R"(\b([A-Za-z0-9]{14}\.atlasv1\.[A-Za-z0-9_\-=]{60,70})(?:[^A-Za-z0-9_\-=]|$))",
     .trigger = R"(\.atlasv1\.)",
     .back = 30,
     .ahead = 75,
     .validate = validatePrefixed,
     .placeholder = "TERRAFORM_TOKEN"},
    {.id = "databricks_token",
     .category = kCred,
     .description = "Databricks personal access token (dapi + 32 hex)",
     .pattern = R"(\b(dapi[a-f0-9]{32}(?:-[0-9])?)(?:[^A-Za-z0-9\-]|$))",
     .trigger = "dapi[a-f0-9]{32}",
     .ahead = 4,
     .validate = validatePrefixed,
     .placeholder = "DATABRICKS_TOKEN"},
    {.id = "doppler_token",
     .category = kCred,
     .description = "Doppler token (dp.pt., dp.st., dp.ct., dp.sa., dp.scim., dp.audit.)",
     .pattern = R"(\b(dp\.(?:pt|st|ct|sa|scim|audit)\.[A-Za-z0-9]{40,44})(?:[^A-Za-z0-9]|$))",
     .trigger = R"(dp\.(?:pt|st|ct|sa|scim|audit)\.)",
     .ahead = 48,
     .validate = validatePrefixed,
     .placeholder = "DOPPLER_TOKEN"},
    {.id = "pulumi_token",
     .category = kCred,
     .description = "Pulumi access token (pul- + 40 hex)",
     .pattern = R"(\b(pul-[a-f0-9]{40})(?:[^A-Za-z0-9]|$))",
     .trigger = "pul-[a-f0-9]{40}",
     .ahead = 2,
     .validate = validatePrefixed,
     .placeholder = "PULUMI_TOKEN"},
    {.id = "postman_api_key",
     .category = kCred,
     .description = "Postman API key (PMAK-)",
     .pattern = R"(\b(PMAK-[a-f0-9]{24}-[a-f0-9]{34})(?:[^A-Za-z0-9]|$))",
     .trigger = "PMAK-",
     .ahead = 64,
     .validate = validatePrefixed,
     .placeholder = "POSTMAN_KEY"},
    {.id = "linear_api_key",
     .category = kCred,
     .description = "Linear API key (lin_api_)",
     .pattern = R"(\b(lin_api_[A-Za-z0-9]{40})(?:[^A-Za-z0-9]|$))",
     .trigger = "lin_api_",
     .ahead = 44,
     .validate = validatePrefixed,
     .placeholder = "LINEAR_KEY"},
    {.id = "notion_token",
     .category = kCred,
     .description = "Notion integration token (ntn_, or secret_ with Notion context)",
     .pattern = R"(\b(ntn_[A-Za-z0-9]{46}|secret_[A-Za-z0-9]{43})(?:[^A-Za-z0-9]|$))",
     .trigger = "ntn_|secret_[A-Za-z0-9]{43}",
     .back = 130,
     .ahead = 50,
     .validate = validateNotion,
     .placeholder = "NOTION_TOKEN"},
    {.id = "alibaba_access_key",
     .category = kCred,
     .description = "Alibaba Cloud AccessKey id (LTAI)",
     .pattern = R"(\b(LTAI[A-Za-z0-9]{12,20})(?:[^A-Za-z0-9]|$))",
     .trigger = "LTAI",
     .ahead = 24,
     .validate = validatePrefixed,
     .placeholder = "ALIBABA_KEY"},
    {.id = "dropbox_token",
     .category = kCred,
     .description = "Dropbox short-lived access token (sl.)",
     .pattern = R"(\b(sl\.(?:u\.)?[A-Za-z0-9_\-]{130,1000})(?:[^A-Za-z0-9_\-]|$))",
     .trigger = R"(\bsl\.(?:u\.)?[A-Za-z0-9_-]{20})",
     .ahead = 1000,
     .validate = validatePrefixed,
     .placeholder = "DROPBOX_TOKEN"},
    {.id = "facebook_access_token",
     .category = kCred,
     .description = "Facebook (Meta) access token (EAACEdEose0cBA)",
     .pattern = R"(\b(EAACEdEose0cBA[A-Za-z0-9]{20,300})(?:[^A-Za-z0-9]|$))",
     .trigger = "EAACEdEose0cBA",
     .ahead = 305,
     .validate = validatePrefixed,
     .placeholder = "FACEBOOK_TOKEN"},
    {.id = "twitter_bearer_token",
     .category = kCred,
     .description = "Twitter / X app bearer token (AAAA…)",
     .pattern = R"(\b(AAAAAAAAAAAAAAAAAAAAA[A-Za-z0-9%]{30,150})(?:[^A-Za-z0-9%]|$))",
     .trigger = "AAAAAAAAAAAAAAAAAAAAA",
     .back = 120,
     .ahead = 155,
     .validate = validateTwitterBearer,
     .placeholder = "TWITTER_TOKEN"},
    {.id = "okta_token",
     .category = kCred,
     .description = "Okta API token (00 + 40) with Okta context",
     .pattern = R"((?i:okta)[^\n]{0,60}?\b(00[A-Za-z0-9_\-]{40})(?:[^A-Za-z0-9_\-]|$))",
     .trigger = "(?i)okta",
     .ahead = 110,
     .validate = validateContextToken,
     .placeholder = "OKTA_TOKEN"},
    {.id = "cloudflare_api_token",
     .category = kCred,
     .description = "Cloudflare API token (40 chars after a Cloudflare token name)",
     .pattern =
         R"((?i:cloudflare|\bcf)[A-Za-z0-9_\-.]{0,24}(?i:token|key))" AIRLOCK_ASSIGN R"(["']?([A-Za-z0-9_\-]{40})(?:[^A-Za-z0-9_\-]|$))",
     .trigger = R"((?i)(?:cloudflare|cf)[A-Za-z0-9_.-]{0,24}(?:token|key))",
     .ahead = 70,
     .validate = validateContextToken,
     .placeholder = "CLOUDFLARE_TOKEN"},
    {.id = "heroku_api_key",
     .category = kCred,
     .description = "Heroku API key (UUID with Heroku context, or HRKU-)",
     .pattern =
         R"((?:(?i:heroku)[^\n]{0,60}?\b([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})\b|\b(HRKU-[A-Za-z0-9_\-]{60})(?:[^A-Za-z0-9_\-]|$)))",
     .trigger = "(?i)heroku|HRKU-",
     .ahead = 110,
     .validate = validateHeroku,
     .placeholder = "HEROKU_KEY"},
    // ---------------------------------------------------------------- tokens and keys
    {.id = "jwt",
     .category = kCred,
     .description = "JSON Web Token (header decodes to JSON with alg)",
     .pattern =
         R"(\beyJ[A-Za-z0-9_\-]{5,600}\.[A-Za-z0-9_\-]{2,}\.[A-Za-z0-9_\-]*)",
     .trigger = "eyJ",
     .back = 620,
     .ahead = 3450,
     .validate = validateJwt,
     .placeholder = "JWT"},
    {.id = "pem_private_key",
     .category = kCred,
     .description = "PEM private key block (PKCS#1/#8, EC, DSA, encrypted PKCS#8)",
     .pattern =
         R"(-----BEGIN (?:RSA |EC |DSA |ENCRYPTED )?PRIVATE KEY-----(?:\r?\n|(?:\\r)?\\n))"
         R"((?:[ \t]{0,16}[A-Za-z\-]{1,32}:[^\r\n\\]{1,200}(?:\r?\n|(?:\\r)?\\n)){0,4})"
         R"([A-Za-z0-9+/=\r\n\\ \t]*-----END (?:RSA |EC |DSA |ENCRYPTED )?PRIVATE KEY-----)",
     .trigger = "-----BEGIN (?:RSA |EC |DSA |ENCRYPTED )?PRIVATE KEY-----",
     .ahead = 8300,
     .validate = validatePem,
     .placeholder = "PRIVATE_KEY"},
    {.id = "openssh_private_key",
     .category = kCred,
     .description = "OpenSSH private key block (openssh-key-v1)",
     .pattern =
         R"(-----BEGIN OPENSSH PRIVATE KEY-----(?:\r?\n|(?:\\r)?\\n)[A-Za-z0-9+/=\r\n\\ \t]*-----END OPENSSH PRIVATE KEY-----)",
     .trigger = "-----BEGIN OPENSSH PRIVATE KEY-----",
     .ahead = 8300,
     .validate = validateOpenSsh,
     .placeholder = "PRIVATE_KEY"},
    {.id = "pgp_private_key",
     .category = kCred,
     .description = "PGP private key block",
     .pattern =
         R"(-----BEGIN PGP PRIVATE KEY BLOCK-----(?:\r?\n|(?:\\r)?\\n)[A-Za-z0-9+/=\r\n\\ \t:.,()@<>_\-]*?-----END PGP PRIVATE KEY BLOCK-----)",
     .trigger = "-----BEGIN PGP PRIVATE KEY BLOCK-----",
     .ahead = 8300,
     .validate = validatePgp,
     .placeholder = "PRIVATE_KEY"},
    {.id = "putty_private_key",
     .category = kCred,
     .description = "PuTTY private key file (PPK v2/v3)",
     .pattern =
         R"(PuTTY-User-Key-File-[23]: [A-Za-z0-9\-@.]{3,64}\r?\n[A-Za-z0-9+/=\r\n :.,()@_\-]*?Private-MAC: [0-9a-fA-F]{40,64})",
     .trigger = "PuTTY-User-Key-File-[23]: ",
     .ahead = 8300,
     .validate = validatePutty,
     .placeholder = "PRIVATE_KEY"},
    {.id = "age_secret_key",
     .category = kCred,
     .description = "age encryption secret key (AGE-SECRET-KEY-1, bech32)",
     .pattern = R"(\b(AGE-SECRET-KEY-1[02-9AC-HJ-NP-Z]{58})(?:[^A-Za-z0-9]|$))",
     .trigger = "AGE-SECRET-KEY-1",
     .ahead = 62,
     .validate = validateAge,
     .placeholder = "AGE_KEY"},
    // ---------------------------------------------------------------- URLs with credentials
    {.id = "database_connection_string",
     .category = kCred,
     .description = "Password in a database URL (postgres, mysql, mongodb, redis, amqp, mssql)",
     .pattern =
         R"((?i:\b(?:jdbc:)?(?:postgres(?:ql)?|mysql|mariadb|mongodb(?:\+srv)?|rediss?|amqps?|mssql|sqlserver)://))"
         R"([^\s:/@"'<>?]{0,64}:([^\s/"'<>?]+)@(?:[A-Za-z0-9_.\-]+|\[[0-9A-Fa-f:.]{2,45}\]))"
         R"((?::[0-9]{1,5})?(?:[/,?;#\s"'<>)]|$))",
     .trigger = R"((?i)(?:postgres(?:ql)?|mysql|mariadb|mongodb(?:\+srv)?|rediss?|amqps?|mssql|sqlserver)://)",
     .back = 20,
     .ahead = 420,
     .validate = validateDbUrl,
     .placeholder = "DB_PASSWORD",
     .locate = locateUrlPassword},
    {.id = "basic_auth_url",
     .category = kCred,
     .description = "Password in an http(s)/ftp URL's user-info",
     .pattern =
         R"((?i:\b(?:https?|ftps?|sftp|smtps?|ldaps?|ssh|git)://))"
         R"([^\s:/@"'<>?#]{1,64}:([^\s/"'<>?]+)@(?:[A-Za-z0-9_.\-]+|\[[0-9A-Fa-f:.]{2,45}\]))"
         R"((?::[0-9]{1,5})?(?:[/,?;#\s"'<>)]|$))",
     .trigger = R"((?i)(?:https?|ftps?|sftp|smtps?|ldaps?|ssh|git)://)",
     .back = 10,
     .ahead = 420,
     .validate = validateBasicAuthUrl,
     .placeholder = "URL_PASSWORD",
     .locate = locateUrlPassword},
    // ---------------------------------------------------------------- generic
    {.id = "generic_password_assignment",
     .category = kCred,
     .description = "Value assigned to a password name (password=, DB_PASSWORD:, pwd:)",
     .pattern = AIRLOCK_NAME("pass|pwd")
         AIRLOCK_ASSIGN AIRLOCK_VALUE,
     .trigger = R"((?i)(?:pass(?:w(?:or)?d|phrase)?|pwd)[A-Za-z0-9_.-]{0,50}["'\]]?\s{0,4}[:=])",
     .back = 100,
     .ahead = 160,
     .validate = validatePasswordAssignment,
     .placeholder = "PASSWORD",
     .locate = locateAssignedValue},
    {.id = "generic_secret_assignment",
     .category = kCred,
     .description = "Random-looking value assigned to a secret/token/api_key name",
     .pattern = AIRLOCK_NAME(
         "secret|token|api[_\\-]?key|access[_\\-]?key|private[_\\-]?key|auth[_\\-]?key|credential")
         AIRLOCK_ASSIGN AIRLOCK_VALUE,
     .trigger =
         R"((?i)(?:secret|token|api[_.-]?key|access[_.-]?key|private[_.-]?key|auth[_.-]?key|credentials?)[A-Za-z0-9_.-]{0,50}["'\]]?\s{0,4}[:=])",
     .back = 100,
     .ahead = 300,
     .validate = validateSecretAssignment,
     .placeholder = "SECRET",
     .locate = locateAssignedValue},
    {.id = "high_entropy_near_keyword",
     .category = kCred,
     .description = "High-entropy token shortly after a word such as secret, token, key",
     .pattern =
         R"((?i:\b(?:secret|token|credentials?|api[ _\-]?key|key|passphrase)s?\b))"
         R"([^A-Za-z0-9+/_\-.=:~\n]{1,4}(?:[A-Za-z]{1,12}[^A-Za-z0-9+/_\-.=:~\n]{1,4}){0,3})"
         R"(([A-Za-z0-9+/_\-~]{20,}={0,2}))",
     .trigger =
         R"((?i)(?:secret|token|credential|key|passphrase)s?[^A-Za-z0-9+/_.=:~\n-]{1,4})"
         R"((?:[A-Za-z]{1,12}[^A-Za-z0-9+/_.=:~\n-]{1,4}){0,3}[A-Za-z0-9+/_~-]{20})",
     .ahead = 200,
     .validate = validateNearKeyword,
     .placeholder = "SECRET"},
    {.id = "bearer_token",
     .category = kCred,
     .description = "Opaque bearer token (Authorization: Bearer …), not a JWT",
     .pattern = R"((?i:\bbearer)[ \t]{1,4}([A-Za-z0-9\-._~+/]{16,}={0,2}))",
     .trigger = R"((?i)bearer[ \t])",
     .ahead = 410,
     .validate = validateBearer,
     .placeholder = "BEARER_TOKEN"},
};

#undef AIRLOCK_NAME
#undef AIRLOCK_VALUE
#undef AIRLOCK_ASSIGN

}  // namespace

std::span<const Detector> secretDetectors() { return kSecrets; }

}  // namespace airlock::dlp
