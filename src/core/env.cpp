// The one file that may read the process environment and the wall clock.
#include "core/env.h"

#include <pwd.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <ctime>
#include <vector>

#include <fmt/format.h>

extern char** environ;  // NOLINT

namespace airlock::core {

std::int64_t SystemClock::nowMicros() const {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Environment Environment::fromProcess() {
  Environment env;
  for (char** e = environ; e && *e; ++e) {
    std::string kv(*e);
    auto eq = kv.find('=');
    if (eq == std::string::npos) continue;
    env.vars.emplace(kv.substr(0, eq), kv.substr(eq + 1));
  }
  std::vector<char> buf(4096);
  if (getcwd(buf.data(), buf.size()) != nullptr) env.cwd = buf.data();
  std::vector<char> pwbuf(16384);
  struct passwd pw {};
  struct passwd* result = nullptr;
  if (getpwuid_r(getuid(), &pw, pwbuf.data(), pwbuf.size(), &result) == 0 && result) {
    env.osUser = result->pw_name;
    if (!env.vars.count("HOME") && result->pw_dir) env.vars["HOME"] = result->pw_dir;
  }
  return env;
}

std::string Environment::get(const std::string& name, const std::string& fallback) const {
  auto it = vars.find(name);
  return it == vars.end() || it->second.empty() ? fallback : it->second;
}

std::string Environment::home() const { return get("HOME", "/"); }

namespace {

std::string formatTimestampSlow(std::int64_t micros) {
  std::time_t secs = static_cast<std::time_t>(micros / 1000000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, micros % 1000000);
}

}  // namespace

std::string formatTimestamp(std::int64_t micros) {
  // Every audit record is stamped (its time column and its encoding share one string): the date
  // from the day count (H. Hinnant's civil_from_days), no gmtime_r (which takes a lock) and no
  // format string. Times before 1970 or after 9999 take the slow path, which prints them as it always has.
  if (micros < 0) return formatTimestampSlow(micros);
  const std::int64_t secs = micros / 1000000;
  const auto frac = static_cast<std::uint32_t>(micros % 1000000);
  const auto daySecs = static_cast<std::uint32_t>(secs % 86400);
  const std::int64_t days = secs / 86400 + 719468;  // days since 0000-03-01
  const std::int64_t era = days / 146097;
  const auto doe = static_cast<std::uint32_t>(days - era * 146097);
  const std::uint32_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::uint32_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::uint32_t mp = (5 * doy + 2) / 153;
  const std::uint32_t day = doy - (153 * mp + 2) / 5 + 1;
  const std::uint32_t month = mp < 10 ? mp + 3 : mp - 9;
  const std::int64_t year = static_cast<std::int64_t>(yoe) + era * 400 + (month <= 2 ? 1 : 0);
  if (year > 9999) return formatTimestampSlow(micros);
  std::string out(27, '0');  // YYYY-MM-DDTHH:MM:SS.ffffffZ
  auto put = [&](std::size_t at, std::uint64_t v, int width) {
    for (int i = width - 1; i >= 0; --i, v /= 10) out[at + static_cast<std::size_t>(i)] = static_cast<char>('0' + v % 10);
  };
  put(0, static_cast<std::uint64_t>(year), 4);
  out[4] = '-';
  put(5, month, 2);
  out[7] = '-';
  put(8, day, 2);
  out[10] = 'T';
  put(11, daySecs / 3600, 2);
  out[13] = ':';
  put(14, daySecs / 60 % 60, 2);
  out[16] = ':';
  put(17, daySecs % 60, 2);
  out[19] = '.';
  put(20, frac, 6);
  out[26] = 'Z';
  return out;
}

}  // namespace airlock::core
