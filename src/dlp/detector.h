#pragma once
// A DLP detector: what it finds, how the scanner triggers it and how a hit is confirmed.
// Detectors are constant tables (detectors_pii.cpp, detectors_secrets.cpp); everything here is
// immutable after static initialisation and safe to share between threads.
//
// How a detector is matched (scanner.h has the engine):
//   1. `trigger` is a Hyperscan pattern (no start-of-match). Every detector's trigger is in one
//      database scanned once over the bytes. Empty `trigger` means "the pattern itself". A
//      detector whose values have no literal to anchor on has a `shape` instead (shape.h): one
//      SIMD pass over the bytes fires it, and its `back` must be set.
//   2. A trigger hit ending at byte offset `to` opens a window [to - back, to + ahead] (clipped
//      to the input). `pattern` (RE2 syntax) is searched in that window, and every match that
//      covers the trigger end (start < to <= end) is a candidate. The value is the first capture
//      group that took part in the match, or the whole match when the pattern has no groups.
//      Finding the groups takes RE2's slower submatch engines; a detector whose value can be
//      read off the whole match by hand has a `locate` that does it (and says when it cannot).
//   3. `validate` (may be null) confirms the candidate: checksums, ranges, entropy, context
//      words. It returns the confidence and a short reason, or nothing to drop the candidate.
// Because a candidate depends only on the bytes of its window, a body scanned in chunks gives
// exactly the findings of the whole body scanned at once.

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "dlp/shape.h"

namespace airlock::dlp {

enum class Category : std::uint8_t { kPii, kCredentials };
std::string_view categoryName(Category c);  // "pii" | "credentials"

enum class Confidence : std::uint8_t { kLow = 1, kMedium = 2, kHigh = 3 };
std::string_view confidenceName(Confidence c);  // "low" | "medium" | "high"
std::optional<Confidence> parseConfidence(std::string_view s);

// What a validator sees. All views point into the scanner's window and live for the call only.
struct Candidate {
  std::string_view value;   // the reported span (capture group or whole match)
  std::string_view match;   // the whole pattern match
  std::string_view before;  // window bytes before the match (at most `back` bytes)
  std::string_view after;   // window bytes after the match (at most `ahead` bytes)
};

struct Verdict {
  Confidence confidence = Confidence::kHigh;
  std::string_view reason;  // static text, e.g. "Luhn checksum valid; Visa range"
  // Optional: a sub-view of Candidate::value to report instead of the whole value (a card
  // number found inside a longer run of digit groups). Empty = the whole value.
  std::string_view narrowed{};
};

using Validator = std::optional<Verdict> (*)(const Candidate&);

// Finds the value (the first capture group that took part) inside a whole match of the
// detector's pattern, without running the pattern again. Returns false when unsure: the
// scanner then asks RE2 for the groups. Must agree with RE2 wherever it returns true (the
// scanner tests compare it with RE2 on every match of their corpora).
using Locator = bool (*)(std::string_view match, std::string_view& value);

struct Detector {
  std::string_view id{};         // stable, snake_case: "credit_card", "github_pat"
  Category category = Category::kPii;
  std::string_view description{};  // one line for docs and `airlock scan --list`
  std::string_view pattern{};    // RE2 pattern; the source of truth for the span
  std::string_view trigger{};    // Hyperscan prefilter; empty = pattern
  Shape shape = Shape::kNone;    // fired by the shape pass instead of a Hyperscan trigger
  std::uint32_t back = 0;        // window bytes before the trigger end (0 = computed)
  std::uint32_t ahead = 0;       // window bytes after the trigger end
  Validator validate = nullptr;
  std::string_view placeholder{};  // typed placeholder stem: "EMAIL" → <EMAIL_1>; empty = upper id
  Locator locate = nullptr;
};

// Every built-in detector, in a stable order (ids are unique; index = detector number).
std::span<const Detector> allDetectors();
// The detector with this id, or nullptr.
const Detector* findDetector(std::string_view id);
std::span<const Detector> piiDetectors();
std::span<const Detector> secretDetectors();

}  // namespace airlock::dlp
