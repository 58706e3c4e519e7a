#include "core/label.h"

#include <gtest/gtest.h>

#include <random>

using airlock::core::Label;
using airlock::core::Lattice;

namespace {

Label parse(const Lattice& l, const char* text) {
  auto r = l.parse(text);
  EXPECT_TRUE(r.ok()) << text << ": " << (r.ok() ? "" : r.error().message);
  return r.ok() ? *r : Label{};
}

TEST(Label, ParsesLevelsAndCategories) {
  Lattice l;
  EXPECT_EQ(l.format(parse(l, "confidential{pii,financial}")), "confidential{pii,financial}");
  EXPECT_EQ(l.format(parse(l, " secret { credentials } ")), "secret{credentials}");
  EXPECT_EQ(l.format(parse(l, "{pii}")), "public{pii}");
  EXPECT_EQ(l.format(parse(l, "public")), "public");
  EXPECT_EQ(l.format(parse(l, "internal{}")), "internal");
  // Category order in the text does not matter; formatting follows the lattice's order.
  EXPECT_EQ(l.format(parse(l, "internal{financial,pii}")), "internal{pii,financial}");
}

struct BadLabel {
  const char* text;
  const char* message;
};

TEST(Label, RejectsBadLabelsWithExactMessages) {
  Lattice l;
  const BadLabel cases[] = {
      {"", "empty label"},
      {"   ", "empty label"},
      {"topsecret", "unknown level 'topsecret' (levels: public, internal, confidential, secret)"},
      {"secret{pi}", "unknown category 'pi' (categories: pii, financial, credentials, source-code)"},
      {"secret{pii", "label 'secret{pii' has no closing '}'"},
      {"secret{pii,}", "label 'secret{pii,}' has an empty category"},
      {"secret{,pii}", "label 'secret{,pii}' has an empty category"},
      {"secret{{pii}}", "label 'secret{{pii}}' has nested braces"},
      {"Secret", "unknown level 'Secret' (levels: public, internal, confidential, secret)"},
  };
  for (const auto& c : cases) {
    auto r = l.parse(c.text);
    ASSERT_FALSE(r.ok()) << c.text;
    EXPECT_EQ(r.error().message, c.message) << c.text;
  }
}

TEST(Label, OrderIsLevelAndCategorySubset) {
  Lattice l;
  EXPECT_TRUE(parse(l, "public").leq(parse(l, "secret")));
  EXPECT_TRUE(parse(l, "internal{pii}").leq(parse(l, "confidential{pii,financial}")));
  EXPECT_FALSE(parse(l, "internal{pii}").leq(parse(l, "confidential{financial}")));  // category missing
  EXPECT_FALSE(parse(l, "secret").leq(parse(l, "confidential{pii}")));               // level too high
  EXPECT_TRUE(parse(l, "confidential{pii}").leq(parse(l, "confidential{pii}")));
}

TEST(Label, JoinIsLeastUpperBound) {
  Lattice l;
  std::mt19937 rng(7);
  for (int i = 0; i < 2000; ++i) {
    Label a{static_cast<std::uint8_t>(rng() % 4), rng() % 16};
    Label b{static_cast<std::uint8_t>(rng() % 4), rng() % 16};
    Label j = a.join(b);
    EXPECT_TRUE(a.leq(j));
    EXPECT_TRUE(b.leq(j));
    // Any upper bound of both is above the join.
    Label c{static_cast<std::uint8_t>(rng() % 4), rng() % 16};
    if (a.leq(c) && b.leq(c)) {
      EXPECT_TRUE(j.leq(c));
    }
    EXPECT_EQ(a.join(b), b.join(a));
    EXPECT_EQ(a.join(a), a);
  }
}

TEST(Lattice, CustomLatticeValidation) {
  EXPECT_FALSE(Lattice::make({}, {}).ok());
  auto dup = Lattice::make({"low", "low"}, {});
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error().message, "level 'low' is listed twice");
  auto badName = Lattice::make({"low", "hi gh"}, {});
  ASSERT_FALSE(badName.ok());
  EXPECT_EQ(badName.error().message, "invalid level name 'hi gh'");
  auto ok = Lattice::make({"low", "high"}, {"hr"});
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->format(ok->top()), "high{hr}");
}

}  // namespace
