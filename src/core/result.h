#pragma once
// Result<T> and Error: the one error model of airlock (STYLE.md "Errors and failure").
// Result<T> is shaped like std::expected<T, Error> so it can become one later. Values are
// plain data: safe to copy and to move between threads; not synchronised.

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace airlock::core {

enum class Code : std::uint8_t {
  kOk = 0,
  kInvalidArgument,
  kNotFound,
  kPermissionDenied,
  kFailedPrecondition,
  kUnavailable,
  kInternal,
  kDataLoss,  // tampering or corruption
};

std::string_view codeName(Code code);

// An error: a canonical code, a message for humans and, where known, where it happened
// ("policy.yaml:12:7", "audit.db record 41").
struct Error {
  Code code = Code::kInternal;
  std::string message;
  std::string where;

  // "where: message" when where is known, else the message.
  std::string toString() const;
};

inline Error makeError(Code code, std::string message, std::string where = {}) {
  return Error{code, std::move(message), std::move(where)};
}

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit by design
  Result(Error error) : v_(std::in_place_index<1>, std::move(error)) {}  // NOLINT

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  bool has_value() const { return ok(); }

  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Error& error() const { return std::get<1>(v_); }
  Error& error() { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT
  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const { return error_; }

 private:
  Error error_;
  bool ok_ = true;
};

using Status = Result<void>;

}  // namespace airlock::core
