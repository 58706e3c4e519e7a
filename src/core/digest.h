#pragma once
// SHA-256, the one digest of airlock (audit chain, pinned credentials, content digests).
// Sha256 is incremental; a value type used from one thread at a time.
//
// It uses OpenSSL's direct SHA-256 functions rather than EVP: the first EVP digest of a
// process initialises OpenSSL's provider tables, about 6 million instructions, which was a
// third of a whole `airlock hook` call. The direct functions are deprecated in OpenSSL 3 but
// compute the same function with the same implementation.

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace airlock::core {

class Sha256 {
 public:
  Sha256();
  Sha256& update(std::string_view bytes);
  // Lower-case hex of the digest; the object must not be updated afterwards.
  std::string hexDigest();

 private:
  alignas(8) std::array<unsigned char, 112> state_{};  // holds OpenSSL's SHA256_CTX
};

// Lower-case hex SHA-256 of bytes.
std::string sha256Hex(std::string_view bytes);

// True when `text` is a digest as sha256Hex writes it: 64 lower-case hex digits.
bool isSha256Hex(std::string_view text);

}  // namespace airlock::core
