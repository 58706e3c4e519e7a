// libFuzzer target: dlp::extractBody over arbitrary bodies with each content type and coding
// (the first byte picks them). Must never crash, hang or exceed its bounds; the views together
// stay within the decoded bound times the number of views a body can make.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "dlp/extract.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  static constexpr std::string_view kTypes[] = {"text/plain", "application/json", "application/x-www-form-urlencoded",
                                                "multipart/form-data; boundary=b", "multipart/mixed; boundary=\"--x\"",
                                                "application/ld+json", ""};
  static constexpr std::string_view kCodings[] = {"", "gzip", "deflate", "br", "gzip, br", "identity", "x-gzip"};
  const std::uint8_t pick = data[0];
  std::string_view body(reinterpret_cast<const char*>(data + 1), size - 1);
  airlock::dlp::ExtractLimits limits;
  limits.maxDecoded = 1u << 20;
  limits.maxParts = 64;
  limits.maxDepth = 64;
  auto x = airlock::dlp::extractBody(kTypes[pick % 7], kCodings[(pick / 7) % 7], body, limits);
  std::size_t total = 0;
  for (const auto& v : x.views) total += v.size();
  if (total > (limits.maxDecoded + body.size()) * (2 * limits.maxParts + 2)) std::abort();
  return 0;
}
