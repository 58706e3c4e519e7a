#pragma once
// Helpers for detector tables: run one detector (or all) over a text and return the values found.

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "dlp/scanner.h"

namespace airlock::dlp::testing {

// Values found by detector `id` alone in `text` (block mode), in order.
inline std::vector<std::string> valuesFound(std::string_view id, std::string_view text) {
  ScanOptions opts;
  opts.only = {std::string(id)};
  auto scanner = Scanner::build(opts);
  if (!scanner) return {"<build error: " + scanner.error().toString() + ">"};
  auto found = (*scanner)->scan(text);
  if (!found) return {"<scan error: " + found.error().toString() + ">"};
  std::vector<std::string> out;
  for (const auto& f : *found) out.emplace_back(text.substr(f.start, f.end - f.start));
  return out;
}

using Values = std::vector<std::string>;

// A detector table row: a text and exactly the values the detector must find in it.
struct Case {
  std::string text;
  Values want;
};

inline void expectCases(std::string_view id, const std::vector<Case>& cases) {
  for (const auto& c : cases) {
    SCOPED_TRACE(std::string(id) + " over: " + c.text);
    EXPECT_EQ(valuesFound(id, c.text), c.want);
  }
}

// Nothing in `texts` is found by `id`.
inline void expectNone(std::string_view id, const std::vector<std::string>& texts) {
  for (const auto& t : texts) {
    SCOPED_TRACE(std::string(id) + " over: " + t);
    EXPECT_EQ(valuesFound(id, t), Values{});
  }
}

// Detector ids (all detectors on) that report exactly `value` somewhere in `text`.
inline std::vector<std::string> detectorsFinding(std::string_view text) {
  auto scanner = Scanner::build({});
  if (!scanner) return {"<build error>"};
  auto found = (*scanner)->scan(text);
  if (!found) return {"<scan error>"};
  std::vector<std::string> out;
  for (const auto& f : *found) out.emplace_back((*scanner)->detector(f.detector).id);
  return out;
}

}  // namespace airlock::dlp::testing
