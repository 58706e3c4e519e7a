// libFuzzer target: e-mail through extract() (headers, nested MIME parts, transfer encodings,
// charsets, attachments) and analyze(). Must never crash or hang; the extracted text stays
// within Limits::maxTextBytes and every finding within its bounds.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "inspect/inspect.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace airlock::inspect;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  Limits limits;
  limits.maxDepth = 64;
  limits.maxTextBytes = 1u << 20;
  auto doc = extract(bytes, Format::kEml, limits);
  if (!doc) return 0;
  std::size_t total = 0;
  for (const auto& r : doc->runs) total += r.text.size();
  if (total > limits.maxTextBytes) std::abort();
  const Report report = analyze(*doc);
  for (const auto& f : report.findings)
    if (f.text.size() > 240 + 3 || f.score < 0 || f.score > 100) std::abort();
  return 0;
}
