#include "dlp/decode.h"
#include "core/text.h"

#include "dlp/validators.h"

namespace airlock::dlp {
namespace {

}  // namespace

std::string_view encodingName(Encoding e) {
  switch (e) {
    case Encoding::kNone: return "none";
    case Encoding::kBase64: return "base64";
    case Encoding::kHex: return "hex";
    case Encoding::kUrl: return "url";
  }
  return "none";
}

bool inRun(Encoding e, unsigned char c) {
  const bool alnum = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
  switch (e) {
    case Encoding::kBase64: return alnum || c == '+' || c == '/' || c == '_' || c == '-';
    case Encoding::kHex: return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    case Encoding::kUrl: return c > ' ' && c < 127 && c != '"' && c != '\'' && c != '<' && c != '>';
    case Encoding::kNone: return false;
  }
  return false;
}

std::optional<std::string> decodeRun(Encoding e, std::string_view run) {
  switch (e) {
    case Encoding::kBase64: {
      while (!run.empty() && run.back() == '=') run.remove_suffix(1);
      run.remove_prefix(run.size() % 4 == 1 ? 1 : 0);
      return base64Decode(run);
    }
    case Encoding::kHex: {
      run.remove_prefix(run.size() % 2);
      std::string out;
      out.reserve(run.size() / 2);
      for (std::size_t i = 0; i + 1 < run.size(); i += 2) {
        const int hi = core::hexDigitValue(run[i]), lo = core::hexDigitValue(run[i + 1]);
        if (hi < 0 || lo < 0) return std::nullopt;
        out.push_back(static_cast<char>(hi * 16 + lo));
      }
      return out;
    }
    case Encoding::kUrl: {
      std::string out;
      out.reserve(run.size());
      for (std::size_t i = 0; i < run.size(); ++i) {
        const int hi = i + 2 < run.size() ? core::hexDigitValue(run[i + 1]) : -1;
        const int lo = i + 2 < run.size() ? core::hexDigitValue(run[i + 2]) : -1;
        if (run[i] == '%' && hi >= 0 && lo >= 0) {
          out.push_back(static_cast<char>(hi * 16 + lo));
          i += 2;
        } else {
          out.push_back(run[i] == '+' ? ' ' : run[i]);
        }
      }
      return out;
    }
    case Encoding::kNone: break;
  }
  return std::nullopt;
}

}  // namespace airlock::dlp
