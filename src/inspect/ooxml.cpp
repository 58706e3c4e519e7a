// Placeholder until the extractor lands (issue 7); fails closed.
#include "inspect/extractors.h"

namespace airlock::inspect {

core::Result<Document> extractOoxml(std::string_view, Format, const Limits&) {
  return core::makeError(core::Code::kFailedPrecondition, "not implemented yet");
}

}  // namespace airlock::inspect
