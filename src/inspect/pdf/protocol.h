#pragma once
// What the airlock-pdf helper (main.cpp) and its caller (src/inspect/pdf.cpp) agree on, without
// poppler: the command line, the bounds both sides enforce, and the hiding names on the wire.
//
// The helper reads a PDF on stdin and writes JSON lines on stdout:
//   {"text":"…","where":"page 3","hiding":"tiny-font","why":"font size 0.5 pt"}   one per run
//   {"note":"…"}                                                                    what it skipped
//   {"done":true,"pages":N}                                                         last, on success
//   {"error":"…"}                                                                   then exit 2
// Flags: --max-bytes N (input), --max-pages N, --max-text N (bytes of run text in all),
// --max-memory N (RLIMIT_AS, bytes), --max-cpu N (RLIMIT_CPU, seconds).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "inspect/inspect.h"

namespace airlock::inspect::pdf {

// Runs and notes per document. A run is cheap only when it is long: a PDF whose attributes change
// at every glyph would otherwise turn a small text limit into a large Document.
inline constexpr std::uint32_t kMaxRuns = 200000;
inline constexpr std::uint32_t kMaxNotes = 1000;
// A run's where and why are made by the helper and short ("page 3 annotation 2 (FreeText)",
// "font size 0.5 pt"; a name from the document in them is cut at 100 bytes); anything longer
// is a broken helper.
inline constexpr std::size_t kMaxLabelBytes = 256;
inline constexpr int kExitError = 2;

// The hiding kinds the helper reports, by their stable names (inspect::hidingName; the caller
// parses with hidingName, and a unit test checks that the two agree).
constexpr std::string_view wireName(Hiding hiding) {
  switch (hiding) {
    case Hiding::kVisible: return "visible";
    case Hiding::kVanish: return "vanish";
    case Hiding::kTinyFont: return "tiny-font";
    case Hiding::kSameColour: return "same-colour";
    case Hiding::kTinySpacing: return "tiny-spacing";
    case Hiding::kTransparent: return "transparent";
    case Hiding::kOffPage: return "off-page";
    case Hiding::kBehind: return "behind";
    case Hiding::kComment: return "comment";
    case Hiding::kMetadata: return "metadata";
    default: return "";  // not produced from a PDF
  }
}

}  // namespace airlock::inspect::pdf
