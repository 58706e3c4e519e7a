#pragma once
// Small ASCII helpers shared by every layer (header names, schemes, hex escapes): one copy.
#include <string>
#include <string_view>

namespace airlock::core {

// ASCII letters lower-cased; other bytes unchanged.
std::string asciiLower(std::string_view s);
// The value of a hex digit (0-9, a-f, A-F), or -1.
int hexDigitValue(unsigned char c);

}  // namespace airlock::core
