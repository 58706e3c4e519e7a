#pragma once
// What every document-extractor fuzz target checks: extract() under small limits, then
// analyze(). It must never crash or hang; the extracted text stays within maxTextBytes and every
// finding within its bounds (its text at most 240 bytes and an ellipsis, its score 0–100).
#include <cstddef>
#include <cstdlib>
#include <string_view>

#include "inspect/inspect.h"

namespace airlock::fuzz {

inline void checkReport(const inspect::Report& report) {
  for (const auto& f : report.findings)
    if (f.text.size() > 240 + 3 || f.score < 0 || f.score > 100) std::abort();
}

inline void extractAndAnalyze(std::string_view bytes, inspect::Format format) {
  inspect::Limits limits;
  limits.maxDepth = 64;
  limits.maxTextBytes = 1u << 20;
  auto doc = inspect::extract(bytes, format, limits);
  if (!doc) return;
  std::size_t total = 0;
  for (const auto& r : doc->runs) total += r.text.size();
  if (total > limits.maxTextBytes) std::abort();
  checkReport(inspect::analyze(*doc));
}

}  // namespace airlock::fuzz
