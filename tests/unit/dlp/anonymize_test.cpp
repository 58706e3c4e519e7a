#include "dlp/anonymize.h"

#include <gtest/gtest.h>
#include <re2/re2.h>

#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "dlp/detector.h"

namespace airlock::dlp {
namespace {

constexpr std::string_view kKey = "airlock-test-key-0001";  // 21 bytes
constexpr std::string_view kOtherKey = "another-test-key-0002";

const Detector kEmail{.id = "email",
                      .category = Category::kPii,
                      .description = "x",
                      .pattern = "x",
                      .placeholder = "EMAIL"};
const Detector kSsn{.id = "us_ssn", .category = Category::kPii, .description = "x", .pattern = "x"};
const Detector kPhone{.id = "phone",
                      .category = Category::kPii,
                      .description = "x",
                      .pattern = "x",
                      .placeholder = "PHONE"};

Anonymizer make(AnonymizeMode mode, std::string_view key = {}, int keepLast = 4) {
  auto a = Anonymizer::make({.mode = mode, .keepLast = keepLast, .key = std::string(key)});
  EXPECT_TRUE(a.ok()) << a.error().toString();
  return std::move(a).value();
}

bool fullMatch(std::string_view text, std::string_view pattern) {
  return RE2::FullMatch(re2::StringPiece(text.data(), text.size()), RE2(std::string(pattern)));
}

TEST(Anonymize, ParsesAndNamesEveryMode) {
  struct Case {
    std::string_view name;
    AnonymizeMode mode;
  };
  const Case cases[] = {{"redact", AnonymizeMode::kRedact},
                        {"mask", AnonymizeMode::kMask},
                        {"placeholder", AnonymizeMode::kPlaceholder},
                        {"pseudonym", AnonymizeMode::kPseudonym},
                        {"encrypt", AnonymizeMode::kEncrypt}};
  for (const Case& c : cases) {
    EXPECT_EQ(parseAnonymizeMode(c.name), c.mode) << c.name;
    EXPECT_EQ(anonymizeModeName(c.mode), c.name);
  }
  for (std::string_view bad : {"", "Redact", "hash", "encrypt ", "masked"}) {
    EXPECT_EQ(parseAnonymizeMode(bad), std::nullopt) << bad;
  }
}

TEST(Anonymize, RedactWritesTheMarker) {
  Anonymizer a = make(AnonymizeMode::kRedact);
  EXPECT_EQ(a.mode(), AnonymizeMode::kRedact);
  EXPECT_EQ(a.replace(kEmail, "alice@example.com"), "[REDACTED]");
  EXPECT_EQ(a.replace(kSsn, "123-45-6789"), "[REDACTED]");
}

TEST(Anonymize, MaskKeepsTheLastCharactersAndSeparators) {
  struct Case {
    std::string_view value;
    int keepLast;
    std::string_view want;
  };
  const Case cases[] = {
      {"4111 1111 1111 1111", 4, "**** **** **** 1111"},
      {"4111-1111-1111-1111", 4, "****-****-****-1111"},
      {"123-45-6789", 4, "***-**-6789"},
      {"alice@example.com", 4, "*****@******e.com"},
      {"4111 1111 1111 1111", 0, "**** **** **** ****"},
      {"4111 1111 1111 1111", -3, "**** **** **** ****"},
      // Never more than half is kept: a short value is not shown in clear.
      {"1234", 4, "**34"},
      {"12", 4, "*2"},
      {"7", 4, "*"},
      {"", 4, ""},
      {"--", 4, "--"},
      // A non-ASCII character is one unit, masked by one '*'.
      {"Jos\xC3\xA9", 1, "***\xC3\xA9"},
      {"Zo\xC3\xAB Li", 0, "*** **"},
  };
  for (const Case& c : cases) {
    Anonymizer a = make(AnonymizeMode::kMask, {}, c.keepLast);
    EXPECT_EQ(a.replace(kEmail, c.value), c.want) << c.value << " keepLast=" << c.keepLast;
  }
}

TEST(Anonymize, PlaceholderNumbersEachStemAndRepeatsTheNumberForAValue) {
  Anonymizer a = make(AnonymizeMode::kPlaceholder);
  EXPECT_EQ(a.replace(kEmail, "alice@example.com"), "<EMAIL_1>");
  EXPECT_EQ(a.replace(kEmail, "bob@example.com"), "<EMAIL_2>");
  EXPECT_EQ(a.replace(kEmail, "alice@example.com"), "<EMAIL_1>");
  // No placeholder: the id upper-cased; its own numbering.
  EXPECT_EQ(a.replace(kSsn, "123-45-6789"), "<US_SSN_1>");
  EXPECT_EQ(a.replace(kSsn, "alice@example.com"), "<US_SSN_2>");
  EXPECT_EQ(a.replace(kEmail, "carol@example.com"), "<EMAIL_3>");
  // Numbering is per Anonymizer (per document).
  Anonymizer b = make(AnonymizeMode::kPlaceholder);
  EXPECT_EQ(b.replace(kEmail, "bob@example.com"), "<EMAIL_1>");
}

TEST(Anonymize, PlaceholderNumbersSurviveAMove) {
  Anonymizer a = make(AnonymizeMode::kPlaceholder);
  EXPECT_EQ(a.replace(kEmail, "alice@example.com"), "<EMAIL_1>");
  Anonymizer b = std::move(a);
  EXPECT_EQ(b.replace(kEmail, "bob@example.com"), "<EMAIL_2>");
  Anonymizer c = make(AnonymizeMode::kRedact);
  c = std::move(b);
  EXPECT_EQ(c.mode(), AnonymizeMode::kPlaceholder);
  EXPECT_EQ(c.replace(kEmail, "alice@example.com"), "<EMAIL_1>");
}

// Reference values computed outside airlock (Python: hmac, hashlib and cryptography's AESSIV)
// from the documented construction: HKDF-SHA256 without salt, info "airlock pseudonym v1" /
// "airlock encrypt v1"; HMAC-SHA256 over id || 0x00 || value; AES-SIV with the stem as AD.
TEST(Anonymize, PseudonymMatchesTheReferenceConstruction) {
  Anonymizer a = make(AnonymizeMode::kPseudonym, kKey);
  EXPECT_EQ(a.replace(kEmail, "alice@example.com"), "<EMAIL_01df8c5c1298>");
}

TEST(Anonymize, PseudonymIsStableAcrossInstancesAndDependsOnKeyIdAndValue) {
  Anonymizer a = make(AnonymizeMode::kPseudonym, kKey);
  Anonymizer b = make(AnonymizeMode::kPseudonym, kKey);
  Anonymizer other = make(AnonymizeMode::kPseudonym, kOtherKey);
  std::string p = a.replace(kEmail, "alice@example.com");
  EXPECT_TRUE(fullMatch(p, "<EMAIL_[0-9a-f]{12}>")) << p;
  EXPECT_EQ(a.replace(kEmail, "alice@example.com"), p);
  EXPECT_EQ(b.replace(kEmail, "alice@example.com"), p);
  EXPECT_NE(other.replace(kEmail, "alice@example.com"), p);
  EXPECT_NE(a.replace(kEmail, "bob@example.com"), p);
  // The detector id is part of the MAC input: the same value under another detector differs.
  Detector renamed = kEmail;
  renamed.id = "work_email";
  EXPECT_NE(a.replace(renamed, "alice@example.com"), p);
  std::string ssn = a.replace(kSsn, "123-45-6789");
  EXPECT_TRUE(fullMatch(ssn, "<US_SSN_[0-9a-f]{12}>")) << ssn;
}

TEST(Anonymize, ModesThatNeedAKeyRejectAShortOne) {
  struct Case {
    AnonymizeMode mode;
    std::string key;
    std::string_view message;
  };
  const Case cases[] = {
      {AnonymizeMode::kPseudonym, "",
       "anonymize mode 'pseudonym' needs a key of at least 16 bytes (got 0)"},
      {AnonymizeMode::kPseudonym, "0123456789abcde",
       "anonymize mode 'pseudonym' needs a key of at least 16 bytes (got 15)"},
      {AnonymizeMode::kEncrypt, "",
       "anonymize mode 'encrypt' needs a key of at least 16 bytes (got 0)"},
      {AnonymizeMode::kEncrypt, "0123456789abcde",
       "anonymize mode 'encrypt' needs a key of at least 16 bytes (got 15)"},
  };
  for (const Case& c : cases) {
    auto a = Anonymizer::make({.mode = c.mode, .key = c.key});
    ASSERT_FALSE(a.ok()) << c.message;
    EXPECT_EQ(a.error().code, core::Code::kInvalidArgument);
    EXPECT_EQ(a.error().message, c.message);
  }
  EXPECT_TRUE(Anonymizer::make({.mode = AnonymizeMode::kEncrypt, .key = "0123456789abcdef"}).ok());
  EXPECT_TRUE(
      Anonymizer::make({.mode = AnonymizeMode::kPseudonym, .key = "0123456789abcdef"}).ok());
  for (AnonymizeMode m :
       {AnonymizeMode::kRedact, AnonymizeMode::kMask, AnonymizeMode::kPlaceholder}) {
    EXPECT_TRUE(Anonymizer::make({.mode = m}).ok()) << anonymizeModeName(m);
  }
  auto d = deanonymize("no tokens here", "short");
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.error().code, core::Code::kInvalidArgument);
  EXPECT_EQ(d.error().message, "deanonymize needs a key of at least 16 bytes (got 5)");
}

TEST(AnonymizeEncrypt, TokenMatchesTheReferenceConstruction) {
  Anonymizer a = make(AnonymizeMode::kEncrypt, kKey);
  EXPECT_EQ(a.replace(kEmail, "alice@example.com"),
            "[[airlock:enc:EMAIL:Bdguyg-dngWqrGFbdVenq9LIocsc409-abYPPH8Yspq_]]");
}

TEST(AnonymizeEncrypt, IsDeterministicPerKeyAndValue) {
  Anonymizer a = make(AnonymizeMode::kEncrypt, kKey);
  Anonymizer b = make(AnonymizeMode::kEncrypt, kKey);
  Anonymizer other = make(AnonymizeMode::kEncrypt, kOtherKey);
  std::string t = a.replace(kEmail, "alice@example.com");
  EXPECT_TRUE(fullMatch(t, R"(\[\[airlock:enc:EMAIL:[A-Za-z0-9_-]+\]\])")) << t;
  EXPECT_EQ(a.replace(kEmail, "alice@example.com"), t);
  EXPECT_EQ(b.replace(kEmail, "alice@example.com"), t);
  EXPECT_NE(other.replace(kEmail, "alice@example.com"), t);
  EXPECT_NE(a.replace(kEmail, "bob@example.com"), t);
  EXPECT_EQ(t.find("alice"), std::string::npos);
  std::string ssn = a.replace(kSsn, "123-45-6789");
  EXPECT_EQ(ssn.rfind("[[airlock:enc:US_SSN:", 0), 0u) << ssn;
}

TEST(AnonymizeEncrypt, DeanonymizeRestoresEveryToken) {
  Anonymizer a = make(AnonymizeMode::kEncrypt, kKey);
  const std::string original =
      "Mail alice@example.com or bob@example.com; SSN 123-45-6789; again alice@example.com.";
  const std::string text = "Mail " + a.replace(kEmail, "alice@example.com") + " or " +
                           a.replace(kEmail, "bob@example.com") + "; SSN " +
                           a.replace(kSsn, "123-45-6789") + "; again " +
                           a.replace(kEmail, "alice@example.com") + ".";
  EXPECT_EQ(text.find("@"), std::string::npos) << text;
  auto back = deanonymize(text, kKey);
  ASSERT_TRUE(back.ok()) << back.error().toString();
  EXPECT_EQ(*back, original);
  // A token alone, and tokens back to back.
  std::string alone = a.replace(kPhone, "+1 555 0100");
  EXPECT_EQ(deanonymize(alone, kKey).value(), "+1 555 0100");
  EXPECT_EQ(deanonymize(alone + alone, kKey).value(), "+1 555 0100+1 555 0100");
  // Bytes that are not UTF-8 or contain NUL come back exactly.
  std::string binary("a\0b\xff\xfe", 5);
  EXPECT_EQ(deanonymize(a.replace(kEmail, binary), kKey).value(), binary);
}

TEST(AnonymizeEncrypt, TextWithoutTokensIsUnchanged) {
  for (std::string_view text :
       {std::string_view(""), std::string_view("plain text, no tokens"),
        std::string_view("[[airlock:enc:email:abc]]"),        // lower-case stem: not a token
        std::string_view("[[airlock:enc:EMAIL:]]"),           // empty body
        std::string_view("[[airlock:enc:EMAIL:abc"),          // unterminated
        std::string_view("[[airlock:enc:EMAIL:a+b/c=]]")}) {  // standard alphabet: not ours
    auto out = deanonymize(text, kKey);
    ASSERT_TRUE(out.ok()) << text << ": " << out.error().toString();
    EXPECT_EQ(*out, text);
  }
}

// Every single-character change to the body of a token (including the last character, whose
// low bits base64 does not use) must be refused, and the error must say where without saying
// what the token held.
TEST(AnonymizeEncrypt, TamperedCiphertextIsDataLoss) {
  Anonymizer a = make(AnonymizeMode::kEncrypt, kKey);
  const std::string prefix = "to: ";
  const std::string token = a.replace(kEmail, "alice@example.com");
  const std::size_t bodyStart = std::string("[[airlock:enc:EMAIL:").size();
  const std::size_t bodyEnd = token.size() - 2;
  for (std::size_t i = bodyStart; i < bodyEnd; ++i) {
    std::string tampered = token;
    tampered[i] = tampered[i] == 'A' ? 'B' : 'A';
    auto out = deanonymize(prefix + tampered + " ok", kKey);
    ASSERT_FALSE(out.ok()) << "flip at " << i << " accepted: " << *out;
    EXPECT_EQ(out.error().code, core::Code::kDataLoss) << i;
    EXPECT_NE(out.error().message.find("token at byte 4 "), std::string::npos)
        << out.error().message;
    EXPECT_EQ(out.error().toString().find("alice"), std::string::npos);
  }
  // Truncated to the tag alone, and cut short by one character.
  std::string shortBody = "[[airlock:enc:EMAIL:" + token.substr(bodyStart, 22) + "]]";
  EXPECT_EQ(deanonymize(shortBody, kKey).error().code, core::Code::kDataLoss);
  std::string cut = token.substr(0, bodyEnd - 1) + "]]";
  EXPECT_EQ(deanonymize(cut, kKey).error().code, core::Code::kDataLoss);
}

// bob@example.com seals to 31 bytes: the last of its 42 characters carries 2 bits and 4
// unused ones. Changing only unused bits decodes to the same bytes, so it is caught by
// requiring the canonical encoding rather than by the cipher.
TEST(AnonymizeEncrypt, NonCanonicalBase64IsDataLoss) {
  Anonymizer a = make(AnonymizeMode::kEncrypt, kKey);
  const std::string token = a.replace(kEmail, "bob@example.com");
  const std::string_view alphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  const std::size_t last = token.size() - 3;
  ASSERT_EQ(last - std::string("[[airlock:enc:EMAIL:").size(), 41u) << token;
  ASSERT_EQ(deanonymize(token, kKey).value(), "bob@example.com");
  std::string tampered = token;
  tampered[last] = alphabet[alphabet.find(token[last]) ^ 1];
  auto out = deanonymize(tampered, kKey);
  ASSERT_FALSE(out.ok()) << *out;
  EXPECT_EQ(out.error().code, core::Code::kDataLoss);
  EXPECT_EQ(out.error().message, "encrypted token at byte 0 is not valid base64url");
}

TEST(AnonymizeEncrypt, WrongKeyIsDataLoss) {
  Anonymizer a = make(AnonymizeMode::kEncrypt, kKey);
  std::string good = a.replace(kEmail, "bob@example.com");
  std::string text = good + " and " + a.replace(kEmail, "alice@example.com");
  auto out = deanonymize(text, kOtherKey);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.error().code, core::Code::kDataLoss);
  EXPECT_EQ(out.error().message,
            "encrypted token at byte 0 does not authenticate (tampered, or encrypted under "
            "another key)");
}

TEST(AnonymizeEncrypt, TamperedStemIsDataLoss) {
  Anonymizer a = make(AnonymizeMode::kEncrypt, kKey);
  std::string token = a.replace(kEmail, "alice@example.com");
  std::string relabelled = token;
  relabelled.replace(relabelled.find("EMAIL"), 5, "PHONE");
  std::string text = "ok " + a.replace(kPhone, "+1 555 0100") + " then " + relabelled;
  auto out = deanonymize(text, kKey);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.error().code, core::Code::kDataLoss);
  std::size_t offset = text.find(relabelled);
  EXPECT_EQ(out.error().message, "encrypted token at byte " + std::to_string(offset) +
                                     " does not authenticate (tampered, or encrypted under "
                                     "another key)");
}

TEST(AnonymizeEncrypt, SizeLimitsAreEnforcedBothWays) {
  Anonymizer a = make(AnonymizeMode::kEncrypt, kKey);
  // 6128 bytes + 16-byte tag = 6144 bytes = 8192 base64url characters: the largest token.
  std::string largest(6128, 'x');
  std::string token = a.replace(kEmail, largest);
  ASSERT_EQ(token.size(), std::string("[[airlock:enc:EMAIL:]]").size() + 8192);
  EXPECT_EQ(deanonymize(token, kKey).value(), largest);
  // One byte more cannot come back, so it is redacted rather than written.
  EXPECT_EQ(a.replace(kEmail, std::string(6129, 'x')), "[REDACTED]");
  // A longer token in the text is refused, not decoded and not passed through.
  std::string oversized = "[[airlock:enc:EMAIL:" + std::string(8193, 'A') + "]]";
  auto out = deanonymize("x " + oversized, kKey);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.error().code, core::Code::kDataLoss);
  EXPECT_EQ(out.error().message, "encrypted token at byte 2 is longer than 8192 characters");
}

TEST(AnonymizeEncrypt, EmptyValueIsRedacted) {
  Anonymizer a = make(AnonymizeMode::kEncrypt, kKey);
  EXPECT_EQ(a.replace(kEmail, ""), "[REDACTED]");
}

TEST(AnonymizeEncrypt, StemOutsideTheTokenAlphabetIsFolded) {
  Anonymizer a = make(AnonymizeMode::kEncrypt, kKey);
  Detector odd = kEmail;
  odd.placeholder = "e-mail addr";
  std::string token = a.replace(odd, "alice@example.com");
  EXPECT_EQ(token.rfind("[[airlock:enc:E_MAIL_ADDR:", 0), 0u) << token;
  EXPECT_EQ(deanonymize(token, kKey).value(), "alice@example.com");
}

}  // namespace
}  // namespace airlock::dlp
