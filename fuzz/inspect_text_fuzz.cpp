// libFuzzer target: the text formats (plain, Markdown, CSV, JSON; the first byte picks one)
// through extract() and analyze(), and the bytes through analyzeText() as a tool's output.
// Must never crash or hang; every run and finding stays within its bounds.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "inspect_fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace airlock::inspect;
  if (size == 0) return 0;
  static constexpr Format kFormats[] = {Format::kText, Format::kMarkdown, Format::kCsv, Format::kJson};
  const Format format = kFormats[data[0] % 4];
  const std::string_view bytes(reinterpret_cast<const char*>(data + 1), size - 1);
  airlock::fuzz::extractAndAnalyze(bytes, format);
  const Report raw = analyzeText(bytes, "fuzz");
  for (const auto& f : raw.findings)
    if (f.text.size() > 240 + 3 || f.offset > bytes.size()) std::abort();
  return 0;
}
