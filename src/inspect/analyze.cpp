// Placeholder until the analysis lands (issue 7).
#include "inspect/inspect.h"

namespace airlock::inspect {

Report analyze(const Document& document) {
  Report r;
  r.format = document.format;
  r.notes = document.notes;
  return r;
}

Report analyzeText(std::string_view text, std::string_view where) {
  Document d;
  d.format = Format::kText;
  d.runs.push_back(Run{std::string(text), std::string(where), Hiding::kVisible, {}});
  return analyze(d);
}

}  // namespace airlock::inspect
