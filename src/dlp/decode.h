#pragma once
// Decoders for the scanner's optional decoding pass: a run of base64, hex or URL-encoded
// bytes is decoded and the result scanned again. Pure functions, safe from any thread; output
// is never longer than the input.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace airlock::dlp {

enum class Encoding : std::uint8_t { kNone = 0, kBase64 = 1, kHex = 2, kUrl = 3 };
std::string_view encodingName(Encoding e);  // "none" | "base64" | "hex" | "url"

// True when byte c can be part of a run of encoding e.
bool inRun(Encoding e, unsigned char c);

// Decodes one run. Base64 (standard or URL-safe, padding optional; a leading byte is dropped
// when the length cannot be base64), hex (a leading nibble is dropped when odd), URL (%XX and
// '+'; a malformed escape is kept as is). nullopt when the run is not valid in that encoding.
std::optional<std::string> decodeRun(Encoding e, std::string_view run);

}  // namespace airlock::dlp
