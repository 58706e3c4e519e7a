#include "core/env.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <ctime>
#include <random>
#include <string>

#include <fmt/format.h>

namespace {

// What formatTimestamp printed before its fast path: gmtime_r and a format string. The audit
// trail's records (and their hashes) hold these bytes, so they must not change.
std::string reference(std::int64_t micros) {
  std::time_t secs = static_cast<std::time_t>(micros / 1000000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                     tm.tm_hour, tm.tm_min, tm.tm_sec, micros % 1000000);
}

TEST(FormatTimestamp, KnownInstants) {
  EXPECT_EQ(airlock::core::formatTimestamp(0), "1970-01-01T00:00:00.000000Z");
  EXPECT_EQ(airlock::core::formatTimestamp(1764559200123456), "2025-12-01T03:20:00.123456Z");
  EXPECT_EQ(airlock::core::formatTimestamp(951782400000000), "2000-02-29T00:00:00.000000Z");
  EXPECT_EQ(airlock::core::formatTimestamp(253402300799999999), "9999-12-31T23:59:59.999999Z");
}

TEST(FormatTimestamp, SameBytesAsGmtimeEverywhere) {
  const std::int64_t edges[] = {0,
                                1,
                                999999,
                                1000000,
                                86399999999,
                                86400000000,
                                946684799999999,   // 1999-12-31T23:59:59.999999
                                951782399999999,   // the day before 2000-02-29
                                4107542400000000,  // 2100-03-01
                                2147483647000000,  // 2038-01-19T03:14:07
                                253402300799999999,
                                253402300800000000,  // year 10000: the slow path
                                -1,
                                -86400000001};
  for (std::int64_t t : edges) EXPECT_EQ(airlock::core::formatTimestamp(t), reference(t)) << t;
  std::mt19937_64 rng(17);
  std::uniform_int_distribution<std::int64_t> any(0, 253402300799999999);
  std::uniform_int_distribution<std::int64_t> recent(1600000000000000, 2000000000000000);
  for (int i = 0; i < 200000; ++i) {
    const std::int64_t t = i % 2 ? any(rng) : recent(rng);
    ASSERT_EQ(airlock::core::formatTimestamp(t), reference(t)) << t;
  }
}

}  // namespace
