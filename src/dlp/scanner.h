#pragma once
// The DLP scanner: every selected detector's trigger compiled into one Intel Hyperscan
// database, scanned once over the bytes without start-of-match reporting, and the detectors
// without a literal fired by one SIMD shape pass (shape.h); each hit is confirmed by its
// detector's RE2 pattern and validator in a small window (detector.h).
//
// Scanner is immutable after build() and safe to share between threads; each scan takes a
// scratch space from an internal pool. ScanStream is one body being scanned in chunks: not
// thread-safe, and it must not outlive its Scanner. A stream holds at most the largest window
// of bytes (a few KiB) plus pending hits, whatever the size of the body.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "dlp/decode.h"
#include "dlp/detector.h"

namespace airlock::dlp {

struct Finding {
  std::uint16_t detector = 0;  // index into allDetectors() (Scanner::detector(i))
  std::uint64_t start = 0;     // byte offsets of the value in the body, [start, end)
  std::uint64_t end = 0;
  Confidence confidence = Confidence::kHigh;
  std::string_view reason;     // static text
  std::uint8_t encoding = 0;   // 0 = found as is; else the Encoding it was found under

  friend bool operator==(const Finding&, const Finding&) = default;
};

// Canonical order: by start, then end, then detector (then encoding, confidence and reason: a
// total order over what makes two findings equal).
bool findingLess(const Finding& a, const Finding& b);

// True when `pattern` (RE2 syntax) is one capturing group with at most a \b on either side,
// so that its value is always the whole match (the scanner then skips RE2's submatch pass).
bool groupIsWholeMatch(std::string_view pattern);

// The literal bytes every match of `pattern` (RE2 syntax) starts with, read off its text: the
// common start of its top-level alternatives, past a leading \b and into a leading capture
// group. Empty when there are none or the pattern uses syntax the reading does not follow.
std::string patternLead(std::string_view pattern);

struct ScanOptions {
  std::vector<std::string> only;     // detector ids to keep (empty = all)
  std::vector<std::string> exclude;  // detector ids to drop
  Confidence minConfidence = Confidence::kLow;
  bool decode = false;  // also look inside base64, hex and URL-encoded runs
  // Where compiled databases are kept between runs (empty: compile every time). Compiling all
  // detectors takes a few hundred milliseconds; loading a cached database, well under one.
  // The directory must be as trusted as the rest of airlock's state (threat-model.md).
  std::string cacheDir;
};

using FindingSink = std::function<void(const Finding&)>;

class Scanner {
  struct PrivateTag {
    explicit PrivateTag() = default;
  };

 public:
  struct Impl;
  // Compiles the database. InvalidArgument names an unknown detector id.
  static core::Result<std::shared_ptr<const Scanner>> build(const ScanOptions& options = {});
  Scanner(PrivateTag, std::unique_ptr<Impl> impl);  // use build()
  ~Scanner();
  Scanner(const Scanner&) = delete;
  Scanner& operator=(const Scanner&) = delete;

  const Detector& detector(std::uint16_t index) const;
  std::size_t detectorCount() const;
  const ScanOptions& options() const;

  // Block mode: every finding in `data`, in canonical order.
  core::Result<std::vector<Finding>> scan(std::string_view data) const;

  // The most bytes a finding can start before the current end of a stream (its look-back).
  std::uint64_t maxLookBehind() const;

 private:
  friend class ScanStream;

  static bool loadCache(const std::string& path, Impl& impl);
  static void saveCache(const std::string& path, const Impl& impl);
  std::unique_ptr<Impl> impl_;
};

class ScanStream {
 public:
  explicit ScanStream(const Scanner& scanner);
  ~ScanStream();
  ScanStream(const ScanStream&) = delete;
  ScanStream& operator=(const ScanStream&) = delete;

  // Feeds the next chunk (any size, including 0). Findings go to `sink` as they are confirmed,
  // not necessarily in canonical order.
  core::Status feed(std::string_view chunk, const FindingSink& sink);
  // Ends the body: confirms what was pending. feed() must not be called after.
  core::Status finish(const FindingSink& sink);

  std::uint64_t consumed() const;
  // No finding reported from now on can start before this offset: bytes below it that no
  // reported finding covers are final (streaming redaction releases them).
  std::uint64_t settledOffset() const;

  struct State;

 private:
  std::unique_ptr<State> state_;
};

}  // namespace airlock::dlp
