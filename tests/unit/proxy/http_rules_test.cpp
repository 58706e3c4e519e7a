// The egress proxy's request-head rules (http_rules.h) and its --resolve parser (proxy.h).
// Smuggling shapes as a table of raw heads with the exact reason each is refused, run through
// parseRequestHead (Beast's parser with the proxy's header limit, then framingProblem: the
// same two steps the proxy takes on a socket); framingProblem on header sets Beast's parser
// would not even produce; hop-by-hop and Connection-listed names; parseResolve, good and bad.
#include "adapters/proxy/http_rules.h"

#include <gtest/gtest.h>

#include <boost/beast/http/fields.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "adapters/proxy/proxy.h"

using airlock::core::Code;
using airlock::proxy::connectionListed;
using airlock::proxy::framingProblem;
using airlock::proxy::headIncomplete;
using airlock::proxy::hopByHop;
using airlock::proxy::ParsedHead;
using airlock::proxy::parseRequestHead;
using airlock::proxy::parseResolve;

using namespace std::string_literals;

namespace {

constexpr std::size_t kLimit = 64 * 1024;  // ProxyOptions::maxHeaderBytes' default
const std::string kLine =
    "POST http://files.example.com/upload HTTP/1.1\r\nHost: files.example.com\r\n";

// A POST head with `fields` (each line with its CRLF) after the request line and Host, then
// the blank line and a body the head's framing might (mis)read.
std::string post(const std::string& fields, const std::string& body = "0\r\n\r\n") {
  return kLine + fields + "\r\n" + body;
}

struct Refused {
  const char* name;
  std::string head;
  const char* message;  // the exact error message
};

// Every way of framing a request that two HTTP parsers could read differently; each is
// refused with a message that names the problem.
const std::vector<Refused>& refusedHeads() {
  static const std::vector<Refused> rows = {
      {"CL then TE", post("Content-Length: 5\r\nTransfer-Encoding: chunked\r\n"),
       "malformed request head: bad Transfer-Encoding"},
      {"TE then CL", post("Transfer-Encoding: chunked\r\nContent-Length: 5\r\n"),
       "malformed request head: bad Content-Length"},
      {"CL then TE gzip", post("Content-Length: 5\r\nTransfer-Encoding: gzip\r\n"),
       "malformed request head: bad Transfer-Encoding"},
      {"CL 0 then TE", post("Content-Length: 0\r\nTransfer-Encoding: chunked\r\n"),
       "malformed request head: bad Transfer-Encoding"},
      {"TE chunked, identity", post("Transfer-Encoding: chunked, identity\r\n"),
       "Transfer-Encoding other than 'chunked'"},
      {"TE gzip, chunked", post("Transfer-Encoding: gzip, chunked\r\n"),
       "Transfer-Encoding other than 'chunked'"},
      {"TE gzip", post("Transfer-Encoding: gzip\r\n"), "Transfer-Encoding other than 'chunked'"},
      {"TE identity", post("Transfer-Encoding: identity\r\n"),
       "Transfer-Encoding other than 'chunked'"},
      {"TE xchunked", post("Transfer-Encoding: xchunked\r\n"),
       "Transfer-Encoding other than 'chunked'"},
      {"TE chunkedx", post("Transfer-Encoding: chunkedx\r\n"),
       "Transfer-Encoding other than 'chunked'"},
      {"TE quoted", post("Transfer-Encoding: \"chunked\"\r\n"),
       "Transfer-Encoding other than 'chunked'"},
      {"TE with a parameter", post("Transfer-Encoding: chunked;q=1\r\n"),
       "Transfer-Encoding other than 'chunked'"},
      {"TE empty", post("Transfer-Encoding: \r\n"), "Transfer-Encoding other than 'chunked'"},
      {"TE chunked twice in one", post("Transfer-Encoding: chunked, chunked\r\n"),
       "Transfer-Encoding other than 'chunked'"},
      {"TE twice", post("Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n"),
       "malformed request head: bad Transfer-Encoding"},
      {"TE gzip then TE chunked", post("Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n"),
       "Transfer-Encoding other than 'chunked'"},
      {"TE folded with a second coding", post("Transfer-Encoding: chunked\r\n , identity\r\n"),
       "Transfer-Encoding other than 'chunked'"},
      {"TE folded, then CL", post("Transfer-Encoding:\r\n chunked\r\nContent-Length: 5\r\n"),
       "malformed request head: bad Content-Length"},
      {"CL twice, equal", post("Content-Length: 5\r\nContent-Length: 5\r\n", "hello"),
       "more than one Content-Length header"},
      {"CL twice, different", post("Content-Length: 5\r\nContent-Length: 6\r\n", "hello!"),
       "malformed request head: bad Content-Length"},
      {"CL list, different", post("Content-Length: 5, 6\r\n", "hello!"),
       "malformed request head: bad Content-Length"},
      {"CL list with a hole", post("Content-Length: 5,,5\r\n", "hello"),
       "malformed request head: bad Content-Length"},
      {"CL plus sign", post("Content-Length: +5\r\n", "hello"),
       "malformed request head: bad Content-Length"},
      {"CL minus sign", post("Content-Length: -5\r\n", "hello"),
       "malformed request head: bad Content-Length"},
      {"CL hex", post("Content-Length: 0x5\r\n", "hello"),
       "malformed request head: bad Content-Length"},
      {"CL hex digits", post("Content-Length: 1a\r\n", "hello"),
       "malformed request head: bad Content-Length"},
      {"CL space inside", post("Content-Length: 1 0\r\n", "hello"),
       "malformed request head: bad Content-Length"},
      {"CL empty", post("Content-Length: \r\n", "hello"),
       "malformed request head: bad Content-Length"},
      {"CL fraction", post("Content-Length: 5.0\r\n", "hello"),
       "malformed request head: bad Content-Length"},
      {"CL over 2^64", post("Content-Length: 18446744073709551616\r\n", "hello"),
       "malformed request head: bad Content-Length"},
      {"two Host headers", post("Host: unknown.example.net\r\n", ""), "more than one Host header"},
      {"two Host headers, other case", post("hOST: files.example.com\r\n", ""),
       "more than one Host header"},
      {"space before the colon (TE)", post("Transfer-Encoding : chunked\r\nContent-Length: 5\r\n"),
       "malformed request head: bad field"},
      {"space before the colon (CL)", post("Content-Length : 5\r\n", "hello"),
       "malformed request head: bad field"},
      {"tab before the colon", post("Content-Length\t: 5\r\n", "hello"),
       "malformed request head: bad field"},
      {"space inside a name", post("Content Length: 5\r\n", "hello"),
       "malformed request head: bad field"},
      {"header line without a colon", post("This line has no colon\r\n", ""),
       "malformed request head: bad field"},
      {"name without a colon", post("X-Flag\r\n", ""), "malformed request head: bad field"},
      {"empty name", post(": value\r\n", ""), "malformed request head: bad field"},
      {"first field folded",
       "GET http://files.example.com/ HTTP/1.1\r\n Host: files.example.com\r\n\r\n",
       "malformed request head: bad field"},
      {"bare CR inside a value", post("X-A: a\rb\r\n", ""),
       "malformed request head: bad line ending"},
      {"bare CR ending a field", post("X-A: a\rContent-Length: 5\r\n", "hello"),
       "malformed request head: bad line ending"},
      {"bare CR ending the head", kLine + "\r\r\n", "malformed request head: bad line ending"},
      {"NUL in a value", post("X-A: before"s + '\0' + "after\r\n", ""),
       "malformed request head: bad value"},
      {"NUL in a name", post("X-"s + '\0' + "A: x\r\n", ""), "malformed request head: bad field"},
      {"DEL in a value",
       post("X-A: a\x7f"
            "b\r\n",
            ""),
       "malformed request head: bad value"},
      {"bare LF inside a value", post("X-A: a\nContent-Length: 5\r\n", "hello"),
       "malformed request head: bad value"},
      {"bare LF line endings",
       "POST http://files.example.com/ HTTP/1.1\nHost: files.example.com\nContent-Length: "
       "5\n\nhello",
       "malformed request head: bad version"},
      {"bare LF ending a field", post("Content-Length: 5\n", "hello"),
       "malformed request head: bad value"},
      {"HTTP/2 request line",
       "GET http://files.example.com/ HTTP/2.0\r\nHost: files.example.com\r\n\r\n",
       "malformed request head: bad version"},
      {"HTTP/0.9 request line", "GET /\r\n\r\n", "malformed request head: bad target"},
      {"space in the target",
       "GET http://files.example.com/a b HTTP/1.1\r\nHost: files.example.com\r\n\r\n",
       "malformed request head: bad version"},
      {"two spaces after the method",
       "GET  http://files.example.com/ HTTP/1.1\r\nHost: files.example.com\r\n\r\n",
       "malformed request head: bad target"},
      {"lower-case protocol",
       "GET http://files.example.com/ http/1.1\r\nHost: files.example.com\r\n\r\n",
       "malformed request head: bad version"},
      {"head over the limit", kLine + "X-Big: " + std::string(kLimit, 'a') + "\r\n\r\n",
       "request head larger than 65536 bytes"},
      {"many fields over the limit",
       [] {
         std::string h = kLine;
         while (h.size() <= kLimit + 100) h += "X-Many: 0123456789abcdef\r\n";
         return h + "\r\n";
       }(),
       "request head larger than 65536 bytes"},
  };
  return rows;
}

TEST(HttpRules, EverySmugglingShapeIsRefusedWithItsReason) {
  for (const auto& row : refusedHeads()) {
    auto r = parseRequestHead(row.head, kLimit);
    ASSERT_FALSE(r.ok()) << row.name << ": accepted";
    EXPECT_EQ(r.error().code, Code::kInvalidArgument) << row.name << ": " << r.error().message;
    EXPECT_EQ(r.error().message, row.message) << row.name;
  }
}

// What the proxy does accept, and how it reads the framing.
struct Accepted {
  const char* name;
  std::string head;
  bool chunked;
  std::optional<std::uint64_t> contentLength;
  std::vector<std::pair<std::string, std::string>> headers;  // when not empty: exactly these
};

TEST(HttpRules, UnambiguousHeadsAreAcceptedAndReadOneWay) {
  const std::vector<Accepted> rows = {
      {"GET absolute form",
       "GET http://files.example.com/a?b=1 HTTP/1.1\r\nHost: files.example.com\r\n\r\n",
       false,
       std::nullopt,
       {{"Host", "files.example.com"}}},
      {"CONNECT",
       "CONNECT api.anthropic.com:443 HTTP/1.1\r\nHost: api.anthropic.com:443\r\n\r\n",
       false,
       std::nullopt,
       {{"Host", "api.anthropic.com:443"}}},
      {"chunked", post("Transfer-Encoding: chunked\r\n"), true, std::nullopt, {}},
      {"chunked, any case", post("transfer-encoding: ChUnKeD\r\n"), true, std::nullopt, {}},
      {"chunked with spaces around it",
       post("Transfer-Encoding:   chunked  \r\n"),
       true,
       std::nullopt,
       {{"Host", "files.example.com"}, {"Transfer-Encoding", "chunked"}}},
      {"chunked with a tab after it",
       post("Transfer-Encoding: chunked\t\r\n"),
       true,
       std::nullopt,
       {}},
      // RFC 9112 §5.2: a folded value is read with the fold replaced by SP; the proxy forwards
      // that one line, so upstream cannot read the fold another way.
      {"TE folded over two lines",
       post("Transfer-Encoding:\r\n chunked\r\n"),
       true,
       std::nullopt,
       {{"Host", "files.example.com"}, {"Transfer-Encoding", "chunked"}}},
      {"folded value",
       post("X-Long: first\r\n\tsecond\r\n  third\r\n", ""),
       false,
       std::nullopt,
       {{"Host", "files.example.com"}, {"X-Long", "first second third"}}},
      {"Content-Length", post("Content-Length: 5\r\n", "hello"), false, 5, {}},
      {"Content-Length with spaces around it",
       post("Content-Length:   5  \r\n", "hello"),
       false,
       5,
       {}},
      {"Content-Length 0", post("Content-Length: 0\r\n", ""), false, 0, {}},
      {"Content-Length with leading zeros", post("Content-Length: 005\r\n", "hello"), false, 5, {}},
      // One header holding a list of equal lengths (RFC 9110 §8.6 allows reading it as one);
      // the proxy re-frames what it forwards, so upstream sees a single Content-Length.
      {"Content-Length list of equal values",
       post("Content-Length: 5, 5\r\n", "hello"),
       false,
       5,
       {}},
      {"Content-Length near 2^64",
       post("Content-Length: 18446744073709551615\r\n", ""),
       false,
       18446744073709551615ULL,
       {}},
      {"no framing at all", post("", ""), false, std::nullopt, {}},
      {"HTTP/1.0", "GET http://files.example.com/ HTTP/1.0\r\n\r\n", false, std::nullopt, {}},
      {"body after the head is not the head's business",
       post("Content-Length: 5\r\n", "helloGET http://x/ HTTP/1.1\r\n\r\n"),
       false,
       5,
       {}},
      {"obs-text in a value",
       post("X-A: caf\xc3\xa9\r\n", ""),
       false,
       std::nullopt,
       {{"Host", "files.example.com"}, {"X-A", "caf\xc3\xa9"}}},
      {"Host differing only in case is one Host",
       post("X-Host: other\r\n", ""),
       false,
       std::nullopt,
       {}},
  };
  for (const auto& row : rows) {
    auto r = parseRequestHead(row.head, kLimit);
    ASSERT_TRUE(r.ok()) << row.name << ": " << r.error().message;
    EXPECT_EQ(r->chunked, row.chunked) << row.name;
    EXPECT_EQ(r->contentLength, row.contentLength) << row.name;
    if (!row.headers.empty()) {
      EXPECT_EQ(r->headers, row.headers) << row.name;
    }
    EXPECT_EQ(row.head.substr(r->headBytes - 4, 4), "\r\n\r\n") << row.name;
    EXPECT_EQ(row.head.find("\r\n\r\n") + 4, r->headBytes) << row.name;
  }
}

TEST(HttpRules, ParsedHeadKeepsMethodTargetAndHeadersAsSent) {
  auto r = parseRequestHead(
      "PATCH http://files.example.com/p?q=%41 HTTP/1.1\r\nHost: files.example.com\r\nX-API-Key: "
      "k\r\n"
      "x-api-key: k2\r\nAccept:*/*\r\n\r\n",
      kLimit);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->method, "PATCH");
  EXPECT_EQ(r->target, "http://files.example.com/p?q=%41");
  const std::vector<std::pair<std::string, std::string>> want = {
      {"Host", "files.example.com"}, {"X-API-Key", "k"}, {"x-api-key", "k2"}, {"Accept", "*/*"}};
  EXPECT_EQ(r->headers, want);
  auto odd = parseRequestHead("FROB /x HTTP/1.1\r\n\r\n", kLimit);  // unknown methods kept as sent
  ASSERT_TRUE(odd.ok()) << odd.error().message;
  EXPECT_EQ(odd->method, "FROB");
  EXPECT_EQ(odd->target, "/x");
}

TEST(HttpRules, EveryPrefixOfAHeadIsIncompleteNeverMalformed) {
  const std::string head = post("Transfer-Encoding:\r\n chunked\r\nX-A: b\r\n", "");
  for (std::size_t k = 0; k < head.size(); ++k) {
    auto r = parseRequestHead(std::string_view(head).substr(0, k), kLimit);
    ASSERT_FALSE(r.ok()) << "prefix of " << k << " bytes accepted";
    EXPECT_TRUE(headIncomplete(r.error())) << k << ": " << r.error().message;
    EXPECT_EQ(r.error().message,
              "incomplete request head (" + std::to_string(k) + " bytes so far)");
  }
  EXPECT_TRUE(parseRequestHead(head, kLimit).ok());
}

TEST(HttpRules, HeaderLimitIsTheProxys) {
  // A head just under the limit passes; the same head with a limit below its size does not.
  std::string head = kLine + "X-Big: " + std::string(kLimit - 200, 'a') + "\r\n\r\n";
  ASSERT_LT(head.size(), kLimit);
  auto r = parseRequestHead(head, kLimit);
  ASSERT_TRUE(r.ok()) << r.error().message;
  auto small = parseRequestHead(head, 1024);
  ASSERT_FALSE(small.ok());
  EXPECT_EQ(small.error().message, "request head larger than 1024 bytes");
  // An unfinished head at the limit is refused, not waited for.
  auto unfinished = parseRequestHead(kLine + "X-Big: " + std::string(kLimit, 'a'), kLimit);
  ASSERT_FALSE(unfinished.ok());
  EXPECT_EQ(unfinished.error().message, "request head larger than 65536 bytes");
  // Over 64 KiB a single value no longer fits Beast's fields: an error, not an exception.
  auto huge =
      parseRequestHead(kLine + "X-Big: " + std::string(70000, 'a') + "\r\n\r\n", 4 * kLimit);
  ASSERT_FALSE(huge.ok());
  EXPECT_EQ(huge.error().message, "malformed request head: field value too large");
  auto fits =
      parseRequestHead(kLine + "X-Big: " + std::string(65000, 'a') + "\r\n\r\n", 4 * kLimit);
  EXPECT_TRUE(fits.ok()) << fits.error().message;
}

// framingProblem on header sets as they reach it: what Beast's parser lets through, and sets
// it would stop earlier (the rule must hold on its own).
boost::beast::http::fields fieldsOf(const std::vector<std::pair<std::string, std::string>>& list) {
  boost::beast::http::fields f;
  for (const auto& [name, value] : list) f.insert(name, value);
  return f;
}

TEST(HttpRules, FramingProblemNamesEachAmbiguity) {
  const struct {
    std::vector<std::pair<std::string, std::string>> fields;
    const char* problem;
  } rows[] = {
      {{{"Host", "a"}, {"Content-Length", "5"}}, ""},
      {{{"Transfer-Encoding", "chunked"}}, ""},
      {{{"transfer-encoding", " CHUNKED\t"}}, ""},
      {{{"Content-Length", "5"}, {"Transfer-Encoding", "chunked"}},
       "both Content-Length and Transfer-Encoding"},
      {{{"Transfer-Encoding", "chunked"}, {"content-length", "5"}},
       "both Content-Length and Transfer-Encoding"},
      {{{"Content-Length", "5"}, {"CONTENT-LENGTH", "5"}}, "more than one Content-Length header"},
      {{{"Host", "a"}, {"host", "a"}}, "more than one Host header"},
      {{{"Transfer-Encoding", "chunked"}, {"Transfer-Encoding", "chunked"}},
       "more than one Transfer-Encoding header"},
      {{{"Transfer-Encoding", "chunked, identity"}}, "Transfer-Encoding other than 'chunked'"},
      {{{"Transfer-Encoding", "xchunked"}}, "Transfer-Encoding other than 'chunked'"},
      {{{"Transfer-Encoding", ""}}, "Transfer-Encoding other than 'chunked'"},
      {{{"Transfer-Encoding", "chunked\r\n"}}, "Transfer-Encoding other than 'chunked'"},
      // The first problem found in order wins: a bad coding before the count of lengths.
      {{{"Content-Length", "1"}, {"Content-Length", "1"}, {"Transfer-Encoding", "gzip"}},
       "Transfer-Encoding other than 'chunked'"},
      // Names that only look like framing headers are not framing headers.
      {{{"Content-Length-X", "5"}, {"Content-Length", "5"}, {"X-Transfer-Encoding", "gzip"}}, ""},
  };
  for (const auto& row : rows) {
    std::string where;
    for (const auto& [n, v] : row.fields) where += n + ": " + v + "; ";
    EXPECT_EQ(framingProblem(fieldsOf(row.fields)), row.problem) << where;
  }
}

TEST(HttpRules, HopByHopNamesAreExactlyRfc9110sAndTheProxys) {
  for (const char* name : {"connection", "proxy-connection", "keep-alive", "proxy-authorization",
                           "proxy-authenticate", "te", "trailer", "transfer-encoding", "upgrade"}) {
    EXPECT_TRUE(hopByHop(name)) << name;
  }
  // End-to-end headers, and near misses; the argument is lower case by contract.
  for (const char* name :
       {"host", "content-length", "x-api-key", "authorization", "trailers", "tE", "Connection",
        "transfer-encoding ", "upgrade-insecure-requests", "expect", ""}) {
    EXPECT_FALSE(hopByHop(name)) << name;
  }
}

TEST(HttpRules, ConnectionListedNamesEveryToken) {
  EXPECT_EQ(connectionListed(fieldsOf({{"Connection", "keep-alive, X-Hop"}})),
            (std::vector<std::string>{"keep-alive", "x-hop"}));
  EXPECT_EQ(connectionListed(
                fieldsOf({{"connection", " Close ,\tX-A\t"}, {"X-A", "1"}, {"CONNECTION", "x-b"}})),
            (std::vector<std::string>{"close", "x-a", "x-b"}));
  EXPECT_EQ(connectionListed(fieldsOf({{"Connection", "a,,b,"}})),
            (std::vector<std::string>{"a", "", "b"}));
  EXPECT_EQ(connectionListed(fieldsOf({{"Connection", ""}})), std::vector<std::string>{});
  EXPECT_EQ(connectionListed(fieldsOf({{"Proxy-Connection", "x-a"}, {"X-Connection", "x-b"}})),
            std::vector<std::string>{});
  // Through the parser, as the proxy reads it.
  auto r = parseRequestHead(
      "GET http://a/ HTTP/1.1\r\nConnection: keep-alive, X-Api-Key\r\nX-Api-Key: k\r\n\r\n",
      kLimit);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(connectionListed(fieldsOf(r->headers)),
            (std::vector<std::string>{"keep-alive", "x-api-key"}));
}

// --resolve HOST:PORT:ADDR.
TEST(ParseResolve, GoodSpecsAreCanonical) {
  const struct {
    const char* spec;
    const char* host;
    std::uint16_t port;
    const char* address;
  } rows[] = {
      {"api.anthropic.com:443:127.0.0.1", "api.anthropic.com", 443, "127.0.0.1"},
      {"API.Anthropic.COM:443:127.0.0.1", "api.anthropic.com", 443, "127.0.0.1"},
      {"api.anthropic.com.:443:127.0.0.1", "api.anthropic.com", 443, "127.0.0.1"},
      {"b\xc3\xbc"
       "cher.example:80:10.0.0.1",
       "xn--bcher-kva.example", 80, "10.0.0.1"},
      {"files.example.com:1:::1", "files.example.com", 1, "::1"},
      {"files.example.com:65535:[::1]", "files.example.com", 65535, "::1"},
      {"files.example.com:8080:[2001:DB8::0:1]", "files.example.com", 8080, "2001:db8::1"},
      {"files.example.com:8080:2001:db8:0:0:0:0:0:1", "files.example.com", 8080, "2001:db8::1"},
      {"files.example.com:080:10.0.0.1", "files.example.com", 80, "10.0.0.1"},
      {"10.1.2.3:80:127.0.0.1", "10.1.2.3", 80, "127.0.0.1"},
      {"[::1]:443:127.0.0.1", "::1", 443, "127.0.0.1"},  // an IPv6 HOST in brackets
  };
  for (const auto& row : rows) {
    auto r = parseResolve(row.spec);
    ASSERT_TRUE(r.ok()) << row.spec << ": " << r.error().message;
    EXPECT_EQ(r->host, row.host) << row.spec;
    EXPECT_EQ(r->port, row.port) << row.spec;
    EXPECT_EQ(r->address, row.address) << row.spec;
  }
}

TEST(ParseResolve, BadSpecsAreRefusedWithTheirReason) {
  const struct {
    const char* spec;
    const char* message;
  } rows[] = {
      {"", "--resolve '': expected HOST:PORT:ADDR"},
      {"example.com", "--resolve 'example.com': expected HOST:PORT:ADDR"},
      {"example.com:443", "--resolve 'example.com:443': expected HOST:PORT:ADDR"},
      {":443:127.0.0.1", "--resolve ':443:127.0.0.1': expected HOST:PORT:ADDR"},
      {"example.com::127.0.0.1", "--resolve 'example.com::127.0.0.1': bad port ''"},
      {"example.com:0:127.0.0.1", "--resolve 'example.com:0:127.0.0.1': bad port '0'"},
      {"example.com:65536:127.0.0.1", "--resolve 'example.com:65536:127.0.0.1': bad port '65536'"},
      {"example.com:99999999999999999999:127.0.0.1", "--resolve 'example.com:99999999999999999999:127.0.0.1': bad port '99999999999999999999'"},
      {"example.com:-1:127.0.0.1", "--resolve 'example.com:-1:127.0.0.1': bad port '-1'"},
      {"example.com:+443:127.0.0.1", "--resolve 'example.com:+443:127.0.0.1': bad port '+443'"},
      {"example.com: 443:127.0.0.1", "--resolve 'example.com: 443:127.0.0.1': bad port ' 443'"},
      {"example.com:https:127.0.0.1", "--resolve 'example.com:https:127.0.0.1': bad port 'https'"},
      {"example.com:443:", "--resolve 'example.com:443:': '' is not an IP address"},
      {"example.com:443:localhost", "--resolve 'example.com:443:localhost': 'localhost' is not an IP address"},
      {"example.com:443:[::1", "--resolve 'example.com:443:[::1': '[::1' is not an IP address"},
      {"example.com:443:::1]", "--resolve 'example.com:443:::1]': '::1]' is not an IP address"},
      {"example.com:443:1.2.3.4:80", "--resolve 'example.com:443:1.2.3.4:80': '1.2.3.4:80' is not an IP address"},
      {"example.com:443:1.2.3.256", "--resolve 'example.com:443:1.2.3.256': '1.2.3.256' is not an IP address"},
      {"user@example.com:443:127.0.0.1",
       "--resolve 'user@example.com:443:127.0.0.1': bad host 'user@example.com'"},
      {"exa mple.com:443:127.0.0.1",
       "--resolve 'exa mple.com:443:127.0.0.1': bad host 'exa mple.com'"},
      {"files.example.com/x:80:127.0.0.1", "--resolve 'files.example.com/x:80:127.0.0.1': bad host 'files.example.com/x'"},
      {"files.example.com?q:80:127.0.0.1", "--resolve 'files.example.com?q:80:127.0.0.1': bad host 'files.example.com?q'"},
      {"[::1:443:127.0.0.1", "--resolve '[::1:443:127.0.0.1': unclosed '[' in HOST"},
      {"[::1]443:127.0.0.1", "--resolve '[::1]443:127.0.0.1': expected HOST:PORT:ADDR"},
  };
  for (const auto& row : rows) {
    auto r = parseResolve(row.spec);
    ASSERT_FALSE(r.ok()) << row.spec << " accepted as " << r->host << ":" << r->port << " -> "
                         << r->address;
    EXPECT_EQ(r.error().code, Code::kInvalidArgument) << row.spec;
    EXPECT_EQ(r.error().message, row.message) << row.spec;
  }
}

}  // namespace
