// libFuzzer target: inspect::extract() as docx, xlsx, pptx, odt, ods or odp over arbitrary bytes.
// The first byte picks the format (byte % 6) and the mode (byte / 6 % 2):
//  0: the rest is the file, as it would arrive;
//  1: the rest is "name\0content" parts separated by "\0\0", stored in a zip built here with
//     correct CRCs, so that mutations reach the XML and the extractors instead of dying on a
//     CRC mismatch.
// Must never crash, hang or exceed its bounds: the runs' text stays within maxTextBytes.
#include <zlib.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "inspect/inspect.h"

namespace {

void put16(std::string& s, std::uint32_t v) {
  s += static_cast<char>(v & 0xFF);
  s += static_cast<char>((v >> 8) & 0xFF);
}
void put32(std::string& s, std::uint32_t v) {
  put16(s, v & 0xFFFF);
  put16(s, v >> 16);
}

std::string storedZip(std::string_view parts) {
  std::string out, cd;
  std::uint32_t count = 0;
  while (!parts.empty() && count < 64) {
    const auto end = parts.find(std::string_view("\0\0", 2));
    std::string_view part = parts.substr(0, end);
    parts = end == std::string_view::npos ? std::string_view() : parts.substr(end + 2);
    const auto nul = part.find('\0');
    std::string_view name = part.substr(0, std::min(nul, std::size_t{200}));
    std::string_view data = nul == std::string_view::npos ? std::string_view() : part.substr(nul + 1);
    const auto crc = static_cast<std::uint32_t>(::crc32_z(0, reinterpret_cast<const Bytef*>(data.data()), data.size()));
    const auto offset = static_cast<std::uint32_t>(out.size());
    auto header = [&](std::string& s, bool central) {
      put32(s, central ? 0x02014b50 : 0x04034b50);
      if (central) put16(s, 20);
      put16(s, 20);
      put16(s, 0);
      put16(s, 0);
      put32(s, 0);
      put32(s, crc);
      put32(s, static_cast<std::uint32_t>(data.size()));
      put32(s, static_cast<std::uint32_t>(data.size()));
      put16(s, static_cast<std::uint32_t>(name.size()));
      put16(s, 0);
      if (central) {
        put16(s, 0);
        put16(s, 0);
        put16(s, 0);
        put32(s, 0);
        put32(s, offset);
      }
      s.append(name);
    };
    header(out, false);
    out.append(data);
    header(cd, true);
    ++count;
  }
  const auto cdOffset = static_cast<std::uint32_t>(out.size());
  out += cd;
  put32(out, 0x06054b50);
  put32(out, 0);
  put16(out, count);
  put16(out, count);
  put32(out, static_cast<std::uint32_t>(cd.size()));
  put32(out, cdOffset);
  put16(out, 0);
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  using airlock::inspect::Format;
  static constexpr Format kFormats[] = {Format::kDocx, Format::kXlsx, Format::kPptx,
                                        Format::kOdt,  Format::kOds,  Format::kOdp};
  const Format format = kFormats[data[0] % 6];
  std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
  const std::string built = (data[0] / 6) % 2 == 1 ? storedZip(rest) : std::string();
  const std::string_view bytes = built.empty() ? rest : std::string_view(built);
  airlock::inspect::Limits limits;
  limits.maxEntryBytes = 4u << 20;
  limits.maxUnzippedBytes = 16u << 20;
  limits.maxTextBytes = 1u << 20;
  limits.maxDepth = 64;
  auto doc = airlock::inspect::extract(bytes, format, limits);
  if (!doc) return 0;
  std::uint64_t text = 0;
  for (const auto& r : doc->runs) text += r.text.size();
  if (text > limits.maxTextBytes) std::abort();
  return 0;
}
