#pragma once
// What the text-family extractors share (text.cpp, html.cpp, eml.cpp): plain text split into
// paragraph runs, and the HTML walk, which e-mail text/html parts and Markdown (whose inline
// HTML can hide text) go through as well. Internal to src/inspect.
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "inspect/charset.h"
#include "inspect/inspect.h"

namespace airlock::inspect {

// Bytes of a text file as UTF-8: a UTF-8 BOM dropped, UTF-16 with a BOM converted, invalid
// sequences replaced by U+FFFD.
std::string textToUtf8(std::string_view bytes);

// Visible runs of plain text, one per paragraph (lines up to a blank line; a very long
// paragraph is cut at a line end), `where` = prefix + "line N".
core::Result<void> appendParagraphRuns(std::string_view utf8, std::string_view wherePrefix, TextBudget& budget,
                                       Document& doc);

// HTML bytes as UTF-8: by BOM, else by <meta charset> / http-equiv in the first 1024 bytes
// (UTF-8, US-ASCII, ISO-8859-1, windows-1252; any other charset is read as UTF-8 with a note).
std::string htmlToUtf8(std::string_view bytes, std::vector<std::string>& notes);

struct HtmlOptions {
  std::string wherePrefix;  // "part 2 (text/html) ", prepended to every where
  // Markdown: the text keeps its line breaks, a blank line ends a run, and `where` says
  // "line N" (the source line), with the element path after it for a run that is not visible.
  bool markdown = false;
  std::size_t lineOffset = 0;  // Markdown: the lines before the HTML given (it may be a part)
};

// The runs of an HTML document (UTF-8) appended to `doc` in reading order; `where` is
// "html body>div#x>p[2]" (p[2]: the second p among its siblings). Bounded by `limits` (depth)
// and `budget` (text), and by a tag count; an error names the limit and where.
core::Result<void> appendHtmlRuns(std::string_view utf8, const Limits& limits, const HtmlOptions& options,
                                  TextBudget& budget, Document& doc);

}  // namespace airlock::inspect
