// The one file that may read the process environment and the wall clock.
#include "core/env.h"

#include <pwd.h>
#include <unistd.h>

#include <chrono>
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

std::string formatTimestamp(std::int64_t micros) {
  std::time_t secs = static_cast<std::time_t>(micros / 1000000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, micros % 1000000);
}

}  // namespace airlock::core
