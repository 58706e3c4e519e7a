// Fuzzes the egress proxy's reading of a request head (Beast's parser plus framingProblem, as
// parseRequestHead runs them). The properties:
//   - it never crashes, and a refusal says why ("incomplete" only while the head is unfinished);
//   - an accepted head is unambiguous, judged by a naive reading of the raw bytes that does not
//     use Beast: no NUL, bare CR, bare LF or other control byte in the head; at most one
//     Content-Length line, never Content-Length with Transfer-Encoding, and every
//     Transfer-Encoding exactly "chunked" (obs-fold joined as RFC 9112 §5.2 says), at most one
//     Host line; and the parsed chunked / contentLength agree with the header list;
//   - an accepted head re-serialized (request line, "name: value" lines) parses again to the
//     same method, target, headers and framing, so what the proxy forwards is what it decided;
//   - every shorter prefix of an accepted head is "incomplete", never malformed or accepted.
#include <stdlib.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/proxy/http_rules.h"

using airlock::proxy::headIncomplete;
using airlock::proxy::ParsedHead;
using airlock::proxy::parseRequestHead;

namespace {

constexpr std::size_t kMaxHeader = 64 * 1024;  // the proxy's default (ProxyOptions)

void fail(const char* what, std::string_view detail = {}) {
  std::fprintf(stderr, "proxy_request invariant broken: %s %.*s\n", what,
               static_cast<int>(detail.size()), detail.data());
  abort();
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
  return out;
}

std::string_view trimmed(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// The raw head (without its final CRLF CRLF) read naively: lines split at CRLF, a line that
// starts with SP or HTAB joined to the one before it; every field line lower-cased, "name:value".
std::vector<std::string> rawFieldLines(std::string_view head) {
  std::vector<std::string> lines;
  bool first = true;
  while (!head.empty()) {
    auto eol = head.find("\r\n");
    std::string_view line = head.substr(0, eol);
    head = eol == std::string_view::npos ? std::string_view{} : head.substr(eol + 2);
    if (first) {  // the request line
      first = false;
      continue;
    }
    if (!line.empty() && (line.front() == ' ' || line.front() == '\t') && !lines.empty()) {
      std::string_view more = trimmed(line);
      if (!more.empty()) lines.back() += " " + std::string(more);
      continue;
    }
    lines.push_back(lower(line));
  }
  return lines;
}

// The name of a raw field line when it is exactly `name` followed by optional SP/HTAB and ':'
// (so that "Content-Length :" counts too); its value (trimmed) in *value.
bool rawField(const std::string& line, std::string_view name, std::string* value) {
  if (line.compare(0, name.size(), name) != 0) return false;
  std::size_t i = name.size();
  while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
  if (i >= line.size() || line[i] != ':') return false;
  *value = std::string(trimmed(std::string_view(line).substr(i + 1)));
  return true;
}

void checkAccepted(std::string_view in, const ParsedHead& h) {
  if (h.headBytes < 4 || h.headBytes > in.size()) fail("headBytes out of range");
  const std::string_view head = in.substr(0, h.headBytes);
  if (head.substr(head.size() - 4) != "\r\n\r\n") fail("head does not end in CRLF CRLF");
  const std::string_view body = head.substr(0, head.size() - 4);
  for (std::size_t i = 0; i < body.size(); ++i) {
    const auto c = static_cast<unsigned char>(body[i]);
    if (c == '\r' && (i + 1 >= body.size() || body[i + 1] != '\n'))
      fail("bare CR in an accepted head");
    if (c == '\n' && (i == 0 || body[i - 1] != '\r')) fail("bare LF in an accepted head");
    if ((c < 0x20 && c != '\t' && c != '\r' && c != '\n') || c == 0x7f)
      fail("control byte in an accepted head");
  }
  int rawLengths = 0, rawEncodings = 0, rawHosts = 0;
  for (const auto& line : rawFieldLines(body)) {
    std::string value;
    if (rawField(line, "content-length", &value)) ++rawLengths;
    if (rawField(line, "host", &value)) ++rawHosts;
    if (rawField(line, "transfer-encoding", &value)) {
      ++rawEncodings;
      if (value != "chunked") fail("accepted a Transfer-Encoding other than chunked:", value);
    }
  }
  if (rawLengths > 1) fail("accepted two Content-Length lines");
  if (rawLengths > 0 && rawEncodings > 0) fail("accepted Content-Length with Transfer-Encoding");
  if (rawEncodings > 1) fail("accepted two Transfer-Encoding lines");
  if (rawHosts > 1) fail("accepted two Host lines");

  // The parsed view agrees with the raw one and with itself.
  int lengths = 0, encodings = 0;
  for (const auto& [name, value] : h.headers) {
    if (name.empty()) fail("empty header name");
    const std::string n = lower(name);
    if (n == "content-length") ++lengths;
    if (n == "transfer-encoding") {
      ++encodings;
      if (lower(trimmed(value)) != "chunked")
        fail("parsed Transfer-Encoding other than chunked:", value);
    }
  }
  if (lengths != rawLengths || encodings != rawEncodings)
    fail("parsed framing headers differ from the raw lines");
  if (h.chunked != (encodings == 1)) fail("chunked disagrees with Transfer-Encoding");
  if (h.contentLength.has_value() != (lengths == 1))
    fail("contentLength disagrees with Content-Length");
  if (h.chunked && h.contentLength) fail("both chunked and a Content-Length");
}

void checkRoundTrip(const ParsedHead& h) {
  std::string again = h.method + " " + h.target + " HTTP/1.1\r\n";
  for (const auto& [name, value] : h.headers) again += name + ": " + value + "\r\n";
  again += "\r\n";
  auto r = parseRequestHead(again, 2 * again.size() + 1024);
  if (!r) fail("re-serialized head refused:", r.error().message);
  if (r->method != h.method) fail("method changed:", r->method);
  if (r->target != h.target) fail("target changed:", r->target);
  if (r->headers != h.headers) fail("headers changed");
  if (r->chunked != h.chunked || r->contentLength != h.contentLength) fail("framing changed");
  if (r->headBytes != again.size()) fail("re-serialized head not read whole");
}

void checkPrefixes(std::string_view in, const ParsedHead& h) {
  // Every prefix when the head is small; a sample otherwise (bounded time per input).
  const std::size_t step = h.headBytes <= 2048 ? 1 : h.headBytes / 997 + 1;
  for (std::size_t k = 0; k < h.headBytes; k += step) {
    auto r = parseRequestHead(in.substr(0, k), kMaxHeader);
    if (r) fail("a prefix of an accepted head is accepted");
    if (!headIncomplete(r.error()))
      fail("a prefix of an accepted head is refused:", r.error().message);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 96 * 1024) return 0;
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  auto r = parseRequestHead(in, kMaxHeader);
  if (!r) {
    if (r.error().message.empty()) fail("refused without a reason");
    if (r.error().code != airlock::core::Code::kInvalidArgument && !headIncomplete(r.error()))
      fail("unexpected error code:", r.error().message);
    return 0;
  }
  checkAccepted(in, *r);
  checkRoundTrip(*r);
  checkPrefixes(in, *r);
  return 0;
}
