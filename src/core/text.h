#pragma once
// Small ASCII helpers shared by every layer (header names, schemes, hex escapes): one copy.
#include <string>
#include <string_view>

namespace airlock::core {

// ASCII letters lower-cased; other bytes unchanged.
std::string asciiLower(std::string_view s);
// The value of a hex digit (0-9, a-f, A-F), or -1.
int hexDigitValue(unsigned char c);

// Appends `s` as a JSON string, exactly as nlohmann::json's dump writes it (ensure_ascii off,
// invalid UTF-8 replaced by U+FFFD). Printable ASCII without '"' or '\\' is copied as it is;
// anything else goes through nlohmann::json itself, so the bytes cannot differ from that
// encoding (the audit chain hashes them).
void appendJsonString(std::string& out, std::string_view s);

}  // namespace airlock::core
