#include "inspect/pdf/pdf_text.h"

#include <Annot.h>
#include <Catalog.h>
#include <Error.h>
#include <ErrorCodes.h>
#include <FileSpec.h>
#include <GfxFont.h>
#include <GfxState.h>
#include <GlobalParams.h>
#include <Object.h>
#include <OptionalContent.h>
#include <OutputDev.h>
#include <PDFDoc.h>
#include <Page.h>
#include <Stream.h>
#include <UTF.h>
#include <goo/gmem.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "inspect/charset.h"

namespace airlock::inspect::pdf {

namespace {

// Bounds of one page's bookkeeping (the text limit bounds the output; these bound memory and the
// quadratic checks on pages built to defeat them).
constexpr std::size_t kMaxGlyphsPerPage = 500000;
constexpr std::size_t kMaxRegions = 4096;  // the oldest half is forgotten beyond this
constexpr std::size_t kMaxImageRegions = 1024;
constexpr std::uint32_t kMaxUnicodePerGlyph = 64;
constexpr std::size_t kMaxXmpBytes = 16u << 20;
constexpr std::size_t kMaxNameBytes = 100;

// What counts as hidden. 2 pt is what the office extractors use for a tiny font; a colour within
// 8% per channel of what is behind it cannot be told apart on screen; an opacity of 1% or less
// paints nothing a reader sees.
constexpr double kTinyPoints = 2.0;
constexpr double kSameColourDelta = 0.08;
constexpr double kInvisibleOpacity = 0.01;
constexpr double kOpaque = 0.99;
constexpr double kCoverSlack = 0.5;  // points a covering rectangle may fall short of a glyph's box

// Why a glyph is hidden, compactly: runs are cut where this changes, and `why` is written once
// per run.
enum class Reason : std::uint8_t {
  kNone,
  kRender3,
  kRender7,
  kOpacity,        // a: opacity in hundredths
  kOutsideCrop,
  kClipped,
  kTinyFont,       // a: size in tenths of a point
  kSqueezed,       // a: width of an em in tenths of a point
  kColour,         // a: text colour, b: colour behind it (0xRRGGBB)
  kCoveredByFill,
  kCoveredByImage,
  kOptionalContent,
};

struct Key {
  Hiding hiding = Hiding::kVisible;
  Reason reason = Reason::kNone;
  std::uint32_t a = 0;
  std::uint32_t b = 0;
  bool operator==(const Key&) const = default;
};

struct Box {
  double x0 = 0, y0 = 0, x1 = 0, y1 = 0;
};

// One glyph as drawn, in device space (points, origin at the top left of the crop box).
struct Glyph {
  Box box;
  double ox = 0, oy = 0;  // origin
  double ex = 0, ey = 0;  // origin + advance
  double em = 0;          // font size as drawn
  CharCode code = 0;
  std::uint32_t uStart = 0;  // into the page's Unicode buffer
  std::uint32_t uLen = 0;
  Key key;
  bool space = false;
};

struct Rgb {
  double r = 1, g = 1, b = 1;  // white: the paper
};

// Something painted on the page: a filled rectangle (its colour known) or anything else whose
// colour is not one value (an image, a shading, a pattern, a curved shape).
struct Region {
  Box box;
  bool known = false;
  Rgb colour;
};

bool finite(const Box& b) { return std::isfinite(b.x0) && std::isfinite(b.y0) && std::isfinite(b.x1) && std::isfinite(b.y1); }
bool contains(const Box& b, double x, double y) { return x >= b.x0 && x <= b.x1 && y >= b.y0 && y <= b.y1; }
bool covers(const Box& outer, const Box& inner) {
  return inner.x0 >= outer.x0 - kCoverSlack && inner.x1 <= outer.x1 + kCoverSlack && inner.y0 >= outer.y0 - kCoverSlack &&
         inner.y1 <= outer.y1 + kCoverSlack;
}
bool disjoint(const Box& a, const Box& b) { return a.x1 < b.x0 || a.x0 > b.x1 || a.y1 < b.y0 || a.y0 > b.y1; }
Box intersect(const Box& a, const Box& b) {
  return {std::max(a.x0, b.x0), std::max(a.y0, b.y0), std::min(a.x1, b.x1), std::min(a.y1, b.y1)};
}
bool empty(const Box& b) { return !(b.x1 > b.x0 && b.y1 > b.y0); }

void extend(Box& b, double x, double y, bool first) {
  if (first) {
    b = {x, y, x, y};
    return;
  }
  b.x0 = std::min(b.x0, x);
  b.y0 = std::min(b.y0, y);
  b.x1 = std::max(b.x1, x);
  b.y1 = std::max(b.y1, y);
}

Rgb rgbOf(const GfxRGB& c) { return {colToDbl(c.r), colToDbl(c.g), colToDbl(c.b)}; }
Rgb blend(const Rgb& top, double alpha, const Rgb& below) {
  return {alpha * top.r + (1 - alpha) * below.r, alpha * top.g + (1 - alpha) * below.g, alpha * top.b + (1 - alpha) * below.b};
}
bool near(const Rgb& a, const Rgb& b) {
  return std::fabs(a.r - b.r) <= kSameColourDelta && std::fabs(a.g - b.g) <= kSameColourDelta &&
         std::fabs(a.b - b.b) <= kSameColourDelta;
}
std::uint32_t packed(const Rgb& c) {
  auto byte = [](double v) { return static_cast<std::uint32_t>(std::lround(std::clamp(v, 0.0, 1.0) * 255)); };
  return byte(c.r) << 16 | byte(c.g) << 8 | byte(c.b);
}
std::uint32_t tenths(double v) { return static_cast<std::uint32_t>(std::lround(std::clamp(v, 0.0, 1e6) * 10)); }

// A NUL from a font's ToUnicode map is no text: it becomes U+FFFD like any invalid code point.
void appendUtf8(std::string& out, Unicode cp) { inspect::appendUtf8(out, cp == 0 ? kReplacement : static_cast<char32_t>(cp)); }

bool whitespace(Unicode cp) {
  return cp == 0x20 || cp == 0x09 || cp == 0x0A || cp == 0x0D || cp == 0xA0 || (cp >= 0x2000 && cp <= 0x200A) ||
         cp == 0x202F || cp == 0x205F || cp == 0x3000;
}

// A PDF text string (PDFDocEncoding, or UTF-16BE with a BOM) as UTF-8.
std::string textString(const GooString* s) {
  std::string out;
  if (!s) return out;
  Unicode* u = nullptr;
  const int n = TextStringToUCS4(s->toStr(), &u);
  out.reserve(static_cast<std::size_t>(std::max(n, 0)));
  for (int i = 0; i < n; ++i) appendUtf8(out, u[i]);
  gfree(u);
  return out;
}

std::string_view trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  const auto last = s.find_last_not_of(" \t\r\n");
  return s.substr(first, last - first + 1);
}

// A name from the document (a file name, an Info key) for a note or a label: control characters
// replaced, cut at a character boundary.
std::string label(std::string_view s) {
  std::string out;
  for (char c : s) out += static_cast<unsigned char>(c) < 0x20 || c == 0x7F ? '?' : c;
  if (out.size() <= kMaxNameBytes) return out;
  std::size_t cut = kMaxNameBytes;
  while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) --cut;
  out.resize(cut);
  return out + "…";
}

// 0.5 → "0.5", 1.0 → "1".
std::string number(double v) {
  std::array<char, 64> buf{};
  auto [end, ec] = std::to_chars(buf.data(), buf.data() + buf.size(), v, std::chars_format::fixed, 1);
  std::string s(buf.data(), ec == std::errc() ? end : buf.data());
  if (s.size() > 2 && s.ends_with(".0")) s.resize(s.size() - 2);
  return s;
}

std::string hex(std::uint32_t rgb) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string s = "#";
  for (int shift = 20; shift >= 0; shift -= 4) s += kDigits[(rgb >> shift) & 0xF];
  return s;
}

std::string why(const Key& key) {
  switch (key.reason) {
    case Reason::kNone: return {};
    case Reason::kRender3: return "text render mode 3 (invisible)";
    case Reason::kRender7: return "text render mode 7 (clipping only, not painted)";
    case Reason::kOpacity: return "opacity " + number(key.a / 100.0);
    case Reason::kOutsideCrop: return "outside the crop box";
    case Reason::kClipped: return "clipped away";
    case Reason::kTinyFont: return "font size " + number(key.a / 10.0) + " pt";
    case Reason::kSqueezed: return "squeezed to " + number(key.a / 10.0) + " pt wide";
    case Reason::kColour: return "colour " + hex(key.a) + " on " + hex(key.b);
    case Reason::kCoveredByFill: return "covered by a filled rectangle drawn after it";
    case Reason::kCoveredByImage: return "covered by an image drawn after it";
    case Reason::kOptionalContent: return "in optional content (a layer) that is turned off";
  }
  return {};
}

// A coarse grid over the page, so that "what is painted under this point" and "which glyphs
// does this rectangle cover" look at what is near only: a table page has thousands of filled
// cells and glyphs. A cell lists indices, in drawing order, of what overlaps it (regions) or
// what has its centre in it (glyphs); coordinates off the page fall into the border cells.
class Grid {
 public:
  static constexpr int kCells = 32;

  void init(double width, double height) {
    width_ = width > 1 ? width : 1;
    height_ = height > 1 ? height : 1;
    cells_.assign(kCells * kCells, {});
  }
  bool ready() const { return !cells_.empty(); }
  void clear() {
    for (auto& c : cells_) c.clear();
  }
  std::vector<std::uint32_t>& at(double x, double y) { return cells_[index(y, height_) * kCells + index(x, width_)]; }
  template <typename F>
  void forEach(const Box& b, F&& f) {
    const int x0 = index(b.x0, width_), x1 = index(b.x1, width_), y0 = index(b.y0, height_), y1 = index(b.y1, height_);
    for (int y = y0; y <= y1; ++y)
      for (int x = x0; x <= x1; ++x) f(cells_[y * kCells + x]);
  }

 private:
  static int index(double v, double extent) {
    const double f = v / extent * kCells;
    if (!(f >= 0)) return 0;  // negative, or NaN
    return f >= kCells ? kCells - 1 : static_cast<int>(f);
  }

  double width_ = 1, height_ = 1;
  std::vector<std::vector<std::uint32_t>> cells_;
};

// Gfx interprets a page into this: every glyph with how it is drawn, and every painted area
// (to know what is behind a glyph and what covers it later). No rasterising, no fonts loaded.
class TextCollector : public OutputDev {
 public:
  explicit TextCollector(bool countHidden) : countHidden_(countHidden) {}

  bool upsideDown() override { return true; }
  bool useDrawChar() override { return true; }
  bool interpretType3Chars() override { return false; }
  bool needNonText() override { return true; }  // filled rectangles and images: backgrounds, covers
  bool needCharCount() override { return countHidden_; }
  // Patterns and shadings are not drawn piece by piece (slow, and their colour is not one value):
  // the area they paint is recorded as of unknown colour.
  bool useTilingPatternFill() override { return true; }
  bool useShadedFills(int) override { return true; }

  void incCharCount(int n) override { hiddenChars_ += static_cast<std::uint64_t>(std::max(n, 0)); }

  void drawChar(GfxState* state, double x, double y, double dx, double dy, double, double, CharCode code, int,
                const Unicode* u, int uLen) override {
    if (aborted_) return;
    if (glyphs_.size() >= kMaxGlyphsPerPage) {
      aborted_ = true;
      return;
    }
    Glyph g;
    g.code = code;
    state->transform(x, y, &g.ox, &g.oy);
    double adx = 0, ady = 0;
    state->transformDelta(dx, dy, &adx, &ady);
    g.ex = g.ox + adx;
    g.ey = g.oy + ady;
    // The em square as drawn: text space (0, size) and (size * Tz, 0) through the text matrix
    // and the CTM. A Type 3 font's glyph space is its own: its size is its FontBBox through its
    // FontMatrix, and unknown when the box is empty (allowed), when no size verdict is made.
    const double size = state->getFontSize();
    double tx = 0, ty = 0, vx = 0, vy = 0, wx = 0, wy = 0;
    state->textTransformDelta(0, size, &tx, &ty);
    state->transformDelta(tx, ty, &vx, &vy);
    state->textTransformDelta(size * state->getHorizScaling(), 0, &tx, &ty);
    state->transformDelta(tx, ty, &wx, &wy);
    double ascent = 0.95, descent = -0.35, scaleV = 1, scaleH = 1;
    bool sizeKnown = true;
    if (const auto& font = state->getFont()) {
      if (std::isfinite(font->getAscent())) ascent = std::clamp(font->getAscent(), 0.0, 1.5);
      if (std::isfinite(font->getDescent())) descent = std::clamp(font->getDescent(), -1.0, 0.0);
      if (font->getType() == fontType3) {
        const double* fm = font->getFontMatrix();
        const double* bb = font->getFontBBox();
        const double sv = std::hypot(fm[2], fm[3]), sh = std::hypot(fm[0], fm[1]);
        const double h = std::fabs(bb[3] - bb[1]) * sv, w = std::fabs(bb[2] - bb[0]) * sh;
        if (std::isfinite(h) && std::isfinite(w) && h > 0 && w > 0) {
          scaleV = h;
          scaleH = w;
          ascent = std::clamp(std::max(bb[3], bb[1]) * sv / h, 0.0, 1.0);
          descent = ascent - 1;
        } else {
          sizeKnown = false;
        }
      }
    }
    vx *= scaleV;
    vy *= scaleV;
    g.em = std::hypot(vx, vy);
    const double width = std::hypot(wx, wy) * scaleH;
    extend(g.box, g.ox + ascent * vx, g.oy + ascent * vy, true);
    extend(g.box, g.ox + descent * vx, g.oy + descent * vy, false);
    extend(g.box, g.ex + ascent * vx, g.ey + ascent * vy, false);
    extend(g.box, g.ex + descent * vx, g.ey + descent * vy, false);

    g.uStart = static_cast<std::uint32_t>(unicode_.size());
    const int n = u ? std::min(uLen, static_cast<int>(kMaxUnicodePerGlyph)) : 0;
    bool allSpace = n > 0;
    for (int i = 0; i < n; ++i) {
      unicode_.push_back(u[i]);
      allSpace = allSpace && whitespace(u[i]);
    }
    g.uLen = static_cast<std::uint32_t>(std::max(n, 0));
    g.space = allSpace;
    ensureGrids(state);
    g.key = classify(state, g, width, sizeKnown);
    glyphAt_.at((g.box.x0 + g.box.x1) / 2, (g.box.y0 + g.box.y1) / 2).push_back(static_cast<std::uint32_t>(glyphs_.size()));
    glyphs_.push_back(g);
  }

  void fill(GfxState* state) override { recordFill(state); }
  void eoFill(GfxState* state) override { recordFill(state); }

  bool tilingPatternFill(GfxState* state, Gfx*, Catalog*, GfxTilingPattern*, const double*, int, int, int, int, double,
                         double) override {
    recordUnknown(state, clipBox(state));
    return true;
  }
  bool functionShadedFill(GfxState* state, GfxFunctionShading*) override { return shaded(state); }
  bool axialShadedFill(GfxState* state, GfxAxialShading*, double, double) override { return shaded(state); }
  bool radialShadedFill(GfxState* state, GfxRadialShading*, double, double) override { return shaded(state); }
  bool gouraudTriangleShadedFill(GfxState* state, GfxGouraudTriangleShading*) override { return shaded(state); }
  bool patchMeshShadedFill(GfxState* state, GfxPatchMeshShading*) override { return shaded(state); }

  // Images: the base class skips an inline image's data, which the parser needs.
  void drawImage(GfxState* state, Object* ref, Stream* str, int width, int height, GfxImageColorMap* colorMap,
                 bool interpolate, const int* maskColors, bool inlineImg) override {
    recordImage(state, maskColors == nullptr);
    OutputDev::drawImage(state, ref, str, width, height, colorMap, interpolate, maskColors, inlineImg);
  }
  void drawImageMask(GfxState* state, Object* ref, Stream* str, int width, int height, bool invert, bool interpolate,
                     bool inlineImg) override {
    recordImage(state, false);
    OutputDev::drawImageMask(state, ref, str, width, height, invert, interpolate, inlineImg);
  }
  // (The base classes of these two draw through drawImage, which would count the image opaque.)
  void drawMaskedImage(GfxState* state, Object*, Stream*, int, int, GfxImageColorMap*, bool, Stream*, int, int, bool,
                       bool) override {
    recordImage(state, false);
  }
  void drawSoftMaskedImage(GfxState* state, Object*, Stream*, int, int, GfxImageColorMap*, bool, Stream*, int, int,
                           GfxImageColorMap*, bool) override {
    recordImage(state, false);
  }

  static bool abortCheck(void* self) { return static_cast<TextCollector*>(self)->aborted_; }

  bool aborted() const { return aborted_; }
  std::uint64_t hiddenChars() const { return hiddenChars_; }
  std::vector<Glyph>& glyphs() { return glyphs_; }
  const std::vector<Unicode>& unicode() const { return unicode_; }

  // Invisible text over an image is how OCR puts a scan's text in a PDF: the reader sees the same
  // words in the image. Such glyphs are reported as visible (still findings when they address an
  // assistant); returns how many were.
  std::size_t acceptOcrLayer() {
    std::size_t n = 0;
    for (auto& g : glyphs_) {
      if (g.key.reason != Reason::kRender3) continue;
      const double cx = (g.box.x0 + g.box.x1) / 2, cy = (g.box.y0 + g.box.y1) / 2;
      for (const auto& image : images_) {
        if (contains(image, cx, cy)) {
          g.key = {};
          ++n;
          break;
        }
      }
    }
    return n;
  }

 private:
  static Box clipBox(GfxState* state) {
    Box b;
    state->getClipBBox(&b.x0, &b.y0, &b.x1, &b.y1);
    return b;
  }

  Key classify(GfxState* state, const Glyph& g, double width, bool sizeKnown) {
    const int render = state->getRender();
    if (render == 3) return {Hiding::kTransparent, Reason::kRender3};
    if (render == 7) return {Hiding::kTransparent, Reason::kRender7};
    const bool fills = render == 0 || render == 2 || render == 4 || render == 6;
    const bool strokes = !fills || render == 2 || render == 6;
    const double opacity = std::max(fills ? state->getFillOpacity() : 0.0, strokes ? state->getStrokeOpacity() : 0.0);
    if (!(opacity > kInvisibleOpacity)) {
      return {Hiding::kTransparent, Reason::kOpacity, static_cast<std::uint32_t>(std::lround(std::clamp(opacity, 0.0, 1.0) * 100))};
    }
    const Box page{0, 0, state->getPageWidth(), state->getPageHeight()};
    if (!finite(g.box) || disjoint(g.box, page)) return {Hiding::kOffPage, Reason::kOutsideCrop};
    if (disjoint(g.box, clipBox(state))) return {Hiding::kOffPage, Reason::kClipped};
    if (sizeKnown && !(g.em > kTinyPoints)) return {Hiding::kTinyFont, Reason::kTinyFont, tenths(g.em)};
    if (sizeKnown && !(width > kTinyPoints)) return {Hiding::kTinySpacing, Reason::kSqueezed, tenths(width)};

    Rgb behind;
    if (!background((g.box.x0 + g.box.x1) / 2, (g.box.y0 + g.box.y1) / 2, behind)) return {};
    GfxRGB c;
    if (fills) {
      if (state->getFillColorSpace()->getMode() == csPattern) return {};
      state->getFillRGB(&c);
    } else {
      if (state->getStrokeColorSpace()->getMode() == csPattern) return {};
      state->getStrokeRGB(&c);
    }
    const Rgb colour = rgbOf(c);
    if (!near(blend(colour, opacity, behind), behind)) return {};
    if (fills && strokes) {  // fill and stroke: hidden only when the outline is too
      if (state->getStrokeColorSpace()->getMode() == csPattern) return {};
      GfxRGB s;
      state->getStrokeRGB(&s);
      if (!near(blend(rgbOf(s), state->getStrokeOpacity(), behind), behind)) return {};
    }
    return {Hiding::kSameColour, Reason::kColour, packed(colour), packed(behind)};
  }

  void ensureGrids(GfxState* state) {
    if (regionAt_.ready()) return;
    regionAt_.init(state->getPageWidth(), state->getPageHeight());
    glyphAt_.init(state->getPageWidth(), state->getPageHeight());
  }

  // The colour painted last at (x, y): false when that is not one known colour.
  bool background(double x, double y, Rgb& out) {
    const auto& here = regionAt_.at(x, y);
    for (auto it = here.rbegin(); it != here.rend(); ++it) {
      const Region& r = regions_[*it];
      if (contains(r.box, x, y)) {
        if (!r.known) return false;
        out = r.colour;
        return true;
      }
    }
    out = Rgb{};
    return true;
  }

  void addRegion(const Region& region) {
    if (regions_.size() >= kMaxRegions) {
      regions_.erase(regions_.begin(), regions_.begin() + kMaxRegions / 2);
      regionAt_.clear();
      for (std::size_t i = 0; i < regions_.size(); ++i)
        regionAt_.forEach(regions_[i].box, [i](auto& cell) { cell.push_back(static_cast<std::uint32_t>(i)); });
    }
    const auto i = static_cast<std::uint32_t>(regions_.size());
    regions_.push_back(region);
    regionAt_.forEach(region.box, [i](auto& cell) { cell.push_back(i); });
  }

  void record(Region region, GfxState* state, bool opaque, Reason coverReason) {
    ensureGrids(state);
    region.box = intersect(region.box, clipBox(state));
    if (!finite(region.box) || empty(region.box)) return;
    if (opaque) {
      // Glyphs drawn before and wholly under it are hidden behind it.
      const Box reach{region.box.x0 - kCoverSlack, region.box.y0 - kCoverSlack, region.box.x1 + kCoverSlack,
                      region.box.y1 + kCoverSlack};
      glyphAt_.forEach(reach, [&](const auto& cell) {
        for (std::uint32_t i : cell) {
          Glyph& g = glyphs_[i];
          if (g.key.hiding == Hiding::kVisible && !g.space && covers(region.box, g.box)) g.key = {Hiding::kBehind, coverReason};
        }
      });
    }
    addRegion(region);
  }

  void recordUnknown(GfxState* state, const Box& box) {
    ensureGrids(state);
    Region r;
    r.box = intersect(box, clipBox(state));
    if (finite(r.box) && !empty(r.box)) addRegion(r);
  }

  bool shaded(GfxState* state) {
    recordUnknown(state, clipBox(state));
    return true;
  }

  // A subpath that is an axis-aligned rectangle in device space (what `re` draws), as its box.
  static bool rectangle(GfxState* state, const GfxSubpath* sp, Box& box) {
    const int n = sp->getNumPoints();
    if (n < 4 || n > 5) return false;
    std::array<double, 5> xs{}, ys{};
    for (int i = 0; i < n; ++i) {
      if (sp->getCurve(i)) return false;
      state->transform(sp->getX(i), sp->getY(i), &xs[i], &ys[i]);
    }
    constexpr double kEps = 0.01;
    if (n == 5 && (std::fabs(xs[4] - xs[0]) > kEps || std::fabs(ys[4] - ys[0]) > kEps)) return false;
    for (int i = 0; i < 4; ++i) {
      const int j = (i + 1) % 4;
      const bool horizontal = std::fabs(ys[i] - ys[j]) <= kEps, vertical = std::fabs(xs[i] - xs[j]) <= kEps;
      if (horizontal == vertical) return false;  // diagonal, or two equal points
      extend(box, xs[i], ys[i], i == 0);
    }
    return !empty(box);
  }

  void recordFill(GfxState* state) {
    ensureGrids(state);
    const double opacity = state->getFillOpacity();
    if (!(opacity > kInvisibleOpacity)) return;
    const GfxPath* path = state->getPath();
    if (!path) return;
    bool rects = true;
    Box all;
    bool first = true;
    for (int i = 0; i < path->getNumSubpaths(); ++i) {
      const GfxSubpath* sp = path->getSubpath(i);
      if (sp->getNumPoints() < 3) continue;
      Box b;
      if (!rectangle(state, sp, b)) {
        rects = false;
        for (int k = 0; k < sp->getNumPoints(); ++k) {
          double x = 0, y = 0;
          state->transform(sp->getX(k), sp->getY(k), &x, &y);
          extend(all, x, y, first);
          first = false;
        }
      } else {
        extend(all, b.x0, b.y0, first);
        extend(all, b.x1, b.y1, false);
        first = false;
      }
    }
    if (first) return;
    if (!rects) {
      recordUnknown(state, all);
      return;
    }
    GfxRGB c;
    state->getFillRGB(&c);
    const Rgb colour = rgbOf(c);
    const bool opaque = opacity >= kOpaque && state->getBlendMode() == gfxBlendNormal;
    for (int i = 0; i < path->getNumSubpaths(); ++i) {
      const GfxSubpath* sp = path->getSubpath(i);
      Box b;
      if (sp->getNumPoints() < 3 || !rectangle(state, sp, b)) continue;
      Region r;
      r.box = b;
      r.known = true;
      r.colour = colour;
      if (!opaque) {  // what shows is a mix with what was there
        Rgb below;
        r.known = background((b.x0 + b.x1) / 2, (b.y0 + b.y1) / 2, below);
        r.colour = blend(colour, opacity, below);
      }
      record(r, state, opaque, Reason::kCoveredByFill);
    }
  }

  void recordImage(GfxState* state, bool maybeOpaque) {
    const double* m = state->getCTM();
    Box b;
    for (int i = 0; i < 4; ++i) {
      double x = 0, y = 0;
      state->transform(i & 1, i >> 1, &x, &y);
      extend(b, x, y, i == 0);
    }
    constexpr double kEps = 1e-6;
    const bool upright = (std::fabs(m[1]) < kEps && std::fabs(m[2]) < kEps) || (std::fabs(m[0]) < kEps && std::fabs(m[3]) < kEps);
    const bool opaque = maybeOpaque && upright && state->getFillOpacity() >= kOpaque && state->getBlendMode() == gfxBlendNormal;
    Region r;
    r.box = b;
    record(r, state, opaque, Reason::kCoveredByImage);
    const Box clipped = intersect(b, clipBox(state));
    if (images_.size() < kMaxImageRegions && finite(clipped) && !empty(clipped)) images_.push_back(clipped);
  }

  bool countHidden_;
  bool aborted_ = false;
  std::uint64_t hiddenChars_ = 0;
  std::vector<Glyph> glyphs_;
  std::vector<Unicode> unicode_;
  std::vector<Region> regions_;
  Grid regionAt_;
  Grid glyphAt_;
  std::vector<Box> images_;
};

std::string_view annotTypeName(Annot::AnnotSubtype type) {
  static constexpr std::array<std::string_view, 27> kNames = {
      "Unknown",   "Text",      "Link",     "FreeText",  "Line",           "Square",      "Circle",
      "Polygon",   "PolyLine",  "Highlight", "Underline", "Squiggly",      "StrikeOut",   "Stamp",
      "Caret",     "Ink",       "Popup",    "FileAttachment", "Sound",   "Movie",       "Widget",
      "Screen",    "PrinterMark", "TrapNet", "Watermark", "3D",            "RichMedia"};
  const auto i = static_cast<std::size_t>(type);
  return i < kNames.size() ? kNames[i] : "Unknown";
}

// The text of XMP (XML) metadata: character data, CDATA and attribute values (XMP writes simple
// properties as attributes), entities &lt; &gt; &amp; &quot; &apos; and numeric references
// decoded, nothing else expanded (no DTD is read). Segments are joined by newlines.
std::string xmlText(std::string_view xml) {
  std::string out;
  auto add = [&out](std::string_view raw) {
    std::string decoded;
    for (std::size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] != '&') {
        decoded += raw[i];
        continue;
      }
      const auto semi = raw.find(';', i);
      if (semi == std::string_view::npos || semi - i > 10) {
        decoded += raw[i];
        continue;
      }
      const std::string_view ent = raw.substr(i + 1, semi - i - 1);
      Unicode cp = 0;
      if (ent == "lt") cp = '<';
      else if (ent == "gt") cp = '>';
      else if (ent == "amp") cp = '&';
      else if (ent == "quot") cp = '"';
      else if (ent == "apos") cp = '\'';
      else if (ent.size() > 1 && ent[0] == '#') {
        const bool hexRef = ent[1] == 'x' || ent[1] == 'X';
        const std::string_view digits = ent.substr(hexRef ? 2 : 1);
        auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), cp, hexRef ? 16 : 10);
        if (ec != std::errc() || p != digits.data() + digits.size()) cp = 0;
      }
      if (cp == 0) {
        decoded += raw[i];
        continue;
      }
      appendUtf8(decoded, cp);
      i = semi;
    }
    const std::string_view t = trim(decoded);
    if (t.empty()) return;
    if (!out.empty()) out += '\n';
    out += t;
  };
  std::size_t i = 0;
  while (i < xml.size()) {
    const auto lt = xml.find('<', i);
    add(xml.substr(i, lt == std::string_view::npos ? std::string_view::npos : lt - i));
    if (lt == std::string_view::npos) break;
    const std::string_view rest = xml.substr(lt);
    auto skipTo = [&](std::string_view end) {
      const auto e = xml.find(end, lt);
      return e == std::string_view::npos ? xml.size() : e + end.size();
    };
    if (rest.starts_with("<!--")) {
      i = skipTo("-->");
    } else if (rest.starts_with("<![CDATA[")) {
      const auto e = xml.find("]]>", lt + 9);
      add(xml.substr(lt + 9, e == std::string_view::npos ? std::string_view::npos : e - lt - 9));
      i = e == std::string_view::npos ? xml.size() : e + 3;
    } else if (rest.starts_with("<?") || rest.starts_with("<!")) {
      i = skipTo(rest[1] == '?' ? "?>" : ">");
    } else {
      // A tag: its attribute values.
      std::size_t p = lt + 1;
      while (p < xml.size() && xml[p] != '>') {
        if (xml[p] == '=') {
          std::size_t nameEnd = p;
          while (nameEnd > lt + 1 && (xml[nameEnd - 1] == ' ' || xml[nameEnd - 1] == '\t' || xml[nameEnd - 1] == '\n' || xml[nameEnd - 1] == '\r')) --nameEnd;
          std::size_t nameStart = nameEnd;
          while (nameStart > lt + 1 && xml[nameStart - 1] != ' ' && xml[nameStart - 1] != '\t' && xml[nameStart - 1] != '\n' && xml[nameStart - 1] != '\r') --nameStart;
          const std::string_view name = xml.substr(nameStart, nameEnd - nameStart);
          std::size_t q = p + 1;
          while (q < xml.size() && (xml[q] == ' ' || xml[q] == '\t' || xml[q] == '\n' || xml[q] == '\r')) ++q;
          if (q >= xml.size() || (xml[q] != '"' && xml[q] != '\'')) {
            p = q;
            continue;
          }
          const auto close = xml.find(xml[q], q + 1);
          if (close == std::string_view::npos) {
            p = xml.size();
            break;
          }
          if (!name.starts_with("xmlns") && name != "rdf:about" && name != "xml:lang" && name != "rdf:parseType")
            add(xml.substr(q + 1, close - q - 1));
          p = close + 1;
          continue;
        }
        ++p;
      }
      i = p < xml.size() ? p + 1 : xml.size();
    }
  }
  return out;
}

class Extractor {
 public:
  Extractor(const Options& options, Sink& sink) : options_(options), sink_(sink) {}

  core::Result<int> run(std::string_view bytes) {
    bool rebuilt = false;
    // PDFDoc owns the stream; the stream borrows `bytes`, which outlives the document.
    auto stream = std::make_unique<MemStream>(bytes.data(), 0, static_cast<Goffset>(bytes.size()), Object(objNull));
    auto doc = std::make_unique<PDFDoc>(stream.release(), std::optional<GooString>(), std::optional<GooString>(), nullptr,
                                        [&rebuilt] { rebuilt = true; });
    if (!doc->isOk()) {
      switch (doc->getErrorCode()) {
        case errEncrypted: return fail("the PDF is encrypted and needs a password");
        case errDamaged:
        case errBadCatalog: return fail("not a PDF, or damaged beyond repair");
        default: return fail("cannot open the PDF (poppler error " + std::to_string(doc->getErrorCode()) + ")");
      }
    }
    const bool rebuiltNoted = rebuilt;
    if (rebuilt) note("the PDF is damaged: its cross-reference table was rebuilt");
    if (doc->isEncrypted()) note("the PDF is encrypted with an empty user password (decrypted to inspect it)");
    const int pages = doc->getNumPages();
    if (pages < 0 || static_cast<std::uint64_t>(pages) > options_.maxPages)
      return fail("the PDF has " + std::to_string(pages) + " pages, over the limit of " + std::to_string(options_.maxPages));
    // With optional content, Gfx counts what it does not draw (layers off, or membership
    // dictionaries that evaluate to hidden): a page where it counts any is drawn twice.
    OCGs* ocgs = doc->getOptContentConfig();
    const bool layers = ocgs && ocgs->isOk() && !ocgs->getOCGs().empty();
    for (int p = 1; p <= pages; ++p) {
      if (!page(*doc, p, layers ? ocgs : nullptr)) return fail(error_);
    }
    // (poppler also rebuilds the table when an object it points to turns out not to be there)
    if (rebuilt && !rebuiltNoted) note("the PDF is damaged: its cross-reference table was rebuilt");
    if (!info(*doc) || !xmp(*doc)) return fail(error_);
    attachments(*doc);
    if (droppedNotes_ > 0) sink_.note(std::to_string(droppedNotes_) + " further notes were left out");
    return pages;
  }

 private:
  core::Error fail(std::string message) { return core::makeError(core::Code::kInvalidArgument, std::move(message)); }

  bool emit(std::string_view text, std::string_view where, Hiding hiding, std::string_view why) {
    if (text.empty()) return true;
    textBytes_ += text.size();
    if (textBytes_ > options_.maxTextBytes) {
      error_ = "extracted text is over the limit of " + std::to_string(options_.maxTextBytes) + " bytes (" + std::string(where) + ")";
      return false;
    }
    if (++runs_ > options_.maxRuns) {
      error_ = "over " + std::to_string(options_.maxRuns) + " separately formatted pieces of text (" + std::string(where) + ")";
      return false;
    }
    sink_.run(text, where, hiding, why);
    return true;
  }

  void note(std::string text) {
    if (notes_ >= options_.maxNotes) {
      ++droppedNotes_;
      return;
    }
    ++notes_;
    sink_.note(text);
  }

  static bool showAnnot(Annot* annot, void*) { return annot->getType() == Annot::typeWidget; }

  bool page(PDFDoc& doc, int number, OCGs* layers) {
    const std::string where = "page " + std::to_string(number);
    Page* pg = doc.getPage(number);
    if (!pg || !pg->isOk()) {
      note(where + " cannot be read");
      return true;
    }
    // Annotations are read from their dictionaries below (comments), not drawn; form fields
    // (widgets) are drawn, their values being part of what the page shows.
    auto display = [&](TextCollector& out) {
      doc.displayPage(&out, number, 72, 72, 0, false, true, false, &TextCollector::abortCheck, &out, &showAnnot, nullptr);
    };
    auto shown = std::make_unique<TextCollector>(layers != nullptr);
    display(*shown);
    if (shown->aborted()) {
      error_ = where + " has over " + std::to_string(kMaxGlyphsPerPage) + " characters";
      return false;
    }
    std::unique_ptr<TextCollector> all;
    if (layers && shown->hiddenChars() > 0) {
      // Text in a layer that is turned off is not drawn. Draw the page again with every layer
      // on: what is new is what the reader does not see (positions do not depend on layers, so
      // the first drawing is a subsequence of the second).
      std::vector<std::pair<OptionalContentGroup*, OptionalContentGroup::State>> saved;
      for (const auto& [ref, group] : layers->getOCGs()) {
        if (!group) continue;
        saved.emplace_back(group.get(), group->getState());
        group->setState(OptionalContentGroup::On);
      }
      all = std::make_unique<TextCollector>(false);
      display(*all);
      for (auto& [group, state] : saved) group->setState(state);
      if (all->aborted()) {
        error_ = where + " has over " + std::to_string(kMaxGlyphsPerPage) + " characters";
        return false;
      }
      auto& a = shown->glyphs();
      auto& b = all->glyphs();
      std::size_t i = 0;
      for (auto& g : b) {
        if (i < a.size() && a[i].code == g.code && std::fabs(a[i].ox - g.ox) < 1e-3 && std::fabs(a[i].oy - g.oy) < 1e-3) {
          g.key = a[i++].key;
        } else {
          g.key = {Hiding::kVanish, Reason::kOptionalContent};
        }
      }
      if (i != a.size()) {
        // Not a subsequence: content shown only while some layer is off (a visibility
        // expression). The first drawing stands; the hidden text is only counted.
        all.reset();
        note(where + ": " + std::to_string(shown->hiddenChars()) +
             " characters in optional content that is turned off were not extracted");
      }
    }
    TextCollector& drawn = all ? *all : *shown;
    if (const std::size_t ocr = drawn.acceptOcrLayer(); ocr > 0)
      note(where + ": invisible text over an image (an OCR text layer) is reported as visible");
    if (!runs(drawn, where)) return false;
    return annotations(doc, pg, number, where);
  }

  // Glyphs into runs: consecutive glyphs hidden the same way, with a space where there is a gap
  // on a line and a newline where a new line starts. A white-space glyph joins the run it is in.
  bool runs(TextCollector& drawn, const std::string& where) {
    const auto& glyphs = drawn.glyphs();
    const auto& unicode = drawn.unicode();
    std::string text;
    Key key;
    bool open = false;
    char pending = 0;
    const Glyph* prev = nullptr;
    std::size_t unmapped = 0;
    auto flush = [&]() {
      if (!open) return true;
      open = false;
      return emit(text, where, key.hiding, why(key));
    };
    for (const auto& g : glyphs) {
      const char sep = separator(prev, g);
      prev = &g;
      if (g.uLen == 0) {
        ++unmapped;
        continue;
      }
      if (g.space) {
        if (open) pending = pending == '\n' || sep == '\n' ? '\n' : ' ';
        continue;
      }
      if (!open || !(g.key == key)) {
        if (!flush()) return false;
        text.clear();
        key = g.key;
        open = true;
        pending = 0;
      } else {
        const char s = pending == '\n' || sep == '\n' ? '\n' : (pending ? pending : sep);
        if (s) text += s;
        pending = 0;
      }
      for (std::uint32_t k = 0; k < g.uLen; ++k) appendUtf8(text, unicode[g.uStart + k]);
      if (text.size() > options_.maxTextBytes) {
        error_ = "extracted text is over the limit of " + std::to_string(options_.maxTextBytes) + " bytes (" + where + ")";
        return false;
      }
    }
    if (!flush()) return false;
    if (unmapped > 0)
      note(where + ": " + std::to_string(unmapped) + " characters without a Unicode mapping were not extracted");
    return true;
  }

  // What separates `g` from the glyph drawn before it: nothing, a space (a gap on the same
  // line) or a newline (another line, or a jump back).
  static char separator(const Glyph* prev, const Glyph& g) {
    if (!prev) return 0;
    double dx = prev->ex - prev->ox, dy = prev->ey - prev->oy;
    double len = std::hypot(dx, dy);
    if (!(len > 1e-6)) {
      dx = 1;
      dy = 0;
      len = 1;
    }
    dx /= len;
    dy /= len;
    const double gx = g.ox - prev->ex, gy = g.oy - prev->ey;
    const double along = gx * dx + gy * dy, across = gy * dx - gx * dy;
    const double em = std::max({prev->em, g.em, 1e-3});
    if (!std::isfinite(along) || !std::isfinite(across)) return '\n';
    if (std::fabs(across) > 0.5 * em || along < -0.5 * em) return '\n';
    if (along > 0.15 * em) return ' ';
    return 0;
  }

  bool annotations(PDFDoc& doc, Page* pg, int number, const std::string& where) {
    Annots* annots = pg->getAnnots();
    if (!annots) return true;
    int index = 0;
    for (Annot* annot : annots->getAnnots()) {
      ++index;
      if (!annot || annot->getType() == Annot::typePopup) continue;  // a popup shows its parent's
      const std::string text = textString(annot->getContents());
      const std::string_view t = trim(text);
      if (t.empty()) continue;
      const std::string type(annotTypeName(annot->getType()));
      if (!emit(t, where + " annotation " + std::to_string(index) + " (" + type + ")", Hiding::kComment, "annotation (" + type + ")"))
        return false;
    }
    return true;
  }

  bool info(PDFDoc& doc) {
    Object dict = doc.getDocInfo();
    if (!dict.isDict()) return true;
    Dict* d = dict.getDict();
    for (int i = 0; i < d->getLength(); ++i) {
      const std::string_view key = d->getKey(i);
      if (key == "CreationDate" || key == "ModDate") continue;
      Object value = d->getVal(i);
      if (!value.isString()) continue;
      const std::string text = textString(value.getString());
      const std::string_view t = trim(text);
      if (t.empty()) continue;
      const std::string name = label(key);
      if (!emit(t, "document information " + name, Hiding::kMetadata, "document information (" + name + ")")) return false;
    }
    return true;
  }

  bool xmp(PDFDoc& doc) {
    Object catalog = doc.getXRef()->getCatalog();
    if (!catalog.isDict()) return true;
    Object metadata = catalog.dictLookup("Metadata");
    if (!metadata.isStream()) return true;
    Stream* str = metadata.getStream();
    std::string xml;
    std::array<unsigned char, 4096> buf{};
    str->reset();
    for (;;) {
      const int n = str->doGetChars(static_cast<int>(buf.size()), buf.data());
      if (n <= 0) break;
      xml.append(reinterpret_cast<const char*>(buf.data()), static_cast<std::size_t>(n));
      if (xml.size() > kMaxXmpBytes) {
        str->close();
        error_ = "the XMP metadata is over the limit of " + std::to_string(kMaxXmpBytes) + " bytes";
        return false;
      }
    }
    str->close();
    return emit(xmlText(xml), "XMP metadata", Hiding::kMetadata, "XMP metadata");
  }

  void attachments(PDFDoc& doc) {
    Catalog* catalog = doc.getCatalog();
    if (!catalog) return;
    const int files = catalog->numEmbeddedFiles();
    for (int i = 0; i < files && notes_ < options_.maxNotes; ++i) {
      std::unique_ptr<FileSpec> spec = catalog->embeddedFile(i);
      const std::string name = spec && spec->isOk() ? label(textString(spec->getFileName())) : std::string("?");
      note("embedded file '" + name + "' (not inspected)");
    }
    const int scripts = catalog->numJS();
    for (int i = 0; i < scripts && notes_ < options_.maxNotes; ++i)
      note("JavaScript '" + label(textString(catalog->getJSName(i))) + "' (not run or inspected)");
    Object root = doc.getXRef()->getCatalog();
    if (root.isDict()) {
      Object open = root.dictLookup("OpenAction");
      if (open.isDict()) {
        Object kind = open.dictLookup("S");
        if (kind.isName("JavaScript")) note("JavaScript run when the document opens (not run or inspected)");
      }
      Object form = root.dictLookup("AcroForm");
      if (form.isDict()) {
        Object xfa = form.dictLookup("XFA");
        if (!xfa.isNull()) note("XFA form (its text is not inspected)");
      }
    }
  }

  const Options& options_;
  Sink& sink_;
  std::uint64_t textBytes_ = 0;
  std::uint32_t runs_ = 0;
  std::uint32_t notes_ = 0;
  std::uint32_t droppedNotes_ = 0;
  std::string error_;
};

void silent(ErrorCategory, Goffset, const char*) {}

}  // namespace

void initPoppler() {
  setErrorCallback(&silent);
  if (!globalParams) globalParams = std::make_unique<GlobalParams>();
}

core::Result<int> extractPdfText(std::string_view pdf, const Options& options, Sink& sink) {
  Extractor extractor(options, sink);
  return extractor.run(pdf);
}

}  // namespace airlock::inspect::pdf
