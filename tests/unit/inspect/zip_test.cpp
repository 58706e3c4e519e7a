// ZipArchive: reads stored and deflated entries, ZIP64; refuses, with a message naming the entry
// and the defect, every archive that could cost more than the limits or show two readers two
// different things: entry count, sizes, ratios (declared and actual), total bytes, local/central
// disagreement, overlapping entries, duplicate names, CRC, truncation, encryption, bad methods.
#include "inspect/zip.h"

#include <gtest/gtest.h>

#include "inspect/extractors.h"
#include "unit/inspect/zip_fixture.h"

namespace airlock::inspect {
namespace {

using testing::Entry;
using testing::Header;
using testing::makeZip;
using testing::zipOf;

std::string errorOf(std::string_view bytes, const Limits& limits = {}) {
  auto zip = ZipArchive::open(bytes, limits);
  return zip ? std::string("(opened)") : zip.error().message;
}

std::string readError(std::string_view bytes, std::string_view name, const Limits& limits = {}) {
  auto zip = ZipArchive::open(bytes, limits);
  if (!zip) return "open: " + zip.error().message;
  auto r = zip->read(name);
  return r ? std::string("(read)") : r.error().message;
}

TEST(Zip, ReadsStoredAndDeflatedEntries) {
  const std::string text(5000, 'x');
  const std::string z = makeZip(std::vector<Entry>{{"a.txt", "hello", false}, {"dir/b.xml", text, true}});
  auto zip = ZipArchive::open(z, {});
  ASSERT_TRUE(zip) << zip.error().message;
  ASSERT_EQ(zip->entries().size(), 2u);
  EXPECT_EQ(zip->entries()[0].name, "a.txt");
  EXPECT_EQ(zip->entries()[0].method, 0);
  EXPECT_EQ(zip->entries()[1].method, 8);
  EXPECT_TRUE(zip->contains("DIR/B.XML"));  // part names are case-insensitive
  EXPECT_FALSE(zip->contains("b.xml"));
  auto a = zip->read("a.txt");
  ASSERT_TRUE(a);
  EXPECT_EQ(*a, "hello");
  auto b = zip->read("dir/b.xml");
  ASSERT_TRUE(b) << b.error().message;
  EXPECT_EQ(*b, text);
  EXPECT_EQ(zip->bytesRead(), 5005u);
  auto missing = zip->read("nope");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, core::Code::kNotFound);
}

TEST(Zip, AcceptsACommentAndAnEmptyArchive) {
  EXPECT_EQ(errorOf(makeZip(std::vector<Entry>{{"a", "b"}}, "a comment")), "(opened)");
  EXPECT_EQ(errorOf(makeZip(std::vector<Entry>{})), "(opened)");
}

TEST(Zip, RefusesMoreEntriesThanTheLimit) {
  Limits limits;
  limits.maxZipEntries = 3;
  const std::string z = makeZip(std::vector<Entry>{{"1", "a"}, {"2", "b"}, {"3", "c"}, {"4", "d"}});
  EXPECT_EQ(errorOf(z, limits), "zip: archive has 4 entries, over the limit of 3");
  limits.maxZipEntries = 4;
  EXPECT_EQ(errorOf(z, limits), "(opened)");
}

TEST(Zip, RefusesADeclaredSizeOverTheEntryLimit) {
  Limits limits;
  limits.maxEntryBytes = 1000;
  const std::string z = makeZip(std::vector<Entry>{{"big", std::string(1001, 'a')}, {"ok", std::string(1000, 'a')}});
  EXPECT_EQ(readError(z, "big", limits), "zip entry 'big': declares 1001 bytes uncompressed, over the limit of 1000");
  EXPECT_EQ(readError(z, "ok", limits), "(read)");
}

TEST(Zip, RefusesADeclaredRatioOverTheLimit) {
  const std::string zeros(2u << 20, '\0');  // deflates about 1000:1
  const std::string z = makeZip(std::vector<Entry>{{"bomb", zeros}});
  EXPECT_EQ(readError(z, "bomb"), "zip entry 'bomb': declares a compression ratio over the limit of 200:1");
  Limits lenient;
  lenient.maxRatio = 5000;
  EXPECT_EQ(readError(z, "bomb", lenient), "(read)");
  // Small entries are not held to the ratio (the total bound covers them).
  EXPECT_EQ(readError(makeZip(std::vector<Entry>{{"small", std::string(500000, '\0')}}), "small"), "(read)");
}

TEST(Zip, RefusesAnActualRatioOverTheLimit) {
  // The compressed size is padded so that the declared ratio looks harmless; inflating shows
  // 2 MiB coming out of a couple of KiB.
  const std::string zeros(2u << 20, '\0');
  Entry e{"padded", zeros};
  e.compressed = testing::rawDeflate(zeros) + std::string(1u << 20, 'P');
  EXPECT_EQ(readError(makeZip(std::vector<Entry>{e}), "padded"), "zip entry 'padded': compression ratio over the limit of 200:1");
}

TEST(Zip, CountsTheTotalAcrossReads) {
  Limits limits;
  limits.maxUnzippedBytes = 100;
  const std::string z = makeZip(std::vector<Entry>{{"a", std::string(60, 'a')}, {"b", std::string(60, 'b')}});
  auto zip = ZipArchive::open(z, limits);
  ASSERT_TRUE(zip);
  EXPECT_TRUE(zip->read("a"));
  auto b = zip->read("b");
  ASSERT_FALSE(b);
  EXPECT_EQ(b.error().message, "zip entry 'b': reading it would take the archive over the limit of 100 bytes uncompressed");
  // Reading the same entry again counts again.
  auto again = zip->read("a");
  ASSERT_FALSE(again);
}

TEST(Zip, RefusesALocalHeaderThatDisagrees) {
  Entry renamed{"word/document.xml", "<w/>"};
  renamed.localName = "word/documenT.xml";
  EXPECT_EQ(errorOf(makeZip(std::vector<Entry>{renamed})), "zip entry 'word/document.xml': local header names another entry");
  Entry crc{"a", "data"};
  crc.localCrc = 1234;
  EXPECT_EQ(errorOf(makeZip(std::vector<Entry>{crc})),
            "zip entry 'a': local header disagrees with the central directory (sizes or CRC-32)");
}

TEST(Zip, RefusesOverlappingEntries) {
  // Fifield's overlap: entry "outer" is stored and its data is entry "inner"'s whole local
  // record, so the two share bytes. Every header is consistent; only the spans give it away.
  Header inner{"inner", 0, 0, testing::crcOf("kernel"), 6, 6, ""};
  const std::string innerRecord = testing::localHeader(inner) + "kernel";
  Header outer{"outer", 0, 0, testing::crcOf(innerRecord), static_cast<std::uint32_t>(innerRecord.size()),
               static_cast<std::uint32_t>(innerRecord.size()), ""};
  std::string z = testing::localHeader(outer) + innerRecord;
  const auto innerOffset = static_cast<std::uint32_t>(testing::localHeader(outer).size());
  const std::string cd = testing::centralHeader(outer, 0) + testing::centralHeader(inner, innerOffset);
  const auto cdOffset = static_cast<std::uint32_t>(z.size());
  z += cd + testing::endRecord(2, static_cast<std::uint32_t>(cd.size()), cdOffset);
  EXPECT_EQ(errorOf(z), "zip entry 'inner': data overlaps another entry's (an overlapping zip bomb?)");

  // Two central entries for one local record.
  Header a{"a", 0, 0, testing::crcOf("x"), 1, 1, ""};
  std::string twice = testing::localHeader(a) + "x";
  const std::string cd2 = testing::centralHeader(a, 0) + testing::centralHeader(a, 0);
  const auto off2 = static_cast<std::uint32_t>(twice.size());
  twice += cd2 + testing::endRecord(2, static_cast<std::uint32_t>(cd2.size()), off2);
  EXPECT_EQ(errorOf(twice), "zip entry 'a': data overlaps another entry's (an overlapping zip bomb?)");
}

TEST(Zip, RefusesDuplicateNamesIgnoringCase) {
  EXPECT_EQ(errorOf(makeZip(std::vector<Entry>{{"word/document.xml", "<a/>"}, {"Word/Document.xml", "<b/>"}})),
            "zip entry 'Word/Document.xml': name appears twice (which copy a viewer shows is ambiguous)");
}

TEST(Zip, RefusesACrcMismatch) {
  Entry e{"a.xml", "<doc/>"};
  e.crc = 0xDEADBEEF;
  auto zip = ZipArchive::open(makeZip(std::vector<Entry>{e}), {});
  ASSERT_TRUE(zip);
  auto r = zip->read("a.xml");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, core::Code::kDataLoss);
  EXPECT_EQ(r.error().message, "zip entry 'a.xml': CRC-32 mismatch");
}

TEST(Zip, RefusesTruncation) {
  const std::string z = makeZip(std::vector<Entry>{{"a", std::string(3000, 'q')}});
  EXPECT_EQ(errorOf(z.substr(0, z.size() - 1)),
            "zip: no end of central directory record at the end of the file (not a zip, or bytes after it)");
  EXPECT_EQ(errorOf(z + "trailing"),
            "zip: no end of central directory record at the end of the file (not a zip, or bytes after it)");
  EXPECT_EQ(errorOf("PK"), "zip: too short for an end of central directory record");
  // A deflate stream cut short, its sizes consistent with the cut.
  const std::string text = "The quick brown fox jumps over the lazy dog, again and again, 0123456789.";
  Entry cut{"cut", text};
  const std::string full = testing::rawDeflate(text);
  cut.compressed = full.substr(0, full.size() / 2);
  EXPECT_EQ(readError(makeZip(std::vector<Entry>{cut}), "cut"), "zip entry 'cut': data is truncated");
  // Garbage instead of deflate data.
  Entry garbage{"g", text};
  garbage.compressed = std::string("\xff\xff\xff\xff\xff\xff", 6);
  EXPECT_EQ(readError(makeZip(std::vector<Entry>{garbage}), "g"), "zip entry 'g': deflate data is corrupt");
}

TEST(Zip, RefusesEncryptedEntriesAndUnknownMethods) {
  Entry enc{"secret.xml", "<x/>"};
  enc.flags = 1;
  EXPECT_EQ(readError(makeZip(std::vector<Entry>{enc}), "secret.xml"), "zip entry 'secret.xml': is encrypted");
  Entry bz{"b.xml", "<x/>", false};
  bz.method = 12;
  EXPECT_EQ(readError(makeZip(std::vector<Entry>{bz}), "b.xml"),
            "zip entry 'b.xml': compression method 12 is not supported (only stored and deflate)");
}

TEST(Zip, RefusesAnActualSizeDifferentFromTheDeclaredOne) {
  Entry small{"a", std::string(20, 'a')};
  small.usize = 10;
  EXPECT_EQ(readError(makeZip(std::vector<Entry>{small}), "a"), "zip entry 'a': inflates to more than the 10 bytes it declares");
  Entry large{"a", std::string(20, 'a')};
  large.usize = 30;
  EXPECT_EQ(readError(makeZip(std::vector<Entry>{large}), "a"), "zip entry 'a': inflates to 20 bytes, not the 30 it declares");
  Entry stored{"s", "abc", false};
  stored.usize = 4;
  EXPECT_EQ(readError(makeZip(std::vector<Entry>{stored}), "s"), "zip entry 's': stored entry's sizes differ (3 and 4)");
}

TEST(Zip, RefusesACentralDirectoryOutsideTheFile) {
  std::string z = makeZip(std::vector<Entry>{{"a", "b"}});
  // Point the end record's directory offset (bytes 16..19 of the 22-byte record) far away.
  const std::size_t end = z.size() - 22;
  z[end + 16] = '\x00';
  z[end + 17] = '\x00';
  z[end + 18] = '\x00';
  z[end + 19] = '\x10';
  EXPECT_EQ(errorOf(z), "zip: central directory outside the file");
  std::string damaged = makeZip(std::vector<Entry>{{"a", "b"}});
  const std::size_t cdAt = damaged.size() - 22 - (46 + 1);
  damaged[cdAt] = 'X';
  EXPECT_EQ(errorOf(damaged), "zip: central directory entry 1 is damaged");
}

TEST(Zip, ReadsZip64Records) {
  // A one-entry archive whose sizes and offsets are all in ZIP64 fields.
  const std::string data = "zip64 content";
  std::string extraLocal;
  testing::put16(extraLocal, 1);
  testing::put16(extraLocal, 16);
  testing::put64(extraLocal, data.size());
  testing::put64(extraLocal, data.size());
  Header local{"big.xml", 0, 0, testing::crcOf(data), 0xFFFFFFFF, 0xFFFFFFFF, extraLocal};
  std::string z = testing::localHeader(local) + data;
  std::string extraCentral;
  testing::put16(extraCentral, 1);
  testing::put16(extraCentral, 24);
  testing::put64(extraCentral, data.size());
  testing::put64(extraCentral, data.size());
  testing::put64(extraCentral, 0);
  Header central = local;
  central.extra = extraCentral;
  std::string cd = testing::centralHeader(central, 0xFFFFFFFF);
  const std::uint64_t cdOffset = z.size();
  z += cd;
  const std::uint64_t end64 = z.size();
  testing::put32(z, 0x06064b50);
  testing::put64(z, 44);
  testing::put16(z, 45);
  testing::put16(z, 45);
  testing::put32(z, 0);
  testing::put32(z, 0);
  testing::put64(z, 1);
  testing::put64(z, 1);
  testing::put64(z, cd.size());
  testing::put64(z, cdOffset);
  testing::put32(z, 0x07064b50);
  testing::put32(z, 0);
  testing::put64(z, end64);
  testing::put32(z, 1);
  testing::put32(z, 0x06054b50);
  testing::put16(z, 0xFFFF);
  testing::put16(z, 0xFFFF);
  testing::put16(z, 0xFFFF);
  testing::put16(z, 0xFFFF);
  testing::put32(z, 0xFFFFFFFF);
  testing::put32(z, 0xFFFFFFFF);
  testing::put16(z, 0);
  auto zip = ZipArchive::open(z, {});
  ASSERT_TRUE(zip) << zip.error().message;
  auto r = zip->read("big.xml");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(*r, data);
  // Without the locator the ZIP64 markers cannot be resolved.
  std::string broken = z;
  broken[end64 + 56] = 'X';
  EXPECT_EQ(errorOf(broken), "zip: ZIP64 end of central directory locator missing");
}

TEST(Zip, SniffsOfficeFormatsByTheirParts) {
  EXPECT_EQ(sniffZip(zipOf({{"word/document.xml", "<a/>"}})), Format::kDocx);
  EXPECT_EQ(sniffZip(zipOf({{"xl/workbook.xml", "<a/>"}})), Format::kXlsx);
  EXPECT_EQ(sniffZip(zipOf({{"ppt/presentation.xml", "<a/>"}})), Format::kPptx);
  EXPECT_EQ(sniffZip(makeZip(std::vector<Entry>{{"mimetype", "application/vnd.oasis.opendocument.text", false}})), Format::kOdt);
  EXPECT_EQ(sniffZip(makeZip(std::vector<Entry>{{"mimetype", "application/vnd.oasis.opendocument.spreadsheet", false}})),
            Format::kOds);
  EXPECT_EQ(sniffZip(makeZip(std::vector<Entry>{{"mimetype", "application/vnd.oasis.opendocument.presentation", false}})),
            Format::kOdp);
  EXPECT_EQ(sniffZip(makeZip(std::vector<Entry>{{"mimetype", "application/epub+zip", false}})), Format::kUnknown);
  EXPECT_EQ(sniffZip(zipOf({{"src/main.c", "int main;"}})), Format::kUnknown);
  EXPECT_EQ(sniffZip("PK\x03\x04 not really"), Format::kUnknown);
  // The main part elsewhere, found the way Word finds it: _rels/.rels and its content type.
  const std::string moved = zipOf({
      {"_rels/.rels",
       R"(<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">)"
       R"(<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="body/main.xml"/></Relationships>)"},
      {"[Content_Types].xml",
       R"(<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">)"
       R"(<Override PartName="/body/main.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>)"},
      {"body/main.xml", "<a/>"},
  });
  EXPECT_EQ(sniffZip(moved), Format::kDocx);
  EXPECT_EQ(sniff(moved, "x.bin"), Format::kDocx);
}

}  // namespace
}  // namespace airlock::inspect
