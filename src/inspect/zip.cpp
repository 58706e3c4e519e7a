#include "inspect/zip.h"

#include <zlib.h>

#include <algorithm>
#include <cstring>

#include "core/text.h"
#include "inspect/extractors.h"
#include "inspect/office_xml.h"

namespace airlock::inspect {

namespace {

constexpr std::uint32_t kLocalSig = 0x04034b50;
constexpr std::uint32_t kCentralSig = 0x02014b50;
constexpr std::uint32_t kEndSig = 0x06054b50;
constexpr std::uint32_t kEnd64Sig = 0x06064b50;
constexpr std::uint32_t kEnd64LocatorSig = 0x07064b50;
constexpr std::size_t kEndSize = 22;
constexpr std::size_t kCentralSize = 46;
constexpr std::size_t kLocalSize = 30;
constexpr std::size_t kLocatorSize = 20;
constexpr std::size_t kEnd64Size = 56;
// Entries up to this size are not held to the ratio: a few hundred KiB of repeated markup can
// legitimately compress better than 200:1, and maxUnzippedBytes bounds them all together.
constexpr std::uint64_t kRatioFloor = 1u << 20;
// zlib counts in uInt: feed it at most this much at a time.
constexpr std::uint64_t kZlibChunk = 1u << 30;

std::uint16_t le16(std::string_view b, std::size_t at) {
  return static_cast<std::uint16_t>(static_cast<unsigned char>(b[at]) | static_cast<unsigned char>(b[at + 1]) << 8);
}
std::uint32_t le32(std::string_view b, std::size_t at) {
  return static_cast<std::uint32_t>(le16(b, at)) | static_cast<std::uint32_t>(le16(b, at + 2)) << 16;
}
std::uint64_t le64(std::string_view b, std::size_t at) {
  return static_cast<std::uint64_t>(le32(b, at)) | static_cast<std::uint64_t>(le32(b, at + 4)) << 32;
}

core::Error bad(std::string message) {
  return core::makeError(core::Code::kInvalidArgument, "zip: " + std::move(message));
}
core::Error badEntry(std::string_view name, std::string message) {
  return core::makeError(core::Code::kInvalidArgument, "zip entry '" + std::string(name) + "': " + std::move(message));
}

// Does [at, at + n) lie inside a buffer of `size` bytes (without overflowing)?
bool inside(std::uint64_t at, std::uint64_t n, std::uint64_t size) { return at <= size && n <= size - at; }

struct EndRecord {
  std::uint64_t entries = 0;
  std::uint64_t cdSize = 0;
  std::uint64_t cdOffset = 0;
  std::uint64_t end = 0;  // where the central directory must end: the (ZIP64) end record
};

// The end of central directory record must end exactly at the end of the file (its comment
// included): a reader that searched further back, or tolerated bytes after it, could find a
// different archive hidden in a comment or appended data.
core::Result<EndRecord> findEnd(std::string_view b) {
  if (b.size() < kEndSize) return bad("too short for an end of central directory record");
  const std::size_t last = b.size() - kEndSize;
  const std::size_t first = last > 0xFFFF ? last - 0xFFFF : 0;
  std::size_t at = last + 1;
  for (std::size_t i = last + 1; i-- > first;) {
    if (le32(b, i) == kEndSig && i + kEndSize + le16(b, i + 20) == b.size()) {
      at = i;
      break;
    }
  }
  if (at > last) return bad("no end of central directory record at the end of the file (not a zip, or bytes after it)");
  const std::uint16_t disk = le16(b, at + 4), cdDisk = le16(b, at + 6);
  const std::uint16_t onDisk = le16(b, at + 8), total = le16(b, at + 10);
  EndRecord r{total, le32(b, at + 12), le32(b, at + 16), at};
  const bool zip64 = total == 0xFFFF || onDisk == 0xFFFF || r.cdSize == 0xFFFFFFFF || r.cdOffset == 0xFFFFFFFF ||
                     disk == 0xFFFF || cdDisk == 0xFFFF;
  if (!zip64) {
    if (disk != 0 || cdDisk != 0 || onDisk != total) return bad("multi-disk archives are not supported");
    return r;
  }
  if (at < kLocatorSize || le32(b, at - kLocatorSize) != kEnd64LocatorSig)
    return bad("ZIP64 end of central directory locator missing");
  const std::size_t loc = at - kLocatorSize;
  if (le32(b, loc + 4) != 0 || le32(b, loc + 16) > 1) return bad("multi-disk archives are not supported");
  const std::uint64_t e64 = le64(b, loc + 8);
  if (!inside(e64, kEnd64Size, loc) || le32(b, e64) != kEnd64Sig)
    return bad("ZIP64 end of central directory record missing or outside the file");
  if (le32(b, e64 + 16) != 0 || le32(b, e64 + 20) != 0 || le64(b, e64 + 24) != le64(b, e64 + 32))
    return bad("multi-disk archives are not supported");
  r.entries = le64(b, e64 + 32);
  r.cdSize = le64(b, e64 + 40);
  r.cdOffset = le64(b, e64 + 48);
  r.end = e64;
  return r;
}

// The ZIP64 extended information extra field (0x0001): the 64-bit values of the fields whose
// 32-bit slot holds 0xFFFFFFFF, in the order usize, csize, offset. Only those are present.
core::Status readZip64Extra(std::string_view extra, std::string_view name, bool needU, bool needC, bool needOff,
                            std::uint64_t& usize, std::uint64_t& csize, std::uint64_t* offset) {
  std::size_t p = 0;
  while (p + 4 <= extra.size()) {
    const std::uint16_t id = le16(extra, p), len = le16(extra, p + 2);
    if (p + 4 + len > extra.size()) return badEntry(name, "extra field runs past its header");
    if (id == 0x0001) {
      std::string_view f = extra.substr(p + 4, len);
      std::size_t q = 0;
      auto take = [&](std::uint64_t& v) {
        if (q + 8 > f.size()) return false;
        v = le64(f, q);
        q += 8;
        return true;
      };
      if ((needU && !take(usize)) || (needC && !take(csize)) || (needOff && !take(*offset)))
        return badEntry(name, "ZIP64 extra field too short");
      return {};
    }
    p += 4 + len;
  }
  if (needU || needC || needOff) return badEntry(name, "ZIP64 sizes without a ZIP64 extra field");
  return {};
}

}  // namespace

core::Result<ZipArchive> ZipArchive::open(std::string_view b, const Limits& limits) {
  auto end = findEnd(b);
  if (!end) return end.error();
  ZipArchive zip(b, limits);
  if (end->entries > limits.maxZipEntries)
    return bad("archive has " + std::to_string(end->entries) + " entries, over the limit of " +
               std::to_string(limits.maxZipEntries));
  if (!inside(end->cdOffset, end->cdSize, end->end))
    return bad("central directory outside the file");
  if (end->entries * kCentralSize > end->cdSize)
    return bad("central directory too small for " + std::to_string(end->entries) + " entries");

  std::string_view cd = b.substr(end->cdOffset, end->cdSize);
  std::size_t p = 0;
  zip.entries_.reserve(end->entries);
  for (std::uint64_t i = 0; i < end->entries; ++i) {
    if (p + kCentralSize > cd.size() || le32(cd, p) != kCentralSig)
      return bad("central directory entry " + std::to_string(i + 1) + " is damaged");
    ZipEntry e;
    e.flags = le16(cd, p + 8);
    e.method = le16(cd, p + 10);
    e.crc32 = le32(cd, p + 16);
    e.compressedSize = le32(cd, p + 20);
    e.uncompressedSize = le32(cd, p + 24);
    const std::uint16_t nameLen = le16(cd, p + 28), extraLen = le16(cd, p + 30), commentLen = le16(cd, p + 32);
    const std::uint16_t diskStart = le16(cd, p + 34);
    e.localHeaderOffset = le32(cd, p + 42);
    if (p + kCentralSize + nameLen + extraLen + commentLen > cd.size())
      return bad("central directory entry " + std::to_string(i + 1) + " runs past the directory");
    e.name.assign(cd.substr(p + kCentralSize, nameLen));
    if (e.name.find('\0') != std::string::npos) return badEntry(e.name, "name contains a NUL byte");
    std::string_view extra = cd.substr(p + kCentralSize + nameLen, extraLen);
    const bool needU = e.uncompressedSize == 0xFFFFFFFF, needC = e.compressedSize == 0xFFFFFFFF;
    const bool needOff = e.localHeaderOffset == 0xFFFFFFFF;
    if (diskStart != 0 && diskStart != 0xFFFF) return badEntry(e.name, "on another disk");
    if (auto st = readZip64Extra(extra, e.name, needU, needC, needOff, e.uncompressedSize, e.compressedSize,
                                 &e.localHeaderOffset);
        !st)
      return st.error();
    p += kCentralSize + nameLen + extraLen + commentLen;

    // The local header must say the same as the central one: readers that stream an archive
    // use the local headers, others the central directory.
    const std::uint64_t lh = e.localHeaderOffset;
    if (!inside(lh, kLocalSize, end->cdOffset) || le32(b, lh) != kLocalSig)
      return badEntry(e.name, "local header missing or outside the file");
    const std::uint16_t lFlags = le16(b, lh + 6), lMethod = le16(b, lh + 8);
    const std::uint32_t lCrc = le32(b, lh + 14);
    std::uint64_t lCsize = le32(b, lh + 18), lUsize = le32(b, lh + 22);
    const std::uint16_t lNameLen = le16(b, lh + 26), lExtraLen = le16(b, lh + 28);
    if (!inside(lh + kLocalSize, std::uint64_t{lNameLen} + lExtraLen, end->cdOffset))
      return badEntry(e.name, "local header runs into the central directory");
    if (b.substr(lh + kLocalSize, lNameLen) != e.name) return badEntry(e.name, "local header names another entry");
    if (lMethod != e.method || (lFlags & 0x0049) != (e.flags & 0x0049))
      return badEntry(e.name, "local header disagrees with the central directory (method or flags)");
    if (lCsize == 0xFFFFFFFF || lUsize == 0xFFFFFFFF) {
      // A local ZIP64 extra field holds both sizes.
      if (auto st = readZip64Extra(b.substr(lh + kLocalSize + lNameLen, lExtraLen), e.name, true, true, false, lUsize,
                                   lCsize, nullptr);
          !st)
        return st.error();
    }
    const bool descriptor = (e.flags & 0x0008) != 0;  // sizes and CRC may follow the data instead
    auto agrees = [&](std::uint64_t local, std::uint64_t central) {
      return local == central || (descriptor && local == 0);
    };
    if (!agrees(lCrc, e.crc32) || !agrees(lCsize, e.compressedSize) || !agrees(lUsize, e.uncompressedSize))
      return badEntry(e.name, "local header disagrees with the central directory (sizes or CRC-32)");
    e.dataOffset = lh + kLocalSize + lNameLen + lExtraLen;
    if (!inside(e.dataOffset, e.compressedSize, end->cdOffset)) return badEntry(e.name, "data runs past the end of the archive data");
    zip.entries_.push_back(std::move(e));
  }
  if (p != cd.size()) return bad("central directory size does not match its entries");

  // Overlapping entries: sort the spans [local header, end of data) and compare neighbours.
  std::vector<std::pair<std::uint64_t, std::uint64_t>> spans;
  spans.reserve(zip.entries_.size());
  for (const auto& e : zip.entries_) spans.emplace_back(e.localHeaderOffset, e.dataOffset + e.compressedSize);
  std::sort(spans.begin(), spans.end());
  for (std::size_t i = 1; i < spans.size(); ++i) {
    if (spans[i].first < spans[i - 1].second) {
      const auto& clash = *std::find_if(zip.entries_.begin(), zip.entries_.end(),
                                        [&](const ZipEntry& e) { return e.localHeaderOffset == spans[i].first; });
      return badEntry(clash.name, "data overlaps another entry's (an overlapping zip bomb?)");
    }
  }

  zip.index_.reserve(zip.entries_.size());
  for (std::size_t i = 0; i < zip.entries_.size(); ++i) zip.index_.emplace_back(core::asciiLower(zip.entries_[i].name), i);
  std::sort(zip.index_.begin(), zip.index_.end());
  for (std::size_t i = 1; i < zip.index_.size(); ++i) {
    if (zip.index_[i].first == zip.index_[i - 1].first)
      return badEntry(zip.entries_[zip.index_[i].second].name, "name appears twice (which copy a viewer shows is ambiguous)");
  }
  return zip;
}

const ZipEntry* ZipArchive::find(std::string_view name) const {
  const std::string key = core::asciiLower(name);
  auto it = std::lower_bound(index_.begin(), index_.end(), key,
                             [](const std::pair<std::string, std::size_t>& a, const std::string& k) { return a.first < k; });
  if (it == index_.end() || it->first != key) return nullptr;
  return &entries_[it->second];
}

core::Result<std::string> ZipArchive::read(std::string_view name) {
  const ZipEntry* e = find(name);
  if (e == nullptr) return core::makeError(core::Code::kNotFound, "zip: no entry '" + std::string(name) + "'");
  if (e->encrypted()) return badEntry(e->name, "is encrypted");
  if (e->method != 0 && e->method != 8)
    return badEntry(e->name, "compression method " + std::to_string(e->method) +
                                 " is not supported (only stored and deflate)");
  if (e->uncompressedSize > maxEntryBytes_)
    return badEntry(e->name, "declares " + std::to_string(e->uncompressedSize) + " bytes uncompressed, over the limit of " +
                                 std::to_string(maxEntryBytes_));
  if (e->uncompressedSize > kRatioFloor && e->uncompressedSize / std::max<std::uint64_t>(e->compressedSize, 1) >= maxRatio_)
    return badEntry(e->name, "declares a compression ratio over the limit of " + std::to_string(maxRatio_) + ":1");
  if (e->uncompressedSize > maxUnzippedBytes_ - std::min(unzipped_, maxUnzippedBytes_))
    return badEntry(e->name, "reading it would take the archive over the limit of " + std::to_string(maxUnzippedBytes_) +
                                 " bytes uncompressed");
  auto out = inflateEntry(*e);
  if (!out) return out;
  if (static_cast<std::uint32_t>(::crc32_z(0, reinterpret_cast<const Bytef*>(out->data()), out->size())) != e->crc32)
    return core::makeError(core::Code::kDataLoss, "zip entry '" + e->name + "': CRC-32 mismatch");
  return out;
}

core::Result<std::string> ZipArchive::inflateEntry(const ZipEntry& e) {
  const std::string_view data = bytes_.substr(e.dataOffset, e.compressedSize);
  const std::uint64_t declared = e.uncompressedSize;
  if (e.method == 0) {
    if (e.compressedSize != declared)
      return badEntry(e.name, "stored entry's sizes differ (" + std::to_string(e.compressedSize) + " and " +
                                  std::to_string(declared) + ")");
    unzipped_ += declared;
    return std::string(data);
  }
  std::string out(declared, '\0');
  z_stream z{};
  if (inflateInit2(&z, -15) != Z_OK) return core::makeError(core::Code::kInternal, "zlib cannot start");
  std::uint64_t fed = 0, produced = 0;
  unsigned char spare[1];
  std::string problem;
  int rc = Z_OK;
  for (;;) {
    if (z.avail_in == 0 && fed < data.size()) {
      const std::uint64_t n = std::min<std::uint64_t>(data.size() - fed, kZlibChunk);
      z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data() + fed));
      z.avail_in = static_cast<uInt>(n);
      fed += n;
    }
    // Once the declared size is reached, one spare byte finds out whether there is more.
    const bool full = produced == declared;
    z.next_out = full ? spare : reinterpret_cast<Bytef*>(out.data() + produced);
    z.avail_out = full ? 1u : static_cast<uInt>(std::min<std::uint64_t>(declared - produced, kZlibChunk));
    const uInt room = z.avail_out;
    rc = inflate(&z, Z_NO_FLUSH);
    const uInt made = room - z.avail_out;
    if (full && made > 0) {
      problem = "inflates to more than the " + std::to_string(declared) + " bytes it declares";
      break;
    }
    produced += made;
    if (produced > kRatioFloor && produced / std::max<std::uint64_t>(z.total_in, 1) >= maxRatio_) {
      problem = "compression ratio over the limit of " + std::to_string(maxRatio_) + ":1";
      break;
    }
    if (rc == Z_STREAM_END) break;
    if (rc == Z_BUF_ERROR && z.avail_in == 0 && fed == data.size()) {
      problem = "data is truncated";
      break;
    }
    if (rc != Z_OK) {
      problem = rc == Z_DATA_ERROR ? "deflate data is corrupt" : "inflate failed";
      break;
    }
  }
  const std::uint64_t consumed = z.total_in;
  inflateEnd(&z);
  unzipped_ += produced;
  if (!problem.empty()) return badEntry(e.name, problem);
  if (consumed != data.size()) return badEntry(e.name, "deflate stream ends before its compressed size");
  if (produced != declared)
    return badEntry(e.name, "inflates to " + std::to_string(produced) + " bytes, not the " + std::to_string(declared) +
                                " it declares");
  return out;
}

Format sniffZip(std::string_view bytes) {
  Limits limits;
  auto zip = ZipArchive::open(bytes, limits);
  if (!zip) return Format::kUnknown;
  if (zip->contains("word/document.xml")) return Format::kDocx;
  if (zip->contains("xl/workbook.xml")) return Format::kXlsx;
  if (zip->contains("ppt/presentation.xml")) return Format::kPptx;
  if (const ZipEntry* m = zip->find("mimetype"); m != nullptr && m->uncompressedSize <= 256) {
    if (auto type = zip->read("mimetype")) {
      const Format f = odfFormatOf(*type);
      if (f != Format::kUnknown) return f;
    }
  }
  // A package whose main part is not where the conventional names put it: the viewer follows
  // _rels/.rels, and so do we.
  return ooxmlFormatOf(*zip, limits);
}

}  // namespace airlock::inspect
