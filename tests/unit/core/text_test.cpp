// ASCII helpers shared by every layer.
#include "core/text.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <random>
#include <string>

namespace airlock::core {
namespace {

std::string viaNlohmann(const std::string& s) {
  return nlohmann::json(s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// The audit chain hashes these bytes and `airlock scan --json` prints them: the fast path must
// write exactly what nlohmann::json writes, for any bytes at all.
TEST(AppendJsonString, WritesWhatNlohmannJsonWrites) {
  const std::string fixed[] = {"",
                               "plain text",
                               "quote \" and \\ backslash",
                               "tab\tnew\nline",
                               "\x01\x1f\x7f",
                               "caf\xC3\xA9",
                               "bad \xC3 utf-8 \xff",
                               std::string("nul\0byte", 8)};
  for (const auto& s : fixed) {
    std::string out = "x";
    appendJsonString(out, s);
    EXPECT_EQ(out, "x" + viaNlohmann(s)) << s;
  }
  std::mt19937 rng(17);
  for (int round = 0; round < 20000; ++round) {
    std::string s(rng() % 24, '\0');
    const unsigned top = round % 2 == 0 ? 128 : 256;  // half plain ASCII, half any byte
    for (char& c : s) c = static_cast<char>(rng() % top);
    std::string out;
    appendJsonString(out, s);
    EXPECT_EQ(out, viaNlohmann(s)) << "round " << round;
  }
}

TEST(AsciiLower, LowersOnlyAsciiLetters) { EXPECT_EQ(asciiLower("AbC-\xC3\x89"), "abc-\xC3\x89"); }

}  // namespace
}  // namespace airlock::core
