#pragma once
// Helpers for the extractor tests: a document that must extract, every run printed when
// something does not match, a run found by its exact text and all the extractor says about it.
#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "inspect/inspect.h"

namespace airlock::inspect::testing {

inline Document must(core::Result<Document> d) {
  EXPECT_TRUE(d.ok()) << (d.ok() ? "" : d.error().toString());
  return d.ok() ? std::move(*d) : Document{};
}

inline std::string dump(const Document& d) {
  std::string s;
  for (const auto& r : d.runs)
    s += "  [" + std::string(hidingName(r.hiding)) + "] " + r.where + " | " + r.why + " | \"" + r.text + "\"\n";
  for (const auto& n : d.notes) s += "  note: " + n + "\n";
  return s;
}

inline const Run* findRun(const Document& d, std::string_view text) {
  for (const auto& r : d.runs)
    if (r.text == text) return &r;
  return nullptr;
}

// The run whose text is exactly `text` has this hiding, why and where.
inline void expectRun(const Document& d, std::string_view text, Hiding hiding, std::string_view why, std::string_view where) {
  const Run* r = findRun(d, text);
  ASSERT_NE(r, nullptr) << "no run \"" << text << "\" in\n" << dump(d);
  EXPECT_EQ(hidingName(r->hiding), hidingName(hiding)) << "run \"" << text << "\"\n" << dump(d);
  EXPECT_EQ(r->why, why) << "run \"" << text << "\"";
  EXPECT_EQ(r->where, where) << "run \"" << text << "\"";
}

inline bool hasNote(const Document& d, std::string_view note) {
  for (const auto& n : d.notes)
    if (n == note) return true;
  return false;
}

}  // namespace airlock::inspect::testing
