#pragma once
// Redaction of secrets in short texts that must be recorded (command lines, URLs in the audit
// trail and in reasons). Until the DLP engine lands this is a conservative heuristic: values
// of credential-looking headers and options, `user:pass@` in URLs, and long tokens that mix
// letters and digits are replaced by "[REDACTED sha256:XXXXXXXX]" (a digest prefix, so equal
// secrets can still be correlated). Pure; thread-safe.

#include <string>
#include <string_view>

namespace airlock::core {

std::string redactSecrets(std::string_view text);

}  // namespace airlock::core
