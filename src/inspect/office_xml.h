#pragma once
// What the office extractors (ooxml.cpp, odf.cpp) and sniffZip share: XML parts read safely out
// of a zip, OPC relationships, colours (hex, DrawingML theme colours and their modifiers), and
// the sink that bounds the extracted text. Internal to src/inspect.
//
// XML safety: a DOCTYPE is refused (office formats never have one, and it is where entity
// bombs live); pugixml never expands entities other than the five predefined ones and
// character references, so "&lol9;" stays literal text; pugixml parses without recursion, and
// every walker that recurses over a tree counts its depth against Limits::maxDepth (DepthGuard)
// while the others walk iteratively (eachDescendant, appendAllText).
//
// Namespaces: pugixml does not resolve them, and matching on literal prefixes would let a
// document write <q:vanish xmlns:q="…wordprocessingml/2006/main"/> to hide from us while Word
// honours it. parseXml rewrites every element and attribute name in a known namespace to that
// namespace's conventional prefix (w:, a:, p:, r:, wp:, office:, text:, style:, fo:, …; the
// SpreadsheetML, relationship, content-type and document-property namespaces unprefixed), and
// renames names whose prefix is bound to an unknown namespace but looks like a conventional one
// to "x-unknown:…", so the extractors can compare names literally.
#include <pugixml.hpp>

#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "inspect/inspect.h"
#include "inspect/zip.h"

namespace airlock::inspect {

// A parsed XML part. pugixml parses in place, so the buffer lives with the tree.
struct XmlPart {
  std::string name;
  std::string buffer;
  pugi::xml_document doc;
  pugi::xml_node root() const { return doc.document_element(); }
};
using XmlPartPtr = std::unique_ptr<XmlPart>;

core::Result<XmlPartPtr> parseXml(std::string text, std::string_view name, const Limits& limits);
// Reads and parses a part of the archive; a null pointer (not an error) when there is none.
core::Result<XmlPartPtr> readXml(ZipArchive& zip, std::string_view name, const Limits& limits);

inline bool named(pugi::xml_node n, const char* name) { return std::strcmp(n.name(), name) == 0; }
// The text of a node's character-data children (not of its descendants).
void appendOwnText(pugi::xml_node n, std::string& out);
// All character data under a node, in document order; `separator` goes between the texts of
// different elements (so that <t>Ignore</t><t>all</t> does not read "Ignoreall").
void appendAllText(pugi::xml_node n, std::string& out, std::string_view separator = {});
// Calls f(element) for every element named `name` under n (not n itself), in document order,
// iteratively; f returns core::Status and the first error stops the walk.
template <typename F>
core::Status eachDescendant(pugi::xml_node n, const char* name, F&& f) {
  pugi::xml_node c = n.first_child();
  while (c && c != n) {
    bool skipChildren = false;
    if (c.type() == pugi::node_element && std::strcmp(c.name(), name) == 0) {
      if (core::Status st = f(c); !st) return st;
      skipChildren = true;  // nested matches (a w:p in a text box in a w:p) are the caller's
    }
    if (!skipChildren && c.first_child()) {
      c = c.first_child();
      continue;
    }
    while (c && c != n && !c.next_sibling()) c = c.parent();
    if (c && c != n) c = c.next_sibling();
  }
  return {};
}

// OPC relationships (_rels/*.rels). `type` is the last segment of the Type URI ("styles",
// "officeDocument", "comments", "slide", …); `target` is resolved to a part name of the
// archive unless `external`.
struct Relationship {
  std::string id;
  std::string type;
  std::string target;
  bool external = false;
};
// word/document.xml → word/_rels/document.xml.rels; "" → _rels/.rels.
std::string relsPathFor(std::string_view part);
// A relationship target relative to the part that holds it ("../media/a.png", "/xl/x.xml"),
// normalised; "" when it climbs above the root.
std::string resolvePartName(std::string_view fromPart, std::string_view target);
// The part's relationships; empty when it has none.
core::Result<std::vector<Relationship>> readRelationships(ZipArchive& zip, std::string_view part, const Limits& limits);
const Relationship* findRelationship(const std::vector<Relationship>& rels, std::string_view idOrType, bool byType);
// The main part of an OOXML package (_rels/.rels officeDocument), "" when there is none.
core::Result<std::string> ooxmlMainPart(ZipArchive& zip, const Limits& limits);
// docx/xlsx/pptx by the main part's content type ([Content_Types].xml); kUnknown otherwise.
Format ooxmlFormatOf(ZipArchive& zip, const Limits& limits);
// application/vnd.oasis.opendocument.text (and -template, -master) → kOdt, …; else kUnknown.
Format odfFormatOf(std::string_view mimetype);

struct Rgb {
  std::uint8_t r = 0, g = 0, b = 0;
  bool operator==(const Rgb&) const = default;
};
constexpr Rgb kWhite{255, 255, 255};
constexpr Rgb kBlack{0, 0, 0};
// "FF00AA", "#FF00AA", or ARGB "FFFF00AA" (the alpha byte is dropped).
std::optional<Rgb> parseHexRgb(std::string_view hex);
// Text a reader cannot tell from its background: every channel within 0x10.
bool nearColour(Rgb a, Rgb b);
std::string hexColour(Rgb c);  // "#FF00AA"
// Luminance modulation and offset in HSL (DrawingML lumMod/lumOff, fractions).
Rgb lumModOff(Rgb c, double mod, double off);
// SpreadsheetML tint (-1..1): darker towards black, lighter towards white, in HSL.
Rgb excelTint(Rgb c, double tint);
// WordprocessingML w:themeTint / w:themeShade (0..255).
Rgb wordTint(Rgb c, unsigned tint);
Rgb wordShade(Rgb c, unsigned shade);
// A number with an optional unit (pt, in, cm, mm, pc/pi, px; strict OOXML writes "12pt" where
// transitional writes 24 half-points); `perPoint` converts points into the caller's unit (2 for
// half-points, 20 for twips, 12700 for EMU). A bare number is returned as it is; nullopt for
// anything else (percentages included).
std::optional<double> parseMeasure(std::string_view v, double perPoint);
// "1 pt", "1.5 pt".
std::string pointsText(double points);

// A DrawingML theme's colour scheme (a:clrScheme) and the colour map that names bg1, tx1, bg2,
// tx2 (p:clrMap; default bg1=lt1, tx1=dk1, bg2=lt2, tx2=dk2).
class Theme {
 public:
  void load(pugi::xml_node themeRoot);
  void loadColourMap(pugi::xml_node clrMap);
  // dk1, lt1, dk2, lt2, accent1-6, hlink, folHlink, and the mapped names (bg1, tx1, …,
  // WordprocessingML's background1/text1/dark1/…).
  std::optional<Rgb> scheme(std::string_view name) const;
  // SpreadsheetML theme index: 0 lt1, 1 dk1, 2 lt2, 3 dk2, 4-9 accent1-6, 10 hlink, 11 folHlink.
  std::optional<Rgb> excelIndex(unsigned index) const;

 private:
  std::optional<Rgb> colours_[12];
  std::string map_[4] = {"lt1", "dk1", "lt2", "dk2"};  // bg1, tx1, bg2, tx2
};

// A DrawingML colour with its opacity (alpha in thousandths of a percent: 100000 is opaque).
struct DmlColour {
  Rgb rgb;
  int alpha = 100000;
};
// The first colour element under `parent` (a:srgbClr, a:schemeClr, a:sysClr, a:prstClr,
// a:scrgbClr) with its modifiers (alpha, lumMod, lumOff, tint, shade); nullopt when there is
// none or it cannot be resolved (a:schemeClr phClr, unknown names).
std::optional<DmlColour> dmlColour(pugi::xml_node parent, const Theme& theme);

// The nesting of a recursive walker, against Limits::maxDepth: enter() before descending into
// an element's children (an error past the limit), leave() after.
class DepthGuard {
 public:
  explicit DepthGuard(std::uint32_t max) : max_(max) {}
  core::Status enter(std::string_view part) {
    if (++depth_ > max_)
      return core::makeError(core::Code::kInvalidArgument, std::string(part) + ": XML nesting deeper than " + std::to_string(max_));
    return {};
  }
  void leave() { --depth_; }

 private:
  std::uint32_t max_;
  std::uint32_t depth_ = 0;
};

// Collects runs into a Document, bounded by Limits::maxTextBytes. Text is made valid UTF-8
// (invalid sequences become U+FFFD); runs that are empty or only white space are dropped.
class RunSink {
 public:
  RunSink(Document& doc, const Limits& limits) : doc_(doc), limit_(limits.maxTextBytes), left_(limits.maxTextBytes) {}
  core::Status add(std::string_view text, std::string where, Hiding hiding = Hiding::kVisible, std::string why = {});
  void note(std::string note);
  // For text gathered before it is added (a paragraph's runs): an error once `pending` bytes
  // could not fit, so that nothing grows far past the limit (text:s repeats spaces).
  core::Status check(std::size_t pending) const {
    if (pending <= left_) return {};
    return core::makeError(core::Code::kInvalidArgument, "extracted text exceeds the limit of " + std::to_string(limit_) + " bytes");
  }

 private:
  Document& doc_;
  std::uint64_t limit_;
  std::uint64_t left_;
};

}  // namespace airlock::inspect
