#pragma once
// Streaming redaction: a body goes in chunk by chunk, the anonymized body comes out, each byte
// released as soon as no finding still to be reported can cover it (ScanStream::settledOffset).
// Overlapping findings are merged and replaced once. Not thread-safe; holds references to the
// scanner and the anonymizer, which must outlive it. Memory: the unreleased tail (bounded by the
// scanner's look-behind plus one chunk) and the findings not yet applied.

#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "dlp/anonymize.h"
#include "dlp/scanner.h"

namespace airlock::dlp {

class Redactor {
 public:
  Redactor(const Scanner& scanner, Anonymizer& anonymizer);

  // Scans `chunk` and appends the text that became final to `out`.
  core::Status feed(std::string_view chunk, std::string& out);
  // Ends the body and appends the rest.
  core::Status finish(std::string& out);

  // Every finding so far, in the order they were confirmed (offsets into the input body).
  const std::vector<Finding>& findings() const { return all_; }

 private:
  void release(std::uint64_t settled, std::string& out);

  const Scanner& scanner_;
  Anonymizer& anonymizer_;
  ScanStream stream_;
  std::string tail_;            // input bytes from offset released_ on
  std::uint64_t released_ = 0;  // input bytes already released
  std::vector<Finding> open_;   // findings not applied yet
  std::vector<Finding> all_;
};

// Block helper: the anonymized text and the findings of `data`.
core::Result<std::string> redactAll(const Scanner& scanner, Anonymizer& anonymizer,
                                    std::string_view data, std::vector<Finding>* findings = nullptr);

}  // namespace airlock::dlp
