// libFuzzer target: the airlock-pdf helper's extraction (src/inspect/pdf/pdf_text.cpp) in process,
// over arbitrary bytes. Must never crash or hang; what reaches the sink stays within the text,
// run and note limits it was given.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "inspect/pdf/pdf_text.h"

namespace {

class CountingSink : public airlock::inspect::pdf::Sink {
 public:
  void run(std::string_view text, std::string_view where, airlock::inspect::Hiding, std::string_view why) override {
    textBytes += text.size();
    ++runs;
    if (where.empty() || where.size() > airlock::inspect::pdf::kMaxLabelBytes ||
        why.size() > airlock::inspect::pdf::kMaxLabelBytes)
      std::abort();
  }
  void note(std::string_view) override { ++notes; }
  std::size_t textBytes = 0;
  std::size_t runs = 0;
  std::size_t notes = 0;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const bool ready = (airlock::inspect::pdf::initPoppler(), true);
  (void)ready;
  airlock::inspect::pdf::Options options;
  options.maxTextBytes = 1u << 20;
  options.maxPages = 64;
  options.maxRuns = 10000;
  options.maxNotes = 100;
  CountingSink sink;
  auto pages = airlock::inspect::pdf::extractPdfText(std::string_view(reinterpret_cast<const char*>(data), size), options, sink);
  if (sink.textBytes > options.maxTextBytes || sink.runs > options.maxRuns || sink.notes > options.maxNotes + 1) std::abort();
  if (pages && *pages > static_cast<int>(options.maxPages)) std::abort();
  return 0;
}
