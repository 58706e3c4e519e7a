#include "dlp/scanner.h"

#include <hs/hs.h>
#include <re2/re2.h>

#include <algorithm>
#include <unistd.h>

#include <cctype>
#include <climits>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <string>

#include "core/digest.h"
#include "dlp/decode.h"
#include "dlp/shape.h"
#include "dlp/validators.h"

namespace airlock::dlp {
namespace {

using core::Code;
using core::makeError;

// Bytes of context given to RE2 on each side of a window, so that \b and ^/$ at a window
// edge see the real neighbouring byte.
constexpr std::uint64_t kMargin = 1;
// RE2 sees at most this many capture groups (value = first that took part).
constexpr int kMaxGroups = 8;

// The decoding pass (ScanOptions::decode): runs of base64, hex or URL-encoding are found by
// triggers at their end, decoded (at most kRunMax encoded bytes, the last ones of a longer run)
// and the decoded bytes scanned by a scanner without decoding (one level deep).
constexpr std::uint64_t kRunMax = 4096;
struct DecodeTrigger {
  Encoding encoding;
  const char* pattern;
  std::uint64_t ahead;
};
constexpr DecodeTrigger kDecodeTriggers[] = {
    {Encoding::kBase64, R"([A-Za-z0-9+/_\-]{20}={0,2}(?:[^A-Za-z0-9+/_=\-]|\z))", 0},
    {Encoding::kHex, R"([0-9a-fA-F]{32}(?:[^0-9a-fA-F]|\z))", 0},
    {Encoding::kUrl, R"(%[0-9A-Fa-f]{2}[^\s"'<>]{0,64}(?:[\s"'<>]|\z))", 0},
};


struct HsDatabaseDeleter {
  void operator()(hs_database_t* db) const { hs_free_database(db); }
};
struct HsScratchDeleter {
  void operator()(hs_scratch_t* s) const { hs_free_scratch(s); }
};
struct HsStreamDeleter {
  void operator()(hs_stream_t* s) const { hs_close_stream(s, nullptr, nullptr, nullptr); }
};
using HsDatabase = std::unique_ptr<hs_database_t, HsDatabaseDeleter>;
using HsScratch = std::unique_ptr<hs_scratch_t, HsScratchDeleter>;

// One selected detector, compiled.
struct Compiled {
  std::uint16_t index = 0;  // into allDetectors()
  const Detector* detector = nullptr;
  // Compiled on the first hit: most detectors never fire in a given body, and a short-lived
  // command should not pay for 90 regular expressions it does not use.
  std::unique_ptr<std::once_flag> once = std::make_unique<std::once_flag>();
  mutable std::unique_ptr<RE2> re;
  mutable int groups = 0;
  // The value is always the whole match (the pattern is one group between \b's): no group
  // needs to be found.
  mutable bool wholeGroup = false;
  // Bytes every match starts with (patternLead): a match is only tried where they are, and
  // from there anchored, which saves RE2 the backward pass that finds where a match starts.
  mutable std::string lead;

  const RE2& regex() const {
    std::call_once(*once, [this] {
      RE2::Options o;
      o.set_encoding(RE2::Options::EncodingLatin1);
      o.set_log_errors(false);
      re = std::make_unique<RE2>(re2::StringPiece(detector->pattern.data(), detector->pattern.size()), o);
      groups = re->ok() ? re->NumberOfCapturingGroups() : 0;
      wholeGroup = groupIsWholeMatch(detector->pattern);
      lead = patternLead(detector->pattern);
    });
    return *re;
  }
  std::uint64_t back = 0;
  std::uint64_t ahead = 0;
};

struct Hit {
  std::uint64_t to;
  std::uint32_t compiled;  // index into Impl::compiled
};

}  // namespace

namespace {

// The end of the group or class that starts at p[i] ('(' or '['), or npos.
std::size_t closing(std::string_view p, std::size_t i) {
  if (p[i] == '[') {
    std::size_t j = i + 1;
    if (j < p.size() && p[j] == '^') ++j;
    if (j < p.size() && p[j] == ']') ++j;
    for (; j < p.size() && p[j] != ']'; ++j)
      if (p[j] == '\\') ++j;
    return j < p.size() ? j : std::string_view::npos;
  }
  int depth = 0;
  for (std::size_t j = i; j < p.size(); ++j) {
    if (p[j] == '\\') {
      ++j;
    } else if (p[j] == '[') {
      j = closing(p, j);
      if (j == std::string_view::npos) return j;
    } else if (p[j] == '(') {
      ++depth;
    } else if (p[j] == ')' && --depth == 0) {
      return j;
    }
  }
  return std::string_view::npos;
}

// The alternatives of `p` at its top level (one when there is no '|'); empty on a syntax the
// walk does not follow.
std::vector<std::string_view> alternatives(std::string_view p) {
  std::vector<std::string_view> out;
  std::size_t from = 0;
  for (std::size_t j = 0; j < p.size(); ++j) {
    if (p[j] == '\\') {
      ++j;
    } else if (p[j] == '(' || p[j] == '[') {
      j = closing(p, j);
      if (j == std::string_view::npos) return {};
    } else if (p[j] == '|') {
      out.push_back(p.substr(from, j - from));
      from = j + 1;
    }
  }
  out.push_back(p.substr(from));
  return out;
}

// The literal bytes every match of one alternative starts with.
std::string alternativeLead(std::string_view a) {
  if (a.starts_with("\\b")) a.remove_prefix(2);
  if (a.starts_with("(") && !a.starts_with("(?")) {
    // A capture group first: its content leads, when it has no alternation of its own.
    const std::size_t e = closing(a, 0);
    if (e == std::string_view::npos) return {};
    a = a.substr(1, e - 1);
    if (alternatives(a).size() != 1) return {};
  }
  std::string lead;
  std::size_t i = 0;
  while (i < a.size()) {
    const char ch = a[i];
    std::size_t next = i + 1;
    char lit = ch;
    if (ch == '\\') {
      if (i + 1 >= a.size()) break;
      const auto e = static_cast<unsigned char>(a[i + 1]);
      if (std::isalnum(e) != 0) break;  // \d \b \x41 …: not a literal byte here
      lit = a[i + 1];
      next = i + 2;
    } else if (std::string_view(".^$|?*+()[]{}").find(ch) != std::string_view::npos) {
      break;
    }
    if (next < a.size() && std::string_view("?*+{").find(a[next]) != std::string_view::npos) break;
    lead.push_back(lit);
    i = next;
  }
  return lead;
}

}  // namespace

bool groupIsWholeMatch(std::string_view pattern) {
  // Optional \b, one capturing group, optional \b: the group spans the whole match whenever
  // the pattern matches. Anything the walk does not fully understand answers false.
  std::string_view p = pattern;
  if (p.starts_with("\\b")) p.remove_prefix(2);
  if (p.size() < 2 || p[0] != '(' || p[1] == '?' || p.find("\\Q") != std::string_view::npos) return false;
  const std::size_t e = closing(p, 0);
  if (e == std::string_view::npos) return false;
  const std::string_view rest = p.substr(e + 1);
  return rest.empty() || rest == "\\b";
}

std::string patternLead(std::string_view pattern) {
  // A flag group without a colon changes the case of what follows it, across alternatives.
  if (pattern.find("(?i)") != std::string_view::npos || pattern.find("\\Q") != std::string_view::npos)
    return {};
  const auto alts = alternatives(pattern);
  if (alts.empty()) return {};
  std::string lead = alternativeLead(alts.front());
  for (std::size_t k = 1; k < alts.size() && !lead.empty(); ++k) {
    const std::string other = alternativeLead(alts[k]);
    std::size_t n = 0;
    while (n < lead.size() && n < other.size() && lead[n] == other[n]) ++n;
    lead.resize(n);
  }
  return lead;
}

bool findingLess(const Finding& a, const Finding& b) {
  if (a.start != b.start) return a.start < b.start;
  if (a.end != b.end) return a.end < b.end;
  if (a.detector != b.detector) return a.detector < b.detector;
  if (a.encoding != b.encoding) return a.encoding < b.encoding;
  // The rest of what makes two findings equal, so that equal ones sort next to each other and
  // one scan's duplicates all go (a decoded run reports each inner finding at the run's span).
  if (a.confidence != b.confidence) return a.confidence < b.confidence;
  return a.reason < b.reason;
}


struct Scanner::Impl {
  ScanOptions options;
  std::vector<Compiled> compiled;
  HsDatabase block;   // null when every selected detector is fired by a shape
  HsDatabase stream;
  std::uint32_t shapes = 0;  // bit 1 << Shape of each shape some selected detector uses
  std::vector<std::uint32_t> shapeTargets[kShapeCount];  // compiled indexes per shape
  std::uint64_t maxBack = 0;
  std::uint64_t maxAhead = 0;
  std::shared_ptr<const Scanner> inner;  // scans decoded runs (decode only)

  std::mutex poolMu;
  std::vector<HsScratch> pool;
  HsScratch proto;

  HsScratch takeScratch() {
    {
      std::lock_guard lock(poolMu);
      if (!pool.empty()) {
        HsScratch s = std::move(pool.back());
        pool.pop_back();
        return s;
      }
    }
    hs_scratch_t* s = nullptr;
    if (hs_clone_scratch(proto.get(), &s) != HS_SUCCESS) return nullptr;
    return HsScratch(s);
  }
  void giveScratch(HsScratch s) {
    if (!s) return;
    std::lock_guard lock(poolMu);
    pool.push_back(std::move(s));
  }

  // Confirms one trigger hit. `bytes` holds the body from absolute offset `base`; `total` is
  // the body's length when known (end of stream), else UINT64_MAX. The window must be present.
  std::uint64_t backOf(std::uint32_t id) const {
    return id < compiled.size() ? compiled[id].back : kRunMax + 8;
  }
  std::uint64_t aheadOf(std::uint32_t id) const {
    return id < compiled.size() ? compiled[id].ahead : 0;
  }

  // The shape pass over [from, to): its hits as trigger hits of the detectors using each shape.
  void shapeHits(std::string_view bytes, std::uint64_t base, std::uint64_t from, std::uint64_t to,
                 bool eof, std::vector<ShapeHit>& scratch, std::vector<Hit>& out) const {
    scratch.clear();
    scanShapes(bytes, base, from, to, eof, shapes, scratch);
    for (const ShapeHit& h : scratch)
      for (std::uint32_t c : shapeTargets[static_cast<std::size_t>(h.shape)]) out.push_back(Hit{h.to, c});
  }

  template <typename Emit>
  void confirmDecoded(const Hit& hit, std::string_view bytes, std::uint64_t base,
                      Emit&& emit) const {
    const Encoding enc = kDecodeTriggers[hit.compiled - compiled.size()].encoding;
    if (hit.to == 0 || hit.to > base + bytes.size()) return;
    auto at = [&](std::uint64_t off) { return static_cast<unsigned char>(bytes[off - base]); };
    std::uint64_t runEnd = hit.to;
    if (!inRun(enc, at(runEnd - 1)) && !(enc == Encoding::kBase64 && at(runEnd - 1) == '=')) --runEnd;
    std::uint64_t runStart = runEnd;
    if (enc == Encoding::kBase64)
      while (runStart > base && runEnd - runStart < 2 && at(runStart - 1) == '=') --runStart;
    const std::uint64_t floor = std::max(base, runEnd > kRunMax ? runEnd - kRunMax : 0);
    while (runStart > floor && inRun(enc, at(runStart - 1))) --runStart;
    if (runEnd - runStart < 8) return;
    auto decoded = decodeRun(enc, bytes.substr(runStart - base, runEnd - runStart));
    if (!decoded || decoded->empty()) return;
    auto found = inner->scan(*decoded);
    if (!found) return;
    for (const Finding& in : *found) {
      Finding f = in;
      f.start = runStart;
      f.end = runEnd;
      f.encoding = static_cast<std::uint8_t>(enc);
      emit(f);
    }
  }

  template <typename Emit>
  void confirm(const Hit& hit, std::string_view bytes, std::uint64_t base, std::uint64_t total,
               Emit&& emit) const {
    if (hit.compiled >= compiled.size()) {
      confirmDecoded(hit, bytes, base, emit);
      return;
    }
    const Compiled& c = compiled[hit.compiled];
    const std::uint64_t known = base + bytes.size();
    const std::uint64_t limit = std::min(known, total);
    const std::uint64_t winStart = hit.to > c.back ? hit.to - c.back : 0;
    const std::uint64_t winEnd = std::min(hit.to + c.ahead, limit);
    const std::uint64_t ctxStart = winStart >= kMargin ? winStart - kMargin : 0;
    const std::uint64_t ctxEnd = std::min(winEnd + kMargin, limit);
    if (ctxStart < base || winEnd < hit.to) return;  // cannot happen: kept by the stream
    const re2::StringPiece text(bytes.data() + (ctxStart - base), ctxEnd - ctxStart);
    std::size_t pos = winStart - ctxStart;
    const std::size_t endPos = winEnd - ctxStart;
    const std::uint64_t toRel = hit.to - ctxStart;
    re2::StringPiece groups[kMaxGroups + 1];
    const RE2& re = c.regex();
    if (!re.ok()) return;  // every pattern is compiled by a unit test
    const int n = std::min(c.groups, kMaxGroups) + 1;
    const std::string_view all(text.data(), text.size());
    while (pos <= endPos) {
      // The span first, with RE2's DFAs only (no submatches: several times faster, and most
      // windows hold no match at all); the groups then from one anchored match of that span.
      // `text` stays the context, so \b and $ at the span's edges see the real neighbours.
      if (!c.lead.empty()) {
        // The leftmost match starts at the first place the lead is where one starts at all.
        const std::size_t at = all.substr(0, endPos).find(c.lead, pos);
        if (at == std::string_view::npos || at >= toRel) return;
        if (!re.Match(text, at, endPos, RE2::ANCHOR_START, groups, 1)) {
          pos = at + 1;
          continue;
        }
      } else if (!re.Match(text, pos, endPos, RE2::UNANCHORED, groups, 1)) {
        return;
      }
      const std::size_t mStart = static_cast<std::size_t>(groups[0].data() - text.data());
      const std::size_t mEnd = mStart + groups[0].size();
      if (mStart >= toRel) return;  // later matches cannot cover the trigger end
      if (mEnd >= toRel) {
        re2::StringPiece value = groups[0];
        std::string_view located;
        if (n == 1 || c.wholeGroup) {
          // the value is the match
        } else if (c.detector->locate != nullptr &&
                   c.detector->locate(std::string_view(groups[0].data(), groups[0].size()), located)) {
          value = re2::StringPiece(located.data(), located.size());
        } else {
          if (!re.Match(text, mStart, mEnd, RE2::ANCHOR_BOTH, groups, n)) return;
          for (int g = 1; g < n; ++g) {
            if (groups[g].data() != nullptr) {
              value = groups[g];
              break;
            }
          }
        }
        const std::size_t vStart = static_cast<std::size_t>(value.data() - text.data());
        Candidate cand;
        cand.value = std::string_view(value.data(), value.size());
        cand.match = std::string_view(groups[0].data(), groups[0].size());
        cand.before = std::string_view(text.data() + (winStart - ctxStart), mStart - (winStart - ctxStart));
        cand.after = std::string_view(text.data() + mEnd, endPos > mEnd ? endPos - mEnd : 0);
        std::optional<Verdict> v;
        if (c.detector->validate != nullptr) {
          v = c.detector->validate(cand);
        } else {
          v = Verdict{Confidence::kHigh, "pattern match"};
        }
        if (v && v->confidence >= options.minConfidence && !value.empty()) {
          Finding f;
          f.detector = c.index;
          f.start = ctxStart + vStart;
          f.end = f.start + value.size();
          if (!v->narrowed.empty() && v->narrowed.data() >= cand.value.data() &&
              v->narrowed.data() + v->narrowed.size() <= cand.value.data() + cand.value.size()) {
            f.start += static_cast<std::uint64_t>(v->narrowed.data() - cand.value.data());
            f.end = f.start + v->narrowed.size();
          }
          f.confidence = v->confidence;
          f.reason = v->reason;
          emit(f);
        }
        return;
      }
      pos = mEnd > mStart ? mEnd : mEnd + 1;
    }
  }
};

namespace {

// Cache file: "airlock-dlp-cache 1\n", the window look-back of each detector (u64 each), then
// the block and the stream database, each as a u64 length and hs_serialize_database() bytes.
constexpr std::string_view kCacheMagic = "airlock-dlp-cache 1\n";

void putU64(std::string& out, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
bool getU64(std::string_view& in, std::uint64_t& v) {
  if (in.size() < 8) return false;
  v = 0;
  for (int i = 0; i < 8; ++i) v |= static_cast<std::uint64_t>(static_cast<unsigned char>(in[i])) << (8 * i);
  in.remove_prefix(8);
  return true;
}

}  // namespace

bool Scanner::loadCache(const std::string& path, Impl& impl) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return false;
  std::string bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  std::string_view in(bytes);
  if (in.substr(0, kCacheMagic.size()) != kCacheMagic) return false;
  in.remove_prefix(kCacheMagic.size());
  std::vector<std::uint64_t> backs(impl.compiled.size());
  for (auto& b : backs)
    if (!getU64(in, b) || b == 0 || b > (1u << 20)) return false;
  HsDatabase dbs[2];
  for (auto& db : dbs) {
    std::uint64_t n = 0;
    if (!getU64(in, n) || n > in.size()) return false;
    hs_database_t* raw = nullptr;
    if (hs_deserialize_database(in.data(), n, &raw) != HS_SUCCESS) return false;
    db.reset(raw);
    in.remove_prefix(n);
  }
  if (!in.empty()) return false;
  for (std::size_t i = 0; i < backs.size(); ++i) impl.compiled[i].back = backs[i];
  impl.block = std::move(dbs[0]);
  impl.stream = std::move(dbs[1]);
  return true;
}

void Scanner::saveCache(const std::string& path, const Impl& impl) {
  std::string out(kCacheMagic);
  for (const auto& c : impl.compiled) putU64(out, c.back);
  for (hs_database_t* db : {impl.block.get(), impl.stream.get()}) {
    char* bytes = nullptr;
    std::size_t n = 0;
    if (hs_serialize_database(db, &bytes, &n) != HS_SUCCESS) return;
    putU64(out, n);
    out.append(bytes, n);
    std::free(bytes);  // allocated by hs_misc_alloc
  }
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
  const std::string tmp = path + ".tmp" + std::to_string(::getpid());
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    if (!f) return;
    f.write(out.data(), static_cast<std::streamsize>(out.size()));
    if (!f) return;
  }
  std::filesystem::rename(tmp, path, ec);  // atomic: concurrent writers write the same bytes
  if (ec) std::filesystem::remove(tmp, ec);
}

Scanner::Scanner(PrivateTag, std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Scanner::~Scanner() = default;

const Detector& Scanner::detector(std::uint16_t index) const { return allDetectors()[index]; }
std::size_t Scanner::detectorCount() const { return allDetectors().size(); }
const ScanOptions& Scanner::options() const { return impl_->options; }
std::uint64_t Scanner::maxLookBehind() const { return impl_->maxBack + kMargin; }

core::Result<std::shared_ptr<const Scanner>> Scanner::build(const ScanOptions& options) {
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  auto all = allDetectors();
  for (const auto& id : options.only)
    if (findDetector(id) == nullptr) return makeError(Code::kInvalidArgument, "unknown detector '" + id + "'");
  for (const auto& id : options.exclude)
    if (findDetector(id) == nullptr) return makeError(Code::kInvalidArgument, "unknown detector '" + id + "'");

  std::vector<std::string> triggers;
  std::vector<unsigned> flags, ids;  // ids: index into compiled (decode triggers after them)
  for (std::size_t i = 0; i < all.size(); ++i) {
    const Detector& d = all[i];
    auto listed = [&d](const std::vector<std::string>& v) {
      return std::find(v.begin(), v.end(), d.id) != v.end();
    };
    if (!options.only.empty() && !listed(options.only)) continue;
    if (listed(options.exclude)) continue;
    Compiled c;
    c.index = static_cast<std::uint16_t>(i);
    c.detector = &d;
    c.back = d.back;
    c.ahead = d.ahead;
    const auto index = static_cast<std::uint32_t>(impl->compiled.size());
    if (d.shape != Shape::kNone) {
      if (d.back == 0) return makeError(Code::kInternal, "detector " + std::string(d.id) + ": a shape needs a window");
      impl->shapes |= 1u << static_cast<unsigned>(d.shape);
      impl->shapeTargets[static_cast<std::size_t>(d.shape)].push_back(index);
    } else {
      triggers.emplace_back(d.trigger.empty() ? d.pattern : d.trigger);
      flags.push_back(0);
      ids.push_back(index);
    }
    impl->compiled.push_back(std::move(c));
  }
  if (impl->compiled.empty())
    return makeError(Code::kInvalidArgument, "no detector selected");
  if (options.decode) {
    ScanOptions innerOpts = options;
    innerOpts.decode = false;
    auto inner = build(innerOpts);
    if (!inner) return inner.error();
    impl->inner = std::move(*inner);
    for (const auto& t : kDecodeTriggers) {
      triggers.emplace_back(t.pattern);
      flags.push_back(0);
      ids.push_back(static_cast<unsigned>(impl->compiled.size() + (&t - kDecodeTriggers)));
    }
  }

  // A cached database is keyed by everything that goes into it, and by the windows it stores.
  const bool useHs = !triggers.empty();
  std::string keyText = std::string(hs_version()) + '\n';
  for (std::size_t t = 0; t < triggers.size(); ++t) keyText += triggers[t] + '\0' + std::to_string(ids[t]) + '\n';
  for (const auto& c : impl->compiled) keyText += std::string(c.detector->id) + '\0' + std::to_string(c.back) + '\n';
  const std::string cachePath = options.cacheDir.empty() || !useHs
                                    ? ""
                                    : options.cacheDir + "/dlp-" + core::sha256Hex(keyText).substr(0, 32) + ".hsdb";
  if (!cachePath.empty() && loadCache(cachePath, *impl)) {
    // loaded: window sizes and both databases
  } else if (useHs) {
    for (std::size_t t = 0; t < triggers.size(); ++t) {
      if (ids[t] >= impl->compiled.size()) continue;  // a decode trigger: its window is fixed
      Compiled& c = impl->compiled[ids[t]];
      if (c.back != 0) continue;
      hs_expr_info_t* info = nullptr;
      hs_compile_error_t* err = nullptr;
      if (hs_expression_info(triggers[t].c_str(), 0, &info, &err) != HS_SUCCESS) {
        std::string msg = err ? err->message : "unknown error";
        hs_free_compile_error(err);
        return makeError(Code::kInternal, "detector " + std::string(c.detector->id) + ": trigger: " + msg);
      }
      const unsigned maxWidth = info->max_width;
      std::free(info);  // allocated by hs_misc_alloc (malloc by default)
      if (maxWidth == UINT_MAX)
        return makeError(Code::kInternal, "detector " + std::string(c.detector->id) + ": trigger is unbounded");
      c.back = maxWidth;
    }
    std::vector<const char*> exprs;
    for (const auto& t : triggers) exprs.push_back(t.c_str());
    for (unsigned mode : {unsigned{HS_MODE_BLOCK}, unsigned{HS_MODE_STREAM}}) {
      hs_database_t* db = nullptr;
      hs_compile_error_t* err = nullptr;
      if (hs_compile_multi(exprs.data(), flags.data(), ids.data(), static_cast<unsigned>(exprs.size()),
                           mode, nullptr, &db, &err) != HS_SUCCESS) {
        std::string msg = err ? err->message : "unknown error";
        const int e = err ? err->expression : -1;
        std::string which = e < 0 || static_cast<std::size_t>(e) >= ids.size() ? "database"
                            : ids[e] < impl->compiled.size() ? std::string(impl->compiled[ids[e]].detector->id)
                                                             : "decode trigger";
        hs_free_compile_error(err);
        return makeError(Code::kInternal, "hyperscan: " + which + ": " + msg);
      }
      (mode == HS_MODE_BLOCK ? impl->block : impl->stream).reset(db);
    }
    if (!cachePath.empty()) saveCache(cachePath, *impl);  // best effort
  }
  for (const auto& c : impl->compiled) {
    impl->maxBack = std::max(impl->maxBack, c.back);
    impl->maxAhead = std::max(impl->maxAhead, c.ahead);
  }
  if (options.decode) impl->maxBack = std::max<std::uint64_t>(impl->maxBack, kRunMax + 8);
  if (useHs) {
    hs_scratch_t* scratch = nullptr;
    if (hs_alloc_scratch(impl->block.get(), &scratch) != HS_SUCCESS ||
        hs_alloc_scratch(impl->stream.get(), &scratch) != HS_SUCCESS) {
      hs_free_scratch(scratch);
      return makeError(Code::kInternal, "hyperscan: cannot allocate scratch space");
    }
    impl->proto.reset(scratch);
  }
  return std::shared_ptr<const Scanner>(std::make_shared<Scanner>(PrivateTag{}, std::move(impl)));
}

core::Result<std::vector<Finding>> Scanner::scan(std::string_view data) const {
  std::vector<Finding> out;
  if (data.size() > UINT_MAX) {  // Hyperscan's block mode takes 32-bit lengths
    ScanStream stream(*this);
    const FindingSink sink = [&out](const Finding& f) { out.push_back(f); };
    for (std::size_t off = 0; off < data.size(); off += 1u << 30) {
      auto st = stream.feed(data.substr(off, 1u << 30), sink);
      if (!st) return st.error();
    }
    auto st = stream.finish(sink);
    if (!st) return st.error();
  } else {
    HsScratch scratch;
    if (impl_->block) {
      scratch = impl_->takeScratch();
      if (!scratch) return makeError(Code::kInternal, "hyperscan: cannot allocate scratch space");
    }
    struct Ctx {
      const Impl* impl;
      std::string_view data;
      std::vector<Finding>* out;
      std::vector<Hit>* decodeHits;
    };
    std::vector<Hit> decodeHits;
    Ctx ctx{impl_.get(), data, &out, &decodeHits};
    auto onMatch = [](unsigned id, unsigned long long, unsigned long long to, unsigned,
                      void* p) -> int {
      auto* c = static_cast<Ctx*>(p);
      if (id >= c->impl->compiled.size()) {
        // Decoded runs are scanned again, by another scanner: never from inside this scan's
        // callback (Hyperscan scans must not nest).
        c->decodeHits->push_back(Hit{to, id});
        return 0;
      }
      c->impl->confirm(Hit{to, id}, c->data, 0, c->data.size(),
                       [c](const Finding& f) { c->out->push_back(f); });
      return 0;
    };
    const hs_error_t rc = impl_->block ? hs_scan(impl_->block.get(), data.data(), static_cast<unsigned>(data.size()),
                                                 0, scratch.get(), onMatch, &ctx)
                                       : HS_SUCCESS;
    if (impl_->shapes != 0) {
      std::vector<ShapeHit> shapeScratch;
      impl_->shapeHits(data, 0, 0, data.size(), true, shapeScratch, decodeHits);
    }
    for (const Hit& h : decodeHits)
      impl_->confirm(h, data, 0, data.size(), [&out](const Finding& f) { out.push_back(f); });
    impl_->giveScratch(std::move(scratch));
    if (rc != HS_SUCCESS) return makeError(Code::kInternal, "hyperscan: scan failed");
  }
  std::sort(out.begin(), out.end(), findingLess);
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

// ---------------------------------------------------------------------------------- stream

struct ScanStream::State {
  const Scanner::Impl* impl = nullptr;
  HsScratch scratch;
  std::unique_ptr<hs_stream_t, HsStreamDeleter> stream;
  std::string buf;            // body bytes from absolute offset base
  std::uint64_t base = 0;
  std::uint64_t consumed = 0;
  std::vector<Hit> pending;   // hits whose window is not complete yet
  std::uint64_t shapeDone = 0;  // the shape pass has examined every offset before this
  std::vector<ShapeHit> shapeScratch;
  std::vector<Finding> recent;  // reported findings that a later hit could report again
  bool finished = false;
  bool failed = false;

  std::uint64_t lowWater() const {
    // No window of a pending or future hit starts before this offset.
    std::uint64_t lw = consumed + 1 > impl->maxBack + kMargin ? consumed + 1 - impl->maxBack - kMargin : 0;
    if (impl->shapes != 0) lw = std::min(lw, shapeDone > kShapeBack ? shapeDone - kShapeBack : 0);
    for (const Hit& h : pending) {
      const std::uint64_t back = impl->backOf(h.compiled);
      std::uint64_t s = h.to > back + kMargin ? h.to - back - kMargin : 0;
      lw = std::min(lw, s);
    }
    return lw;
  }

  void process(bool eof, const FindingSink& sink) {
    std::sort(pending.begin(), pending.end(), [](const Hit& a, const Hit& b) {
      return a.to != b.to ? a.to < b.to : a.compiled < b.compiled;
    });
    std::size_t keep = 0;
    const std::uint64_t total = eof ? consumed : UINT64_MAX;
    for (std::size_t i = 0; i < pending.size(); ++i) {
      const Hit h = pending[i];
      if (!eof && h.to + impl->aheadOf(h.compiled) + kMargin > consumed) {
        pending[keep++] = h;
        continue;
      }
      impl->confirm(h, buf, base, total, [this, &sink](const Finding& f) {
        if (std::find(recent.begin(), recent.end(), f) != recent.end()) return;
        recent.push_back(f);
        sink(f);
      });
    }
    pending.resize(keep);
    const std::uint64_t lw = lowWater();
    std::erase_if(recent, [lw](const Finding& f) { return f.start < lw; });
    // Drop bytes no window can reach any more (amortised: only when it frees half the buffer).
    if (lw > base && (lw - base) * 2 >= buf.size()) {
      buf.erase(0, lw - base);
      base = lw;
    }
  }
};

ScanStream::ScanStream(const Scanner& scanner) : state_(std::make_unique<State>()) {
  state_->impl = scanner.impl_.get();
  if (!state_->impl->stream) return;  // shapes only
  state_->scratch = const_cast<Scanner::Impl*>(state_->impl)->takeScratch();  // NOLINT: pool
  hs_stream_t* s = nullptr;
  if (!state_->scratch || hs_open_stream(state_->impl->stream.get(), 0, &s) != HS_SUCCESS) {
    state_->failed = true;
    return;
  }
  state_->stream.reset(s);
}

ScanStream::~ScanStream() {
  if (state_->stream) {
    hs_close_stream(state_->stream.release(), state_->scratch.get(), nullptr, nullptr);
  }
  const_cast<Scanner::Impl*>(state_->impl)->giveScratch(std::move(state_->scratch));  // NOLINT
}

namespace {
int collectHit(unsigned id, unsigned long long, unsigned long long to, unsigned, void* p) {
  static_cast<std::vector<Hit>*>(p)->push_back(Hit{to, id});
  return 0;
}
}  // namespace

core::Status ScanStream::feed(std::string_view chunk, const FindingSink& sink) {
  State& s = *state_;
  if (s.failed) return makeError(Code::kInternal, "hyperscan: stream could not be opened");
  if (s.finished) return makeError(Code::kFailedPrecondition, "scan stream already finished");
  while (!chunk.empty()) {
    // Hyperscan takes 32-bit lengths; big chunks go in pieces.
    std::string_view piece = chunk.substr(0, std::min<std::size_t>(chunk.size(), 1u << 26));
    chunk.remove_prefix(piece.size());
    s.buf.append(piece);
    if (s.stream && hs_scan_stream(s.stream.get(), piece.data(), static_cast<unsigned>(piece.size()), 0,
                                   s.scratch.get(), collectHit, &s.pending) != HS_SUCCESS) {
      s.failed = true;
      return makeError(Code::kInternal, "hyperscan: stream scan failed");
    }
    s.consumed += piece.size();
    // The shape pass trails the stream by kShapeAhead bytes: its checks read that far ahead.
    if (s.impl->shapes != 0 && s.consumed > s.shapeDone + kShapeAhead) {
      const std::uint64_t upTo = s.consumed - kShapeAhead;
      s.impl->shapeHits(s.buf, s.base, s.shapeDone, upTo, false, s.shapeScratch, s.pending);
      s.shapeDone = upTo;
    }
    s.process(false, sink);
  }
  return {};
}

core::Status ScanStream::finish(const FindingSink& sink) {
  State& s = *state_;
  if (s.failed) return makeError(Code::kInternal, "hyperscan: stream could not be opened");
  if (s.finished) return {};
  s.finished = true;
  if (s.stream && hs_close_stream(s.stream.release(), s.scratch.get(), collectHit, &s.pending) != HS_SUCCESS)
    return makeError(Code::kInternal, "hyperscan: closing the stream failed");
  if (s.impl->shapes != 0 && s.consumed > s.shapeDone) {
    s.impl->shapeHits(s.buf, s.base, s.shapeDone, s.consumed, true, s.shapeScratch, s.pending);
    s.shapeDone = s.consumed;
  }
  s.process(true, sink);
  return {};
}

std::uint64_t ScanStream::consumed() const { return state_->consumed; }

std::uint64_t ScanStream::settledOffset() const {
  return state_->finished ? state_->consumed : state_->lowWater();
}

}  // namespace airlock::dlp
