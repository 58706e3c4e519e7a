#include "inspect/inspect.h"

#include <algorithm>
#include <array>

#include "core/text.h"
#include "inspect/extractors.h"

namespace airlock::inspect {

namespace {

constexpr std::array<std::pair<Format, std::string_view>, 15> kFormats{{
    {Format::kUnknown, "unknown"}, {Format::kText, "text"}, {Format::kMarkdown, "markdown"},
    {Format::kCsv, "csv"},         {Format::kJson, "json"}, {Format::kHtml, "html"},
    {Format::kEml, "eml"},         {Format::kRtf, "rtf"},   {Format::kDocx, "docx"},
    {Format::kXlsx, "xlsx"},       {Format::kPptx, "pptx"}, {Format::kOdt, "odt"},
    {Format::kOds, "ods"},         {Format::kOdp, "odp"},   {Format::kPdf, "pdf"},
}};

std::string_view extensionOf(std::string_view name) {
  auto slash = name.find_last_of('/');
  if (slash != std::string_view::npos) name.remove_prefix(slash + 1);
  auto dot = name.find_last_of('.');
  return dot == std::string_view::npos ? std::string_view() : name.substr(dot + 1);
}

}  // namespace

std::string_view formatName(Format format) {
  for (const auto& [f, n] : kFormats)
    if (f == format) return n;
  return "unknown";
}

Format parseFormat(std::string_view name) {
  const std::string lower = core::asciiLower(name);
  for (const auto& [f, n] : kFormats)
    if (n == lower) return f;
  if (lower == "txt") return Format::kText;
  if (lower == "md") return Format::kMarkdown;
  if (lower == "htm") return Format::kHtml;
  return Format::kUnknown;
}

std::string_view hidingName(Hiding hiding) {
  switch (hiding) {
    case Hiding::kVisible: return "visible";
    case Hiding::kVanish: return "vanish";
    case Hiding::kTinyFont: return "tiny-font";
    case Hiding::kSameColour: return "same-colour";
    case Hiding::kTinySpacing: return "tiny-spacing";
    case Hiding::kTransparent: return "transparent";
    case Hiding::kOffPage: return "off-page";
    case Hiding::kBehind: return "behind";
    case Hiding::kHiddenSheet: return "hidden-sheet";
    case Hiding::kHiddenRow: return "hidden-row";
    case Hiding::kHiddenColumn: return "hidden-column";
    case Hiding::kAriaHidden: return "aria-hidden";
    case Hiding::kComment: return "comment";
    case Hiding::kNotes: return "notes";
    case Hiding::kAltText: return "alt-text";
    case Hiding::kMetadata: return "metadata";
  }
  return "visible";
}

bool concealed(Hiding hiding) { return hiding >= Hiding::kVanish && hiding <= Hiding::kAriaHidden; }

std::string_view findingKindName(FindingKind kind) {
  switch (kind) {
    case FindingKind::kHidden: return "hidden";
    case FindingKind::kUnicodeTags: return "unicode-tags";
    case FindingKind::kZeroWidth: return "zero-width";
    case FindingKind::kBidi: return "bidi";
    case FindingKind::kHomoglyph: return "homoglyph";
    case FindingKind::kInstruction: return "instruction";
  }
  return "hidden";
}

int Report::maxScore() const {
  int m = 0;
  for (const auto& f : findings) m = std::max(m, f.score);
  return m;
}

Format sniff(std::string_view bytes, std::string_view name) {
  if (bytes.starts_with("%PDF-")) return Format::kPdf;
  // A PDF may start after some junk (readers look in the first 1 KiB).
  if (bytes.substr(0, 1024).find("%PDF-") != std::string_view::npos) return Format::kPdf;
  if (bytes.starts_with("PK\x03\x04") || bytes.starts_with("PK\x05\x06")) {
    const Format zipped = sniffZip(bytes);
    if (zipped != Format::kUnknown) return zipped;
    return Format::kUnknown;
  }
  if (bytes.starts_with("{\\rtf")) return Format::kRtf;
  const Format byName = parseFormat(extensionOf(name));
  switch (byName) {
    case Format::kText:
    case Format::kMarkdown:
    case Format::kCsv:
    case Format::kJson:
    case Format::kHtml:
    case Format::kEml:
      return byName;
    default:
      break;
  }
  const std::string head = core::asciiLower(bytes.substr(0, 512));
  auto firstNonSpace = head.find_first_not_of(" \t\r\n\xef\xbb\xbf");
  std::string_view start = firstNonSpace == std::string::npos ? std::string_view() : std::string_view(head).substr(firstNonSpace);
  if (start.starts_with("<!doctype html") || start.starts_with("<html") || start.starts_with("<head") ||
      start.starts_with("<body"))
    return Format::kHtml;
  if (start.starts_with("{") || start.starts_with("[")) return Format::kJson;
  if (head.starts_with("from:") || head.starts_with("received:") || head.starts_with("return-path:") ||
      head.starts_with("mime-version:") || head.starts_with("message-id:") || head.starts_with("delivered-to:"))
    return Format::kEml;
  if (extensionOf(name).empty() || byName == Format::kUnknown) return Format::kText;
  return byName;
}

bool hidesFromText(std::string_view head, std::string_view name) {
  if (head.starts_with("PK\x03\x04") || head.starts_with("%PDF-") || head.starts_with("{\\rtf")) return true;
  const Format byName = parseFormat(extensionOf(name));
  return byName == Format::kHtml || byName == Format::kEml || byName == Format::kPdf;
}

core::Result<Document> extract(std::string_view bytes, Format format, const Limits& limits) {
  if (bytes.size() > limits.maxInputBytes)
    return core::makeError(core::Code::kInvalidArgument, "document is " + std::to_string(bytes.size()) +
                                                             " bytes, over the limit of " +
                                                             std::to_string(limits.maxInputBytes));
  switch (format) {
    case Format::kText:
    case Format::kMarkdown:
    case Format::kCsv:
    case Format::kJson:
      return extractText(bytes, format, limits);
    case Format::kHtml: return extractHtml(bytes, limits);
    case Format::kEml: return extractEml(bytes, limits);
    case Format::kRtf: return extractRtf(bytes, limits);
    case Format::kDocx:
    case Format::kXlsx:
    case Format::kPptx:
      return extractOoxml(bytes, format, limits);
    case Format::kOdt:
    case Format::kOds:
    case Format::kOdp:
      return extractOdf(bytes, format, limits);
    case Format::kPdf: return extractPdf(bytes, limits);
    case Format::kUnknown: break;
  }
  return core::makeError(core::Code::kInvalidArgument, "unknown document format");
}

core::Result<Report> inspect(std::string_view bytes, std::string_view name, const Limits& limits, Format format) {
  if (format == Format::kUnknown) format = sniff(bytes, name);
  auto doc = extract(bytes, format, limits);
  if (!doc) return doc.error();
  return analyze(*doc);
}

}  // namespace airlock::inspect
