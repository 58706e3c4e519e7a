// odt, ods, odp: the text of an OpenDocument package in reading order, with how each piece is
// kept from a reader (extractors.h). content.xml holds the body and automatic styles,
// styles.xml the named and default styles, page layouts and master pages (headers, footers,
// page size and colour), meta.xml the properties. Parts are read with ZipArchive and parseXml
// (no DOCTYPE, no entities, namespaces canonicalised, depth bounded).
//
// Styles: a style's properties are its parent chain's (style:parent-style-name, bounded) over the
// family's default style; text properties of a paragraph style, then of each enclosing
// text:span, apply to the text. Judged: text:display="none" (hidden character attribute),
// fo:font-size <= 2 pt (percentages resolved against the inherited size), fo:color against the
// span's fo:background-color, the paragraph's, the table cell's or frame's fill, the page's
// (else white; on a slide, the topmost picture or filled shape under the text's shape,
// the master's background objects included; use-window-font-color is automatic and never judged), opacity <= 5 %
// (loext:opacity, style:text-opacity), a fixed fo:line-height <= 2 pt; text:hidden-text and
// text:hidden-paragraph fields (unless text:is-hidden="false"), sections with text:display
// none or condition; frames outside the page. Tracked deletions (text:tracked-changes) are not
// text a reader sees: noted, not read.
// ods: sheets whose table style has table:display="false", rows and columns with
// table:visibility collapse or filter, covered (merged-away) cells; repeated rows, columns and
// cells are counted, never expanded (a repeated cell with text is one run, its where says how
// many times).
// odp: draw:page in order; hidden slides (drawing-page style presentation:visibility hidden),
// hidden shapes (draw:display none), shapes outside the page, speaker notes (presentation:notes),
// alt text (svg:title, svg:desc), comments (office:annotation).
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

constexpr int kMaxChain = 32;
constexpr long kMaxColumns = 16384;    // LibreOffice Calc's widest sheet
constexpr long kMaxRows = 1L << 24;    // more than any spreadsheet has; counters saturate here
constexpr long kMaxSpaces = 1000;      // text:s text:c="…": spaces shown, bounded
constexpr size_t kMaxBackdrops = 1000;  // pictures and filled shapes remembered per slide

std::string quoted(std::string_view s) { return "'" + std::string(s) + "'"; }

std::string columnName(long col) {  // 1 → A
  std::string s;
  while (col > 0 && s.size() < 8) {
    s.insert(s.begin(), static_cast<char>('A' + (col - 1) % 26));
    col = (col - 1) / 26;
  }
  return s;
}

template <typename T>
void take(std::optional<T>& base, const std::optional<T>& top) {
  if (top) base = top;
}

// A length in points ("0.5cm", "12pt"); nullopt for percentages and anything else.
std::optional<double> length(Node n, const char* attr) {
  pugi::xml_attribute a = n.attribute(attr);
  if (!a) return std::nullopt;
  std::string_view v = a.value();
  if (v.empty() || v.back() == '%') return std::nullopt;
  auto d = parseMeasure(v, 1);
  // ODF lengths always carry a unit: a bare number is not a length.
  if (!d || v.find_first_of("abcdefghijklmnopqrstuvwxyz") == std::string_view::npos) return std::nullopt;
  return d;
}
std::optional<double> percent(Node n, const char* attr) {
  std::string_view v = n.attribute(attr).value();
  if (v.empty() || v.back() != '%') return std::nullopt;
  return parseMeasure(v.substr(0, v.size() - 1), 1);
}
// "#rrggbb" → colour; "transparent" → explicitly none.
std::optional<std::optional<Rgb>> background(Node n, const char* attr) {
  pugi::xml_attribute a = n.attribute(attr);
  if (!a) return std::nullopt;
  std::string_view v = a.value();
  if (v == "transparent") return std::optional<Rgb>();
  if (auto c = parseHexRgb(v)) return std::optional<Rgb>(*c);
  return std::nullopt;
}
// draw:fill="solid" draw:fill-color="#…" → colour; none → explicitly none; bitmap, gradient,
// hatch → unknown (colour cannot be judged against it).
struct Fill {
  enum class Kind { kNone, kSolid, kUnknown } kind = Kind::kNone;
  Rgb rgb;
};
std::optional<Fill> drawFill(Node props) {
  std::string_view fill = props.attribute("draw:fill").value();
  if (fill.empty()) {
    if (auto bg = background(props, "fo:background-color")) return *bg ? Fill{Fill::Kind::kSolid, **bg} : Fill{};
    return std::nullopt;
  }
  if (fill == "none") return Fill{};
  if (fill == "solid") {
    if (auto c = parseHexRgb(props.attribute("draw:fill-color").value())) return Fill{Fill::Kind::kSolid, *c};
    return Fill{Fill::Kind::kUnknown, {}};
  }
  return Fill{Fill::Kind::kUnknown, {}};
}

struct Props {
  // text
  std::optional<double> sizePt;
  std::optional<double> sizePercent;  // of the inherited size, when no absolute size follows
  std::optional<Rgb> colour;
  std::optional<bool> autoColour;
  std::optional<std::optional<Rgb>> textBackground;
  std::optional<bool> hidden;
  std::optional<double> opacity;  // percent
  // paragraph
  std::optional<double> lineHeightPt;
  std::optional<std::optional<Rgb>> paraBackground;
  // table cell, table, drawing page, graphic
  std::optional<std::optional<Rgb>> cellBackground;
  std::optional<bool> tableHidden;
  std::optional<bool> pageHidden;
  std::optional<Fill> fill;

  void overlay(const Props& t) {
    // A percentage is of the size it is laid over; kept as a percentage until there is one.
    if (t.sizePt) {
      sizePt = t.sizePt;
      sizePercent.reset();
    } else if (t.sizePercent) {
      if (sizePt) sizePt = *sizePt * *t.sizePercent / 100;
      else sizePercent = sizePercent.value_or(100) * *t.sizePercent / 100;
    }
    // Opacity belongs to the colour it modifies: a layer that sets a colour sets its opacity
    // too (LibreOffice writes loext:opacity="0%" next to the automatic colour, whose alpha
    // byte reads as transparent; it means nothing there).
    if (t.colour || t.autoColour) opacity = t.opacity;
    else take(opacity, t.opacity);
    take(colour, t.colour);
    if (t.colour && !t.autoColour) autoColour = false;
    take(autoColour, t.autoColour);
    take(textBackground, t.textBackground);
    take(hidden, t.hidden);
    take(lineHeightPt, t.lineHeightPt);
    take(paraBackground, t.paraBackground);
    take(cellBackground, t.cellBackground);
    take(tableHidden, t.tableHidden);
    take(pageHidden, t.pageHidden);
    take(fill, t.fill);
  }
};

Props parseProps(Node style) {
  Props p;
  if (Node t = style.child("style:text-properties")) {
    p.sizePt = length(t, "fo:font-size");
    p.sizePercent = percent(t, "fo:font-size");
    p.colour = parseHexRgb(t.attribute("fo:color").value());
    if (pugi::xml_attribute a = t.attribute("style:use-window-font-color"))
      p.autoColour = std::string_view(a.value()) == "true";
    p.textBackground = background(t, "fo:background-color");
    std::string_view display = t.attribute("text:display").value();
    if (display == "none") p.hidden = true;
    else if (display == "true") p.hidden = false;
    if (auto o = percent(t, "loext:opacity")) p.opacity = o;
    if (auto o = percent(t, "style:text-opacity")) p.opacity = o;
  }
  if (Node pp = style.child("style:paragraph-properties")) {
    p.lineHeightPt = length(pp, "fo:line-height");
    p.paraBackground = background(pp, "fo:background-color");
  }
  if (Node c = style.child("style:table-cell-properties")) p.cellBackground = background(c, "fo:background-color");
  if (Node t = style.child("style:table-properties")) {
    std::string_view d = t.attribute("table:display").value();
    if (!d.empty()) p.tableHidden = d == "false";
  }
  if (Node d = style.child("style:drawing-page-properties")) {
    std::string_view v = d.attribute("presentation:visibility").value();
    if (!v.empty()) p.pageHidden = v == "hidden";
    p.fill = drawFill(d);
  }
  if (Node g = style.child("style:graphic-properties")) p.fill = drawFill(g);
  return p;
}

class OdfStyles {
 public:
  void load(Node stylesContainer, bool automatic) {
    for (Node s = stylesContainer.first_child(); s; s = s.next_sibling()) {
      if (named(s, "style:default-style")) {
        defaults_[s.attribute("style:family").value()] = parseProps(s);
      } else if (named(s, "style:style")) {
        Style st{s.attribute("style:parent-style-name").value(), parseProps(s)};
        const std::string key = std::string(s.attribute("style:family").value()) + "\n" + s.attribute("style:name").value();
        // Automatic styles (content.xml) are loaded first and win over same-named ones.
        styles_.emplace(key, std::move(st));
        (void)automatic;
      } else if (named(s, "style:page-layout")) {
        Node p = s.child("style:page-layout-properties");
        PageLayout layout;
        if (auto w = length(p, "fo:page-width")) layout.width = *w;
        if (auto h = length(p, "fo:page-height")) layout.height = *h;
        if (auto f = drawFill(p); f && f->kind == Fill::Kind::kSolid) layout.background = f->rgb;
        layouts_[s.attribute("style:name").value()] = layout;
      }
    }
  }
  // The family's default style, the named chain, the style itself.
  Props resolve(std::string_view family, std::string_view name) {
    const std::string key = std::string(family) + "\n" + std::string(name);
    if (auto it = cache_.find(key); it != cache_.end()) return it->second;
    std::vector<const Style*> chain;
    std::string cur(name);
    for (int i = 0; i < kMaxChain && !cur.empty(); ++i) {
      auto it = styles_.find(std::string(family) + "\n" + cur);
      if (it == styles_.end() || std::find(chain.begin(), chain.end(), &it->second) != chain.end()) break;
      chain.push_back(&it->second);
      cur = it->second.parent;
    }
    Props p;
    if (auto d = defaults_.find(std::string(family)); d != defaults_.end()) p = d->second;
    for (auto it = chain.rbegin(); it != chain.rend(); ++it) p.overlay((*it)->props);
    cache_.emplace(key, p);
    return p;
  }
  // Only the style's own chain (for spans: laid over what encloses them).
  Props resolveOwn(std::string_view family, std::string_view name) {
    std::vector<const Style*> chain;
    std::string cur(name);
    for (int i = 0; i < kMaxChain && !cur.empty(); ++i) {
      auto it = styles_.find(std::string(family) + "\n" + cur);
      if (it == styles_.end() || std::find(chain.begin(), chain.end(), &it->second) != chain.end()) break;
      chain.push_back(&it->second);
      cur = it->second.parent;
    }
    Props p;
    for (auto it = chain.rbegin(); it != chain.rend(); ++it) p.overlay((*it)->props);
    return p;
  }

  struct PageLayout {
    double width = 595.3, height = 841.9;  // A4 in points
    std::optional<Rgb> background;
  };
  PageLayout layout(std::string_view name) const {
    auto it = layouts_.find(std::string(name));
    return it == layouts_.end() ? PageLayout{} : it->second;
  }

 private:
  struct Style {
    std::string parent;
    Props props;
  };
  std::unordered_map<std::string, Style> styles_;
  std::unordered_map<std::string, Props> defaults_;
  std::unordered_map<std::string, Props> cache_;
  std::unordered_map<std::string, PageLayout> layouts_;
};

// What encloses text: a hidden section, sheet, row, slide or shape; a cell's or frame's fill.
struct Scope {
  Hiding hiding = Hiding::kVisible;
  std::string why;
  std::optional<Rgb> background;
  bool backgroundUnknown = false;
  Props text;              // text properties from the shape's style (odp)
  std::string fixedWhere;  // every run here has this where ("sheet 'Data' B7", "slide 2 shape 'x'")
};

class Pending {
 public:
  core::Status add(RunSink& sink, std::string_view text, Hiding hiding, const std::string& why, const std::string& where) {
    if (text.empty()) return {};
    if (auto st = sink.check(text_.size() + text.size()); !st) return st;
    if (active_ && hiding == hiding_ && why == why_) {
      text_ += text;
      return {};
    }
    if (auto st = flush(sink); !st) return st;
    active_ = true;
    text_.assign(text);
    hiding_ = hiding;
    why_ = why;
    where_ = where;
    return {};
  }
  core::Status flush(RunSink& sink) {
    if (!active_) return {};
    active_ = false;
    return sink.add(text_, std::move(where_), hiding_, std::move(why_));
  }

 private:
  bool active_ = false;
  std::string text_;
  Hiding hiding_ = Hiding::kVisible;
  std::string why_, where_;
};

class Odf {
 public:
  Odf(ZipArchive& zip, const Limits& limits, Document& doc)
      : zip_(zip), limits_(limits), sink_(doc, limits), depth_(limits.maxDepth) {}

  core::Status run(Format format) {
    auto content = readXml(zip_, "content.xml", limits_);
    if (!content) return content.error();
    auto styles = readXml(zip_, "styles.xml", limits_);
    if (!styles) return styles.error();
    if (!*content && !*styles) return core::makeError(core::Code::kInvalidArgument, "odf: no content.xml");
    // LibreOffice's style templates carry only styles.xml: their headers, footers and properties
    // are still read.
    if (!*content) sink_.note("no content.xml: only the styles part and the properties are read");
    Node contentRoot = *content ? (*content)->root() : Node();
    styles_.load(contentRoot.child("office:automatic-styles"), true);
    Node stylesRoot = *styles ? (*styles)->root() : Node();
    styles_.load(stylesRoot.child("office:styles"), false);
    styles_.load(stylesRoot.child("office:automatic-styles"), true);
    Node masters = stylesRoot.child("office:master-styles");
    for (Node m = masters.child("style:master-page"); m; m = m.next_sibling("style:master-page")) {
      Master master;
      master.layout = styles_.layout(m.attribute("style:page-layout-name").value());
      master.drawingPage = styles_.resolve("drawing-page", m.attribute("draw:style-name").value());
      master.node = m;
      masters_.emplace(m.attribute("style:name").value(), master);
      if (firstMaster_.empty()) firstMaster_ = m.attribute("style:name").value();
    }
    const Master page = master(firstMaster_);
    pageBackground_ = page.layout.background;
    pageWidth_ = page.layout.width;
    pageHeight_ = page.layout.height;

    Node body = contentRoot.child("office:body");
    core::Status st;
    if (format == Format::kOdt) {
      part_ = "content.xml";
      st = flow(body.child("office:text"), nullptr, Scope{});
      // Headers and footers of the master pages.
      for (Node m = masters.child("style:master-page"); st && m; m = m.next_sibling("style:master-page")) {
        for (Node hf = m.first_child(); st && hf; hf = hf.next_sibling()) {
          std::string_view n = hf.name();
          if (!n.starts_with("style:header") && !n.starts_with("style:footer")) continue;
          part_ = "styles.xml " + std::string(n.substr(6));
          paragraphs_ = 0;
          st = flow(hf, nullptr, Scope{});
        }
      }
    } else if (format == Format::kOds) {
      part_ = "content.xml";
      for (Node t = body.child("office:spreadsheet").child("table:table"); st && t; t = t.next_sibling("table:table"))
        st = sheet(t);
    } else {
      part_ = "content.xml";
      long number = 0;
      for (Node p = body.child("office:presentation").child("draw:page"); st && p; p = p.next_sibling("draw:page"))
        st = slide(p, ++number);
    }
    if (!st) return st;
    if (sawDeletions_) sink_.note("tracked deletions (not inspected: not shown in the document)");
    if (auto m = meta(); !m) return m;
    for (const auto& e : zip_.entries()) {
      std::string_view n = e.name;
      if ((n.starts_with("Object ") || n.starts_with("ObjectReplacements/") || n.starts_with("Basic/")) &&
          !n.ends_with("/"))
        sink_.note("embedded object " + e.name + " (not inspected)");
    }
    return {};
  }

 private:
  struct Master {
    OdfStyles::PageLayout layout;
    Props drawingPage;
    Node node;  // the style:master-page, whose background objects lie under every slide
  };
  Master master(std::string_view name) const {
    auto it = masters_.find(std::string(name));
    return it == masters_.end() ? Master{} : it->second;
  }

  struct Para {
    long number = 0;
    long runs = 0;          // numbered as text is met: a span's text starts a new run
    bool newRun = true;
    Props props;  // paragraph style
    Pending pending;
    bool hidden = false;  // a text:hidden-paragraph field
  };

  std::string whereOf(const Scope& scope, const Para& para) const {
    if (!scope.fixedWhere.empty()) return scope.fixedWhere;
    return part_ + " paragraph " + std::to_string(para.number) + " run " + std::to_string(para.runs);
  }

  std::pair<Hiding, std::string> judge(const Props& p, const Para& para, const Scope& scope) const {
    std::vector<std::pair<Hiding, std::string>> reasons;
    if (p.hidden.value_or(false)) reasons.emplace_back(Hiding::kVanish, "hidden text (text:display none)");
    if (para.hidden) reasons.emplace_back(Hiding::kVanish, "hidden paragraph (text:hidden-paragraph)");
    if (scope.hiding != Hiding::kVisible) reasons.emplace_back(scope.hiding, scope.why);
    const std::optional<double> size = p.sizePt ? p.sizePt : p.sizePercent ? std::optional<double>(12 * *p.sizePercent / 100) : std::nullopt;
    if (size && *size <= 2) reasons.emplace_back(Hiding::kTinyFont, "font size " + pointsText(*size));
    if (p.opacity && *p.opacity <= 5 && !p.autoColour.value_or(false))
      reasons.emplace_back(Hiding::kTransparent, "text opacity " + std::to_string(std::lround(*p.opacity)) + " %");
    if (p.colour && !p.autoColour.value_or(false) && !scope.backgroundUnknown) {
      Rgb bg = pageBackground_.value_or(kWhite);
      if (p.textBackground && *p.textBackground) bg = **p.textBackground;
      else if (para.props.paraBackground && *para.props.paraBackground) bg = **para.props.paraBackground;
      else if (scope.background) bg = *scope.background;
      if (nearColour(*p.colour, bg))
        reasons.emplace_back(Hiding::kSameColour, "colour " + hexColour(*p.colour) + " on " + hexColour(bg));
    }
    if (para.props.lineHeightPt && *para.props.lineHeightPt <= 2)
      reasons.emplace_back(Hiding::kTinySpacing, "line height " + pointsText(*para.props.lineHeightPt) + " (fixed)");
    if (reasons.empty()) return {Hiding::kVisible, {}};
    std::string why;
    for (const auto& r : reasons) why += (why.empty() ? "" : "; ") + r.second;
    return {reasons.front().first, why};
  }

  // Block-level content: paragraphs, headings, lists, sections, tables, frames.
  core::Status flow(Node n, Para* para, const Scope& scope) {
    if (auto st = depth_.enter(part_); !st) return st;
    auto st = flowChildren(n, para, scope);
    depth_.leave();
    return st;
  }

  core::Status flowChildren(Node n, Para* para, const Scope& scope) {
    for (Node c = n.first_child(); c; c = c.next_sibling()) {
      if (c.type() != pugi::node_element) continue;
      std::string_view name = c.name();
      core::Status st;
      if (name == "text:p" || name == "text:h") {
        if (para != nullptr) st = para->pending.flush(sink_);
        if (st) st = paragraph(c, scope);
      } else if (name == "text:section") {
        Scope inner = scope;
        std::string_view display = c.attribute("text:display").value();
        if ((display == "none" || display == "condition") && inner.hiding == Hiding::kVisible) {
          inner.hiding = Hiding::kVanish;
          inner.why = display == "none" ? "hidden section" : "conditionally hidden section";
        }
        st = flow(c, para, inner);
      } else if (name == "table:table-cell" || name == "table:covered-table-cell") {
        Scope inner = scope;
        Props cell = styles_.resolve("table-cell", c.attribute("table:style-name").value());
        if (cell.cellBackground && *cell.cellBackground) inner.background = **cell.cellBackground;
        st = flow(c, para, inner);
      } else if (name == "draw:frame" || name == "draw:custom-shape" || name == "draw:rect" || name == "draw:g" ||
                 name == "draw:ellipse" || name == "draw:polygon" || name == "draw:path") {
        if (para != nullptr) st = para->pending.flush(sink_);
        if (st) st = shape(c, scope, pageWidth_, pageHeight_);
      } else if (name == "office:annotation") {
        st = annotation(c, scope);
      } else if (name == "text:tracked-changes") {
        sawDeletions_ = sawDeletions_ || static_cast<bool>(c.first_child());
      } else if (name == "office:forms" || name == "text:sequence-decls" || name == "table:table-columns" ||
                 name == "table:table-column" || name == "text:variable-decls" || name == "text:user-field-decls" ||
                 name == "svg:title" || name == "svg:desc") {
        continue;
      } else {
        st = flow(c, para, scope);
      }
      if (!st) return st;
    }
    return {};
  }

  core::Status paragraph(Node p, const Scope& scope) {
    Para para;
    para.number = ++paragraphs_;
    para.props = scope.text;
    para.props.overlay(styles_.resolve("paragraph", p.attribute("text:style-name").value()));
    auto st = eachDescendant(p, "text:hidden-paragraph", [&](Node h) {
      if (std::string_view(h.attribute("text:is-hidden").value()) != "false") para.hidden = true;
      return core::Status();
    });
    if (!st) return st;
    if (st = inlines(p, para, para.props, scope); !st) return st;
    return para.pending.flush(sink_);
  }

  core::Status inlines(Node n, Para& para, const Props& props, const Scope& scope) {
    if (auto st = depth_.enter(part_); !st) return st;
    auto st = inlineChildren(n, para, props, scope);
    depth_.leave();
    return st;
  }

  core::Status inlineChildren(Node n, Para& para, const Props& props, const Scope& scope) {
    for (Node c = n.first_child(); c; c = c.next_sibling()) {
      core::Status st;
      if (c.type() == pugi::node_pcdata || c.type() == pugi::node_cdata) {
        st = text(c.value(), para, props, scope);
      } else if (c.type() != pugi::node_element) {
        continue;
      } else if (named(c, "text:span")) {
        para.newRun = true;
        Props inner = props;
        inner.overlay(styles_.resolveOwn("text", c.attribute("text:style-name").value()));
        st = inlines(c, para, inner, scope);
        para.newRun = true;
      } else if (named(c, "text:s")) {
        const long count = std::clamp<long>(static_cast<long>(parseMeasure(c.attribute("text:c").value(), 1).value_or(1)), 1, kMaxSpaces);
        st = text(std::string(static_cast<std::size_t>(count), ' '), para, props, scope);
      } else if (named(c, "text:tab")) {
        st = text("\t", para, props, scope);
      } else if (named(c, "text:line-break")) {
        st = text("\n", para, props, scope);
      } else if (named(c, "text:hidden-text")) {
        if (std::string_view(c.attribute("text:is-hidden").value()) != "false") {
          std::string hidden = c.attribute("text:string-value").value();
          if (hidden.empty()) appendAllText(c, hidden);
          ++para.runs;
          st = para.pending.flush(sink_);
          if (st) st = sink_.add(hidden, whereOf(scope, para), Hiding::kVanish, "hidden text field (text:hidden-text)");
          para.newRun = true;
        }
      } else if (named(c, "office:annotation")) {
        st = para.pending.flush(sink_);
        if (st) st = annotation(c, scope);
      } else if (named(c, "text:note")) {
        // A footnote: its citation inline, its body as paragraphs of its own.
        st = text(c.child("text:note-citation").child_value(), para, props, scope);
        if (st) st = para.pending.flush(sink_);
        if (st) st = flow(c.child("text:note-body"), nullptr, scope);
      } else if (named(c, "draw:frame") || named(c, "draw:custom-shape") || named(c, "draw:rect") || named(c, "draw:g") ||
                 named(c, "draw:ellipse")) {
        st = para.pending.flush(sink_);
        if (st) st = shape(c, scope, pageWidth_, pageHeight_);
      } else if (named(c, "text:tracked-changes") || named(c, "text:bookmark") || named(c, "text:bookmark-start") ||
                 named(c, "text:bookmark-end") || named(c, "text:hidden-paragraph") || named(c, "office:annotation-end") ||
                 named(c, "text:change") || named(c, "text:soft-page-break")) {
        continue;
      } else {
        st = inlines(c, para, props, scope);  // text:a, text:ruby, fields with their shown value
      }
      if (!st) return st;
    }
    return {};
  }

  core::Status text(std::string_view t, Para& para, const Props& props, const Scope& scope) {
    if (t.empty()) return {};
    if (para.newRun) {
      ++para.runs;
      para.newRun = false;
    }
    const auto [hiding, why] = judge(props, para, scope);
    return para.pending.add(sink_, t, hiding, why, whereOf(scope, para));
  }

  core::Status annotation(Node a, const Scope& scope) {
    std::string text;
    long paragraphs = 0;
    auto st = eachDescendant(a, "text:p", [&](Node p) {
      if (paragraphs++ > 0) text += '\n';
      appendAllText(p, text);
      return core::Status();
    });
    if (!st) return st;
    ++comments_;
    return sink_.add(text, scope.fixedWhere.empty() ? part_ + " comment " + std::to_string(comments_) : scope.fixedWhere + " comment",
                     Hiding::kComment, "comment");
  }

  // A drawing shape or frame: alt text, hidden or off the page, its fill behind its text.
  core::Status shape(Node s, const Scope& scope, double pageW, double pageH) {
    if (auto st = depth_.enter(part_); !st) return st;
    auto st = shapeContent(s, scope, pageW, pageH);
    depth_.leave();
    return st;
  }

  core::Status shapeContent(Node s, const Scope& scope, double pageW, double pageH) {
    ++shapes_;
    std::string label = s.attribute("draw:name").value();
    const std::string where = (scope.fixedWhere.empty() ? part_ : scope.fixedWhere) + " shape " +
                              (label.empty() ? std::to_string(shapes_) : quoted(label));
    for (const char* el : {"svg:title", "svg:desc"}) {
      std::string alt;
      appendAllText(s.child(el), alt);
      if (auto st = sink_.add(alt, where + " " + (el + 4), Hiding::kAltText, std::string("alt text (") + el + ")"); !st)
        return st;
    }
    Scope inner = scope;
    inner.fixedWhere = slideMode_ ? where : scope.fixedWhere;
    if (std::string_view(s.attribute("draw:display").value()) == "none" && inner.hiding == Hiding::kVisible) {
      inner.hiding = Hiding::kVanish;
      inner.why = "hidden shape";
    }
    // Anchored to the page the position is absolute; to a paragraph or character it is relative
    // to somewhere on the page, so only a box beyond a whole page's size is off it.
    std::string_view anchor = s.attribute("text:anchor-type").value();
    const bool absolute = slideMode_ || anchor == "page";
    if (auto box = shapeBox(s); box && inner.hiding == Hiding::kVisible &&
        (box->x >= pageW || box->y >= pageH || box->x + box->w <= (absolute ? 0 : -pageW) ||
         box->y + box->h <= (absolute ? 0 : -pageH))) {
      inner.hiding = Hiding::kOffPage;
      inner.why = "shape outside the page (at " + pointsText(box->x) + ", " + pointsText(box->y) + ")";
    }
    Props style;
    if (pugi::xml_attribute a = s.attribute("presentation:style-name")) style = styles_.resolve("presentation", a.value());
    if (pugi::xml_attribute a = s.attribute("draw:style-name")) style.overlay(styles_.resolve("graphic", a.value()));
    if (style.fill) {
      if (style.fill->kind == Fill::Kind::kSolid) inner.background = style.fill->rgb;
      else if (style.fill->kind == Fill::Kind::kUnknown) inner.backgroundUnknown = true;
    }
    inner.text.overlay(style);
    inner.text.fill.reset();
    inner.text.paraBackground.reset();
    if (pugi::xml_attribute a = s.attribute("draw:text-style-name"))
      inner.text.overlay(styles_.resolve("paragraph", a.value()));
    if (named(s, "draw:g")) {
      // Group members are positioned on the page themselves.
      for (Node c = s.first_child(); c; c = c.next_sibling()) {
        if (c.type() != pugi::node_element || named(c, "svg:title") || named(c, "svg:desc")) continue;
        if (auto st = shape(c, inner, pageW, pageH); !st) return st;
      }
      return {};
    }
    Node box = named(s, "draw:frame") ? s.child("draw:text-box") : s;
    return flow(box, nullptr, inner);
  }

  core::Status sheet(Node table) {
    const std::string name = table.attribute("table:name").value();
    const std::string prefix = "sheet " + quoted(name) + " ";
    Scope base;
    Props tableStyle = styles_.resolve("table", table.attribute("table:style-name").value());
    if (tableStyle.tableHidden.value_or(false)) {
      base.hiding = Hiding::kHiddenSheet;
      base.why = "sheet " + quoted(name) + " is hidden";
    }
    // Column runs: [first, first + count) with their visibility and default cell style.
    struct ColumnRun {
      long first, count;
      std::string visibility;
      std::string cellStyle;
    };
    std::vector<ColumnRun> columns;
    long nextColumn = 1;
    auto st = eachDescendant(table, "table:table-column", [&](Node c) {
      if (nextColumn > kMaxColumns) return core::Status();
      const long repeat = std::clamp<long>(
          static_cast<long>(parseMeasure(c.attribute("table:number-columns-repeated").value(), 1).value_or(1)), 1,
          kMaxColumns);
      columns.push_back({nextColumn, repeat, c.attribute("table:visibility").value(),
                         c.attribute("table:default-cell-style-name").value()});
      nextColumn += repeat;
      return core::Status();
    });
    if (!st) return st;
    auto columnAt = [&](long col) -> const ColumnRun* {
      auto it = std::upper_bound(columns.begin(), columns.end(), col, [](long c, const ColumnRun& r) { return c < r.first; });
      if (it == columns.begin()) return nullptr;
      --it;
      return col < it->first + it->count ? &*it : nullptr;
    };
    long rowNo = 0;
    // Rows sit directly in the table or in row groups, header rows, table:table-rows.
    return eachDescendant(table, "table:table-row", [&](Node row) -> core::Status {
      const long rowRepeat = std::clamp<long>(
          static_cast<long>(parseMeasure(row.attribute("table:number-rows-repeated").value(), 1).value_or(1)), 1, kMaxRows);
      const long first = rowNo + 1;
      rowNo = std::min(kMaxRows, rowNo + rowRepeat);
      std::string_view rowVisibility = row.attribute("table:visibility").value();
      const std::string rowCellStyle = row.attribute("table:default-cell-style-name").value();
      long colNo = 0;
      for (Node cell = row.first_child(); cell; cell = cell.next_sibling()) {
        const bool covered = named(cell, "table:covered-table-cell");
        if (!covered && !named(cell, "table:table-cell")) continue;
        const long repeat = std::clamp<long>(
            static_cast<long>(parseMeasure(cell.attribute("table:number-columns-repeated").value(), 1).value_or(1)), 1,
            kMaxColumns);
        const long col = colNo + 1;
        colNo = std::min(kMaxColumns * 64, colNo + repeat);
        bool hasText = false;
        for (Node c = cell.first_child(); c && !hasText; c = c.next_sibling())
          hasText = c.type() == pugi::node_element;
        if (!hasText) continue;
        Scope scope = base;
        std::string where = prefix + columnName(col) + std::to_string(first);
        if (repeat > 1) where += ":" + columnName(std::min(colNo, kMaxColumns)) + std::to_string(first);
        if (rowRepeat > 1) where += " (row repeated " + std::to_string(rowRepeat) + " times)";
        scope.fixedWhere = where;
        const ColumnRun* column = columnAt(col);
        if (scope.hiding == Hiding::kVisible && (rowVisibility == "collapse" || rowVisibility == "filter")) {
          scope.hiding = Hiding::kHiddenRow;
          scope.why = "row " + std::to_string(first) + (rowVisibility == "filter" ? " is filtered out" : " is hidden");
        }
        if (scope.hiding == Hiding::kVisible && column != nullptr &&
            (column->visibility == "collapse" || column->visibility == "filter")) {
          scope.hiding = Hiding::kHiddenColumn;
          scope.why = "column " + columnName(col) + (column->visibility == "filter" ? " is filtered out" : " is hidden");
        }
        if (scope.hiding == Hiding::kVisible && covered) {
          scope.hiding = Hiding::kBehind;
          scope.why = "covered by a merged cell";
        }
        std::string_view styleName = cell.attribute("table:style-name").value();
        if (styleName.empty()) styleName = rowCellStyle;
        if (styleName.empty() && column != nullptr) styleName = column->cellStyle;
        Props cellStyle = styles_.resolve("table-cell", styleName);
        if (cellStyle.cellBackground && *cellStyle.cellBackground) scope.background = **cellStyle.cellBackground;
        scope.text = cellStyle;
        scope.text.cellBackground.reset();
        if (auto s = flow(cell, nullptr, scope); !s) return s;
      }
      return {};
    });
  }

  core::Status slide(Node page, long number) {
    slideMode_ = true;
    const std::string prefix = "slide " + std::to_string(number);
    const Master m = master(page.attribute("draw:master-page-name").value());
    Props pageStyle = m.drawingPage;
    pageStyle.overlay(styles_.resolve("drawing-page", page.attribute("draw:style-name").value()));
    Scope scope;
    scope.fixedWhere = prefix;
    if (pageStyle.fill && pageStyle.fill->kind == Fill::Kind::kSolid) scope.background = pageStyle.fill->rgb;
    else if (pageStyle.fill && pageStyle.fill->kind == Fill::Kind::kUnknown) scope.backgroundUnknown = true;
    else if (m.layout.background) scope.background = m.layout.background;
    if (pageStyle.pageHidden.value_or(false)) {
      scope.hiding = Hiding::kVanish;
      scope.why = "hidden slide";
    }
    shapes_ = 0;
    comments_ = 0;  // numbered per slide, as in pptx
    // What lies under a shape's text: the master's background objects, then the slide's shapes
    // in drawing order. Text on a picture or a coloured shape is judged against it, not the page.
    std::vector<Backdrop> backdrops;
    const double pageW = m.layout.width, pageH = m.layout.height;
    for (Node s = m.node.first_child(); s; s = s.next_sibling()) {
      if (s.type() == pugi::node_element && !s.attribute("presentation:class"))
        addBackdrops(s, backdrops);
    }
    for (Node s = page.first_child(); s; s = s.next_sibling()) {
      if (s.type() != pugi::node_element) continue;
      core::Status st;
      if (named(s, "presentation:notes")) {
        st = notes(s, prefix);
      } else if (named(s, "office:annotation")) {
        std::string text;
        long paragraphs = 0;
        st = eachDescendant(s, "text:p", [&](Node p) {
          if (paragraphs++ > 0) text += '\n';
          appendAllText(p, text);
          return core::Status();
        });
        if (st) st = sink_.add(text, prefix + " comment " + std::to_string(++comments_), Hiding::kComment, "comment");
      } else if (std::string_view(s.name()).starts_with("draw:")) {
        Scope under = scope;
        if (auto box = shapeBox(s)) {
          const double cx = box->x + box->w / 2, cy = box->y + box->h / 2;
          for (auto b = backdrops.rbegin(); b != backdrops.rend(); ++b) {
            if (cx < b->box.x || cx > b->box.x + b->box.w || cy < b->box.y || cy > b->box.y + b->box.h) continue;
            if (b->fill.kind == Fill::Kind::kSolid) under.background = b->fill.rgb;
            else under.backgroundUnknown = true;
            break;
          }
        }
        st = shape(s, under, pageW, pageH);
        addBackdrops(s, backdrops);
      }
      if (!st) return st;
    }
    return {};
  }

  struct Box {
    double x = 0, y = 0, w = 0, h = 0;
  };
  struct Backdrop {
    Box box;
    Fill fill;  // solid or unknown
  };
  // A shape's box on the page in points. A rotated shape carries its position in draw:transform,
  // "rotate (a) translate (x y)" (a skew before them is ignored): the box is the bounds of its
  // corners turned by a (counter-clockwise, y down) about its origin, then moved to x y.
  static std::optional<Box> shapeBox(Node s) {
    const double w = length(s, "svg:width").value_or(0), h = length(s, "svg:height").value_or(0);
    auto x = length(s, "svg:x"), y = length(s, "svg:y");
    if (x || y) return Box{x.value_or(0), y.value_or(0), w, h};
    std::string_view t = s.attribute("draw:transform").value();
    auto args = [&](std::string_view fn) -> std::vector<double> {
      std::vector<double> out;
      const auto at = t.find(fn);
      if (at == std::string_view::npos) return out;
      std::string_view rest = t.substr(at + fn.size());
      const auto open = rest.find('('), close = rest.find(')');
      if (open == std::string_view::npos || close == std::string_view::npos || close < open) return out;
      rest = rest.substr(open + 1, close - open - 1);
      while (!rest.empty() && out.size() < 2) {
        while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
        const auto end = std::min(rest.find(' '), rest.size());
        if (end > 0) {
          if (auto v = parseMeasure(rest.substr(0, end), 1)) out.push_back(*v);
          else return {};
        }
        rest.remove_prefix(end);
      }
      return out;
    };
    const auto move = args("translate");
    if (move.empty()) return std::nullopt;
    const auto turn = args("rotate");
    const double a = turn.empty() ? 0 : turn[0];
    const double c = std::cos(a), sn = std::sin(a);
    double minX = 0, minY = 0, maxX = 0, maxY = 0;
    for (auto [cx, cy] : {std::pair{w, 0.0}, std::pair{0.0, h}, std::pair{w, h}}) {
      const double rx = cx * c + cy * sn, ry = -cx * sn + cy * c;
      minX = std::min(minX, rx), maxX = std::max(maxX, rx), minY = std::min(minY, ry), maxY = std::max(maxY, ry);
    }
    return Box{move[0] + minX, (move.size() > 1 ? move[1] : 0) + minY, maxX - minX, maxY - minY};
  }
  // A picture, or a shape filled with anything but nothing, hides what is under it.
  void addBackdrops(Node s, std::vector<Backdrop>& out) {
    if (out.size() >= kMaxBackdrops) return;
    if (named(s, "draw:g")) {
      for (Node c = s.first_child(); c; c = c.next_sibling())
        if (c.type() == pugi::node_element) addBackdrops(c, out);
      return;
    }
    auto box = shapeBox(s);
    if (!box) return;
    if (named(s, "draw:frame") && s.child("draw:image")) {
      out.push_back({*box, Fill{Fill::Kind::kUnknown, {}}});
      return;
    }
    Props style;
    if (pugi::xml_attribute a = s.attribute("presentation:style-name")) style = styles_.resolve("presentation", a.value());
    if (pugi::xml_attribute a = s.attribute("draw:style-name")) style.overlay(styles_.resolve("graphic", a.value()));
    if (style.fill && style.fill->kind != Fill::Kind::kNone) out.push_back({*box, *style.fill});
  }

  // The notes page: every frame's text but the header, footer, date and page number (the slide
  // thumbnail is a draw:page-thumbnail). LibreOffice drops presentation:class="notes" from
  // frames it does not treat as the placeholder, so the class cannot be required.
  core::Status notes(Node n, const std::string& prefix) {
    return eachDescendant(n, "draw:frame", [&](Node f) -> core::Status {
      std::string_view cls = f.attribute("presentation:class").value();
      if (cls == "header" || cls == "footer" || cls == "date-time" || cls == "page-number") return {};
      std::string text;
      long paragraphs = 0;
      auto st = eachDescendant(f, "text:p", [&](Node p) {
        if (paragraphs++ > 0) text += '\n';
        appendAllText(p, text);
        return core::Status();
      });
      if (!st) return st;
      return sink_.add(text, prefix + " notes", Hiding::kNotes, "speaker notes");
    });
  }

  core::Status meta() {
    auto xml = readXml(zip_, "meta.xml", limits_);
    if (!xml) return xml.error();
    if (!*xml) return {};
    for (Node c = (*xml)->root().child("office:meta").first_child(); c; c = c.next_sibling()) {
      if (c.type() != pugi::node_element) continue;
      std::string text;
      appendAllText(c, text, "\n");
      std::string where = "meta.xml " + std::string(c.name());
      if (named(c, "meta:user-defined")) where += " " + quoted(c.attribute("meta:name").value());
      if (auto st = sink_.add(text, where, Hiding::kMetadata, "document property"); !st) return st;
    }
    return {};
  }

  ZipArchive& zip_;
  const Limits& limits_;
  RunSink sink_;
  OdfStyles styles_;
  std::unordered_map<std::string, Master> masters_;
  std::string firstMaster_;
  std::optional<Rgb> pageBackground_;
  double pageWidth_ = 595.3, pageHeight_ = 841.9;
  std::string part_;
  long paragraphs_ = 0;
  long comments_ = 0;
  long shapes_ = 0;
  bool slideMode_ = false;
  bool sawDeletions_ = false;
  DepthGuard depth_;
};

}  // namespace

core::Result<Document> extractOdf(std::string_view bytes, Format format, const Limits& limits) {
  if (format != Format::kOdt && format != Format::kOds && format != Format::kOdp)
    return core::makeError(core::Code::kInvalidArgument, "not an OpenDocument format");
  auto zip = ZipArchive::open(bytes, limits);
  if (!zip) return zip.error();
  Document doc;
  doc.format = format;
  Odf odf(*zip, limits, doc);
  if (auto st = odf.run(format); !st) return st.error();
  return doc;
}

}  // namespace airlock::inspect
