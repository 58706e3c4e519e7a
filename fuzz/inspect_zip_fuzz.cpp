// libFuzzer target: ZipArchive::open over arbitrary bytes, then read() of every entry. Must
// never crash, hang or allocate past its bounds; what is read stays within the archive's budget.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "inspect/zip.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  airlock::inspect::Limits limits;
  limits.maxEntryBytes = 4u << 20;
  limits.maxUnzippedBytes = 16u << 20;
  limits.maxZipEntries = 1000;
  auto zip = airlock::inspect::ZipArchive::open(bytes, limits);
  if (!zip) return 0;
  std::uint64_t total = 0;
  for (const auto& e : zip->entries()) {
    if (e.dataOffset + e.compressedSize > size) std::abort();  // open() checked every span
    auto r = zip->read(e.name);
    if (r) {
      if (r->size() != e.uncompressedSize || r->size() > limits.maxEntryBytes) std::abort();
      total += r->size();
    }
  }
  if (total > limits.maxUnzippedBytes || zip->bytesRead() > limits.maxUnzippedBytes) std::abort();
  return 0;
}
