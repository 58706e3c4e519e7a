#include "dlp/extract.h"

#include <brotli/decode.h>
#include <zlib.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include "core/text.h"

namespace airlock::dlp {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// zlib: gzip (windowBits 15+16), zlib-wrapped deflate (15) or raw deflate (-15).
bool inflateAll(std::string_view in, int windowBits, std::size_t max, std::string& out, std::string& problem) {
  z_stream z{};
  if (inflateInit2(&z, windowBits) != Z_OK) {
    problem = "zlib cannot start";
    return false;
  }
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(std::min<std::size_t>(in.size(), UINT32_MAX));
  out.clear();
  char buf[65536];
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    z.next_out = reinterpret_cast<Bytef*>(buf);
    z.avail_out = sizeof buf;
    rc = inflate(&z, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) break;
    out.append(buf, sizeof buf - z.avail_out);
    if (out.size() > max) {
      inflateEnd(&z);
      problem = "decoded body exceeds " + std::to_string(max) + " bytes";
      return false;
    }
    if (rc == Z_OK && z.avail_in == 0 && z.avail_out != 0) break;  // truncated input
  }
  const bool ok = rc == Z_STREAM_END && z.avail_in == 0;  // no bytes after the stream either
  inflateEnd(&z);
  if (!ok) problem = "not a complete " + std::string(windowBits > 15 ? "gzip" : "deflate") + " stream";
  return ok;
}

bool brotliAll(std::string_view in, std::size_t max, std::string& out, std::string& problem) {
  BrotliDecoderState* st = BrotliDecoderCreateInstance(nullptr, nullptr, nullptr);
  if (st == nullptr) {
    problem = "brotli cannot start";
    return false;
  }
  std::size_t availIn = in.size();
  const std::uint8_t* nextIn = reinterpret_cast<const std::uint8_t*>(in.data());
  out.clear();
  std::uint8_t buf[65536];
  BrotliDecoderResult r = BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT;
  while (r == BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT) {
    std::size_t availOut = sizeof buf;
    std::uint8_t* nextOut = buf;
    r = BrotliDecoderDecompressStream(st, &availIn, &nextIn, &availOut, &nextOut, nullptr);
    out.append(reinterpret_cast<const char*>(buf), sizeof buf - availOut);
    if (out.size() > max) {
      BrotliDecoderDestroyInstance(st);
      problem = "decoded body exceeds " + std::to_string(max) + " bytes";
      return false;
    }
  }
  BrotliDecoderDestroyInstance(st);
  if (r != BROTLI_DECODER_RESULT_SUCCESS || availIn != 0) {
    problem = "not a complete brotli stream";
    return false;
  }
  return true;
}

std::string formDecode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%' && i + 2 < s.size() && core::hexDigitValue(s[i + 1]) >= 0 && core::hexDigitValue(s[i + 2]) >= 0) {
      out += static_cast<char>(core::hexDigitValue(s[i + 1]) * 16 + core::hexDigitValue(s[i + 2]));
      i += 2;
    } else if (s[i] == '&') {
      out += '\n';
    } else {
      out += s[i];
    }
  }
  return out;
}

// Every key and string value of a JSON text, one per line (numbers too: a card number may be
// sent as one). Iterative (SAX), depth-limited.
struct JsonStrings : nlohmann::json::json_sax_t {
  std::string out;
  std::size_t depth = 0, maxDepth = 0;
  bool tooDeep = false;
  bool null() override { return true; }
  bool boolean(bool) override { return true; }
  bool number_integer(number_integer_t v) override { return add(std::to_string(v)); }
  bool number_unsigned(number_unsigned_t v) override { return add(std::to_string(v)); }
  bool number_float(number_float_t, const string_t& s) override { return add(s); }
  bool string(string_t& s) override { return add(s); }
  bool binary(binary_t&) override { return true; }
  bool start_object(std::size_t) override { return enter(); }
  bool key(string_t& s) override { return add(s); }
  bool end_object() override { return leave(); }
  bool start_array(std::size_t) override { return enter(); }
  bool end_array() override { return leave(); }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override { return false; }
  bool add(const std::string& s) {
    out += s;
    out += '\n';
    return true;
  }
  bool enter() {
    if (++depth > maxDepth) {
      tooDeep = true;
      return false;
    }
    return true;
  }
  bool leave() {
    --depth;
    return true;
  }
};

// The value of parameter `name` in a media type's parameters ("; boundary=…"), unquoted.
std::string param(std::string_view params, std::string_view name) {
  while (!params.empty()) {
    auto semi = params.find(';');
    std::string_view p = trim(params.substr(0, semi));
    params = semi == std::string_view::npos ? std::string_view{} : params.substr(semi + 1);
    auto eq = p.find('=');
    if (eq == std::string_view::npos || core::asciiLower(trim(p.substr(0, eq))) != name) continue;
    std::string_view v = trim(p.substr(eq + 1));
    if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
    return std::string(v);
  }
  return "";
}

void byType(std::string_view contentType, std::string_view body, const ExtractLimits& limits, std::size_t level,
            Extracted& x);

void multipart(std::string_view boundary, std::string_view body, const ExtractLimits& limits, std::size_t level,
               Extracted& x) {
  const std::string delim = "--" + std::string(boundary);
  std::size_t pos = body.find(delim);
  std::size_t parts = 0;
  if (pos == std::string_view::npos) {
    x.problem = "multipart body without its boundary";
    return;
  }
  while (pos != std::string_view::npos) {
    std::size_t start = pos + delim.size();
    if (body.substr(start, 2) == "--") return;  // the closing delimiter
    if (++parts > limits.maxParts) {
      x.problem = "more than " + std::to_string(limits.maxParts) + " multipart parts";
      return;
    }
    std::size_t next = body.find(delim, start);
    std::string_view part = body.substr(start, next == std::string_view::npos ? std::string_view::npos : next - start);
    std::size_t headEnd = part.find("\r\n\r\n");
    std::size_t skip = 4;
    if (headEnd == std::string_view::npos) {
      headEnd = part.find("\n\n");
      skip = 2;
    }
    if (headEnd == std::string_view::npos) {
      x.problem = "multipart part without a header block";
      return;
    }
    std::string_view head = part.substr(0, headEnd), content = part.substr(headEnd + skip);
    if (content.size() >= 2 && content.substr(content.size() - 2) == "\r\n") content.remove_suffix(2);
    else if (!content.empty() && content.back() == '\n') content.remove_suffix(1);
    std::string partType;
    for (std::size_t lineStart = 0; lineStart < head.size();) {
      std::size_t eol = head.find('\n', lineStart);
      std::string_view line = trim(head.substr(lineStart, eol == std::string_view::npos ? std::string_view::npos : eol - lineStart));
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (core::asciiLower(line.substr(0, 13)) == "content-type:") partType = std::string(trim(line.substr(13)));
      if (eol == std::string_view::npos) break;
      lineStart = eol + 1;
    }
    x.views.emplace_back(content);
    x.views.emplace_back(head);  // names and file names carry data too
    if (level < 4) byType(partType, content, limits, level + 1, x);
    if (!x.problem.empty()) return;
    pos = next;
  }
  x.problem = "multipart body without its closing boundary";
}

void byType(std::string_view contentType, std::string_view body, const ExtractLimits& limits, std::size_t level,
            Extracted& x) {
  auto semi = contentType.find(';');
  const std::string type = core::asciiLower(trim(contentType.substr(0, semi)));
  const std::string_view params = semi == std::string_view::npos ? std::string_view{} : contentType.substr(semi + 1);
  if (type.starts_with("multipart/")) {
    const std::string boundary = param(params, "boundary");
    if (boundary.empty() || boundary.size() > 200) {
      x.problem = "multipart body without a usable boundary";
      return;
    }
    multipart(boundary, body, limits, level, x);
  } else if (type == "application/x-www-form-urlencoded") {
    x.views.push_back(formDecode(body));
  } else if (type == "application/json" || type.ends_with("+json")) {
    JsonStrings sax;
    sax.maxDepth = limits.maxDepth;
    const bool ok = nlohmann::json::sax_parse(body.begin(), body.end(), &sax);
    if (sax.tooDeep) x.problem = "JSON nested deeper than " + std::to_string(limits.maxDepth);
    // A body that says JSON and is not: the raw bytes are scanned anyway; no extra view.
    if (ok || !sax.out.empty()) x.views.push_back(std::move(sax.out));
  }
}

}  // namespace

Extracted extractBody(std::string_view contentType, std::string_view contentEncoding, std::string_view body,
                      const ExtractLimits& limits) {
  Extracted x;
  // Content-Encoding lists codings in the order they were applied: undone from the last.
  std::vector<std::string> codings;
  for (std::string_view rest = contentEncoding; !rest.empty();) {
    auto comma = rest.find(',');
    std::string c = core::asciiLower(trim(rest.substr(0, comma)));
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    if (!c.empty() && c != "identity") codings.push_back(std::move(c));
  }
  if (codings.size() > 4) {
    x.problem = "more than four content codings";
    return x;
  }
  std::string decoded;
  std::string_view current = body;
  for (auto it = codings.rbegin(); it != codings.rend(); ++it) {
    std::string out;
    bool ok = false;
    if (*it == "gzip" || *it == "x-gzip") {
      ok = inflateAll(current, 15 + 16, limits.maxDecoded, out, x.problem);
    } else if (*it == "deflate") {
      ok = inflateAll(current, 15, limits.maxDecoded, out, x.problem);
      if (!ok) {
        x.problem.clear();
        ok = inflateAll(current, -15, limits.maxDecoded, out, x.problem);  // raw deflate, as some send
      }
    } else if (*it == "br") {
      ok = brotliAll(current, limits.maxDecoded, out, x.problem);
    } else {
      x.problem = "unknown content coding '" + *it + "'";
    }
    if (!ok) {
      if (x.problem.empty()) x.problem = "cannot decode " + *it;
      return x;
    }
    decoded = std::move(out);
    current = decoded;
  }
  if (!codings.empty()) x.views.push_back(decoded);
  byType(contentType, current, limits, 0, x);
  return x;
}

}  // namespace airlock::dlp
