#pragma once
// The text of a PDF and how each piece of it is kept from a reader, on poppler's core API: the
// logic of the airlock-pdf helper (main.cpp), apart from its I/O so that the fuzz target runs it
// in process. Each page is interpreted by poppler's Gfx into a text-only OutputDev that records
// every glyph with its render mode, colour, opacity, size and box, and the filled rectangles and
// images drawn around it (for the colour behind a glyph and for glyphs covered afterwards).
//
// Not thread-safe: poppler's globalParams and error callback are process-wide (initPoppler()
// once per process, before the first extractPdfText).
#include <cstdint>
#include <string_view>

#include "core/result.h"
#include "inspect/inspect.h"
#include "inspect/pdf/protocol.h"

namespace airlock::inspect::pdf {

struct Options {
  std::uint64_t maxTextBytes = 64ull << 20;  // run text in all; over it is an error
  std::uint32_t maxPages = 10000;            // a PDF with more pages is an error
  std::uint32_t maxRuns = kMaxRuns;
  std::uint32_t maxNotes = kMaxNotes;        // further notes are dropped (one says so)
};

// Receives runs in reading order (per page: its text, then its annotations; then the document's
// metadata) and notes.
class Sink {
 public:
  virtual ~Sink() = default;
  virtual void run(std::string_view text, std::string_view where, Hiding hiding, std::string_view why) = 0;
  virtual void note(std::string_view note) = 0;
};

// Silences poppler (it would print syntax errors of hostile files on stderr) and creates its
// globalParams. Idempotent.
void initPoppler();

// The number of pages inspected, or why the PDF cannot be inspected (a message for a person:
// "the PDF is encrypted and needs a password", "extracted text is over the limit of N bytes
// (page 7)"). Runs already given to the sink stand; the caller discards them on an error.
core::Result<int> extractPdfText(std::string_view pdf, const Options& options, Sink& sink);

}  // namespace airlock::inspect::pdf
