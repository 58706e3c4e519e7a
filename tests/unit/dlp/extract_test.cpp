// Request bodies unpacked as their headers say: content codings (gzip, deflate, raw deflate,
// br, stacked), multipart parts and their headers, url-encoded forms, JSON keys and strings;
// and the bounds: bombs, truncation, trailing garbage, unknown codings, deep JSON, many parts.
#include "dlp/extract.h"

#include <brotli/encode.h>
#include <gtest/gtest.h>
#include <zlib.h>

#include <algorithm>
#include <string>

namespace airlock::dlp {
namespace {

std::string deflateWith(std::string_view in, int windowBits) {
  z_stream z{};
  EXPECT_EQ(deflateInit2(&z, 6, Z_DEFLATED, windowBits, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::string out(deflateBound(&z, in.size()) + 64, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&z, Z_FINISH), Z_STREAM_END);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}
std::string gzip(std::string_view in) { return deflateWith(in, 15 + 16); }
std::string brotli(std::string_view in) {
  std::string out(BrotliEncoderMaxCompressedSize(in.size()) + 16, '\0');
  std::size_t n = out.size();
  EXPECT_TRUE(BrotliEncoderCompress(5, 22, BROTLI_MODE_TEXT, in.size(), reinterpret_cast<const uint8_t*>(in.data()),
                                    &n, reinterpret_cast<uint8_t*>(out.data())));
  out.resize(n);
  return out;
}

bool anyViewHas(const Extracted& x, std::string_view needle) {
  return std::any_of(x.views.begin(), x.views.end(), [&](const std::string& v) { return v.find(needle) != std::string::npos; });
}

const std::string kSecret = std::string("ssn 123-45-") + "6789";

TEST(Extract, UndoesEveryContentCodingInOrder) {
  auto x = extractBody("text/plain", "gzip", gzip(kSecret));
  EXPECT_TRUE(x.problem.empty()) << x.problem;
  EXPECT_TRUE(anyViewHas(x, kSecret));
  EXPECT_TRUE(anyViewHas(extractBody("", "deflate", deflateWith(kSecret, 15)), kSecret));
  EXPECT_TRUE(anyViewHas(extractBody("", "deflate", deflateWith(kSecret, -15)), kSecret));  // raw, as some send
  EXPECT_TRUE(anyViewHas(extractBody("", "br", brotli(kSecret)), kSecret));
  EXPECT_TRUE(anyViewHas(extractBody("", "X-GZIP", gzip(kSecret)), kSecret));
  // Applied gzip then br: undone br then gzip.
  auto stacked = extractBody("", "gzip, br", brotli(gzip(kSecret)));
  EXPECT_TRUE(stacked.problem.empty()) << stacked.problem;
  EXPECT_TRUE(anyViewHas(stacked, kSecret));
  // identity is nothing to undo.
  auto plain = extractBody("text/plain", "identity", kSecret);
  EXPECT_TRUE(plain.problem.empty());
  EXPECT_TRUE(plain.views.empty());  // the raw body is the caller's to scan
}

TEST(Extract, BodiesThatDoNotDecodeAsDeclaredAreProblems) {
  const std::string z = gzip(kSecret);
  EXPECT_FALSE(extractBody("", "gzip", z.substr(0, z.size() / 2)).problem.empty());   // truncated
  EXPECT_FALSE(extractBody("", "gzip", z + "trailing").problem.empty());              // bytes after
  EXPECT_FALSE(extractBody("", "gzip", kSecret).problem.empty());                     // not gzip
  EXPECT_FALSE(extractBody("", "br", kSecret).problem.empty());
  EXPECT_FALSE(extractBody("", "compress", kSecret).problem.empty());                 // unknown coding
  EXPECT_FALSE(extractBody("", "gzip,gzip,gzip,gzip,gzip", kSecret).problem.empty()); // too many layers
}

TEST(Extract, DecompressionBombsStopAtTheBound) {
  const std::string zeros(8u << 20, '\0');
  ExtractLimits small;
  small.maxDecoded = 1u << 20;
  auto x = extractBody("", "gzip", gzip(zeros), small);
  EXPECT_NE(x.problem.find("exceeds"), std::string::npos) << x.problem;
  auto b = extractBody("", "br", brotli(zeros), small);
  EXPECT_NE(b.problem.find("exceeds"), std::string::npos) << b.problem;
}

TEST(Extract, MultipartPartsAndTheirHeaders) {
  const std::string body =
      "--XyZ\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhello\r\n"
      "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"accounts.csv\"\r\n"
      "Content-Type: application/json\r\n\r\n{\"id\":\"" + kSecret + "\"}\r\n--XyZ--\r\n";
  auto x = extractBody("multipart/form-data; boundary=\"XyZ\"", "", body);
  EXPECT_TRUE(x.problem.empty()) << x.problem;
  EXPECT_TRUE(anyViewHas(x, "hello"));
  EXPECT_TRUE(anyViewHas(x, "accounts.csv"));
  EXPECT_TRUE(anyViewHas(x, kSecret));
  EXPECT_FALSE(extractBody("multipart/form-data", "", body).problem.empty());                    // no boundary
  EXPECT_FALSE(extractBody("multipart/form-data; boundary=Other", "", body).problem.empty());     // wrong one
  EXPECT_FALSE(extractBody("multipart/form-data; boundary=XyZ", "", body.substr(0, 60)).problem.empty());
  std::string many;
  for (int i = 0; i < 20; ++i) many += "--b\r\nX: y\r\n\r\nv\r\n";
  many += "--b--";
  ExtractLimits lim;
  lim.maxParts = 10;
  EXPECT_FALSE(extractBody("multipart/mixed; boundary=b", "", many, lim).problem.empty());
}

TEST(Extract, FormValuesAndJsonStringsAreDecoded) {
  auto f = extractBody("application/x-www-form-urlencoded; charset=utf-8", "", "a=1&ssn=123-45%2D6789&n=x+y");
  EXPECT_TRUE(anyViewHas(f, "123-45-6789"));
  EXPECT_TRUE(anyViewHas(f, "x y"));
  // \u escapes in JSON hide nothing.
  auto j = extractBody("application/vnd.api+json", "", R"({"k":["ssn 123\u002d45\u002d6789", 4111111111111111]})");
  EXPECT_TRUE(anyViewHas(j, "123-45-6789"));
  EXPECT_TRUE(anyViewHas(j, "4111111111111111"));
  std::string deep(5000, '[');
  EXPECT_FALSE(extractBody("application/json", "", deep).problem.empty());
  // Not JSON although it says so: no view, no problem (the raw bytes are scanned anyway).
  EXPECT_TRUE(extractBody("application/json", "", "not json").problem.empty());
}

}  // namespace
}  // namespace airlock::dlp
