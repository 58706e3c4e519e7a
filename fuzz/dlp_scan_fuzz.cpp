// Fuzzes the DLP scanner with every detector and the decoding pass on. The properties: no
// crash or sanitizer report on any bytes, every finding lies inside the input, and streaming
// the input in chunks (sizes taken from the input's first byte) gives exactly the findings of
// the whole input at once.
#include <stdlib.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "dlp/scanner.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace airlock::dlp;
  if (size > 256 * 1024) return 0;
  static const auto scanner = [] {
    ScanOptions o;
    o.decode = true;
    auto s = Scanner::build(o);
    if (!s) abort();
    return *s;
  }();
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto block = scanner->scan(in);
  if (!block) abort();
  for (const auto& f : *block)
    if (f.start > f.end || f.end > size) abort();
  const std::size_t piece = size == 0 ? 1 : 1 + (static_cast<unsigned char>(in[0]) % 97);
  ScanStream stream(*scanner);
  std::vector<Finding> streamed;
  FindingSink sink = [&streamed](const Finding& f) { streamed.push_back(f); };
  for (std::size_t off = 0; off < size; off += piece)
    if (!stream.feed(in.substr(off, piece), sink)) abort();
  if (!stream.finish(sink)) abort();
  std::sort(streamed.begin(), streamed.end(), findingLess);
  if (streamed != *block) {
    std::fprintf(stderr, "stream (%zu findings) != block (%zu findings)\n", streamed.size(), block->size());
    for (const auto& f : *block)
      std::fprintf(stderr, "  block  %s %llu-%llu enc %d\n", std::string(scanner->detector(f.detector).id).c_str(),
                   static_cast<unsigned long long>(f.start), static_cast<unsigned long long>(f.end), f.encoding);
    for (const auto& f : streamed)
      std::fprintf(stderr, "  stream %s %llu-%llu enc %d\n", std::string(scanner->detector(f.detector).id).c_str(),
                   static_cast<unsigned long long>(f.start), static_cast<unsigned long long>(f.end), f.encoding);
    abort();
  }
  return 0;
}
