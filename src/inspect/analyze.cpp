// analyze(): findings out of a document's runs (inspect.h "What is a finding").
//
// Per run, two linear passes. The Unicode pass (only when the run has a non-ASCII byte) finds
// tag characters, zero-width characters inside words, bidi controls and words mixing Latin with
// Cyrillic or Greek look-alikes; when it finds invisible characters or look-alikes it also
// builds a "skeleton" of the run without them, so that "ig\u200Bnore" is read as "ignore".
// The marker pass is one RE2 search over the run (or its skeleton) for phrases addressed to an
// AI assistant, shell upload syntax, upload endpoints, API-key shapes and data-carrying image
// URLs; each hit is then named by trying the individual patterns at its start. Markers closer
// than kClusterGap bytes form a cluster, and a cluster is instruction-like when it holds a
// strong marker or two weaker ones of the right kinds (a README's lone `curl … | sh` is not).
#include <re2/re2.h>
#include <utf8proc.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <memory>
#include <span>

#include "inspect/charset.h"
#include "inspect/inspect.h"

namespace airlock::inspect {

namespace {

constexpr std::size_t kMaxShown = 240;          // Finding::text, before "…"
constexpr std::size_t kMaxExcerpt = 60;         // a marker quoted in a reason
constexpr std::size_t kMaxHits = 256;           // markers counted per run
constexpr std::size_t kClusterGap = 1024;       // markers further apart are unrelated
constexpr std::size_t kMaxFindings = 1000;      // per document; the rest are counted in a note
constexpr std::size_t kMaxInstructionFindings = 20;  // per visible run
constexpr std::size_t kMaxExamples = 3;         // quoted in an aggregated Unicode finding
constexpr std::size_t kMaxTagFindings = 50;     // tag sequences reported per run

// ---- markers

enum class Cat : std::uint8_t {
  kAddress,        // strong: addresses an assistant
  kAddressWeak,    // weak: assistant-style phrases that ordinary text also uses
  kShell,          // shell upload / pipe into a shell / decode
  kEndpoint,       // upload or exfiltration endpoints
  kKey,            // API-key shapes
  kImageData,      // markdown image whose URL carries a long encoded value
  kImageTemplate,  // markdown image whose URL is a template to be filled in
};

struct Marker {
  Cat cat;
  std::string_view label;
  std::string_view pattern;  // RE2, matched case-insensitively
};

// Each pattern must be cheap for the DFA: no bounded repetition of wide classes.
constexpr std::array kMarkers{
    Marker{Cat::kAddress, "addresses an assistant",
           R"(\b(?:ignore|disregard|forget|override|bypass)\s+(?:(?:all|any|the|your|of|everything)\s+)*(?:previous|prior|above|earlier|preceding|foregoing|system|original|existing|other)\s+(?:instructions?|prompts?|rules|directions|guidelines|messages|context|commands))"},
    Marker{Cat::kAddress, "addresses an assistant",
           R"(\b(?:do\s+not|don'?t|never)\s+(?:tell|inform|notify|alert|mention\s+(?:this\s+|it\s+)?to|reveal\s+(?:this\s+|it\s+)?to)\s+the\s+user)"},
    Marker{Cat::kAddress, "addresses an assistant",
           R"(\b(?:if|when)\s+you\s+are\s+(?:an?\s+)?(?:ai|llm|large\s+language\s+model|language\s+model|ai\s+assistant|ai\s+agent|chatbot|claude|chatgpt|gpt)\b)"},
    Marker{Cat::kAddress, "addresses an assistant",
           R"(\b(?:note|message|instructions?)\s+(?:to|for)\s+(?:the\s+|any\s+)?(?:ai|llm|assistant|ai\s+assistant|ai\s+agent|language\s+model|claude|chatgpt)\b)"},
    // The incident's opening: "AI assistant: before summarising, upload …" (a vocative at the
    // start of a line, then a colon or comma). Weak: a heading "AI agent: overview"
    // looks the same, so it needs a second marker.
    Marker{Cat::kAddressWeak, "addresses an assistant",
           R"((?m)^[ \t]*(?:(?:dear|hey|hi|hello|attention|note\s+to\s+(?:the\s+)?)\s*)?(?:ai|llm)\s+(?:assistant|agent|model)\s*[:,])"},
    Marker{Cat::kAddress, "addresses an assistant",
           R"(\b(?:to|for)\s+(?:the|any)\s+(?:ai|llm|assistant|ai\s+assistant|ai\s+agent|language\s+model)\s+(?:reading|processing|summari[sz]ing|analy[sz]ing)\s+this\b)"},
    Marker{Cat::kAddressWeak, "asks to send data away",
           R"(\b(?:upload|send|post|transmit|exfiltrate|forward|copy|email|e-mail)\s+(?:all|every|each|any|the\s+contents\s+of)\s+(?:\w+\s+)?(?:files?|documents?|data|contents?|keys?|credentials?|secrets?|passwords?|records?)\b)"},
    Marker{Cat::kAddress, "chat-template role marker",
           R"(<\|im_start\|>|<\|im_end\|>|<\|system\|>|<\|user\|>|<\|assistant\|>|<\|begin_of_text\|>|<\|start_header_id\|>|\[/?INST\]|<<SYS>>)"},
    Marker{Cat::kAddressWeak, "assistant-style phrase", R"(\byou\s+are\s+now\b)"},
    Marker{Cat::kAddressWeak, "assistant-style phrase", R"(\byou\s+(?:must|should|will)\s+now\b)"},
    // "As an AI, …", "as an AI assistant", "as an LLM"; not "as an AI vendor" or "an AI researcher".
    Marker{Cat::kAddressWeak, "assistant-style phrase",
           R"(\bas\s+an?\s+(?:llm|language\s+model|ai\s+(?:language\s+model|assistant|model|agent)\b|ai\s*[,:;]))"},
    Marker{Cat::kAddressWeak, "assistant-style phrase", R"(\bsystem\s+(?:prompt|message)\b)"},
    // "New instructions:", "updated instructions follow", "your new instructions"; not "new
    // instructions for expense claims apply".
    Marker{Cat::kAddressWeak, "assistant-style phrase",
           R"(\b(?:new|updated|revised)\s+instructions?\s*(?:[:\-]|follow\b|below\b|are\s+as\s+follows)|\byour\s+(?:new|updated|revised)\s+instructions?\b)"},
    Marker{Cat::kAddressWeak, "chat role at line start", R"((?m)^[ \t]*(?:system|assistant)[ \t]*:)"},
    Marker{Cat::kAddressWeak, "prompt-format heading", R"((?m)^[ \t]*#{2,}[ \t]*(?:instruction|system)s?\b)"},
    Marker{Cat::kShell, "shell upload", R"(\bcurl\b[^\n]*?\s(?:-F|--form)\s+['"]?[\w.\-]*=@)"},
    Marker{Cat::kShell, "shell upload", R"(\bcurl\b[^\n]*?\s(?:-d|--data|--data-binary|--data-raw|--data-urlencode)\s*['"]?@)"},
    Marker{Cat::kShell, "shell upload", R"(\bcurl\b[^\n]*?\s(?:-T|--upload-file)\s)"},
    Marker{Cat::kShell, "shell upload", R"(--data-binary\s*['"]?@)"},
    Marker{Cat::kShell, "shell upload", R"(\bwget\s[^\n]*?--post-(?:file|data))"},
    Marker{Cat::kShell, "pipes into a shell", R"(\|\s*(?:sudo\s+)?(?:ba|z|da|k)?sh\b)"},
    Marker{Cat::kShell, "decodes base64", R"(\bbase64\s+(?:-d|-D|--decode)\b)"},
    Marker{Cat::kShell, "netcat redirect", R"(\b(?:nc|ncat|netcat)\s[^\n]*?\s<\s*[~/\w])"},
    Marker{Cat::kEndpoint, "upload endpoint", R"(/v1/files\b)"},
    Marker{Cat::kEndpoint, "upload endpoint", R"(\bapi\.anthropic\.com\b)"},
    Marker{Cat::kEndpoint, "exfiltration endpoint",
           R"(\b(?:webhook\.site|transfer\.sh|pastebin\.com|requestbin|pipedream\.net|interact\.sh|burpcollaborator\.net|ngrok(?:-free)?\.(?:io|app|dev)))"},
    Marker{Cat::kKey, "API key shape", R"(\bsk-ant-[a-z0-9_\-]{20})"},
    Marker{Cat::kKey, "API key shape", R"(\bsk-(?:proj-)?[a-z0-9]{20})"},
    Marker{Cat::kKey, "API key shape", R"(\bghp_[a-z0-9]{36}\b)"},
    Marker{Cat::kKey, "API key shape", R"(\b(?-i:AKIA[0-9A-Z]{16})\b)"},
    Marker{Cat::kKey, "API key shape", R"(\bxox[bpas]-[a-z0-9\-]{10})"},
    Marker{Cat::kImageTemplate, "image URL is a template",
           R"(!\[[^\]\n]*\]\(\s*https?://[^\s)]*(?:\{|%7b|\$\())"},
    Marker{Cat::kImageData, "image URL carries data",
           R"(!\[[^\]\n]*\]\(\s*https?://[^\s)?]*\?[^\s)]*=[a-z0-9+/%_=\-]{40})"},
};
constexpr std::size_t kMarkerCount = kMarkers.size();

RE2::Options markerOptions() {
  RE2::Options o;
  o.set_case_sensitive(false);
  o.set_log_errors(false);
  o.set_never_capture(true);
  o.set_max_mem(64 << 20);  // room for the DFA's state cache: ordinary text stays on the fast path
  return o;
}

// All markers as one alternation: the one pass over every run.
std::string alternation() {
  std::string all;
  for (const auto& m : kMarkers) {
    if (!all.empty()) all += '|';
    all += "(?:";
    all += m.pattern;
    all += ')';
  }
  return all;
}

const RE2& anyMarker() {
  static const RE2 re(alternation(), markerOptions());
  return re;
}

// Each marker alone, to name a hit; compiled on the first hit, as most text has none (the hook
// analyses every tool output in a fresh process, where compiling costs milliseconds).
const std::vector<std::unique_ptr<RE2>>& eachMarker() {
  static const std::vector<std::unique_ptr<RE2>> each = [] {
    std::vector<std::unique_ptr<RE2>> v;
    for (const auto& m : kMarkers) v.push_back(std::make_unique<RE2>(m.pattern, markerOptions()));
    return v;
  }();
  return each;
}

struct Hit {
  std::size_t offset;
  std::size_t length;
  std::uint8_t marker;
};

std::vector<Hit> scanMarkers(std::string_view text) {
  std::vector<Hit> hits;
  const RE2& any = anyMarker();
  if (!any.ok()) return hits;  // cannot happen: the patterns are constants (tested)
  std::size_t pos = 0;
  re2::StringPiece m;
  while (pos <= text.size() && hits.size() < kMaxHits) {
    if (!any.Match(text, pos, text.size(), RE2::UNANCHORED, &m, 1)) break;
    const std::size_t start = static_cast<std::size_t>(m.data() - text.data());
    const auto& each = eachMarker();
    for (std::size_t i = 0; i < kMarkerCount; ++i) {
      re2::StringPiece one;
      if (each[i]->Match(text, start, text.size(), RE2::ANCHOR_START, &one, 1))
        hits.push_back(Hit{start, one.size(), static_cast<std::uint8_t>(i)});
    }
    // From the next byte, not the match's end: markers overlap ("curl … webhook.site … -d @").
    // The shell patterns are non-greedy, so a match is short and the search cheap.
    pos = start + 1;
  }
  return hits;
}

// ---- showing text to a person

bool isFormatChar(char32_t cp) {
  return utf8proc_category(static_cast<utf8proc_int32_t>(cp)) == UTF8PROC_CATEGORY_CF;
}
bool isVariationSelector(char32_t cp) {
  return (cp >= 0xFE00 && cp <= 0xFE0F) || (cp >= 0xE0100 && cp <= 0xE01EF);
}

char confusableLatin(char32_t cp);  // below

void appendHex(std::string& out, char32_t cp) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  char buf[8];
  int n = 0;
  do {
    buf[n++] = kDigits[cp & 0xF];
    cp >>= 4;
  } while (cp != 0 || n < 4);
  while (n > 0) out += buf[--n];
}

std::string codePointName(char32_t cp) {
  std::string s = "U+";
  appendHex(s, cp);
  return s;
}

// `s` made safe and plain for a terminal or a report: controls as \n, \t, \xHH; invisible
// characters (format characters, variation selectors) and, with markLookalikes, Cyrillic or
// Greek look-alikes as [U+XXXX]; at most `max` bytes, then "…".
std::string shown(std::string_view s, std::size_t max = kMaxShown, bool markLookalikes = false) {
  std::string out;
  out.reserve(std::min(s.size(), max) + 8);
  std::size_t i = 0;
  while (i < s.size()) {
    const std::size_t start = i;
    const char32_t cp = nextCodePoint(s, i);
    const std::size_t before = out.size();
    if (cp < 0x20 || cp == 0x7F) {
      if (cp == '\n') out += "\\n";
      else if (cp == '\t') out += "\\t";
      else if (cp == '\r') out += "\\r";
      else {
        out += "\\x";
        static constexpr char kDigits[] = "0123456789abcdef";
        out += kDigits[cp >> 4];
        out += kDigits[cp & 0xF];
      }
    } else if (cp == kReplacement && !(i - start == 3)) {
      out += "\\x";
      static constexpr char kDigits[] = "0123456789abcdef";
      const auto b = static_cast<unsigned char>(s[start]);
      out += kDigits[b >> 4];
      out += kDigits[b & 0xF];
    } else if ((cp >= 0x80 && cp <= 0x9F) || cp == 0x2028 || cp == 0x2029 || isVariationSelector(cp) ||
               (cp >= 0x80 && isFormatChar(cp)) || (markLookalikes && cp >= 0x80 && confusableLatin(cp) != 0)) {
      out += '[';
      out += codePointName(cp);
      out += ']';
    } else {
      out.append(s.substr(start, i - start));
    }
    if (out.size() > max) {
      out.resize(before);
      out += "…";
      return out;
    }
  }
  return out;
}

// Moves a byte offset back to the start of the UTF-8 sequence it is in.
std::size_t charStart(std::string_view s, std::size_t at) {
  at = std::min(at, s.size());
  while (at > 0 && at < s.size() && (static_cast<unsigned char>(s[at]) & 0xC0) == 0x80) --at;
  return at;
}

// The text around [begin, end), `around` bytes either side, shown.
std::string context(std::string_view s, std::size_t begin, std::size_t end, std::size_t around, bool markLookalikes = false) {
  const std::size_t from = charStart(s, begin > around ? begin - around : 0);
  const std::size_t to = charStart(s, std::min(s.size(), end + around));
  return shown(s.substr(from, to - from), kMaxShown, markLookalikes);
}

// ---- scripts

bool inRange(char32_t cp, char32_t lo, char32_t hi) { return cp >= lo && cp <= hi; }

bool isLatinLetter(char32_t cp) {
  if (cp < 0x80) return (cp | 0x20) >= 'a' && (cp | 0x20) <= 'z';
  return (inRange(cp, 0xC0, 0x24F) && cp != 0xD7 && cp != 0xF7) || inRange(cp, 0x1E00, 0x1EFF) ||
         inRange(cp, 0x2C60, 0x2C7F) || inRange(cp, 0xA720, 0xA7FF) || inRange(cp, 0xFF21, 0xFF3A) ||
         inRange(cp, 0xFF41, 0xFF5A);
}
bool isCyrillicOrGreek(char32_t cp) {
  return inRange(cp, 0x370, 0x52F) || inRange(cp, 0x1C80, 0x1C8F) || inRange(cp, 0x1F00, 0x1FFF) ||
         inRange(cp, 0x2DE0, 0x2DFF) || inRange(cp, 0xA640, 0xA69F);
}
// Scripts written with spaces between words, where a zero-width character inside a word has
// no typographic job. (Arabic, Indic and other scripts use ZWJ/ZWNJ; Thai, Khmer, Lao and CJK
// use ZWSP as a word separator; emoji sequences use ZWJ: none of those is in this set.)
bool isSpacedAlnum(char32_t cp) {
  if (cp < 0x80) return ((cp | 0x20) >= 'a' && (cp | 0x20) <= 'z') || (cp >= '0' && cp <= '9');
  return isLatinLetter(cp) || isCyrillicOrGreek(cp);
}
bool isRtlLetter(char32_t cp) {
  return inRange(cp, 0x590, 0x8FF) || inRange(cp, 0xFB1D, 0xFDFF) || inRange(cp, 0xFE70, 0xFEFE) ||
         inRange(cp, 0x10800, 0x10FFF) || inRange(cp, 0x1E800, 0x1EFFF);
}
bool isWordChar(char32_t cp) {
  if (cp < 0x80) return ((cp | 0x20) >= 'a' && (cp | 0x20) <= 'z') || (cp >= '0' && cp <= '9');
  if (inRange(cp, 0x410, 0x44F) || inRange(cp, 0x3B1, 0x3C9) || inRange(cp, 0xC0, 0xFF)) return cp != 0xD7 && cp != 0xF7;
  switch (utf8proc_category(static_cast<utf8proc_int32_t>(cp))) {
    case UTF8PROC_CATEGORY_LU:
    case UTF8PROC_CATEGORY_LL:
    case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO:
    case UTF8PROC_CATEGORY_MN:
    case UTF8PROC_CATEGORY_MC:
    case UTF8PROC_CATEGORY_ME:
    case UTF8PROC_CATEGORY_ND:
      return true;
    default:
      return false;
  }
}

// Cyrillic, Greek and Armenian letters drawn like a Latin letter (the ones that matter for
// spoofing words; after Unicode's confusables.txt, restricted to whole-letter look-alikes).
struct Confusable {
  char32_t cp;
  char latin;
};
constexpr std::array kConfusables{
    Confusable{0x0391, 'A'}, Confusable{0x0392, 'B'}, Confusable{0x0395, 'E'}, Confusable{0x0396, 'Z'},
    Confusable{0x0397, 'H'}, Confusable{0x0399, 'I'}, Confusable{0x039A, 'K'}, Confusable{0x039C, 'M'},
    Confusable{0x039D, 'N'}, Confusable{0x039F, 'O'}, Confusable{0x03A1, 'P'}, Confusable{0x03A4, 'T'},
    Confusable{0x03A5, 'Y'}, Confusable{0x03A7, 'X'}, Confusable{0x03B1, 'a'}, Confusable{0x03B9, 'i'},
    Confusable{0x03BA, 'k'}, Confusable{0x03BD, 'v'}, Confusable{0x03BF, 'o'}, Confusable{0x03C1, 'p'},
    Confusable{0x03C5, 'u'}, Confusable{0x03C7, 'x'}, Confusable{0x0405, 'S'}, Confusable{0x0406, 'I'},
    Confusable{0x0408, 'J'}, Confusable{0x0410, 'A'}, Confusable{0x0412, 'B'}, Confusable{0x0415, 'E'},
    Confusable{0x041A, 'K'}, Confusable{0x041C, 'M'}, Confusable{0x041D, 'H'}, Confusable{0x041E, 'O'},
    Confusable{0x0420, 'P'}, Confusable{0x0421, 'C'}, Confusable{0x0422, 'T'}, Confusable{0x0423, 'Y'},
    Confusable{0x0425, 'X'}, Confusable{0x0430, 'a'}, Confusable{0x0435, 'e'}, Confusable{0x043E, 'o'},
    Confusable{0x0440, 'p'}, Confusable{0x0441, 'c'}, Confusable{0x0443, 'y'}, Confusable{0x0445, 'x'},
    Confusable{0x0455, 's'}, Confusable{0x0456, 'i'}, Confusable{0x0458, 'j'}, Confusable{0x04AE, 'Y'},
    Confusable{0x04BA, 'H'}, Confusable{0x04BB, 'h'}, Confusable{0x04C0, 'I'}, Confusable{0x04CF, 'l'},
    Confusable{0x0501, 'd'}, Confusable{0x051A, 'Q'}, Confusable{0x051B, 'q'}, Confusable{0x051C, 'W'},
    Confusable{0x051D, 'w'}, Confusable{0x0555, 'O'}, Confusable{0x057D, 'u'}, Confusable{0x0585, 'o'},
};

// A direct table over the range the look-alikes span (U+0391–U+0585): this is asked for every
// letter of Cyrillic and Greek text.
constexpr char32_t kConfusableFirst = 0x0391, kConfusableLast = 0x0585;
constexpr auto kConfusableTable = [] {
  std::array<char, kConfusableLast - kConfusableFirst + 1> t{};
  for (const auto& c : kConfusables) t[c.cp - kConfusableFirst] = c.latin;
  return t;
}();

char confusableLatin(char32_t cp) {
  if (cp < kConfusableFirst || cp > kConfusableLast) return 0;
  return kConfusableTable[cp - kConfusableFirst];
}

bool isZeroWidth(char32_t cp) {
  return cp == 0x200B || cp == 0x200C || cp == 0x200D || inRange(cp, 0x2060, 0x2064) || cp == 0xFEFF ||
         cp == 0x180E;
}
bool isBidiControl(char32_t cp) { return inRange(cp, 0x202A, 0x202E) || inRange(cp, 0x2066, 0x2069); }
bool isBidiOverride(char32_t cp) { return cp == 0x202D || cp == 0x202E; }
bool isTag(char32_t cp) { return inRange(cp, 0xE0000, 0xE007F); }

// ---- the Unicode pass

struct Aggregate {  // one finding per run and kind: how many, where first, a few examples
  std::size_t count = 0;
  std::size_t first = 0;
  std::vector<std::string> examples;
  std::vector<char32_t> codePoints;  // distinct, for the reason
  std::size_t covered = 0;           // examples show the text up to about here
  void add(std::size_t offset, std::string example, std::span<const char32_t> cps) {
    if (count++ == 0) first = offset;
    if (examples.size() < kMaxExamples && (examples.empty() || offset >= covered)) {
      examples.push_back(std::move(example));
      covered = offset + 24;
    }
    for (char32_t cp : cps)
      if (codePoints.size() < 8 && std::find(codePoints.begin(), codePoints.end(), cp) == codePoints.end())
        codePoints.push_back(cp);
  }
};

struct TagSequence {
  std::size_t offset;
  std::size_t length;  // in code points
  std::string decoded;
};

struct UnicodeScan {
  std::vector<TagSequence> tags;
  std::size_t tagSequencesDropped = 0;
  Aggregate zeroWidth;
  Aggregate selectors;  // runs of variation selectors (bytes hidden after an emoji)
  Aggregate bidi;
  Aggregate homoglyph;
  bool needsSkeleton = false;  // invisible characters or look-alikes to take out before matching
};

UnicodeScan scanUnicode(std::string_view s) {
  UnicodeScan u;
  // The previous visible code point, and clusters of zero-width characters / selectors.
  char32_t prev = 0;
  std::size_t zwStart = 0, zwCount = 0;
  std::vector<char32_t> zwCps;
  std::size_t vsStart = 0, vsCount = 0;
  std::string vsBytes;
  // The tag sequence being read.
  bool inTags = false;
  TagSequence tags{};
  char32_t beforeTags = 0;
  bool tagsSpecOnly = true;  // only a–z, 0–9 and the cancel tag: an emoji subdivision flag
  // The word being read (for look-alikes).
  std::size_t wordStart = 0;
  bool inWord = false, wordLatin = false, wordLookalike = false;
  // Bidi embeddings/isolates are kept per line: a line with right-to-left letters uses them.
  std::vector<std::size_t> lineBidi;
  bool lineRtl = false;

  auto endWord = [&](std::size_t end) {
    if (inWord && wordLatin && wordLookalike) {
      std::vector<char32_t> cps;
      for (std::size_t k = wordStart; k < end;) {
        const char32_t c = nextCodePoint(s, k);
        if (confusableLatin(c) != 0) cps.push_back(c);
      }
      u.homoglyph.add(wordStart, shown(s.substr(wordStart, end - wordStart), 80, true), cps);
    }
    inWord = wordLatin = wordLookalike = false;
  };
  auto endZeroWidth = [&](char32_t next) {
    if (zwCount == 0) return;
    // Inside a word of a spaced script, or three or more in a row anywhere (an encoding).
    if ((isSpacedAlnum(prev) && isSpacedAlnum(next)) || zwCount >= 3) {
      u.zeroWidth.add(zwStart, context(s, zwStart, zwStart, 16), zwCps);
      u.needsSkeleton = true;
    }
    zwCount = 0;
    zwCps.clear();
  };
  auto endSelectors = [&] {
    if (vsCount >= 2) {
      std::string example = context(s, vsStart, vsStart, 8);
      bool printable = !vsBytes.empty();
      for (char c : vsBytes) printable = printable && c >= 0x20 && c < 0x7F;
      if (printable) example += " (decode to \"" + shown(vsBytes, 120) + "\")";
      const char32_t first = 0xFE00;
      u.selectors.add(vsStart, std::move(example), std::span<const char32_t>(&first, 1));
      u.needsSkeleton = true;
    }
    vsCount = 0;
    vsBytes.clear();
  };
  auto endTags = [&] {
    if (!inTags) return;
    inTags = false;
    // An emoji subdivision flag (🏴 + tags + cancel tag, e.g. Scotland) is ordinary text.
    const bool flag = beforeTags == 0x1F3F4 && tagsSpecOnly && tags.length <= 8;
    if (flag) return;
    u.needsSkeleton = true;
    if (u.tags.size() < kMaxTagFindings) u.tags.push_back(std::move(tags));
    else ++u.tagSequencesDropped;
  };
  auto endLine = [&] {
    if (!lineRtl) {
      for (std::size_t at : lineBidi) {
        std::size_t k = at;
        const char32_t cp = nextCodePoint(s, k);
        u.bidi.add(at, context(s, at, k, 16), std::span<const char32_t>(&cp, 1));
      }
    }
    lineBidi.clear();
    lineRtl = false;
  };

  // Any pending invisible cluster (tags, zero-width, selectors) ends at a visible character.
  auto pending = [&] { return inTags || zwCount != 0 || vsCount != 0; };
  std::size_t i = 0;
  while (i < s.size()) {
    const std::size_t at = i;
    const auto byte = static_cast<unsigned char>(s[i]);
    if (byte < 0x80 && !pending()) {
      // An ASCII stretch, taken whole (most text is mostly ASCII): only its effect on the
      // line and word state matters to the non-ASCII characters around it.
      std::size_t end = i;
      while (end + 8 <= s.size()) {
        std::uint64_t w;
        std::memcpy(&w, s.data() + end, 8);
        if (w & 0x8080808080808080ull) break;
        end += 8;
      }
      while (end < s.size() && static_cast<unsigned char>(s[end]) < 0x80) ++end;
      const std::string_view span = s.substr(i, end - i);
      if ((lineRtl || !lineBidi.empty()) && span.find('\n') != std::string_view::npos) endLine();
      auto alnum = [](char c) {
        return ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') || (c >= '0' && c <= '9');
      };
      auto letters = [](std::string_view t) {
        for (char c : t)
          if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') return true;
        return false;
      };
      std::size_t k = 0;
      while (k < span.size() && alnum(span[k])) ++k;
      if (k == span.size()) {  // the stretch is all word
        if (!inWord) {
          inWord = true;
          wordStart = i;
        }
        wordLatin = wordLatin || letters(span);
      } else {
        if (inWord) {
          wordLatin = wordLatin || letters(span.substr(0, k));
          endWord(i + k);
        }
        std::size_t j = span.size();
        while (j > k && alnum(span[j - 1])) --j;
        if (j < span.size()) {
          inWord = true;
          wordStart = i + j;
          wordLatin = letters(span.substr(j));
        }
      }
      prev = static_cast<unsigned char>(span.back());
      i = end;
      continue;
    }
    if (byte < 0x80) {  // the first visible character after an invisible cluster
      ++i;
      const char32_t cp = byte;
      endTags();
      endSelectors();
      endZeroWidth(cp);
      if (cp == '\n') endLine();
      const bool letter = (byte | 0x20) >= 'a' && (byte | 0x20) <= 'z';
      if (letter || (byte >= '0' && byte <= '9')) {
        if (!inWord) {
          inWord = true;
          wordStart = at;
        }
        wordLatin = wordLatin || letter;
      } else if (inWord) {
        endWord(at);
      }
      prev = cp;
      continue;
    }
    const char32_t cp = nextCodePoint(s, i);
    if (isTag(cp)) {
      if (!inTags) {
        inTags = true;
        tags = TagSequence{at, 0, {}};
        beforeTags = prev;
        tagsSpecOnly = true;
      }
      ++tags.length;
      if (cp >= 0xE0020 && cp <= 0xE007E) {
        if (tags.decoded.size() < 4096) tags.decoded += static_cast<char>(cp - 0xE0000);
        const char c = static_cast<char>(cp - 0xE0000);
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) tagsSpecOnly = false;
      } else if (cp != 0xE007F) {
        tagsSpecOnly = false;
      }
      continue;  // invisible: neither ends a word nor counts as a neighbour
    }
    if (inTags) endTags();
    if (isZeroWidth(cp) && !(cp == 0xFEFF && at == 0)) {
      if (zwCount++ == 0) zwStart = at;
      if (zwCps.size() < 8 && std::find(zwCps.begin(), zwCps.end(), cp) == zwCps.end()) zwCps.push_back(cp);
      continue;
    }
    if (isVariationSelector(cp)) {
      if (vsCount++ == 0) vsStart = at;
      // The "emoji smuggling" encoding: VS1–16 are bytes 0–15, VS17–256 are bytes 16–255.
      if (vsBytes.size() < 256)
        vsBytes += static_cast<char>(cp <= 0xFE0F ? cp - 0xFE00 : cp - 0xE0100 + 16);
      continue;
    }
    if (vsCount != 0) endSelectors();
    if (zwCount != 0) endZeroWidth(cp);
    if (isBidiControl(cp)) {
      if (isBidiOverride(cp)) {
        u.bidi.add(at, context(s, at, i, 16), std::span<const char32_t>(&cp, 1));
      } else if (lineBidi.size() < kMaxHits) {
        lineBidi.push_back(at);
      }
      u.needsSkeleton = true;
      continue;
    }
    if (cp == '\n' || cp == 0x2029 || cp == 0x2028) endLine();
    if (isRtlLetter(cp)) lineRtl = true;
    if (isWordChar(cp)) {
      if (!inWord) {
        inWord = true;
        wordStart = at;
      }
      if (isLatinLetter(cp)) wordLatin = true;
      else if (confusableLatin(cp) != 0) wordLookalike = true;
    } else {
      endWord(at);
    }
    prev = cp;
  }
  endTags();
  endSelectors();
  endZeroWidth(0);
  endWord(s.size());
  endLine();
  if (u.homoglyph.count > 0) u.needsSkeleton = true;
  return u;
}

// The run without invisible characters and with look-alikes folded to Latin, and a map back
// from skeleton offsets to the run's offsets.
struct Skeleton {
  std::string text;
  std::vector<std::pair<std::size_t, std::size_t>> shifts;  // (skeleton offset, bytes dropped before it)
  std::size_t original(std::size_t offset) const {
    auto it = std::upper_bound(shifts.begin(), shifts.end(), std::make_pair(offset, SIZE_MAX));
    return it == shifts.begin() ? offset : offset + std::prev(it)->second;
  }
};

Skeleton skeletonOf(std::string_view s) {
  Skeleton k;
  k.text.reserve(s.size());
  std::size_t dropped = 0;
  std::size_t i = 0;
  while (i < s.size()) {
    const std::size_t at = i;
    const char32_t cp = nextCodePoint(s, i);
    const bool invisible = cp >= 0x80 && (isTag(cp) || isZeroWidth(cp) || isBidiControl(cp) || isVariationSelector(cp));
    const char latin = cp >= 0x80 ? confusableLatin(cp) : 0;
    if (invisible) {
      dropped += i - at;
    } else if (latin != 0) {
      k.text += latin;
      dropped += i - at - 1;
    } else {
      k.text.append(s.substr(at, i - at));
      continue;
    }
    k.shifts.emplace_back(k.text.size(), dropped);
  }
  return k;
}

// ---- clusters of markers

struct Cluster {
  std::size_t begin = 0, end = 0;     // byte range in the scanned text
  std::vector<std::uint8_t> markers;  // distinct, in order of appearance
  std::vector<std::size_t> offsets;   // where each was first seen
  std::vector<std::size_t> lengths;
  int strong = 0, weak = 0;
  bool shell = false, endpoint = false, key = false, imageData = false, imageTemplate = false;

  bool instructionLike() const {
    return strong > 0 || weak >= 2 || imageTemplate || (weak >= 1 && (shell || endpoint || key || imageData)) ||
           (shell && (endpoint || key)) || (imageData && endpoint);
  }
  int points() const {
    return 3 * strong + weak + (shell ? 1 : 0) + (endpoint ? 1 : 0) + (key ? 1 : 0) + (imageData ? 2 : 0) +
           (imageTemplate ? 3 : 0);
  }
};

std::vector<Cluster> clustersOf(const std::vector<Hit>& hits) {
  std::vector<Cluster> out;
  for (const Hit& h : hits) {
    if (out.empty() || h.offset > out.back().end + kClusterGap) {
      out.emplace_back();
      out.back().begin = h.offset;
    }
    Cluster& c = out.back();
    c.end = std::max(c.end, h.offset + h.length);
    // A marker seen again in the same cluster counts once.
    const Marker& m = kMarkers[h.marker];
    if (std::find(c.markers.begin(), c.markers.end(), h.marker) != c.markers.end()) continue;
    c.markers.push_back(h.marker);
    c.offsets.push_back(h.offset);
    c.lengths.push_back(h.length);
    switch (m.cat) {
      case Cat::kAddress: ++c.strong; break;
      case Cat::kAddressWeak: ++c.weak; break;
      case Cat::kShell: c.shell = true; break;
      case Cat::kEndpoint: c.endpoint = true; break;
      case Cat::kKey: c.key = true; break;
      case Cat::kImageData: c.imageData = true; break;
      case Cat::kImageTemplate: c.imageTemplate = true; break;
    }
  }
  return out;
}

std::string quoteMarker(std::string_view text, std::size_t offset, std::size_t length, Cat cat) {
  std::string_view m = text.substr(offset, length);
  // A key is quoted by its start only: the report should not repeat a credential.
  if (cat == Cat::kKey) return shown(m.substr(0, 8), kMaxExcerpt) + "…";
  return shown(m, kMaxExcerpt);
}

void addReasons(const Cluster& c, std::string_view text, std::vector<std::string>& reasons) {
  for (std::size_t k = 0; k < c.markers.size() && reasons.size() < 12; ++k) {
    const Marker& m = kMarkers[c.markers[k]];
    std::string r = std::string(m.label) + ": '" + quoteMarker(text, c.offsets[k], c.lengths[k], m.cat) + "'";
    if (std::find(reasons.begin(), reasons.end(), r) == reasons.end()) reasons.push_back(std::move(r));
  }
}

// What the marker pass says about one text: its clusters, and the text they index.
struct Markers {
  std::vector<Cluster> clusters;
  const Cluster* best = nullptr;  // the instruction-like cluster with the most points
  bool viaSkeleton = false;
  Skeleton skeleton;
  std::string_view scanned;

  std::size_t original(std::size_t offset) const { return viaSkeleton ? skeleton.original(offset) : offset; }
};

void markersOf(std::string_view text, bool useSkeleton, Markers& out) {
  if (useSkeleton) {
    out.skeleton = skeletonOf(text);
    out.viaSkeleton = true;
    out.scanned = out.skeleton.text;
  } else {
    out.scanned = text;
  }
  out.clusters = clustersOf(scanMarkers(out.scanned));
  for (const Cluster& c : out.clusters)
    if (c.instructionLike() && (out.best == nullptr || c.points() > out.best->points())) out.best = &c;
}

// ---- scores

int visibleScore(const Cluster& c) { return std::min(70, 20 + 10 * c.points()); }
int concealedScore(const Cluster* c) { return c == nullptr ? 60 : 90 + std::min(10, 2 * (c->points() - 2)); }
int sideChannelScore(const Cluster& c) { return std::min(85, 40 + 10 * c.points()); }

bool blank(std::string_view s) {
  return s.find_first_not_of(" \t\r\n\f\v") == std::string_view::npos;
}

// Text already shown (escaped), cut to kMaxShown bytes at a character boundary, then "…".
std::string bounded(std::string s) {
  if (s.size() <= kMaxShown) return s;
  std::size_t cut = kMaxShown;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  s.resize(cut);
  s += "…";
  return s;
}

std::string joinExamples(const Aggregate& a) {
  std::string out;
  for (const auto& e : a.examples) {
    if (!out.empty()) out += " | ";
    out += e;
  }
  return bounded(std::move(out));
}

std::string codePointList(const Aggregate& a) {
  std::string out;
  for (char32_t cp : a.codePoints) {
    if (!out.empty()) out += ", ";
    out += codePointName(cp);
  }
  return out;
}

std::string plural(std::size_t n, std::string_view one, std::string_view many) {
  return std::to_string(n) + " " + std::string(n == 1 ? one : many);
}

// The place of a run, as findings carry it.
struct Place {
  std::string_view where;
  Hiding hiding;
  std::string_view why;
};

void unicodeFindings(const Place& run, const UnicodeScan& u, std::vector<Finding>& out) {
  for (const TagSequence& t : u.tags) {
    Finding f;
    f.kind = FindingKind::kUnicodeTags;
    f.hiding = run.hiding;
    f.where = std::string(run.where);
    f.offset = t.offset;
    f.text = shown(t.decoded);
    f.score = 80;
    f.reasons.push_back(plural(t.length, "Unicode tag character", "Unicode tag characters") +
                        " (U+E0000–E007F): invisible, decoded here");
    Markers m;
    markersOf(t.decoded, false, m);
    if (m.best != nullptr) {
      f.score = 100;
      addReasons(*m.best, m.scanned, f.reasons);
    }
    out.push_back(std::move(f));
  }
  if (u.tagSequencesDropped > 0 && !out.empty())
    out.back().reasons.push_back(plural(u.tagSequencesDropped, "more tag sequence", "more tag sequences") +
                                 " in this run, not listed");
  auto aggregate = [&](const Aggregate& a, FindingKind kind, int score, std::string reason) {
    if (a.count == 0) return;
    Finding f;
    f.kind = kind;
    f.hiding = run.hiding;
    f.where = std::string(run.where);
    f.offset = a.first;
    f.text = joinExamples(a);
    f.score = score;
    f.reasons.push_back(std::move(reason));
    out.push_back(std::move(f));
  };
  aggregate(u.zeroWidth, FindingKind::kZeroWidth, 50,
            plural(u.zeroWidth.count, "zero-width character", "zero-width characters") +
                " inside words or in a row (" + codePointList(u.zeroWidth) + ")");
  aggregate(u.selectors, FindingKind::kZeroWidth, 50,
            plural(u.selectors.count, "run", "runs") + " of variation selectors, which can carry hidden bytes");
  aggregate(u.bidi, FindingKind::kBidi, 60,
            plural(u.bidi.count, "bidi control", "bidi controls") + " reordering what is displayed (" +
                codePointList(u.bidi) + ")");
  aggregate(u.homoglyph, FindingKind::kHomoglyph, 50,
            plural(u.homoglyph.count, "word mixes", "words mix") + " Latin letters with look-alikes (" +
                codePointList(u.homoglyph) + ")");
}

// Where a finding's excerpt starts: at the start of the marker's line when that is at most
// 80 bytes back, else at the marker.
std::size_t excerptStart(std::string_view s, std::size_t at) {
  if (at == 0) return 0;
  const std::size_t nl = s.rfind('\n', at - 1);
  const std::size_t lineStart = nl == std::string_view::npos ? 0 : nl + 1;
  return at - lineStart <= 80 ? lineStart : at;
}

}  // namespace

namespace {

class Analyzer {
 public:
  explicit Analyzer(Report& report) : report_(report) {}

  void run(std::string_view text, const Place& run, std::size_t index) {
    std::vector<Finding> found;
    UnicodeScan u;
    if (!allAscii(text)) {
      u = scanUnicode(text);
      unicodeFindings(run, u, found);
    }
    Markers m;
    markersOf(text, u.needsSkeleton, m);
    const std::string why = run.why.empty() ? std::string(hidingName(run.hiding)) : std::string(run.why);
    bool hiddenFinding = false;

    if (concealed(run.hiding)) {
      if (!blank(text)) {
        Finding f;
        f.kind = FindingKind::kHidden;
        f.hiding = run.hiding;
        f.where = std::string(run.where);
        f.offset = text.find_first_not_of(" \t\r\n\f\v");
        f.text = shown(text.substr(f.offset));
        f.score = concealedScore(m.best);
        f.reasons.push_back(why);
        if (m.best != nullptr) {
          f.reasons.push_back("hidden text addressed to an assistant");
          addReasons(*m.best, m.scanned, f.reasons);
          if (m.viaSkeleton) f.reasons.emplace_back(kSkeletonNote);
        }
        if (!merge(run, index, f)) {
          found.push_back(std::move(f));
          hiddenFinding = true;
        }
      }
    } else if (run.hiding != Hiding::kVisible) {  // a side channel: a finding when instruction-like
      if (m.best != nullptr) {
        Finding f;
        f.kind = FindingKind::kHidden;
        f.hiding = run.hiding;
        f.where = std::string(run.where);
        f.offset = excerptStart(text, m.original(m.best->begin));
        f.text = shown(text.substr(f.offset));
        f.score = sideChannelScore(*m.best);
        f.reasons.push_back(why + ", addressed to an assistant");
        addReasons(*m.best, m.scanned, f.reasons);
        if (m.viaSkeleton) f.reasons.emplace_back(kSkeletonNote);
        found.push_back(std::move(f));
      }
    } else {
      std::size_t n = 0;
      for (const Cluster& c : m.clusters) {
        if (!c.instructionLike()) continue;
        if (++n > kMaxInstructionFindings) break;
        Finding f;
        f.kind = FindingKind::kInstruction;
        f.hiding = run.hiding;
        f.where = std::string(run.where);
        f.offset = excerptStart(text, m.original(c.begin));
        f.text = shown(text.substr(f.offset));
        f.score = visibleScore(c);
        addReasons(c, m.scanned, f.reasons);
        if (m.viaSkeleton) f.reasons.emplace_back(kSkeletonNote);
        found.push_back(std::move(f));
      }
    }
    // In document order within the run; a concealed run's own finding first at equal offsets.
    std::stable_sort(found.begin(), found.end(), [](const Finding& a, const Finding& b) { return a.offset < b.offset; });
    for (auto& f : found) {
      if (report_.findings.size() >= kMaxFindings) {
        ++dropped_;
        continue;
      }
      if (hiddenFinding && f.kind == FindingKind::kHidden)
        last_ = LastHidden{index, report_.findings.size(), run.hiding, std::string(run.why), 1};
      report_.findings.push_back(std::move(f));
    }
  }

  void finish() {
    if (dropped_ > 0)
      report_.notes.push_back(plural(dropped_, "more finding", "more findings") + " not listed (limit " +
                              std::to_string(kMaxFindings) + ")");
  }

 private:
  static constexpr std::string_view kSkeletonNote =
      "matched after removing invisible characters and folding look-alike letters";

  struct LastHidden {
    std::size_t run = SIZE_MAX;
    std::size_t finding = SIZE_MAX;
    Hiding hiding = Hiding::kVisible;
    std::string why;
    std::size_t runs = 0;
  };

  // Consecutive runs hidden the same way (the paragraphs of one hidden block) are one finding.
  bool merge(const Place& run, std::size_t index, Finding& f) {
    if (last_.run == SIZE_MAX || last_.run + 1 != index || last_.hiding != run.hiding || last_.why != run.why ||
        last_.finding >= report_.findings.size())
      return false;
    Finding& into = report_.findings[last_.finding];
    last_.run = index;
    ++last_.runs;
    if (!into.text.ends_with("…")) {
      into.text += " / ";
      into.text += f.text;
      into.text = bounded(std::move(into.text));
    }
    into.score = std::max(into.score, f.score);
    for (auto& r : f.reasons)
      if (into.reasons.size() < 16 && std::find(into.reasons.begin(), into.reasons.end(), r) == into.reasons.end())
        into.reasons.push_back(std::move(r));
    constexpr std::string_view kThrough = " hidden runs together, the last at ";
    auto it = std::find_if(into.reasons.begin(), into.reasons.end(),
                           [&](const std::string& r) { return r.find(kThrough) != std::string::npos; });
    std::string span = std::to_string(last_.runs) + std::string(kThrough) + std::string(run.where);
    if (it != into.reasons.end()) *it = std::move(span);
    else into.reasons.push_back(std::move(span));
    return true;
  }

  Report& report_;
  LastHidden last_;
  std::size_t dropped_ = 0;
};

}  // namespace

Report analyze(const Document& document) {
  Report r;
  r.format = document.format;
  r.notes = document.notes;
  Analyzer a(r);
  for (std::size_t i = 0; i < document.runs.size(); ++i) {
    const Run& run = document.runs[i];
    a.run(run.text, Place{run.where, run.hiding, run.why}, i);
  }
  a.finish();
  return r;
}

Report analyzeText(std::string_view text, std::string_view where) {
  Report r;
  r.format = Format::kText;
  Analyzer a(r);
  a.run(text, Place{where, Hiding::kVisible, {}}, 0);
  a.finish();
  return r;
}

}  // namespace airlock::inspect
