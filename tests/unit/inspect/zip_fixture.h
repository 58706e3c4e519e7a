#pragma once
// Zip archives built byte by byte for the inspect tests: well-formed ones (stored or deflated
// with zlib) to hold office parts, and the pieces (local header, central header, end record)
// to build the malformed ones the reader must refuse.
#include <zlib.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace airlock::inspect::testing {

inline void put16(std::string& s, std::uint32_t v) {
  s += static_cast<char>(v & 0xFF);
  s += static_cast<char>((v >> 8) & 0xFF);
}
inline void put32(std::string& s, std::uint32_t v) {
  put16(s, v & 0xFFFF);
  put16(s, v >> 16);
}
inline void put64(std::string& s, std::uint64_t v) {
  put32(s, static_cast<std::uint32_t>(v));
  put32(s, static_cast<std::uint32_t>(v >> 32));
}

inline std::uint32_t crcOf(std::string_view data) {
  return static_cast<std::uint32_t>(::crc32_z(0, reinterpret_cast<const Bytef*>(data.data()), data.size()));
}

inline std::string rawDeflate(std::string_view in) {
  z_stream z{};
  deflateInit2(&z, 9, Z_DEFLATED, -15, 9, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&z, in.size()) + 64, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

struct Header {
  std::string name;
  std::uint16_t method = 0;
  std::uint16_t flags = 0;
  std::uint32_t crc = 0;
  std::uint32_t csize = 0;
  std::uint32_t usize = 0;
  std::string extra;
};

inline std::string localHeader(const Header& h) {
  std::string s;
  put32(s, 0x04034b50);
  put16(s, 20);
  put16(s, h.flags);
  put16(s, h.method);
  put16(s, 0);
  put16(s, 0x21);
  put32(s, h.crc);
  put32(s, h.csize);
  put32(s, h.usize);
  put16(s, static_cast<std::uint32_t>(h.name.size()));
  put16(s, static_cast<std::uint32_t>(h.extra.size()));
  return s + h.name + h.extra;
}

inline std::string centralHeader(const Header& h, std::uint32_t offset) {
  std::string s;
  put32(s, 0x02014b50);
  put16(s, 20);
  put16(s, 20);
  put16(s, h.flags);
  put16(s, h.method);
  put16(s, 0);
  put16(s, 0x21);
  put32(s, h.crc);
  put32(s, h.csize);
  put32(s, h.usize);
  put16(s, static_cast<std::uint32_t>(h.name.size()));
  put16(s, static_cast<std::uint32_t>(h.extra.size()));
  put16(s, 0);
  put16(s, 0);
  put16(s, 0);
  put32(s, 0);
  put32(s, offset);
  return s + h.name + h.extra;
}

inline std::string endRecord(std::uint32_t count, std::uint32_t cdSize, std::uint32_t cdOffset, std::string_view comment = {}) {
  std::string s;
  put32(s, 0x06054b50);
  put16(s, 0);
  put16(s, 0);
  put16(s, count);
  put16(s, count);
  put32(s, cdSize);
  put32(s, cdOffset);
  put16(s, static_cast<std::uint32_t>(comment.size()));
  return s + std::string(comment);
}

// One entry of a well-formed archive, with knobs to make it lie.
struct Entry {
  Entry(std::string n, std::string d, bool deflated = true) : name(std::move(n)), data(std::move(d)), deflate(deflated) {}
  std::string name;
  std::string data;
  bool deflate = true;
  std::optional<std::uint16_t> method;        // declared method (both headers)
  std::uint16_t flags = 0;
  std::optional<std::uint32_t> crc;           // declared CRC (both headers)
  std::optional<std::uint32_t> usize;         // declared uncompressed size (both headers)
  std::optional<std::string> localName;       // the local header names something else
  std::optional<std::uint32_t> localCrc;      // the local header's CRC differs
  std::optional<std::string> compressed;      // these bytes instead of the real compressed data
};

inline std::string makeZip(const std::vector<Entry>& entries, std::string_view comment = {}) {
  std::string out, cd;
  for (const auto& e : entries) {
    const std::string body = e.compressed ? *e.compressed : (e.deflate ? rawDeflate(e.data) : e.data);
    Header h;
    h.name = e.name;
    h.method = e.method.value_or(e.deflate ? 8 : 0);
    h.flags = e.flags;
    h.crc = e.crc.value_or(crcOf(e.data));
    h.csize = static_cast<std::uint32_t>(body.size());
    h.usize = e.usize.value_or(static_cast<std::uint32_t>(e.data.size()));
    Header local = h;
    if (e.localName) local.name = *e.localName;
    if (e.localCrc) local.crc = *e.localCrc;
    const auto offset = static_cast<std::uint32_t>(out.size());
    out += localHeader(local) + body;
    cd += centralHeader(h, offset);
  }
  const auto cdOffset = static_cast<std::uint32_t>(out.size());
  return out + cd + endRecord(static_cast<std::uint32_t>(entries.size()), static_cast<std::uint32_t>(cd.size()), cdOffset, comment);
}

// An archive of named parts, deflated, in the map's order (sorted: fine for office parts).
inline std::string zipOf(const std::map<std::string, std::string>& parts) {
  std::vector<Entry> entries;
  for (const auto& [name, data] : parts) entries.emplace_back(name, data);
  return makeZip(entries);
}

}  // namespace airlock::inspect::testing
