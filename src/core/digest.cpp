// NOLINTNEXTLINE: the direct SHA-256 API is deprecated in OpenSSL 3; see digest.h for why.
#define OPENSSL_SUPPRESS_DEPRECATED
#include "core/digest.h"

#include <openssl/sha.h>

namespace airlock::core {

static_assert(sizeof(SHA256_CTX) <= 112, "Sha256::state_ too small for SHA256_CTX");

namespace {
SHA256_CTX* ctx(std::array<unsigned char, 112>& s) { return reinterpret_cast<SHA256_CTX*>(s.data()); }
}  // namespace

Sha256::Sha256() { SHA256_Init(ctx(state_)); }

Sha256& Sha256::update(std::string_view bytes) {
  SHA256_Update(ctx(state_), bytes.data(), bytes.size());
  return *this;
}

std::string Sha256::hexDigest() {
  std::array<unsigned char, SHA256_DIGEST_LENGTH> md{};
  SHA256_Final(md.data(), ctx(state_));
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(md.size() * 2);
  for (unsigned char b : md) {
    out += kHex[b >> 4];
    out += kHex[b & 15];
  }
  return out;
}

std::string sha256Hex(std::string_view bytes) { return Sha256().update(bytes).hexDigest(); }

bool isSha256Hex(std::string_view text) {
  return text.size() == 64 && text.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

}  // namespace airlock::core
