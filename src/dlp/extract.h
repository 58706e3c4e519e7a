#pragma once
// What a request body says once the wrappers its headers name are taken off, so that DLP sees
// the data and not its packaging: Content-Encoding (gzip, deflate, br, in the order applied),
// then by Content-Type the parts of multipart bodies, the values of url-encoded forms, and the
// keys and string values of JSON (escapes such as \u0040 decoded). The raw body is scanned as
// well, by the caller; these are extra views of it.
//
// Bounded: decoded output stops at ExtractLimits::maxDecoded (a gzip bomb is a problem, not a
// hang), multipart at maxParts, JSON nesting at maxDepth (the SAX parser keeps no recursion).
// A body that cannot be decoded as its headers say is reported in `problem`: a receiver might
// decode it where we could not, so callers must treat it as unknown content (fail closed).
// Pure functions; thread-safe.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace airlock::dlp {

struct ExtractLimits {
  std::size_t maxDecoded = 64u << 20;
  std::size_t maxParts = 1000;
  std::size_t maxDepth = 512;
};

struct Extracted {
  std::vector<std::string> views;  // decoded texts, in the order found
  std::string problem;             // empty when every layer decoded
};

Extracted extractBody(std::string_view contentType, std::string_view contentEncoding, std::string_view body,
                      const ExtractLimits& limits = {});

}  // namespace airlock::dlp
