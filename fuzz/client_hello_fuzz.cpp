// Fuzzes the ClientHello peek that decides whether a CONNECT tunnel may open. The properties:
// it never crashes; a malformed answer names its reason; "need more" asks for more than it
// has; an accepted hello has hasSni == !sni.empty() and an SNI of only [a-z0-9.-] with no
// trailing dot; and, since the proxy decides on whatever prefix has arrived, every prefix of
// an accepted input is "need more" (asking for no more than the accepted length) or accepted
// with the same SNI, never malformed.
#include <stdlib.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string_view>

#include "adapters/proxy/client_hello.h"

using airlock::proxy::peekClientHello;
using airlock::proxy::PeekResult;
using airlock::proxy::PeekState;

namespace {

void fail(const char* what, std::size_t at) {
  std::fprintf(stderr, "client_hello invariant broken at length %zu: %s\n", at, what);
  abort();
}

void checkOne(std::string_view in, const PeekResult& r) {
  switch (r.state) {
    case PeekState::kNeedMore:
      if (r.needAtLeast <= in.size()) fail("needAtLeast not beyond the input", in.size());
      break;
    case PeekState::kMalformed:
      if (r.error.empty()) fail("malformed without a reason", in.size());
      break;
    case PeekState::kDone:
      if (r.info.hasSni == r.info.sni.empty()) fail("hasSni disagrees with sni", in.size());
      if (r.info.sni.size() > 253) fail("sni longer than 253", in.size());
      if (!r.info.sni.empty() && (r.info.sni.back() == '.' || r.info.sni.front() == '.'))
        fail("sni dot at an end", in.size());
      for (char c : r.info.sni) {
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-'))
          fail("sni character", in.size());
      }
      if (!r.error.empty()) fail("done with an error", in.size());
      break;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 96 * 1024) return 0;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  const PeekResult whole = peekClientHello(in);
  checkOne(in, whole);
  if (whole.state != PeekState::kDone) return 0;
  for (std::size_t k = 0; k < size; ++k) {
    const PeekResult r = peekClientHello(in.substr(0, k));
    checkOne(in.substr(0, k), r);
    if (r.state == PeekState::kMalformed) fail("a prefix of an accepted hello is malformed", k);
    if (r.state == PeekState::kNeedMore && r.needAtLeast > size)
      fail("a prefix asks for more than the whole", k);
    if (r.state == PeekState::kDone &&
        (r.info.sni != whole.info.sni || r.info.alpn != whole.info.alpn)) {
      fail("a prefix is accepted with another SNI or ALPN", k);
    }
  }
  return 0;
}
