#pragma once
// Injected time and environment (STYLE.md "Time, randomness, environment are injected").
// Only env.cpp may call getenv or system_clock::now(); everything else receives these.
// SystemClock is thread-safe; Environment is a plain value.

#include <cstdint>
#include <map>
#include <string>

namespace airlock::core {

class Clock {
 public:
  virtual ~Clock() = default;
  // Microseconds since the Unix epoch.
  virtual std::int64_t nowMicros() const = 0;
};

class SystemClock final : public Clock {
 public:
  std::int64_t nowMicros() const override;
};

// A fixed clock for tests; advance() moves it.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(std::int64_t start) : now_(start) {}
  std::int64_t nowMicros() const override { return now_; }
  void advance(std::int64_t micros) { now_ += micros; }

 private:
  std::int64_t now_;
};

// The process environment as a map, taken once at start-up.
struct Environment {
  std::map<std::string, std::string> vars;

  static Environment fromProcess();
  std::string get(const std::string& name, const std::string& fallback = {}) const;
  // $HOME, else the passwd entry's home directory.
  std::string home() const;
  // The current working directory (getcwd), captured by fromProcess().
  std::string cwd;
  // The OS user name (passwd entry of the real uid), captured by fromProcess().
  std::string osUser;
};

// RFC 3339 UTC with microseconds: 2026-11-24T03:26:47.123456Z
std::string formatTimestamp(std::int64_t micros);

}  // namespace airlock::core
