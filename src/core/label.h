#pragma once
// Labels and the security lattice (DESIGN.md "Concepts"). A Lattice names the ordered levels
// and the categories of one policy; a Label is a value in it: a level index plus a category
// bit set (at most 64 categories). Labels are small values, cheap to copy; a Lattice is
// immutable after construction and safe to share between threads.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace airlock::core {

struct Label {
  std::uint8_t level = 0;
  std::uint64_t categories = 0;

  // a ⊑ b: a may flow to b.
  bool leq(const Label& other) const {
    return level <= other.level && (categories & ~other.categories) == 0;
  }
  Label join(const Label& other) const {
    return Label{level > other.level ? level : other.level, categories | other.categories};
  }
  bool operator==(const Label&) const = default;
};

class Lattice {
 public:
  static constexpr std::size_t kMaxLevels = 64;
  static constexpr std::size_t kMaxCategories = 64;

  // The default lattice: public < internal < confidential < secret, categories pii,
  // financial, credentials, source-code.
  Lattice();
  static Result<Lattice> make(std::vector<std::string> levels, std::vector<std::string> categories);

  // Parses "confidential{pii,financial}", "public", "{pii}" (level = lowest), whitespace allowed
  // around names. Unknown names are errors that say which name and what is known.
  Result<Label> parse(std::string_view text) const;
  std::string format(const Label& label) const;

  const std::vector<std::string>& levels() const { return levels_; }
  const std::vector<std::string>& categories() const { return categories_; }
  int levelIndex(std::string_view name) const;     // -1 when unknown
  int categoryIndex(std::string_view name) const;  // -1 when unknown
  Label bottom() const { return Label{}; }
  Label top() const;

 private:
  std::vector<std::string> levels_;
  std::vector<std::string> categories_;
};

}  // namespace airlock::core
