// E-mail (RFC 5322 + MIME): the Subject (visible; RFC 2047 encoded words decoded), headers no
// client shows that can carry text (Comments, Keywords, X-*) as metadata, and the body: MIME
// parts nested to a bounded depth, quoted-printable and base64 undone, charsets UTF-8,
// US-ASCII, ISO-8859-1 and windows-1252 converted. text/plain parts become paragraph runs,
// text/html parts go through the HTML walk (white text in an HTML mail is found there), an
// embedded message/rfc822 is read as a message, and an attachment in a format airlock knows
// is extracted in turn; other attachments are listed in the notes with their size.
//
// Parts are numbered as IMAP does ("part 2.1"), and every run's `where` starts with its part.
#include <algorithm>

#include "core/text.h"
#include "inspect/extractors.h"
#include "inspect/text_family.h"

namespace airlock::inspect {

namespace {

constexpr std::size_t kMaxMimeDepth = 16;
constexpr std::size_t kMaxParts = 1000;

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r' || s.front() == '\n')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) s.remove_suffix(1);
  return s;
}

std::string bounded(std::string_view s, std::size_t max) {
  return s.size() <= max ? std::string(s) : std::string(s.substr(0, max)) + "…";
}

struct Header {
  std::string name;  // lower case
  std::string value;  // unfolded
};

struct Entity {
  std::vector<Header> headers;
  std::string_view body;
  const std::string* get(std::string_view name) const {
    for (const auto& h : headers)
      if (h.name == name) return &h.value;
    return nullptr;
  }
};

// Headers up to the first empty line; continuation lines (starting with space or tab) unfolded.
Entity parseEntity(std::string_view s) {
  Entity e;
  std::size_t pos = 0;
  while (pos < s.size()) {
    const auto eol = s.find('\n', pos);
    std::string_view line = s.substr(pos, eol == std::string_view::npos ? std::string_view::npos : eol - pos);
    const std::size_t next = eol == std::string_view::npos ? s.size() : eol + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) {
      e.body = s.substr(next);
      return e;
    }
    if ((line.front() == ' ' || line.front() == '\t') && !e.headers.empty()) {
      if (e.headers.back().value.size() < 65536) {
        e.headers.back().value += ' ';
        e.headers.back().value += trim(line);
      }
    } else if (const auto colon = line.find(':'); colon != std::string_view::npos && colon > 0 && e.headers.size() < 1000) {
      e.headers.push_back(Header{core::asciiLower(trim(line.substr(0, colon))), std::string(trim(line.substr(colon + 1)))});
    } else if (e.headers.empty()) {
      // Not a header at all: a body without headers.
      e.body = s;
      return e;
    }
    pos = next;
  }
  e.body = {};
  return e;
}

// "text/html; charset=utf-8; name=x" → type "text/html" and the parameter asked for.
std::string mediaType(const std::string* v) {
  if (v == nullptr) return "";
  return core::asciiLower(trim(std::string_view(*v).substr(0, v->find(';'))));
}

std::string param(const std::string* v, std::string_view name) {
  if (v == nullptr) return "";
  std::string_view rest = *v;
  auto semi = rest.find(';');
  while (semi != std::string_view::npos) {
    rest = rest.substr(semi + 1);
    // A quoted value may contain ';'.
    std::size_t end = 0;
    bool quoted = false;
    for (; end < rest.size(); ++end) {
      if (rest[end] == '"') quoted = !quoted;
      else if (rest[end] == ';' && !quoted) break;
    }
    const std::string_view p = trim(rest.substr(0, end));
    semi = end < rest.size() ? end : std::string_view::npos;
    const auto eq = p.find('=');
    if (eq == std::string_view::npos) continue;
    std::string key = core::asciiLower(trim(p.substr(0, eq)));
    if (key.ends_with("*")) key.pop_back();  // RFC 2231 "filename*=utf-8''x": the value as is
    if (key != name) continue;
    std::string_view value = trim(p.substr(eq + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') value = value.substr(1, value.size() - 2);
    if (const auto q = value.find("''"); q != std::string_view::npos && q < 40) value = value.substr(q + 2);
    return std::string(value);
  }
  return "";
}

std::string decodeQuotedPrintable(std::string_view s, bool header) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '=' && i + 2 < s.size() && core::hexDigitValue(static_cast<unsigned char>(s[i + 1])) >= 0 &&
        core::hexDigitValue(static_cast<unsigned char>(s[i + 2])) >= 0) {
      out += static_cast<char>(core::hexDigitValue(static_cast<unsigned char>(s[i + 1])) * 16 +
                               core::hexDigitValue(static_cast<unsigned char>(s[i + 2])));
      i += 2;
    } else if (c == '=' && !header && (s.substr(i + 1).starts_with("\r\n") || s.substr(i + 1).starts_with("\n"))) {
      i += s[i + 1] == '\r' ? 2 : 1;  // a soft line break
    } else if (c == '_' && header) {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

int base64Value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+' || c == '-') return 62;
  if (c == '/' || c == '_') return 63;
  return -1;
}

// Lenient, as mail clients are: whitespace and stray characters skipped, stops at '='.
std::string decodeBase64(std::string_view s, bool& stray) {
  std::string out;
  out.reserve(s.size() / 4 * 3);
  std::uint32_t acc = 0;
  int bits = 0;
  for (char c : s) {
    if (c == '=') break;
    const int v = base64Value(c);
    if (v < 0) {
      if (c != '\r' && c != '\n' && c != ' ' && c != '\t') stray = true;
      continue;
    }
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xFF);
    }
  }
  return out;
}

// Bytes in `charset` as UTF-8; a charset not handled here is read as UTF-8 with a note.
std::string toUtf8(std::string_view bytes, std::string charset, std::vector<std::string>& notes, std::string_view where) {
  charset = core::asciiLower(charset);
  if (charset.empty() || charset == "utf-8" || charset == "utf8" || charset == "us-ascii" || charset == "ascii")
    return validUtf8(bytes);
  if (charset == "iso-8859-1" || charset == "latin1" || charset == "iso_8859-1" || charset == "l1")
    return latin1ToUtf8(bytes);
  if (charset == "windows-1252" || charset == "cp1252" || charset == "iso-8859-15" || charset == "x-cp1252")
    return cp1252ToUtf8(bytes);
  if (allAscii(bytes)) return std::string(bytes);
  notes.push_back(std::string(where) + "charset '" + bounded(charset, 40) + "' is not supported: read as UTF-8");
  return validUtf8(bytes);
}

// RFC 2047 encoded words (=?charset?B|Q?text?=) in a header value.
std::string decodeHeader(std::string_view v, std::vector<std::string>& notes) {
  std::string out;
  std::size_t i = 0;
  bool lastWasWord = false;
  while (i < v.size()) {
    const auto start = v.find("=?", i);
    if (start == std::string_view::npos) {
      out += validUtf8(v.substr(i));
      break;
    }
    const auto q1 = v.find('?', start + 2);
    const auto q2 = q1 == std::string_view::npos ? q1 : v.find('?', q1 + 1);
    const auto end = q2 == std::string_view::npos ? q2 : v.find("?=", q2 + 1);
    if (end == std::string_view::npos || q2 != q1 + 2) {
      out += validUtf8(v.substr(i, start + 2 - i));
      i = start + 2;
      lastWasWord = false;
      continue;
    }
    const std::string_view between = v.substr(i, start - i);
    // Whitespace between two encoded words is not part of the text.
    if (!(lastWasWord && trim(between).empty())) out += validUtf8(between);
    std::string charset(v.substr(start + 2, q1 - start - 2));
    if (const auto star = charset.find('*'); star != std::string::npos) charset.resize(star);  // RFC 2231 language
    const char enc = static_cast<char>(std::tolower(static_cast<unsigned char>(v[q1 + 1])));
    const std::string_view text = v.substr(q2 + 1, end - q2 - 1);
    bool stray = false;
    const std::string raw = enc == 'b' ? decodeBase64(text, stray) : decodeQuotedPrintable(text, true);
    out += toUtf8(raw, charset, notes, "header: ");
    i = end + 2;
    lastWasWord = true;
  }
  return out;
}

class Reader {
 public:
  Reader(const Limits& limits, Document& doc) : limits_(limits), doc_(doc), budget_(limits.maxTextBytes) {}

  // A message: its headers' `where` start with `prefix`, its body is labelled `label`.
  core::Result<void> message(std::string_view bytes, const std::string& prefix, const std::string& label,
                             std::size_t depth) {
    const Entity e = parseEntity(bytes);
    if (const auto* subject = e.get("subject")) {
      if (auto r = add(decodeHeader(*subject, doc_.notes), prefix + "header Subject", Hiding::kVisible, ""); !r) return r;
    }
    for (const auto& h : e.headers) {
      if (h.name == "comments" || h.name == "keywords" || (h.name.starts_with("x-") && h.name.size() > 2)) {
        if (auto r = add(decodeHeader(h.value, doc_.notes), prefix + "header " + bounded(h.name, 60), Hiding::kMetadata,
                         "e-mail header " + bounded(h.name, 60) + " (not shown by mail clients)");
            !r)
          return r;
      }
    }
    return entity(e, label, depth);
  }

 private:
  core::Result<void> add(std::string text, std::string where, Hiding hiding, std::string why) {
    if (trim(text).empty()) return {};
    if (auto r = budget_.take(text.size(), where); !r) return r;
    doc_.runs.push_back(Run{std::move(text), std::move(where), hiding, std::move(why)});
    return {};
  }

  // One MIME entity: `label` names it in `where` ("part 2.1", "body").
  core::Result<void> entity(const Entity& e, const std::string& label, std::size_t depth) {
    if (depth > std::min<std::size_t>(kMaxMimeDepth, limits_.maxDepth))
      return core::makeError(core::Code::kInvalidArgument,
                             "MIME parts nested deeper than " + std::to_string(std::min<std::size_t>(kMaxMimeDepth, limits_.maxDepth)),
                             label);
    const std::string* contentType = e.get("content-type");
    std::string type = mediaType(contentType);
    if (type.empty()) type = "text/plain";
    if (type.starts_with("multipart/")) return multipart(e, type, label, depth);

    const std::string encoding = core::asciiLower(trim(e.get("content-transfer-encoding") ? *e.get("content-transfer-encoding") : ""));
    std::string decoded;
    if (encoding == "base64") {
      bool stray = false;
      decoded = decodeBase64(e.body, stray);
      if (stray) doc_.notes.push_back(label + ": base64 with characters outside the alphabet (skipped)");
    } else if (encoding == "quoted-printable") {
      decoded = decodeQuotedPrintable(e.body, false);
    } else {
      decoded = std::string(e.body);
    }
    const std::string disposition = mediaType(e.get("content-disposition"));
    std::string filename = param(e.get("content-disposition"), "filename");
    if (filename.empty()) filename = param(contentType, "name");
    filename = decodeHeader(filename, doc_.notes);
    const std::string charset = param(contentType, "charset");
    const std::string where = label + " (" + bounded(type, 60) + ") ";

    if (type == "message/rfc822" || type == "message/global") {
      return message(decoded, label + " message ", label, depth + 1);
    }
    const bool attachment = disposition == "attachment" || (!filename.empty() && disposition != "inline");
    if (!attachment && type == "text/html") {
      // Without a charset parameter, the page's own <meta charset> says.
      const std::string utf8 = charset.empty() ? htmlToUtf8(decoded, doc_.notes) : toUtf8(decoded, charset, doc_.notes, where);
      HtmlOptions options;
      options.wherePrefix = where;
      return appendHtmlRuns(utf8, limits_, options, budget_, doc_);
    }
    if (!attachment && type.starts_with("text/")) {
      return appendParagraphRuns(toUtf8(decoded, charset, doc_.notes, where), where, budget_, doc_);
    }
    return attached(decoded, type, filename, label, charset, depth);
  }

  core::Result<void> multipart(const Entity& e, const std::string& type, const std::string& label, std::size_t depth) {
    const std::string boundary = param(e.get("content-type"), "boundary");
    if (boundary.empty() || boundary.size() > 200) {
      doc_.notes.push_back(label + ": " + type + " without a usable boundary: read as text");
      return appendParagraphRuns(validUtf8(e.body), label + " ", budget_, doc_);
    }
    const std::string delimiter = "--" + boundary;
    std::string_view body = e.body;
    // Delimiters are at line starts.
    auto findDelimiter = [&](std::size_t from) -> std::size_t {
      for (std::size_t at = body.find(delimiter, from); at != std::string_view::npos; at = body.find(delimiter, at + 1)) {
        // At a line start, and not a longer boundary that starts with this one.
        const std::size_t after = at + delimiter.size();
        const char next = after < body.size() ? body[after] : '\n';
        if ((at == 0 || body[at - 1] == '\n') &&
            (next == '\r' || next == '\n' || next == ' ' || next == '\t' || next == '-'))
          return at;
      }
      return std::string_view::npos;
    };
    std::size_t at = findDelimiter(0);
    std::size_t n = 0;
    const bool prefixLabel = label != "body";
    while (at != std::string_view::npos) {
      std::size_t start = at + delimiter.size();
      if (body.substr(start, 2) == "--") return {};  // the closing delimiter
      // The rest of the delimiter line (transport padding) is not content.
      const auto eol = body.find('\n', start);
      if (eol == std::string_view::npos) break;
      start = eol + 1;
      const std::size_t next = findDelimiter(start);
      std::string_view part = body.substr(start, next == std::string_view::npos ? std::string_view::npos : next - start);
      // The line break before the next delimiter belongs to it.
      if (part.ends_with("\r\n")) part.remove_suffix(2);
      else if (part.ends_with("\n")) part.remove_suffix(1);
      if (++parts_ > kMaxParts)
        return core::makeError(core::Code::kInvalidArgument, "more than " + std::to_string(kMaxParts) + " MIME parts", label);
      ++n;
      const std::string partLabel = prefixLabel ? label + "." + std::to_string(n) : "part " + std::to_string(n);
      if (auto r = entity(parseEntity(part), partLabel, depth + 1); !r) return r;
      at = next;
    }
    doc_.notes.push_back(label + ": " + type + " without its closing boundary");
    return {};
  }

  core::Result<void> attached(const std::string& bytes, const std::string& type, const std::string& filename,
                              const std::string& label, const std::string& charset, std::size_t depth) {
    const std::string shownName = filename.empty() ? label : "'" + bounded(filename, 80) + "'";
    const std::string what = "attachment " + shownName + " (" + bounded(type, 60) + ", " + std::to_string(bytes.size()) + " bytes)";
    Format format = sniff(bytes, filename);
    // sniff() calls anything that is valid UTF-8 text; a binary attachment is not text.
    const bool textual = type.starts_with("text/") || type == "application/json" || type.ends_with("+json") ||
                         type.ends_with("+xml") || type == "application/rtf" || type == "message/rfc822";
    if ((format == Format::kText || format == Format::kUnknown) && !textual) {
      doc_.notes.push_back(what + " not inspected");
      return {};
    }
    const std::string prefix = label + " " + shownName + " ";
    if (format == Format::kEml) return message(bytes, prefix, label, depth + 1);
    if (format == Format::kText && !charset.empty()) {
      return appendParagraphRuns(toUtf8(bytes, charset, doc_.notes, prefix), prefix, budget_, doc_);
    }
    auto inner = extract(bytes, format, limits_);
    if (!inner) {
      // The rest of the message is still worth reading; the note says what was not.
      doc_.notes.push_back(what + " not inspected: " + inner.error().toString());
      return {};
    }
    for (auto& run : inner->runs) {
      run.where = prefix + run.where;
      if (auto r = budget_.take(run.text.size(), run.where); !r) return r;
      doc_.runs.push_back(std::move(run));
    }
    for (auto& note : inner->notes) doc_.notes.push_back(prefix + note);
    return {};
  }

  const Limits& limits_;
  Document& doc_;
  TextBudget budget_;
  std::size_t parts_ = 0;
};

}  // namespace

core::Result<Document> extractEml(std::string_view bytes, const Limits& limits) {
  Document doc;
  doc.format = Format::kEml;
  Reader reader(limits, doc);
  if (auto r = reader.message(bytes, "", "body", 0); !r) return r.error();
  return doc;
}

}  // namespace airlock::inspect
