// RTF: a tokenizer over groups (depth-bounded, no recursion), control words and symbols, with
// the character formatting that hides text tracked per group: \v (hidden), \fsN (half-points;
// 2 pt and below is tiny), \cfN against the background (\highlightN, \chcbpatN, \cbN, \cbpatN,
// else the white page) through the \colortbl. Annotations ({\*\annotation …}) are comments,
// {\info …} fields metadata; other starred destinations, font and style tables, pictures,
// objects and field instructions are skipped (\binN data included). Text: \'hh in
// windows-1252, \uN with its \ucN fallback skipped (surrogate pairs joined), \par, \line,
// \tab and the named punctuation words.
#include <algorithm>
#include <array>
#include <cmath>

#include "core/text.h"
#include "inspect/extractors.h"
#include "inspect/text_family.h"

namespace airlock::inspect {

namespace {

enum class Dest : std::uint8_t { kText, kSkip, kColorTable, kInfo, kInfoField, kAnnotation };

struct State {
  Dest dest = Dest::kText;
  bool hidden = false;
  int fontHalfPoints = 24;
  int fg = 0, bg = 0, highlight = 0, charShading = 0, paraShading = 0;
  int uc = 1;
  std::string_view field;  // the \info field being read ("title")
};

struct Colour {
  int r = 0, g = 0, b = 0;
};

// Destinations whose text is not document text.
constexpr std::array<std::string_view, 34> kSkipped{
    "fonttbl", "stylesheet", "listtable", "listoverridetable", "revtbl", "rsidtbl", "pict", "object",
    "objdata", "themedata", "colorschememapping", "datastore", "latentstyles", "generator", "xmlnstbl",
    "filetbl", "mmathpr", "pgdsctbl", "fldinst", "bkmkstart", "bkmkend", "pntext", "listtext", "sp",
    "sn", "sv", "atnid", "atnauthor", "atndate", "atnref", "atrfstart", "atrfend", "xe", "tc"};

constexpr std::array<std::string_view, 11> kInfoFields{"title", "subject", "author", "keywords", "doccomm", "comment",
                                                       "company", "operator", "category", "manager", "hlinkbase"};

double luminance(const Colour& c) {
  auto lin = [](double v) {
    v /= 255;
    return v <= 0.03928 ? v / 12.92 : std::pow((v + 0.055) / 1.055, 2.4);
  };
  return 0.2126 * lin(c.r) + 0.7152 * lin(c.g) + 0.0722 * lin(c.b);
}

std::string hexOf(const Colour& c) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string s = "#";
  for (int v : {c.r, c.g, c.b}) {
    v = std::clamp(v, 0, 255);
    s += kDigits[v >> 4];
    s += kDigits[v & 0xF];
  }
  return s;
}

class Parser {
 public:
  Parser(std::string_view rtf, const Limits& limits, Document& doc)
      : s_(rtf), limits_(limits), doc_(doc), budget_(limits.maxTextBytes) {}

  core::Result<void> parse() {
    State state;
    std::vector<State> stack;
    bool groupStart = false, starred = false;
    std::size_t i = 0;
    while (i < s_.size()) {
      const char c = s_[i];
      if (c == '{') {
        ++i;
        if (stack.size() >= limits_.maxDepth)
          return core::makeError(core::Code::kInvalidArgument,
                                 "RTF groups nested deeper than " + std::to_string(limits_.maxDepth),
                                 "byte " + std::to_string(i - 1));
        stack.push_back(state);
        groupStart = true;
        starred = false;
        pendingSkip_ = 0;
        continue;
      }
      if (c == '}') {
        ++i;
        if (stack.empty()) {
          unbalanced_ = true;
          continue;
        }
        const State closing = state;
        state = stack.back();
        stack.pop_back();
        if (closing.dest != state.dest) {
          if (auto r = endDestination(closing); !r) return r;
        }
        groupStart = starred = false;
        pendingSkip_ = 0;
        continue;
      }
      if (c == '\\') {
        if (i + 1 >= s_.size()) break;
        const char n = s_[i + 1];
        if (std::isalpha(static_cast<unsigned char>(n))) {
          std::size_t k = i + 1;
          while (k < s_.size() && k - i <= 32 && std::isalpha(static_cast<unsigned char>(s_[k]))) ++k;
          const std::string word = core::asciiLower(s_.substr(i + 1, k - i - 1));
          bool hasParam = false;
          long param = 0;
          std::size_t p = k;
          const bool negative = p < s_.size() && s_[p] == '-';
          if (negative) ++p;
          std::size_t digits = 0;
          while (p < s_.size() && std::isdigit(static_cast<unsigned char>(s_[p]))) {
            if (digits < 10) param = param * 10 + (s_[p] - '0');
            ++digits;
            ++p;
          }
          if (digits > 0) {
            hasParam = true;
            k = p;
            if (negative) param = -param;
          }
          if (k < s_.size() && s_[k] == ' ') ++k;  // the delimiting space is part of the word
          i = k;
          if (word == "bin") {  // binary data: skip it whole
            i += static_cast<std::size_t>(std::clamp<long>(param, 0, static_cast<long>(s_.size() - i)));
            continue;
          }
          const bool first = groupStart;
          groupStart = false;
          if (first) {
            const Dest before = state.dest;
            destination(word, starred, state);
            starred = false;
            if (state.dest != before) {
              // The text before a comment comes before it in reading order.
              if (state.dest == Dest::kAnnotation) {
                if (auto r = flush(); !r) return r;
              }
              continue;
            }
          }
          if (auto r = controlWord(word, hasParam, static_cast<int>(std::clamp<long>(param, -2000000000L, 2000000000L)),
                                   state);
              !r)
            return r;
          continue;
        }
        i += 2;
        switch (n) {
          case '*':
            starred = true;
            continue;  // the word after it is still the group's first
          case '\'': {
            if (i + 2 <= s_.size()) {
              const int hi = core::hexDigitValue(static_cast<unsigned char>(s_[i]));
              const int lo = core::hexDigitValue(static_cast<unsigned char>(s_[i + 1]));
              if (hi >= 0 && lo >= 0) {
                i += 2;
                if (auto r = character(cp1252(static_cast<unsigned char>(hi * 16 + lo)), state); !r) return r;
              }
            }
            break;
          }
          case '\\':
          case '{':
          case '}':
            if (auto r = character(static_cast<unsigned char>(n), state); !r) return r;
            break;
          case '~':
            if (auto r = character(0xA0, state); !r) return r;
            break;
          case '_':
            if (auto r = character(0x2011, state); !r) return r;
            break;
          case '\n':
          case '\r':
            if (auto r = paragraph(state); !r) return r;
            break;
          default:  // \- (optional hyphen), \| and others: nothing to show
            break;
        }
        groupStart = false;
        continue;
      }
      ++i;
      if (c == '\r' || c == '\n' || c == '\0') continue;
      groupStart = false;
      if (auto r = character(cp1252(static_cast<unsigned char>(c)), state); !r) return r;
    }
    if (auto r = flush(); !r) return r;
    if (auto r = endDestination(state); !r) return r;
    if (!stack.empty()) doc_.notes.push_back("RTF ends inside " + std::to_string(stack.size()) + " open groups");
    if (unbalanced_) doc_.notes.push_back("RTF closes groups it did not open");
    if (codePage_ != 0 && codePage_ != 1252)
      doc_.notes.push_back("code page " + std::to_string(codePage_) + " read as windows-1252");
    return {};
  }

 private:
  // The first control word of a group may name its destination.
  void destination(const std::string& word, bool starred, State& state) {
    if (state.dest == Dest::kSkip || state.dest == Dest::kColorTable) return;
    if (word == "colortbl") {
      state.dest = Dest::kColorTable;
      colours_.clear();
      current_ = Colour{};
      return;
    }
    if (word == "info") {
      state.dest = Dest::kInfo;
      return;
    }
    if (state.dest == Dest::kInfo) {
      for (auto f : kInfoFields)
        if (word == f) {
          state.dest = Dest::kInfoField;
          state.field = f;
          return;
        }
      state.dest = Dest::kSkip;  // dates, counts and other numbers
      return;
    }
    if (word == "annotation") {
      state.dest = Dest::kAnnotation;
      ++annotations_;
      annotation_.clear();
      return;
    }
    if (std::find(kSkipped.begin(), kSkipped.end(), word) != kSkipped.end() || starred) state.dest = Dest::kSkip;
  }

  core::Result<void> controlWord(const std::string& w, bool hasParam, int param, State& st) {
    if (st.dest == Dest::kColorTable) {
      if (w == "red") current_.r = param;
      else if (w == "green") current_.g = param;
      else if (w == "blue") current_.b = param;
      return {};
    }
    if (w == "v") st.hidden = !hasParam || param != 0;
    else if (w == "fs") st.fontHalfPoints = hasParam ? param : 24;
    else if (w == "cf") st.fg = param;
    else if (w == "cb") st.bg = param;
    else if (w == "highlight") st.highlight = param;
    else if (w == "chcbpat") st.charShading = param;
    else if (w == "cbpat") st.paraShading = param;
    else if (w == "uc") st.uc = std::clamp(param, 0, 10);
    else if (w == "ansicpg") codePage_ = param;
    else if (w == "plain") {
      st.hidden = false;
      st.fontHalfPoints = 24;
      st.fg = st.bg = st.highlight = st.charShading = 0;
    } else if (w == "pard") {
      st.paraShading = 0;
    } else if (w == "par" || w == "sect" || w == "page" || w == "row") {
      return paragraph(st);
    } else if (w == "line") {
      return character('\n', st);
    } else if (w == "tab" || w == "cell") {
      return character('\t', st);
    } else if (w == "u") {
      char32_t cp = static_cast<char32_t>(param < 0 ? param + 65536 : param);
      if (cp >= 0xDC00 && cp <= 0xDFFF && highSurrogate_ != 0) {
        cp = 0x10000 + ((highSurrogate_ - 0xD800) << 10) + (cp - 0xDC00);
        highSurrogate_ = 0;
        removeLastReplacement(st);
      } else if (cp >= 0xD800 && cp <= 0xDBFF) {
        highSurrogate_ = cp;
        cp = kReplacement;  // until its low half comes
      }
      auto r = character(cp, st);
      pendingSkip_ = st.uc;
      return r;
    } else {
      static constexpr std::array<std::pair<std::string_view, char32_t>, 10> kNamed{{
          {"emdash", 0x2014}, {"endash", 0x2013}, {"bullet", 0x2022}, {"lquote", 0x2018}, {"rquote", 0x2019},
          {"ldblquote", 0x201C}, {"rdblquote", 0x201D}, {"emspace", 0x2003}, {"enspace", 0x2002}, {"qmspace", 0x2005},
      }};
      for (const auto& [name, cp] : kNamed)
        if (w == name) return character(cp, st);
    }
    return {};
  }

  // A high surrogate was written as U+FFFD; its pair replaces it.
  void removeLastReplacement(const State& st) {
    std::string& b = bufferFor(st);
    if (b.ends_with("\xEF\xBF\xBD")) b.resize(b.size() - 3);
  }

  std::string& bufferFor(const State& st) {
    switch (st.dest) {
      case Dest::kAnnotation: return annotation_;
      case Dest::kInfoField: return info_;
      default: return text_;
    }
  }

  core::Result<void> character(char32_t cp, const State& st) {
    if (pendingSkip_ > 0) {  // the fallback for the \uN just read
      --pendingSkip_;
      return {};
    }
    if (cp != kReplacement) highSurrogate_ = 0;
    switch (st.dest) {
      case Dest::kSkip:
      case Dest::kInfo:
        return {};
      case Dest::kColorTable:
        if (cp == ';') {
          if (colours_.size() < 4096) colours_.push_back(current_);
          current_ = Colour{};
        }
        return {};
      case Dest::kAnnotation:
        appendUtf8(annotation_, cp);
        return {};
      case Dest::kInfoField:
        appendUtf8(info_, cp);
        return {};
      case Dest::kText:
        break;
    }
    auto [hiding, why] = hidingOf(st);
    if (open_ && (hiding != hiding_ || why != why_)) {
      if (auto r = flush(); !r) return r;
    }
    if (!open_) {
      open_ = true;
      hiding_ = hiding;
      why_ = std::move(why);
    }
    appendUtf8(text_, cp);
    if (text_.size() > (1u << 20)) return flush();
    return {};
  }

  core::Result<void> paragraph(const State& st) {
    if (st.dest == Dest::kAnnotation || st.dest == Dest::kInfoField) return character('\n', st);
    if (st.dest != Dest::kText) return {};
    if (auto r = flush(); !r) return r;
    ++paragraph_;
    return {};
  }

  std::pair<Hiding, std::string> hidingOf(const State& st) const {
    if (st.hidden) return {Hiding::kVanish, "hidden text (\\v)"};
    if (st.fontHalfPoints <= 4) {
      const int hp = std::max(st.fontHalfPoints, 0);
      return {Hiding::kTinyFont,
              "font size " + std::to_string(hp / 2) + (hp % 2 != 0 ? ".5" : "") + " pt (\\fs" + std::to_string(hp) + ")"};
    }
    // \cf0 is "automatic": black on light backgrounds, white on dark ones, never invisible.
    if (st.fg > 0 && static_cast<std::size_t>(st.fg) < colours_.size()) {
      Colour back{255, 255, 255};
      std::string from = "the page";
      for (auto [index, name] : {std::pair{st.highlight, "\\highlight"}, std::pair{st.charShading, "\\chcbpat"},
                                 std::pair{st.bg, "\\cb"}, std::pair{st.paraShading, "\\cbpat"}}) {
        if (index > 0 && static_cast<std::size_t>(index) < colours_.size()) {
          back = colours_[static_cast<std::size_t>(index)];
          from = std::string(name) + std::to_string(index);
          break;
        }
      }
      const Colour& fore = colours_[static_cast<std::size_t>(st.fg)];
      const double a = luminance(fore), b = luminance(back);
      if ((std::max(a, b) + 0.05) / (std::min(a, b) + 0.05) < 1.1)
        return {Hiding::kSameColour, "colour " + hexOf(fore) + " on " + hexOf(back) + " (\\cf" + std::to_string(st.fg) +
                                         " on " + from + ")"};
    }
    return {Hiding::kVisible, ""};
  }

  core::Result<void> add(std::string text, std::string where, Hiding hiding, std::string why) {
    if (text.find_first_not_of(" \t\r\n") == std::string::npos) return {};
    if (auto r = budget_.take(text.size(), where); !r) return r;
    doc_.runs.push_back(Run{std::move(text), std::move(where), hiding, std::move(why)});
    return {};
  }

  core::Result<void> flush() {
    if (!open_) return {};
    open_ = false;
    auto r = add(std::move(text_), "paragraph " + std::to_string(paragraph_), hiding_, why_);
    text_.clear();
    return r;
  }

  // A comment or an info field ends with its group.
  core::Result<void> endDestination(const State& closing) {
    if (closing.dest == Dest::kAnnotation) {
      auto r = add(std::move(annotation_), "annotation " + std::to_string(annotations_) + " (paragraph " +
                                               std::to_string(paragraph_) + ")",
                   Hiding::kComment, "RTF annotation");
      annotation_.clear();
      return r;
    }
    if (closing.dest == Dest::kInfoField) {
      auto r = add(std::move(info_), "info " + std::string(closing.field), Hiding::kMetadata,
                   "document property (\\" + std::string(closing.field) + ")");
      info_.clear();
      return r;
    }
    return {};
  }

  std::string_view s_;
  const Limits& limits_;
  Document& doc_;
  TextBudget budget_;
  std::vector<Colour> colours_;
  Colour current_;
  std::string text_, annotation_, info_;
  bool open_ = false;
  Hiding hiding_ = Hiding::kVisible;
  std::string why_;
  std::size_t paragraph_ = 1, annotations_ = 0;
  int pendingSkip_ = 0;
  char32_t highSurrogate_ = 0;
  int codePage_ = 0;
  bool unbalanced_ = false;
};

}  // namespace

core::Result<Document> extractRtf(std::string_view bytes, const Limits& limits) {
  if (!bytes.starts_with("{\\rtf"))
    return core::makeError(core::Code::kInvalidArgument, "not RTF: it does not start with {\\rtf", "byte 0");
  Document doc;
  doc.format = Format::kRtf;
  Parser p(bytes, limits, doc);
  if (auto r = p.parse(); !r) return r.error();
  return doc;
}

}  // namespace airlock::inspect
