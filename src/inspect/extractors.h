#pragma once
// The per-format extractors behind inspect::extract() (inspect.h has the contract: runs in
// reading order with where and how hidden; bounded by Limits; an error names the limit or the
// defect and where). One file per family; each is fuzzed (fuzz/inspect_*_fuzz.cpp).
#include <string>
#include <string_view>

#include "core/result.h"
#include "inspect/inspect.h"

namespace airlock::inspect {

// text.cpp: .txt, .md (link and image URLs, HTML comments in Markdown), .csv, .json (string values).
core::Result<Document> extractText(std::string_view bytes, Format format, const Limits& limits);
// html.cpp (gumbo): CSS from style attributes and <style> rules for the hiding properties.
core::Result<Document> extractHtml(std::string_view bytes, const Limits& limits);
// eml.cpp: RFC 5322 headers, MIME parts (quoted-printable, base64), text and HTML parts.
core::Result<Document> extractEml(std::string_view bytes, const Limits& limits);
// rtf.cpp: groups, \v hidden text, \fs, colour table, \*\ destinations.
core::Result<Document> extractRtf(std::string_view bytes, const Limits& limits);
// ooxml.cpp (zip.h + pugixml): .docx, .xlsx, .pptx.
core::Result<Document> extractOoxml(std::string_view bytes, Format format, const Limits& limits);
// odf.cpp (zip.h + pugixml): .odt, .ods, .odp.
core::Result<Document> extractOdf(std::string_view bytes, Format format, const Limits& limits);
// zip.cpp: which office format a zip holds (by its parts); kUnknown for any other zip.
Format sniffZip(std::string_view bytes);
// pdf.cpp: runs the airlock-pdf helper (src/inspect/pdf/) with Limits::pdfHelper in a bounded
// child process and reads its runs.
core::Result<Document> extractPdf(std::string_view bytes, const Limits& limits);

}  // namespace airlock::inspect
