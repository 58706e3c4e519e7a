// Text formats: plain text (paragraph runs), Markdown (through the HTML walk, so that inline
// HTML hides text as it would when rendered; comments, image alt text, `[//]: # (…)`
// reference-definition comments and front matter are side channels), CSV (a run per row,
// cells joined by " | ", "row R") and JSON (a run per string value, where = its JSON pointer).
#include <gumbo.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "core/text.h"
#include "inspect/extractors.h"
#include "inspect/text_family.h"

namespace airlock::inspect {

namespace {

constexpr std::size_t kMaxParagraph = 1u << 20;  // a longer paragraph is cut at a line end

std::string lineWhere(std::string_view prefix, std::size_t line) {
  return std::string(prefix) + "line " + std::to_string(line);
}

core::Result<void> add(Document& doc, TextBudget& budget, std::string text, std::string where, Hiding hiding,
                       std::string why = {}) {
  if (text.find_first_not_of(" \t\r\n") == std::string::npos) return {};
  if (auto r = budget.take(text.size(), where); !r) return r;
  doc.runs.push_back(Run{std::move(text), std::move(where), hiding, std::move(why)});
  return {};
}

// ---- Markdown

bool isFence(std::string_view line, char& fenceChar, std::size_t& fenceLen) {
  std::size_t i = 0;
  while (i < line.size() && i < 3 && line[i] == ' ') ++i;
  if (i >= line.size() || (line[i] != '`' && line[i] != '~')) return false;
  const char c = line[i];
  std::size_t n = 0;
  while (i + n < line.size() && line[i + n] == c) ++n;
  if (n < 3) return false;
  fenceChar = c;
  fenceLen = n;
  return true;
}

void escapeHtmlText(std::string_view s, std::string& out) {
  for (char c : s) {
    if (c == '<') out += "&lt;";
    else if (c == '&') out += "&amp;";
    else out += c;
  }
}

void escapeAttribute(std::string_view s, std::string& out) {
  for (char c : s) {
    if (c == '"') out += "&quot;";
    else if (c == '&') out += "&amp;";
    else if (c == '<') out += "&lt;";
    else out += c;
  }
}

// `[label]: destination "title"` at a line start: not rendered. `[//]: # (text)` is the
// usual way to write a comment in Markdown.
bool isReferenceDefinition(std::string_view line) {
  std::size_t i = 0;
  while (i < line.size() && i < 3 && line[i] == ' ') ++i;
  if (i >= line.size() || line[i] != '[') return false;
  const auto close = line.find("]:", i + 1);
  if (close == std::string_view::npos || close == i + 1) return false;
  if (line.substr(i + 1, close - i - 1).find_first_of("[]") != std::string_view::npos) return false;
  return line.find_first_not_of(" \t", close + 2) != std::string_view::npos;
}

// "<name" or "</name" with an HTML element's name, followed by a space, '>', '/' or the line's
// end, or "<!": what Markdown passes through as HTML. Other names ("<filename>", "<T>") are
// shown as text here: as elements they would never close and nest ever deeper.
bool looksLikeTag(std::string_view s) {
  std::size_t i = 1;
  if (i < s.size() && s[i] == '!') return true;
  if (i < s.size() && s[i] == '/') ++i;
  const std::size_t start = i;
  if (i >= s.size() || !std::isalpha(static_cast<unsigned char>(s[i]))) return false;
  while (i < s.size() && i - start < 16 && (std::isalnum(static_cast<unsigned char>(s[i])) || s[i] == '-')) ++i;
  if (!(i == s.size() || s[i] == '>' || s[i] == '/' || s[i] == ' ' || s[i] == '\t')) return false;
  return gumbo_tagn_enum(s.data() + start, static_cast<unsigned>(i - start)) != GUMBO_TAG_UNKNOWN;
}

// One line of Markdown outside code blocks, as HTML for the walk: inline code escaped (it is
// shown literally), images written `![alt](url)` kept as `![](url)` (the URL stays visible to
// the analysis) followed by an <img alt> that the walk reports as alt text.
void markdownLine(std::string_view line, std::string& out) {
  std::size_t i = 0;
  while (i < line.size()) {
    const char c = line[i];
    if (c == '`') {
      std::size_t n = 0;
      while (i + n < line.size() && line[i + n] == '`') ++n;
      const std::string ticks(n, '`');
      const auto close = line.find(ticks, i + n);
      if (close != std::string_view::npos) {
        out += ticks;
        escapeHtmlText(line.substr(i + n, close - i - n), out);
        out += ticks;
        i = close + n;
        continue;
      }
      out.append(ticks);
      i += n;
      continue;
    }
    if (c == '<' && !looksLikeTag(line.substr(i))) {  // autolinks, comparisons, placeholders
      out += "&lt;";
      ++i;
      continue;
    }
    if (c == '!' && i + 1 < line.size() && line[i + 1] == '[') {
      // The alt text ends at the matching ']' (brackets may nest); a '(' must follow.
      int depth = 0;
      std::size_t k = i + 1;
      for (; k < line.size(); ++k) {
        if (line[k] == '[') ++depth;
        else if (line[k] == ']' && --depth == 0) break;
      }
      if (k < line.size() && k + 1 < line.size() && line[k + 1] == '(') {
        const std::string_view alt = line.substr(i + 2, k - i - 2);
        out += "![]";
        i = k + 1;
        // The destination up to the matching ')'.
        int paren = 0;
        std::size_t e = i;
        for (; e < line.size(); ++e) {
          if (line[e] == '(') ++paren;
          else if (line[e] == ')' && --paren == 0) break;
        }
        const std::size_t end = e < line.size() ? e + 1 : line.size();
        escapeHtmlText(line.substr(i, end - i), out);
        i = end;
        if (!alt.empty()) {
          out += "<img alt=\"";
          escapeAttribute(alt, out);
          out += "\">";
        }
        continue;
      }
    }
    out += c;
    ++i;
  }
}

// Elements that never hold a paragraph open: void elements and those whose end tag may be
// left out. Used only to decide which paragraphs need the HTML walk.
bool opensNothing(std::string_view name) {
  static constexpr std::string_view kNames[] = {
      "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr",
      "param", "p", "li", "dt", "dd", "tr", "td", "th", "option", "optgroup", "thead", "tbody", "tfoot",
      "colgroup", "rb", "rt", "rp"};
  for (auto n : kNames)
    if (n == name) return true;
  return false;
}

// How a line of the HTML made from Markdown changes the element depth and comment state (a
// rough count: it only decides whether the next paragraph still needs the HTML walk).
void trackDepth(std::string_view line, int& depth, bool& inComment) {
  std::size_t i = 0;
  while (i < line.size()) {
    if (inComment) {
      const auto end = line.find("-->", i);
      if (end == std::string_view::npos) return;
      inComment = false;
      i = end + 3;
      continue;
    }
    const auto lt = line.find('<', i);
    if (lt == std::string_view::npos) return;
    i = lt + 1;
    if (line.substr(lt).starts_with("<!--")) {
      inComment = true;
      i = lt + 4;
    } else if (i < line.size() && line[i] == '/') {
      depth = std::max(0, depth - 1);
    } else if (i < line.size() && std::isalpha(static_cast<unsigned char>(line[i]))) {
      std::size_t e = i;
      while (e < line.size() && (std::isalnum(static_cast<unsigned char>(line[e])) || line[e] == '-')) ++e;
      const std::string name = core::asciiLower(line.substr(i, e - i));
      const auto gt = line.find('>', e);
      const bool selfClosing = gt != std::string_view::npos && gt > 0 && line[gt - 1] == '/';
      if (!opensNothing(name) && !selfClosing) ++depth;
    }
  }
}

bool blankLine(std::string_view s) { return s.find_first_not_of(" \t\r\f\v") == std::string_view::npos; }

// Markdown, made into HTML line for line (code escaped, images given an <img alt>, reference
// definitions made comments) and read through the HTML walk, so that inline HTML hides text
// as it does when rendered. Paragraphs without any markup skip the walk (gumbo reads about
// 7 MB/s; most Markdown is plain text) and become runs directly.
core::Result<void> extractMarkdown(std::string_view text, const Limits& limits, Document& doc) {
  TextBudget budget(limits.maxTextBytes);
  struct Line {
    std::string_view original;
    std::size_t begin, end;  // the HTML made of it, in `html`
  };
  std::vector<Line> lines;
  std::string html;
  html.reserve(text.size() + text.size() / 8);
  std::size_t pos = 0;
  bool inFence = false;
  char fenceChar = 0;
  std::size_t fenceLen = 0;
  // Front matter (YAML between --- lines at the very top) is metadata; its lines stay as
  // blank lines so that line numbers still match.
  if (text.starts_with("---\n") || text.starts_with("---\r\n")) {
    std::size_t p = text.find('\n') + 1, n = 1;
    while (p < text.size()) {
      const auto eol = text.find('\n', p);
      std::string_view l = text.substr(p, eol == std::string_view::npos ? std::string_view::npos : eol - p);
      if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
      ++n;
      if (l == "---" || l == "...") {
        if (auto r = add(doc, budget, std::string(text.substr(4, p - 4)), "line 1 front matter", Hiding::kMetadata,
                         "front matter");
            !r)
          return r;
        lines.assign(n, Line{{}, 0, 0});
        pos = eol == std::string_view::npos ? text.size() : eol + 1;
        break;
      }
      if (eol == std::string_view::npos) break;
      p = eol + 1;
    }
  }
  while (pos < text.size()) {
    const auto eol = text.find('\n', pos);
    std::string_view line = text.substr(pos, eol == std::string_view::npos ? std::string_view::npos : eol - pos);
    pos = eol == std::string_view::npos ? text.size() : eol + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    const std::size_t begin = html.size();
    char c = 0;
    std::size_t n = 0;
    if (inFence) {
      if (isFence(line, c, n) && c == fenceChar && n >= fenceLen && line.find_first_not_of(" `~") == std::string_view::npos) {
        inFence = false;
      }
      escapeHtmlText(line, html);  // code is shown as written
    } else if (isFence(line, c, n)) {
      inFence = true;
      fenceChar = c;
      fenceLen = n;
      escapeHtmlText(line, html);
    } else if (isReferenceDefinition(line)) {
      // As an HTML comment, so that it is reported as one, where it is.
      html += "<!--";
      for (std::size_t k = 0; k < line.size(); ++k) {
        if (line[k] == '-' && k + 1 < line.size() && line[k + 1] == '-') html += "- ";
        else if (line[k] == '>') html += "&gt;";
        else html += line[k];
      }
      html += "-->";
    } else {
      markdownLine(line, html);
    }
    lines.push_back(Line{line, begin, html.size()});
  }

  const std::string_view all = html;
  auto converted = [&](std::size_t k) { return all.substr(lines[k].begin, lines[k].end - lines[k].begin); };
  auto markup = [&](std::size_t from, std::size_t to) {
    for (std::size_t k = from; k < to; ++k)
      if (converted(k).find('<') != std::string_view::npos) return true;
    return false;
  };
  auto paragraphEnd = [&](std::size_t k) {
    while (k < lines.size() && !blankLine(lines[k].original)) ++k;
    return k;
  };
  int depth = 0;
  bool inComment = false;
  std::size_t k = 0;
  while (k < lines.size()) {
    if (blankLine(lines[k].original)) {
      ++k;
      continue;
    }
    std::size_t end = paragraphEnd(k);
    if (depth == 0 && !inComment && !markup(k, end)) {
      std::string joined;
      for (std::size_t j = k; j < end; ++j) {
        if (j > k) joined += '\n';
        joined.append(lines[j].original);
      }
      if (auto r = add(doc, budget, std::move(joined), "line " + std::to_string(k + 1), Hiding::kVisible); !r) return r;
      k = end;
      continue;
    }
    // Paragraphs with markup, and those after them while an element or comment is open, go
    // through the HTML walk together.
    const std::size_t start = k;
    for (std::size_t j = k; j < end; ++j) trackDepth(converted(j), depth, inComment);
    k = end;
    while (k < lines.size()) {
      std::size_t next = k;
      while (next < lines.size() && blankLine(lines[next].original)) ++next;
      if (next >= lines.size()) break;
      const std::size_t nextEnd = paragraphEnd(next);
      if (depth == 0 && !inComment && !markup(next, nextEnd)) break;
      for (std::size_t j = next; j < nextEnd; ++j) trackDepth(converted(j), depth, inComment);
      k = nextEnd;
    }
    std::string segment;
    for (std::size_t j = start; j < k; ++j) {
      segment.append(converted(j));
      segment += '\n';
    }
    HtmlOptions options;
    options.markdown = true;
    options.lineOffset = start;
    if (auto r = appendHtmlRuns(segment, limits, options, budget, doc); !r) return r;
  }
  return {};
}

// ---- CSV

char delimiterOf(std::string_view text) {
  const std::string_view first = text.substr(0, text.find('\n'));
  std::size_t best = 0;
  char delim = ',';
  for (char c : {',', ';', '\t', '|'}) {
    const auto n = static_cast<std::size_t>(std::count(first.begin(), first.end(), c));
    if (n > best) {
      best = n;
      delim = c;
    }
  }
  return delim;
}

// A run per row (a run per cell made a 10 MB sheet a million runs): the cells joined by
// " | ", where "row R".
core::Result<void> extractCsv(std::string_view text, const Limits& limits, Document& doc) {
  TextBudget budget(limits.maxTextBytes);
  const char delim = delimiterOf(text);
  std::size_t row = 1, i = 0;
  std::string line;          // the row's cells so far
  std::size_t cellStart = 0;  // where the current cell starts in `line`
  bool quoted = false;        // inside a quoted field
  bool any = false;           // the row has a non-blank cell
  auto endCell = [&] {
    if (line.find_first_not_of(" \t", cellStart) != std::string::npos) any = true;
  };
  auto endRow = [&]() -> core::Result<void> {
    endCell();
    auto r = any ? add(doc, budget, std::move(line), "row " + std::to_string(row), Hiding::kVisible)
                 : core::Result<void>();
    line.clear();
    cellStart = 0;
    any = false;
    return r;
  };
  while (i < text.size()) {
    const char c = text[i++];
    if (quoted) {
      if (c == '"') {
        if (i < text.size() && text[i] == '"') {
          line += '"';
          ++i;
        } else {
          quoted = false;
        }
      } else {
        line += c;
      }
    } else if (c == '"' && line.find_first_not_of(" \t", cellStart) == std::string::npos) {
      line.resize(cellStart);
      quoted = true;
    } else if (c == delim) {
      endCell();
      line += " | ";
      cellStart = line.size();
    } else if (c == '\n' || c == '\r') {
      if (c == '\r' && i < text.size() && text[i] == '\n') ++i;
      if (auto r = endRow(); !r) return r;
      ++row;
    } else {
      line += c;
    }
    if (line.size() > kMaxParagraph)
      return core::makeError(core::Code::kInvalidArgument,
                             "CSV row longer than " + std::to_string(kMaxParagraph) + " bytes",
                             "row " + std::to_string(row));
  }
  if (quoted) doc.notes.push_back("row " + std::to_string(row) + ": a quoted field is not closed");
  return endRow();
}

// ---- JSON

// Every string value, with its JSON pointer. Iterative (SAX), depth-limited.
struct JsonRuns : nlohmann::json::json_sax_t {
  struct Level {
    bool array;
    std::size_t index;
    std::string key;
  };
  Document* doc = nullptr;
  TextBudget* budget = nullptr;
  std::size_t maxDepth = 0;
  std::vector<Level> path;
  core::Result<void> failure;
  bool tooDeep = false;

  static void escapeToken(std::string_view t, std::string& out) {
    for (char c : t) {
      if (c == '~') out += "~0";
      else if (c == '/') out += "~1";
      else out += c;
    }
  }
  std::string pointer() const {
    std::string out;
    for (const auto& l : path) {
      if (l.array && l.index == 0) continue;  // not inside an element yet
      out += '/';
      if (l.array) out += std::to_string(l.index - 1);
      else escapeToken(l.key.size() > 200 ? l.key.substr(0, 200) : l.key, out);
    }
    return out.empty() ? "/" : out;
  }
  void element() {
    if (!path.empty() && path.back().array) ++path.back().index;
  }
  bool null() override { return element(), true; }
  bool boolean(bool) override { return element(), true; }
  bool number_integer(number_integer_t) override { return element(), true; }
  bool number_unsigned(number_unsigned_t) override { return element(), true; }
  bool number_float(number_float_t, const string_t&) override { return element(), true; }
  bool binary(binary_t&) override { return element(), true; }
  bool string(string_t& s) override {
    element();
    if (s.find_first_not_of(" \t\r\n") == std::string::npos) return true;
    auto r = add(*doc, *budget, validUtf8(s), pointer(), Hiding::kVisible);
    if (!r) {
      failure = r;
      return false;
    }
    return true;
  }
  bool start_object(std::size_t) override {
    element();
    return enter(false);
  }
  bool key(string_t& k) override {
    path.back().key = k;
    return true;
  }
  bool end_object() override { return leave(); }
  bool start_array(std::size_t) override {
    element();
    return enter(true);
  }
  bool end_array() override { return leave(); }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override { return false; }
  bool enter(bool array) {
    if (path.size() >= maxDepth) {
      tooDeep = true;
      return false;
    }
    path.push_back(Level{array, 0, {}});
    return true;
  }
  bool leave() {
    if (!path.empty()) path.pop_back();
    return true;
  }
};

// The byte at which JSON stops being valid, for the note (nlohmann's messages say it too,
// but they need exceptions; a second SAX pass that records the position is simpler).
struct JsonErrorAt : nlohmann::json::json_sax_t {
  std::size_t at = 0;
  bool null() override { return true; }
  bool boolean(bool) override { return true; }
  bool number_integer(number_integer_t) override { return true; }
  bool number_unsigned(number_unsigned_t) override { return true; }
  bool number_float(number_float_t, const string_t&) override { return true; }
  bool string(string_t&) override { return true; }
  bool binary(binary_t&) override { return true; }
  bool start_object(std::size_t) override { return true; }
  bool key(string_t&) override { return true; }
  bool end_object() override { return true; }
  bool start_array(std::size_t) override { return true; }
  bool end_array() override { return true; }
  bool parse_error(std::size_t position, const std::string&, const nlohmann::detail::exception&) override {
    at = position;
    return false;
  }
};

}  // namespace

std::string textToUtf8(std::string_view bytes) {
  if (bytes.starts_with("\xEF\xBB\xBF")) return validUtf8(bytes.substr(3));
  if (bytes.starts_with("\xFF\xFE")) return utf16ToUtf8(bytes.substr(2), false);
  if (bytes.starts_with("\xFE\xFF")) return utf16ToUtf8(bytes.substr(2), true);
  return validUtf8(bytes);
}

core::Result<void> appendParagraphRuns(std::string_view text, std::string_view wherePrefix, TextBudget& budget,
                                       Document& doc) {
  std::size_t pos = 0, lineNo = 0;
  std::size_t start = std::string_view::npos, startLine = 0;  // the paragraph being gathered
  auto flush = [&](std::size_t end) -> core::Result<void> {
    if (start == std::string_view::npos) return {};
    std::string_view p = text.substr(start, end - start);
    while (!p.empty() && (p.back() == '\n' || p.back() == '\r')) p.remove_suffix(1);
    start = std::string_view::npos;
    return add(doc, budget, std::string(p), lineWhere(wherePrefix, startLine), Hiding::kVisible);
  };
  while (pos < text.size()) {
    const auto eol = text.find('\n', pos);
    const std::size_t next = eol == std::string_view::npos ? text.size() : eol + 1;
    const std::string_view line = text.substr(pos, next - pos);
    ++lineNo;
    if (line.find_first_not_of(" \t\r\n\f\v") == std::string_view::npos) {
      if (auto r = flush(pos); !r) return r;
    } else {
      if (start != std::string_view::npos && pos - start + line.size() > kMaxParagraph) {
        if (auto r = flush(pos); !r) return r;
      }
      if (start == std::string_view::npos) {
        start = pos;
        startLine = lineNo;
      }
    }
    pos = next;
  }
  return flush(text.size());
}

core::Result<Document> extractText(std::string_view bytes, Format format, const Limits& limits) {
  Document doc;
  doc.format = format;
  const std::string text = textToUtf8(bytes);
  switch (format) {
    case Format::kMarkdown: {
      if (auto r = extractMarkdown(text, limits, doc); !r) return r.error();
      return doc;
    }
    case Format::kCsv: {
      if (auto r = extractCsv(text, limits, doc); !r) return r.error();
      return doc;
    }
    case Format::kJson: {
      TextBudget budget(limits.maxTextBytes);
      JsonRuns sax;
      sax.doc = &doc;
      sax.budget = &budget;
      sax.maxDepth = limits.maxDepth;
      const bool ok = nlohmann::json::sax_parse(text.begin(), text.end(), &sax);
      if (!sax.failure) return sax.failure.error();
      if (sax.tooDeep)
        return core::makeError(core::Code::kInvalidArgument,
                               "JSON nested deeper than " + std::to_string(limits.maxDepth), sax.pointer());
      if (ok) return doc;
      // Not JSON after all (JSON Lines, a log that starts with '['): read as text, and say so.
      JsonErrorAt at;
      (void)nlohmann::json::sax_parse(text.begin(), text.end(), &at);
      Document plain;
      plain.format = Format::kJson;
      plain.notes.push_back("not valid JSON (byte " + std::to_string(at.at) + "): read as plain text");
      TextBudget again(limits.maxTextBytes);
      if (auto r = appendParagraphRuns(text, "", again, plain); !r) return r.error();
      return plain;
    }
    default: {
      TextBudget budget(limits.maxTextBytes);
      if (auto r = appendParagraphRuns(text, "", budget, doc); !r) return r.error();
      return doc;
    }
  }
}

}  // namespace airlock::inspect
