#pragma once
// Document inspection (DESIGN.md "Content inspection"): the text of a document, the parts of it
// a reader does not see, and text addressed to an AI assistant. airlock does not rely on it for
// enforcement (detection can be evaded); it tells the user what is hidden where, and a finding
// marks the content, and the session that read it, `untrusted`.
//
// Two steps. extract() turns a document into runs of text, each with where it is and, when a
// reader would not see it, how it is hidden (a per-format extractor: extractors.h). analyze()
// looks at the runs: hidden runs, Unicode tricks inside any run (tag characters, zero-width
// characters, bidi overrides, mixed-script look-alike words) and instruction-like text, scored
// with reasons. inspect() does both.
//
// What is a finding (so that ordinary documents produce none):
// - text concealed by formatting (Hiding::kVanish … kBehind, kHiddenSheet/Row/Column,
//   kAriaHidden) is always a finding;
// - text in places a reader may not look (kComment, kNotes, kAltText, kMetadata) is a finding
//   only when it is instruction-like or carries Unicode tricks;
// - visible text is a finding only when it is instruction-like (or carries Unicode tricks).
//
// Bounded: every extractor stops at the Limits (input size, extracted text, zip entries and
// ratios, nesting depth, pages, time) with an InvalidArgument or FailedPrecondition error that
// says which limit and where; it never crashes, hangs or expands entities (no DTDs). Callers
// treat a document that cannot be inspected as unknown content (fail closed: untrusted).
// Pure functions except for PDF, which runs in a helper process (airlock-pdf, see pdf.cpp);
// thread-safe.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace airlock::inspect {

enum class Format : std::uint8_t {
  kUnknown,
  kText,
  kMarkdown,
  kCsv,
  kJson,
  kHtml,
  kEml,
  kRtf,
  kDocx,
  kXlsx,
  kPptx,
  kOdt,
  kOds,
  kOdp,
  kPdf,
};
// "docx", "pdf", "text", …; the same names are accepted by parseFormat (and `--format`).
std::string_view formatName(Format format);
Format parseFormat(std::string_view name);
// What the bytes are: magic numbers and structure first (a zip is told apart by its parts:
// word/document.xml, xl/workbook.xml, ppt/presentation.xml, the ODF mimetype entry), the name's
// extension only to tell text formats apart. Never kUnknown for valid UTF-8 text (kText).
Format sniff(std::string_view bytes, std::string_view name);
// Whether a file's hidden parts may be missing from a text view of it (office formats, PDF, RTF,
// HTML, e-mail), from its first bytes (8 are enough) and its name: such a file is worth reading
// whole for extract(). Text formats are seen through their text.
bool hidesFromText(std::string_view head, std::string_view name);

// How a run of text is kept from a reader. kVisible for ordinary text.
enum class Hiding : std::uint8_t {
  kVisible,
  // Concealed by formatting: always a finding.
  kVanish,        // hidden run (w:vanish), display:none, visibility:hidden, hidden slide
  kTinyFont,      // font size <= 2 pt, font-size:0
  kSameColour,    // text colour equal or near its background (page, shading, highlight, theme)
  kTinySpacing,   // line spacing or scaling so small that the text collapses
  kTransparent,   // zero opacity, PDF text render mode 3 (invisible)
  kOffPage,       // outside the page or crop box, off-screen positioning, clipped away
  kBehind,        // covered by another object
  kHiddenSheet,   // a hidden or very hidden spreadsheet sheet
  kHiddenRow,
  kHiddenColumn,
  kAriaHidden,    // aria-hidden="true" (not read by screen readers)
  // Places a reader may not look: a finding only when instruction-like or carrying tricks.
  kComment,       // review comments, HTML/XML comments
  kNotes,         // speaker notes
  kAltText,       // image alt text, titles, descriptions
  kMetadata,      // document properties, custom XML, e-mail headers other than Subject
};
std::string_view hidingName(Hiding hiding);  // "vanish", "tiny-font", … (stable: JSON output)
bool concealed(Hiding hiding);               // kVanish … kAriaHidden

// One piece of text as the extractor found it, in reading order.
struct Run {
  std::string text;     // UTF-8 as in the document (invalid sequences replaced by U+FFFD)
  std::string where;    // for a person: "word/document.xml paragraph 12 run 3", "page 2",
                        // "sheet 'Data' row 7 (hidden)", "html body>div#x>p[2]"
  Hiding hiding = Hiding::kVisible;
  std::string why;      // what hides it: "font size 1 pt", "colour #FFFFFF on #FFFFFF"
};

struct Document {
  Format format = Format::kUnknown;
  std::vector<Run> runs;
  std::vector<std::string> notes;  // what the extractor skipped: "embedded object word/embeddings/x.bin"
};

struct Limits {
  std::uint64_t maxInputBytes = 256ull << 20;
  std::uint64_t maxTextBytes = 64ull << 20;       // all runs together
  std::uint32_t maxZipEntries = 10000;
  std::uint64_t maxEntryBytes = 64ull << 20;      // one zip entry, uncompressed (XML parts are held
                                                  // as a pugixml tree of about 5x their size)
  std::uint64_t maxUnzippedBytes = 1ull << 30;    // all entries read, uncompressed
  std::uint32_t maxRatio = 200;                   // uncompressed / compressed, per entry
  std::uint32_t maxDepth = 256;                   // XML, HTML, JSON, RTF group nesting
  std::uint32_t maxPages = 10000;                 // PDF
  std::uint32_t timeoutMs = 30000;                // PDF helper process, wall clock
  std::uint64_t helperMemoryBytes = 1ull << 30;   // PDF helper process, address space
  std::string pdfHelper;  // path of the airlock-pdf executable; empty: PDF is FailedPrecondition
};

core::Result<Document> extract(std::string_view bytes, Format format, const Limits& limits = {});

enum class FindingKind : std::uint8_t {
  kHidden,       // a concealed run (or a side-channel run that is instruction-like)
  kUnicodeTags,  // U+E0000–E007F: text shows as nothing; decoded into Finding::text
  kZeroWidth,    // zero-width characters inside words (not ZWJ in emoji, ZWNJ in scripts using it)
  kBidi,         // bidi overrides/isolates that reorder what is displayed
  kHomoglyph,    // words mixing scripts with look-alike letters (Cyrillic "а" in a Latin word)
  kInstruction,  // text addressed to an AI assistant, visible
};
std::string_view findingKindName(FindingKind kind);  // "hidden", "unicode-tags", … (stable)

struct Finding {
  FindingKind kind = FindingKind::kHidden;
  Hiding hiding = Hiding::kVisible;  // of the run it was found in
  std::string where;                 // the run's where
  std::uint64_t offset = 0;          // byte offset of the finding in the run's text
  std::string text;                  // what a reader does not see, shown plainly (tag characters
                                     // decoded, controls escaped), at most 240 bytes + "…"
  int score = 0;                     // 0–100; hidden and instruction-like together score highest
  std::vector<std::string> reasons;  // "font size 1 pt", "addresses an assistant: 'ignore all
                                     // previous instructions'", "shell upload: curl -F file=@"
};

struct Report {
  Format format = Format::kUnknown;
  std::vector<Finding> findings;     // in document order
  std::vector<std::string> notes;    // Document::notes
  int maxScore() const;
  bool untrusted() const { return !findings.empty(); }
};

Report analyze(const Document& document);
// Text that is not a document (a tool's output, an MCP result): one visible run.
Report analyzeText(std::string_view text, std::string_view where);
// sniff (unless `format` is given), extract, analyze.
core::Result<Report> inspect(std::string_view bytes, std::string_view name, const Limits& limits = {},
                             Format format = Format::kUnknown);

}  // namespace airlock::inspect
