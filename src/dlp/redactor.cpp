#include "dlp/redactor.h"

#include <algorithm>

namespace airlock::dlp {

Redactor::Redactor(const Scanner& scanner, Anonymizer& anonymizer)
    : scanner_(scanner), anonymizer_(anonymizer), stream_(scanner) {}

core::Status Redactor::feed(std::string_view chunk, std::string& out) {
  tail_.append(chunk);
  auto st = stream_.feed(chunk, [this](const Finding& f) {
    open_.push_back(f);
    all_.push_back(f);
  });
  if (!st) return st;
  release(stream_.settledOffset(), out);
  return {};
}

core::Status Redactor::finish(std::string& out) {
  auto st = stream_.finish([this](const Finding& f) {
    open_.push_back(f);
    all_.push_back(f);
  });
  if (!st) return st;
  release(stream_.consumed(), out);
  return {};
}

void Redactor::release(std::uint64_t settled, std::string& out) {
  std::sort(open_.begin(), open_.end(), findingLess);
  std::size_t used = 0;
  std::uint64_t base = released_;  // offset of tail_[0]
  std::size_t cursor = 0;          // bytes of tail_ already released in this call
  auto copyUpTo = [&](std::uint64_t upTo) {
    std::size_t rel = static_cast<std::size_t>(upTo - base);
    if (rel > cursor) {
      out.append(tail_, cursor, rel - cursor);
      cursor = rel;
    }
  };
  while (true) {
    if (used == open_.size() || open_[used].start >= settled) {
      copyUpTo(settled);
      break;
    }
    // A group: this finding and every open finding that overlaps it.
    std::uint64_t gStart = std::max<std::uint64_t>(open_[used].start, base + cursor);
    std::uint64_t gEnd = open_[used].end;
    std::size_t widest = used;
    std::size_t j = used + 1;
    while (j < open_.size() && open_[j].start < gEnd) {
      if (open_[j].end - open_[j].start > open_[widest].end - open_[widest].start) widest = j;
      gEnd = std::max(gEnd, open_[j].end);
      ++j;
    }
    if (gEnd > settled) {  // a finding still to come could overlap this group: hold it
      copyUpTo(gStart);
      break;
    }
    copyUpTo(gStart);
    if (gEnd > gStart) {
      std::string_view value(tail_.data() + (gStart - base), gEnd - gStart);
      out += anonymizer_.replace(scanner_.detector(open_[widest].detector), value);
      cursor = static_cast<std::size_t>(gEnd - base);
    }
    used = j;
  }
  open_.erase(open_.begin(), open_.begin() + static_cast<std::ptrdiff_t>(used));
  tail_.erase(0, cursor);
  released_ = base + cursor;
}

core::Result<std::string> redactAll(const Scanner& scanner, Anonymizer& anonymizer,
                                    std::string_view data, std::vector<Finding>* findings) {
  Redactor r(scanner, anonymizer);
  std::string out;
  out.reserve(data.size());
  auto st = r.feed(data, out);
  if (!st) return st.error();
  st = r.finish(out);
  if (!st) return st.error();
  if (findings != nullptr) {
    *findings = r.findings();
    std::sort(findings->begin(), findings->end(), findingLess);
  }
  return out;
}

}  // namespace airlock::dlp
