#include "adapters/proxy/http_rules.h"
#include "core/text.h"

#include <boost/asio/buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>

#include <algorithm>
#include <exception>
#include <iterator>
#include <limits>

namespace airlock::proxy {

namespace beast = boost::beast;
namespace http = beast::http;
using core::Code;
using core::makeError;

namespace {


std::string trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return std::string(s);
}

std::string_view view(beast::string_view s) { return {s.data(), s.size()}; }

}  // namespace

bool hopByHop(std::string_view lowerName) {
  static constexpr std::string_view kNames[] = {"connection",
                                                "proxy-connection",
                                                "keep-alive",
                                                "proxy-authorization",
                                                "proxy-authenticate",
                                                "te",
                                                "trailer",
                                                "transfer-encoding",
                                                "upgrade"};
  return std::find(std::begin(kNames), std::end(kNames), lowerName) != std::end(kNames);
}

std::vector<std::string> connectionListed(const http::fields& fields) {
  std::vector<std::string> out;
  for (const auto& f : fields) {
    if (!beast::iequals(f.name_string(), "connection")) continue;
    std::string_view v = view(f.value());
    while (!v.empty()) {
      auto comma = v.find(',');
      out.push_back(core::asciiLower(trim(v.substr(0, comma))));
      v = comma == std::string_view::npos ? std::string_view{} : v.substr(comma + 1);
    }
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> endToEndHeaders(const http::fields& fields) {
  const auto listed = connectionListed(fields);
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& f : fields) {
    const std::string name = core::asciiLower(view(f.name_string()));
    if (hopByHop(name) || name == "host" || name == "content-length" || name == "expect" ||
        std::find(listed.begin(), listed.end(), name) != listed.end())
      continue;
    out.emplace_back(std::string(view(f.name_string())), std::string(view(f.value())));
  }
  return out;
}

std::string framingProblem(const http::fields& fields) {
  int lengths = 0, hosts = 0, encodings = 0;
  for (const auto& f : fields) {
    const std::string name = core::asciiLower(view(f.name_string()));
    // Names that servers mapping '_' to '-' (CGI, WSGI) would read as framing headers.
    std::string dashed = name;
    std::replace(dashed.begin(), dashed.end(), '_', '-');
    if (dashed != name && (dashed == "content-length" || dashed == "transfer-encoding" || dashed == "host"))
      return "header '" + std::string(view(f.name_string())) + "' looks like " + dashed;
    if (name == "content-length") ++lengths;
    if (name == "host") ++hosts;
    if (name == "transfer-encoding") {
      ++encodings;
      if (core::asciiLower(trim(view(f.value()))) != "chunked")
        return "Transfer-Encoding other than 'chunked'";
    }
  }
  if (lengths > 1) return "more than one Content-Length header";
  if (hosts > 1) return "more than one Host header";
  if (encodings > 1) return "more than one Transfer-Encoding header";
  if (lengths > 0 && encodings > 0) return "both Content-Length and Transfer-Encoding";
  return "";
}

core::Result<ParsedHead> parseRequestHead(std::string_view bytes, std::size_t maxHeader) {
  // As the proxy's reader: header limit maxHeader; no body limit here (the proxy checks a
  // Content-Length against --max-body as a separate, later decision). Not boost::none: Boost
  // 1.74 compares a Content-Length with an empty optional as "over the limit".
  http::request_parser<http::empty_body> p;
  p.header_limit(static_cast<std::uint32_t>(
      std::min<std::size_t>(maxHeader, std::numeric_limits<std::uint32_t>::max())));
  p.body_limit(std::numeric_limits<std::uint64_t>::max());
  p.eager(false);  // the head only
  beast::error_code ec;
  std::size_t used = 0;
  try {
    if (!bytes.empty()) used = p.put(boost::asio::const_buffer(bytes.data(), bytes.size()), ec);
  } catch (const std::exception& e) {
    // Beast's fields throw std::length_error for a name or value over 65533 bytes, possible
    // only with a header limit above 64 KiB; allocation failures too. Converted at the edge.
    return makeError(Code::kInvalidArgument, std::string("malformed request head: ") + e.what());
  }
  if (bytes.empty() || ec == http::error::need_more)
    return makeError(Code::kUnavailable,
                     "incomplete request head (" + std::to_string(bytes.size()) + " bytes so far)");
  if (ec == http::error::header_limit)
    return makeError(Code::kInvalidArgument,
                     "request head larger than " + std::to_string(maxHeader) + " bytes");
  if (ec) return makeError(Code::kInvalidArgument, "malformed request head: " + ec.message());
  if (!p.is_header_done())  // put() consumed nothing and said nothing: treat as a prefix
    return makeError(Code::kUnavailable,
                     "incomplete request head (" + std::to_string(bytes.size()) + " bytes so far)");
  const auto& msg = p.get();
  if (auto problem = framingProblem(msg); !problem.empty())
    return makeError(Code::kInvalidArgument, problem);
  ParsedHead out;
  out.method = std::string(view(msg.method_string()));
  out.target = std::string(view(msg.target()));
  for (const auto& f : msg)
    out.headers.emplace_back(std::string(view(f.name_string())), std::string(view(f.value())));
  out.chunked = p.chunked();
  if (auto n = p.content_length()) out.contentLength = *n;
  out.headBytes = used;
  return out;
}

}  // namespace airlock::proxy
