// Placeholder until the extractor lands (issue 7); fails closed.
#include "inspect/extractors.h"

namespace airlock::inspect {

core::Result<Document> extractRtf(std::string_view, const Limits&) {
  return core::makeError(core::Code::kFailedPrecondition, "not implemented yet");
}

}  // namespace airlock::inspect
