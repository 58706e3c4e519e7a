// Streaming redaction: the same output whatever the chunking, released as early as it is final.
#include "dlp/redactor.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace airlock::dlp {
namespace {

std::shared_ptr<const Scanner> scanner() {
  static auto s = Scanner::build({});
  EXPECT_TRUE(s.ok());
  return *s;
}

std::string body(int copies) {
  std::string out;
  for (int i = 0; i < copies; ++i) {
    out += "line " + std::to_string(i) + ": mail bob" + std::to_string(i % 7) +
           "@example.com about card 4111 1111 1111 1111 and key AKIA" "Q2RTYU3OPASDF4GH.\n";
    out += "nothing to see here, just a budget report for the team\n";
  }
  return out;
}

TEST(Redactor, PlaceholdersReplaceExactlyTheValues) {
  auto an = Anonymizer::make({.mode = AnonymizeMode::kPlaceholder});
  ASSERT_TRUE(an.ok());
  auto out = redactAll(*scanner(), *an, "to bob@example.com, cc ann@example.com, bob@example.com");
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(*out, "to <EMAIL_1>, cc <EMAIL_2>, <EMAIL_1>");
}

TEST(Redactor, StreamingOutputEqualsBlockOutput) {
  const std::string text = body(400);
  auto blockAn = Anonymizer::make({.mode = AnonymizeMode::kPlaceholder});
  ASSERT_TRUE(blockAn.ok());
  auto whole = redactAll(*scanner(), *blockAn, text);
  ASSERT_TRUE(whole.ok());
  EXPECT_EQ(whole->find("@example.com"), std::string::npos);
  EXPECT_EQ(whole->find("4111 1111"), std::string::npos);
  EXPECT_NE(whole->find("budget report"), std::string::npos);
  std::mt19937 rng(5);
  for (int round = 0; round < 20; ++round) {
    auto an = Anonymizer::make({.mode = AnonymizeMode::kPlaceholder});
    ASSERT_TRUE(an.ok());
    Redactor r(*scanner(), *an);
    std::string out;
    std::size_t pos = 0;
    const std::size_t maxPiece = round % 2 ? 7 : 5000;
    while (pos < text.size()) {
      std::size_t n = 1 + rng() % maxPiece;
      ASSERT_TRUE(r.feed(std::string_view(text).substr(pos, n), out).ok());
      pos += n;
    }
    ASSERT_TRUE(r.finish(out).ok());
    EXPECT_EQ(out, *whole) << "round " << round;
  }
}

TEST(Redactor, ReleasesOutputBeforeTheEnd) {
  auto an = Anonymizer::make({.mode = AnonymizeMode::kRedact});
  ASSERT_TRUE(an.ok());
  Redactor r(*scanner(), *an);
  std::string out;
  const std::string text = body(2000);  // ~250 KB
  for (std::size_t off = 0; off < text.size(); off += 4096)
    ASSERT_TRUE(r.feed(std::string_view(text).substr(off, 4096), out).ok());
  // Everything but the look-behind tail is out before finish().
  EXPECT_GT(out.size(), text.size() / 2);
  ASSERT_TRUE(r.finish(out).ok());
  EXPECT_EQ(out.find("@example.com"), std::string::npos);
}

TEST(Redactor, OverlappingFindingsAreReplacedOnce) {
  auto an = Anonymizer::make({.mode = AnonymizeMode::kRedact});
  ASSERT_TRUE(an.ok());
  std::vector<Finding> found;
  auto out = redactAll(*scanner(), *an, "x bob@example.com y", &found);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(*out, "x [REDACTED] y");
  EXPECT_FALSE(found.empty());
}

}  // namespace
}  // namespace airlock::dlp
