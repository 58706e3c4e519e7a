// The local CA: initCa's files and modes; the CA certificate's extensions; leaves checked with
// OpenSSL's own chain verification (X509_verify_cert with host and IP checks) for SAN, EKU,
// key usage, validity and key identifiers; the per-host cache (normalisation, LRU bound,
// renewal); open() failing closed on each broken CA, with exact messages; and real TLS: an
// OpenSSL server on 127.0.0.1 presenting a minted leaf to the real `curl` binary.
#include "adapters/proxy/ca.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

using airlock::core::Code;
using airlock::core::ManualClock;
using airlock::proxy::CaInitOptions;
using airlock::proxy::CaOpenOptions;
using airlock::proxy::CertAuthority;
using airlock::proxy::describeCertificate;
using airlock::proxy::initCa;
using airlock::proxy::Leaf;

namespace fs = std::filesystem;

namespace {

constexpr std::int64_t kT0 = 1769500000;  // 2026-01-27T07:46:40Z
constexpr std::int64_t kMicros = 1'000'000;
constexpr std::int64_t kDay = 86400;

struct X509Free {
  void operator()(X509* p) const { X509_free(p); }
};
using X509Ptr = std::unique_ptr<X509, X509Free>;

std::string readFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

mode_t modeOf(const fs::path& p) {
  struct stat st {};
  EXPECT_EQ(::stat(p.c_str(), &st), 0) << p;
  return st.st_mode & 07777;
}

X509Ptr loadCert(const fs::path& p) {
  std::string pem = readFile(p);
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  X509Ptr cert(PEM_read_bio_X509(bio, nullptr, nullptr, nullptr));
  BIO_free(bio);
  return cert;
}

std::int64_t seconds(const ASN1_TIME* t) {
  std::tm tm{};
  EXPECT_EQ(ASN1_TIME_to_tm(t, &tm), 1);
  return static_cast<std::int64_t>(timegm(&tm));
}

bool extensionCritical(X509* cert, int nid) {
  int idx = X509_get_ext_by_NID(cert, nid, -1);
  EXPECT_GE(idx, 0) << OBJ_nid2sn(nid);
  return idx >= 0 && X509_EXTENSION_get_critical(X509_get_ext(cert, idx)) == 1;
}

std::string curveOf(EVP_PKEY* key) {
  char name[64] = {};
  std::size_t len = 0;
  if (EVP_PKEY_get_utf8_string_param(key, "group", name, sizeof name, &len) != 1) return "?";
  return name;
}

// The subjectAltName entries as "DNS:name" / "IP:a.b.c.d" / "IP:16 bytes".
std::vector<std::string> sans(X509* cert) {
  std::vector<std::string> out;
  auto* names =
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  if (names == nullptr) return out;
  for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME* g = sk_GENERAL_NAME_value(names, i);
    if (g->type == GEN_DNS) {
      out.push_back("DNS:" +
                    std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(g->d.dNSName)),
                                static_cast<std::size_t>(ASN1_STRING_length(g->d.dNSName))));
    } else if (g->type == GEN_IPADD) {
      int len = ASN1_STRING_length(g->d.iPAddress);
      const unsigned char* b = ASN1_STRING_get0_data(g->d.iPAddress);
      char text[INET6_ADDRSTRLEN] = {};
      inet_ntop(len == 4 ? AF_INET : AF_INET6, b, text, sizeof text);
      out.push_back("IP:" + std::string(text) + "/" + std::to_string(len));
    } else {
      out.push_back("other");
    }
  }
  GENERAL_NAMES_free(names);
  return out;
}

std::string keyIdHex(const ASN1_OCTET_STRING* s) {
  if (s == nullptr) return "";
  std::string out;
  for (int i = 0; i < ASN1_STRING_length(s); ++i) {
    char b[3];
    std::snprintf(b, sizeof b, "%02x", ASN1_STRING_get0_data(s)[i]);
    out += b;
  }
  return out;
}

// X509_verify_cert of `leaf` against `ca` at time `at`; host or IP checked when given.
// Returns X509_V_OK or the verification error.
int verify(X509* leaf, X509* ca, std::int64_t at, const std::string& host,
           const std::string& ip = "") {
  X509_STORE* store = X509_STORE_new();
  X509_STORE_add_cert(store, ca);
  X509_STORE_CTX* ctx = X509_STORE_CTX_new();
  X509_STORE_CTX_init(ctx, store, leaf, nullptr);
  X509_STORE_CTX_set_purpose(ctx, X509_PURPOSE_SSL_SERVER);
  X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx);
  X509_VERIFY_PARAM_set_time(param, static_cast<time_t>(at));
  if (!host.empty()) X509_VERIFY_PARAM_set1_host(param, host.c_str(), host.size());
  if (!ip.empty()) X509_VERIFY_PARAM_set1_ip_asc(param, ip.c_str());
  int rc = X509_verify_cert(ctx);
  int err = X509_STORE_CTX_get_error(ctx);
  X509_STORE_CTX_free(ctx);
  X509_STORE_free(store);
  ERR_clear_error();
  return rc == 1 ? X509_V_OK : (err == X509_V_OK ? -1 : err);
}

// Runs a program (PATH lookup) with a minimal environment (no proxies, no CA variables);
// returns its exit status (-1 when it did not exit normally), stdout and stderr in `out`.
int run(const std::vector<std::string>& argv, const fs::path& tmp, std::string* out = nullptr) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  std::string pathVar = "PATH=/usr/local/bin:/usr/bin:/bin";
  std::string homeVar = "HOME=" + tmp.string();
  std::vector<char*> env = {pathVar.data(), homeVar.data(), nullptr};
  fs::path outFile = tmp / "proc.out";
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, outFile.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_adddup2(&fa, 1, 2);
  pid_t pid = 0;
  int rc = posix_spawnp(&pid, args[0], &fa, nullptr, args.data(), env.data());
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) return -2;
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (out != nullptr) *out = readFile(outFile);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

bool haveProgram(const char* name) {
  for (const char* dir : {"/usr/local/bin", "/usr/bin", "/bin"})
    if (::access((std::string(dir) + "/" + name).c_str(), X_OK) == 0) return true;
  return false;
}

class CaTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/airlock-ca-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    root_ = tmpl;
    dir_ = root_ / "state" / "ca";
    clock_ = std::make_shared<ManualClock>(kT0 * kMicros);
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(root_, ec);
  }

  void init(const fs::path& dir, CaInitOptions opts = {}) {
    auto st = initCa(dir, opts, *clock_);
    ASSERT_TRUE(st.ok()) << st.error().toString();
  }
  std::shared_ptr<CertAuthority> open(const fs::path& dir, std::size_t capacity = 1024) {
    CaOpenOptions o;
    o.clock = clock_;
    o.cacheCapacity = capacity;
    auto ca = CertAuthority::open(dir, o);
    EXPECT_TRUE(ca.ok()) << ca.error().toString();
    return ca.ok() ? *ca : nullptr;
  }
  // open() must fail with `code` and exactly `message`, leaving no OpenSSL error behind.
  void expectOpenFails(Code code, const std::string& message) {
    CaOpenOptions o;
    o.clock = clock_;
    auto ca = CertAuthority::open(dir_, o);
    ASSERT_FALSE(ca.ok());
    EXPECT_EQ(ca.error().code, code) << ca.error().toString();
    EXPECT_EQ(ca.error().message, message);
    EXPECT_EQ(ERR_peek_error(), 0UL) << "OpenSSL error queue not cleaned";
  }
  std::string key() const { return (dir_ / "ca.key").string(); }
  std::string crt() const { return (dir_ / "ca.crt").string(); }

  fs::path root_;
  fs::path dir_;
  std::shared_ptr<ManualClock> clock_;
};

// --- initCa ---------------------------------------------------------------------------------

TEST_F(CaTest, InitCreatesKeyAndCertWithTheirModesWhateverTheUmask) {
  for (mode_t mask : {mode_t{0}, mode_t{077}}) {
    SCOPED_TRACE(mask);
    fs::remove_all(root_ / "state");
    mode_t old = ::umask(mask);
    auto st = initCa(dir_, {}, *clock_);
    ::umask(old);
    ASSERT_TRUE(st.ok()) << st.error().toString();
    EXPECT_EQ(modeOf(dir_), 0700u);
    EXPECT_EQ(modeOf(key()), 0600u);
    EXPECT_EQ(modeOf(crt()), 0644u);
    std::set<std::string> names;
    for (const auto& e : fs::directory_iterator(dir_)) names.insert(e.path().filename());
    EXPECT_EQ(names, (std::set<std::string>{"ca.crt", "ca.key"})) << "temporary files left behind";
    EXPECT_EQ(readFile(key()).rfind("-----BEGIN PRIVATE KEY-----\n", 0), 0u) << "not PKCS#8 PEM";
    EXPECT_EQ(readFile(crt()).rfind("-----BEGIN CERTIFICATE-----\n", 0), 0u);
  }
}

TEST_F(CaTest, InitTightensAnExistingLooseDirectory) {
  fs::create_directories(dir_);
  ASSERT_EQ(::chmod(dir_.c_str(), 0755), 0);
  init(dir_);
  EXPECT_EQ(modeOf(dir_), 0700u);
}

TEST_F(CaTest, CaCertificateIsASelfSignedP256CaForSigningOnly) {
  CaInitOptions opts;
  opts.commonName = "Test CA ünïcode";
  opts.days = 100;
  init(dir_, opts);
  X509Ptr ca = loadCert(crt());
  ASSERT_TRUE(ca);
  EXPECT_EQ(X509_get_version(ca.get()), X509_VERSION_3);
  EXPECT_EQ(X509_check_ca(ca.get()), 1);  // basicConstraints CA:TRUE
  EXPECT_TRUE(extensionCritical(ca.get(), NID_basic_constraints));
  EXPECT_EQ(X509_get_pathlen(ca.get()), 0);
  EXPECT_TRUE(extensionCritical(ca.get(), NID_key_usage));
  EXPECT_EQ(X509_get_key_usage(ca.get()),
            static_cast<std::uint32_t>(KU_KEY_CERT_SIGN | KU_CRL_SIGN));
  EXPECT_EQ(X509_self_signed(ca.get(), 1), 1);
  EXPECT_NE(X509_get0_subject_key_id(ca.get()), nullptr);
  EXPECT_EQ(curveOf(X509_get0_pubkey(ca.get())), "prime256v1");
  EXPECT_EQ(X509_get_signature_nid(ca.get()), NID_ecdsa_with_SHA256);
  EXPECT_EQ(seconds(X509_get0_notBefore(ca.get())), kT0 - 3600);
  EXPECT_EQ(seconds(X509_get0_notAfter(ca.get())), kT0 + 100 * kDay);
  auto info = describeCertificate(crt());
  ASSERT_TRUE(info.ok()) << info.error().toString();
  EXPECT_EQ(info->subject, "CN=Test CA ünïcode");
  EXPECT_TRUE(info->isCa);
  EXPECT_EQ(info->notBefore, "2026-01-27T06:46:40Z");
  EXPECT_EQ(info->notAfter, "2026-05-07T07:46:40Z");
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  ASSERT_EQ(X509_digest(ca.get(), EVP_sha256(), md, &n), 1);
  char first[8];
  std::snprintf(first, sizeof first, "%02X:%02X:", md[0], md[1]);
  EXPECT_EQ(info->sha256Fingerprint.size(), 32u * 3 - 1);
  EXPECT_EQ(info->sha256Fingerprint.rfind(first, 0), 0u) << info->sha256Fingerprint;
}

TEST_F(CaTest, InitRefusesToReplaceACaUnlessForced) {
  init(dir_);
  std::string before = readFile(crt());
  auto again = initCa(dir_, {}, *clock_);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, Code::kFailedPrecondition);
  EXPECT_EQ(again.error().message,
            "a CA already exists at " + dir_.string() + " (" + key() +
                " is there): pass --force to replace it (clients that trust the old certificate "
                "will then reject airlock's)");
  EXPECT_EQ(readFile(crt()), before);
  // Only the certificate left: still refused.
  fs::remove(key());
  EXPECT_FALSE(initCa(dir_, {}, *clock_).ok());
  EXPECT_EQ(readFile(crt()), before);

  CaInitOptions force;
  force.force = true;
  init(dir_, force);
  EXPECT_NE(readFile(crt()), before);
  EXPECT_EQ(modeOf(key()), 0600u);
  EXPECT_NE(open(dir_), nullptr);
}

TEST_F(CaTest, InitRejectsBadOptionsAndWritesNothing) {
  struct Row {
    std::string cn;
    int days;
    const char* message;
  };
  const Row rows[] = {
      {"", 825, "the CA common name is empty"},
      {std::string(65, 'x'), 825, "the CA common name is longer than 64 characters"},
      {"line\nbreak", 825, "the CA common name contains a control character"},
      {"ok", 0, "CA validity of 0 days is outside 1–3650"},
      {"ok", 3651, "CA validity of 3651 days is outside 1–3650"},
      {"ok", -5, "CA validity of -5 days is outside 1–3650"},
  };
  for (const Row& r : rows) {
    CaInitOptions o;
    o.commonName = r.cn;
    o.days = r.days;
    auto st = initCa(dir_, o, *clock_);
    ASSERT_FALSE(st.ok()) << r.message;
    EXPECT_EQ(st.error().code, Code::kInvalidArgument);
    EXPECT_EQ(st.error().message, r.message);
    EXPECT_FALSE(fs::exists(dir_));
  }
  CaInitOptions o;
  o.commonName = std::string(64, 'x');  // the limit itself is fine
  init(dir_, o);
}

// --- leaves ---------------------------------------------------------------------------------

TEST_F(CaTest, LeafForADnsNameVerifiesAgainstTheCa) {
  init(dir_);
  auto ca = open(dir_);
  ASSERT_NE(ca, nullptr);
  EXPECT_EQ(ca->certPath(), crt());
  auto leaf = ca->leafFor("api.example.com");
  ASSERT_TRUE(leaf.ok()) << leaf.error().toString();
  X509* cert = (*leaf)->cert();
  X509Ptr caCert = loadCert(crt());

  EXPECT_EQ(verify(cert, caCert.get(), kT0, "api.example.com"), X509_V_OK);
  EXPECT_EQ(verify(cert, caCert.get(), kT0, "other.example.com"), X509_V_ERR_HOSTNAME_MISMATCH);
  EXPECT_EQ(verify(cert, caCert.get(), kT0, "example.com"), X509_V_ERR_HOSTNAME_MISMATCH);
  EXPECT_EQ(verify(cert, caCert.get(), kT0 - 3600 - 1, ""), X509_V_ERR_CERT_NOT_YET_VALID);
  EXPECT_EQ(verify(cert, caCert.get(), kT0 + 30 * kDay + 1, ""), X509_V_ERR_CERT_HAS_EXPIRED);

  EXPECT_EQ(sans(cert), (std::vector<std::string>{"DNS:api.example.com"}));
  EXPECT_EQ(X509_check_ca(cert), 0);
  EXPECT_TRUE(extensionCritical(cert, NID_basic_constraints));
  EXPECT_TRUE(extensionCritical(cert, NID_key_usage));
  EXPECT_EQ(X509_get_key_usage(cert), static_cast<std::uint32_t>(KU_DIGITAL_SIGNATURE));
  EXPECT_EQ(X509_get_extended_key_usage(cert), static_cast<std::uint32_t>(XKU_SSL_SERVER));
  EXPECT_EQ(seconds(X509_get0_notBefore(cert)), kT0 - 3600);
  EXPECT_EQ(seconds(X509_get0_notAfter(cert)), kT0 + 30 * kDay);
  EXPECT_EQ((*leaf)->notAfterMicros(), (kT0 + 30 * kDay) * kMicros);
  EXPECT_EQ(keyIdHex(X509_get0_authority_key_id(cert)),
            keyIdHex(X509_get0_subject_key_id(caCert.get())));
  EXPECT_NE(keyIdHex(X509_get0_subject_key_id(cert)), "");
  EXPECT_EQ(X509_check_private_key(cert, (*leaf)->key()), 1);
  EXPECT_EQ(curveOf((*leaf)->key()), "prime256v1");
  EXPECT_EQ(X509_check_issued(caCert.get(), cert), X509_V_OK);
  const ASN1_INTEGER* serial = X509_get0_serialNumber(cert);
  BIGNUM* bn = ASN1_INTEGER_to_BN(serial, nullptr);
  EXPECT_FALSE(BN_is_negative(bn));
  EXPECT_LE(BN_num_bits(bn), 128);
  EXPECT_GT(BN_num_bits(bn), 64);  // random 128 bits: fewer than 65 has odds of 2^-64
  BN_free(bn);
  std::string cn(256, '\0');
  int n = X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, cn.data(), 256);
  EXPECT_EQ(cn.substr(0, n > 0 ? n : 0), "api.example.com");
}

TEST_F(CaTest, LeafForAnIpLiteralHasAnIpSan) {
  init(dir_);
  auto ca = open(dir_);
  ASSERT_NE(ca, nullptr);
  X509Ptr caCert = loadCert(crt());
  auto v4 = ca->leafFor("127.0.0.1");
  ASSERT_TRUE(v4.ok()) << v4.error().toString();
  EXPECT_EQ(sans((*v4)->cert()), (std::vector<std::string>{"IP:127.0.0.1/4"}));
  EXPECT_EQ(verify((*v4)->cert(), caCert.get(), kT0, "", "127.0.0.1"), X509_V_OK);
  EXPECT_EQ(verify((*v4)->cert(), caCert.get(), kT0, "", "127.0.0.2"),
            X509_V_ERR_IP_ADDRESS_MISMATCH);

  auto v6 = ca->leafFor("[2001:DB8:0:0::1]");
  ASSERT_TRUE(v6.ok()) << v6.error().toString();
  EXPECT_EQ((*v6)->host(), "2001:db8::1");
  EXPECT_EQ(sans((*v6)->cert()), (std::vector<std::string>{"IP:2001:db8::1/16"}));
  EXPECT_EQ(verify((*v6)->cert(), caCert.get(), kT0, "", "2001:db8::1"), X509_V_OK);
  auto same = ca->leafFor("2001:db8::1");
  ASSERT_TRUE(same.ok());
  EXPECT_EQ(same->get(), v6->get()) << "bracketed and bare IPv6 are one host";
}

TEST_F(CaTest, LeafValidityStopsAtTheCaExpiry) {
  CaInitOptions o;
  o.days = 10;
  init(dir_, o);
  auto ca = open(dir_);
  ASSERT_NE(ca, nullptr);
  auto leaf = ca->leafFor("short.example");
  ASSERT_TRUE(leaf.ok());
  EXPECT_EQ(seconds(X509_get0_notAfter((*leaf)->cert())), kT0 + 10 * kDay);

  clock_->advance(10 * kDay * kMicros);
  auto expired = ca->leafFor("short.example");
  ASSERT_FALSE(expired.ok());
  EXPECT_EQ(expired.error().code, Code::kFailedPrecondition);
  EXPECT_EQ(expired.error().message,
            "the CA certificate " + crt() +
                " expired on 2026-02-06T07:46:40Z: run `airlock ca init --force`");
  expectOpenFails(Code::kFailedPrecondition,
                  "the CA certificate " + crt() +
                      " expired on 2026-02-06T07:46:40Z: run `airlock ca init --force`");
}

TEST_F(CaTest, CacheReturnsTheSameLeafPerNormalisedHost) {
  init(dir_);
  auto ca = open(dir_);
  ASSERT_NE(ca, nullptr);
  auto a = ca->leafFor("api.example.com");
  auto b = ca->leafFor("API.Example.COM.");
  auto c = ca->leafFor("www.example.com");
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  EXPECT_EQ(a->get(), b->get());
  EXPECT_EQ((*a)->host(), "api.example.com");
  EXPECT_NE(a->get(), c->get());
  EXPECT_EQ(ca->cachedLeaves(), 2u);
  // One key pair per CA instance; distinct serials.
  EXPECT_EQ(EVP_PKEY_eq((*a)->key(), (*c)->key()), 1);
  EXPECT_NE(
      ASN1_INTEGER_cmp(X509_get0_serialNumber((*a)->cert()), X509_get0_serialNumber((*c)->cert())),
      0);
}

TEST_F(CaTest, CacheIsABoundedLru) {
  init(dir_);
  auto ca = open(dir_, 2);
  ASSERT_NE(ca, nullptr);
  auto a = ca->leafFor("a.example");
  auto b = ca->leafFor("b.example");
  ASSERT_TRUE(a.ok() && b.ok());
  ASSERT_EQ(ca->leafFor("a.example")->get(), a->get());  // a is now the most recent
  auto c = ca->leafFor("c.example");                     // evicts b
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(ca->cachedLeaves(), 2u);
  EXPECT_EQ(ca->leafFor("a.example")->get(), a->get());
  EXPECT_EQ(ca->leafFor("c.example")->get(), c->get());
  auto b2 = ca->leafFor("b.example");
  ASSERT_TRUE(b2.ok());
  EXPECT_NE(b2->get(), b->get()) << "b should have been evicted";
  EXPECT_EQ(ca->cachedLeaves(), 2u);
  // An evicted leaf stays usable by whoever holds it.
  EXPECT_EQ(sans((*b)->cert()), (std::vector<std::string>{"DNS:b.example"}));
}

TEST_F(CaTest, CachedLeafIsRenewedOnceHalfItsValidityHasPassed) {
  init(dir_);
  auto ca = open(dir_);
  ASSERT_NE(ca, nullptr);
  auto first = ca->leafFor("renew.example");
  ASSERT_TRUE(first.ok());
  clock_->advance(14 * kDay * kMicros);
  EXPECT_EQ(ca->leafFor("renew.example")->get(), first->get());
  clock_->advance(2 * kDay * kMicros);
  auto second = ca->leafFor("renew.example");
  ASSERT_TRUE(second.ok());
  EXPECT_NE(second->get(), first->get());
  EXPECT_EQ(seconds(X509_get0_notAfter((*second)->cert())), kT0 + 16 * kDay + 30 * kDay);
}

TEST_F(CaTest, LeafForRejectsWhatIsNotAHostWithExactReasons) {
  init(dir_);
  auto ca = open(dir_);
  ASSERT_NE(ca, nullptr);
  struct Row {
    std::string host;
    std::string message;
  };
  const std::string label64(64, 'a');
  const std::string tooLong = std::string(63, 'a') + "." + std::string(63, 'b') + "." +
                              std::string(63, 'c') + "." + std::string(61, 'd') + ".e";
  const Row rows[] = {
      {"", "invalid host \"\" for a certificate: empty"},
      {".", "invalid host \".\" for a certificate: empty"},
      {"*.example.com",
       "invalid host \"*.example.com\" for a certificate: wildcards are not minted"},
      {"exa mple.com",
       "invalid host \"exa mple.com\" for a certificate: character \" \" is not allowed in a DNS "
       "name"},
      {"a..b", "invalid host \"a..b\" for a certificate: empty label"},
      {".a", "invalid host \".a\" for a certificate: empty label"},
      {"-a.com", "invalid host \"-a.com\" for a certificate: a label starts or ends with '-'"},
      {"a-.com", "invalid host \"a-.com\" for a certificate: a label starts or ends with '-'"},
      {label64 + ".com", "invalid host \"" + label64 +
                             ".com\" for a certificate: a label is longer than 63 characters"},
      {tooLong, "invalid host \"" + tooLong.substr(0, 80) +
                    "…\" for a certificate: longer than 253 characters"},
      {"127.1",
       "invalid host \"127.1\" for a certificate: the last label is numeric (not a DNS name "
       "nor a dotted-quad IPv4 address)"},
      {"1234",
       "invalid host \"1234\" for a certificate: the last label is numeric (not a DNS name "
       "nor a dotted-quad IPv4 address)"},
      {"256.1.1.1",
       "invalid host \"256.1.1.1\" for a certificate: the last label is numeric (not a "
       "DNS name nor a dotted-quad IPv4 address)"},
      {"fe80::1%eth0",
       "invalid host \"fe80::1%eth0\" for a certificate: IPv6 zone ids are not allowed"},
      {"[::1", "invalid host \"[::1\" for a certificate: unbalanced brackets"},
      {"[example.com]", "invalid host \"[example.com]\" for a certificate: not an IPv6 address"},
      {"[]", "invalid host \"[]\" for a certificate: empty"},
      {"1:2:3", "invalid host \"1:2:3\" for a certificate: not an IPv6 address"},
      {std::string("a\0b.com", 7),
       "invalid host \"a\\x00b.com\" for a certificate: contains a NUL byte"},
      {"\xc3\xa9.com",
       "invalid host \"\\xc3\\xa9.com\" for a certificate: character \"\\xc3\" is not "
       "allowed in a DNS name"},
      {"a/b",
       "invalid host \"a/b\" for a certificate: character \"/\" is not allowed in a DNS name"},
  };
  for (const Row& r : rows) {
    auto leaf = ca->leafFor(r.host);
    ASSERT_FALSE(leaf.ok()) << r.host;
    EXPECT_EQ(leaf.error().code, Code::kInvalidArgument);
    EXPECT_EQ(leaf.error().message, r.message);
  }
  EXPECT_EQ(ca->cachedLeaves(), 0u);
  // The limits themselves are accepted.
  const std::string label63(63, 'a');
  const std::string long253 = std::string(63, 'a') + "." + std::string(63, 'b') + "." +
                              std::string(63, 'c') + "." + std::string(61, 'd');
  for (const std::string& ok :
       {label63 + ".com", long253, long253 + ".", std::string("_dmarc.x-y.example")}) {
    auto leaf = ca->leafFor(ok);
    ASSERT_TRUE(leaf.ok()) << leaf.error().toString();
    X509Ptr caCert = loadCert(crt());
    std::string want = ok.back() == '.' ? ok.substr(0, ok.size() - 1) : ok;
    if (want.find('_') == std::string::npos) {  // OpenSSL's host check allows LDH only
      EXPECT_EQ(verify((*leaf)->cert(), caCert.get(), kT0, want), X509_V_OK) << want;
    }
    EXPECT_EQ(sans((*leaf)->cert()), (std::vector<std::string>{"DNS:" + want}));
  }
}

TEST_F(CaTest, LeafForIsSafeFromManyThreads) {
  init(dir_);
  auto ca = open(dir_, 8);
  ASSERT_NE(ca, nullptr);
  std::atomic<int> bad{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 40; ++i) {
        std::string host = "h" + std::to_string((i * 7 + t) % 20) + ".example";
        auto leaf = ca->leafFor(host);
        if (!leaf.ok() || sans((*leaf)->cert()) != std::vector<std::string>{"DNS:" + host}) ++bad;
      }
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(bad.load(), 0);
  EXPECT_EQ(ca->cachedLeaves(), 8u);
}

// --- open() fails closed --------------------------------------------------------------------

TEST_F(CaTest, OpenFailsWhenFilesAreMissing) {
  expectOpenFails(Code::kNotFound, "no CA at " + dir_.string() + ": run `airlock ca init`");
  init(dir_);
  fs::remove(key());
  expectOpenFails(Code::kNotFound,
                  "incomplete CA at " + dir_.string() + ": " + key() +
                      " is missing (run `airlock ca init --force` to make a new CA)");
  fs::remove_all(dir_);
  init(dir_);
  fs::remove(crt());
  expectOpenFails(Code::kNotFound,
                  "incomplete CA at " + dir_.string() + ": " + crt() +
                      " is missing (run `airlock ca init --force` to make a new CA)");
}

TEST_F(CaTest, OpenRefusesAKeyOthersCanRead) {
  init(dir_);
  for (mode_t m : {mode_t{0644}, mode_t{0640}, mode_t{0604}, mode_t{0620}}) {
    ASSERT_EQ(::chmod(key().c_str(), m), 0);
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(m));
    expectOpenFails(Code::kPermissionDenied,
                    key() + " has mode " + mode +
                        ": a CA key must not be accessible to group or others (chmod 600 " + key() +
                        ")");
  }
  ASSERT_EQ(::chmod(key().c_str(), 0400), 0);
  EXPECT_NE(open(dir_), nullptr);
}

TEST_F(CaTest, OpenRefusesAKeyOfAnotherCa) {
  init(dir_);
  fs::path other = root_ / "other";
  init(other);
  fs::copy_file(other / "ca.key", key(), fs::copy_options::overwrite_existing);
  ASSERT_EQ(::chmod(key().c_str(), 0600), 0);
  expectOpenFails(Code::kFailedPrecondition,
                  key() + " does not belong to " + crt() +
                      " (another CA's key?): run `airlock ca init --force`");
}

TEST_F(CaTest, OpenRefusesGarbage) {
  init(dir_);
  std::string goodKey = readFile(key());
  { std::ofstream(crt(), std::ios::trunc) << "not a certificate\n"; }
  auto ca = CertAuthority::open(dir_, CaOpenOptions{clock_});
  ASSERT_FALSE(ca.ok());
  EXPECT_EQ(ca.error().code, Code::kDataLoss);
  EXPECT_EQ(ca.error().message.rfind(crt() + " is not a PEM certificate", 0), 0u)
      << ca.error().message;
  EXPECT_EQ(ERR_peek_error(), 0UL);

  fs::remove_all(dir_);
  init(dir_);
  {
    std::ofstream(key(), std::ios::trunc)
        << "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";
  }
  ca = CertAuthority::open(dir_, CaOpenOptions{clock_});
  ASSERT_FALSE(ca.ok());
  EXPECT_EQ(ca.error().code, Code::kDataLoss);
  EXPECT_EQ(ca.error().message.rfind(key() + " is not an unencrypted PEM private key", 0), 0u)
      << ca.error().message;
  EXPECT_EQ(ca.error().message.find("AAAA"), std::string::npos);
  EXPECT_EQ(ERR_peek_error(), 0UL);

  // Larger than any PEM key: refused without reading it all.
  {
    std::ofstream f(key(), std::ios::trunc);
    f << std::string(70000, 'A');
  }
  expectOpenFails(Code::kDataLoss, key() + " is larger than 65536 bytes");
}

TEST_F(CaTest, OpenRefusesCertificatesThatAreNotSelfSignedCas) {
  if (!haveProgram("openssl")) GTEST_SKIP() << "no openssl binary";
  fs::create_directories(dir_);
  auto mk = [&](const std::vector<std::string>& extra) {
    std::vector<std::string> argv = {
        "openssl", "req",     "-x509", "-newkey", "ec",  "-pkeyopt", "ec_paramgen_curve:P-256",
        "-nodes",  "-keyout", key(),   "-out",    crt(), "-subj",    "/CN=t",
        "-days",   "2"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    std::string out;
    ASSERT_EQ(run(argv, root_, &out), 0) << out;
    ASSERT_EQ(::chmod(key().c_str(), 0600), 0);
  };
  clock_ = std::make_shared<ManualClock>(static_cast<std::int64_t>(::time(nullptr)) * kMicros);

  mk({"-addext", "basicConstraints=critical,CA:FALSE"});
  expectOpenFails(Code::kFailedPrecondition,
                  crt() + " is not a CA certificate (no basicConstraints CA:TRUE)");

  mk({"-addext", "basicConstraints=critical,CA:TRUE", "-addext",
      "keyUsage=critical,digitalSignature"});
  expectOpenFails(Code::kFailedPrecondition,
                  crt() + " may not sign certificates (keyUsage lacks keyCertSign)");

  // A CA certificate issued by another CA, with its own key: not a root clients can trust.
  fs::path other = root_ / "other";
  init(other);
  {
    std::vector<std::string> argv = {"openssl",
                                     "req",
                                     "-newkey",
                                     "ec",
                                     "-pkeyopt",
                                     "ec_paramgen_curve:P-256",
                                     "-nodes",
                                     "-keyout",
                                     key(),
                                     "-out",
                                     (root_ / "csr.pem").string(),
                                     "-subj",
                                     "/CN=sub"};
    std::string out;
    ASSERT_EQ(run(argv, root_, &out), 0) << out;
    fs::path ext = root_ / "ext.cnf";
    std::ofstream(ext) << "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign\n";
    argv = {"openssl",
            "x509",
            "-req",
            "-in",
            (root_ / "csr.pem").string(),
            "-CA",
            (other / "ca.crt").string(),
            "-CAkey",
            (other / "ca.key").string(),
            "-CAcreateserial",
            "-out",
            crt(),
            "-days",
            "2",
            "-extfile",
            ext.string()};
    ASSERT_EQ(run(argv, root_, &out), 0) << out;
    ASSERT_EQ(::chmod(key().c_str(), 0600), 0);
  }
  expectOpenFails(Code::kFailedPrecondition, crt() + " is not a self-signed certificate");

  // An Ed25519 CA: valid, but not a key type leaves are signed with here.
  {
    std::vector<std::string> argv = {
        "openssl", "req",    "-x509",   "-newkey",
        "ed25519", "-nodes", "-keyout", key(),
        "-out",    crt(),    "-subj",   "/CN=t",
        "-days",   "2",      "-addext", "basicConstraints=critical,CA:TRUE"};
    std::string out;
    ASSERT_EQ(run(argv, root_, &out), 0) << out;
    ASSERT_EQ(::chmod(key().c_str(), 0600), 0);
  }
  expectOpenFails(Code::kFailedPrecondition, key() + " is neither an EC nor an RSA key");

  // An RSA CA made by openssl itself is accepted, and its leaves verify.
  {
    std::vector<std::string> argv = {"openssl",  "req",
                                     "-x509",    "-newkey",
                                     "rsa:2048", "-nodes",
                                     "-keyout",  key(),
                                     "-out",     crt(),
                                     "-subj",    "/CN=rsa",
                                     "-days",    "2",
                                     "-addext",  "basicConstraints=critical,CA:TRUE",
                                     "-addext",  "keyUsage=critical,keyCertSign"};
    std::string out;
    ASSERT_EQ(run(argv, root_, &out), 0) << out;
    ASSERT_EQ(::chmod(key().c_str(), 0600), 0);
  }
  // openssl's notBefore is the second it ran: look from a minute later.
  clock_ =
      std::make_shared<ManualClock>((static_cast<std::int64_t>(::time(nullptr)) + 60) * kMicros);
  auto ca = open(dir_);
  ASSERT_NE(ca, nullptr);
  auto leaf = ca->leafFor("rsa.example");
  ASSERT_TRUE(leaf.ok()) << leaf.error().toString();
  X509Ptr caCert = loadCert(crt());
  EXPECT_EQ(verify((*leaf)->cert(), caCert.get(), clock_->nowMicros() / kMicros, "rsa.example"),
            X509_V_OK);
}

TEST_F(CaTest, OpenRefusesAnEncryptedKeyWithoutPrompting) {
  if (!haveProgram("openssl")) GTEST_SKIP() << "no openssl binary";
  init(dir_);
  std::string out;
  ASSERT_EQ(run({"openssl", "pkey", "-in", key(), "-out", (root_ / "enc.key").string(), "-aes256",
                 "-passout", "pass:secret"},
                root_, &out),
            0)
      << out;
  fs::copy_file(root_ / "enc.key", key(), fs::copy_options::overwrite_existing);
  ASSERT_EQ(::chmod(key().c_str(), 0600), 0);
  auto ca = CertAuthority::open(dir_, CaOpenOptions{clock_});
  ASSERT_FALSE(ca.ok());
  EXPECT_EQ(ca.error().code, Code::kDataLoss);
  EXPECT_EQ(ca.error().message.rfind(key() + " is not an unencrypted PEM private key", 0), 0u)
      << ca.error().message;
}

// --- real TLS -------------------------------------------------------------------------------

// A TLS server on 127.0.0.1 that presents one leaf to one client, answers "ok" over HTTP/1.1
// when the handshake completes, and records whether it did.
class OneShotTlsServer {
 public:
  explicit OneShotTlsServer(std::shared_ptr<const Leaf> leaf) : leaf_(std::move(leaf)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    EXPECT_EQ(::listen(fd_, 4), 0);
    EXPECT_EQ(::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len), 0);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~OneShotTlsServer() {
    if (thread_.joinable()) thread_.join();
    ::close(fd_);
  }
  int port() const { return port_; }
  // Waits for the connection to finish; true when the handshake succeeded.
  bool handshakeSucceeded() {
    if (thread_.joinable()) thread_.join();
    return handshakeOk_;
  }

 private:
  void serve() {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, 30000) != 1) return;  // a bound, not a timing assertion
    int conn = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (conn < 0) return;
    SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
    SSL_CTX_use_certificate(ctx, leaf_->cert());
    SSL_CTX_use_PrivateKey(ctx, leaf_->key());
    SSL* ssl = SSL_new(ctx);
    SSL_set_fd(ssl, conn);
    if (SSL_accept(ssl) == 1) {
      handshakeOk_ = true;
      char buf[4096];
      std::string req;
      while (req.find("\r\n\r\n") == std::string::npos) {
        int n = SSL_read(ssl, buf, sizeof buf);
        if (n <= 0) break;
        req.append(buf, static_cast<std::size_t>(n));
      }
      if (req.find("\r\n\r\n") != std::string::npos) {
        std::string resp = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";
        SSL_write(ssl, resp.data(), static_cast<int>(resp.size()));
        SSL_shutdown(ssl);
      }
    }
    SSL_free(ssl);
    SSL_CTX_free(ctx);
    ::close(conn);
    ERR_clear_error();
  }

  std::shared_ptr<const Leaf> leaf_;
  int fd_ = -1;
  int port_ = 0;
  std::thread thread_;
  bool handshakeOk_ = false;
};

TEST_F(CaTest, RealCurlTrustsAMintedLeafOnlyForItsHost) {
  if (!haveProgram("curl")) GTEST_SKIP() << "no curl binary";
  // A client that hangs up mid-handshake must not kill the test with SIGPIPE.
  ::signal(SIGPIPE, SIG_IGN);
  auto st = initCa(dir_, {});  // real time: curl checks validity against the wall clock
  ASSERT_TRUE(st.ok()) << st.error().toString();
  auto ca = CertAuthority::open(dir_);
  ASSERT_TRUE(ca.ok()) << ca.error().toString();
  auto leaf = (*ca)->leafFor("api.example.com");
  ASSERT_TRUE(leaf.ok()) << leaf.error().toString();
  auto curl = [&](const std::string& host, int port, bool withCa, std::string* out) {
    std::string p = std::to_string(port);
    std::vector<std::string> argv = {"curl", "-sS", "--noproxy", "*", "--max-time", "30"};
    if (withCa) {
      argv.push_back("--cacert");
      argv.push_back(crt());
    }
    argv.insert(argv.end(),
                {"--resolve", host + ":" + p + ":127.0.0.1", "https://" + host + ":" + p + "/"});
    return run(argv, root_, out);
  };
  {
    OneShotTlsServer server(*leaf);
    std::string out;
    EXPECT_EQ(curl("api.example.com", server.port(), true, &out), 0) << out;
    EXPECT_EQ(out, "ok");
    EXPECT_TRUE(server.handshakeSucceeded());
  }
  {  // the same leaf for another name: curl's host check refuses (exit 60). curl checks the
     // name after the handshake, so the server may have completed it; the request never came.
    OneShotTlsServer server(*leaf);
    std::string out;
    EXPECT_EQ(curl("other.example.com", server.port(), true, &out), 60) << out;
    EXPECT_NE(out.find("subject name matches target host name 'other.example.com'"),
              std::string::npos)
        << out;
  }
  {  // without our CA: the system store does not know it
    OneShotTlsServer server(*leaf);
    std::string out;
    EXPECT_EQ(curl("api.example.com", server.port(), false, &out), 60) << out;
    EXPECT_NE(out.find("unable to get local issuer certificate"), std::string::npos) << out;
    EXPECT_FALSE(server.handshakeSucceeded());
  }
  {  // an IP literal
    auto ipLeaf = (*ca)->leafFor("127.0.0.1");
    ASSERT_TRUE(ipLeaf.ok());
    OneShotTlsServer server(*ipLeaf);
    std::string p = std::to_string(server.port());
    std::string out;
    EXPECT_EQ(run({"curl", "-sS", "--noproxy", "*", "--max-time", "30", "--cacert", crt(),
                   "https://127.0.0.1:" + p + "/"},
                  root_, &out),
              0)
        << out;
    EXPECT_EQ(out, "ok");
    EXPECT_TRUE(server.handshakeSucceeded());
  }
}

}  // namespace
