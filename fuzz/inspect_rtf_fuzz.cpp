// libFuzzer target: RTF through extract() (groups, control words, \uN fallbacks, \bin, the
// colour table) and analyze(). Must never crash or hang; the extracted text stays within
// Limits::maxTextBytes and every finding within its bounds.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "inspect_fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  airlock::fuzz::extractAndAnalyze(std::string_view(reinterpret_cast<const char*>(data), size),
                                   airlock::inspect::Format::kRtf);
  return 0;
}
