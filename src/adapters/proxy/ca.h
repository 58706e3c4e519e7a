#pragma once
// The local certificate authority for TLS inspection (DESIGN.md "Enforcement points"). The
// proxy terminates TLS for inspected hosts with a leaf certificate minted here; clients trust
// the CA through SSL_CERT_FILE, NODE_EXTRA_CA_CERTS, REQUESTS_CA_BUNDLE or CURL_CA_BUNDLE.
//
// The CA lives in one directory ($AIRLOCK_HOME/ca, caDirectory()): ca.key (PKCS#8 PEM, ECDSA
// P-256, mode 0600, directory 0700) and ca.crt (PEM, mode 0644). initCa() creates them;
// CertAuthority::open() checks them and fails closed on anything unexpected: a missing file,
// a key readable by group or others, a key that does not belong to the certificate, a
// certificate that is not a self-signed CA, an expired CA.
//
// CertAuthority is thread-safe: leafFor() may be called from every connection at once. The
// key material never leaves OpenSSL objects and is never logged or put in an error message.

#include <openssl/types.h>

#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/env.h"
#include "core/result.h"

namespace airlock::proxy {

inline constexpr std::string_view kCaKeyFile = "ca.key";
inline constexpr std::string_view kCaCertFile = "ca.crt";

// Where the CA of a state directory lives: STATE_DIR/ca.
std::string caDirectory(const std::string& stateDir);

struct CaInitOptions {
  std::string commonName = "airlock local CA";  // 1–64 characters, no control characters
  int days = 825;                               // validity, 1–3650 days
  bool force = false;                           // replace an existing CA
};

// Creates a new CA in `dir` (and the directories above it): an ECDSA P-256 key and a
// self-signed certificate with basicConstraints critical CA:TRUE pathlen:0 and keyUsage
// critical keyCertSign, cRLSign, valid from now-1h for `days` days. Refuses
// (kFailedPrecondition) when ca.key or ca.crt exists, unless opts.force. The key file is
// created with O_EXCL and mode 0600 under a temporary name and renamed into place, so it is
// never readable by others, and a crash leaves either the old files or the new ones.
// `clock` is only used during the call.
core::Status initCa(const std::string& dir, const CaInitOptions& opts, const core::Clock& clock);
core::Status initCa(const std::string& dir, const CaInitOptions& opts);  // the system clock

// A leaf certificate and its private key, ready for SSL_CTX_use_certificate /
// SSL_use_PrivateKey. Immutable and owning (the pointers live as long as the Leaf); safe to
// share between threads. OpenSSL objects are reference-counted: SSL_use_certificate takes its
// own reference, so an SSL may outlive the Leaf.
class Leaf {
 public:
  struct Free {
    void operator()(X509* p) const;
    void operator()(EVP_PKEY* p) const;
  };
  using CertPtr = std::unique_ptr<X509, Free>;
  using KeyPtr = std::unique_ptr<EVP_PKEY, Free>;

  Leaf(CertPtr cert, KeyPtr key, std::string host, std::int64_t notAfterMicros);
  Leaf(const Leaf&) = delete;
  Leaf& operator=(const Leaf&) = delete;

  X509* cert() const { return cert_.get(); }
  EVP_PKEY* key() const { return key_.get(); }
  // The normalised host it was minted for: lower case, no trailing dot, IPv6 without brackets.
  const std::string& host() const { return host_; }
  std::int64_t notAfterMicros() const { return notAfterMicros_; }

 private:
  CertPtr cert_;
  KeyPtr key_;
  std::string host_;
  std::int64_t notAfterMicros_;
};

struct CaOpenOptions {
  // Time for validity checks and leaf validity; null: the system clock.
  std::shared_ptr<const core::Clock> clock;
  std::size_t cacheCapacity = 1024;  // leaves kept in memory (LRU); at least 1
};

// What `airlock ca show` prints about a certificate.
struct CertificateInfo {
  std::string subject;            // RFC 2253, e.g. "CN=airlock local CA"
  std::string sha256Fingerprint;  // "AB:CD:…", as `openssl x509 -fingerprint -sha256` prints it
  std::string notBefore;          // RFC 3339 UTC, seconds: "2026-01-27T10:00:00Z"
  std::string notAfter;
  bool isCa = false;  // basicConstraints CA:TRUE
};

// Reads a PEM certificate file (no key needed). Errors name the file.
core::Result<CertificateInfo> describeCertificate(const std::string& path);

class CertAuthority {
  struct Token {
    explicit Token() = default;
  };

 public:
  // Loads and checks the CA in `dir`. kNotFound when ca.key or ca.crt is missing ("no CA at
  // DIR: run `airlock ca init`"); kPermissionDenied when group or others may access ca.key
  // (the message names the file and its mode); kFailedPrecondition when the key does not
  // match the certificate, the certificate is not a self-signed CA allowed to sign
  // certificates, or it has expired; kDataLoss when a file does not parse.
  static core::Result<std::shared_ptr<CertAuthority>> open(const std::string& dir,
                                                           CaOpenOptions opts = {});

  explicit CertAuthority(Token) {}  // use open()
  CertAuthority(const CertAuthority&) = delete;
  CertAuthority& operator=(const CertAuthority&) = delete;
  ~CertAuthority();

  // The leaf for `host`, a DNS name (SAN DNS) or an IPv4/IPv6 literal (SAN IP; IPv6 may be in
  // brackets), signed by the CA: ECDSA P-256, valid from now-1h to min(now+30d, CA expiry),
  // random 128-bit serial, keyUsage digitalSignature, extendedKeyUsage serverAuth,
  // basicConstraints CA:FALSE, subject and authority key identifiers. All leaves of one
  // CertAuthority share one key pair. Cached per host (LRU); a cached leaf is replaced once
  // half of its validity has passed. kInvalidArgument for anything that is not a DNS name or
  // an IP literal (wildcards, empty labels, a numeric top-level label, "%zone"…);
  // kFailedPrecondition when the CA has expired.
  core::Result<std::shared_ptr<const Leaf>> leafFor(std::string_view host);

  const std::string& certPath() const { return certPath_; }
  const std::string& dir() const { return dir_; }
  // The CA certificate (owned by this object), e.g. for SSL_CTX_add1_chain_cert.
  X509* caCert() const { return caCert_.get(); }
  std::size_t cachedLeaves() const;

 private:
  struct Entry {
    std::string host;
    std::shared_ptr<const Leaf> leaf;
    std::int64_t renewAtMicros;
  };

  core::Result<std::shared_ptr<const Leaf>> mint(const std::string& host, bool isIp,
                                                 std::int64_t now, std::int64_t* renewAt) const;

  std::string dir_;
  std::string certPath_;
  Leaf::CertPtr caCert_;
  Leaf::KeyPtr caKey_;
  Leaf::KeyPtr leafKey_;
  std::int64_t caNotAfterMicros_ = 0;
  std::shared_ptr<const core::Clock> clock_;
  std::size_t capacity_ = 1024;

  mutable std::mutex mu_;  // guards lru_ and index_
  std::list<Entry> lru_;   // most recently used first
  std::unordered_map<std::string, std::list<Entry>::iterator> index_;
};

}  // namespace airlock::proxy
