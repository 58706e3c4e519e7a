#pragma once
// ZipArchive: a bounded, read-only reader of a zip archive held in memory, for the office
// formats (docx, xlsx, pptx, odt, ods, odp). Written on zlib rather than libzip: Debian ships no
// static libzip (the airlock binary is static) and the bomb limits need the inflate loop here.
//
// open() reads the end record (ZIP64 too) and the central directory and refuses, with an error
// that says what and which entry, anything that could make two readers see different archives
// or cost more than Limits allow: more entries than maxZipEntries, a central directory outside
// the file or not matching its size, multi-disk archives, duplicate names (compared ignoring
// ASCII case: OPC part names are case-insensitive, so a viewer could pick either), a local
// header that disagrees with its central entry, and entries whose data overlap another's
// (Fifield's non-recursive zip bombs point many central entries at one compressed stream).
//
// read() inflates one entry and refuses: encryption, compression methods other than stored (0)
// and deflate (8), a declared size over maxEntryBytes, a declared or actual ratio over maxRatio
// (for entries over 1 MiB: small entries cannot be bombs, and the total below bounds them),
// reads that would take the archive over maxUnzippedBytes in total, truncated or corrupt data,
// an actual size different from the declared one, and a CRC-32 mismatch (DataLoss).
//
// The archive borrows the bytes given to open(): they must outlive it. Not thread-safe (read()
// counts what it inflates against the archive's budget); use one archive per thread.
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"
#include "inspect/inspect.h"

namespace airlock::inspect {

struct ZipEntry {
  std::string name;
  std::uint16_t flags = 0;   // general purpose bit flag (bit 0: encrypted, bit 3: data descriptor)
  std::uint16_t method = 0;  // 0 stored, 8 deflate; anything else cannot be read
  std::uint32_t crc32 = 0;
  std::uint64_t compressedSize = 0;
  std::uint64_t uncompressedSize = 0;
  std::uint64_t localHeaderOffset = 0;
  std::uint64_t dataOffset = 0;  // first byte of the entry's data, after its local header
  bool encrypted() const { return (flags & 0x0041) != 0; }  // traditional or strong encryption
};

class ZipArchive {
 public:
  static core::Result<ZipArchive> open(std::string_view bytes, const Limits& limits);

  // In central directory order.
  const std::vector<ZipEntry>& entries() const { return entries_; }
  // By name, ignoring ASCII case (names are unique that way; open() refused otherwise).
  const ZipEntry* find(std::string_view name) const;
  bool contains(std::string_view name) const { return find(name) != nullptr; }
  // The entry's uncompressed bytes; NotFound when there is no such entry.
  core::Result<std::string> read(std::string_view name);
  // Uncompressed bytes produced by read() so far, counted against maxUnzippedBytes.
  std::uint64_t bytesRead() const { return unzipped_; }

 private:
  ZipArchive(std::string_view bytes, const Limits& limits)
      : bytes_(bytes),
        maxEntryBytes_(limits.maxEntryBytes),
        maxUnzippedBytes_(limits.maxUnzippedBytes),
        maxRatio_(limits.maxRatio) {}
  core::Result<std::string> inflateEntry(const ZipEntry& e);

  std::string_view bytes_;
  std::uint64_t maxEntryBytes_;
  std::uint64_t maxUnzippedBytes_;
  std::uint32_t maxRatio_;
  std::vector<ZipEntry> entries_;
  std::vector<std::pair<std::string, std::size_t>> index_;  // ASCII-lower-cased name → entry, sorted
  std::uint64_t unzipped_ = 0;
};

}  // namespace airlock::inspect
