// docx, xlsx, pptx: the text of an OOXML package in reading order, with how each piece is kept
// from a reader (extractors.h). The package is read with ZipArchive (bounded), each part with
// parseXml (no DOCTYPE, no entities, namespaces canonicalised, depth bounded), and the walkers
// recurse no deeper than the tree.
//
// What is judged, per format:
// - docx: runs (w:r) in the body, tables, text boxes (wps and VML), headers, footers, footnotes
//   and endnotes, with the effective run properties (docDefaults, paragraph style chain,
//   character style chain, direct formatting; later layers win, toggles are not XOR-ed):
//   w:vanish/w:specVanish; w:sz <= 4 half-points and w:w <= 10 % (character scale: the glyphs
//   shrink to slivers, so it counts as a tiny font); w:color against the run's highlight or
//   shading, the paragraph's shading, the table cell's or text box's fill, the page colour,
//   else white ("auto" is never hidden: Word picks a contrasting colour); exact line spacing
//   <= 2 pt (atLeast is a minimum, not a squeeze); character spacing condensed by the font
//   size or more; drawings positioned off the page or hidden (wp:docPr hidden). Side
//   channels: comments, alt text (wp:docPr descr/title, VML alt), document properties and
//   custom XML. Tracked deletions, field codes and the glossary are not text a reader sees and
//   are left out (noted); mc:AlternateContent is read through its first mc:Choice only (what
//   current Word shows).
// - xlsx: string cells (shared, inline, formula results) with hidden sheets, rows (hidden or
//   under 1 pt high), columns (hidden or narrower than 0.5 character), number formats whose
//   text section shows nothing (";;;"), fonts <= 2 pt and font colour on the cell fill
//   ("automatic" font colour is black in Excel; no fill is white); rich-text runs in a cell
//   are judged one by one. Legacy and threaded comments; text boxes in sheet drawings.
// - pptx: text in shapes, groups and tables on each slide (presentation.xml order): hidden
//   slides (show="0") and hidden shapes, sizes <= 2 pt (after normAutofit's font scale), no
//   text fill or opacity <= 5 %, colour on the run's highlight, else the shape fill, else the
//   topmost picture or filled shape under the shape's centre (the slide's earlier shapes, the
//   layout's and master's non-placeholder shapes), else the slide background (slide, layout,
//   master); "unknown" for pictures and gradients: then colour is not judged. Shapes entirely
//   outside the slide. Speaker notes, comments (legacy and modern), alt text.
// Placeholder formatting inherited from layouts and masters is not resolved: text whose size or
// colour comes only from there is judged on what the slide itself says.
// Embedded objects (*/embeddings/*) are noted, not opened: an embedded document is a document
// of its own, to be inspected on its own.
#include <algorithm>
#include <cmath>
#include <map>
#include <unordered_map>

#include "inspect/extractors.h"
#include "inspect/office_xml.h"
#include "inspect/zip.h"

namespace airlock::inspect {

namespace {

using Node = pugi::xml_node;

// Bound on style inheritance chains (basedOn) and group nesting: cycles and silly depths.
constexpr int kMaxChain = 32;
constexpr size_t kMaxBackdrops = 1000;  // pictures and filled shapes remembered per slide

struct Office {
  ZipArchive& zip;
  const Limits& limits;
  RunSink sink;
  Theme theme;
};

std::string quoted(std::string_view s) { return "'" + std::string(s) + "'"; }

std::optional<double> measureAttr(Node n, const char* attr, double perPoint = 1) {
  pugi::xml_attribute a = n.attribute(attr);
  if (!a) return std::nullopt;
  return parseMeasure(a.value(), perPoint);
}

bool truthy(std::string_view v) { return v == "1" || v == "true" || v == "on"; }
bool falsy(std::string_view v) { return v == "0" || v == "false" || v == "off"; }

std::string joinWhy(const std::vector<std::pair<Hiding, std::string>>& reasons) {
  std::string why;
  for (const auto& r : reasons) {
    if (!why.empty()) why += "; ";
    why += r.second;
  }
  return why;
}

// Consecutive pieces of text with the same hiding become one run (where: the first piece's), so
// that a sentence Word split into many runs is analysed as a sentence.
class Pending {
 public:
  template <typename WhereFn>
  core::Status add(RunSink& sink, std::string_view text, Hiding hiding, const std::string& why, WhereFn&& where,
                   std::string_view joiner = {}) {
    if (text.empty()) return {};
    if (auto st = sink.check(text_.size() + text.size()); !st) return st;
    if (active_ && hiding == hiding_ && why == why_) {
      text_ += joiner;
      text_ += text;
      return {};
    }
    if (auto st = flush(sink); !st) return st;
    active_ = true;
    text_.assign(text);
    hiding_ = hiding;
    why_ = why;
    where_ = where();
    return {};
  }
  core::Status flush(RunSink& sink) {
    if (!active_) return {};
    active_ = false;
    return sink.add(text_, std::move(where_), hiding_, std::move(why_));
  }
  bool active() const { return active_; }

 private:
  bool active_ = false;
  std::string text_;
  Hiding hiding_ = Hiding::kVisible;
  std::string why_;
  std::string where_;
};

// docProps/core.xml, app.xml, custom.xml (found through _rels/.rels, else by their usual names)
// and customXml/item*.xml: kMetadata runs.
core::Status extractProperties(Office& o) {
  auto rels = readRelationships(o.zip, "", o.limits);
  if (!rels) return rels.error();
  auto partFor = [&](std::string_view type, std::string_view usual) {
    const Relationship* r = findRelationship(*rels, type, true);
    return r != nullptr && !r->external ? r->target : std::string(usual);
  };
  const std::string core = partFor("core-properties", "docProps/core.xml");
  const std::string app = partFor("extended-properties", "docProps/app.xml");
  const std::string custom = partFor("custom-properties", "docProps/custom.xml");
  for (const std::string& name : {core, app}) {
    auto xml = readXml(o.zip, name, o.limits);
    if (!xml) return xml.error();
    if (!*xml) continue;
    for (Node c = (*xml)->root().first_child(); c; c = c.next_sibling()) {
      if (c.type() != pugi::node_element) continue;
      // Vectors (TitlesOfParts, HeadingPairs) hold their texts in leaves: one per line.
      std::string text;
      appendAllText(c, text, "\n");
      if (auto st = o.sink.add(text, (*xml)->name + " " + c.name(), Hiding::kMetadata, "document property"); !st) return st;
    }
  }
  {
    auto xml = readXml(o.zip, custom, o.limits);
    if (!xml) return xml.error();
    if (*xml) {
      for (Node p = (*xml)->root().first_child(); p; p = p.next_sibling()) {
        if (!named(p, "property")) continue;
        std::string text;
        appendAllText(p, text, "\n");
        if (auto st = o.sink.add(text, (*xml)->name + " property " + quoted(p.attribute("name").value()), Hiding::kMetadata,
                                 "custom document property");
            !st)
          return st;
      }
    }
  }
  for (const auto& e : o.zip.entries()) {
    std::string_view n = e.name;
    if (!n.starts_with("customXml/item") || !n.ends_with(".xml") || n.find("Props") != std::string_view::npos) continue;
    auto xml = readXml(o.zip, n, o.limits);
    if (!xml) return xml.error();
    std::string text;
    appendAllText((*xml)->root(), text, "\n");
    if (auto st = o.sink.add(text, std::string(n), Hiding::kMetadata, "custom XML data"); !st) return st;
  }
  return {};
}

void noteEmbedded(Office& o) {
  for (const auto& e : o.zip.entries()) {
    std::string_view n = e.name;
    if (n.find("/embeddings/") != std::string_view::npos && !n.ends_with("/"))
      o.sink.note("embedded object " + e.name + " (not inspected)");
    else if (n.ends_with("vbaProject.bin"))
      o.sink.note("macros " + e.name + " (not inspected)");
  }
}

core::Status loadThemeFrom(Office& o, const std::vector<Relationship>& rels) {
  const Relationship* t = findRelationship(rels, "theme", true);
  if (t == nullptr || t->external) return {};
  auto xml = readXml(o.zip, t->target, o.limits);
  if (!xml) return xml.error();
  if (*xml) o.theme.load((*xml)->root());
  return {};
}

// ============================================================================================
// docx

struct WordColour {
  bool automatic = false;
  Rgb rgb;
};

std::optional<WordColour> wordColour(Node n, const char* valAttr, const char* themeAttr, const char* tintAttr,
                                     const char* shadeAttr, const Theme& theme) {
  if (!n) return std::nullopt;
  std::optional<Rgb> rgb;
  if (pugi::xml_attribute t = n.attribute(themeAttr)) rgb = theme.scheme(t.value());
  if (!rgb) {
    std::string_view v = n.attribute(valAttr).value();
    if (v == "auto") return WordColour{true, {}};
    rgb = parseHexRgb(v);
  } else {
    if (auto tint = parseHexRgb(std::string("0000") + n.attribute(tintAttr).value()); tint && n.attribute(tintAttr))
      rgb = wordTint(*rgb, tint->b);
    if (auto shade = parseHexRgb(std::string("0000") + n.attribute(shadeAttr).value()); shade && n.attribute(shadeAttr))
      rgb = wordShade(*rgb, shade->b);
  }
  if (!rgb) return std::nullopt;
  return WordColour{false, *rgb};
}

// w:shd: the colour behind the text, or explicitly none (nil, auto fill).
std::optional<std::optional<Rgb>> wordShading(Node shd, const Theme& theme) {
  if (!shd) return std::nullopt;
  std::string_view val = shd.attribute("w:val").value();
  if (val == "nil") return std::optional<Rgb>();
  if (val == "solid") {  // the pattern colour covers the fill completely
    auto c = wordColour(shd, "w:color", "w:themeColor", "w:themeTint", "w:themeShade", theme);
    if (!c) return std::nullopt;
    return std::optional<Rgb>(c->automatic ? kBlack : c->rgb);
  }
  auto f = wordColour(shd, "w:fill", "w:themeFill", "w:themeFillTint", "w:themeFillShade", theme);
  if (!f) return std::nullopt;
  if (f->automatic) return std::optional<Rgb>();
  return std::optional<Rgb>(f->rgb);
}

std::optional<std::optional<Rgb>> wordHighlight(Node h) {
  if (!h) return std::nullopt;
  static constexpr std::pair<std::string_view, Rgb> kNames[] = {
      {"black", {0, 0, 0}},          {"blue", {0, 0, 255}},          {"cyan", {0, 255, 255}},
      {"green", {0, 255, 0}},        {"magenta", {255, 0, 255}},     {"red", {255, 0, 0}},
      {"yellow", {255, 255, 0}},     {"white", {255, 255, 255}},     {"darkBlue", {0, 0, 128}},
      {"darkCyan", {0, 128, 128}},   {"darkGreen", {0, 128, 0}},     {"darkMagenta", {128, 0, 128}},
      {"darkRed", {128, 0, 0}},      {"darkYellow", {128, 128, 0}},  {"darkGray", {128, 128, 128}},
      {"lightGray", {192, 192, 192}}};
  std::string_view v = h.attribute("w:val").value();
  for (const auto& [name, rgb] : kNames)
    if (name == v) return std::optional<Rgb>(rgb);
  return std::optional<Rgb>();  // none
}

bool onOff(Node n) {
  pugi::xml_attribute v = n.attribute("w:val");
  if (!v) return true;
  std::string_view s = v.value();
  return !(s == "0" || s == "false" || s == "off");
}

template <typename T>
void take(std::optional<T>& base, const std::optional<T>& top) {
  if (top) base = top;
}

struct RunProps {
  std::optional<bool> vanish, specVanish;
  std::optional<double> halfPoints;
  std::optional<double> scale;        // percent
  std::optional<double> charSpacing;  // twips
  std::optional<WordColour> colour;
  std::optional<std::optional<Rgb>> shading, highlight;
  void overlay(const RunProps& t) {
    take(vanish, t.vanish);
    take(specVanish, t.specVanish);
    take(halfPoints, t.halfPoints);
    take(scale, t.scale);
    take(charSpacing, t.charSpacing);
    take(colour, t.colour);
    take(shading, t.shading);
    take(highlight, t.highlight);
  }
};

struct ParaProps {
  std::optional<double> line;  // twips when exact/atLeast
  std::optional<std::string> lineRule;
  std::optional<std::optional<Rgb>> shading;
  void overlay(const ParaProps& t) {
    take(line, t.line);
    take(lineRule, t.lineRule);
    take(shading, t.shading);
  }
};

// One pass over the children (this runs for every run of the document; looking each property
// up with child() would scan the children once per property). The first of duplicates wins.
// `style` receives w:rStyle / w:pStyle when asked for.
RunProps parseRunProps(Node rPr, const Theme& theme, const char** style = nullptr) {
  RunProps p;
  for (Node c = rPr.first_child(); c; c = c.next_sibling()) {
    const char* full = c.name();
    if (full[0] != 'w' || full[1] != ':') continue;
    const std::string_view n(full + 2);
    if (n == "rStyle") {
      if (style != nullptr && **style == '\0') *style = c.attribute("w:val").value();
    } else if (n == "vanish") {
      if (!p.vanish) p.vanish = onOff(c);
    } else if (n == "specVanish") {
      if (!p.specVanish) p.specVanish = onOff(c);
    } else if (n == "sz") {
      if (!p.halfPoints) p.halfPoints = measureAttr(c, "w:val", 2);
    } else if (n == "w") {
      if (!p.scale) p.scale = measureAttr(c, "w:val");
    } else if (n == "spacing") {
      if (!p.charSpacing) p.charSpacing = measureAttr(c, "w:val", 20);
    } else if (n == "color") {
      if (!p.colour) p.colour = wordColour(c, "w:val", "w:themeColor", "w:themeTint", "w:themeShade", theme);
    } else if (n == "shd") {
      if (!p.shading) p.shading = wordShading(c, theme);
    } else if (n == "highlight") {
      if (!p.highlight) p.highlight = wordHighlight(c);
    }
  }
  return p;
}

ParaProps parseParaProps(Node pPr, const Theme& theme, const char** style = nullptr) {
  ParaProps p;
  for (Node c = pPr.first_child(); c; c = c.next_sibling()) {
    const char* full = c.name();
    if (full[0] != 'w' || full[1] != ':') continue;
    const std::string_view n(full + 2);
    if (n == "pStyle") {
      if (style != nullptr && **style == '\0') *style = c.attribute("w:val").value();
    } else if (n == "spacing") {
      if (!p.line && !p.lineRule) {
        p.line = measureAttr(c, "w:line", 20);
        if (pugi::xml_attribute r = c.attribute("w:lineRule")) p.lineRule = std::string(r.value());
      }
    } else if (n == "shd") {
      if (!p.shading) p.shading = wordShading(c, theme);
    }
  }
  return p;
}

class WordStyles {
 public:
  void load(Node root, const Theme& theme) {
    Node defaults = root.child("w:docDefaults");
    defaultRun_ = parseRunProps(defaults.child("w:rPrDefault").child("w:rPr"), theme);
    defaultPara_ = parseParaProps(defaults.child("w:pPrDefault").child("w:pPr"), theme);
    for (Node s = root.child("w:style"); s; s = s.next_sibling("w:style")) {
      Style st;
      st.type = s.attribute("w:type").value();
      st.basedOn = s.child("w:basedOn").attribute("w:val").value();
      st.run = parseRunProps(s.child("w:rPr"), theme);
      st.para = parseParaProps(s.child("w:pPr"), theme);
      const std::string id = s.attribute("w:styleId").value();
      if (truthy(s.attribute("w:default").value())) {
        if (st.type == "paragraph" && defaultParagraph_.empty()) defaultParagraph_ = id;
        if (st.type == "character" && defaultCharacter_.empty()) defaultCharacter_ = id;
      }
      styles_.emplace(id, std::move(st));
    }
  }
  // docDefaults, then the paragraph style chain.
  const RunProps& paragraphRun(std::string_view pStyle) { return resolved(pStyle, true).run; }
  const ParaProps& paragraph(std::string_view pStyle) { return resolved(pStyle, true).para; }
  // The character style chain alone (laid over the paragraph's).
  const RunProps& character(std::string_view rStyle) { return resolved(rStyle, false).run; }

 private:
  struct Style {
    std::string type, basedOn;
    RunProps run;
    ParaProps para;
  };
  struct Resolved {
    RunProps run;
    ParaProps para;
  };
  const Resolved& resolved(std::string_view requestedView, bool paragraph) {
    auto& last = paragraph ? lastPara_ : lastChar_;
    if (last.second != nullptr && last.first == requestedView) return *last.second;  // runs repeat styles
    auto& cache = paragraph ? paraCache_ : charCache_;
    const std::string requested(requestedView);
    if (auto it = cache.find(requested); it != cache.end()) {
      last = {it->first, &it->second};
      return it->second;
    }
    std::string id = requested.empty() ? (paragraph ? defaultParagraph_ : defaultCharacter_) : requested;
    std::vector<const Style*> chain;
    for (int i = 0; i < kMaxChain && !id.empty(); ++i) {
      auto it = styles_.find(id);
      if (it == styles_.end()) break;
      if (std::find(chain.begin(), chain.end(), &it->second) != chain.end()) break;  // a cycle
      chain.push_back(&it->second);
      id = it->second.basedOn;
    }
    Resolved r;
    if (paragraph) {
      r.run = defaultRun_;
      r.para = defaultPara_;
    }
    for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
      r.run.overlay((*it)->run);
      r.para.overlay((*it)->para);
    }
    auto it = cache.emplace(requested, std::move(r)).first;
    last = {it->first, &it->second};  // unordered_map nodes do not move
    return it->second;
  }

  std::unordered_map<std::string, Style> styles_;
  RunProps defaultRun_;
  ParaProps defaultPara_;
  std::string defaultParagraph_, defaultCharacter_;
  std::unordered_map<std::string, Resolved> paraCache_, charCache_;
  std::pair<std::string_view, const Resolved*> lastPara_{{}, nullptr}, lastChar_{{}, nullptr};
};

struct WordPage {
  double widthEmu = 12240.0 * 635;  // US Letter, for documents without w:pgSz
  double heightEmu = 15840.0 * 635;
  std::optional<Rgb> background;
};

// What encloses a run: a table cell's or text box's fill, a hidden or off-page drawing.
struct WordScope {
  std::optional<Rgb> background;
  bool backgroundUnknown = false;  // a picture or gradient fill: colour cannot be judged
  Hiding hiding = Hiding::kVisible;
  std::string why;
};

class WordPart {
 public:
  WordPart(Office& o, WordStyles& styles, const WordPage& page, std::string part)
      : o_(o), styles_(styles), page_(page), part_(std::move(part)), depth_(o.limits.maxDepth) {}

  core::Status walk(Node n, const WordScope& scope) { return node(n, nullptr, scope); }
  bool sawDeletions() const { return sawDeletions_; }

 private:
  struct Para {
    long number = 0;
    const RunProps* styleRun = nullptr;  // docDefaults and the paragraph style chain
    ParaProps props;
    long runs = 0;
    Pending pending;
  };

  core::Status node(Node n, Para* para, const WordScope& scope) {
    if (auto st = depth_.enter(part_); !st) return st;
    auto st = children(n, para, scope);
    depth_.leave();
    return st;
  }

  core::Status children(Node n, Para* para, const WordScope& scope) {
    for (Node c = n.first_child(); c; c = c.next_sibling()) {
      if (c.type() != pugi::node_element) continue;
      std::string_view name = c.name();
      core::Status st;
      if (name == "w:p") {
        if (para != nullptr) st = para->pending.flush(o_.sink);
        if (st) st = paragraph(c, scope);
      } else if (name == "w:r") {
        if (para != nullptr) st = run(c, *para, scope);
      } else if (name == "w:tc") {
        WordScope inner = scope;
        if (auto shd = wordShading(c.child("w:tcPr").child("w:shd"), o_.theme); shd && *shd) inner.background = **shd;
        st = node(c, para, inner);
      } else if (name == "w:drawing") {
        st = drawing(c, para, scope);
      } else if (name == "wps:wsp") {
        st = node(c, para, shapeScope(c, scope));
      } else if (name == "w:pict" || name == "w:object") {
        st = vml(c, para, scope);
      } else if (name == "mc:AlternateContent") {
        if (Node choice = c.child("mc:Choice")) st = node(choice, para, scope);
      } else if (name == "w:del" || name == "w:moveFrom") {
        sawDeletions_ = true;
      } else if (name == "w:pPr" || name == "w:rPr" || name == "w:sectPr" || name == "w:tblPr" || name == "w:trPr" ||
                 name == "w:tcPr" || name == "w:sdtPr" || name == "w:sdtEndPr" || name == "wp:docPr" ||
                 name == "w:tblGrid" || name == "w:customXmlPr" || name == "w:instrText" || name == "w:delText") {
        continue;
      } else {
        st = node(c, para, scope);
      }
      if (!st) return st;
    }
    return {};
  }

  core::Status paragraph(Node p, const WordScope& scope) {
    Para para;
    para.number = ++paragraphs_;
    const char* style = "";
    const ParaProps direct = parseParaProps(p.child("w:pPr"), o_.theme, &style);
    para.props = styles_.paragraph(style);
    para.props.overlay(direct);
    para.styleRun = &styles_.paragraphRun(style);
    if (auto st = node(p, &para, scope); !st) return st;
    return para.pending.flush(o_.sink);
  }

  core::Status run(Node r, Para& para, const WordScope& scope) {
    const long runNo = ++para.runs;
    const char* style = "";
    const RunProps direct = parseRunProps(r.child("w:rPr"), o_.theme, &style);
    RunProps eff = *para.styleRun;
    eff.overlay(styles_.character(style));
    eff.overlay(direct);
    const auto [hiding, why] = judge(eff, para, scope);
    auto where = [&] { return part_ + " paragraph " + std::to_string(para.number) + " run " + std::to_string(runNo); };
    std::string& text = text_;  // reused: one allocation for the part, not one per run
    text.clear();
    for (Node c = r.first_child(); c; c = c.next_sibling()) {
      std::string_view name = c.name();
      if (name == "w:t") {
        appendOwnText(c, text);
      } else if (name == "w:tab" || name == "w:ptab") {
        text += '\t';
      } else if (name == "w:br" || name == "w:cr") {
        text += '\n';
      } else if (name == "w:noBreakHyphen") {
        text += '-';
      } else if (name == "w:drawing" || name == "w:pict" || name == "w:object" || name == "mc:AlternateContent") {
        // A text box inside the run: what came before it is read first.
        if (auto st = para.pending.add(o_.sink, text, hiding, why, where); !st) return st;
        text.clear();
        if (auto st = para.pending.flush(o_.sink); !st) return st;
        core::Status st;
        if (name == "w:drawing") st = drawing(c, &para, scope);
        else if (name == "mc:AlternateContent") st = c.child("mc:Choice") ? node(c.child("mc:Choice"), &para, scope) : core::Status();
        else st = vml(c, &para, scope);
        if (!st) return st;
        text.clear();  // the text box's runs used the shared buffer
      }
    }
    return para.pending.add(o_.sink, text, hiding, why, where);
  }

  std::pair<Hiding, std::string> judge(const RunProps& eff, const Para& para, const WordScope& scope) const {
    std::vector<std::pair<Hiding, std::string>> reasons;
    if (eff.vanish.value_or(false)) reasons.emplace_back(Hiding::kVanish, "hidden text (w:vanish)");
    if (eff.specVanish.value_or(false)) reasons.emplace_back(Hiding::kVanish, "hidden text (w:specVanish)");
    if (scope.hiding != Hiding::kVisible) reasons.emplace_back(scope.hiding, scope.why);
    const double halfPoints = eff.halfPoints.value_or(20);
    if (halfPoints <= 4) reasons.emplace_back(Hiding::kTinyFont, "font size " + pointsText(halfPoints / 2));
    if (eff.scale && *eff.scale <= 10)
      reasons.emplace_back(Hiding::kTinyFont, "character scale " + std::to_string(std::lround(*eff.scale)) + " %");
    if (eff.colour && !eff.colour->automatic && !scope.backgroundUnknown) {
      std::optional<Rgb> bg;
      if (eff.highlight && *eff.highlight) bg = **eff.highlight;
      else if (eff.shading && *eff.shading) bg = **eff.shading;
      else if (para.props.shading && *para.props.shading) bg = **para.props.shading;
      else if (scope.background) bg = scope.background;
      else bg = page_.background.value_or(kWhite);
      if (nearColour(eff.colour->rgb, *bg))
        reasons.emplace_back(Hiding::kSameColour, "colour " + hexColour(eff.colour->rgb) + " on " + hexColour(*bg));
    }
    if (para.props.lineRule.value_or("auto") == "exact" && para.props.line && *para.props.line <= 40)
      reasons.emplace_back(Hiding::kTinySpacing, "line spacing " + pointsText(*para.props.line / 20) + " (exact)");
    if (eff.charSpacing && -*eff.charSpacing >= halfPoints * 10)
      reasons.emplace_back(Hiding::kTinySpacing, "character spacing " + pointsText(*eff.charSpacing / 20));
    if (reasons.empty()) return {Hiding::kVisible, {}};
    return {reasons.front().first, joinWhy(reasons)};
  }

  // A DrawingML shape's fill, for the text in it.
  WordScope shapeScope(Node wsp, const WordScope& scope) {
    WordScope inner = scope;
    Node spPr = wsp.child("wps:spPr");
    if (spPr.child("a:gradFill") || spPr.child("a:blipFill") || spPr.child("a:pattFill")) {
      inner.backgroundUnknown = true;
    } else if (Node fill = spPr.child("a:solidFill")) {
      if (auto c = dmlColour(fill, o_.theme)) inner.background = c->rgb;
      else inner.backgroundUnknown = true;
    } else if (!spPr.child("a:noFill")) {
      Node ref = wsp.child("wps:style").child("a:fillRef");
      if (ref && std::string_view(ref.attribute("idx").value()) != "0") {
        if (auto c = dmlColour(ref, o_.theme)) inner.background = c->rgb;
        else inner.backgroundUnknown = true;
      }
    }
    return inner;
  }

  core::Status drawing(Node d, Para* para, const WordScope& scope) {
    const long number = ++drawings_;
    Node anchor = d.child("wp:anchor");
    Node box = anchor ? anchor : d.child("wp:inline");
    Node docPr = box.child("wp:docPr");
    for (const char* attr : {"descr", "title"}) {
      std::string_view v = docPr.attribute(attr).value();
      if (auto st = o_.sink.add(v, part_ + " drawing " + std::to_string(number) + " " + quoted(docPr.attribute("name").value()) +
                                       " " + attr,
                                Hiding::kAltText, std::string("alt text (") + attr + ")");
          !st)
        return st;
    }
    WordScope inner = scope;
    if (truthy(docPr.attribute("hidden").value()) && inner.hiding == Hiding::kVisible) {
      inner.hiding = Hiding::kVanish;
      inner.why = "hidden drawing";
    }
    if (anchor && inner.hiding == Hiding::kVisible) {
      const double cx = measureAttr(anchor.child("wp:extent"), "cx").value_or(0);
      const double cy = measureAttr(anchor.child("wp:extent"), "cy").value_or(0);
      auto off = [&](const char* axis, const char* label, double size, double page) -> std::optional<std::string> {
        Node pos = anchor.child(axis);
        Node offset = pos.child("wp:posOffset");
        if (!offset) return std::nullopt;
        auto v = parseMeasure(offset.child_value(), 1);
        if (!v) return std::nullopt;
        const bool fromPage = std::string_view(pos.attribute("relativeFrom").value()) == "page";
        // Relative to the page the box is known; relative to a margin, column or paragraph
        // the origin lies somewhere on the page, so only a box beyond a page's size is off.
        if (*v >= page || *v + size <= (fromPage ? 0 : -page))
          return std::string("drawing positioned off the page (") + label + " " + pointsText(*v / 12700) + ")";
        return std::nullopt;
      };
      auto h = off("wp:positionH", "x", cx, page_.widthEmu);
      auto v = off("wp:positionV", "y", cy, page_.heightEmu);
      if (h || v) {
        inner.hiding = Hiding::kOffPage;
        inner.why = h ? *h : *v;
      }
    }
    (void)para;
    return node(box, nullptr, inner);
  }

  // VML shapes (w:pict; Word 2007 documents, and what older readers show): CSS-like style.
  core::Status vml(Node pict, Para* para, const WordScope& scope) {
    (void)para;
    WordScope inner = scope;
    for (Node shape = pict.first_child(); shape; shape = shape.next_sibling()) {
      std::string_view name = shape.name();
      if (!name.starts_with("v:")) continue;
      if (auto st = o_.sink.add(shape.attribute("alt").value(), part_ + " shape " + quoted(shape.attribute("id").value()) + " alt",
                                Hiding::kAltText, "alt text (VML)");
          !st)
        return st;
      WordScope s = inner;
      std::string_view style = shape.attribute("style").value();
      auto prop = [&](std::string_view key) -> std::optional<double> {
        std::size_t at = 0;
        while ((at = style.find(key, at)) != std::string_view::npos) {
          if ((at == 0 || style[at - 1] == ';' || style[at - 1] == ' ') && at + key.size() < style.size() &&
              style[at + key.size()] == ':') {
            std::string_view v = style.substr(at + key.size() + 1);
            v = v.substr(0, v.find(';'));
            return parseMeasure(v, 1);
          }
          at += key.size();
        }
        return std::nullopt;
      };
      if (style.find("visibility:hidden") != std::string_view::npos && s.hiding == Hiding::kVisible) {
        s.hiding = Hiding::kVanish;
        s.why = "hidden shape (visibility:hidden)";
      }
      const double pageW = page_.widthEmu / 12700, pageH = page_.heightEmu / 12700;
      const double left = prop("margin-left").value_or(0), top = prop("margin-top").value_or(0);
      const double w = prop("width").value_or(0), h = prop("height").value_or(0);
      if (s.hiding == Hiding::kVisible && (left >= pageW || top >= pageH || left + w <= -pageW || top + h <= -pageH)) {
        s.hiding = Hiding::kOffPage;
        s.why = "shape positioned off the page (" + pointsText(left) + ", " + pointsText(top) + ")";
      }
      if (std::string_view(shape.attribute("filled").value()) != "f" && shape.attribute("fillcolor")) {
        if (auto c = parseHexRgb(std::string_view(shape.attribute("fillcolor").value()).substr(0, 7))) s.background = *c;
        else s.backgroundUnknown = true;
      }
      if (auto st = node(shape, nullptr, s); !st) return st;
    }
    return {};
  }

  Office& o_;
  WordStyles& styles_;
  const WordPage& page_;
  std::string part_;
  long paragraphs_ = 0;
  long drawings_ = 0;
  bool sawDeletions_ = false;
  std::string text_;
  DepthGuard depth_;
};

core::Status extractComments(Office& o, const std::string& part) {
  auto xml = readXml(o.zip, part, o.limits);
  if (!xml) return xml.error();
  if (!*xml) return {};
  long n = 0;
  for (Node c = (*xml)->root().child("w:comment"); c; c = c.next_sibling("w:comment")) {
    ++n;
    // Paragraphs one per line.
    std::string text;
    long paragraphs = 0;
    auto st = eachDescendant(c, "w:p", [&](Node p) {
      if (paragraphs++ > 0) text += '\n';
      return eachDescendant(p, "w:t", [&](Node t) {
        appendOwnText(t, text);
        return core::Status();
      });
    });
    if (!st) return st;
    if (auto st = o.sink.add(text, (*xml)->name + " comment " + std::to_string(n), Hiding::kComment, "review comment"); !st)
      return st;
  }
  return {};
}

core::Status extractDocx(Office& o, const std::string& main) {
  auto rels = readRelationships(o.zip, main, o.limits);
  if (!rels) return rels.error();
  if (auto st = loadThemeFrom(o, *rels); !st) return st;
  WordStyles styles;
  if (const Relationship* s = findRelationship(*rels, "styles", true); s != nullptr && !s->external) {
    auto xml = readXml(o.zip, s->target, o.limits);
    if (!xml) return xml.error();
    if (*xml) styles.load((*xml)->root(), o.theme);
  }
  auto doc = readXml(o.zip, main, o.limits);
  if (!doc) return doc.error();
  if (!*doc) return core::makeError(core::Code::kInvalidArgument, "docx: no main document part " + main);
  Node root = (*doc)->root();
  WordPage page;
  if (Node pgSz = root.child("w:body").child("w:sectPr").child("w:pgSz")) {
    if (auto w = measureAttr(pgSz, "w:w", 20); w && *w > 0) page.widthEmu = *w * 635;
    if (auto h = measureAttr(pgSz, "w:h", 20); h && *h > 0) page.heightEmu = *h * 635;
  }
  if (auto bg = wordColour(root.child("w:background"), "w:color", "w:themeColor", "w:themeTint", "w:themeShade", o.theme);
      bg && !bg->automatic)
    page.background = bg->rgb;

  bool deletions = false;
  {
    WordPart body(o, styles, page, (*doc)->name);
    if (auto st = body.walk(root.child("w:body"), {}); !st) return st;
    deletions = body.sawDeletions();
  }
  for (const auto& r : *rels) {
    if (r.external) continue;
    if (r.type == "header" || r.type == "footer" || r.type == "footnotes" || r.type == "endnotes") {
      auto xml = readXml(o.zip, r.target, o.limits);
      if (!xml) return xml.error();
      if (!*xml) continue;
      WordPart part(o, styles, page, (*xml)->name);
      if (auto st = part.walk((*xml)->root(), {}); !st) return st;
      deletions = deletions || part.sawDeletions();
    } else if (r.type == "comments") {
      if (auto st = extractComments(o, r.target); !st) return st;
    } else if (r.type == "glossaryDocument") {
      o.sink.note("glossary (building blocks) " + r.target + " (not inspected: not shown in the document)");
    } else if (r.type == "aFChunk") {
      o.sink.note("imported content " + r.target + " (altChunk, not inspected)");
    }
  }
  if (deletions) o.sink.note("tracked deletions (not inspected: not shown in the document)");
  return {};
}

// ============================================================================================
// DrawingML text (pptx shapes and tables, xlsx drawings)

struct DmlTextProps {
  std::optional<double> size;  // hundredths of a point
  std::optional<DmlColour> colour;
  bool colourUnknown = false;
  std::optional<bool> noFill;
  std::optional<Rgb> highlight;  // a:highlight: the colour behind the text
  void overlay(Node rPr, const Theme& theme) {
    if (!rPr) return;
    if (auto sz = measureAttr(rPr, "sz")) size = sz;
    if (Node h = rPr.child("a:highlight")) {
      if (auto c = dmlColour(h, theme)) highlight = c->rgb;
    }
    if (Node f = rPr.child("a:solidFill")) {
      colour = dmlColour(f, theme);
      colourUnknown = !colour;
      noFill = false;
    } else if (rPr.child("a:noFill")) {
      noFill = true;
    } else if (rPr.child("a:gradFill") || rPr.child("a:blipFill") || rPr.child("a:pattFill")) {
      colour.reset();
      colourUnknown = true;
      noFill = false;
    }
  }
};

struct DmlScope {
  Hiding hiding = Hiding::kVisible;  // hidden slide or shape, off the slide, hidden sheet
  std::string why;
  std::optional<Rgb> background;
  bool backgroundUnknown = false;
  DmlTextProps base;  // the shape style's font colour
};

std::pair<Hiding, std::string> judgeDml(const DmlTextProps& p, double fontScale, const DmlScope& scope) {
  std::vector<std::pair<Hiding, std::string>> reasons;
  if (scope.hiding != Hiding::kVisible) reasons.emplace_back(scope.hiding, scope.why);
  if (p.size && *p.size * fontScale <= 200) reasons.emplace_back(Hiding::kTinyFont, "font size " + pointsText(*p.size * fontScale / 100));
  if (p.noFill.value_or(false)) reasons.emplace_back(Hiding::kTransparent, "text has no fill");
  if (p.colour && !p.colourUnknown && !p.noFill.value_or(false)) {
    if (p.colour->alpha <= 5000)
      reasons.emplace_back(Hiding::kTransparent, "text opacity " + std::to_string(p.colour->alpha / 1000) + " %");
    else if (p.highlight && nearColour(p.colour->rgb, *p.highlight))
      reasons.emplace_back(Hiding::kSameColour, "colour " + hexColour(p.colour->rgb) + " on highlight " + hexColour(*p.highlight));
    else if (!p.highlight && !scope.backgroundUnknown && nearColour(p.colour->rgb, scope.background.value_or(kWhite)))
      reasons.emplace_back(Hiding::kSameColour,
                           "colour " + hexColour(p.colour->rgb) + " on " + hexColour(scope.background.value_or(kWhite)));
  }
  if (reasons.empty()) return {Hiding::kVisible, {}};
  return {reasons.front().first, joinWhy(reasons)};
}

// The paragraphs of an a:txBody (or p:txBody, xdr:txBody): consecutive runs with the same
// hiding become one run, paragraphs joined by newlines.
core::Status dmlTextBody(Office& o, Node body, const DmlScope& scope, const std::string& where) {
  if (!body) return {};
  double fontScale = 1;
  if (auto s = measureAttr(body.child("a:bodyPr").child("a:normAutofit"), "fontScale")) fontScale = std::clamp(*s / 100000, 0.0, 1.0);
  Node lst = body.child("a:lstStyle");
  Pending pending;
  auto whereFn = [&] { return where; };
  bool first = true;
  for (Node p = body.child("a:p"); p; p = p.next_sibling("a:p")) {
    Node pPr = p.child("a:pPr");
    const long level = std::clamp<long>(static_cast<long>(measureAttr(pPr, "lvl").value_or(0)), 0, 8);
    DmlTextProps para = scope.base;
    para.overlay(lst.child(("a:lvl" + std::to_string(level + 1) + "pPr").c_str()).child("a:defRPr"), o.theme);
    para.overlay(pPr.child("a:defRPr"), o.theme);
    std::string_view joiner = first ? "" : "\n";
    first = false;
    for (Node r = p.first_child(); r; r = r.next_sibling()) {
      std::string text;
      DmlTextProps props = para;
      if (named(r, "a:r") || named(r, "a:fld")) {
        props.overlay(r.child("a:rPr"), o.theme);
        appendOwnText(r.child("a:t"), text);
      } else if (named(r, "a:br")) {
        props.overlay(r.child("a:rPr"), o.theme);
        text = "\n";
      } else {
        continue;
      }
      const auto [hiding, why] = judgeDml(props, fontScale, scope);
      if (auto st = pending.add(o.sink, text, hiding, why, whereFn, joiner); !st) return st;
      joiner = {};
    }
  }
  return pending.flush(o.sink);
}

// The non-visual properties (p:cNvPr, xdr:cNvPr) of a shape.
Node cNvPr(Node shape) {
  for (Node c = shape.first_child(); c; c = c.next_sibling()) {
    std::string_view n = c.name();
    if (n.find(":nv") != std::string_view::npos) {
      for (Node k = c.first_child(); k; k = k.next_sibling())
        if (std::string_view(k.name()).ends_with(":cNvPr")) return k;
    }
  }
  return {};
}

// Shape fill for the text in it: spPr solid fill, else the shape style's fillRef.
void dmlShapeFill(Node shape, const Theme& theme, DmlScope& scope) {
  Node spPr;
  Node style;
  for (Node c = shape.first_child(); c; c = c.next_sibling()) {
    std::string_view n = c.name();
    if (n.ends_with(":spPr")) spPr = c;
    if (n.ends_with(":style")) style = c;
  }
  if (spPr.child("a:gradFill") || spPr.child("a:blipFill") || spPr.child("a:pattFill")) {
    scope.backgroundUnknown = true;
  } else if (Node fill = spPr.child("a:solidFill")) {
    if (auto c = dmlColour(fill, theme)) scope.background = c->rgb;
    else scope.backgroundUnknown = true;
  } else if (!spPr.child("a:noFill")) {
    Node ref = style.child("a:fillRef");
    if (ref && std::string_view(ref.attribute("idx").value()) != "0") {
      if (auto c = dmlColour(ref, theme)) scope.background = c->rgb;
      else scope.backgroundUnknown = true;
    }
  }
  if (Node font = style.child("a:fontRef")) {
    if (auto c = dmlColour(font, theme)) scope.base.colour = c;
  }
}

// Child coordinates of a group to slide coordinates.
struct Xform {
  double ox = 0, oy = 0, sx = 1, sy = 1;
  double x(double v) const { return ox + v * sx; }
  double y(double v) const { return oy + v * sy; }
};

struct Box {
  double x = 0, y = 0, cx = 0, cy = 0;
  bool known = false;
};

// The box a shape covers on the slide. a:off and a:ext are the box before rotation (about its
// centre): turned by about a quarter, its width and height trade places.
Box boxOf(Node xfrm, const Xform& t) {
  Box b;
  Node off = xfrm.child("a:off"), ext = xfrm.child("a:ext");
  if (!off) return b;
  b.known = true;
  double x = measureAttr(off, "x").value_or(0), y = measureAttr(off, "y").value_or(0);
  double cx = measureAttr(ext, "cx").value_or(0), cy = measureAttr(ext, "cy").value_or(0);
  const double degrees = std::fmod(std::fabs(measureAttr(xfrm, "rot").value_or(0) / 60000), 180);
  if (degrees >= 45 && degrees < 135) {
    x += (cx - cy) / 2;
    y += (cy - cx) / 2;
    std::swap(cx, cy);
  }
  b.x = t.x(x);
  b.y = t.y(y);
  b.cx = cx * t.sx;
  b.cy = cy * t.sy;
  return b;
}

// A group's children are in its own coordinates: child c → group off + (c - chOff) * scale,
// then the parent's transform.
Xform groupXform(Node xfrm, const Box& box, const Xform& t) {
  if (!box.known) return t;
  Xform child = t;
  Node chOff = xfrm.child("a:chOff"), chExt = xfrm.child("a:chExt"), ext = xfrm.child("a:ext");
  const double chcx = measureAttr(chExt, "cx").value_or(0), chcy = measureAttr(chExt, "cy").value_or(0);
  const double sx = chcx > 0 ? measureAttr(ext, "cx").value_or(chcx) / chcx : 1;
  const double sy = chcy > 0 ? measureAttr(ext, "cy").value_or(chcy) / chcy : 1;
  child.ox = box.x - measureAttr(chOff, "x").value_or(0) * sx * t.sx;
  child.oy = box.y - measureAttr(chOff, "y").value_or(0) * sy * t.sy;
  child.sx = t.sx * sx;
  child.sy = t.sy * sy;
  return child;
}

Node xfrmOf(Node shape) {
  std::string_view name = shape.name();
  return name == "p:graphicFrame" ? shape.child("p:xfrm")
         : name == "p:grpSp"      ? shape.child("p:grpSpPr").child("a:xfrm")
                                  : shape.child("p:spPr").child("a:xfrm");
}

// ============================================================================================
// pptx

struct Background {
  enum class Kind { kNone, kSolid, kUnknown } kind = Kind::kNone;
  Rgb rgb;
};

Background backgroundOf(Node cSld, const Theme& theme) {
  Node bg = cSld.child("p:bg");
  if (!bg) return {};
  if (Node pr = bg.child("p:bgPr")) {
    if (Node fill = pr.child("a:solidFill")) {
      if (auto c = dmlColour(fill, theme)) return {Background::Kind::kSolid, c->rgb};
    }
    if (pr.child("a:noFill")) return {};
    return {Background::Kind::kUnknown, {}};
  }
  if (Node ref = bg.child("p:bgRef")) {
    // The theme's background fill styles are not resolved; most are the colour given here.
    if (auto c = dmlColour(ref, theme)) return {Background::Kind::kSolid, c->rgb};
    return {Background::Kind::kUnknown, {}};
  }
  return {};
}

class Pptx {
 public:
  explicit Pptx(Office& o) : o_(o) {}

  core::Status run(const std::string& main) {
    auto rels = readRelationships(o_.zip, main, o_.limits);
    if (!rels) return rels.error();
    if (auto st = loadThemeFrom(o_, *rels); !st) return st;
    auto pres = readXml(o_.zip, main, o_.limits);
    if (!pres) return pres.error();
    if (!*pres) return core::makeError(core::Code::kInvalidArgument, "pptx: no main presentation part " + main);
    Node root = (*pres)->root();
    if (Node sz = root.child("p:sldSz")) {
      if (auto cx = measureAttr(sz, "cx"); cx && *cx > 0) width_ = *cx;
      if (auto cy = measureAttr(sz, "cy"); cy && *cy > 0) height_ = *cy;
    }
    long number = 0;
    for (Node id = root.child("p:sldIdLst").child("p:sldId"); id; id = id.next_sibling("p:sldId")) {
      ++number;
      const Relationship* r = findRelationship(*rels, id.attribute("r:id").value(), false);
      if (r == nullptr || r->external) continue;
      if (auto st = slide(r->target, number); !st) return st;
    }
    return {};
  }

 private:
  core::Status slide(const std::string& part, long number) {
    auto xml = readXml(o_.zip, part, o_.limits);
    if (!xml) return xml.error();
    if (!*xml) return {};
    Node root = (*xml)->root();
    prefix_ = "slide " + std::to_string(number);
    auto up = inherited(part, "slideLayout", 0);
    if (!up) return up.error();
    Background bg = backgroundOf(root.child("p:cSld"), o_.theme);
    if (bg.kind == Background::Kind::kNone) bg = up->background;
    DmlScope scope;
    if (bg.kind == Background::Kind::kSolid) scope.background = bg.rgb;
    if (bg.kind == Background::Kind::kUnknown) scope.backgroundUnknown = true;
    if (std::string_view show = root.attribute("show").value(); show == "0" || show == "false") {
      scope.hiding = Hiding::kVanish;
      scope.why = "hidden slide";
    }
    shapes_ = 0;
    backdrops_.clear();
    if (!falsy(root.attribute("showMasterSp").value())) backdrops_ = up->backdrops;
    if (auto st = tree(root.child("p:cSld").child("p:spTree"), scope, Xform{}, 0); !st) return st;

    auto rels = readRelationships(o_.zip, part, o_.limits);
    if (!rels) return rels.error();
    for (const auto& r : *rels) {
      if (r.external) continue;
      if (r.type == "notesSlide") {
        if (auto st = notes(r.target); !st) return st;
      } else if (r.type == "comments") {
        if (auto st = comments(r.target); !st) return st;
      } else if (r.type == "chart" || r.type == "diagramData") {
        o_.sink.note(prefix_ + ": " + r.type + " " + r.target + " (text not inspected)");
      }
    }
    return {};
  }

  // What lies under a shape's text: the master's and the layout's pictures and filled shapes
  // (placeholders aside), then the slide's own in drawing order. Text is judged against the
  // topmost one under its centre; a picture makes the colour unknown.
  struct Backdrop {
    Box box;
    Background fill;  // solid or unknown
  };
  void underneath(const Box& box, DmlScope& scope) const {
    if (!box.known) return;
    const double cx = box.x + box.cx / 2, cy = box.y + box.cy / 2;
    for (auto b = backdrops_.rbegin(); b != backdrops_.rend(); ++b) {
      if (cx < b->box.x || cx > b->box.x + b->box.cx || cy < b->box.y || cy > b->box.y + b->box.cy) continue;
      if (b->fill.kind == Background::Kind::kSolid) {
        scope.background = b->fill.rgb;
        scope.backgroundUnknown = false;
      } else {
        scope.backgroundUnknown = true;
      }
      return;
    }
  }
  void addBackdrop(Node s, const Box& box, std::vector<Backdrop>& out) const {
    if (!box.known || out.size() >= kMaxBackdrops) return;
    if (named(s, "p:pic")) {
      out.push_back({box, {Background::Kind::kUnknown, {}}});
      return;
    }
    DmlScope fill;
    dmlShapeFill(s, o_.theme, fill);
    if (fill.backgroundUnknown) out.push_back({box, {Background::Kind::kUnknown, {}}});
    else if (fill.background) out.push_back({box, {Background::Kind::kSolid, *fill.background}});
  }
  void collectBackdrops(Node spTree, const Xform& t, int depth, std::vector<Backdrop>& out) const {
    for (Node s = spTree.first_child(); s; s = s.next_sibling()) {
      std::string_view name = s.name();
      if (name == "mc:AlternateContent" && depth < kMaxChain) collectBackdrops(s.child("mc:Choice"), t, depth + 1, out);
      if (name != "p:sp" && name != "p:grpSp" && name != "p:pic") continue;
      bool placeholder = false;
      for (Node c = s.first_child(); c; c = c.next_sibling())
        if (std::string_view(c.name()).starts_with("p:nv") && c.child("p:nvPr").child("p:ph")) placeholder = true;
      if (placeholder) continue;
      const Box box = boxOf(xfrmOf(s), t);
      if (name == "p:grpSp") {
        if (depth < kMaxChain) collectBackdrops(s, groupXform(xfrmOf(s), box, t), depth + 1, out);
      } else {
        addBackdrop(s, box, out);
      }
    }
  }
  // What a slide inherits from its layout, and a layout from its master (cached by part): the
  // background (the layout's, else the master's) and the backdrops (the layout's over its
  // master's, unless the layout hides the master's shapes).
  struct Inherited {
    Background background;
    std::vector<Backdrop> backdrops;
  };
  core::Result<Inherited> inherited(const std::string& part, const std::string& relType, int depth) {
    if (auto it = inherited_.find(part); it != inherited_.end()) return it->second;
    Inherited result;
    if (depth < 2) {
      auto rels = readRelationships(o_.zip, part, o_.limits);
      if (!rels) return rels.error();
      const Relationship* up = findRelationship(*rels, relType, true);
      if (up != nullptr && !up->external) {
        auto xml = readXml(o_.zip, up->target, o_.limits);
        if (!xml) return xml.error();
        if (*xml) {
          Node root = (*xml)->root();
          if (named(root, "p:sldMaster") && !colourMapLoaded_) {
            o_.theme.loadColourMap(root.child("p:clrMap"));
            colourMapLoaded_ = true;
          }
          result.background = backgroundOf(root.child("p:cSld"), o_.theme);
          if (named(root, "p:sldLayout")) {
            auto master = inherited(up->target, "slideMaster", depth + 1);
            if (!master) return master.error();
            if (result.background.kind == Background::Kind::kNone) result.background = master->background;
            if (!falsy(root.attribute("showMasterSp").value())) result.backdrops = master->backdrops;
          }
          collectBackdrops(root.child("p:cSld").child("p:spTree"), Xform{}, 0, result.backdrops);
        }
      }
    }
    inherited_[part] = result;
    return result;
  }

  core::Status tree(Node spTree, const DmlScope& scope, const Xform& t, int depth) {
    for (Node s = spTree.first_child(); s; s = s.next_sibling()) {
      std::string_view name = s.name();
      if (name == "mc:AlternateContent") {
        if (depth >= kMaxChain) continue;
        if (auto st = tree(s.child("mc:Choice"), scope, t, depth + 1); !st) return st;
        continue;
      }
      if (name != "p:sp" && name != "p:grpSp" && name != "p:graphicFrame" && name != "p:pic" && name != "p:cxnSp") continue;
      ++shapes_;
      Node nv = cNvPr(s);
      std::string label = nv.attribute("name").value();
      const std::string where = prefix_ + " shape " + (label.empty() ? std::to_string(shapes_) : quoted(label));
      for (const char* attr : {"descr", "title"}) {
        if (auto st = o_.sink.add(nv.attribute(attr).value(), where + " " + attr, Hiding::kAltText,
                                  std::string("alt text (") + attr + ")");
            !st)
          return st;
      }
      DmlScope inner = scope;
      if (truthy(nv.attribute("hidden").value()) && inner.hiding == Hiding::kVisible) {
        inner.hiding = Hiding::kVanish;
        inner.why = "hidden shape";
      }
      Node xfrm = xfrmOf(s);
      const Box box = boxOf(xfrm, t);
      if (box.known && inner.hiding == Hiding::kVisible &&
          (box.x >= width_ || box.y >= height_ || box.x + box.cx <= 0 || box.y + box.cy <= 0)) {
        inner.hiding = Hiding::kOffPage;
        inner.why = "shape outside the slide (at " + pointsText(box.x / 12700) + ", " + pointsText(box.y / 12700) + ")";
      }
      if (name == "p:grpSp") {
        if (depth >= kMaxChain) continue;
        if (auto st = tree(s, inner, groupXform(xfrm, box, t), depth + 1); !st) return st;
        continue;
      }
      underneath(box, inner);
      if (name == "p:sp") {
        dmlShapeFill(s, o_.theme, inner);
        if (auto st = dmlTextBody(o_, s.child("p:txBody"), inner, where); !st) return st;
        addBackdrop(s, box, backdrops_);
      } else if (name == "p:pic") {
        addBackdrop(s, box, backdrops_);
      } else if (name == "p:graphicFrame") {
        Node tbl = s.child("a:graphic").child("a:graphicData").child("a:tbl");
        long row = 0;
        for (Node tr = tbl.child("a:tr"); tr; tr = tr.next_sibling("a:tr")) {
          ++row;
          long col = 0;
          for (Node tc = tr.child("a:tc"); tc; tc = tc.next_sibling("a:tc")) {
            ++col;
            DmlScope cell = inner;
            Node tcPr = tc.child("a:tcPr");
            if (Node fill = tcPr.child("a:solidFill")) {
              if (auto c = dmlColour(fill, o_.theme)) cell.background = c->rgb;
            } else if (tcPr.child("a:gradFill") || tcPr.child("a:blipFill")) {
              cell.backgroundUnknown = true;
            }
            if (auto st = dmlTextBody(o_, tc.child("a:txBody"), cell,
                                      where + " row " + std::to_string(row) + " cell " + std::to_string(col));
                !st)
              return st;
          }
        }
      }
    }
    return {};
  }

  core::Status notes(const std::string& part) {
    auto xml = readXml(o_.zip, part, o_.limits);
    if (!xml) return xml.error();
    if (!*xml) return {};
    return eachDescendant((*xml)->root(), "p:sp", [&](Node sp) -> core::Status {
      std::string_view type;
      for (Node c = sp.first_child(); c; c = c.next_sibling())
        if (named(c, "p:nvSpPr")) type = c.child("p:nvPr").child("p:ph").attribute("type").value();
      if (type == "sldImg" || type == "sldNum" || type == "hdr" || type == "ftr" || type == "dt") return {};
      std::string text;
      bool first = true;
      for (Node p = sp.child("p:txBody").child("a:p"); p; p = p.next_sibling("a:p")) {
        if (!first) text += '\n';
        first = false;
        for (Node r = p.first_child(); r; r = r.next_sibling()) {
          if (named(r, "a:r") || named(r, "a:fld")) appendOwnText(r.child("a:t"), text);
          else if (named(r, "a:br")) text += '\n';
        }
      }
      return o_.sink.add(text, prefix_ + " notes", Hiding::kNotes, "speaker notes");
    });
  }

  core::Status comments(const std::string& part) {
    auto xml = readXml(o_.zip, part, o_.limits);
    if (!xml) return xml.error();
    if (!*xml) return {};
    long n = 0;
    for (Node c = (*xml)->root().first_child(); c; c = c.next_sibling()) {
      std::string text;
      if (named(c, "p:cm")) {
        appendOwnText(c.child("p:text"), text);
      } else if (named(c, "p188:cm")) {
        long paragraphs = 0;
        auto st = eachDescendant(c, "a:p", [&](Node p) {
          if (paragraphs++ > 0) text += '\n';
          return eachDescendant(p, "a:t", [&](Node t) {
            appendOwnText(t, text);
            return core::Status();
          });
        });
        if (!st) return st;
      } else {
        continue;
      }
      ++n;
      if (auto st = o_.sink.add(text, prefix_ + " comment " + std::to_string(n), Hiding::kComment, "review comment"); !st)
        return st;
    }
    return {};
  }

  Office& o_;
  double width_ = 9144000, height_ = 6858000;  // 10 in x 7.5 in, the default slide size
  std::string prefix_;
  long shapes_ = 0;
  bool colourMapLoaded_ = false;
  std::vector<Backdrop> backdrops_;  // the current slide's
  std::unordered_map<std::string, Inherited> inherited_;
};

// ============================================================================================
// xlsx

// The legacy indexed palette (styles.xml may replace it); 64 and 65 are the system foreground
// and background.
constexpr std::uint32_t kIndexed[66] = {
    0x000000, 0xFFFFFF, 0xFF0000, 0x00FF00, 0x0000FF, 0xFFFF00, 0xFF00FF, 0x00FFFF, 0x000000, 0xFFFFFF, 0xFF0000,
    0x00FF00, 0x0000FF, 0xFFFF00, 0xFF00FF, 0x00FFFF, 0x800000, 0x008000, 0x000080, 0x808000, 0x800080, 0x008080,
    0xC0C0C0, 0x808080, 0x9999FF, 0x993366, 0xFFFFCC, 0xCCFFFF, 0x660066, 0xFF8080, 0x0066CC, 0xCCCCFF, 0x000080,
    0xFF00FF, 0xFFFF00, 0x00FFFF, 0x800080, 0x800000, 0x008080, 0x0000FF, 0x00CCFF, 0xCCFFFF, 0xCCFFCC, 0xFFFF99,
    0x99CCFF, 0xFF99CC, 0xCC99FF, 0xFFCC99, 0x3366FF, 0x33CCCC, 0x99CC00, 0xFFCC00, 0xFF9900, 0xFF6600, 0x666699,
    0x969696, 0x003366, 0x339966, 0x003300, 0x333300, 0x993300, 0x993366, 0x333399, 0x333333, 0x000000, 0xFFFFFF};

struct XlColour {
  bool automatic = false;
  Rgb rgb;
};

struct XlFont {
  std::optional<double> size;
  std::optional<XlColour> colour;
};

struct XlStyles {
  std::vector<Rgb> palette;
  std::vector<XlFont> fonts;
  std::vector<std::optional<Rgb>> fills;  // nullopt: no fill (white)
  struct Xf {
    std::size_t font = 0, fill = 0;
    long numFmt = 0;
  };
  std::vector<Xf> xfs;
  std::unordered_map<long, bool> textHidden;  // custom number formats whose text section shows nothing
};

std::optional<XlColour> xlColour(Node c, const Theme& theme, const std::vector<Rgb>& palette) {
  if (!c) return std::nullopt;
  if (truthy(c.attribute("auto").value())) return XlColour{true, {}};
  std::optional<Rgb> rgb;
  if (pugi::xml_attribute a = c.attribute("rgb")) rgb = parseHexRgb(a.value());
  else if (auto t = measureAttr(c, "theme"); t && *t >= 0) rgb = theme.excelIndex(static_cast<unsigned>(*t));
  else if (auto i = measureAttr(c, "indexed"); i && *i >= 0 && *i < static_cast<double>(palette.size()))
    rgb = palette[static_cast<std::size_t>(*i)];
  if (!rgb) return std::nullopt;
  if (auto tint = measureAttr(c, "tint"); tint && *tint != 0) rgb = excelTint(*rgb, std::clamp(*tint, -1.0, 1.0));
  return XlColour{false, *rgb};
}

// Does a number format show nothing for text? Its fourth section (text) holds no '@'.
bool formatHidesText(std::string_view code) {
  int sections = 1;
  bool at = false, quoted = false;
  for (std::size_t i = 0; i < code.size(); ++i) {
    const char c = code[i];
    if (c == '"') quoted = !quoted;
    else if (quoted) continue;
    else if (c == '\\') ++i;
    else if (c == ';') {
      ++sections;
      at = false;
    } else if (c == '@') at = true;
  }
  return sections >= 4 && !at;
}

XlStyles loadXlStyles(Node root, const Theme& theme) {
  XlStyles s;
  for (std::uint32_t v : kIndexed) s.palette.push_back({static_cast<std::uint8_t>(v >> 16), static_cast<std::uint8_t>(v >> 8), static_cast<std::uint8_t>(v)});
  std::size_t i = 0;
  for (Node c = root.child("colors").child("indexedColors").child("rgbColor"); c && i < 64; c = c.next_sibling("rgbColor"), ++i)
    if (auto rgb = parseHexRgb(c.attribute("rgb").value())) s.palette[i] = *rgb;
  for (Node f = root.child("numFmts").child("numFmt"); f; f = f.next_sibling("numFmt"))
    if (auto id = measureAttr(f, "numFmtId")) s.textHidden[static_cast<long>(*id)] = formatHidesText(f.attribute("formatCode").value());
  for (Node f = root.child("fonts").child("font"); f; f = f.next_sibling("font"))
    s.fonts.push_back({measureAttr(f.child("sz"), "val"), xlColour(f.child("color"), theme, s.palette)});
  for (Node f = root.child("fills").child("fill"); f; f = f.next_sibling("fill")) {
    Node pattern = f.child("patternFill");
    std::string_view type = pattern.attribute("patternType").value();
    std::optional<Rgb> fill;
    if (type == "solid") {
      if (auto c = xlColour(pattern.child("fgColor"), theme, s.palette); c && !c->automatic) fill = c->rgb;
    } else if (!type.empty() && type != "none") {
      if (auto c = xlColour(pattern.child("bgColor"), theme, s.palette); c && !c->automatic) fill = c->rgb;
    }
    s.fills.push_back(fill);
  }
  for (Node x = root.child("cellXfs").child("xf"); x; x = x.next_sibling("xf")) {
    XlStyles::Xf xf;
    xf.font = static_cast<std::size_t>(std::max(0.0, measureAttr(x, "fontId").value_or(0)));
    xf.fill = static_cast<std::size_t>(std::max(0.0, measureAttr(x, "fillId").value_or(0)));
    xf.numFmt = static_cast<long>(measureAttr(x, "numFmtId").value_or(0));
    s.xfs.push_back(xf);
  }
  return s;
}

// A string with rich-text runs: each run's own font size and colour, if it sets them.
struct XlSegment {
  std::string text;
  std::optional<double> size;
  std::optional<XlColour> colour;
};
using XlString = std::vector<XlSegment>;

XlString xlString(Node si, const Theme& theme, const std::vector<Rgb>& palette) {
  XlString out;
  for (Node c = si.first_child(); c; c = c.next_sibling()) {
    if (named(c, "t")) {
      XlSegment seg;
      appendOwnText(c, seg.text);
      out.push_back(std::move(seg));
    } else if (named(c, "r")) {
      XlSegment seg;
      appendOwnText(c.child("t"), seg.text);
      Node rPr = c.child("rPr");
      seg.size = measureAttr(rPr.child("sz"), "val");
      seg.colour = xlColour(rPr.child("color"), theme, palette);
      out.push_back(std::move(seg));
    }
  }
  return out;
}

std::string columnName(long col) {  // 1 → A
  std::string s;
  while (col > 0 && s.size() < 8) {
    s.insert(s.begin(), static_cast<char>('A' + (col - 1) % 26));
    col = (col - 1) / 26;
  }
  return s;
}

// "B7" → column 2 (0 when there are no letters).
long columnOf(std::string_view ref) {
  long col = 0;
  for (char c : ref) {
    if (c >= 'A' && c <= 'Z') col = col * 26 + (c - 'A' + 1);
    else if (c >= 'a' && c <= 'z') col = col * 26 + (c - 'a' + 1);
    else break;
    if (col > 1 << 20) return 0;
  }
  return col;
}
// "B7" → row 7 (0 when there is none).
long rowOf(std::string_view ref) {
  std::size_t i = 0;
  while (i < ref.size() && ((ref[i] >= 'A' && ref[i] <= 'Z') || (ref[i] >= 'a' && ref[i] <= 'z'))) ++i;
  auto v = parseMeasure(ref.substr(i), 1);
  return v && *v >= 1 && *v <= (1 << 24) ? static_cast<long>(*v) : 0;
}

// Merged ranges: every cell but the top-left one is covered. Swept row by row: ranges start
// when the sweep reaches their first row and are looked up by column (they do not overlap).
class Merges {
 public:
  explicit Merges(Node mergeCells) {
    for (Node m = mergeCells.child("mergeCell"); m; m = m.next_sibling("mergeCell")) {
      std::string_view ref = m.attribute("ref").value();
      const auto colon = ref.find(':');
      if (colon == std::string_view::npos) continue;
      Range r{rowOf(ref.substr(0, colon)), columnOf(ref.substr(0, colon)), rowOf(ref.substr(colon + 1)),
              columnOf(ref.substr(colon + 1)), std::string(ref)};
      if (r.r1 > 0 && r.c1 > 0 && r.r2 >= r.r1 && r.c2 >= r.c1) pending_.push_back(std::move(r));
    }
    std::sort(pending_.begin(), pending_.end(), [](const Range& a, const Range& b) { return a.r1 > b.r1; });
  }
  // The range covering (row, col), if the cell is not its top-left one; rows must not go back.
  const std::string* covering(long row, long col) {
    while (!pending_.empty() && pending_.back().r1 <= row) {
      active_.emplace(pending_.back().c1, std::move(pending_.back()));
      pending_.pop_back();
    }
    auto it = active_.upper_bound(col);
    if (it == active_.begin()) return nullptr;
    --it;
    const Range& r = it->second;
    if (r.r2 < row) {
      active_.erase(it);
      return nullptr;
    }
    if (col > r.c2 || (row == r.r1 && col == r.c1)) return nullptr;
    return &r.ref;
  }

 private:
  struct Range {
    long r1, c1, r2, c2;
    std::string ref;
  };
  std::vector<Range> pending_;
  std::map<long, Range> active_;
};

class Xlsx {
 public:
  explicit Xlsx(Office& o) : o_(o) {}

  core::Status run(const std::string& main) {
    auto rels = readRelationships(o_.zip, main, o_.limits);
    if (!rels) return rels.error();
    if (auto st = loadThemeFrom(o_, *rels); !st) return st;
    if (const Relationship* s = findRelationship(*rels, "styles", true); s != nullptr && !s->external) {
      auto xml = readXml(o_.zip, s->target, o_.limits);
      if (!xml) return xml.error();
      if (*xml) styles_ = loadXlStyles((*xml)->root(), o_.theme);
    }
    if (styles_.palette.empty()) styles_ = loadXlStyles(Node(), o_.theme);
    if (const Relationship* s = findRelationship(*rels, "sharedStrings", true); s != nullptr && !s->external) {
      auto xml = readXml(o_.zip, s->target, o_.limits);
      if (!xml) return xml.error();
      if (*xml)
        for (Node si = (*xml)->root().child("si"); si; si = si.next_sibling("si"))
          shared_.push_back(xlString(si, o_.theme, styles_.palette));
    }
    auto book = readXml(o_.zip, main, o_.limits);
    if (!book) return book.error();
    if (!*book) return core::makeError(core::Code::kInvalidArgument, "xlsx: no workbook part " + main);
    for (Node sh = (*book)->root().child("sheets").child("sheet"); sh; sh = sh.next_sibling("sheet")) {
      const Relationship* r = findRelationship(*rels, sh.attribute("r:id").value(), false);
      const std::string name = sh.attribute("name").value();
      if (r == nullptr || r->external) continue;
      if (r->type != "worksheet") {
        o_.sink.note("sheet " + quoted(name) + " is a " + r->type + " (not inspected)");
        continue;
      }
      std::string_view state = sh.attribute("state").value();
      Sheet sheet{name, Hiding::kVisible, {}};
      if (state == "hidden" || state == "veryHidden") {
        sheet.hiding = Hiding::kHiddenSheet;
        sheet.why = "sheet " + quoted(name) + (state == "hidden" ? " is hidden" : " is very hidden");
      }
      if (auto st = worksheet(r->target, sheet); !st) return st;
    }
    return {};
  }

 private:
  struct Sheet {
    std::string name;
    Hiding hiding;
    std::string why;
  };

  core::Status worksheet(const std::string& part, const Sheet& sheet) {
    auto xml = readXml(o_.zip, part, o_.limits);
    if (!xml) return xml.error();
    if (!*xml) return {};
    Node root = (*xml)->root();
    const std::string prefix = "sheet " + quoted(sheet.name) + " ";
    // Hidden columns: Excel has 16384.
    constexpr long kMaxColumns = 16384;
    std::vector<std::uint8_t> hiddenCols(kMaxColumns + 1, 0);
    std::vector<double> narrow(kMaxColumns + 1, -1);
    for (Node col = root.child("cols").child("col"); col; col = col.next_sibling("col")) {
      const long lo = std::clamp<long>(static_cast<long>(measureAttr(col, "min").value_or(0)), 0, kMaxColumns);
      const long hi = std::clamp<long>(static_cast<long>(measureAttr(col, "max").value_or(0)), 0, kMaxColumns);
      const bool hidden = truthy(col.attribute("hidden").value());
      const auto width = measureAttr(col, "width");
      for (long c = std::max(lo, 1L); c <= hi; ++c) {
        if (hidden) hiddenCols[c] = 1;
        else if (width && *width < 0.5 && truthy(col.attribute("customWidth").value())) narrow[c] = *width;
      }
    }
    Merges merges(root.child("mergeCells"));
    long rowNo = 0;
    for (Node row = root.child("sheetData").child("row"); row; row = row.next_sibling("row")) {
      const long next = static_cast<long>(measureAttr(row, "r").value_or(static_cast<double>(rowNo + 1)));
      if (next <= rowNo || next > (1 << 24)) {
        return core::makeError(core::Code::kInvalidArgument, part + ": rows out of order at row " + std::to_string(next));
      }
      rowNo = next;
      std::string rowWhy;
      if (truthy(row.attribute("hidden").value())) rowWhy = "row " + std::to_string(rowNo) + " is hidden";
      else if (auto ht = measureAttr(row, "ht"); ht && *ht < 1 && truthy(row.attribute("customHeight").value()))
        rowWhy = "row " + std::to_string(rowNo) + " is " + pointsText(*ht) + " high";
      long colNo = 0;
      for (Node c = row.child("c"); c; c = c.next_sibling("c")) {
        std::string_view ref = c.attribute("r").value();
        const long fromRef = columnOf(ref);
        colNo = fromRef > 0 ? fromRef : colNo + 1;
        std::string_view type = c.attribute("t").value();
        XlString text;
        if (type == "s") {
          auto idx = parseMeasure(c.child_value("v"), 1);
          if (!idx || *idx < 0 || *idx >= static_cast<double>(shared_.size())) continue;
          text = shared_[static_cast<std::size_t>(*idx)];
        } else if (type == "inlineStr") {
          text = xlString(c.child("is"), o_.theme, styles_.palette);
        } else if (type == "str") {
          XlSegment seg;
          appendOwnText(c.child("v"), seg.text);
          text.push_back(std::move(seg));
        } else {
          continue;  // numbers, booleans, errors: not text an instruction can hide in
        }
        const std::string where = prefix + (ref.empty() ? columnName(colNo) + std::to_string(rowNo) : std::string(ref));
        std::vector<std::pair<Hiding, std::string>> base;
        if (sheet.hiding != Hiding::kVisible) base.emplace_back(sheet.hiding, sheet.why);
        if (!rowWhy.empty()) base.emplace_back(Hiding::kHiddenRow, rowWhy);
        if (colNo >= 1 && colNo <= kMaxColumns && hiddenCols[colNo])
          base.emplace_back(Hiding::kHiddenColumn, "column " + columnName(colNo) + " is hidden");
        else if (colNo >= 1 && colNo <= kMaxColumns && narrow[colNo] >= 0)
          base.emplace_back(Hiding::kHiddenColumn, "column " + columnName(colNo) + " is narrower than half a character");
        const auto xfIndex = static_cast<std::size_t>(std::max(0.0, measureAttr(c, "s").value_or(0)));
        const XlStyles::Xf xf = xfIndex < styles_.xfs.size() ? styles_.xfs[xfIndex] : XlStyles::Xf{};
        if (auto it = styles_.textHidden.find(xf.numFmt); it != styles_.textHidden.end() && it->second)
          base.emplace_back(Hiding::kVanish, "number format shows no text");
        if (const std::string* range = merges.covering(rowNo, colNo))
          base.emplace_back(Hiding::kBehind, "covered by merged cells " + *range);
        const XlFont font = xf.font < styles_.fonts.size() ? styles_.fonts[xf.font] : XlFont{};
        const Rgb fill = xf.fill < styles_.fills.size() && styles_.fills[xf.fill] ? *styles_.fills[xf.fill] : kWhite;
        Pending pending;
        auto whereFn = [&] { return where; };
        for (const XlSegment& seg : text) {
          auto reasons = base;
          const auto size = seg.size ? seg.size : font.size;
          if (size && *size <= 2) reasons.emplace_back(Hiding::kTinyFont, "font size " + pointsText(*size));
          const auto colour = seg.colour ? seg.colour : font.colour;
          // Excel's automatic font colour is black whatever the fill.
          const Rgb ink = colour && !colour->automatic ? colour->rgb : kBlack;
          if (nearColour(ink, fill)) reasons.emplace_back(Hiding::kSameColour, "colour " + hexColour(ink) + " on " + hexColour(fill));
          const Hiding h = reasons.empty() ? Hiding::kVisible : reasons.front().first;
          if (auto st = pending.add(o_.sink, seg.text, h, joinWhy(reasons), whereFn); !st) return st;
        }
        if (auto st = pending.flush(o_.sink); !st) return st;
      }
    }

    auto rels = readRelationships(o_.zip, part, o_.limits);
    if (!rels) return rels.error();
    for (const auto& r : *rels) {
      if (r.external) continue;
      if (r.type == "comments" || r.type == "threadedComment") {
        if (auto st = comments(r.target, prefix, r.type == "threadedComment"); !st) return st;
      } else if (r.type == "drawing") {
        if (auto st = drawing(r.target, prefix, sheet); !st) return st;
      }
    }
    return {};
  }

  core::Status comments(const std::string& part, const std::string& prefix, bool threaded) {
    auto xml = readXml(o_.zip, part, o_.limits);
    if (!xml) return xml.error();
    if (!*xml) return {};
    Node list = threaded ? (*xml)->root() : (*xml)->root().child("commentList");
    const char* element = threaded ? "threadedComment" : "comment";
    for (Node c = list.child(element); c; c = c.next_sibling(element)) {
      std::string text;
      Node body = c.child("text");
      if (threaded) appendOwnText(body, text);
      else {
        appendOwnText(body.child("t"), text);
        for (Node r = body.child("r"); r; r = r.next_sibling("r")) appendOwnText(r.child("t"), text);
      }
      if (auto st = o_.sink.add(text, prefix + c.attribute("ref").value() + (threaded ? " threaded comment" : " comment"),
                                Hiding::kComment, "cell comment");
          !st)
        return st;
    }
    return {};
  }

  core::Status drawing(const std::string& part, const std::string& prefix, const Sheet& sheet) {
    auto xml = readXml(o_.zip, part, o_.limits);
    if (!xml) return xml.error();
    if (!*xml) return {};
    long n = 0;
    auto st = eachDescendant((*xml)->root(), "xdr:sp", [&](Node s) -> core::Status {
      ++n;
      Node nv = cNvPr(s);
      std::string label = nv.attribute("name").value();
      const std::string where = prefix + "shape " + (label.empty() ? std::to_string(n) : quoted(label));
      for (const char* attr : {"descr", "title"})
        if (auto st = o_.sink.add(nv.attribute(attr).value(), where + " " + attr, Hiding::kAltText,
                                  std::string("alt text (") + attr + ")");
            !st)
          return st;
      DmlScope scope;
      scope.hiding = sheet.hiding;
      scope.why = sheet.why;
      if (truthy(nv.attribute("hidden").value()) && scope.hiding == Hiding::kVisible) {
        scope.hiding = Hiding::kVanish;
        scope.why = "hidden shape";
      }
      dmlShapeFill(s, o_.theme, scope);
      return dmlTextBody(o_, s.child("xdr:txBody"), scope, where);
    });
    if (!st) return st;
    return eachDescendant((*xml)->root(), "xdr:pic", [&](Node s) -> core::Status {
      Node nv = cNvPr(s);
      const std::string where = prefix + "picture " + quoted(nv.attribute("name").value());
      for (const char* attr : {"descr", "title"})
        if (auto st = o_.sink.add(nv.attribute(attr).value(), where + " " + attr, Hiding::kAltText,
                                  std::string("alt text (") + attr + ")");
            !st)
          return st;
      return {};
    });
  }

  Office& o_;
  XlStyles styles_;
  std::vector<XlString> shared_;
};

}  // namespace

core::Result<Document> extractOoxml(std::string_view bytes, Format format, const Limits& limits) {
  auto zip = ZipArchive::open(bytes, limits);
  if (!zip) return zip.error();
  Document doc;
  doc.format = format;
  Office o{*zip, limits, RunSink(doc, limits), Theme()};
  auto main = ooxmlMainPart(o.zip, limits);
  if (!main) return main.error();
  std::string part = *main;
  if (part.empty()) {
    part = format == Format::kDocx ? "word/document.xml" : format == Format::kXlsx ? "xl/workbook.xml" : "ppt/presentation.xml";
  }
  core::Status st;
  switch (format) {
    case Format::kDocx: st = extractDocx(o, part); break;
    case Format::kXlsx: st = Xlsx(o).run(part); break;
    case Format::kPptx: st = Pptx(o).run(part); break;
    default: return core::makeError(core::Code::kInvalidArgument, "not an OOXML format");
  }
  if (!st) return st.error();
  if (st = extractProperties(o); !st) return st.error();
  noteEmbedded(o);
  return doc;
}

}  // namespace airlock::inspect
