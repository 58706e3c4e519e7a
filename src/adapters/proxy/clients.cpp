#include "adapters/proxy/clients.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <cctype>
#include <fstream>
#include <sstream>

#include "core/digest.h"

namespace airlock::proxy {

using core::Code;
using core::makeError;

namespace {

std::vector<std::string> words(std::string_view line) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    std::size_t j = i;
    while (j < line.size() && line[j] != ' ' && line[j] != '\t') ++j;
    if (j > i) out.emplace_back(line.substr(i, j - i));
    i = j;
  }
  return out;
}

bool startsWithNoCase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(s[i])) != prefix[i]) return false;
  return true;
}

}  // namespace

core::Result<ClientTable> ClientTable::parse(std::string_view text, const std::string& file) {
  ClientTable t;
  int lineNo = 0;
  while (!text.empty()) {
    ++lineNo;
    auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    if (auto hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    auto w = words(line);
    if (w.empty()) continue;
    const std::string at = file + ":" + std::to_string(lineNo);
    if (w.size() < 2 || w.size() > 4)
      return makeError(Code::kInvalidArgument, "expected '<sha256> <user> [<agent>] [<session>]'", at);
    if (!core::isSha256Hex(w[0]))
      return makeError(Code::kInvalidArgument, "the first word must be the token's SHA-256 (64 lower-case hex digits)", at);
    Entry e;
    e.sha256 = w[0];
    e.who.user = w[1];
    if (w.size() > 2 && w[2] != "-") e.who.agent = w[2];
    if (w.size() > 3 && w[3] != "-") e.who.session = w[3];
    for (const auto& other : t.entries_)
      if (other.sha256 == e.sha256) return makeError(Code::kInvalidArgument, "the same token is listed twice", at);
    t.entries_.push_back(std::move(e));
  }
  return t;
}

core::Result<ClientTable> ClientTable::load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return makeError(Code::kNotFound, "cannot read the clients file", path);
  std::ostringstream ss;
  ss << in.rdbuf();
  if (ss.str().size() > (1u << 20)) return makeError(Code::kInvalidArgument, "clients file over 1 MiB", path);
  return parse(ss.str(), path);
}

core::Result<ClientIdentity> ClientTable::identify(std::string_view value) const {
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
  if (value.empty()) return makeError(Code::kPermissionDenied, "no Proxy-Authorization: this proxy needs client credentials");
  std::string name, token;
  if (startsWithNoCase(value, "basic ")) {
    std::string_view b64 = value.substr(6);
    while (!b64.empty() && b64.front() == ' ') b64.remove_prefix(1);
    if (b64.empty() || b64.size() > 4096 || b64.size() % 4 != 0)
      return makeError(Code::kPermissionDenied, "Proxy-Authorization Basic is not base64");
    std::string raw(b64.size() / 4 * 3, '\0');
    const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(raw.data()),
                                  reinterpret_cast<const unsigned char*>(b64.data()), static_cast<int>(b64.size()));
    if (n < 0) return makeError(Code::kPermissionDenied, "Proxy-Authorization Basic is not base64");
    std::size_t len = static_cast<std::size_t>(n);
    for (std::size_t k = b64.size(); k > 0 && b64[k - 1] == '='; --k) --len;  // padding decodes as NULs
    raw.resize(len);
    auto colon = raw.find(':');
    if (colon == std::string::npos) return makeError(Code::kPermissionDenied, "Proxy-Authorization Basic without name:token");
    name = raw.substr(0, colon);
    token = raw.substr(colon + 1);
  } else if (startsWithNoCase(value, "bearer ")) {
    token = std::string(value.substr(7));
    while (!token.empty() && token.front() == ' ') token.erase(0, 1);
  } else {
    return makeError(Code::kPermissionDenied, "Proxy-Authorization must be Basic or Bearer");
  }
  if (token.empty()) return makeError(Code::kPermissionDenied, "Proxy-Authorization carries an empty token");
  const std::string digest = core::sha256Hex(token);
  OPENSSL_cleanse(token.data(), token.size());
  for (const auto& e : entries_) {
    if (CRYPTO_memcmp(e.sha256.data(), digest.data(), digest.size()) != 0) continue;
    if (!name.empty() && name != e.who.user)
      return makeError(Code::kPermissionDenied, "the proxy credentials belong to another user than '" + name + "'");
    return e.who;
  }
  return makeError(Code::kPermissionDenied, "unknown proxy credentials (sha256 " + digest.substr(0, 12) + "…)");
}

}  // namespace airlock::proxy
