// The shape pass (shape.h): detectors without a Hyperscan trigger are found wherever their value
// falls relative to the pass's 64-byte blocks and a stream's chunks, and every implementation of
// the byte classes (AVX-512, SSE2, scalar) fires at exactly the same offsets.
#include "dlp/shape.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "dlp/scanner.h"

namespace airlock::dlp {
namespace {

struct ShapeCase {
  const char* detector;
  const char* value;
};

const ShapeCase kCases[] = {
    {"credit_card", "4111 1111 1111 1111"},
    {"credit_card", "4111111111111111"},
    {"credit_card", "5555-5555-5555-4444"},
    {"credit_card", "378282246310005"},
    {"us_ssn", "123-45-6789"},
    {"us_itin", "912-70-1234"},
    {"phone_nanp", "(555) 234-5678"},
    {"phone_nanp", "555.234.5678"},
    {"phone_nanp", "+1 555 234 5678"},
    {"phone_nanp", "+15552345678"},
    {"ipv4", "192.168.100.200"},
    {"ipv6", "2001:db8:85a3:0:0:8a2e:370:7334"},
    {"ipv6", "fe80::1:2:3"},
    {"mac_address", "00:1a:2b:3c:4d:5e"},
    {"mac_address", "00-1A-2B-3C-4D-5E"},
    {"mac_address", "001a.2b3c.4d5e"},
    {"iban", "DE89370400440532013000"},
    {"iban", "DE89 3704 0044 0532 0130 00"},
    {"uk_nino", "AB123456C"},
    {"uk_nino", "AB 12 34 56 C"},
    {"bitcoin_address", "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"},
};

std::vector<std::string> found(const Scanner& scanner, const std::string& text, std::size_t chunk) {
  std::vector<Finding> got;
  if (chunk == 0) {
    auto r = scanner.scan(text);
    EXPECT_TRUE(r.ok());
    if (r.ok()) got = *r;
  } else {
    ScanStream stream(scanner);
    const FindingSink sink = [&got](const Finding& f) { got.push_back(f); };
    for (std::size_t off = 0; off < text.size(); off += chunk)
      EXPECT_TRUE(stream.feed(std::string_view(text).substr(off, chunk), sink).ok());
    EXPECT_TRUE(stream.finish(sink).ok());
  }
  std::vector<std::string> out;
  for (const auto& f : got) out.push_back(text.substr(f.start, f.end - f.start));
  std::sort(out.begin(), out.end());
  return out;
}

TEST(Shape, FindsEachValueAtEveryOffsetOfABlockAndChunk) {
  for (const auto& c : kCases) {
    ScanOptions opts;
    opts.only = {c.detector};
    auto scanner = Scanner::build(opts);
    ASSERT_TRUE(scanner.ok()) << c.detector;
    for (std::size_t offset = 0; offset < 140; ++offset) {
      // Filler of words and punctuation that no shape takes for part of the value.
      std::string text;
      while (text.size() < offset) text += "ab, ";
      text.resize(offset);
      text += std::string(" ") + c.value + " end of line\n";
      for (std::size_t chunk : {std::size_t{0}, std::size_t{1}, std::size_t{7}, std::size_t{64}}) {
        SCOPED_TRACE(std::string(c.detector) + " '" + c.value + "' at " + std::to_string(offset) +
                     " chunk " + std::to_string(chunk));
        EXPECT_EQ(found(**scanner, text, chunk), std::vector<std::string>{c.value});
      }
    }
    // At the very start and the very end of the body, with nothing around it.
    EXPECT_EQ(found(**scanner, c.value, 0), std::vector<std::string>{c.value}) << c.value;
    EXPECT_EQ(found(**scanner, c.value, 3), std::vector<std::string>{c.value}) << c.value;
  }
}

std::vector<std::pair<std::uint64_t, int>> hitsOf(const std::string& text, std::uint64_t from, std::uint64_t to) {
  std::vector<ShapeHit> hits;
  scanShapes(text, 0, from, to, true, ~0u, hits);
  std::vector<std::pair<std::uint64_t, int>> out;
  for (const auto& h : hits) out.emplace_back(h.to, static_cast<int>(h.shape));
  std::sort(out.begin(), out.end());
  return out;
}

TEST(Shape, EveryByteClassImplementationFiresWhereTheUnfilteredChecksDo) {
  // Texts dense in the bytes the shapes look at, so that every filter is exercised at block edges.
  const std::string alphabet = "0123456789013 .-:+()ABCDEFabcdefIOlxyz_\n";
  std::mt19937 rng(7);
  std::vector<std::string> texts;
  for (int i = 0; i < 400; ++i) {
    std::string t(1 + rng() % 700, ' ');
    for (auto& ch : t) ch = alphabet[rng() % alphabet.size()];
    texts.push_back(std::move(t));
  }
  // And texts of digit groups of every length from 1 to 7 between the separators, letters and
  // capitals the filters weigh group lengths by.
  const std::string seps[] = {" ", "-", ".", " ", "", "+", "(", ") ", "AB ", " C", "DE", "x", "\n"};
  for (int i = 0; i < 400; ++i) {
    std::string t;
    while (t.size() < 1 + rng() % 700) {
      t.append(1 + rng() % 7, static_cast<char>('0' + rng() % 10));
      t += seps[rng() % std::size(seps)];
    }
    texts.push_back(std::move(t));
  }
  texts.push_back("4111 1111 1111 1111 and 123-45-6789 and 1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa 00:1a:2b:3c:4d:5e");
  std::vector<std::string> impls;
  for (const char* name : {"avx512bw", "sse2", "scalar"})
    if (useShapeMasks(name)) impls.push_back(name);
  ASSERT_FALSE(impls.empty());
  // The reference: the byte checks at every offset, no filter.
  ASSERT_TRUE(useShapeMasks("every-offset"));
  std::vector<std::vector<std::pair<std::uint64_t, int>>> want;
  for (const auto& t : texts) {
    want.push_back(hitsOf(t, 0, t.size()));
  }
  std::size_t nonEmpty = 0;
  for (const auto& w : want) nonEmpty += w.empty() ? 0 : 1;
  EXPECT_GT(nonEmpty, 20u);  // the texts do exercise the shapes
  for (const auto& impl : impls) {
    ASSERT_TRUE(useShapeMasks(impl));
    for (std::size_t i = 0; i < texts.size(); ++i) {
      EXPECT_EQ(hitsOf(texts[i], 0, texts[i].size()), want[i]) << impl << " text " << i;
      // Examined in two parts (as a stream does), the hits are the same.
      const std::uint64_t cut = texts[i].size() / 2;
      auto a = hitsOf(texts[i], 0, cut), b = hitsOf(texts[i], cut, texts[i].size());
      a.insert(a.end(), b.begin(), b.end());
      std::sort(a.begin(), a.end());
      EXPECT_EQ(a, want[i]) << impl << " split text " << i;
    }
  }
  useShapeMasks(impls.front());  // back to the fastest
}

}  // namespace
}  // namespace airlock::dlp
