#pragma once
// The egress proxy's rules for an HTTP/1.1 request head (docs/adapters/proxy.md, "Framing that
// could be read two ways is refused"): which framing is refused as ambiguous (request
// smuggling), which headers are hop-by-hop and never forwarded, and a pure parse of one
// request head with Beast's parser, for the fuzzer and the tests. The proxy itself reads heads
// from its sockets with Beast and applies framingProblem to what it read; parseRequestHead
// does the same on a byte string, so both accept and refuse the same heads.
//
// Everything here is a pure function of its arguments (thread-safe); parseRequestHead turns
// Beast's exceptions into errors.
#include <boost/beast/http/fields.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"

namespace airlock::proxy {

// Headers a proxy must not pass on (RFC 9110 §7.6.1), plus the proxy's own (Proxy-*).
// lowerName: a field name in lower case.
bool hopByHop(std::string_view lowerName);

// The names listed in every Connection header (lower case, trimmed, in order, empty list
// elements kept as ""): they are hop-by-hop for this message too.
std::vector<std::string> connectionListed(const boost::beast::http::fields& fields);

// Framing that two parties could read differently is refused outright: more than one
// Content-Length or Host header, a Transfer-Encoding other than exactly "chunked" (after
// trimming, any case), more than one Transfer-Encoding, Content-Length together with
// Transfer-Encoding. Returns what is wrong, "" when nothing is. (Beast's parser itself
// refuses Content-Length with chunked, differing lengths, a length that is not digits, bare CR
// or LF, NUL and other controls, and a space before the colon.)
std::string framingProblem(const boost::beast::http::fields& fields);

// The headers a request sends on: all but the hop-by-hop ones, those its Connection header
// names, Host, Content-Length and Expect (the proxy writes its own), in order, as written.
std::vector<std::pair<std::string, std::string>> endToEndHeaders(const boost::beast::http::fields& fields);

// One request head as Beast read it.
struct ParsedHead {
  std::string method;  // as sent (Beast keeps unknown methods as they are)
  std::string target;  // the request-target, as sent
  // In order, names as sent; values trimmed, an obs-fold replaced by one SP.
  std::vector<std::pair<std::string, std::string>> headers;
  bool chunked = false;                        // Transfer-Encoding: chunked
  std::optional<std::uint64_t> contentLength;  // Content-Length, when there is one
  std::size_t headBytes = 0;                   // the head's length, its final CRLF CRLF included
};

// Parses the request head at the start of bytes (what follows it, a body say, is ignored)
// with Beast's request parser and maxHeader as its header limit, exactly as the proxy reads a
// head, then applies framingProblem. Errors:
//   - Code::kUnavailable: bytes are a prefix of a head that is not complete yet (read more);
//     see headIncomplete;
//   - Code::kInvalidArgument: the head is malformed, over maxHeader bytes, or its framing is
//     ambiguous; the message says which.
core::Result<ParsedHead> parseRequestHead(std::string_view bytes, std::size_t maxHeader);

// Whether an error from parseRequestHead means "incomplete: read more".
inline bool headIncomplete(const core::Error& e) { return e.code == core::Code::kUnavailable; }

}  // namespace airlock::proxy
