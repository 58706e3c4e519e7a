#include "adapters/proxy/ca.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <utility>

#include <fmt/format.h>

namespace airlock::proxy {

namespace {

using core::Code;
using core::makeError;

constexpr std::int64_t kMicros = 1'000'000;
constexpr std::int64_t kHour = 3600;
constexpr std::int64_t kDay = 24 * kHour;
constexpr std::int64_t kLeafDays = 30;
constexpr std::size_t kMaxPemFile = 64 * 1024;
constexpr std::size_t kMaxHost = 253;

std::string errnoText() { return std::strerror(errno); }

// Removes from OpenSSL's per-thread error queue whatever was pushed while it lived, on success
// and on failure: the proxy reads that queue after SSL calls (SSL_get_error), so a leftover
// entry from parsing a PEM file here would be misread there.
class ErrorMark {
 public:
  ErrorMark() { ERR_set_mark(); }
  ~ErrorMark() { ERR_pop_to_mark(); }
  ErrorMark(const ErrorMark&) = delete;
  ErrorMark& operator=(const ErrorMark&) = delete;
};

// "what: OpenSSL's first reason" (reasons never contain key material).
std::string sslError(std::string_view what) {
  unsigned long e = ERR_peek_last_error();
  if (e == 0) return std::string(what);
  char buf[256];
  ERR_error_string_n(e, buf, sizeof buf);
  return fmt::format("{}: {}", what, buf);
}

struct BioFree {
  void operator()(BIO* p) const { BIO_free(p); }
};
using BioPtr = std::unique_ptr<BIO, BioFree>;
struct BnFree {
  void operator()(BIGNUM* p) const { BN_free(p); }
};
struct GeneralNamesFree {
  void operator()(GENERAL_NAMES* p) const { GENERAL_NAMES_free(p); }
};
struct GeneralNameFree {
  void operator()(GENERAL_NAME* p) const { GENERAL_NAME_free(p); }
};

// Printable, bounded form of untrusted text for error messages.
std::string printable(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size() && i < 80; ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\')
      out += static_cast<char>(c);
    else
      out += fmt::format("\\x{:02x}", c);
  }
  if (s.size() > 80) out += "…";
  return out;
}

std::string formatSeconds(std::int64_t secs) {
  std::time_t t = static_cast<std::time_t>(secs);
  std::tm tm{};
  if (gmtime_r(&t, &tm) == nullptr) return fmt::format("@{}", secs);
  char buf[32];
  std::size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return std::string(buf, n);
}

core::Result<std::int64_t> asn1Seconds(const ASN1_TIME* t, std::string_view what) {
  std::tm tm{};
  if (t == nullptr || ASN1_TIME_to_tm(t, &tm) != 1)
    return makeError(Code::kDataLoss, fmt::format("unreadable {}", what));
  return static_cast<std::int64_t>(timegm(&tm));
}

bool setTime(ASN1_TIME* field, std::int64_t secs) {
  return ASN1_TIME_set(field, static_cast<std::time_t>(secs)) != nullptr;
}

// A positive, non-zero, random 128-bit serial number (RFC 5280 allows up to 20 octets).
bool setRandomSerial(X509* cert) {
  unsigned char bytes[16];
  do {
    if (RAND_bytes(bytes, sizeof bytes) != 1) return false;
  } while (std::all_of(std::begin(bytes), std::end(bytes), [](unsigned char b) { return b == 0; }));
  std::unique_ptr<BIGNUM, BnFree> bn(BN_bin2bn(bytes, sizeof bytes, nullptr));
  return bn && BN_to_ASN1_INTEGER(bn.get(), X509_get_serialNumber(cert)) != nullptr;
}

// Adds an extension from its OpenSSL configuration text; `issuer` supplies the authority key
// identifier. Values are constants of this file, never input.
bool addExtension(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_nconf_nid(nullptr, &ctx, nid, value);
  if (ext == nullptr) return false;
  bool ok = X509_add_ext(cert, ext, -1) == 1;
  X509_EXTENSION_free(ext);
  return ok;
}

bool addCommonName(X509_NAME* name, std::string_view cn) {
  return X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                    reinterpret_cast<const unsigned char*>(cn.data()),
                                    static_cast<int>(cn.size()), -1, 0) == 1;
}

core::Result<Leaf::KeyPtr> newP256Key() {
  Leaf::KeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  if (!key) return makeError(Code::kInternal, sslError("generating an ECDSA P-256 key"));
  return key;
}

core::Result<std::string> bioText(BIO* bio) {
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  if (n <= 0 || data == nullptr) return makeError(Code::kInternal, "empty PEM output");
  return std::string(data, static_cast<std::size_t>(n));
}

// Writes `data` to `path` through a temporary file created with O_EXCL and `mode` (so it is
// never more readable than `mode`), fsynced, then renamed over `path`. Leaves no temporary
// file behind on failure.
core::Status writeTemp(const std::string& tmp, std::string_view data, mode_t mode) {
  int fd = ::open(tmp.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, mode);
  if (fd < 0)
    return makeError(Code::kUnavailable, fmt::format("cannot create {}: {}", tmp, errnoText()));
  auto fail = [&](std::string_view what) {
    std::string msg = fmt::format("cannot {} {}: {}", what, tmp, errnoText());
    ::close(fd);
    ::unlink(tmp.c_str());
    return makeError(Code::kUnavailable, std::move(msg));
  };
  if (fchmod(fd, mode) != 0) return fail("chmod");  // the umask may have removed bits
  std::size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::write(fd, data.data() + off, data.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail("write");
    }
    off += static_cast<std::size_t>(n);
  }
  if (fsync(fd) != 0) return fail("fsync");
  if (::close(fd) != 0) {
    std::string msg = fmt::format("cannot close {}: {}", tmp, errnoText());
    ::unlink(tmp.c_str());
    return makeError(Code::kUnavailable, std::move(msg));
  }
  return {};
}

core::Result<std::string> tempName(const std::string& path) {
  unsigned char r[8];
  if (RAND_bytes(r, sizeof r) != 1) return makeError(Code::kInternal, sslError("random bytes"));
  std::string suffix;
  for (unsigned char b : r) suffix += fmt::format("{:02x}", b);
  return fmt::format("{}.tmp-{}", path, suffix);
}

// Reads a small file; `st` receives its fstat. kNotFound when absent.
core::Status readSmall(const std::string& path, std::string& out, struct stat& st) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    Code code = errno == ENOENT   ? Code::kNotFound
                : errno == EACCES ? Code::kPermissionDenied
                                  : Code::kUnavailable;
    return makeError(code, fmt::format("cannot open {}: {}", path, errnoText()));
  }
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return makeError(Code::kFailedPrecondition, fmt::format("{} is not a regular file", path));
  }
  out.clear();
  char buf[4096];
  while (true) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      std::string msg = fmt::format("cannot read {}: {}", path, errnoText());
      ::close(fd);
      OPENSSL_cleanse(buf, sizeof buf);
      return makeError(Code::kUnavailable, std::move(msg));
    }
    if (n == 0) break;
    if (out.size() + static_cast<std::size_t>(n) > kMaxPemFile) {
      ::close(fd);
      OPENSSL_cleanse(buf, sizeof buf);
      return makeError(Code::kDataLoss,
                       fmt::format("{} is larger than {} bytes", path, kMaxPemFile));
    }
    out.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  OPENSSL_cleanse(buf, sizeof buf);
  return {};
}

// Never prompts for a passphrase (OpenSSL's default callback would read the terminal).
int noPassphrase(char*, int, int, void*) { return -1; }

core::Result<Leaf::CertPtr> parseCert(const std::string& pem, const std::string& path) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return makeError(Code::kInternal, "out of memory");
  Leaf::CertPtr cert(PEM_read_bio_X509(bio.get(), nullptr, noPassphrase, nullptr));
  if (!cert)
    return makeError(Code::kDataLoss, sslError(fmt::format("{} is not a PEM certificate", path)));
  return cert;
}

struct Host {
  std::string text;  // normalised
  bool ip = false;
};

core::Result<Host> normalizeHost(std::string_view raw) {
  auto bad = [&](std::string_view why) {
    return makeError(Code::kInvalidArgument,
                     fmt::format("invalid host \"{}\" for a certificate: {}", printable(raw), why));
  };
  if (raw.empty()) return bad("empty");
  if (raw.size() > kMaxHost + 2) return bad("longer than 253 characters");
  std::string_view h = raw;
  bool bracketed = h.front() == '[';
  if (bracketed) {
    if (h.size() < 2 || h.back() != ']') return bad("unbalanced brackets");
    if (h.size() == 2) return bad("empty");
    h = h.substr(1, h.size() - 2);
  }
  std::string s(h);
  if (s.find('\0') != std::string::npos) return bad("contains a NUL byte");
  if (bracketed || s.find(':') != std::string::npos) {
    unsigned char addr[16];
    if (s.find('%') != std::string::npos) return bad("IPv6 zone ids are not allowed");
    if (inet_pton(AF_INET6, s.c_str(), addr) != 1) return bad("not an IPv6 address");
    char out[INET6_ADDRSTRLEN];
    if (inet_ntop(AF_INET6, addr, out, sizeof out) == nullptr) return bad("not an IPv6 address");
    return Host{out, true};
  }
  unsigned char v4[4];
  if (inet_pton(AF_INET, s.c_str(), v4) == 1) {
    char out[INET_ADDRSTRLEN];
    if (inet_ntop(AF_INET, v4, out, sizeof out) == nullptr) return bad("not an IPv4 address");
    return Host{out, true};
  }
  if (s.back() == '.') s.pop_back();
  if (s.empty()) return bad("empty");
  if (s.size() > kMaxHost) return bad("longer than 253 characters");
  std::size_t labelStart = 0;
  bool lastAllDigits = true;
  for (std::size_t i = 0; i <= s.size(); ++i) {
    if (i == s.size() || s[i] == '.') {
      std::size_t len = i - labelStart;
      if (len == 0) return bad("empty label");
      if (len > 63) return bad("a label is longer than 63 characters");
      if (s[labelStart] == '-' || s[i - 1] == '-') return bad("a label starts or ends with '-'");
      labelStart = i + 1;
      if (i < s.size()) lastAllDigits = true;
      continue;
    }
    char c = s[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    s[i] = c;
    bool digit = c >= '0' && c <= '9';
    if (!digit) lastAllDigits = false;
    if (!(digit || (c >= 'a' && c <= 'z') || c == '-' || c == '_')) {
      if (c == '*') return bad("wildcards are not minted");
      return bad(
          fmt::format("character \"{}\" is not allowed in a DNS name", printable(h.substr(i, 1))));
    }
  }
  if (lastAllDigits)
    return bad("the last label is numeric (not a DNS name nor a dotted-quad IPv4 address)");
  return Host{std::move(s), false};
}

core::Status checkCommonName(std::string_view cn) {
  if (cn.empty()) return makeError(Code::kInvalidArgument, "the CA common name is empty");
  std::size_t chars = 0;
  for (char c : cn) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f)
      return makeError(Code::kInvalidArgument, "the CA common name contains a control character");
    if ((u & 0xc0) != 0x80) ++chars;
  }
  if (chars > 64)
    return makeError(Code::kInvalidArgument, "the CA common name is longer than 64 characters");
  return {};
}

// The CA directory, created with mode 0700 (and tightened to 0700 when it exists).
core::Status prepareDir(const std::string& dir) {
  std::error_code ec;
  std::filesystem::path parent = std::filesystem::path(dir).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  if (ec)
    return makeError(Code::kUnavailable,
                     fmt::format("cannot create {}: {}", parent.string(), ec.message()));
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
    return makeError(Code::kUnavailable, fmt::format("cannot create {}: {}", dir, errnoText()));
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
    return makeError(Code::kFailedPrecondition, fmt::format("{} is not a directory", dir));
  if ((st.st_mode & 0777) != 0700 && ::chmod(dir.c_str(), 0700) != 0)
    return makeError(Code::kPermissionDenied,
                     fmt::format("cannot chmod 0700 {}: {}", dir, errnoText()));
  return {};
}

std::string modeText(mode_t mode) {
  return fmt::format("{:04o}", static_cast<unsigned>(mode & 07777));
}

}  // namespace

void Leaf::Free::operator()(X509* p) const { X509_free(p); }
void Leaf::Free::operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }

Leaf::Leaf(CertPtr cert, KeyPtr key, std::string host, std::int64_t notAfterMicros)
    : cert_(std::move(cert)),
      key_(std::move(key)),
      host_(std::move(host)),
      notAfterMicros_(notAfterMicros) {}

std::string caDirectory(const std::string& stateDir) { return stateDir + "/ca"; }

core::Status initCa(const std::string& dir, const CaInitOptions& opts) {
  core::SystemClock clock;
  return initCa(dir, opts, clock);
}

core::Status initCa(const std::string& dir, const CaInitOptions& opts, const core::Clock& clock) {
  ErrorMark mark;
  if (dir.empty()) return makeError(Code::kInvalidArgument, "empty CA directory");
  if (auto st = checkCommonName(opts.commonName); !st) return st;
  if (opts.days < 1 || opts.days > 3650)
    return makeError(Code::kInvalidArgument,
                     fmt::format("CA validity of {} days is outside 1–3650", opts.days));
  std::string keyPath = dir + "/" + std::string(kCaKeyFile);
  std::string certPath = dir + "/" + std::string(kCaCertFile);
  if (!opts.force) {
    struct stat st {};
    for (const std::string* p : {&keyPath, &certPath})
      if (::lstat(p->c_str(), &st) == 0)
        return makeError(
            Code::kFailedPrecondition,
            fmt::format("a CA already exists at {} ({} is there): pass --force to replace it "
                        "(clients that trust the old certificate will then reject airlock's)",
                        dir, *p));
  }
  if (auto st = prepareDir(dir); !st) return st;

  auto key = newP256Key();
  if (!key) return key.error();
  Leaf::CertPtr cert(X509_new());
  if (!cert) return makeError(Code::kInternal, "out of memory");
  std::int64_t now = clock.nowMicros() / kMicros;
  X509_NAME* name = X509_get_subject_name(cert.get());
  bool ok =
      X509_set_version(cert.get(), X509_VERSION_3) == 1 && setRandomSerial(cert.get()) &&
      setTime(X509_getm_notBefore(cert.get()), now - kHour) &&
      setTime(X509_getm_notAfter(cert.get()), now + static_cast<std::int64_t>(opts.days) * kDay) &&
      addCommonName(name, opts.commonName) && X509_set_issuer_name(cert.get(), name) == 1 &&
      X509_set_pubkey(cert.get(), key->get()) == 1 &&
      addExtension(cert.get(), cert.get(), NID_basic_constraints, "critical,CA:TRUE,pathlen:0") &&
      addExtension(cert.get(), cert.get(), NID_key_usage, "critical,keyCertSign,cRLSign") &&
      addExtension(cert.get(), cert.get(), NID_subject_key_identifier, "hash") &&
      X509_sign(cert.get(), key->get(), EVP_sha256()) > 0;
  if (!ok) return makeError(Code::kInternal, sslError("building the CA certificate"));

  BioPtr keyBio(BIO_new(BIO_s_mem()));
  BioPtr certBio(BIO_new(BIO_s_mem()));
  if (!keyBio || !certBio) return makeError(Code::kInternal, "out of memory");
  // PEM_write_bio_PrivateKey writes PKCS#8 ("BEGIN PRIVATE KEY"), unencrypted: the file mode
  // is what protects it, as for an SSH host key.
  if (PEM_write_bio_PrivateKey(keyBio.get(), key->get(), nullptr, nullptr, 0, nullptr, nullptr) !=
          1 ||
      PEM_write_bio_X509(certBio.get(), cert.get()) != 1)
    return makeError(Code::kInternal, sslError("encoding the CA"));
  auto keyPem = bioText(keyBio.get());
  auto certPem = bioText(certBio.get());
  if (!keyPem || !certPem) return makeError(Code::kInternal, "encoding the CA produced no output");
  {
    char* data = nullptr;
    long n = BIO_get_mem_data(keyBio.get(), &data);
    if (n > 0 && data != nullptr) OPENSSL_cleanse(data, static_cast<std::size_t>(n));
  }

  auto keyTmp = tempName(keyPath);
  auto certTmp = tempName(certPath);
  if (!keyTmp || !certTmp) {
    OPENSSL_cleanse(keyPem->data(), keyPem->size());
    return makeError(Code::kInternal, "cannot name temporary files");
  }
  core::Status wrote = writeTemp(*keyTmp, *keyPem, 0600);
  OPENSSL_cleanse(keyPem->data(), keyPem->size());
  if (!wrote) return wrote;
  if (auto st = writeTemp(*certTmp, *certPem, 0644); !st) {
    ::unlink(keyTmp->c_str());
    return st;
  }
  // Key first: between the two renames the pair does not match, which open() rejects.
  if (::rename(keyTmp->c_str(), keyPath.c_str()) != 0) {
    std::string msg = fmt::format("cannot rename into {}: {}", keyPath, errnoText());
    ::unlink(keyTmp->c_str());
    ::unlink(certTmp->c_str());
    return makeError(Code::kUnavailable, std::move(msg));
  }
  if (::rename(certTmp->c_str(), certPath.c_str()) != 0) {
    std::string msg = fmt::format("cannot rename into {}: {}", certPath, errnoText());
    ::unlink(certTmp->c_str());
    return makeError(Code::kUnavailable, std::move(msg));
  }
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    (void)fsync(dfd);  // best effort: the renames reach the disk
    ::close(dfd);
  }
  return {};
}

core::Result<CertificateInfo> describeCertificate(const std::string& path) {
  ErrorMark mark;
  std::string pem;
  struct stat st {};
  if (auto r = readSmall(path, pem, st); !r) return r.error();
  auto cert = parseCert(pem, path);
  if (!cert) return cert.error();
  CertificateInfo info;
  BioPtr bio(BIO_new(BIO_s_mem()));
  // RFC 2253 with UTF-8 left as is (control characters are still escaped).
  constexpr unsigned long kNameFlags = XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB;
  if (!bio || X509_NAME_print_ex(bio.get(), X509_get_subject_name(cert->get()), 0, kNameFlags) < 0)
    return makeError(Code::kInternal, sslError("printing the subject"));
  char* data = nullptr;
  long n = BIO_get_mem_data(bio.get(), &data);
  if (n > 0 && data != nullptr) info.subject.assign(data, static_cast<std::size_t>(n));
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int mdLen = 0;
  if (X509_digest(cert->get(), EVP_sha256(), md, &mdLen) != 1)
    return makeError(Code::kInternal, sslError("fingerprint"));
  for (unsigned int i = 0; i < mdLen; ++i)
    info.sha256Fingerprint += fmt::format("{}{:02X}", i == 0 ? "" : ":", md[i]);
  auto nb = asn1Seconds(X509_get0_notBefore(cert->get()), fmt::format("notBefore in {}", path));
  auto na = asn1Seconds(X509_get0_notAfter(cert->get()), fmt::format("notAfter in {}", path));
  if (!nb) return nb.error();
  if (!na) return na.error();
  info.notBefore = formatSeconds(*nb);
  info.notAfter = formatSeconds(*na);
  info.isCa = (X509_get_extension_flags(cert->get()) & EXFLAG_CA) != 0;
  return info;
}

CertAuthority::~CertAuthority() = default;

core::Result<std::shared_ptr<CertAuthority>> CertAuthority::open(const std::string& dir,
                                                                 CaOpenOptions opts) {
  ErrorMark mark;
  std::string keyPath = dir + "/" + std::string(kCaKeyFile);
  std::string certPath = dir + "/" + std::string(kCaCertFile);
  {
    struct stat st {};
    bool hasKey = ::stat(keyPath.c_str(), &st) == 0 || errno != ENOENT;
    bool hasCert = ::stat(certPath.c_str(), &st) == 0 || errno != ENOENT;
    if (!hasKey && !hasCert)
      return makeError(Code::kNotFound, fmt::format("no CA at {}: run `airlock ca init`", dir));
    if (!hasKey || !hasCert)
      return makeError(
          Code::kNotFound,
          fmt::format(
              "incomplete CA at {}: {} is missing (run `airlock ca init --force` to make a new CA)",
              dir, hasKey ? certPath : keyPath));
  }

  // The key: a regular file that only its owner can read or write.
  std::string keyPem;
  struct stat keySt {};
  if (auto r = readSmall(keyPath, keyPem, keySt); !r) return r.error();
  if ((keySt.st_mode & 077) != 0) {
    OPENSSL_cleanse(keyPem.data(), keyPem.size());
    return makeError(
        Code::kPermissionDenied,
        fmt::format("{} has mode {}: a CA key must not be accessible to group or others "
                    "(chmod 600 {})",
                    keyPath, modeText(keySt.st_mode), keyPath));
  }
  Leaf::KeyPtr key;
  {
    BioPtr bio(BIO_new_mem_buf(keyPem.data(), static_cast<int>(keyPem.size())));
    if (bio) key.reset(PEM_read_bio_PrivateKey(bio.get(), nullptr, noPassphrase, nullptr));
    OPENSSL_cleanse(keyPem.data(), keyPem.size());
    if (!key)
      return makeError(Code::kDataLoss,
                       sslError(fmt::format("{} is not an unencrypted PEM private key", keyPath)));
  }
  int keyType = EVP_PKEY_get_base_id(key.get());
  if (keyType != EVP_PKEY_EC && keyType != EVP_PKEY_RSA)
    return makeError(Code::kFailedPrecondition,
                     fmt::format("{} is neither an EC nor an RSA key", keyPath));

  std::string certPem;
  struct stat certSt {};
  if (auto r = readSmall(certPath, certPem, certSt); !r) return r.error();
  auto cert = parseCert(certPem, certPath);
  if (!cert) return cert.error();

  if (X509_check_private_key(cert->get(), key.get()) != 1)
    return makeError(
        Code::kFailedPrecondition,
        fmt::format("{} does not belong to {} (another CA's key?): run `airlock ca init --force`",
                    keyPath, certPath));
  std::uint32_t flags = X509_get_extension_flags(cert->get());
  if ((flags & EXFLAG_CA) == 0)
    return makeError(
        Code::kFailedPrecondition,
        fmt::format("{} is not a CA certificate (no basicConstraints CA:TRUE)", certPath));
  if ((flags & EXFLAG_KUSAGE) != 0 && (X509_get_key_usage(cert->get()) & KU_KEY_CERT_SIGN) == 0)
    return makeError(
        Code::kFailedPrecondition,
        fmt::format("{} may not sign certificates (keyUsage lacks keyCertSign)", certPath));
  if (X509_self_signed(cert->get(), 1) != 1)
    return makeError(Code::kFailedPrecondition,
                     fmt::format("{} is not a self-signed certificate", certPath));

  auto clock = opts.clock ? opts.clock : std::make_shared<core::SystemClock>();
  std::int64_t now = clock->nowMicros() / kMicros;
  auto nb = asn1Seconds(X509_get0_notBefore(cert->get()), fmt::format("notBefore in {}", certPath));
  auto na = asn1Seconds(X509_get0_notAfter(cert->get()), fmt::format("notAfter in {}", certPath));
  if (!nb) return nb.error();
  if (!na) return na.error();
  if (now >= *na)
    return makeError(
        Code::kFailedPrecondition,
        fmt::format("the CA certificate {} expired on {}: run `airlock ca init --force`", certPath,
                    formatSeconds(*na)));
  if (now < *nb)
    return makeError(
        Code::kFailedPrecondition,
        fmt::format("the CA certificate {} is not valid before {}", certPath, formatSeconds(*nb)));

  auto leafKey = newP256Key();
  if (!leafKey) return leafKey.error();

  auto ca = std::make_shared<CertAuthority>(Token{});
  ca->dir_ = dir;
  ca->certPath_ = certPath;
  ca->caCert_ = std::move(*cert);
  ca->caKey_ = std::move(key);
  ca->leafKey_ = std::move(*leafKey);
  ca->caNotAfterMicros_ = *na * kMicros;
  ca->clock_ = std::move(clock);
  ca->capacity_ = std::max<std::size_t>(1, opts.cacheCapacity);
  return ca;
}

std::size_t CertAuthority::cachedLeaves() const {
  std::lock_guard<std::mutex> lock(mu_);
  return lru_.size();
}

core::Result<std::shared_ptr<const Leaf>> CertAuthority::leafFor(std::string_view rawHost) {
  auto host = normalizeHost(rawHost);
  if (!host) return host.error();
  std::int64_t now = clock_->nowMicros();
  if (now >= caNotAfterMicros_)
    return makeError(
        Code::kFailedPrecondition,
        fmt::format("the CA certificate {} expired on {}: run `airlock ca init --force`", certPath_,
                    formatSeconds(caNotAfterMicros_ / kMicros)));
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = index_.find(host->text);
    if (it != index_.end() && now < it->second->renewAtMicros) {
      lru_.splice(lru_.begin(), lru_, it->second);
      return it->second->leaf;
    }
  }
  // Minted outside the lock: other hosts are not held up by one signature.
  std::int64_t renewAt = 0;
  auto leaf = mint(host->text, host->ip, now, &renewAt);
  if (!leaf) return leaf.error();
  std::lock_guard<std::mutex> lock(mu_);
  if (auto it = index_.find(host->text); it != index_.end()) {
    lru_.erase(it->second);
    index_.erase(it);
  }
  lru_.push_front(Entry{host->text, *leaf, renewAt});
  index_[host->text] = lru_.begin();
  while (lru_.size() > capacity_) {
    index_.erase(lru_.back().host);
    lru_.pop_back();
  }
  return *leaf;
}

core::Result<std::shared_ptr<const Leaf>> CertAuthority::mint(const std::string& host, bool isIp,
                                                              std::int64_t nowMicros,
                                                              std::int64_t* renewAt) const {
  ErrorMark mark;
  std::int64_t now = nowMicros / kMicros;
  std::int64_t notAfter = std::min(now + kLeafDays * kDay, caNotAfterMicros_ / kMicros);
  Leaf::CertPtr cert(X509_new());
  if (!cert) return makeError(Code::kInternal, "out of memory");

  std::unique_ptr<GENERAL_NAMES, GeneralNamesFree> names(sk_GENERAL_NAME_new_null());
  std::unique_ptr<GENERAL_NAME, GeneralNameFree> name(GENERAL_NAME_new());
  if (!names || !name) return makeError(Code::kInternal, "out of memory");
  if (isIp) {
    ASN1_OCTET_STRING* ip = a2i_IPADDRESS(host.c_str());
    if (ip == nullptr) return makeError(Code::kInternal, sslError("encoding the IP address"));
    GENERAL_NAME_set0_value(name.get(), GEN_IPADD, ip);
  } else {
    ASN1_IA5STRING* dns = ASN1_IA5STRING_new();
    if (dns == nullptr || ASN1_STRING_set(dns, host.data(), static_cast<int>(host.size())) != 1) {
      ASN1_IA5STRING_free(dns);
      return makeError(Code::kInternal, "out of memory");
    }
    GENERAL_NAME_set0_value(name.get(), GEN_DNS, dns);
  }
  if (sk_GENERAL_NAME_push(names.get(), name.get()) <= 0)
    return makeError(Code::kInternal, "out of memory");
  name.release();  // owned by names now

  // The subject is CN=host when it fits (64 characters); otherwise empty, and RFC 5280 then
  // wants the subjectAltName critical.
  bool withCn = host.size() <= 64;
  bool ok = X509_set_version(cert.get(), X509_VERSION_3) == 1 && setRandomSerial(cert.get()) &&
            setTime(X509_getm_notBefore(cert.get()), now - kHour) &&
            setTime(X509_getm_notAfter(cert.get()), notAfter) &&
            X509_set_issuer_name(cert.get(), X509_get_subject_name(caCert_.get())) == 1 &&
            (!withCn || addCommonName(X509_get_subject_name(cert.get()), host)) &&
            X509_set_pubkey(cert.get(), leafKey_.get()) == 1 &&
            X509_add1_ext_i2d(cert.get(), NID_subject_alt_name, names.get(), withCn ? 0 : 1,
                              X509V3_ADD_DEFAULT) == 1 &&
            addExtension(cert.get(), caCert_.get(), NID_basic_constraints, "critical,CA:FALSE") &&
            addExtension(cert.get(), caCert_.get(), NID_key_usage, "critical,digitalSignature") &&
            addExtension(cert.get(), caCert_.get(), NID_ext_key_usage, "serverAuth") &&
            addExtension(cert.get(), caCert_.get(), NID_subject_key_identifier, "hash") &&
            addExtension(cert.get(), caCert_.get(), NID_authority_key_identifier, "keyid:always") &&
            X509_sign(cert.get(), caKey_.get(), EVP_sha256()) > 0;
  if (!ok)
    return makeError(Code::kInternal, sslError(fmt::format("minting a certificate for {}", host)));
  if (EVP_PKEY_up_ref(leafKey_.get()) != 1)
    return makeError(Code::kInternal, "EVP_PKEY_up_ref failed");
  Leaf::KeyPtr key(leafKey_.get());
  std::int64_t notAfterMicros = notAfter * kMicros;
  *renewAt = nowMicros + (notAfterMicros - nowMicros) / 2;
  return std::shared_ptr<const Leaf>(
      std::make_shared<Leaf>(std::move(cert), std::move(key), host, notAfterMicros));
}

}  // namespace airlock::proxy
