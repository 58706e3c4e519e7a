// Shared validator helpers whose results decide findings at thresholds.
#include "dlp/validators.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>

namespace airlock::dlp {
namespace {

// The textbook sum over all 256 byte counts, in byte order.
double entropyByDefinition(std::string_view s) {
  if (s.empty()) return 0;
  double counts[256] = {};
  for (unsigned char c : s) counts[c] += 1;
  double h = 0;
  const double n = static_cast<double>(s.size());
  for (double k : counts) {
    if (k == 0) continue;
    const double p = k / n;
    h -= p * std::log2(p);
  }
  return h;
}

// Thresholds such as "entropy < 3.0" decide findings, so the fast entropy must be the same
// double, bit for bit, not merely close.
TEST(ShannonEntropy, IsTheDefinitionBitForBit) {
  std::mt19937 rng(3);
  for (int round = 0; round < 20000; ++round) {
    const std::size_t n = rng() % 300;
    const unsigned alphabet = 1 + rng() % 256;
    std::string s(n, '\0');
    for (char& c : s) c = static_cast<char>(rng() % alphabet);
    EXPECT_EQ(shannonEntropy(s), entropyByDefinition(s)) << "round " << round;
  }
  EXPECT_EQ(shannonEntropy(""), 0.0);
  EXPECT_EQ(shannonEntropy("aaaa"), 0.0);
  EXPECT_EQ(shannonEntropy("abcdefgh"), 3.0);
  EXPECT_EQ(shannonEntropy(std::string("\xff\x00\x80\x7f", 4)), 2.0);
}

// The plain forms of two helpers that were rewritten for speed; the fast ones must agree.
int charClassesByDefinition(std::string_view s) {
  bool lo = false, up = false, dg = false, ot = false;
  for (char c : s) {
    if (c >= 'a' && c <= 'z')
      lo = true;
    else if (c >= 'A' && c <= 'Z')
      up = true;
    else if (c >= '0' && c <= '9')
      dg = true;
    else if (c > ' ' && c < 127)
      ot = true;
  }
  return lo + up + dg + ot;
}

// looksLikePlaceholder as first written: a lowercased copy searched word by word.
bool placeholderByDefinition(std::string_view v) {
  if (v.empty()) return true;
  std::string low(v);
  for (char& c : low) c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
  static constexpr std::string_view kWords[] = {
      "changeme", "change_me", "password",  "passw0rd", "secret", "example", "placeholder",
      "your_",    "your-",     "xxxx",      "****",     "....",   "null",    "none",
      "true",     "false",     "undefined", "redacted", "dummy",  "sample",  "todo"};
  for (auto w : kWords)
    if (low.find(w) != std::string::npos && low.size() < w.size() + 6) return true;
  if (low.find("xxxx") != std::string::npos || low.find("****") != std::string::npos) return true;
  const char f = v.front();
  if (f == '<' || f == '$' || f == '%' || f == '{' || f == '[' || f == '(') return true;
  if (v.find('(') != std::string_view::npos || v.find("->") != std::string_view::npos) return true;
  bool ident = true, dot = false;
  for (char c : v) {
    if (c == '.')
      dot = true;
    else if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '_'))
      ident = false;
  }
  return ident && dot;
}

TEST(CharClasses, CountsLowerUpperDigitAndOtherPrintable) {
  EXPECT_EQ(charClasses(""), 0);
  EXPECT_EQ(charClasses("abc"), 1);
  EXPECT_EQ(charClasses("aB3!"), 4);
  EXPECT_EQ(charClasses(" \t\x7f\x80\xff"), 0);  // blanks, DEL and high bytes are no class
  std::mt19937 rng(5);
  for (int round = 0; round < 20000; ++round) {
    std::string s(rng() % 40, '\0');
    for (char& c : s) c = static_cast<char>(rng() % 256);
    EXPECT_EQ(charClasses(s), charClassesByDefinition(s)) << "round " << round;
  }
}

// Words such as "changeme" mark a short value as a placeholder; "xxxx", "****", calls, "->"
// and dotted identifiers any value. The one-pass rewrite gives the first version's answers.
TEST(LooksLikePlaceholder, AgreesWithItsDefinition) {
  EXPECT_TRUE(looksLikePlaceholder("ChangeMe"));
  EXPECT_TRUE(looksLikePlaceholder("my-changeme-1"));
  EXPECT_FALSE(looksLikePlaceholder("aZ9q-changeme-7Yt2pL0w"));   // too long for the word rule
  EXPECT_TRUE(looksLikePlaceholder("aZ9q7Yt2pL0wQ3e8R1tyXxXx"));  // xxxx in any case, any length
  EXPECT_TRUE(looksLikePlaceholder("aZ9q7Yt2pL0wQ3e8R1ty****"));
  EXPECT_FALSE(looksLikePlaceholder("aZ9q7Yt2pL0wQ3e8R1tyxx*x"));
  EXPECT_TRUE(looksLikePlaceholder("os.environ"));
  EXPECT_TRUE(looksLikePlaceholder("a9Q7-x>b->c"));
  const char* kPieces[] = {"change", "me",   "_",    "x",      "X",    "*", "secret", "your",
                           "-",      "q7",   "Z",    "null",   "todo", ".", "9",      "Tr",
                           "ue",     "pass", "w0rd", "sample", "(",    ">", "<",      "$",
                           "{",      "%",    "/",    "+",      "\xe9", " "};
  std::mt19937 rng(9);
  for (int round = 0; round < 40000; ++round) {
    std::string s;
    const int parts = 1 + static_cast<int>(rng() % 8);
    for (int k = 0; k < parts; ++k) s += kPieces[rng() % std::size(kPieces)];
    EXPECT_EQ(looksLikePlaceholder(s), placeholderByDefinition(s)) << s;
  }
}

}  // namespace
}  // namespace airlock::dlp
