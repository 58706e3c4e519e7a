#include <vector>

#include "dlp/detector.h"

namespace airlock::dlp {

std::string_view categoryName(Category c) {
  return c == Category::kPii ? "pii" : "credentials";
}

std::string_view confidenceName(Confidence c) {
  switch (c) {
    case Confidence::kLow: return "low";
    case Confidence::kMedium: return "medium";
    case Confidence::kHigh: return "high";
  }
  return "high";
}

std::optional<Confidence> parseConfidence(std::string_view s) {
  if (s == "low") return Confidence::kLow;
  if (s == "medium") return Confidence::kMedium;
  if (s == "high") return Confidence::kHigh;
  return std::nullopt;
}

std::span<const Detector> allDetectors() {
  static const std::vector<Detector> kAll = [] {
    std::vector<Detector> all;
    auto pii = piiDetectors();
    auto sec = secretDetectors();
    all.insert(all.end(), pii.begin(), pii.end());
    all.insert(all.end(), sec.begin(), sec.end());
    return all;
  }();
  return kAll;
}

const Detector* findDetector(std::string_view id) {
  for (const auto& d : allDetectors())
    if (d.id == id) return &d;
  return nullptr;
}

}  // namespace airlock::dlp
