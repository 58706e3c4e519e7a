#include "core/redact.h"

#include <array>
#include <cctype>

#include "core/digest.h"

namespace airlock::core {
namespace {

bool tokenChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '+' || c == '/' || c == '=' ||
         c == '.' || c == '~';
}

bool looksSecret(std::string_view tok) {
  if (tok.size() < 20) return false;
  int lower = 0, upper = 0, digit = 0, slash = 0;
  for (char c : tok) {
    if (std::islower(static_cast<unsigned char>(c))) ++lower;
    else if (std::isupper(static_cast<unsigned char>(c))) ++upper;
    else if (std::isdigit(static_cast<unsigned char>(c))) ++digit;
    else if (c == '/') ++slash;
  }
  if (slash > 2) return false;  // a path, not a key
  int classes = (lower > 0) + (upper > 0) + (digit > 0);
  return classes >= 2 && digit > 0;
}

std::string marker(std::string_view secret) { return "[REDACTED sha256:" + sha256Hex(secret).substr(0, 8) + "]"; }

}  // namespace

std::string redactSecrets(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    if (!tokenChar(text[i])) {
      out += text[i++];
      continue;
    }
    std::size_t j = i;
    while (j < text.size() && tokenChar(text[j])) ++j;
    std::string_view tok = text.substr(i, j - i);
    // "user:pass@" in a URL: the password part ends at '@'.
    if (j < text.size() && text[j] == ':' ) {
      std::size_t k = j + 1;
      while (k < text.size() && tokenChar(text[k])) ++k;
      if (k < text.size() && text[k] == '@' && k > j + 1 && (tok.substr(0, 2) == "//" || (i > 0 && text[i - 1] == '/'))) {
        out.append(tok);
        out += ':';
        out += marker(text.substr(j + 1, k - j - 1));
        i = k;
        continue;
      }
    }
    // Any "=value" or key-looking token.
    std::size_t eq = tok.find('=');
    if (eq != std::string_view::npos && eq + 1 < tok.size() && looksSecret(tok.substr(eq + 1))) {
      out.append(tok.substr(0, eq + 1));
      out += marker(tok.substr(eq + 1));
    } else if (looksSecret(tok)) {
      out += marker(tok);
    } else {
      out.append(tok);
    }
    i = j;
  }
  // Values after credential-looking header names ("x-api-key: v", "Authorization: Bearer v").
  static constexpr std::array<std::string_view, 6> kKeys = {"api-key:", "apikey:", "authorization:", "token:",
                                                           "x-api-key:", "cookie:"};
  std::string lowered(out.size(), ' ');
  for (std::size_t k = 0; k < out.size(); ++k) lowered[k] = static_cast<char>(std::tolower(static_cast<unsigned char>(out[k])));
  for (auto key : kKeys) {
    std::size_t pos = 0;
    while ((pos = lowered.find(key, pos)) != std::string::npos) {
      std::size_t v = pos + key.size();
      while (v < out.size() && out[v] == ' ') ++v;
      if (lowered.compare(v, 7, "bearer ") == 0 || lowered.compare(v, 6, "basic ") == 0) v = out.find(' ', v) + 1;
      std::size_t e = v;
      while (e < out.size() && out[e] != ' ' && out[e] != '"' && out[e] != '\'' && out[e] != '\n') ++e;
      if (e > v && out.compare(v, 10, "[REDACTED ") != 0) {
        std::string m = marker(std::string_view(out).substr(v, e - v));
        out.replace(v, e - v, m);
        lowered.replace(v, e - v, m);
      }
      pos = v;
    }
  }
  return out;
}

}  // namespace airlock::core
