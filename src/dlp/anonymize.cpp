#include "dlp/anonymize.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <re2/re2.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <string>
#include <utility>

#include "dlp/validators.h"

namespace airlock::dlp {

namespace {

constexpr std::size_t kMinKeyBytes = 16;
constexpr std::size_t kPseudonymKeyBytes = 32;
constexpr std::size_t kEncryptKeyBytes = 64;  // AES-256-SIV: two AES-256 keys
constexpr std::size_t kTagBytes = 16;
constexpr std::size_t kPseudonymHexChars = 12;
constexpr std::size_t kMaxStemChars = 64;
// Longest base64url body of a token. replace() never writes a longer one (it redacts the value
// instead), so deanonymize() treats a longer one as corruption rather than decoding it.
constexpr std::size_t kMaxTokenBodyChars = 8192;
constexpr std::size_t kMaxSealedBytes = kMaxTokenBodyChars / 4 * 3;  // tag + ciphertext
constexpr std::string_view kTokenPrefix = "[[airlock:enc:";
constexpr std::string_view kTokenSuffix = "]]";
constexpr std::string_view kRedacted = "[REDACTED]";
constexpr std::string_view kPseudonymLabel = "airlock pseudonym v1";
constexpr std::string_view kEncryptLabel = "airlock encrypt v1";

struct CipherFree {
  void operator()(EVP_CIPHER* p) const { EVP_CIPHER_free(p); }
};
struct CipherCtxFree {
  void operator()(EVP_CIPHER_CTX* p) const { EVP_CIPHER_CTX_free(p); }
};
struct KdfFree {
  void operator()(EVP_KDF* p) const { EVP_KDF_free(p); }
};
struct KdfCtxFree {
  void operator()(EVP_KDF_CTX* p) const { EVP_KDF_CTX_free(p); }
};
struct MacFree {
  void operator()(EVP_MAC* p) const { EVP_MAC_free(p); }
};
struct MacCtxFree {
  void operator()(EVP_MAC_CTX* p) const { EVP_MAC_CTX_free(p); }
};
using CipherPtr = std::unique_ptr<EVP_CIPHER, CipherFree>;
using CipherCtxPtr = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxFree>;
using KdfPtr = std::unique_ptr<EVP_KDF, KdfFree>;
using KdfCtxPtr = std::unique_ptr<EVP_KDF_CTX, KdfCtxFree>;
using MacPtr = std::unique_ptr<EVP_MAC, MacFree>;
using MacCtxPtr = std::unique_ptr<EVP_MAC_CTX, MacCtxFree>;

// Overwrites the bytes of `s` before releasing them, so key material does not linger in freed
// heap memory.
void wipe(std::string& s) {
  if (!s.empty()) OPENSSL_cleanse(s.data(), s.size());
  s.clear();
}

// Wipes a string when the scope ends, whichever way it ends.
class WipeOnExit {
 public:
  explicit WipeOnExit(std::string& s) : s_(s) {}
  ~WipeOnExit() { wipe(s_); }
  WipeOnExit(const WipeOnExit&) = delete;
  WipeOnExit& operator=(const WipeOnExit&) = delete;

 private:
  std::string& s_;
};

const unsigned char* bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

// HKDF-SHA256 (RFC 5869) with no salt: `length` bytes of key derived from `material` for the
// purpose named by `info`. Distinct labels give independent keys from one secret.
core::Result<std::string> hkdfSha256(std::string_view material, std::string_view info,
                                     std::size_t length) {
  KdfPtr kdf(EVP_KDF_fetch(nullptr, "HKDF", nullptr));
  if (!kdf) return core::makeError(core::Code::kInternal, "OpenSSL has no HKDF");
  KdfCtxPtr ctx(EVP_KDF_CTX_new(kdf.get()));
  if (!ctx) return core::makeError(core::Code::kInternal, "cannot allocate an HKDF context");
  std::array<OSSL_PARAM, 4> params = {
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, const_cast<char*>("SHA256"), 0),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, const_cast<char*>(material.data()),
                                        material.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, const_cast<char*>(info.data()),
                                        info.size()),
      OSSL_PARAM_construct_end(),
  };
  std::string out(length, '\0');
  if (EVP_KDF_derive(ctx.get(), reinterpret_cast<unsigned char*>(out.data()), out.size(),
                     params.data()) != 1) {
    wipe(out);
    return core::makeError(core::Code::kInternal, "HKDF-SHA256 key derivation failed");
  }
  return out;
}

core::Status checkKeyLength(std::string_view key, std::string_view what) {
  if (key.size() >= kMinKeyBytes) return {};
  return core::makeError(core::Code::kInvalidArgument,
                         std::string(what) + " needs a key of at least " +
                             std::to_string(kMinKeyBytes) + " bytes (got " +
                             std::to_string(key.size()) + ")");
}

// HMAC-SHA256(key, id || 0x00 || value), lower-case hex of its first bytes. Empty on failure.
std::string pseudonymHex(std::string_view key, std::string_view id, std::string_view value) {
  MacPtr mac(EVP_MAC_fetch(nullptr, "HMAC", nullptr));
  if (!mac) return {};
  MacCtxPtr ctx(EVP_MAC_CTX_new(mac.get()));
  if (!ctx) return {};
  std::array<OSSL_PARAM, 2> params = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, const_cast<char*>("SHA256"), 0),
      OSSL_PARAM_construct_end(),
  };
  static constexpr unsigned char kSeparator = 0;
  std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
  std::size_t mdLen = 0;
  if (EVP_MAC_init(ctx.get(), bytes(key), key.size(), params.data()) != 1 ||
      EVP_MAC_update(ctx.get(), bytes(id), id.size()) != 1 ||
      EVP_MAC_update(ctx.get(), &kSeparator, 1) != 1 ||
      EVP_MAC_update(ctx.get(), bytes(value), value.size()) != 1 ||
      EVP_MAC_final(ctx.get(), md.data(), &mdLen, md.size()) != 1 ||
      mdLen * 2 < kPseudonymHexChars) {
    return {};
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(kPseudonymHexChars);
  for (std::size_t i = 0; out.size() < kPseudonymHexChars; ++i) {
    out += kHex[md[i] >> 4];
    out += kHex[md[i] & 15];
  }
  return out;
}

CipherPtr fetchSiv() { return CipherPtr(EVP_CIPHER_fetch(nullptr, "AES-256-SIV", nullptr)); }

// AES-256-SIV (RFC 5297) of `plain` with associated data `aad`: tag || ciphertext.
// nullopt on any OpenSSL failure (including an empty `plain`, which OpenSSL's SIV refuses).
std::optional<std::string> sivEncrypt(const EVP_CIPHER* cipher, std::string_view key,
                                      std::string_view aad, std::string_view plain) {
  CipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  if (!ctx || key.size() != kEncryptKeyBytes) return std::nullopt;
  std::string out(kTagBytes + plain.size(), '\0');
  auto* ct = reinterpret_cast<unsigned char*>(out.data()) + kTagBytes;
  int len = 0;
  int finalLen = 0;
  if (EVP_EncryptInit_ex2(ctx.get(), cipher, bytes(key), nullptr, nullptr) != 1 ||
      EVP_CIPHER_CTX_get_key_length(ctx.get()) != static_cast<int>(kEncryptKeyBytes) ||
      EVP_EncryptUpdate(ctx.get(), nullptr, &len, bytes(aad), static_cast<int>(aad.size())) != 1 ||
      EVP_EncryptUpdate(ctx.get(), ct, &len, bytes(plain), static_cast<int>(plain.size())) != 1 ||
      static_cast<std::size_t>(len) != plain.size() ||
      EVP_EncryptFinal_ex(ctx.get(), ct + len, &finalLen) != 1 || finalLen != 0 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_GET_TAG, static_cast<int>(kTagBytes),
                          out.data()) != 1) {
    wipe(out);
    return std::nullopt;
  }
  return out;
}

// The inverse of sivEncrypt; nullopt when `sealed` does not authenticate under `key` and `aad`.
std::optional<std::string> sivDecrypt(const EVP_CIPHER* cipher, std::string_view key,
                                      std::string_view aad, std::string_view sealed) {
  CipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  if (!ctx || key.size() != kEncryptKeyBytes || sealed.size() <= kTagBytes) return std::nullopt;
  std::string tag(sealed.substr(0, kTagBytes));
  std::string_view ct = sealed.substr(kTagBytes);
  std::string out(ct.size(), '\0');
  auto* pt = reinterpret_cast<unsigned char*>(out.data());
  int len = 0;
  int finalLen = 0;
  if (EVP_DecryptInit_ex2(ctx.get(), cipher, bytes(key), nullptr, nullptr) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_SET_TAG, static_cast<int>(kTagBytes),
                          tag.data()) != 1 ||
      EVP_DecryptUpdate(ctx.get(), nullptr, &len, bytes(aad), static_cast<int>(aad.size())) != 1 ||
      EVP_DecryptUpdate(ctx.get(), pt, &len, bytes(ct), static_cast<int>(ct.size())) != 1 ||
      static_cast<std::size_t>(len) != ct.size() ||
      EVP_DecryptFinal_ex(ctx.get(), pt + len, &finalLen) != 1 || finalLen != 0) {
    wipe(out);  // OpenSSL clears it on a tag mismatch too; never hand back unauthenticated bytes
    return std::nullopt;
  }
  return out;
}

// RFC 4648 §5 base64url without padding.
std::string base64UrlEncode(std::string_view in) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  out.reserve((in.size() * 4 + 2) / 3);
  std::size_t i = 0;
  for (; i + 3 <= in.size(); i += 3) {
    std::uint32_t v = (std::uint32_t{static_cast<unsigned char>(in[i])} << 16) |
                      (std::uint32_t{static_cast<unsigned char>(in[i + 1])} << 8) |
                      std::uint32_t{static_cast<unsigned char>(in[i + 2])};
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  std::size_t rest = in.size() - i;
  if (rest == 1) {
    std::uint32_t v = std::uint32_t{static_cast<unsigned char>(in[i])} << 16;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
  } else if (rest == 2) {
    std::uint32_t v = (std::uint32_t{static_cast<unsigned char>(in[i])} << 16) |
                      (std::uint32_t{static_cast<unsigned char>(in[i + 1])} << 8);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
  }
  return out;
}

// Detector::placeholder, or the id upper-cased; "VALUE" if both are empty.
std::string stemOf(const Detector& d) {
  if (!d.placeholder.empty()) return std::string(d.placeholder);
  if (d.id.empty()) return "VALUE";
  std::string out(d.id);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

// The stem as an encrypted token carries it: [A-Z0-9_]{1,64}, the alphabet deanonymize()
// looks for. Built-in stems already fit; anything else is folded into it.
std::string tokenStem(std::string_view stem) {
  std::string out(stem.substr(0, kMaxStemChars));
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') {
      c = static_cast<char>(c - 'a' + 'A');
    } else if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) {
      c = '_';
    }
  }
  return out;
}

// Bytes in the UTF-8 sequence led by `c` (1 for a stray continuation or invalid byte).
std::size_t utf8Length(unsigned char c) {
  if (c < 0x80) return 1;
  if ((c >> 5) == 0x6) return 2;
  if ((c >> 4) == 0xE) return 3;
  if ((c >> 3) == 0x1E) return 4;
  return 1;
}

// A unit that mask() hides: an ASCII letter or digit, or any non-ASCII character (it may be
// a letter; hiding it fails closed).
bool maskable(unsigned char c) {
  return c >= 0x80 || (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

std::string maskValue(std::string_view value, int keepLast) {
  if (std::all_of(value.begin(), value.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; })) {
    // ASCII (nearly every value): a copy with the first maskable bytes starred.
    std::size_t units = 0;
    for (char c : value) units += maskable(static_cast<unsigned char>(c)) ? 1 : 0;
    const std::size_t keep =
        std::min<std::size_t>(keepLast > 0 ? static_cast<std::size_t>(keepLast) : 0, units / 2);
    std::string out(value);
    std::size_t hide = units - keep;
    for (std::size_t i = 0; i < out.size() && hide > 0; ++i) {
      if (maskable(static_cast<unsigned char>(out[i]))) {
        out[i] = '*';
        --hide;
      }
    }
    return out;
  }
  std::size_t units = 0;
  for (std::size_t i = 0; i < value.size();) {
    auto c = static_cast<unsigned char>(value[i]);
    if (maskable(c)) ++units;
    i += std::min(utf8Length(c), value.size() - i);
  }
  // Never reveal more than half: a short value must not come out in clear.
  std::size_t keep =
      std::min<std::size_t>(keepLast > 0 ? static_cast<std::size_t>(keepLast) : 0, units / 2);
  std::string out;
  out.reserve(value.size());
  std::size_t seen = 0;
  for (std::size_t i = 0; i < value.size();) {
    auto c = static_cast<unsigned char>(value[i]);
    std::size_t n = std::min(utf8Length(c), value.size() - i);
    if (maskable(c) && seen++ < units - keep) {
      out += '*';
    } else {
      out.append(value.substr(i, n));
    }
    i += n;
  }
  return out;
}

const RE2& tokenPattern() {
  // The body is bounded after the match (RE2 caps counted repetition at 1000), so an oversized
  // token is reported rather than silently left in the text.
  static const RE2 kToken(R"(\[\[airlock:enc:([A-Z0-9_]{1,64}):([A-Za-z0-9_-]+)\]\])");
  return kToken;
}

}  // namespace

std::optional<AnonymizeMode> parseAnonymizeMode(std::string_view s) {
  if (s == "redact") return AnonymizeMode::kRedact;
  if (s == "mask") return AnonymizeMode::kMask;
  if (s == "placeholder") return AnonymizeMode::kPlaceholder;
  if (s == "pseudonym") return AnonymizeMode::kPseudonym;
  if (s == "encrypt") return AnonymizeMode::kEncrypt;
  return std::nullopt;
}

std::string_view anonymizeModeName(AnonymizeMode m) {
  switch (m) {
    case AnonymizeMode::kRedact: return "redact";
    case AnonymizeMode::kMask: return "mask";
    case AnonymizeMode::kPlaceholder: return "placeholder";
    case AnonymizeMode::kPseudonym: return "pseudonym";
    case AnonymizeMode::kEncrypt: return "encrypt";
  }
  return "redact";
}

core::Result<Anonymizer> Anonymizer::make(AnonymizeOptions options) {
  WipeOnExit wipeKey(options.key);
  Anonymizer a;
  a.options_.mode = options.mode;
  a.options_.keepLast = options.keepLast;
  if (options.mode == AnonymizeMode::kPseudonym || options.mode == AnonymizeMode::kEncrypt) {
    auto what = "anonymize mode '" + std::string(anonymizeModeName(options.mode)) + "'";
    if (auto st = checkKeyLength(options.key, what); !st) return st.error();
    if (options.mode == AnonymizeMode::kPseudonym) {
      auto k = hkdfSha256(options.key, kPseudonymLabel, kPseudonymKeyBytes);
      if (!k) return k.error();
      a.pseudonymKey_ = std::move(*k);
    } else {
      auto k = hkdfSha256(options.key, kEncryptLabel, kEncryptKeyBytes);
      if (!k) return k.error();
      a.encryptKey_ = std::move(*k);
    }
  }
  // The raw key is not kept: only the derived keys, which are wiped with the object.
  return a;
}

Anonymizer::~Anonymizer() {
  wipe(pseudonymKey_);
  wipe(encryptKey_);
  wipe(options_.key);
}

Anonymizer::Anonymizer(Anonymizer&& other) noexcept
    : options_(std::move(other.options_)),
      pseudonymKey_(std::move(other.pseudonymKey_)),
      encryptKey_(std::move(other.encryptKey_)),
      numbers_(std::move(other.numbers_)) {
  wipe(other.pseudonymKey_);
  wipe(other.encryptKey_);
  wipe(other.options_.key);
}

Anonymizer& Anonymizer::operator=(Anonymizer&& other) noexcept {
  if (this == &other) return *this;
  // A string move-assignment may hand our old buffer to `other` without clearing its bytes.
  wipe(pseudonymKey_);
  wipe(encryptKey_);
  wipe(options_.key);
  options_ = std::move(other.options_);
  pseudonymKey_ = std::move(other.pseudonymKey_);
  encryptKey_ = std::move(other.encryptKey_);
  numbers_ = std::move(other.numbers_);
  wipe(other.pseudonymKey_);
  wipe(other.encryptKey_);
  wipe(other.options_.key);
  return *this;
}

AnonymizeMode Anonymizer::mode() const { return options_.mode; }

std::string Anonymizer::replace(const Detector& detector, std::string_view value) {
  switch (options_.mode) {
    case AnonymizeMode::kRedact:
      return std::string(kRedacted);
    case AnonymizeMode::kMask:
      return maskValue(value, options_.keepLast);
    case AnonymizeMode::kPlaceholder: {
      std::string stem = stemOf(detector);
      auto& byValue = numbers_.try_emplace(stem).first->second;
      auto it = byValue.find(value);
      if (it == byValue.end()) {
        it = byValue.emplace(std::string(value), static_cast<int>(byValue.size()) + 1).first;
      }
      return "<" + stem + "_" + std::to_string(it->second) + ">";
    }
    case AnonymizeMode::kPseudonym: {
      std::string hex = pseudonymHex(pseudonymKey_, detector.id, value);
      if (hex.empty()) return std::string(kRedacted);  // fail closed
      return "<" + stemOf(detector) + "_" + hex + ">";
    }
    case AnonymizeMode::kEncrypt: {
      // Too long to come back through deanonymize(): redacting loses less than leaking.
      if (value.size() > kMaxSealedBytes - kTagBytes) return std::string(kRedacted);
      std::string stem = tokenStem(stemOf(detector));
      CipherPtr cipher = fetchSiv();
      if (!cipher) return std::string(kRedacted);
      auto sealed = sivEncrypt(cipher.get(), encryptKey_, stem, value);
      if (!sealed) return std::string(kRedacted);  // fail closed (also: empty value)
      std::string body = base64UrlEncode(*sealed);
      std::string out;
      out.reserve(kTokenPrefix.size() + stem.size() + 1 + body.size() + kTokenSuffix.size());
      out.append(kTokenPrefix).append(stem).append(":").append(body).append(kTokenSuffix);
      return out;
    }
  }
  return std::string(kRedacted);
}

core::Result<std::string> deanonymize(std::string_view text, std::string_view key) {
  if (auto st = checkKeyLength(key, "deanonymize"); !st) return st.error();
  const RE2& pattern = tokenPattern();
  re2::StringPiece input(text.data(), text.size());
  std::array<re2::StringPiece, 3> m;
  if (!pattern.Match(input, 0, input.size(), RE2::UNANCHORED, m.data(), 3)) {
    return std::string(text);
  }

  // Derived only once a token is found: text without tokens costs no OpenSSL start-up.
  auto derived = hkdfSha256(key, kEncryptLabel, kEncryptKeyBytes);
  if (!derived) return derived.error();
  std::string encryptKey = std::move(*derived);
  WipeOnExit wipeKey(encryptKey);
  CipherPtr cipher = fetchSiv();
  if (!cipher) return core::makeError(core::Code::kInternal, "OpenSSL has no AES-256-SIV");

  std::string out;
  WipeOnExit wipeOut(out);  // holds plaintext; the result below is a copy
  out.reserve(text.size());
  std::size_t pos = 0;
  do {
    auto start = static_cast<std::size_t>(m[0].data() - text.data());
    std::string_view stem(m[1].data(), m[1].size());
    std::string_view body(m[2].data(), m[2].size());
    auto fail = [&](std::string_view why) {
      return core::makeError(
          core::Code::kDataLoss,
          "encrypted token at byte " + std::to_string(start) + " " + std::string(why));
    };
    if (body.size() > kMaxTokenBodyChars) {
      return fail("is longer than " + std::to_string(kMaxTokenBodyChars) + " characters");
    }
    auto sealed = base64Decode(body);
    // A body that is not exactly what base64UrlEncode writes was altered, even when the change
    // only touched unused trailing bits.
    if (!sealed || base64UrlEncode(*sealed) != body) return fail("is not valid base64url");
    auto plain = sivDecrypt(cipher.get(), encryptKey, stem, *sealed);
    if (!plain) {
      return fail("does not authenticate (tampered, or encrypted under another key)");
    }
    out.append(text.substr(pos, start - pos));
    out.append(*plain);
    wipe(*plain);
    pos = start + m[0].size();
  } while (pattern.Match(input, pos, input.size(), RE2::UNANCHORED, m.data(), 3));
  out.append(text.substr(pos));
  return std::string(out);
}

}  // namespace airlock::dlp
