#include "core/result.h"

namespace airlock::core {

std::string_view codeName(Code code) {
  switch (code) {
    case Code::kOk: return "ok";
    case Code::kInvalidArgument: return "invalid_argument";
    case Code::kNotFound: return "not_found";
    case Code::kPermissionDenied: return "permission_denied";
    case Code::kFailedPrecondition: return "failed_precondition";
    case Code::kUnavailable: return "unavailable";
    case Code::kInternal: return "internal";
    case Code::kDataLoss: return "data_loss";
  }
  return "unknown";
}

std::string Error::toString() const {
  if (where.empty()) return message;
  return where + ": " + message;
}

}  // namespace airlock::core
