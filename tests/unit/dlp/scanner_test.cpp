// The scanning engine: block and streaming agree exactly, the Hyperscan path agrees with an
// RE2 one-pattern-at-a-time reference, and hostile input stays bounded.
#include "dlp/scanner.h"

#include <gtest/gtest.h>
#include <re2/re2.h>

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "dlp/detector.h"

namespace airlock::dlp {
namespace {

// A deterministic mixed text: prose, code and log lines with sensitive values of many kinds
// and decoys, separated by the kinds of delimiters real text has.
std::string mixedCorpus(std::uint32_t seed, std::size_t lines) {
  static const std::vector<std::string> kValues = {
      "alice.smith@example.com", "ops-team+alerts@corp.example.org", "4111 1111 1111 1111",
      "5500-0000-0000-0004",      "378282246310005",                   "DE89 3704 0044 0532 0130 00",
      "GB82WEST12345698765432",   "AKIA" "Q2RTYU3OPASDF4GH",           "(555) 234-5678",
      "+1 415 555 2671",          "192.168.10.20",                     "2001:db8:85a3:0:0:8a2e:370:7334",
      "123-45-6789",              "order id 4111111111111112",         "version 1.2.3.4",
      "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0",                           "data: QUJDREVGR0hJSktMTU5PUA==",
  };
  static const std::vector<std::string> kWords = {"the", "report", "budget", "token", "config",
                                                  "deploy", "user_id", "=", ":", "{", "}", "\"",
                                                  "'", "(", ")", ",", "1234", "2026-01-05", "@"};
  std::mt19937 rng(seed);
  std::string out;
  for (std::size_t i = 0; i < lines; ++i) {
    int n = 3 + static_cast<int>(rng() % 12);
    for (int w = 0; w < n; ++w) {
      if (rng() % 9 == 0) {
        // Values stand apart from numbers, as in real text; adjacency is tested per detector.
        out += "the " + kValues[rng() % kValues.size()] + " the";
      } else {
        out += kWords[rng() % kWords.size()];
      }
      out += (rng() % 7 == 0) ? "\t" : " ";
    }
    out += (rng() % 5 == 0) ? "\r\n" : "\n";
  }
  return out;
}

std::shared_ptr<const Scanner> scannerOrDie(const ScanOptions& opts = {}) {
  auto s = Scanner::build(opts);
  EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().toString());
  return s.ok() ? *s : nullptr;
}

std::vector<Finding> streamScan(const Scanner& scanner, std::string_view data,
                                const std::vector<std::size_t>& cuts) {
  ScanStream stream(scanner);
  std::vector<Finding> out;
  FindingSink sink = [&out](const Finding& f) { out.push_back(f); };
  std::size_t prev = 0;
  for (std::size_t cut : cuts) {
    EXPECT_TRUE(stream.feed(data.substr(prev, cut - prev), sink).ok());
    prev = cut;
  }
  EXPECT_TRUE(stream.feed(data.substr(prev), sink).ok());
  EXPECT_TRUE(stream.finish(sink).ok());
  std::sort(out.begin(), out.end(), findingLess);
  return out;
}

TEST(Scanner, FindsValuesWithExactSpans) {
  auto scanner = scannerOrDie();
  ASSERT_TRUE(scanner);
  std::string text = "mail alice@example.com and key AKIA" "Q2RTYU3OPASDF4GH now";
  auto found = scanner->scan(text);
  ASSERT_TRUE(found.ok());
  std::vector<std::string> got;
  for (const auto& f : *found) {
    got.push_back(std::string(scanner->detector(f.detector).id) + "=" +
                  text.substr(f.start, f.end - f.start));
  }
  std::vector<std::string> want = {"email=alice@example.com",
                                   "aws_access_key_id=AKIA" "Q2RTYU3OPASDF4GH"};
  for (const auto& w : want) EXPECT_NE(std::find(got.begin(), got.end(), w), got.end()) << w;
}

TEST(Scanner, UnknownDetectorIsAnError) {
  ScanOptions opts;
  opts.only = {"no_such_detector"};
  auto s = Scanner::build(opts);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("no_such_detector"), std::string::npos);
}

TEST(Scanner, StreamingEqualsBlockUnderRandomChunking) {
  auto scanner = scannerOrDie();
  ASSERT_TRUE(scanner);
  const std::string text = mixedCorpus(7, 3000);
  auto block = scanner->scan(text);
  ASSERT_TRUE(block.ok());
  ASSERT_GT(block->size(), 100u);
  std::mt19937 rng(11);
  for (int round = 0; round < 40; ++round) {
    std::vector<std::size_t> cuts;
    // Mix of tiny (1-byte), small and large pieces.
    std::size_t pos = 0;
    const std::size_t maxPiece = round % 4 == 0 ? 3 : round % 4 == 1 ? 64 : round % 4 == 2 ? 4096 : 70000;
    while (true) {
      pos += 1 + rng() % maxPiece;
      if (pos >= text.size()) break;
      cuts.push_back(pos);
    }
    auto streamed = streamScan(*scanner, text, cuts);
    ASSERT_EQ(streamed.size(), block->size()) << "round " << round;
    EXPECT_TRUE(streamed == *block) << "round " << round;
  }
}

TEST(Scanner, StreamingHoldsBoundedBytes) {
  auto scanner = scannerOrDie();
  ASSERT_TRUE(scanner);
  const std::string text = mixedCorpus(3, 20000);  // ~1 MB
  ScanStream stream(*scanner);
  std::size_t n = 0;
  FindingSink sink = [&n](const Finding&) { ++n; };
  for (std::size_t off = 0; off < text.size(); off += 4096) {
    ASSERT_TRUE(stream.feed(std::string_view(text).substr(off, 4096), sink).ok());
    // Settled offset trails the stream by at most the look-behind plus one chunk.
    EXPECT_LE(stream.consumed() - stream.settledOffset(), scanner->maxLookBehind() + 8192);
  }
  ASSERT_TRUE(stream.finish(sink).ok());
  EXPECT_EQ(stream.settledOffset(), text.size());
  EXPECT_GT(n, 0u);
}

// The reference: each detector's RE2 pattern alone over the whole text, leftmost-first, with
// the same validator. On text whose values are delimited it must agree with the engine.
std::vector<Finding> referenceScan(std::string_view text) {
  std::vector<Finding> out;
  auto all = allDetectors();
  RE2::Options o;
  o.set_encoding(RE2::Options::EncodingLatin1);
  for (std::size_t i = 0; i < all.size(); ++i) {
    const Detector& d = all[i];
    RE2 re(re2::StringPiece(d.pattern.data(), d.pattern.size()), o);
    EXPECT_TRUE(re.ok()) << d.id;
    const int n = std::min(re.NumberOfCapturingGroups(), 8) + 1;
    re2::StringPiece g[9];
    std::size_t pos = 0;
    while (pos <= text.size() &&
           re.Match(re2::StringPiece(text.data(), text.size()), pos, text.size(), RE2::UNANCHORED, g, n)) {
      const std::size_t ms = g[0].data() - text.data();
      const std::size_t me = ms + g[0].size();
      re2::StringPiece v = g[0];
      for (int k = 1; k < n; ++k)
        if (g[k].data() != nullptr) {
          v = g[k];
          break;
        }
      Candidate c;
      c.value = std::string_view(v.data(), v.size());
      c.match = std::string_view(g[0].data(), g[0].size());
      // Validators look at a bounded context; give the same bounds as the engine's window.
      c.before = text.substr(ms > 256 ? ms - 256 : 0, ms > 256 ? 256 : ms);
      c.after = text.substr(me, std::min<std::size_t>(256, text.size() - me));
      std::optional<Verdict> verdict = d.validate ? d.validate(c) : Verdict{Confidence::kHigh, ""};
      if (verdict && !v.empty()) {
        Finding f;
        f.detector = static_cast<std::uint16_t>(i);
        std::string_view span = verdict->narrowed.empty() ? c.value : verdict->narrowed;
        f.start = span.data() - text.data();
        f.end = f.start + span.size();
        out.push_back(f);
      }
      pos = me > ms ? me : me + 1;
    }
  }
  std::sort(out.begin(), out.end(), findingLess);
  return out;
}

TEST(Scanner, HyperscanPathAgreesWithRe2Reference) {
  auto scanner = scannerOrDie();
  ASSERT_TRUE(scanner);
  const std::string text = mixedCorpus(21, 4000);
  auto got = scanner->scan(text);
  ASSERT_TRUE(got.ok());
  auto want = referenceScan(text);
  auto key = [&](const Finding& f) {
    return std::string(scanner->detector(f.detector).id) + "@" + std::to_string(f.start) + "-" +
           std::to_string(f.end) + " " + text.substr(f.start, f.end - f.start);
  };
  std::vector<std::string> a, b;
  for (const auto& f : *got) a.push_back(key(f));
  for (const auto& f : want) b.push_back(key(f));
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  std::vector<std::string> onlyEngine, onlyRef;
  std::set_difference(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(onlyEngine));
  std::set_difference(b.begin(), b.end(), a.begin(), a.end(), std::back_inserter(onlyRef));
  auto show = [&text](const std::vector<std::string>& v) {
    std::string out;
    for (const auto& k : v) {
      std::size_t at = std::stoul(k.substr(k.find('@') + 1));
      std::size_t from = at > 30 ? at - 30 : 0;
      out += "\n  " + k + "   in [" + text.substr(from, 90) + "]";
    }
    return out;
  };
  EXPECT_TRUE(onlyEngine.empty()) << "only the engine found:" << show(onlyEngine);
  EXPECT_TRUE(onlyRef.empty()) << "only the reference found:" << show(onlyRef);
  EXPECT_GT(a.size(), 100u);
}

// The two readings of a pattern's text that let the scanner skip RE2 work: a whole-match group
// (no submatch pass) and a literal lead (anchored matches only where it occurs).
TEST(ScannerPatternReading, GroupIsWholeMatchOnlyForOneGroupBetweenWordBoundaries) {
  struct Case {
    const char* pattern;
    bool whole;
  };
  const Case cases[] = {
      {R"(\b(\d{3}-\d{2}-\d{4})\b)", true},
      {R"((\+[1-9]\d{0,2})\b)", true},
      {R"((a|b))", true},
      {R"(\b([)\]]+)\b)", true},           // ')' and ']' inside a class do not close anything
      {R"(\b([^]a]+)\b)", true},
      {R"((\)x))", true},                    // an escaped ')' does not close the group
      {R"(\b(hf_[A-Za-z]{34})(?:[^A-Za-z0-9]|$))", false},  // trailing context outside the group
      {R"((a)|b)", false},
      {R"((a)(b))", false},
      {R"((?:a))", false},
      {R"((?i)(a))", false},
      {R"(x(a))", false},
      {R"((a)\b\b)", false},
      {R"((a)\B)", false},
      {R"((a)", false},
      {R"(\Q(a)\E)", false},
      {"", false},
  };
  for (const auto& c : cases) EXPECT_EQ(groupIsWholeMatch(c.pattern), c.whole) << c.pattern;
}

TEST(ScannerPatternReading, PatternLeadIsWhatEveryMatchStartsWith) {
  struct Case {
    const char* pattern;
    const char* lead;
  };
  const Case cases[] = {
      {R"(\beyJ[A-Za-z0-9_\-]{5,600}\.)", "eyJ"},
      {R"(\b(ghp_[A-Za-z0-9]{36})(?:[^A-Za-z0-9]|$))", "ghp_"},
      {R"(\bsk-(?:proj|admin)-x|\bsk-[A-Z]{20})", "sk-"},       // common start of both
      {R"(https://hooks\.slack\.com/x)", "https://hooks.slack.com/x"},
      {R"(-----BEGIN (?:RSA |EC )?PRIVATE KEY-----)", "-----BEGIN "},
      {R"(ab?c)", "a"},                // a quantifier takes its byte back
      {R"(ab*c)", "a"},
      {R"(ab{2}c)", "a"},
      {R"(abc+)", "ab"},
      {R"(\$x)", "$x"},
      {R"(a\dx)", "a"},
      {R"(key-x|(?i:mailgun))", ""},   // one alternative has no lead
      {R"((?i)abc)", ""},
      {R"(x(?i)abc)", ""},             // a flag group may reach other alternatives: none
      {R"((?i:abc))", ""},
      {R"(\b(\d{13}|\d{4}-))", ""},   // alternation inside the leading group
      {R"([ab]c)", ""},
      {R"(.abc)", ""},
      {R"(\Qabc\E)", ""},
      {R"(ab|ac)", "a"},
      {R"(ab|cd)", ""},
  };
  for (const auto& c : cases) EXPECT_EQ(patternLead(c.pattern), c.lead) << c.pattern;
}

// Every reference match of every detector starts with its lead, and a whole-match group's value
// is the match, on the mixed corpus.
TEST(ScannerPatternReading, ReadingsHoldOnEveryDetectorsMatches) {
  const std::string text = mixedCorpus(5, 3000);
  RE2::Options o;
  o.set_encoding(RE2::Options::EncodingLatin1);
  int checked = 0;
  for (const Detector& d : allDetectors()) {
    const std::string lead = patternLead(d.pattern);
    const bool whole = groupIsWholeMatch(d.pattern);
    if (lead.empty() && !whole) continue;
    RE2 re(re2::StringPiece(d.pattern.data(), d.pattern.size()), o);
    ASSERT_TRUE(re.ok()) << d.id;
    re2::StringPiece g[2];
    const int n = re.NumberOfCapturingGroups() >= 1 ? 2 : 1;
    std::size_t pos = 0;
    while (pos <= text.size() && re.Match(text, pos, text.size(), RE2::UNANCHORED, g, n)) {
      const std::string_view m(g[0].data(), g[0].size());
      EXPECT_TRUE(m.starts_with(lead)) << d.id << ": " << m;
      if (whole) EXPECT_EQ(std::string_view(g[1].data(), g[1].size()), m) << d.id;
      ++checked;
      const std::size_t end = static_cast<std::size_t>(g[0].data() - text.data()) + g[0].size();
      pos = m.empty() ? end + 1 : end;
    }
  }
  EXPECT_GT(checked, 100);
}

// A detector's locator against RE2's groups on `rounds` texts from `make`: wherever the pattern
// matches and the locator answers, it names the same bytes. Returns how often it answered.
int locatorAgreements(std::string_view id, int rounds, const std::function<std::string()>& make) {
  SCOPED_TRACE(std::string(id));
  const Detector* d = findDetector(id);
  EXPECT_NE(d, nullptr);
  if (d == nullptr || d->locate == nullptr) {
    ADD_FAILURE() << "no locator";
    return 0;
  }
  RE2::Options o;
  o.set_encoding(RE2::Options::EncodingLatin1);
  RE2 re(re2::StringPiece(d->pattern.data(), d->pattern.size()), o);
  EXPECT_TRUE(re.ok());
  const int n = std::min(re.NumberOfCapturingGroups(), 8) + 1;
  int located = 0;
  for (int round = 0; round < rounds; ++round) {
    const std::string s = make();
    re2::StringPiece g[9];
    if (!re.Match(s, 0, s.size(), RE2::UNANCHORED, g, n)) continue;
    std::string_view want(g[0].data(), g[0].size());
    for (int k = 1; k < n; ++k)
      if (g[k].data() != nullptr) {
        want = std::string_view(g[k].data(), g[k].size());
        break;
      }
    std::string_view got;
    if (!d->locate(std::string_view(g[0].data(), g[0].size()), got)) continue;
    ++located;
    EXPECT_EQ(got.data(), want.data()) << "in [" << s << "]";
    EXPECT_EQ(got, want) << "in [" << s << "]";
  }
  return located;
}

// The assignment detectors read their value off the match by hand; on random assignments made
// of the bytes that decide the parse, the value is RE2's first group whenever the locator answers.
TEST(ScannerLocator, AssignedValueAgreesWithRe2Groups) {
  const char* kPieces[] = {"secret", "password", "pwd", "token", "api_key", "Api-Key", "x", "9",
                           "_", "-", ".", "\"", "'", "]", "`", " ", "\t", "  ", "\n", "\r",
                           ":", "=", ":=", "=>", ">", ",", ";", ")", "}", "s3cr3tV4lue", "\f",
                           "\v", "$", "(", "[", "/"};
  std::mt19937 rng(7);
  auto make = [&] {
    std::string s;
    const int parts = 2 + static_cast<int>(rng() % 10);
    for (int k = 0; k < parts; ++k) s += kPieces[rng() % std::size(kPieces)];
    return s;
  };
  EXPECT_GT(locatorAgreements("generic_secret_assignment", 40000, make), 500);
  EXPECT_GT(locatorAgreements("generic_password_assignment", 40000, make), 500);
}

// URL passwords likewise, on random URLs shaped scheme://user:password@host with the bytes that
// decide where user, password and host end mixed into each part.
TEST(ScannerLocator, UrlPasswordAgreesWithRe2Groups) {
  const char* kSchemes[] = {"postgres://", "mysql://", "https://", "jdbc:mysql://", "ftp://", "redis://"};
  const char* kPieces[] = {"u", "admin", ":", "@", "p4ss", "/", "h", ".", "-", "[", "]", "::1", "?",
                           "#", " ", "\"", "'", ">", ":5432", ",", ")", "%40", "w0rd", "db"};
  std::mt19937 rng(13);
  auto make = [&] {
    std::string s = kSchemes[rng() % std::size(kSchemes)];
    auto some = [&](int most) {
      const int parts = static_cast<int>(rng() % (most + 1));
      for (int k = 0; k < parts; ++k) s += kPieces[rng() % std::size(kPieces)];
    };
    s += "u";
    some(2);
    s += ":";
    some(4);
    s += "@h";
    some(3);
    return s;
  };
  EXPECT_GT(locatorAgreements("database_connection_string", 40000, make), 1000);
  EXPECT_GT(locatorAgreements("basic_auth_url", 40000, make), 1000);
}

TEST(Scanner, HostileInputStaysBounded) {
  auto scanner = scannerOrDie();
  ASSERT_TRUE(scanner);
  const std::size_t n = 1 << 20;
  std::vector<std::string> inputs = {
      std::string(n, 'a'), std::string(n, '@'), std::string(n, '1'), std::string(n, '\0'),
      std::string(n, '\xff'),
  };
  std::string nearMiss;
  while (nearMiss.size() < n) nearMiss += "a@b.c 4111 1111 1111 111 AKIA ghp_ -----BEGIN ";
  inputs.push_back(nearMiss);
  std::string invalidUtf8;
  while (invalidUtf8.size() < n) invalidUtf8 += "\xc3\x28 bob@example.com \xe2\x82 \xf0\x28\x8c\x28 ";
  inputs.push_back(invalidUtf8);
  for (const auto& in : inputs) {
    auto block = scanner->scan(in);
    ASSERT_TRUE(block.ok());
    auto streamed = streamScan(*scanner, in, {1000, 65536, 65537, 500000});
    EXPECT_TRUE(streamed == *block);
  }
}

TEST(Scanner, EveryDetectorPatternCompilesInBothEngines) {
  RE2::Options o;
  o.set_encoding(RE2::Options::EncodingLatin1);
  for (const auto& d : allDetectors()) {
    RE2 re(re2::StringPiece(d.pattern.data(), d.pattern.size()), o);
    EXPECT_TRUE(re.ok()) << d.id << ": " << re.error();
    ScanOptions only;
    only.only = {std::string(d.id)};
    auto s = Scanner::build(only);
    EXPECT_TRUE(s.ok()) << d.id << ": " << (s.ok() ? "" : s.error().toString());
  }
}

TEST(Scanner, CachedDatabaseGivesTheSameFindingsAndSurvivesCorruption) {
  const std::string dir = ::testing::TempDir() + "/airlock-dlp-cache-" + std::to_string(::getpid());
  std::filesystem::remove_all(dir);
  ScanOptions opts;
  opts.cacheDir = dir;
  const std::string text = mixedCorpus(5, 500);
  auto fresh = Scanner::build({});
  ASSERT_TRUE(fresh.ok());
  auto want = (*fresh)->scan(text);
  ASSERT_TRUE(want.ok());
  for (int round = 0; round < 3; ++round) {
    auto s = Scanner::build(opts);  // round 0 writes the cache, then it is read
    ASSERT_TRUE(s.ok());
    auto got = (*s)->scan(text);
    ASSERT_TRUE(got.ok());
    EXPECT_TRUE(*got == *want) << "round " << round;
    std::size_t files = 0;
    for (const auto& e : std::filesystem::directory_iterator(dir)) {
      ++files;
      if (round == 1) {  // corrupt it: the next build must notice and recompile
        std::filesystem::resize_file(e.path(), std::filesystem::file_size(e.path()) / 2);
      }
    }
    EXPECT_EQ(files, 1u);
  }
  std::filesystem::remove_all(dir);
}

TEST(Scanner, EmptyInputAndEmptyChunks) {
  auto scanner = scannerOrDie();
  ASSERT_TRUE(scanner);
  auto block = scanner->scan("");
  ASSERT_TRUE(block.ok());
  EXPECT_TRUE(block->empty());
  auto streamed = streamScan(*scanner, "x bob@example.com y", {0, 0, 5, 5, 5});
  ASSERT_EQ(streamed.size(), 1u);
}

}  // namespace
}  // namespace airlock::dlp

namespace airlock::dlp {
namespace {

std::string b64(std::string_view in) {
  static const char* t = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    unsigned v = (unsigned char)in[i] << 16 | (unsigned char)in[i + 1] << 8 | (unsigned char)in[i + 2];
    out += t[v >> 18]; out += t[(v >> 12) & 63]; out += t[(v >> 6) & 63]; out += t[v & 63];
  }
  if (in.size() - i == 1) {
    unsigned v = (unsigned char)in[i] << 16;
    out += t[v >> 18]; out += t[(v >> 12) & 63]; out += "==";
  } else if (in.size() - i == 2) {
    unsigned v = (unsigned char)in[i] << 16 | (unsigned char)in[i + 1] << 8;
    out += t[v >> 18]; out += t[(v >> 12) & 63]; out += t[(v >> 6) & 63]; out += '=';
  }
  return out;
}

// Regression (found by dlp_scan_fuzz): a URL-encoded run whose decoded text holds several
// findings of one detector reports each at the run's span, some with the same confidence and
// reason. Block mode kept duplicates that its sort did not put side by side, the stream did not.
TEST(ScannerDecode, DuplicatesFromOneDecodedRunGoInBlockAsInStream) {
  ScanOptions opts;
  opts.decode = true;
  auto s = Scanner::build(opts);
  ASSERT_TRUE(s.ok()) << s.error().toString();
  const std::string text =
      "em~ostgr\x9a\x8c://O\x9epostgres://u:%40ss---passwdI:@dh?asspvbb2+passwdI:@dh/u:%40ss--)"
      "passwdI:@dh?asspvbb2+pax\n";
  auto block = (*s)->scan(text);
  ASSERT_TRUE(block.ok());
  for (std::size_t i = 0; i < block->size(); ++i)
    for (std::size_t j = i + 1; j < block->size(); ++j) EXPECT_FALSE((*block)[i] == (*block)[j]) << i << " " << j;
  for (std::size_t piece : {1, 7, 19, 64}) {
    std::vector<std::size_t> cuts;
    for (std::size_t at = piece; at < text.size(); at += piece) cuts.push_back(at);
    EXPECT_EQ(streamScan(**s, text, cuts), *block) << "pieces of " << piece;
  }
  std::size_t decoded = 0;
  for (const auto& f : *block) decoded += f.encoding != 0 ? 1 : 0;
  EXPECT_GE(decoded, 2u);
}

// The order sorts findings that are not equal apart and equal ones together, whatever the
// sort's order among ties: findings differing in confidence or reason alone are ordered.
TEST(Scanner, FindingOrderIsTotalOverWhatMakesFindingsEqual) {
  Finding a;
  a.detector = 3;
  a.start = 10;
  a.end = 20;
  a.confidence = Confidence::kMedium;
  a.reason = "value assigned to a password name";
  Finding b = a;
  EXPECT_FALSE(findingLess(a, b));
  EXPECT_FALSE(findingLess(b, a));
  b.confidence = Confidence::kLow;
  EXPECT_NE(findingLess(a, b), findingLess(b, a));
  b = a;
  b.reason = "short or simple value assigned to a password name";
  EXPECT_NE(findingLess(a, b), findingLess(b, a));
  b = a;
  b.encoding = 3;
  EXPECT_TRUE(findingLess(a, b));
}

TEST(ScannerDecode, FindsSecretsInsideEncodedRuns) {
  ScanOptions opts;
  opts.decode = true;
  auto s = Scanner::build(opts);
  ASSERT_TRUE(s.ok()) << s.error().toString();
  const std::string key = "AKIA" "Q2RTYU3OPASDF4GH";
  std::string hex;
  for (unsigned char c : "mail bob@example.com") {
    if (!c) break;
    const char* d = "0123456789abcdef";
    hex += d[c >> 4];
    hex += d[c & 15];
  }
  const std::string text = "blob: " + b64("aws key " + key + " here") + "\nhex " + hex +
                           "\nurl q=mail%20carol%40example.org%20now end\n";
  auto found = (*s)->scan(text);
  ASSERT_TRUE(found.ok());
  std::vector<std::string> got;
  for (const auto& f : *found)
    got.push_back(std::string((*s)->detector(f.detector).id) + "/" +
                  std::string(encodingName(static_cast<Encoding>(f.encoding))));
  auto has = [&got](const std::string& k) { return std::find(got.begin(), got.end(), k) != got.end(); };
  EXPECT_TRUE(has("aws_access_key_id/base64"));
  EXPECT_TRUE(has("email/hex"));
  EXPECT_TRUE(has("email/url"));
  // Without the decoding pass none of them is visible.
  auto plain = Scanner::build({});
  ASSERT_TRUE(plain.ok());
  auto none = (*plain)->scan(text);
  ASSERT_TRUE(none.ok());
  for (const auto& f : *none) EXPECT_NE((*plain)->detector(f.detector).id, "aws_access_key_id");
  // Streaming agrees with block with decoding on too.
  ScanStream st(**s);
  std::vector<Finding> streamed;
  FindingSink sink = [&streamed](const Finding& f) { streamed.push_back(f); };
  for (std::size_t i = 0; i < text.size(); i += 3) ASSERT_TRUE(st.feed(std::string_view(text).substr(i, 3), sink).ok());
  ASSERT_TRUE(st.finish(sink).ok());
  std::sort(streamed.begin(), streamed.end(), findingLess);
  EXPECT_TRUE(streamed == *found);
}

}  // namespace
}  // namespace airlock::dlp
