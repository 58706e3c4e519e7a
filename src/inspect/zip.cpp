// Placeholder until the extractor lands (issue 7); fails closed.
#include "inspect/extractors.h"

namespace airlock::inspect {

Format sniffZip(std::string_view) {
  return Format::kUnknown;
}

}  // namespace airlock::inspect
