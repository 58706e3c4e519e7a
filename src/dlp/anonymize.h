#pragma once
// Anonymizers: what a DLP finding is replaced with. One Anonymizer per document: it numbers
// typed placeholders (<EMAIL_1>, <EMAIL_2>: the same value gets the same number within the
// document). Not thread-safe; the key material it holds is wiped on destruction.
//
// Modes:
//   redact      → "[REDACTED]"
//   mask        → every letter/digit but the last `keepLast` replaced by '*'; separators kept.
//                 Never more than half of them are kept, so a short value is not shown in
//                 clear; a non-ASCII character counts as a letter (one '*').
//   placeholder → "<EMAIL_1>" (stem from Detector::placeholder or the upper-cased id)
//   pseudonym   → "<EMAIL_9f3a1c2b7d04>": HMAC-SHA256(key, id || 0x00 || value), 12 hex;
//                 same key and value → same pseudonym across documents and runs
//   encrypt     → "[[airlock:enc:EMAIL:<base64url>]]": AES-256-SIV (deterministic,
//                 authenticated; the STEM is associated data). deanonymize() reverses it.
//                 The STEM is folded into [A-Z0-9_]{1,64}. A value too long for a token
//                 (over 6128 bytes: the base64url is capped at 8192 characters), or one that
//                 cannot be encrypted (empty), becomes "[REDACTED]".
// Keys: any byte string of at least 16 bytes; the pseudonym and encryption keys are derived
// from it with HKDF-SHA256 under distinct labels.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"
#include "dlp/detector.h"

namespace airlock::dlp {

enum class AnonymizeMode : std::uint8_t { kRedact, kMask, kPlaceholder, kPseudonym, kEncrypt };
std::optional<AnonymizeMode> parseAnonymizeMode(std::string_view s);
std::string_view anonymizeModeName(AnonymizeMode m);

struct AnonymizeOptions {
  AnonymizeMode mode = AnonymizeMode::kRedact;
  int keepLast = 4;   // mask
  std::string key;    // pseudonym, encrypt: key material (≥ 16 bytes)
};

class Anonymizer {
 public:
  // InvalidArgument when the mode needs a key and none (or a short one) is given.
  static core::Result<Anonymizer> make(AnonymizeOptions options);
  ~Anonymizer();
  Anonymizer(Anonymizer&&) noexcept;
  Anonymizer& operator=(Anonymizer&&) noexcept;

  // The text that replaces `value`, found by `detector`.
  std::string replace(const Detector& detector, std::string_view value);

  AnonymizeMode mode() const;

 private:
  Anonymizer() = default;
  AnonymizeOptions options_;  // options_.key stays empty: only derived keys are kept
  std::string pseudonymKey_;  // 32 bytes
  std::string encryptKey_;    // 64 bytes (AES-256-SIV)
  std::map<std::string, std::map<std::string, int, std::less<>>, std::less<>> numbers_;
};

// Replaces every "[[airlock:enc:STEM:…]]" token in `text` by the value it encrypts; text
// without tokens comes back unchanged. InvalidArgument for a key under 16 bytes. DataLoss,
// naming the token's byte offset (never its content), when a token does not authenticate
// under `key` (tampered or another key), is not canonical base64url, or is over the size cap.
core::Result<std::string> deanonymize(std::string_view text, std::string_view key);

}  // namespace airlock::dlp
