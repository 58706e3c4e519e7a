// extractOdf on minimal hand-written odt, ods and odp packages: every hiding technique the
// extractor knows, with the exact hiding, why and where; comments, notes, alt text, meta.xml;
// repeated rows and columns counted, never expanded.
#include <gtest/gtest.h>

#include "inspect/extractors.h"
#include "unit/inspect/test_util.h"
#include "unit/inspect/zip_fixture.h"

namespace airlock::inspect {
namespace {

using testing::Entry;
using testing::expectRun;
using testing::findRun;

constexpr std::string_view kNs =
    R"( xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0")"
    R"( xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0")"
    R"( xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0")"
    R"( xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0")"
    R"( xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0")"
    R"( xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0")"
    R"( xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0")"
    R"( xmlns:presentation="urn:oasis:names:tc:opendocument:xmlns:presentation:1.0")"
    R"( xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0")"
    R"( xmlns:dc="http://purl.org/dc/elements/1.1/")"
    R"( xmlns:loext="urn:org:documentfoundation:names:experimental:office:xmlns:loext:1.0")";

std::string odf(std::string_view mimetype, std::string_view automaticStyles, std::string_view body, std::string_view styles,
                std::string_view meta = {}) {
  std::vector<Entry> entries;
  entries.emplace_back("mimetype", std::string(mimetype), false);
  entries.emplace_back("content.xml", "<office:document-content" + std::string(kNs) + "><office:automatic-styles>" +
                                          std::string(automaticStyles) + "</office:automatic-styles><office:body>" +
                                          std::string(body) + "</office:body></office:document-content>");
  entries.emplace_back("styles.xml", "<office:document-styles" + std::string(kNs) + ">" + std::string(styles) +
                                         "</office:document-styles>");
  if (!meta.empty())
    entries.emplace_back("meta.xml", "<office:document-meta" + std::string(kNs) + "><office:meta>" + std::string(meta) +
                                         "</office:meta></office:document-meta>");
  entries.emplace_back("Object 1/content.xml", "<x/>");
  return testing::makeZip(entries);
}

std::string textStyle(std::string_view name, std::string_view props) {
  return R"(<style:style style:name=")" + std::string(name) + R"(" style:family="text"><style:text-properties )" +
         std::string(props) + "/></style:style>";
}

Document extractOk(const std::string& bytes, Format f) {
  auto d = extractOdf(bytes, f, {});
  EXPECT_TRUE(d) << d.error().message;
  return d ? *d : Document{};
}

TEST(Odt, ReportsEveryHidingTechniqueWithWhyAndWhere) {
  const std::string autos =
      textStyle("T1", R"(fo:font-size="1pt")") + textStyle("T2", R"(fo:color="#ffffff")") +
      textStyle("T3", R"(text:display="none")") + textStyle("T4", R"(fo:color="#000000" loext:opacity="0%")") +
      textStyle("T5", R"(fo:font-size="10%")") +
      R"(<style:style style:name="P1" style:family="paragraph"><style:paragraph-properties fo:line-height="1pt"/></style:style>)"
      R"(<style:style style:name="P2" style:family="paragraph"><style:paragraph-properties fo:background-color="#000000"/></style:style>)"
      R"(<style:style style:name="Hid" style:family="paragraph" style:parent-style-name="HiddenBase"/>)"
      R"(<style:style style:name="fr1" style:family="graphic"/>)";
  const std::string body =
      R"(<office:text>)"
      R"(<text:p>Visible start <text:span text:style-name="T3">hidden span</text:span></text:p>)"  // 1
      R"(<text:p><text:span text:style-name="T1">tiny</text:span></text:p>)"                       // 2
      R"(<text:p><text:span text:style-name="T2">white</text:span></text:p>)"                      // 3
      R"(<text:p text:style-name="P1">squeezed</text:p>)"                                          // 4
      R"(<text:p><text:span text:style-name="T4">ghost</text:span></text:p>)"                      // 5
      R"(<text:p>before field<text:hidden-text text:condition="ooow:1" text:string-value="field hidden" text:is-hidden="true"/></text:p>)"  // 6
      R"(<text:p><text:hidden-paragraph text:condition="ooow:1" text:is-hidden="true"/>whole paragraph</text:p>)"  // 7
      R"(<text:section text:name="S" text:display="none"><text:p>in hidden section</text:p></text:section>)"  // 8
      R"(<text:p>commented<office:annotation><dc:creator>A</dc:creator><text:p>a comment</text:p></office:annotation></text:p>)"  // 9
      R"(<text:p><draw:frame draw:name="Frame1" text:anchor-type="page" svg:x="-30cm" svg:y="2cm" svg:width="5cm" svg:height="2cm">)"
      R"(<draw:text-box><text:p>away</text:p></draw:text-box><svg:title>frame title</svg:title></draw:frame></text:p>)"  // 10, 11
      R"(<text:p text:style-name="P2"><text:span text:style-name="T2">white on black</text:span></text:p>)"  // 12
      R"(<text:p text:style-name="Hid">named style hidden</text:p>)"  // 13
      R"(<text:p>x<text:s text:c="100000000"/>y</text:p>)"  // 14
      R"(<text:p><text:span text:style-name="T1">a<text:span text:style-name="T5">b</text:span></text:span></text:p>)"  // 15
      R"(<text:tracked-changes><text:changed-region><text:deletion><text:p>deleted</text:p></text:deletion></text:changed-region></text:tracked-changes>)"
      R"(</office:text>)";
  const std::string styles =
      R"(<office:styles><style:default-style style:family="paragraph"><style:text-properties fo:font-size="12pt"/></style:default-style>)"
      R"(<style:style style:name="HiddenBase" style:family="paragraph"><style:text-properties text:display="none"/></style:style></office:styles>)"
      R"(<office:automatic-styles><style:page-layout style:name="pm1"><style:page-layout-properties fo:page-width="21cm" fo:page-height="29.7cm"/></style:page-layout></office:automatic-styles>)"
      R"(<office:master-styles><style:master-page style:name="Standard" style:page-layout-name="pm1">)"
      R"(<style:footer><text:p><text:span text:style-name="T3">footer secret</text:span></text:p></style:footer></style:master-page></office:master-styles>)";
  const std::string meta = R"(<dc:title>Memo</dc:title><meta:user-defined meta:name="Note">Ignore the memo</meta:user-defined>)";
  const Document d = extractOk(odf("application/vnd.oasis.opendocument.text", autos, body, styles, meta), Format::kOdt);
  EXPECT_EQ(d.format, Format::kOdt);
  expectRun(d, "Visible start ", Hiding::kVisible, "", "content.xml paragraph 1 run 1");
  expectRun(d, "hidden span", Hiding::kVanish, "hidden text (text:display none)", "content.xml paragraph 1 run 2");
  expectRun(d, "tiny", Hiding::kTinyFont, "font size 1 pt", "content.xml paragraph 2 run 1");
  expectRun(d, "white", Hiding::kSameColour, "colour #FFFFFF on #FFFFFF", "content.xml paragraph 3 run 1");
  expectRun(d, "squeezed", Hiding::kTinySpacing, "line height 1 pt (fixed)", "content.xml paragraph 4 run 1");
  expectRun(d, "ghost", Hiding::kTransparent, "text opacity 0 %", "content.xml paragraph 5 run 1");
  expectRun(d, "field hidden", Hiding::kVanish, "hidden text field (text:hidden-text)", "content.xml paragraph 6 run 2");
  expectRun(d, "whole paragraph", Hiding::kVanish, "hidden paragraph (text:hidden-paragraph)", "content.xml paragraph 7 run 1");
  expectRun(d, "in hidden section", Hiding::kVanish, "hidden section", "content.xml paragraph 8 run 1");
  expectRun(d, "a comment", Hiding::kComment, "comment", "content.xml comment 1");
  expectRun(d, "frame title", Hiding::kAltText, "alt text (svg:title)", "content.xml shape 'Frame1' title");
  expectRun(d, "away", Hiding::kOffPage, "shape outside the page (at -850.4 pt, 56.7 pt)", "content.xml paragraph 11 run 1");
  expectRun(d, "white on black", Hiding::kVisible, "", "content.xml paragraph 12 run 1");
  expectRun(d, "named style hidden", Hiding::kVanish, "hidden text (text:display none)", "content.xml paragraph 13 run 1");
  // text:s is bounded: a hundred million spaces are a thousand.
  const inspect::Run* spaces = findRun(d, "x" + std::string(1000, ' ') + "y");
  EXPECT_NE(spaces, nullptr) << testing::dump(d);
  // Percentages are of the inherited size: 10 % of 1 pt.
  expectRun(d, "a", Hiding::kTinyFont, "font size 1 pt", "content.xml paragraph 15 run 1");
  expectRun(d, "b", Hiding::kTinyFont, "font size 0.1 pt", "content.xml paragraph 15 run 2");
  EXPECT_EQ(findRun(d, "deleted"), nullptr);
  expectRun(d, "footer secret", Hiding::kVanish, "hidden text (text:display none)", "styles.xml footer paragraph 1 run 1");
  expectRun(d, "Memo", Hiding::kMetadata, "document property", "meta.xml dc:title");
  expectRun(d, "Ignore the memo", Hiding::kMetadata, "document property", "meta.xml meta:user-defined 'Note'");
  EXPECT_TRUE(testing::hasNote(d, "embedded object Object 1/content.xml (not inspected)")) << testing::dump(d);
  EXPECT_TRUE(testing::hasNote(d, "tracked deletions (not inspected: not shown in the document)")) << testing::dump(d);
}

TEST(Ods, ReportsHiddenSheetsRowsColumnsWithoutExpandingRepeats) {
  const std::string autos =
      R"(<style:style style:name="ta1" style:family="table"><style:table-properties table:display="true"/></style:style>)"
      R"(<style:style style:name="ta2" style:family="table"><style:table-properties table:display="false"/></style:style>)"
      R"(<style:style style:name="ce1" style:family="table-cell"><style:text-properties fo:color="#ffffff"/></style:style>)"
      R"(<style:style style:name="ce2" style:family="table-cell"><style:table-cell-properties fo:background-color="#000000"/><style:text-properties fo:color="#ffffff"/></style:style>)";
  const std::string body =
      R"(<office:spreadsheet><table:table table:name="Data" table:style-name="ta1">)"
      R"(<table:table-column table:number-columns-repeated="2"/><table:table-column table:visibility="collapse"/>)"
      R"(<table:table-column table:number-columns-repeated="16381"/>)"
      R"(<table:table-row><table:table-cell office:value-type="string"><text:p>A1 text</text:p></table:table-cell>)"
      R"(<table:table-cell table:style-name="ce1"><text:p>white cell</text:p></table:table-cell>)"
      R"(<table:table-cell><text:p>hidden column</text:p></table:table-cell>)"
      R"(<table:table-cell table:style-name="ce2"><text:p>white on black</text:p></table:table-cell></table:table-row>)"
      R"(<table:table-row table:visibility="collapse"><table:table-cell><text:p>hidden row</text:p></table:table-cell></table:table-row>)"
      R"(<table:table-row table:visibility="filter"><table:table-cell><text:p>filtered row</text:p></table:table-cell></table:table-row>)"
      R"(<table:table-row><table:table-cell table:number-columns-spanned="2"><text:p>merged</text:p></table:table-cell>)"
      R"(<table:covered-table-cell><text:p>covered</text:p></table:covered-table-cell></table:table-row>)"
      R"(<table:table-row><table:table-cell table:number-columns-repeated="3"><text:p>rep</text:p>)"
      R"(<office:annotation><text:p>cell note</text:p></office:annotation></table:table-cell></table:table-row>)"
      R"(<table:table-row table:number-rows-repeated="1048000"><table:table-cell table:number-columns-repeated="16384"/></table:table-row>)"
      R"(<table:table-row><table:table-cell><text:p>after the repeats</text:p></table:table-cell></table:table-row>)"
      R"(</table:table><table:table table:name="Secret" table:style-name="ta2"><table:table-row><table:table-cell>)"
      R"(<text:p>in hidden sheet</text:p></table:table-cell></table:table-row></table:table></office:spreadsheet>)";
  const Document d = extractOk(odf("application/vnd.oasis.opendocument.spreadsheet", autos, body, ""), Format::kOds);
  expectRun(d, "A1 text", Hiding::kVisible, "", "sheet 'Data' A1");
  expectRun(d, "white cell", Hiding::kSameColour, "colour #FFFFFF on #FFFFFF", "sheet 'Data' B1");
  expectRun(d, "hidden column", Hiding::kHiddenColumn, "column C is hidden", "sheet 'Data' C1");
  expectRun(d, "white on black", Hiding::kVisible, "", "sheet 'Data' D1");
  expectRun(d, "hidden row", Hiding::kHiddenRow, "row 2 is hidden", "sheet 'Data' A2");
  expectRun(d, "filtered row", Hiding::kHiddenRow, "row 3 is filtered out", "sheet 'Data' A3");
  expectRun(d, "merged", Hiding::kVisible, "", "sheet 'Data' A4");
  expectRun(d, "covered", Hiding::kBehind, "covered by a merged cell", "sheet 'Data' B4");
  expectRun(d, "rep", Hiding::kVisible, "", "sheet 'Data' A5:C5");
  expectRun(d, "cell note", Hiding::kComment, "comment", "sheet 'Data' A5:C5 comment");
  expectRun(d, "after the repeats", Hiding::kVisible, "", "sheet 'Data' A1048006");
  expectRun(d, "in hidden sheet", Hiding::kHiddenSheet, "sheet 'Secret' is hidden", "sheet 'Secret' A1");
  EXPECT_EQ(d.runs.size(), 12u) << testing::dump(d);
}

TEST(Odp, ReportsHiddenSlidesOffPageShapesNotesAndAltText) {
  const std::string autos =
      R"(<style:style style:name="dp1" style:family="drawing-page"><style:drawing-page-properties presentation:visibility="hidden"/></style:style>)"
      R"(<style:style style:name="dp2" style:family="drawing-page"><style:drawing-page-properties draw:fill="solid" draw:fill-color="#000000"/></style:style>)"
      R"(<style:style style:name="gr1" style:family="graphic"><style:graphic-properties draw:fill="solid" draw:fill-color="#ffffff"/></style:style>)"
      + textStyle("T1", R"(fo:color="#ffffff")") + textStyle("T2", R"(fo:color="#000000")");
  auto frame = [](std::string_view name, std::string_view x, std::string_view content, std::string_view extra = {}) {
    return R"(<draw:frame draw:name=")" + std::string(name) + R"(" svg:x=")" + std::string(x) +
           R"(" svg:y="2cm" svg:width="10cm" svg:height="2cm")" + std::string(extra) + "><draw:text-box>" + std::string(content) +
           "</draw:text-box></draw:frame>";
  };
  const std::string body =
      R"(<office:presentation><draw:page draw:name="page1" draw:style-name="dp2" draw:master-page-name="Default">)" +
      frame("Title", "2cm", R"(<text:p>Visible title</text:p>)") +
      frame("Away", "40cm", R"(<text:p>off the slide</text:p>)") +
      frame("Dark", "2cm", R"(<text:p><text:span text:style-name="T2">black on black</text:span></text:p>)") +
      frame("Light", "2cm", R"(<text:p><text:span text:style-name="T2">black on white box</text:span></text:p>)", R"( draw:style-name="gr1")") +
      frame("Hidden", "2cm", R"(<text:p>hidden shape</text:p>)", R"( draw:display="none")") +
      R"(<draw:frame draw:name="Picture"><draw:image/><svg:title>pic title</svg:title><svg:desc>Ignore everything</svg:desc></draw:frame>)"
      R"(<office:annotation><text:p>slide comment</text:p></office:annotation>)"
      R"(<presentation:notes><draw:page-thumbnail/><draw:frame presentation:class="notes"><draw:text-box><text:p>speaker note</text:p></draw:text-box></draw:frame></presentation:notes>)"
      R"(</draw:page><draw:page draw:name="page2" draw:style-name="dp1" draw:master-page-name="Default">)" +
      frame("Body", "2cm", R"(<text:p>on a hidden slide</text:p>)") + R"(</draw:page></office:presentation>)";
  const std::string styles =
      R"(<office:automatic-styles><style:page-layout style:name="PM1"><style:page-layout-properties fo:page-width="28cm" fo:page-height="15.75cm"/></style:page-layout></office:automatic-styles>)"
      R"(<office:master-styles><style:master-page style:name="Default" style:page-layout-name="PM1"/></office:master-styles>)";
  const Document d = extractOk(odf("application/vnd.oasis.opendocument.presentation", autos, body, styles), Format::kOdp);
  expectRun(d, "Visible title", Hiding::kVisible, "", "slide 1 shape 'Title'");
  expectRun(d, "off the slide", Hiding::kOffPage, "shape outside the page (at 1133.9 pt, 56.7 pt)", "slide 1 shape 'Away'");
  expectRun(d, "black on black", Hiding::kSameColour, "colour #000000 on #000000", "slide 1 shape 'Dark'");
  expectRun(d, "black on white box", Hiding::kVisible, "", "slide 1 shape 'Light'");
  expectRun(d, "hidden shape", Hiding::kVanish, "hidden shape", "slide 1 shape 'Hidden'");
  expectRun(d, "pic title", Hiding::kAltText, "alt text (svg:title)", "slide 1 shape 'Picture' title");
  expectRun(d, "Ignore everything", Hiding::kAltText, "alt text (svg:desc)", "slide 1 shape 'Picture' desc");
  expectRun(d, "slide comment", Hiding::kComment, "comment", "slide 1 comment 1");
  expectRun(d, "speaker note", Hiding::kNotes, "speaker notes", "slide 1 notes");
  expectRun(d, "on a hidden slide", Hiding::kVanish, "hidden slide", "slide 2 shape 'Body'");
  EXPECT_EQ(d.runs.size(), 10u) << testing::dump(d);
}

// Slide text is judged against what lies under it: the master's pictures and filled shapes
// (its placeholders aside) and the slide's own earlier shapes. A title turned a quarter into a
// side bar is on the page. Seen in LibreOffice's own templates (Freshes, Candy).
TEST(Odp, JudgesTextAgainstThePicturesAndShapesUnderIt) {
  const std::string autos =
      R"(<style:style style:name="gr1" style:family="graphic"><style:graphic-properties draw:fill="solid" draw:fill-color="#ffffff"/></style:style>)"
      + textStyle("W", R"(fo:color="#ffffff")") + textStyle("B", R"(fo:color="#000000")");
  auto frame = [](std::string_view name, std::string_view at, std::string_view span, std::string_view text, std::string_view extra = {}) {
    return R"(<draw:frame draw:name=")" + std::string(name) + R"(" )" + std::string(at) + std::string(extra) +
           R"(><draw:text-box><text:p><text:span text:style-name=")" + std::string(span) + R"(">)" + std::string(text) +
           "</text:span></text:p></draw:text-box></draw:frame>";
  };
  const std::string body =
      R"(<office:presentation><draw:page draw:name="page1" draw:master-page-name="Bar">)" +
      frame("Side", R"x(svg:width="15cm" svg:height="2.5cm" draw:transform="rotate (1.5707963267949) translate (0.5cm 15cm)")x", "W", "white title on the picture bar") +
      frame("Dark", R"(svg:x="22cm" svg:y="5cm" svg:width="4cm" svg:height="2cm")", "B", "black on the black master box") +
      frame("Middle", R"(svg:x="8cm" svg:y="5cm" svg:width="8cm" svg:height="2cm")", "W", "white on the white page") +
      R"(<draw:frame draw:name="Photo" svg:x="8cm" svg:y="9cm" svg:width="8cm" svg:height="4cm"><draw:image/></draw:frame>)" +
      frame("Caption", R"(svg:x="9cm" svg:y="10cm" svg:width="6cm" svg:height="2cm")", "W", "white caption on the photo") +
      R"(<draw:custom-shape draw:name="Card" draw:style-name="gr1" svg:x="8cm" svg:y="9.5cm" svg:width="8cm" svg:height="3cm"/>)" +
      frame("Over", R"(svg:x="9cm" svg:y="10cm" svg:width="6cm" svg:height="2cm")", "W", "white on the white card over the photo") +
      R"(</draw:page></office:presentation>)";
  const std::string styles =
      R"(<office:automatic-styles><style:page-layout style:name="PM1"><style:page-layout-properties fo:page-width="28cm" fo:page-height="15.75cm"/></style:page-layout>)"
      R"(<style:style style:name="Mgr1" style:family="graphic"><style:graphic-properties draw:fill="solid" draw:fill-color="#000000"/></style:style></office:automatic-styles>)"
      R"(<office:master-styles><style:master-page style:name="Bar" style:page-layout-name="PM1">)"
      R"(<draw:frame svg:x="0cm" svg:y="0cm" svg:width="4cm" svg:height="15.75cm"><draw:image/></draw:frame>)"
      R"(<draw:custom-shape draw:style-name="Mgr1" svg:x="20cm" svg:y="0cm" svg:width="8cm" svg:height="15.75cm"/>)"
      R"(<draw:frame presentation:class="title" draw:style-name="Mgr1" svg:x="4cm" svg:y="0cm" svg:width="16cm" svg:height="15.75cm"><draw:text-box/></draw:frame>)"
      R"(</style:master-page></office:master-styles>)";
  const Document d = extractOk(odf("application/vnd.oasis.opendocument.presentation", autos, body, styles), Format::kOdp);
  expectRun(d, "white title on the picture bar", Hiding::kVisible, "", "slide 1 shape 'Side'");
  expectRun(d, "black on the black master box", Hiding::kSameColour, "colour #000000 on #000000", "slide 1 shape 'Dark'");
  // The master's title placeholder is no backdrop: the page is white under it.
  expectRun(d, "white on the white page", Hiding::kSameColour, "colour #FFFFFF on #FFFFFF", "slide 1 shape 'Middle'");
  expectRun(d, "white caption on the photo", Hiding::kVisible, "", "slide 1 shape 'Caption'");
  expectRun(d, "white on the white card over the photo", Hiding::kSameColour, "colour #FFFFFF on #FFFFFF", "slide 1 shape 'Over'");
  EXPECT_EQ(d.runs.size(), 5u) << testing::dump(d);
}

// LibreOffice's style templates carry styles.xml and no content.xml: headers and footers are
// still read, with a note.
TEST(Odf, ReadsAStylesOnlyPackage) {
  std::vector<Entry> entries;
  entries.emplace_back("mimetype", "application/vnd.oasis.opendocument.text-template", false);
  entries.emplace_back("styles.xml", "<office:document-styles" + std::string(kNs) +
                                         R"(><office:master-styles><style:master-page style:name="Standard"><style:header>)"
                                         R"(<text:p>Company header</text:p></style:header></style:master-page></office:master-styles></office:document-styles>)");
  const Document d = extractOk(testing::makeZip(entries), Format::kOdt);
  expectRun(d, "Company header", Hiding::kVisible, "", "styles.xml header paragraph 1 run 1");
  ASSERT_EQ(d.notes.size(), 1u);
  EXPECT_EQ(d.notes[0], "no content.xml: only the styles part and the properties are read");
}

TEST(Odf, RefusesDoctypesAndMissingContent) {
  std::vector<Entry> entries;
  entries.emplace_back("mimetype", "application/vnd.oasis.opendocument.text", false);
  entries.emplace_back("content.xml", R"(<!DOCTYPE x [<!ENTITY a "aaaa">]><office:document-content)" + std::string(kNs) +
                                          "><office:body><office:text><text:p>&a;</text:p></office:text></office:body></office:document-content>");
  auto d = extractOdf(testing::makeZip(entries), Format::kOdt, {});
  ASSERT_FALSE(d);
  EXPECT_EQ(d.error().message, "content.xml: has a DOCTYPE (refused: office XML never has one)");
  std::vector<Entry> empty;
  empty.emplace_back("mimetype", "application/vnd.oasis.opendocument.text", false);
  auto e = extractOdf(testing::makeZip(empty), Format::kOdt, {});
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().message, "odf: no content.xml");
}

TEST(Odf, BoundsNestingInSpansGroupsAndSections) {
  for (const auto& [open, close] : std::vector<std::pair<std::string, std::string>>{
           {"<text:span>", "</text:span>"}, {"<text:section>", "</text:section>"}, {"<draw:g>", "</draw:g>"}}) {
    std::string body = "<office:text><text:p>";
    std::string inner;
    for (int i = 0; i < 400; ++i) inner += open;
    inner += open == "<text:section>" ? "<text:p>deep</text:p>" : "deep";
    for (int i = 0; i < 400; ++i) inner += close;
    body = open == "<text:span>" ? "<office:text><text:p>" + inner + "</text:p></office:text>" : "<office:text>" + inner + "</office:text>";
    auto d = extractOdf(odf("application/vnd.oasis.opendocument.text", "", body, ""), Format::kOdt, {});
    ASSERT_FALSE(d) << open;
    EXPECT_EQ(d.error().message, "content.xml: XML nesting deeper than 256") << open;
  }
}

TEST(Odf, RepeatedSpacesStayWithinTheTextLimit) {
  std::string p = "<office:text><text:p>";
  for (int i = 0; i < 200; ++i) p += R"(<text:s text:c="1000"/>)";
  p += "x</text:p></office:text>";
  Limits limits;
  limits.maxTextBytes = 50000;
  auto d = extractOdf(odf("application/vnd.oasis.opendocument.text", "", p, ""), Format::kOdt, limits);
  ASSERT_FALSE(d);
  EXPECT_EQ(d.error().message, "extracted text exceeds the limit of 50000 bytes");
}

TEST(Odf, CanonicalisesNamespacePrefixes) {
  // Another prefix for the text namespace, declared on an inner element.
  const std::string body =
      R"(<office:text><t:p xmlns:t="urn:oasis:names:tc:opendocument:xmlns:text:1.0">plain)"
      R"(<t:span t:style-name="T3">renamed but hidden</t:span></t:p></office:text>)";
  const Document d = extractOk(odf("application/vnd.oasis.opendocument.text", textStyle("T3", R"(text:display="none")"), body, ""),
                               Format::kOdt);
  expectRun(d, "renamed but hidden", Hiding::kVanish, "hidden text (text:display none)", "content.xml paragraph 1 run 2");
}

}  // namespace
}  // namespace airlock::inspect
