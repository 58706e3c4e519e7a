#include "inspect/office_xml.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>

#include "core/text.h"

namespace airlock::inspect {

namespace {

struct Namespace {
  std::string_view uri;
  std::string_view prefix;
};
// The conventional prefix of each namespace the extractors look at (transitional and strict
// OOXML alike). Names in the default namespace of SpreadsheetML, relationship, content-type and
// property parts stay unprefixed, as those parts are written.
constexpr Namespace kNamespaces[] = {
    {"http://schemas.openxmlformats.org/wordprocessingml/2006/main", "w"},
    {"http://purl.oclc.org/ooxml/wordprocessingml/main", "w"},
    {"http://schemas.openxmlformats.org/drawingml/2006/main", "a"},
    {"http://purl.oclc.org/ooxml/drawingml/main", "a"},
    {"http://schemas.openxmlformats.org/presentationml/2006/main", "p"},
    {"http://purl.oclc.org/ooxml/presentationml/main", "p"},
    {"http://schemas.openxmlformats.org/officeDocument/2006/relationships", "r"},
    {"http://purl.oclc.org/ooxml/officeDocument/relationships", "r"},
    {"http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing", "wp"},
    {"http://purl.oclc.org/ooxml/drawingml/wordprocessingDrawing", "wp"},
    {"http://schemas.microsoft.com/office/word/2010/wordprocessingShape", "wps"},
    {"http://schemas.microsoft.com/office/word/2010/wordprocessingGroup", "wpg"},
    {"http://schemas.openxmlformats.org/markup-compatibility/2006", "mc"},
    {"urn:schemas-microsoft-com:vml", "v"},
    {"http://schemas.openxmlformats.org/drawingml/2006/picture", "pic"},
    {"http://purl.oclc.org/ooxml/drawingml/picture", "pic"},
    {"http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing", "xdr"},
    {"http://purl.oclc.org/ooxml/drawingml/spreadsheetDrawing", "xdr"},
    {"http://schemas.microsoft.com/office/powerpoint/2018/8/main", "p188"},
    {"http://purl.org/dc/elements/1.1/", "dc"},
    {"http://purl.org/dc/terms/", "dcterms"},
    {"http://schemas.openxmlformats.org/package/2006/metadata/core-properties", "cp"},
    {"http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes", "vt"},
    {"http://purl.oclc.org/ooxml/officeDocument/docPropsVTypes", "vt"},
    {"http://schemas.openxmlformats.org/spreadsheetml/2006/main", ""},
    {"http://purl.oclc.org/ooxml/spreadsheetml/main", ""},
    {"http://schemas.openxmlformats.org/package/2006/relationships", ""},
    {"http://schemas.openxmlformats.org/package/2006/content-types", ""},
    {"http://schemas.openxmlformats.org/officeDocument/2006/extended-properties", ""},
    {"http://purl.oclc.org/ooxml/officeDocument/extendedProperties", ""},
    {"http://schemas.openxmlformats.org/officeDocument/2006/custom-properties", ""},
    {"http://purl.oclc.org/ooxml/officeDocument/customProperties", ""},
    {"http://schemas.microsoft.com/office/spreadsheetml/2018/threadedcomments", ""},
    {"urn:oasis:names:tc:opendocument:xmlns:office:1.0", "office"},
    {"urn:oasis:names:tc:opendocument:xmlns:style:1.0", "style"},
    {"urn:oasis:names:tc:opendocument:xmlns:text:1.0", "text"},
    {"urn:oasis:names:tc:opendocument:xmlns:table:1.0", "table"},
    {"urn:oasis:names:tc:opendocument:xmlns:drawing:1.0", "draw"},
    {"urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0", "fo"},
    {"urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0", "svg"},
    {"urn:oasis:names:tc:opendocument:xmlns:presentation:1.0", "presentation"},
    {"urn:oasis:names:tc:opendocument:xmlns:meta:1.0", "meta"},
    {"urn:org:documentfoundation:names:experimental:office:xmlns:loext:1.0", "loext"},
    {"http://www.w3.org/1999/xlink", "xlink"},
};
constexpr std::string_view kUnknownPrefix = "x-unknown";

bool conventionalPrefix(std::string_view prefix) {
  return std::any_of(std::begin(kNamespaces), std::end(kNamespaces), [&](const Namespace& n) { return n.prefix == prefix; });
}

struct Binding {
  std::string_view prefix;
  std::string_view canonical;
};

std::string_view canonicalFor(std::string_view prefix, std::string_view uri) {
  for (const auto& n : kNamespaces)
    if (n.uri == uri) return n.prefix;
  return conventionalPrefix(prefix) ? kUnknownPrefix : prefix;
}

// Rewrites `name` (an element's or attribute's) to its namespace's conventional prefix. A
// prefix that is not bound is left as it is (the name is then matched literally).
template <typename Node>
void canonicalise(Node node, const std::vector<Binding>& bindings, bool isAttribute, std::string& scratch) {
  std::string_view name = node.name();
  const auto colon = name.find(':');
  std::string_view prefix = colon == std::string_view::npos ? std::string_view() : name.substr(0, colon);
  if (isAttribute && (colon == std::string_view::npos || prefix == "xmlns" || prefix == "xml"))
    return;  // unprefixed attributes are in no namespace
  if (prefix == "xml") return;
  const Binding* found = nullptr;
  for (auto it = bindings.rbegin(); it != bindings.rend(); ++it) {
    if (it->prefix == prefix) {
      found = &*it;
      break;
    }
  }
  if (found == nullptr || found->canonical == prefix) return;
  std::string_view local = colon == std::string_view::npos ? name : name.substr(colon + 1);
  scratch.assign(found->canonical);
  if (!scratch.empty()) scratch += ':';
  scratch.append(local);
  node.set_name(scratch.c_str());
}

// One iterative pass: canonicalises names while any binding in scope maps a prefix to another
// one, and refuses nesting deeper than the limit on the way.
core::Status normalise(XmlPart& part, const Limits& limits) {
  std::vector<Binding> bindings;
  std::vector<std::size_t> marks;  // bindings.size() when each open element was entered
  std::size_t remapping = 0;       // bindings in scope whose prefix is not their canonical one
  std::string scratch;
  auto popTo = [&](std::size_t size) {
    while (bindings.size() > size) {
      if (bindings.back().canonical != bindings.back().prefix) --remapping;
      bindings.pop_back();
    }
  };
  pugi::xml_node n = part.doc.first_child();
  auto bad = [&](std::string what) {
    return core::makeError(core::Code::kInvalidArgument, part.name + ": " + std::move(what));
  };
  while (n) {
    bool descend = false;
    const pugi::xml_node_type type = n.type();
    if (type == pugi::node_doctype) return bad("has a DOCTYPE (refused: office XML never has one)");
    if (type == pugi::node_element) {
      if (marks.size() >= limits.maxDepth) return bad("XML nesting deeper than " + std::to_string(limits.maxDepth));
      marks.push_back(bindings.size());
      for (pugi::xml_attribute a = n.first_attribute(); a; a = a.next_attribute()) {
        const char* an = a.name();
        if (std::strncmp(an, "xmlns", 5) != 0) continue;
        Binding b;
        if (an[5] == '\0') b = {"", canonicalFor("", a.value())};
        else if (an[5] == ':') b = {an + 6, canonicalFor(an + 6, a.value())};
        else continue;
        if (b.canonical != b.prefix) ++remapping;
        bindings.push_back(b);
      }
      if (remapping > 0) {
        canonicalise(n, bindings, false, scratch);
        for (pugi::xml_attribute a = n.first_attribute(); a; a = a.next_attribute()) canonicalise(a, bindings, true, scratch);
      }
      descend = static_cast<bool>(n.first_child());
      if (!descend) {
        popTo(marks.back());
        marks.pop_back();
      }
    }
    if (descend) {
      n = n.first_child();
      continue;
    }
    while (n && !n.next_sibling()) {
      n = n.parent();
      if (n.type() != pugi::node_element) {
        n = pugi::xml_node();
        break;
      }
      popTo(marks.back());
      marks.pop_back();
    }
    if (n) n = n.next_sibling();
  }
  return {};
}

void appendValidUtf8(std::string& out, std::string_view in) {
  const auto* s = reinterpret_cast<const unsigned char*>(in.data());
  const std::size_t n = in.size();
  std::size_t i = 0, runStart = 0;
  // ASCII, eight bytes at a time: most office text is.
  while (i + 8 <= n) {
    std::uint64_t w;
    std::memcpy(&w, s + i, 8);
    if (w & 0x8080808080808080ull) break;
    i += 8;
  }
  auto cont = [&](std::size_t k) { return k < n && (s[k] & 0xC0) == 0x80; };
  while (i < n) {
    const unsigned char c = s[i];
    std::size_t len = 0;
    if (c < 0x80) len = 1;
    else if (c >= 0xC2 && c <= 0xDF && cont(i + 1)) len = 2;
    else if (c >= 0xE0 && c <= 0xEF && cont(i + 1) && cont(i + 2)) {
      const unsigned char d = s[i + 1];
      if ((c == 0xE0 && d < 0xA0) || (c == 0xED && d > 0x9F)) len = 0;
      else len = 3;
    } else if (c >= 0xF0 && c <= 0xF4 && cont(i + 1) && cont(i + 2) && cont(i + 3)) {
      const unsigned char d = s[i + 1];
      if ((c == 0xF0 && d < 0x90) || (c == 0xF4 && d > 0x8F)) len = 0;
      else len = 4;
    }
    if (len == 0) {
      out.append(in.data() + runStart, i - runStart);
      out += "\xEF\xBF\xBD";
      ++i;
      runStart = i;
    } else {
      i += len;
    }
  }
  out.append(in.data() + runStart, n - runStart);
}

struct Hsl {
  double h = 0, s = 0, l = 0;
};
Hsl toHsl(Rgb c) {
  const double r = c.r / 255.0, g = c.g / 255.0, b = c.b / 255.0;
  const double mx = std::max({r, g, b}), mn = std::min({r, g, b});
  Hsl o;
  o.l = (mx + mn) / 2;
  if (mx == mn) return o;
  const double d = mx - mn;
  o.s = o.l > 0.5 ? d / (2 - mx - mn) : d / (mx + mn);
  if (mx == r) o.h = (g - b) / d + (g < b ? 6 : 0);
  else if (mx == g) o.h = (b - r) / d + 2;
  else o.h = (r - g) / d + 4;
  o.h /= 6;
  return o;
}
double hueChannel(double p, double q, double t) {
  if (t < 0) t += 1;
  if (t > 1) t -= 1;
  if (t < 1.0 / 6) return p + (q - p) * 6 * t;
  if (t < 0.5) return q;
  if (t < 2.0 / 3) return p + (q - p) * (2.0 / 3 - t) * 6;
  return p;
}
std::uint8_t channel(double v) { return static_cast<std::uint8_t>(std::lround(std::clamp(v, 0.0, 1.0) * 255)); }
Rgb fromHsl(Hsl x) {
  x.l = std::clamp(x.l, 0.0, 1.0);
  if (x.s == 0) return {channel(x.l), channel(x.l), channel(x.l)};
  const double q = x.l < 0.5 ? x.l * (1 + x.s) : x.l + x.s - x.l * x.s;
  const double p = 2 * x.l - q;
  return {channel(hueChannel(p, q, x.h + 1.0 / 3)), channel(hueChannel(p, q, x.h)), channel(hueChannel(p, q, x.h - 1.0 / 3))};
}

std::optional<long> intAttr(pugi::xml_node n, const char* name) {
  pugi::xml_attribute a = n.attribute(name);
  if (!a) return std::nullopt;
  std::string_view v = a.value();
  if (v.empty() || v.size() > 12) return std::nullopt;
  long x = 0;
  bool neg = false;
  std::size_t i = 0;
  if (v[0] == '-') {
    neg = true;
    i = 1;
  }
  if (i == v.size()) return std::nullopt;
  for (; i < v.size(); ++i) {
    if (v[i] < '0' || v[i] > '9') return std::nullopt;
    x = x * 10 + (v[i] - '0');
  }
  return neg ? -x : x;
}

std::string percentDecode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && core::hexDigitValue(s[i + 1]) >= 0 && core::hexDigitValue(s[i + 2]) >= 0) {
      out += static_cast<char>(core::hexDigitValue(s[i + 1]) * 16 + core::hexDigitValue(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

}  // namespace

core::Result<XmlPartPtr> parseXml(std::string text, std::string_view name, const Limits& limits) {
  auto part = std::make_unique<XmlPart>();
  part->name = name;
  part->buffer = std::move(text);
  // Before the in-place parse changes the buffer: how often "xmlns" appears at all. When every
  // occurrence is a declaration on the root element and none remaps a prefix, no name needs
  // rewriting and the walk below can be skipped (the walkers bound their own recursion).
  std::size_t xmlnsSeen = 0;
  for (std::size_t at = part->buffer.find("xmlns"); at != std::string::npos; at = part->buffer.find("xmlns", at + 5))
    ++xmlnsSeen;
  // Whitespace-only character data is kept: <w:t xml:space="preserve"> </w:t> is a space.
  const unsigned options = pugi::parse_default | pugi::parse_doctype | pugi::parse_ws_pcdata;
  const pugi::xml_parse_result r =
      part->doc.load_buffer_inplace(part->buffer.data(), part->buffer.size(), options, pugi::encoding_auto);
  if (!r) {
    return core::makeError(core::Code::kInvalidArgument, std::string(name) + ": XML is not well-formed at byte " +
                                                             std::to_string(r.offset) + " (" + r.description() + ")");
  }
  for (pugi::xml_node top = part->doc.first_child(); top; top = top.next_sibling())
    if (top.type() == pugi::node_doctype)
      return core::makeError(core::Code::kInvalidArgument, std::string(name) + ": has a DOCTYPE (refused: office XML never has one)");
  if (!part->root()) return core::makeError(core::Code::kInvalidArgument, std::string(name) + ": no XML root element");
  std::size_t rootDeclarations = 0;
  bool rootRemaps = false;
  for (pugi::xml_attribute a = part->root().first_attribute(); a; a = a.next_attribute()) {
    const char* an = a.name();
    if (std::strncmp(an, "xmlns", 5) != 0 || (an[5] != '\0' && an[5] != ':')) continue;
    ++rootDeclarations;
    const std::string_view prefix = an[5] == ':' ? std::string_view(an + 6) : std::string_view();
    if (canonicalFor(prefix, a.value()) != prefix) rootRemaps = true;
  }
  if (rootRemaps || xmlnsSeen != rootDeclarations) {
    if (auto st = normalise(*part, limits); !st) return st.error();
  }
  return part;
}

core::Result<XmlPartPtr> readXml(ZipArchive& zip, std::string_view name, const Limits& limits) {
  if (!zip.contains(name)) return XmlPartPtr();
  auto text = zip.read(name);
  if (!text) return text.error();
  return parseXml(std::move(*text), zip.find(name)->name, limits);
}

void appendOwnText(pugi::xml_node n, std::string& out) {
  for (pugi::xml_node c = n.first_child(); c; c = c.next_sibling())
    if (c.type() == pugi::node_pcdata || c.type() == pugi::node_cdata) out += c.value();
}

void appendAllText(pugi::xml_node n, std::string& out, std::string_view separator) {
  // Iterative: the tree's depth is bounded, but there is no need to recurse.
  pugi::xml_node c = n.first_child();
  pugi::xml_node lastParent;
  while (c && c != n) {
    // White space between elements is indentation, not text.
    const bool indentation = c.type() == pugi::node_pcdata && std::string_view(c.value()).find_first_not_of(" \t\r\n") == std::string_view::npos &&
                             ((c.previous_sibling() && c.previous_sibling().type() == pugi::node_element) ||
                              (c.next_sibling() && c.next_sibling().type() == pugi::node_element));
    if ((c.type() == pugi::node_pcdata || c.type() == pugi::node_cdata) && !indentation) {
      if (!out.empty() && lastParent && lastParent != c.parent()) out += separator;
      out += c.value();
      lastParent = c.parent();
    }
    if (c.first_child()) {
      c = c.first_child();
      continue;
    }
    while (c && c != n && !c.next_sibling()) c = c.parent();
    if (c && c != n) c = c.next_sibling();
  }
}

std::string relsPathFor(std::string_view part) {
  const auto slash = part.rfind('/');
  std::string dir(slash == std::string_view::npos ? std::string_view() : part.substr(0, slash + 1));
  std::string_view base = slash == std::string_view::npos ? part : part.substr(slash + 1);
  return dir + "_rels/" + std::string(base) + ".rels";
}

std::string resolvePartName(std::string_view fromPart, std::string_view target) {
  std::string path;
  const std::string t = percentDecode(target.substr(0, target.find('#')));
  if (!t.empty() && t[0] == '/') {
    path = t.substr(1);
  } else {
    const auto slash = fromPart.rfind('/');
    if (slash != std::string_view::npos) path.assign(fromPart.substr(0, slash + 1));
    path += t;
  }
  std::vector<std::string_view> segs;
  std::string_view rest = path;
  while (!rest.empty()) {
    const auto slash = rest.find('/');
    std::string_view seg = rest.substr(0, slash);
    rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
    if (seg.empty() || seg == ".") continue;
    if (seg == "..") {
      if (segs.empty()) return "";
      segs.pop_back();
      continue;
    }
    segs.push_back(seg);
  }
  std::string out;
  for (std::size_t i = 0; i < segs.size(); ++i) {
    if (i) out += '/';
    out.append(segs[i]);
  }
  return out;
}

core::Result<std::vector<Relationship>> readRelationships(ZipArchive& zip, std::string_view part, const Limits& limits) {
  std::vector<Relationship> rels;
  auto xml = readXml(zip, relsPathFor(part), limits);
  if (!xml) return xml.error();
  if (!*xml) return rels;
  for (pugi::xml_node r = (*xml)->root().first_child(); r; r = r.next_sibling()) {
    if (!named(r, "Relationship")) continue;
    Relationship rel;
    rel.id = r.attribute("Id").value();
    std::string_view type = r.attribute("Type").value();
    const auto slash = type.rfind('/');
    rel.type = std::string(slash == std::string_view::npos ? type : type.substr(slash + 1));
    rel.external = std::string_view(r.attribute("TargetMode").value()) == "External";
    rel.target = rel.external ? std::string(r.attribute("Target").value())
                              : resolvePartName(part, r.attribute("Target").value());
    rels.push_back(std::move(rel));
  }
  return rels;
}

const Relationship* findRelationship(const std::vector<Relationship>& rels, std::string_view key, bool byType) {
  for (const auto& r : rels)
    if ((byType ? r.type : r.id) == key) return &r;
  return nullptr;
}

core::Result<std::string> ooxmlMainPart(ZipArchive& zip, const Limits& limits) {
  auto rels = readRelationships(zip, "", limits);
  if (!rels) return rels.error();
  const Relationship* main = findRelationship(*rels, "officeDocument", true);
  if (main == nullptr || main->external) return std::string();
  return main->target;
}

Format ooxmlFormatOf(ZipArchive& zip, const Limits& limits) {
  auto main = ooxmlMainPart(zip, limits);
  if (!main || main->empty()) return Format::kUnknown;
  auto types = readXml(zip, "[Content_Types].xml", limits);
  if (!types || !*types) return Format::kUnknown;
  const std::string want = core::asciiLower("/" + *main);
  for (pugi::xml_node o = (*types)->root().first_child(); o; o = o.next_sibling()) {
    if (!named(o, "Override") || core::asciiLower(o.attribute("PartName").value()) != want) continue;
    const std::string type = core::asciiLower(o.attribute("ContentType").value());
    if (!type.ends_with(".main+xml")) return Format::kUnknown;
    if (type.find("wordprocessingml") != std::string::npos || type.find("ms-word") != std::string::npos) return Format::kDocx;
    if (type.find("spreadsheetml") != std::string::npos || type.find("ms-excel") != std::string::npos) return Format::kXlsx;
    if (type.find("presentationml") != std::string::npos || type.find("ms-powerpoint") != std::string::npos)
      return Format::kPptx;
    return Format::kUnknown;
  }
  return Format::kUnknown;
}

Format odfFormatOf(std::string_view mimetype) {
  while (!mimetype.empty() && (mimetype.back() == '\n' || mimetype.back() == '\r' || mimetype.back() == ' '))
    mimetype.remove_suffix(1);
  constexpr std::string_view kPrefix = "application/vnd.oasis.opendocument.";
  if (!mimetype.starts_with(kPrefix)) return Format::kUnknown;
  mimetype.remove_prefix(kPrefix.size());
  if (mimetype == "text" || mimetype == "text-template" || mimetype == "text-master") return Format::kOdt;
  if (mimetype == "spreadsheet" || mimetype == "spreadsheet-template") return Format::kOds;
  if (mimetype == "presentation" || mimetype == "presentation-template") return Format::kOdp;
  return Format::kUnknown;
}

std::optional<Rgb> parseHexRgb(std::string_view hex) {
  if (!hex.empty() && hex[0] == '#') hex.remove_prefix(1);
  if (hex.size() == 8) hex.remove_prefix(2);  // ARGB
  if (hex.size() != 6) return std::nullopt;
  std::uint8_t v[3];
  for (int i = 0; i < 3; ++i) {
    const int hi = core::hexDigitValue(hex[2 * i]), lo = core::hexDigitValue(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    v[i] = static_cast<std::uint8_t>(hi * 16 + lo);
  }
  return Rgb{v[0], v[1], v[2]};
}

bool nearColour(Rgb a, Rgb b) {
  return std::abs(a.r - b.r) <= 0x10 && std::abs(a.g - b.g) <= 0x10 && std::abs(a.b - b.b) <= 0x10;
}

std::string hexColour(Rgb c) {
  constexpr char kHex[] = "0123456789ABCDEF";
  std::string s = "#";
  for (std::uint8_t v : {c.r, c.g, c.b}) {
    s += kHex[v >> 4];
    s += kHex[v & 15];
  }
  return s;
}

Rgb lumModOff(Rgb c, double mod, double off) {
  Hsl h = toHsl(c);
  h.l = h.l * mod + off;
  return fromHsl(h);
}

Rgb excelTint(Rgb c, double tint) {
  Hsl h = toHsl(c);
  if (tint < 0) h.l = h.l * (1 + tint);
  else h.l = h.l * (1 - tint) + tint;
  return fromHsl(h);
}

Rgb wordTint(Rgb c, unsigned tint) {
  auto f = [&](std::uint8_t v) { return static_cast<std::uint8_t>(255 - (255 - v) * std::min(tint, 255u) / 255); };
  return {f(c.r), f(c.g), f(c.b)};
}

Rgb wordShade(Rgb c, unsigned shade) {
  auto f = [&](std::uint8_t v) { return static_cast<std::uint8_t>(v * std::min(shade, 255u) / 255); };
  return {f(c.r), f(c.g), f(c.b)};
}

std::optional<double> parseMeasure(std::string_view v, double perPoint) {
  while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
  while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
  if (!v.empty() && v.front() == '+') v.remove_prefix(1);
  double d = 0;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), d);
  if (ec != std::errc() || !std::isfinite(d)) return std::nullopt;
  std::string_view unit(end, static_cast<std::size_t>(v.data() + v.size() - end));
  if (unit.empty()) return d;
  if (unit == "pt") return d * perPoint;
  if (unit == "in") return d * 72 * perPoint;
  if (unit == "cm") return d * 72 / 2.54 * perPoint;
  if (unit == "mm") return d * 72 / 25.4 * perPoint;
  if (unit == "pc" || unit == "pi") return d * 12 * perPoint;
  if (unit == "px") return d * 0.75 * perPoint;
  return std::nullopt;
}

std::string pointsText(double points) {
  const long tenths = std::lround(points * 10);
  std::string s = std::to_string(tenths / 10);
  if (tenths < 0 && tenths > -10) s = "-0";
  if (tenths % 10 != 0) s += "." + std::to_string(std::labs(tenths % 10));
  return s + " pt";
}

namespace {
constexpr std::string_view kSchemeNames[12] = {"dk1",     "lt1",     "dk2",     "lt2",     "accent1", "accent2",
                                               "accent3", "accent4", "accent5", "accent6", "hlink",   "folHlink"};
// Office's default theme, for documents without a theme part.
constexpr Rgb kDefaultScheme[12] = {{0, 0, 0},       {255, 255, 255}, {0x44, 0x54, 0x6A}, {0xE7, 0xE6, 0xE6},
                                    {0x44, 0x72, 0xC4}, {0xED, 0x7D, 0x31}, {0xA5, 0xA5, 0xA5}, {0xFF, 0xC0, 0x00},
                                    {0x5B, 0x9B, 0xD5}, {0x70, 0xAD, 0x47}, {0x05, 0x63, 0xC1}, {0x95, 0x4F, 0x72}};
int schemeIndex(std::string_view name) {
  for (int i = 0; i < 12; ++i)
    if (kSchemeNames[i] == name) return i;
  return -1;
}
}  // namespace

void Theme::load(pugi::xml_node themeRoot) {
  pugi::xml_node scheme = themeRoot.child("a:themeElements").child("a:clrScheme");
  for (pugi::xml_node c = scheme.first_child(); c; c = c.next_sibling()) {
    std::string_view name = c.name();
    if (!name.starts_with("a:")) continue;
    const int i = schemeIndex(name.substr(2));
    if (i < 0) continue;
    if (auto srgb = c.child("a:srgbClr")) colours_[i] = parseHexRgb(srgb.attribute("val").value());
    else if (auto sys = c.child("a:sysClr")) colours_[i] = parseHexRgb(sys.attribute("lastClr").value());
  }
}

void Theme::loadColourMap(pugi::xml_node clrMap) {
  const char* keys[4] = {"bg1", "tx1", "bg2", "tx2"};
  for (int i = 0; i < 4; ++i) {
    std::string_view v = clrMap.attribute(keys[i]).value();
    if (schemeIndex(v) >= 0) map_[i] = std::string(v);
  }
}

std::optional<Rgb> Theme::scheme(std::string_view name) const {
  static constexpr std::pair<std::string_view, int> kMapped[] = {
      {"bg1", 0}, {"tx1", 1}, {"bg2", 2}, {"tx2", 3}, {"background1", 0}, {"text1", 1}, {"background2", 2}, {"text2", 3}};
  for (const auto& [alias, slot] : kMapped)
    if (alias == name) {
      name = map_[slot];
      break;
    }
  static constexpr std::pair<std::string_view, std::string_view> kWordNames[] = {
      {"dark1", "dk1"}, {"light1", "lt1"}, {"dark2", "dk2"}, {"light2", "lt2"}, {"hyperlink", "hlink"},
      {"followedHyperlink", "folHlink"}};
  for (const auto& [word, dml] : kWordNames)
    if (word == name) name = dml;
  const int i = schemeIndex(name);
  if (i < 0) return std::nullopt;
  return colours_[i] ? colours_[i] : std::optional<Rgb>(kDefaultScheme[i]);
}

std::optional<Rgb> Theme::excelIndex(unsigned index) const {
  static constexpr std::string_view kOrder[12] = {"lt1",     "dk1",     "lt2",     "dk2",     "accent1", "accent2",
                                                  "accent3", "accent4", "accent5", "accent6", "hlink",   "folHlink"};
  if (index >= 12) return std::nullopt;
  return scheme(kOrder[index]);
}

std::optional<DmlColour> dmlColour(pugi::xml_node parent, const Theme& theme) {
  for (pugi::xml_node c = parent.first_child(); c; c = c.next_sibling()) {
    std::optional<Rgb> base;
    if (named(c, "a:srgbClr")) {
      base = parseHexRgb(c.attribute("val").value());
    } else if (named(c, "a:schemeClr")) {
      base = theme.scheme(c.attribute("val").value());
    } else if (named(c, "a:sysClr")) {
      base = parseHexRgb(c.attribute("lastClr").value());
      if (!base) {
        std::string_view v = c.attribute("val").value();
        if (v == "window") base = kWhite;
        else if (v == "windowText") base = kBlack;
      }
    } else if (named(c, "a:prstClr")) {
      std::string_view v = c.attribute("val").value();
      if (v == "white") base = kWhite;
      else if (v == "black") base = kBlack;
    } else if (named(c, "a:scrgbClr")) {
      auto lin = [&](const char* k) {
        const double v = std::clamp(static_cast<double>(intAttr(c, k).value_or(0)) / 100000.0, 0.0, 1.0);
        return channel(std::pow(v, 1 / 2.2));
      };
      base = Rgb{lin("r"), lin("g"), lin("b")};
    } else {
      continue;
    }
    if (!base) return std::nullopt;
    DmlColour out{*base, 100000};
    for (pugi::xml_node m = c.first_child(); m; m = m.next_sibling()) {
      const double v = static_cast<double>(intAttr(m, "val").value_or(100000)) / 100000.0;
      if (named(m, "a:alpha")) out.alpha = static_cast<int>(intAttr(m, "val").value_or(100000));
      else if (named(m, "a:lumMod")) out.rgb = lumModOff(out.rgb, v, 0);
      else if (named(m, "a:lumOff")) out.rgb = lumModOff(out.rgb, 1, v);
      else if (named(m, "a:tint")) {
        auto f = [&](std::uint8_t x) { return channel((x / 255.0) * v + (1 - v)); };
        out.rgb = {f(out.rgb.r), f(out.rgb.g), f(out.rgb.b)};
      } else if (named(m, "a:shade")) {
        auto f = [&](std::uint8_t x) { return channel((x / 255.0) * v); };
        out.rgb = {f(out.rgb.r), f(out.rgb.g), f(out.rgb.b)};
      }
    }
    return out;
  }
  return std::nullopt;
}

core::Status RunSink::add(std::string_view text, std::string where, Hiding hiding, std::string why) {
  if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) return {};
  if (text.size() > left_) return core::makeError(core::Code::kInvalidArgument, "extracted text exceeds the limit of " + std::to_string(limit_) + " bytes");
  Run run;
  run.text.reserve(text.size());
  appendValidUtf8(run.text, text);
  // Replacement characters can make the text longer: count what is kept.
  if (run.text.size() > left_) return core::makeError(core::Code::kInvalidArgument, "extracted text exceeds the limit of " + std::to_string(limit_) + " bytes");
  left_ -= run.text.size();
  run.where = std::move(where);
  run.hiding = hiding;
  run.why = std::move(why);
  doc_.runs.push_back(std::move(run));
  return {};
}

void RunSink::note(std::string note) {
  constexpr std::size_t kMaxNotes = 200;
  if (doc_.notes.size() < kMaxNotes) doc_.notes.push_back(std::move(note));
  else if (doc_.notes.size() == kMaxNotes) doc_.notes.push_back("more notes left out");
}

}  // namespace airlock::inspect
