// HTML: gumbo's HTML5 tree, walked without recursion, with the CSS that hides text computed
// per element from the style attribute and the page's <style> rules (simple selectors: tag,
// .class, #id and their compounds, comma lists; inline wins, !important above both), inherited
// down the tree: display:none, visibility:hidden, the hidden attribute, tiny font sizes, zero
// opacity, off-screen positioning and clipping, text coloured like its background, aria-hidden.
// Comments, alt/title/aria-label attributes and <meta> descriptions are side channels.
//
// gumbo frees its tree recursively, which a deeply nested page would turn into a stack
// overflow; its memory is therefore taken from an arena that this file frees, and the tree is
// never handed back to gumbo. The tag count is bounded before parsing (memory), the depth
// while walking (Limits::maxDepth).
#include <gumbo.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdlib>
#include <deque>
#include <optional>
#include <unordered_map>

#include "core/text.h"
#include "inspect/extractors.h"
#include "inspect/text_family.h"

namespace airlock::inspect {

namespace {

constexpr std::size_t kMaxTags = 500000;         // gumbo's tree costs a few hundred bytes a node
constexpr std::size_t kMaxRules = 10000;         // CSS rules kept from <style> elements
constexpr std::size_t kMaxStyleBytes = 4u << 20;  // CSS read from <style> elements
constexpr std::size_t kPathHead = 3, kPathTail = 8;  // a deep path is shown by its ends

// ---- gumbo's memory

// Every block gumbo holds is on an intrusive list (a header before the block), so that freeing
// one is O(1) and the blocks still held at the end are freed here, without gumbo's recursion.
class GumboArena {
 public:
  GumboArena() { head_.prev = head_.next = &head_; }
  GumboArena(const GumboArena&) = delete;
  GumboArena& operator=(const GumboArena&) = delete;
  ~GumboArena() {
    for (Header* h = head_.next; h != &head_;) {
      Header* next = h->next;
      std::free(h);
      h = next;
    }
  }
  static void* allocate(void* self, std::size_t n) {
    auto* arena = static_cast<GumboArena*>(self);
    auto* h = static_cast<Header*>(std::malloc(sizeof(Header) + n));
    if (h == nullptr) return nullptr;
    h->prev = &arena->head_;
    h->next = arena->head_.next;
    arena->head_.next->prev = h;
    arena->head_.next = h;
    return h + 1;
  }
  static void deallocate(void*, void* p) {
    if (p == nullptr) return;
    Header* h = static_cast<Header*>(p) - 1;
    h->prev->next = h->next;
    h->next->prev = h->prev;
    std::free(h);
  }

 private:
  struct alignas(16) Header {  // keeps the block after it aligned as malloc's
    Header* prev;
    Header* next;
  };
  Header head_;
};

// ---- small string helpers

bool isSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && isSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && isSpace(s.back())) s.remove_suffix(1);
  return s;
}

std::string bounded(std::string_view s, std::size_t max) {
  if (s.size() <= max) return std::string(s);
  std::size_t cut = max;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  return std::string(s.substr(0, cut)) + "…";
}

const char* attr(const GumboElement& e, const char* name) {
  const GumboAttribute* a = gumbo_get_attribute(&e.attributes, name);
  return a == nullptr ? nullptr : a->value;
}

// ---- colours

struct Rgba {
  double r = 0, g = 0, b = 0, a = 1;
};

struct NamedColour {
  std::string_view name;
  std::uint32_t rgb;
};
constexpr std::array kNamedColours{
    NamedColour{"aliceblue", 0xF0F8FF},     NamedColour{"antiquewhite", 0xFAEBD7}, NamedColour{"aqua", 0x00FFFF},
    NamedColour{"azure", 0xF0FFFF},         NamedColour{"beige", 0xF5F5DC},        NamedColour{"bisque", 0xFFE4C4},
    NamedColour{"black", 0x000000},         NamedColour{"blue", 0x0000FF},         NamedColour{"brown", 0xA52A2A},
    NamedColour{"cornsilk", 0xFFF8DC},      NamedColour{"cyan", 0x00FFFF},         NamedColour{"darkblue", 0x00008B},
    NamedColour{"darkgray", 0xA9A9A9},      NamedColour{"darkgrey", 0xA9A9A9},     NamedColour{"darkslategray", 0x2F4F4F},
    NamedColour{"dimgray", 0x696969},       NamedColour{"dimgrey", 0x696969},      NamedColour{"floralwhite", 0xFFFAF0},
    NamedColour{"fuchsia", 0xFF00FF},       NamedColour{"gainsboro", 0xDCDCDC},    NamedColour{"ghostwhite", 0xF8F8FF},
    NamedColour{"gold", 0xFFD700},          NamedColour{"gray", 0x808080},         NamedColour{"green", 0x008000},
    NamedColour{"grey", 0x808080},          NamedColour{"honeydew", 0xF0FFF0},     NamedColour{"ivory", 0xFFFFF0},
    NamedColour{"lavender", 0xE6E6FA},      NamedColour{"lavenderblush", 0xFFF0F5}, NamedColour{"lemonchiffon", 0xFFFACD},
    NamedColour{"lightcyan", 0xE0FFFF},     NamedColour{"lightgray", 0xD3D3D3},    NamedColour{"lightgrey", 0xD3D3D3},
    NamedColour{"lightyellow", 0xFFFFE0},   NamedColour{"lime", 0x00FF00},         NamedColour{"linen", 0xFAF0E6},
    NamedColour{"magenta", 0xFF00FF},       NamedColour{"maroon", 0x800000},       NamedColour{"midnightblue", 0x191970},
    NamedColour{"mintcream", 0xF5FFFA},     NamedColour{"mistyrose", 0xFFE4E1},    NamedColour{"navy", 0x000080},
    NamedColour{"oldlace", 0xFDF5E6},       NamedColour{"olive", 0x808000},        NamedColour{"orange", 0xFFA500},
    NamedColour{"pink", 0xFFC0CB},          NamedColour{"purple", 0x800080},       NamedColour{"red", 0xFF0000},
    NamedColour{"seashell", 0xFFF5EE},      NamedColour{"silver", 0xC0C0C0},       NamedColour{"snow", 0xFFFAFA},
    NamedColour{"teal", 0x008080},          NamedColour{"white", 0xFFFFFF},        NamedColour{"whitesmoke", 0xF5F5F5},
    NamedColour{"yellow", 0xFFFF00},
};

// Numbers of rgb()/hsl(): "255", "100%", "0.5"; commas, spaces and "/" separate them.
std::vector<double> functionNumbers(std::string_view inner, std::vector<bool>& percent) {
  std::vector<double> out;
  std::size_t i = 0;
  while (i < inner.size() && out.size() < 5) {
    while (i < inner.size() && (isSpace(inner[i]) || inner[i] == ',' || inner[i] == '/')) ++i;
    const std::size_t start = i;
    while (i < inner.size() && (std::isdigit(static_cast<unsigned char>(inner[i])) || inner[i] == '.' ||
                                inner[i] == '-' || inner[i] == '+'))
      ++i;
    if (i == start) break;
    out.push_back(std::strtod(std::string(inner.substr(start, i - start)).c_str(), nullptr));
    bool pct = i < inner.size() && inner[i] == '%';
    if (pct) ++i;
    while (i < inner.size() && std::isalpha(static_cast<unsigned char>(inner[i]))) ++i;  // "deg"
    percent.push_back(pct);
  }
  return out;
}

double clamp01(double v) { return std::isnan(v) ? 0 : std::clamp(v, 0.0, 1.0); }

std::optional<Rgba> parseColour(std::string_view v) {
  v = trim(v);
  if (v.empty()) return std::nullopt;
  if (v == "transparent") return Rgba{0, 0, 0, 0};
  if (v.front() == '#') {
    std::string_view h = v.substr(1);
    std::array<int, 8> d{};
    if (h.size() != 3 && h.size() != 4 && h.size() != 6 && h.size() != 8) return std::nullopt;
    for (std::size_t k = 0; k < h.size(); ++k) {
      d[k] = core::hexDigitValue(static_cast<unsigned char>(h[k]));
      if (d[k] < 0) return std::nullopt;
    }
    if (h.size() <= 4)
      return Rgba{d[0] * 17.0, d[1] * 17.0, d[2] * 17.0, h.size() == 4 ? d[3] * 17.0 / 255 : 1.0};
    return Rgba{d[0] * 16.0 + d[1], d[2] * 16.0 + d[3], d[4] * 16.0 + d[5],
                h.size() == 8 ? (d[6] * 16.0 + d[7]) / 255 : 1.0};
  }
  const auto open = v.find('(');
  if (open != std::string_view::npos && v.back() == ')') {
    const std::string_view fn = v.substr(0, open);
    std::vector<bool> pct;
    const auto n = functionNumbers(v.substr(open + 1, v.size() - open - 2), pct);
    if (n.size() < 3) return std::nullopt;
    double alpha = n.size() >= 4 ? (pct[3] ? n[3] / 100 : n[3]) : 1.0;
    if (fn == "rgb" || fn == "rgba") {
      auto channel = [&](std::size_t k) { return std::clamp(pct[k] ? n[k] * 2.55 : n[k], 0.0, 255.0); };
      return Rgba{channel(0), channel(1), channel(2), clamp01(alpha)};
    }
    if (fn == "hsl" || fn == "hsla") {
      const double hue = std::fmod(std::fmod(n[0], 360.0) + 360.0, 360.0) / 60.0;
      const double s = clamp01(n[1] / 100), l = clamp01(n[2] / 100);
      const double c = (1 - std::abs(2 * l - 1)) * s, x = c * (1 - std::abs(std::fmod(hue, 2.0) - 1)), m = l - c / 2;
      double r = 0, g = 0, b = 0;
      if (hue < 1) r = c, g = x;
      else if (hue < 2) r = x, g = c;
      else if (hue < 3) g = c, b = x;
      else if (hue < 4) g = x, b = c;
      else if (hue < 5) r = x, b = c;
      else r = c, b = x;
      return Rgba{(r + m) * 255, (g + m) * 255, (b + m) * 255, clamp01(alpha)};
    }
    return std::nullopt;
  }
  for (const auto& c : kNamedColours)
    if (c.name == v)
      return Rgba{static_cast<double>((c.rgb >> 16) & 0xFF), static_cast<double>((c.rgb >> 8) & 0xFF),
                  static_cast<double>(c.rgb & 0xFF), 1};
  return std::nullopt;
}

Rgba over(const Rgba& top, const Rgba& below) {
  const double a = clamp01(top.a);
  return Rgba{top.r * a + below.r * (1 - a), top.g * a + below.g * (1 - a), top.b * a + below.b * (1 - a), 1};
}

double luminance(const Rgba& c) {
  auto lin = [](double v) {
    v /= 255;
    return v <= 0.03928 ? v / 12.92 : std::pow((v + 0.055) / 1.055, 2.4);
  };
  return 0.2126 * lin(c.r) + 0.7152 * lin(c.g) + 0.0722 * lin(c.b);
}

// WCAG contrast ratio: 1 for the same colour, 21 for black on white.
double contrast(const Rgba& a, const Rgba& b) {
  const double la = luminance(a), lb = luminance(b);
  return (std::max(la, lb) + 0.05) / (std::min(la, lb) + 0.05);
}

std::string hexOf(const Rgba& c) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string s = "#";
  for (double v : {c.r, c.g, c.b}) {
    const int n = static_cast<int>(std::lround(std::clamp(v, 0.0, 255.0)));
    s += kDigits[n >> 4];
    s += kDigits[n & 0xF];
  }
  return s;
}

// ---- lengths

// A CSS length in px; `em` and `%` relative to `fontPx`. nullopt when not a length.
std::optional<double> lengthPx(std::string_view v, double fontPx) {
  v = trim(v);
  std::size_t i = 0;
  while (i < v.size() && (std::isdigit(static_cast<unsigned char>(v[i])) || v[i] == '.' || v[i] == '-' || v[i] == '+'))
    ++i;
  if (i == 0) return std::nullopt;
  const double n = std::strtod(std::string(v.substr(0, i)).c_str(), nullptr);
  if (std::isnan(n) || std::isinf(n)) return std::nullopt;
  const std::string_view unit = v.substr(i);
  if (unit.empty()) return n == 0 ? std::optional<double>(0) : std::nullopt;
  if (unit == "px") return n;
  if (unit == "pt") return n * 4 / 3;
  if (unit == "pc") return n * 16;
  if (unit == "in") return n * 96;
  if (unit == "cm") return n * 96 / 2.54;
  if (unit == "mm") return n * 96 / 25.4;
  if (unit == "q") return n * 96 / 101.6;
  if (unit == "em") return n * fontPx;
  if (unit == "rem") return n * 16;
  if (unit == "ex" || unit == "ch") return n * fontPx / 2;
  if (unit == "%") return n * fontPx / 100;
  if (unit == "vw" || unit == "vh" || unit == "vmin" || unit == "vmax") return n * 10;  // a 1000 px viewport
  return std::nullopt;
}

std::optional<double> fontSizePx(std::string_view v, double parentPx) {
  static constexpr std::array<std::pair<std::string_view, double>, 9> kKeywords{{
      {"xx-small", 9}, {"x-small", 10}, {"small", 13}, {"medium", 16}, {"large", 18},
      {"x-large", 24}, {"xx-large", 32}, {"xxx-large", 48}, {"smaller", -1},
  }};
  for (const auto& [k, px] : kKeywords)
    if (v == k) return px < 0 ? parentPx / 1.2 : px;
  if (v == "larger") return parentPx * 1.2;
  return lengthPx(v, parentPx);
}

// The size in the `font` shorthand ("italic bold 0/0 a", "12px/1.5 serif").
std::optional<double> fontShorthandPx(std::string_view v, double parentPx) {
  std::size_t i = 0;
  while (i < v.size()) {
    while (i < v.size() && isSpace(v[i])) ++i;
    std::size_t end = i;
    while (end < v.size() && !isSpace(v[end]) && v[end] != '/' && v[end] != ',') ++end;
    if (end == i) break;
    const std::string_view token = v.substr(i, end - i);
    if (auto px = fontSizePx(token, parentPx); px && (std::isdigit(static_cast<unsigned char>(token[0])) || token[0] == '.' ||
                                                      std::isalpha(static_cast<unsigned char>(token[0]))))
      return px;
    i = end;
    while (i < v.size() && (v[i] == '/' || v[i] == ',')) ++i;
  }
  return std::nullopt;
}

// ---- CSS

enum Prop : std::uint8_t {
  kDisplay,
  kVisibility,
  kFontSize,
  kFont,
  kOpacity,
  kColor,
  kBackgroundColor,
  kBackground,
  kPosition,
  kLeft,
  kTop,
  kRight,
  kBottom,
  kTextIndent,
  kClip,
  kClipPath,
  kWidth,
  kHeight,
  kMaxHeight,
  kOverflow,
  kTransform,
  kPropCount,
};

constexpr std::array<std::string_view, kPropCount> kPropNames{
    "display", "visibility", "font-size", "font", "opacity", "color", "background-color",
    "background", "position", "left", "top", "right", "bottom", "text-indent", "clip",
    "clip-path", "width", "height", "max-height", "overflow", "transform"};

struct Decl {
  Prop prop;
  std::string value;  // lower-cased, without "!important"
  bool important;
};

std::string stripComments(std::string_view css) {
  std::string out;
  out.reserve(css.size());
  std::size_t i = 0;
  while (i < css.size()) {
    if (css[i] == '/' && i + 1 < css.size() && css[i + 1] == '*') {
      const auto end = css.find("*/", i + 2);
      if (end == std::string_view::npos) break;
      i = end + 2;
      out += ' ';
    } else {
      out += css[i++];
    }
  }
  return out;
}

void parseDeclarations(std::string_view block, std::vector<Decl>& out) {
  std::size_t i = 0;
  while (i < block.size()) {
    // A declaration ends at ';' outside parentheses and quotes.
    std::size_t end = i;
    int depth = 0;
    char quote = 0;
    for (; end < block.size(); ++end) {
      const char c = block[end];
      if (quote != 0) {
        if (c == quote) quote = 0;
      } else if (c == '"' || c == '\'') {
        quote = c;
      } else if (c == '(') {
        ++depth;
      } else if (c == ')') {
        depth = std::max(0, depth - 1);
      } else if (c == ';' && depth == 0) {
        break;
      }
    }
    const std::string_view d = block.substr(i, end - i);
    i = end + 1;
    const auto colon = d.find(':');
    if (colon == std::string_view::npos) continue;
    const std::string name = core::asciiLower(trim(d.substr(0, colon)));
    const auto it = std::find(kPropNames.begin(), kPropNames.end(), name);
    if (it == kPropNames.end()) continue;
    std::string value = core::asciiLower(trim(d.substr(colon + 1)));
    bool important = false;
    if (const auto bang = value.rfind('!'); bang != std::string::npos && trim(std::string_view(value).substr(bang + 1)) == "important") {
      important = true;
      value = std::string(trim(std::string_view(value).substr(0, bang)));
    }
    if (value.size() > 200) continue;  // no property we read needs more
    out.push_back(Decl{static_cast<Prop>(it - kPropNames.begin()), std::move(value), important});
  }
}

struct Rule {
  std::string tag;  // lower case; empty for any
  std::vector<std::string> classes;
  std::string id;
  int specificity = 0;
  std::size_t order = 0;
  std::vector<Decl> decls;
};

std::optional<Rule> parseSelector(std::string_view sel) {
  sel = trim(sel);
  if (sel.empty() || sel.size() > 256) return std::nullopt;
  Rule r;
  std::size_t i = 0;
  auto ident = [&] {
    const std::size_t start = i;
    while (i < sel.size() && (std::isalnum(static_cast<unsigned char>(sel[i])) || sel[i] == '-' || sel[i] == '_')) ++i;
    return sel.substr(start, i - start);
  };
  r.tag = core::asciiLower(ident());
  if (!r.tag.empty()) r.specificity += 1;
  while (i < sel.size()) {
    const char c = sel[i++];
    const std::string_view name = ident();
    if (name.empty()) return std::nullopt;
    if (c == '.') {
      r.classes.emplace_back(name);
      r.specificity += 10;
    } else if (c == '#' && r.id.empty()) {
      r.id = std::string(name);
      r.specificity += 100;
    } else {
      return std::nullopt;  // descendant, child, attribute and pseudo selectors are not followed
    }
  }
  if (r.tag.empty() && r.classes.empty() && r.id.empty()) return std::nullopt;
  return r;
}

struct Sheet {
  std::vector<Rule> rules;
  std::unordered_map<std::string, std::vector<std::size_t>> byId, byClass, byTag;
  bool truncated = false;

  void add(Rule r) {
    const std::size_t k = rules.size();
    if (!r.id.empty()) byId[r.id].push_back(k);
    else if (!r.classes.empty()) byClass[r.classes.front()].push_back(k);
    else byTag[r.tag].push_back(k);
    rules.push_back(std::move(r));
  }
};

void parseStylesheet(std::string_view cssIn, Sheet& sheet) {
  const std::string css = stripComments(cssIn);
  std::size_t i = 0;
  while (i < css.size()) {
    while (i < css.size() && isSpace(css[i])) ++i;
    if (i >= css.size()) break;
    if (css[i] == '@') {
      // At-rules (@media, @supports, @font-face, @import…) are skipped whole: what they hide
      // depends on the screen or the medium.
      const auto brace = css.find_first_of("{;", i);
      if (brace == std::string::npos) break;
      if (css[brace] == ';') {
        i = brace + 1;
        continue;
      }
      int depth = 0;
      std::size_t k = brace;
      for (; k < css.size(); ++k) {
        if (css[k] == '{') ++depth;
        else if (css[k] == '}' && --depth == 0) break;
      }
      i = k + 1;
      continue;
    }
    const auto open = css.find('{', i);
    if (open == std::string::npos) break;
    const auto close = css.find('}', open + 1);
    const std::string_view selectors = std::string_view(css).substr(i, open - i);
    const std::string_view body =
        std::string_view(css).substr(open + 1, (close == std::string::npos ? css.size() : close) - open - 1);
    i = close == std::string::npos ? css.size() : close + 1;
    std::vector<Decl> decls;
    parseDeclarations(body, decls);
    if (decls.empty()) continue;
    std::size_t s = 0;
    while (s <= selectors.size()) {
      auto comma = selectors.find(',', s);
      if (comma == std::string_view::npos) comma = selectors.size();
      if (auto r = parseSelector(selectors.substr(s, comma - s))) {
        if (sheet.rules.size() >= kMaxRules) {
          sheet.truncated = true;
          return;
        }
        r->order = sheet.rules.size();
        r->decls = decls;
        sheet.add(std::move(*r));
      }
      s = comma + 1;
    }
  }
}

// ---- computed style

constexpr int rank(Hiding h) {
  switch (h) {
    case Hiding::kVanish: return 4;
    case Hiding::kTransparent: return 3;
    case Hiding::kOffPage: return 2;
    case Hiding::kAriaHidden: return 1;
    default: return 0;
  }
}

struct Style {
  Hiding hiding = Hiding::kVisible;  // set on this element or an ancestor, for the subtree
  std::string_view why;
  bool visibilityHidden = false;  // inherited, and a descendant may set visibility:visible
  std::string_view visibilityWhy;
  double fontPx = 16;
  std::string_view fontWhy;
  double opacity = 1;
  std::string_view opacityWhy;
  Rgba color{0, 0, 0, 1};
  std::optional<Rgba> background = Rgba{255, 255, 255, 1};  // nullopt: an image, unknown
  double textIndentPx = 0;
  std::string_view indentWhy;
  bool pre = false;
  bool altText = false;  // SVG <title>/<desc>: tooltips, not text on the page
};

// ---- the walk

bool isBlock(GumboTag t) {
  switch (t) {
    case GUMBO_TAG_ADDRESS: case GUMBO_TAG_ARTICLE: case GUMBO_TAG_ASIDE: case GUMBO_TAG_BLOCKQUOTE:
    case GUMBO_TAG_BODY: case GUMBO_TAG_CAPTION: case GUMBO_TAG_DD: case GUMBO_TAG_DETAILS:
    case GUMBO_TAG_DIV: case GUMBO_TAG_DL: case GUMBO_TAG_DT:
    case GUMBO_TAG_FIELDSET: case GUMBO_TAG_FIGCAPTION: case GUMBO_TAG_FIGURE: case GUMBO_TAG_FOOTER:
    case GUMBO_TAG_FORM: case GUMBO_TAG_H1: case GUMBO_TAG_H2: case GUMBO_TAG_H3: case GUMBO_TAG_H4:
    case GUMBO_TAG_H5: case GUMBO_TAG_H6: case GUMBO_TAG_HEAD: case GUMBO_TAG_HEADER: case GUMBO_TAG_HR:
    case GUMBO_TAG_HTML: case GUMBO_TAG_LI: case GUMBO_TAG_MAIN: case GUMBO_TAG_NAV: case GUMBO_TAG_OL:
    case GUMBO_TAG_OPTION: case GUMBO_TAG_P: case GUMBO_TAG_PRE: case GUMBO_TAG_SECTION:
    case GUMBO_TAG_SUMMARY: case GUMBO_TAG_TABLE: case GUMBO_TAG_TBODY: case GUMBO_TAG_TD:
    case GUMBO_TAG_TFOOT: case GUMBO_TAG_TH: case GUMBO_TAG_THEAD: case GUMBO_TAG_TITLE:
    case GUMBO_TAG_TR: case GUMBO_TAG_UL: case GUMBO_TAG_TEXTAREA: case GUMBO_TAG_SELECT:
    case GUMBO_TAG_LEGEND: case GUMBO_TAG_CENTER:
      return true;
    default:
      return false;
  }
}

std::string tagName(const GumboElement& e) {
  if (e.tag != GUMBO_TAG_UNKNOWN) return gumbo_normalized_tagname(e.tag);
  GumboStringPiece p = e.original_tag;
  if (p.data == nullptr || p.length == 0) return "unknown";
  gumbo_tag_from_original_text(&p);
  std::string name;
  for (std::size_t k = 0; k < p.length && name.size() < 32; ++k) {
    const char c = p.data[k];
    if (isSpace(c) || c == '/' || c == '>') break;
    name += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return name.empty() ? "unknown" : name;
}

class Walker {
 public:
  Walker(const Limits& limits, const HtmlOptions& options, TextBudget& budget, Document& doc, const Sheet& sheet)
      : limits_(limits), options_(options), prefix_(options.wherePrefix), budget_(budget), doc_(doc), sheet_(sheet) {}

  core::Result<void> walk(GumboNode* document) {
    struct Frame {
      GumboNode* node;
      unsigned next = 0;
      Style style;
      std::vector<std::pair<std::string, unsigned>> seen;  // children's tag counts, for "p[2]"
      bool block = false;
    };
    std::vector<Frame> stack;
    stack.push_back(Frame{document, 0, Style{}, {}, false});
    while (!stack.empty()) {
      Frame& top = stack.back();
      const GumboVector* children =
          top.node->type == GUMBO_NODE_DOCUMENT ? &top.node->v.document.children : &top.node->v.element.children;
      if (top.next >= children->length) {
        if (top.block) {
          if (auto r = flush(); !r) return r;
        }
        if (top.node->type != GUMBO_NODE_DOCUMENT) segments_.pop();
        stack.pop_back();
        continue;
      }
      auto* child = static_cast<GumboNode*>(children->data[top.next++]);
      const Style& parent = top.style;
      switch (child->type) {
        case GUMBO_NODE_TEXT:
        case GUMBO_NODE_CDATA:
        case GUMBO_NODE_WHITESPACE: {
          if (auto r = text(child->v.text, parent, child->type == GUMBO_NODE_WHITESPACE); !r) return r;
          break;
        }
        case GUMBO_NODE_COMMENT: {
          if (auto r = flush(); !r) return r;
          if (auto r = emit(trim(child->v.text.text), place(child->v.text.start_pos.line, true) + " comment",
                            Hiding::kComment, "HTML comment");
              !r)
            return r;
          break;
        }
        case GUMBO_NODE_ELEMENT:
        case GUMBO_NODE_TEMPLATE: {
          if (stack.size() > limits_.maxDepth)
            return core::makeError(core::Code::kInvalidArgument,
                                   "HTML nested deeper than " + std::to_string(limits_.maxDepth) + " elements",
                                   prefix_ + path());
          const GumboElement& e = child->v.element;
          if (e.tag == GUMBO_TAG_SCRIPT || e.tag == GUMBO_TAG_STYLE) {
            ++(e.tag == GUMBO_TAG_SCRIPT ? scripts_ : styles_);
            break;  // their text is code, not page text
          }
          std::string name = tagName(e);
          unsigned n = 1;
          bool found = false;
          for (auto& [t, count] : top.seen)
            if (t == name) {
              n = ++count;
              found = true;
              break;
            }
          if (!found && top.seen.size() < 64) top.seen.emplace_back(name, 1);
          std::string segment = name;
          const char* id = attr(e, "id");
          const char* cls = attr(e, "class");
          if (id != nullptr && *id != '\0') {
            segment += '#';
            segment += bounded(id, 40);
          } else if (cls != nullptr) {
            std::string_view c = trim(cls);
            c = c.substr(0, std::min(c.find_first_of(" \t\n\r\f"), c.size()));
            if (!c.empty()) {
              segment += '.';
              segment += bounded(c, 40);
            }
          }
          if (n > 1) segment += "[" + std::to_string(n) + "]";
          Style style = computeStyle(e, name, segment, parent, child->type == GUMBO_NODE_TEMPLATE);
          const bool block = isBlock(e.tag);
          if (block || e.tag == GUMBO_TAG_BR) {
            if (auto r = flush(); !r) return r;
          }
          segments_.push(segment);
          if (auto r = attributes(e, name, place(e.start_pos.line, true)); !r) return r;
          if (e.tag == GUMBO_TAG_BR || e.tag == GUMBO_TAG_HR) {
            segments_.pop();
            break;
          }
          stack.push_back(Frame{child, 0, std::move(style), {}, block});
          break;
        }
        case GUMBO_NODE_DOCUMENT:
          break;
      }
    }
    if (auto r = flush(); !r) return r;
    return {};
  }

  std::size_t scripts() const { return scripts_; }
  std::size_t styles() const { return styles_; }

 private:
  // The path of open elements, "html body>div#x>p[2]", shown by its ends when deep.
  struct Segments {
    std::vector<std::string> v;
    void push(std::string s) { v.push_back(std::move(s)); }
    void pop() {
      if (!v.empty()) v.pop_back();
    }
  };

  std::string path() const {
    const auto& v = segments_.v;
    std::string out;
    auto add = [&](std::size_t k) {
      if (k == 0) out += v[0];
      else {
        out += k == 1 ? ' ' : '>';
        out += v[k];
      }
    };
    if (v.size() <= kPathHead + kPathTail) {
      for (std::size_t k = 0; k < v.size(); ++k) add(k);
    } else {
      for (std::size_t k = 0; k < kPathHead; ++k) add(k);
      out += ">…";
      for (std::size_t k = v.size() - kPathTail; k < v.size(); ++k) add(k);
    }
    return out.empty() ? "html" : out;
  }

  // Where a run is: the element path; for Markdown the source line first.
  std::string place(unsigned line, bool withPath) const {
    if (!options_.markdown) return path();
    std::string out = "line " + std::to_string(line + options_.lineOffset);
    if (withPath) {
      // The walk wraps Markdown in html and body; the elements below them are the news.
      std::string p = path();
      if (p.starts_with("html body>")) out += " " + p.substr(10);
      else if (p != "html body" && p != "html") out += " " + p;
    }
    return out;
  }

  std::string_view keep(std::string s) {
    if (!whys_.empty() && whys_.back() == s) return whys_.back();
    whys_.push_back(std::move(s));
    return whys_.back();
  }

  Style computeStyle(const GumboElement& e, const std::string& name, const std::string& segment, const Style& parent,
                     bool templateContent) {
    Style s = parent;
    s.altText = parent.altText || (e.tag_namespace == GUMBO_NAMESPACE_SVG && (name == "title" || name == "desc"));
    if (e.tag == GUMBO_TAG_PRE || e.tag == GUMBO_TAG_TEXTAREA || e.tag == GUMBO_TAG_LISTING) s.pre = true;
    auto hide = [&](Hiding h, std::string why) {
      if (rank(h) > rank(s.hiding)) {
        s.hiding = h;
        s.why = keep(std::move(why));
      }
    };
    if (templateContent) hide(Hiding::kVanish, "<template> content is not rendered");
    if (gumbo_get_attribute(&e.attributes, "hidden") != nullptr) hide(Hiding::kVanish, "hidden attribute on " + segment);
    if (const char* a = attr(e, "aria-hidden"); a != nullptr && core::asciiLower(trim(a)) == "true")
      hide(Hiding::kAriaHidden, "aria-hidden=true on " + segment);

    // The cascade for the properties read here: sheet rules by specificity then order, the
    // style attribute above them, !important above both.
    std::array<const std::string*, kPropCount> v{};
    struct Applied {
      int rank;
      std::size_t order;
      const Decl* decl;
    };
    std::vector<Applied> applied;
    if (!sheet_.rules.empty()) {
      const char* id = attr(e, "id");
      const char* cls = attr(e, "class");
      std::vector<std::string_view> classes;
      if (cls != nullptr) {
        std::string_view c = cls;
        while (!c.empty() && classes.size() < 32) {
          const auto sp = c.find_first_of(" \t\n\r\f");
          if (sp != 0) classes.push_back(c.substr(0, sp));
          if (sp == std::string_view::npos) break;
          c.remove_prefix(sp + 1);
        }
      }
      std::vector<std::size_t> candidates;
      auto gather = [&](const std::unordered_map<std::string, std::vector<std::size_t>>& index, std::string_view key) {
        if (auto it = index.find(std::string(key)); it != index.end())
          candidates.insert(candidates.end(), it->second.begin(), it->second.end());
      };
      if (id != nullptr && *id != '\0') gather(sheet_.byId, id);
      for (auto c : classes) gather(sheet_.byClass, c);
      gather(sheet_.byTag, name);
      std::sort(candidates.begin(), candidates.end());
      candidates.erase(std::unique(candidates.begin(), candidates.end()), candidates.end());
      for (std::size_t k : candidates) {
        const Rule& r = sheet_.rules[k];
        if (!r.tag.empty() && r.tag != name) continue;
        if (!r.id.empty() && (id == nullptr || r.id != id)) continue;
        bool all = true;
        for (const auto& c : r.classes) all = all && std::find(classes.begin(), classes.end(), c) != classes.end();
        if (!all) continue;
        for (const Decl& d : r.decls) applied.push_back(Applied{d.important ? 2000 + r.specificity : r.specificity, r.order, &d});
      }
    }
    std::vector<Decl> inlineDecls;
    if (const char* st = attr(e, "style"); st != nullptr) {
      parseDeclarations(st, inlineDecls);
      for (const Decl& d : inlineDecls) applied.push_back(Applied{d.important ? 3000 : 1000, 0, &d});
    }
    if (applied.empty()) return s;
    std::stable_sort(applied.begin(), applied.end(),
                     [](const Applied& a, const Applied& b) { return a.rank != b.rank ? a.rank < b.rank : a.order < b.order; });
    for (const Applied& a : applied) v[a.decl->prop] = &a.decl->value;
    auto has = [&](Prop p) { return v[p] != nullptr; };
    auto val = [&](Prop p) -> std::string_view { return v[p] == nullptr ? std::string_view() : std::string_view(*v[p]); };
    auto on = [&](std::string_view what) { return std::string(what) + " on " + segment; };

    if (val(kDisplay) == "none") hide(Hiding::kVanish, on("display:none"));
    if (has(kVisibility)) {
      if (val(kVisibility) == "hidden" || val(kVisibility) == "collapse") {
        s.visibilityHidden = true;
        s.visibilityWhy = keep(on("visibility:" + std::string(val(kVisibility))));
      } else if (val(kVisibility) == "visible") {
        s.visibilityHidden = false;
      }
    }
    std::optional<double> font;
    if (has(kFont)) font = fontShorthandPx(val(kFont), parent.fontPx);
    if (has(kFontSize)) font = fontSizePx(val(kFontSize), parent.fontPx);
    if (font) {
      s.fontPx = *font;
      s.fontWhy = keep(on(has(kFontSize) ? "font-size:" + bounded(val(kFontSize), 40) : "font:" + bounded(val(kFont), 40)));
    }
    if (val(kTransform).starts_with("scale(0)") || val(kTransform).starts_with("scale(0,") ||
        val(kTransform).starts_with("scale(0 ")) {
      s.fontPx = 0;
      s.fontWhy = keep(on("transform:" + bounded(val(kTransform), 40)));
    }
    if (has(kOpacity)) {
      std::string_view o = val(kOpacity);
      double x = std::strtod(std::string(o).c_str(), nullptr);
      if (o.ends_with("%")) x /= 100;
      if (!std::isnan(x)) {
        s.opacity = parent.opacity * clamp01(x);
        if (clamp01(x) <= 0.02) s.opacityWhy = keep(on("opacity:" + bounded(o, 20)));
      }
    }
    if (has(kColor)) {
      if (auto c = parseColour(val(kColor))) s.color = *c;
    }
    std::string_view bg = has(kBackgroundColor) ? val(kBackgroundColor) : std::string_view();
    if (has(kBackground)) {
      const std::string_view b = val(kBackground);
      if (b.find("url(") != std::string_view::npos || b.find("gradient(") != std::string_view::npos) {
        s.background = std::nullopt;  // an image behind the text: its colour is unknown
      } else if (!has(kBackgroundColor)) {
        // The colour in the shorthand: the token that parses as one.
        std::size_t k = 0;
        while (k < b.size()) {
          while (k < b.size() && isSpace(b[k])) ++k;
          std::size_t end = k;
          int depth = 0;
          while (end < b.size() && (depth > 0 || !isSpace(b[end]))) {
            if (b[end] == '(') ++depth;
            if (b[end] == ')') --depth;
            ++end;
          }
          if (end == k) break;
          if (parseColour(b.substr(k, end - k))) {
            bg = b.substr(k, end - k);
            break;
          }
          k = end;
        }
      }
    }
    if (!bg.empty() && s.background) {
      if (auto c = parseColour(bg); c && c->a > 0) s.background = over(*c, *s.background);
    }
    const std::string_view position = val(kPosition);
    const bool positioned = position == "absolute" || position == "fixed" || position == "relative";
    if (positioned) {
      for (Prop p : {kLeft, kTop, kRight, kBottom}) {
        if (!has(p)) continue;
        const std::string_view x = val(p);
        const auto px = lengthPx(x, s.fontPx);
        const bool far = (px && (*px <= -999 || ((p == kLeft || p == kTop) && *px >= 10000))) ||
                         (x.ends_with("%") && std::strtod(std::string(x).c_str(), nullptr) <= -100);
        if (far) {
          hide(Hiding::kOffPage,
               on("position:" + std::string(position) + "; " + std::string(kPropNames[p]) + ":" + bounded(x, 20)));
          break;
        }
      }
    }
    if (has(kTextIndent)) {
      if (auto px = lengthPx(val(kTextIndent), s.fontPx)) {
        s.textIndentPx = *px;
        s.indentWhy = keep(on("text-indent:" + bounded(val(kTextIndent), 20)));
      }
    }
    if (has(kClip) && (position == "absolute" || position == "fixed")) {
      std::vector<bool> pct;
      const std::string_view c = val(kClip);
      if (c.starts_with("rect(") && c.ends_with(")")) {
        const auto n = functionNumbers(c.substr(5, c.size() - 6), pct);
        if (n.size() == 4 && std::all_of(n.begin(), n.end(), [](double x) { return std::abs(x) <= 1; }))
          hide(Hiding::kOffPage, on("clip:" + bounded(c, 40)));
      }
    }
    if (has(kClipPath)) {
      const std::string_view c = val(kClipPath);
      std::vector<bool> pct;
      if (c.starts_with("inset(") && c.ends_with(")")) {
        const auto n = functionNumbers(c.substr(6, c.size() - 7), pct);
        if (!n.empty() && !pct.empty() && pct[0] && n[0] >= 50) hide(Hiding::kOffPage, on("clip-path:" + bounded(c, 40)));
      } else if (c.starts_with("circle(0")) {
        hide(Hiding::kOffPage, on("clip-path:" + bounded(c, 40)));
      }
    }
    const std::string_view overflow = val(kOverflow);
    if (overflow == "hidden" || overflow == "clip") {
      for (Prop p : {kWidth, kHeight, kMaxHeight}) {
        if (!has(p)) continue;
        if (auto px = lengthPx(val(p), s.fontPx); px && *px <= 1) {
          hide(Hiding::kOffPage, on(std::string(kPropNames[p]) + ":" + bounded(val(p), 20) + " with overflow:hidden"));
          break;
        }
      }
    }
    return s;
  }

  // alt/title/aria-label (side channels), <meta> descriptions (metadata).
  core::Result<void> attributes(const GumboElement& e, const std::string& name, const std::string& here) {
    if (e.tag == GUMBO_TAG_META) {
      const char* key = attr(e, "name");
      if (key == nullptr) key = attr(e, "property");
      const char* content = attr(e, "content");
      if (key != nullptr && content != nullptr) {
        const std::string k = core::asciiLower(key);
        if (k == "description" || k == "keywords" || k == "author" || k == "subject" || k == "abstract" ||
            k.ends_with(":description") || k.ends_with(":title"))
          return emit(trim(content), here + "[" + bounded(k, 40) + "]", Hiding::kMetadata, "<meta " + bounded(k, 40) + ">");
      }
      return {};
    }
    for (const char* a : {"alt", "title", "aria-label"}) {
      const char* value = attr(e, a);
      if (value == nullptr) continue;
      if (auto r = flush(); !r) return r;  // the text before it comes first
      if (auto r = emit(trim(value), here + "@" + a, Hiding::kAltText, std::string(a) + " attribute of <" + name + ">"); !r)
        return r;
    }
    return {};
  }

  core::Result<void> text(const GumboText& t, const Style& s, bool whitespace) {
    if (t.text == nullptr) return {};
    const std::string_view str = t.text;
    if (options_.markdown) return markdownText(t, s);
    if (whitespace && !s.pre) {
      if (!buf_.empty() && buf_.back() != ' ' && buf_.back() != '\n') buf_ += ' ';
      return {};
    }
    auto [hiding, why] = textHiding(s);
    if (open_ && (hiding != hiding_ || why != why_)) {
      if (auto r = flush(); !r) return r;
    }
    if (!open_) {
      open_ = true;
      hiding_ = hiding;
      why_ = std::move(why);
      where_ = path();
    }
    if (s.pre) {
      buf_.append(str);
    } else {
      for (char c : str) {
        if (isSpace(c)) {
          if (!buf_.empty() && buf_.back() != ' ' && buf_.back() != '\n') buf_ += ' ';
        } else {
          buf_ += c;
        }
      }
    }
    if (buf_.size() > (1u << 20)) return flush();  // a long run is cut, so no run grows unbounded
    return {};
  }

  // Markdown text keeps its lines (chat-role markers are at line starts) and a blank line ends
  // a run, as it ends a paragraph.
  core::Result<void> markdownText(const GumboText& t, const Style& s) {
    const std::string_view str = t.text;
    auto [hiding, why] = textHiding(s);
    unsigned line = t.start_pos.line;
    std::size_t i = 0;
    while (i < str.size()) {
      // The next blank line: a line break, optional spaces, another line break.
      std::size_t blank = std::string_view::npos, after = 0;
      for (std::size_t k = str.find('\n', i); k != std::string_view::npos; k = str.find('\n', k + 1)) {
        std::size_t m = k + 1;
        while (m < str.size() && (str[m] == ' ' || str[m] == '\t' || str[m] == '\r')) ++m;
        if (m < str.size() && str[m] == '\n') {
          blank = k;
          after = m;
          break;
        }
      }
      const std::string_view piece = str.substr(i, blank == std::string_view::npos ? std::string_view::npos : blank - i);
      const std::size_t first = piece.find_first_not_of(" \t\r\n");
      if (first != std::string_view::npos) {
        if (open_ && (hiding != hiding_ || why != why_)) {
          if (auto r = flush(); !r) return r;
        }
        if (!open_) {
          open_ = true;
          hiding_ = hiding;
          why_ = why;
          const auto lineOf = line + static_cast<unsigned>(std::count(piece.begin(), piece.begin() + first, '\n'));
          where_ = place(lineOf, hiding != Hiding::kVisible);
        }
      }
      if (open_) buf_.append(piece);
      if (blank == std::string_view::npos) break;
      line += static_cast<unsigned>(std::count(str.begin() + i, str.begin() + after, '\n'));
      if (auto r = flush(); !r) return r;
      i = after;
    }
    if (buf_.size() > (1u << 20)) return flush();
    return {};
  }

  std::pair<Hiding, std::string> textHiding(const Style& s) {
    if (s.hiding == Hiding::kVanish) return {Hiding::kVanish, std::string(s.why)};
    if (s.visibilityHidden) return {Hiding::kVanish, std::string(s.visibilityWhy)};
    if (s.opacity <= 0.02) return {Hiding::kTransparent, std::string(s.opacityWhy.empty() ? "opacity 0" : s.opacityWhy)};
    if (s.color.a <= 0.02) return {Hiding::kTransparent, "color:transparent"};
    if (s.hiding == Hiding::kTransparent || s.hiding == Hiding::kOffPage) return {s.hiding, std::string(s.why)};
    if (s.textIndentPx <= -999) return {Hiding::kOffPage, std::string(s.indentWhy)};
    if (s.fontPx <= 2.7) return {Hiding::kTinyFont, std::string(s.fontWhy)};
    if (s.background) {
      const Rgba fg = over(s.color, *s.background);
      if (contrast(fg, *s.background) < 1.1)
        return {Hiding::kSameColour, "colour " + hexOf(fg) + " on " + hexOf(*s.background)};
    }
    if (s.altText) return {Hiding::kAltText, "SVG title or description"};
    if (s.hiding == Hiding::kAriaHidden) return {Hiding::kAriaHidden, std::string(s.why)};
    return {Hiding::kVisible, ""};
  }

  core::Result<void> flush() {
    if (!open_) return {};
    open_ = false;
    auto r = emit(trim(buf_), where_, hiding_, why_);
    buf_.clear();
    return r;
  }

  core::Result<void> emit(std::string_view text, const std::string& where, Hiding hiding, std::string why) {
    if (text.empty()) return {};
    if (auto r = budget_.take(text.size(), prefix_ + where); !r) return r;
    doc_.runs.push_back(Run{validUtf8(text), prefix_ + where, hiding, std::move(why)});
    return {};
  }

  const Limits& limits_;
  const HtmlOptions& options_;
  std::string prefix_;
  TextBudget& budget_;
  Document& doc_;
  const Sheet& sheet_;
  Segments segments_;
  std::deque<std::string> whys_;
  std::size_t scripts_ = 0, styles_ = 0;
  // The run being gathered.
  bool open_ = false;
  std::string buf_;
  Hiding hiding_ = Hiding::kVisible;
  std::string why_;
  std::string where_;
};

// The text of every <style> element, found without recursion.
std::string styleText(GumboNode* root) {
  std::string css;
  std::vector<GumboNode*> stack{root};
  while (!stack.empty()) {
    GumboNode* n = stack.back();
    stack.pop_back();
    const GumboVector* children = nullptr;
    if (n->type == GUMBO_NODE_DOCUMENT) children = &n->v.document.children;
    else if (n->type == GUMBO_NODE_ELEMENT || n->type == GUMBO_NODE_TEMPLATE) children = &n->v.element.children;
    if (children == nullptr) continue;
    const bool style = n->type == GUMBO_NODE_ELEMENT && n->v.element.tag == GUMBO_TAG_STYLE;
    for (unsigned k = children->length; k > 0; --k) {
      auto* c = static_cast<GumboNode*>(children->data[k - 1]);
      if (style && c->type == GUMBO_NODE_TEXT && css.size() < kMaxStyleBytes) {
        css += c->v.text.text;
        css += '\n';
      } else if (!style) {
        stack.push_back(c);
      }
    }
  }
  return css;
}

std::size_t countTags(std::string_view s) {
  std::size_t n = 0;
  for (std::size_t i = s.find('<'); i != std::string_view::npos && i + 1 < s.size(); i = s.find('<', i + 1)) {
    const char c = s[i + 1];
    if (std::isalpha(static_cast<unsigned char>(c)) || c == '/' || c == '!') ++n;
  }
  return n;
}

std::string charsetOf(std::string_view head) {
  const std::string lower = core::asciiLower(head);
  for (auto at = lower.find("charset"); at != std::string::npos; at = lower.find("charset", at + 7)) {
    std::size_t k = at + 7;
    while (k < lower.size() && isSpace(lower[k])) ++k;
    if (k >= lower.size() || lower[k] != '=') continue;
    ++k;
    while (k < lower.size() && (isSpace(lower[k]) || lower[k] == '"' || lower[k] == '\'')) ++k;
    std::size_t end = k;
    while (end < lower.size() && (std::isalnum(static_cast<unsigned char>(lower[end])) || lower[end] == '-' ||
                                  lower[end] == '_' || lower[end] == ':'))
      ++end;
    if (end > k) return lower.substr(k, end - k);
  }
  return "";
}

}  // namespace

std::string htmlToUtf8(std::string_view bytes, std::vector<std::string>& notes) {
  if (bytes.starts_with("\xEF\xBB\xBF")) return validUtf8(bytes.substr(3));
  if (bytes.starts_with("\xFF\xFE")) return utf16ToUtf8(bytes.substr(2), false);
  if (bytes.starts_with("\xFE\xFF")) return utf16ToUtf8(bytes.substr(2), true);
  const std::string charset = charsetOf(bytes.substr(0, 1024));
  if (charset.empty() || charset == "utf-8" || charset == "utf8" || charset == "us-ascii" || charset == "ascii")
    return validUtf8(bytes);
  if (charset == "windows-1252" || charset == "iso-8859-1" || charset == "latin1" || charset == "iso_8859-1" ||
      charset == "cp1252" || charset == "x-cp1252" || charset == "l1")
    return cp1252ToUtf8(bytes);
  notes.push_back("charset '" + bounded(charset, 40) + "' is not supported: read as UTF-8");
  return validUtf8(bytes);
}

core::Result<void> appendHtmlRuns(std::string_view utf8, const Limits& limits, const HtmlOptions& options,
                                  TextBudget& budget, Document& doc) {
  const std::string_view wherePrefix = options.wherePrefix;
  if (const std::size_t tags = countTags(utf8); tags > kMaxTags)
    return core::makeError(core::Code::kInvalidArgument,
                           "HTML has " + std::to_string(tags) + " tags, over the limit of " + std::to_string(kMaxTags),
                           std::string(wherePrefix));
  GumboArena arena;
  GumboOptions gumboOptions = kGumboDefaultOptions;
  gumboOptions.allocator = &GumboArena::allocate;
  gumboOptions.deallocator = &GumboArena::deallocate;
  gumboOptions.userdata = &arena;
  gumboOptions.max_errors = 0;  // parse errors are not kept: a hostile page can make millions
  GumboOutput* out = gumbo_parse_with_options(&gumboOptions, utf8.data(), utf8.size());
  if (out == nullptr) return core::makeError(core::Code::kInvalidArgument, "HTML cannot be parsed", std::string(wherePrefix));
  Sheet sheet;
  parseStylesheet(styleText(out->document), sheet);
  Walker w(limits, options, budget, doc, sheet);
  auto r = w.walk(out->document);
  if (!r) return r;
  if (w.scripts() > 0)
    doc.notes.push_back(std::string(wherePrefix) + std::to_string(w.scripts()) + " script element" +
                        (w.scripts() == 1 ? "" : "s") + " not inspected");
  if (sheet.truncated)
    doc.notes.push_back(std::string(wherePrefix) + "only the first " + std::to_string(kMaxRules) + " CSS rules applied");
  return {};
}

core::Result<Document> extractHtml(std::string_view bytes, const Limits& limits) {
  Document doc;
  doc.format = Format::kHtml;
  const std::string utf8 = htmlToUtf8(bytes, doc.notes);
  TextBudget budget(limits.maxTextBytes);
  if (auto r = appendHtmlRuns(utf8, limits, HtmlOptions{}, budget, doc); !r) return r.error();
  return doc;
}

}  // namespace airlock::inspect
