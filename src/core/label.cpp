#include "core/label.h"

#include <fmt/format.h>

namespace airlock::core {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string joinNames(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) {
    if (!out.empty()) out += ", ";
    out += n;
  }
  return out;
}

}  // namespace

Lattice::Lattice()
    : levels_{"public", "internal", "confidential", "secret"},
      categories_{"pii", "financial", "credentials", "source-code"} {}

Result<Lattice> Lattice::make(std::vector<std::string> levels, std::vector<std::string> categories) {
  if (levels.empty()) return makeError(Code::kInvalidArgument, "labels.levels must name at least one level");
  if (levels.size() > kMaxLevels) return makeError(Code::kInvalidArgument, "at most 64 levels are supported");
  if (categories.size() > kMaxCategories)
    return makeError(Code::kInvalidArgument, "at most 64 categories are supported");
  Lattice l;
  l.levels_ = std::move(levels);
  l.categories_ = std::move(categories);
  auto bad = [](const std::string& n) {
    if (n.empty()) return true;
    for (char c : n) {
      bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
      if (!ok) return true;
    }
    return false;
  };
  for (std::size_t i = 0; i < l.levels_.size(); ++i) {
    if (bad(l.levels_[i])) return makeError(Code::kInvalidArgument, fmt::format("invalid level name '{}'", l.levels_[i]));
    for (std::size_t j = 0; j < i; ++j)
      if (l.levels_[i] == l.levels_[j])
        return makeError(Code::kInvalidArgument, fmt::format("level '{}' is listed twice", l.levels_[i]));
  }
  for (std::size_t i = 0; i < l.categories_.size(); ++i) {
    if (bad(l.categories_[i]))
      return makeError(Code::kInvalidArgument, fmt::format("invalid category name '{}'", l.categories_[i]));
    for (std::size_t j = 0; j < i; ++j)
      if (l.categories_[i] == l.categories_[j])
        return makeError(Code::kInvalidArgument, fmt::format("category '{}' is listed twice", l.categories_[i]));
  }
  return l;
}

int Lattice::levelIndex(std::string_view name) const {
  for (std::size_t i = 0; i < levels_.size(); ++i)
    if (levels_[i] == name) return static_cast<int>(i);
  return -1;
}

int Lattice::categoryIndex(std::string_view name) const {
  for (std::size_t i = 0; i < categories_.size(); ++i)
    if (categories_[i] == name) return static_cast<int>(i);
  return -1;
}

Label Lattice::top() const {
  Label l;
  l.level = static_cast<std::uint8_t>(levels_.size() - 1);
  l.categories = categories_.size() == 64 ? ~0ULL : ((1ULL << categories_.size()) - 1);
  return l;
}

Result<Label> Lattice::parse(std::string_view text) const {
  std::string_view s = trim(text);
  if (s.empty()) return makeError(Code::kInvalidArgument, "empty label");
  Label out;
  auto brace = s.find('{');
  std::string_view level = trim(s.substr(0, brace));
  if (!level.empty()) {
    int idx = levelIndex(level);
    if (idx < 0)
      return makeError(Code::kInvalidArgument,
                       fmt::format("unknown level '{}' (levels: {})", level, joinNames(levels_)));
    out.level = static_cast<std::uint8_t>(idx);
  }
  if (brace == std::string_view::npos) return out;
  std::string_view rest = s.substr(brace + 1);
  if (rest.empty() || rest.back() != '}')
    return makeError(Code::kInvalidArgument, fmt::format("label '{}' has no closing '}}'", s));
  rest.remove_suffix(1);
  if (rest.find_first_of("{}") != std::string_view::npos)
    return makeError(Code::kInvalidArgument, fmt::format("label '{}' has nested braces", s));
  while (true) {
    auto comma = rest.find(',');
    std::string_view name = trim(rest.substr(0, comma));
    if (name.empty()) {
      if (comma == std::string_view::npos && trim(rest).empty() && out.categories == 0) break;  // "x{}"
      return makeError(Code::kInvalidArgument, fmt::format("label '{}' has an empty category", s));
    }
    int idx = categoryIndex(name);
    if (idx < 0)
      return makeError(Code::kInvalidArgument,
                       fmt::format("unknown category '{}' (categories: {})", name, joinNames(categories_)));
    out.categories |= (1ULL << idx);
    if (comma == std::string_view::npos) break;
    rest = rest.substr(comma + 1);
  }
  return out;
}

std::string Lattice::format(const Label& label) const {
  std::string out = label.level < levels_.size() ? levels_[label.level] : fmt::format("level{}", label.level);
  if (label.categories == 0) return out;
  out += '{';
  bool first = true;
  for (std::size_t i = 0; i < 64; ++i) {
    if (!(label.categories & (1ULL << i))) continue;
    if (!first) out += ',';
    first = false;
    out += i < categories_.size() ? categories_[i] : fmt::format("cat{}", i);
  }
  out += '}';
  return out;
}

}  // namespace airlock::core
