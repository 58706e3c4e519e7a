// Google Benchmark: the DLP scanner with every built-in detector on, over the shared corpus
// (../shared/bench/dlp/gen_corpus.py; directory from AIRLOCK_DLP_CORPUS, the part-*.txt files
// are read into memory once). What is timed:
//   BM_Build            Scanner::build(): compiling every trigger into one Hyperscan database
//                       and every confirming RE2 pattern (start-up cost of a short command)
//   BM_BuildCached      the same with ScanOptions::cacheDir holding the database from an earlier
//                       build (a scratch directory, filled once before timing)
//   BM_Block            scan() of each corpus file in turn (block mode, as `airlock scan FILE`)
//   BM_BlockDecode      the same with ScanOptions::decode (base64 / hex / URL runs re-scanned)
//   BM_ShapePass        the shape pass alone (shape.h) over each file, every shape wanted: the
//                       part of BM_Block that finds cards, phones, IPs … (its hits not confirmed)
//   BM_Triggers/all     Hyperscan alone over each file with every detector's trigger (the
//                       database scan() uses), hits counted, none confirmed
//   BM_Triggers/cased   the same without the case-insensitive triggers (keyword context:
//                       password, token, phone, dob …): what the vendor prefixes alone cost
//   BM_Stream64K        each file fed to a ScanStream in 64 KiB chunks, then finish()
//   BM_BlockSmall/B     scan() of the first 1 KiB / 64 KiB / 1 MiB of the corpus: the fixed cost of a
//                       call, which dominates the small bodies of a hook
//   BM_BlockLinear/MB   one scan() of an 8/16/32/64 MB input made by concatenating the corpus
//   BM_StreamLinear/MB  the same inputs through a ScanStream in 64 KiB chunks
// Throughput is bytes/s of input; findings are counted so the work cannot be skipped, and
// before timing the streamed findings are checked against block mode (same set, or abort).
// Set AIRLOCK_DLP_PER_DETECTOR=1 to add BM_OneDetector/<id>: each detector alone over the
// first 8 MB, which shows triggers that fire (and confirm in RE2) far more than they find.
// Run on one core: taskset -c 0 build/bench/bench/dlp_bench (bench/dlp.sh does).
#include <benchmark/benchmark.h>
#include <hs/hs.h>
#include <stdlib.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "dlp/detector.h"
#include "dlp/scanner.h"
#include "dlp/shape.h"

namespace {

namespace dlp = airlock::dlp;
constexpr std::size_t kChunk = 64 * 1024;

[[noreturn]] void die(const std::string& message) {
  std::fprintf(stderr, "dlp_bench: %s\n", message.c_str());
  std::exit(2);
}

// The corpus files in name order, read once. Exits when AIRLOCK_DLP_CORPUS is unset or empty:
// a benchmark over no bytes would print a meaningless figure.
const std::vector<std::string>& corpus() {
  static const std::vector<std::string> files = [] {
    const char* dir = std::getenv("AIRLOCK_DLP_CORPUS");
    if (dir == nullptr || *dir == '\0') die("set AIRLOCK_DLP_CORPUS to a gen_corpus.py directory");
    std::vector<std::filesystem::path> paths;
    for (const auto& e : std::filesystem::directory_iterator(dir)) {
      const std::string name = e.path().filename().string();
      if (e.is_regular_file() && name.starts_with("part-") && name.ends_with(".txt"))
        paths.push_back(e.path());
    }
    if (paths.empty()) die(std::string("no part-*.txt in ") + dir);
    std::sort(paths.begin(), paths.end());
    std::vector<std::string> out;
    for (const auto& p : paths) {
      std::ifstream in(p, std::ios::binary);
      std::ostringstream ss;
      ss << in.rdbuf();
      out.push_back(std::move(ss).str());
    }
    return out;
  }();
  return files;
}

std::size_t corpusBytes() {
  std::size_t n = 0;
  for (const auto& f : corpus()) n += f.size();
  return n;
}

// An input of exactly `mb` MiB: the corpus concatenated (repeated if needed), cut at the size.
const std::string& concatenated(std::size_t mb) {
  static std::vector<std::pair<std::size_t, std::unique_ptr<std::string>>> cache;
  for (const auto& [size, s] : cache)
    if (size == mb) return *s;
  auto s = std::make_unique<std::string>();
  const std::size_t want = mb << 20;
  s->reserve(want);
  while (s->size() < want)
    for (const auto& f : corpus()) {
      if (s->size() >= want) break;
      s->append(f, 0, std::min(f.size(), want - s->size()));
    }
  cache.emplace_back(mb, std::move(s));
  return *cache.back().second;
}

std::shared_ptr<const dlp::Scanner> build(const dlp::ScanOptions& options) {
  auto s = dlp::Scanner::build(options);
  if (!s) die("Scanner::build: " + s.error().toString());
  return *s;
}

const dlp::Scanner& allDetectors() {
  static const auto s = build({});
  return *s;
}

const dlp::Scanner& allDetectorsDecode() {
  static const auto s = [] {
    dlp::ScanOptions o;
    o.decode = true;
    return build(o);
  }();
  return *s;
}

std::size_t scanBlock(const dlp::Scanner& s, std::string_view data) {
  auto r = s.scan(data);
  if (!r) die("scan: " + r.error().toString());
  return r->size();
}

std::size_t scanStream(const dlp::Scanner& s, std::string_view data,
                       std::vector<dlp::Finding>* keep = nullptr) {
  std::size_t n = 0;
  const dlp::FindingSink sink = [&](const dlp::Finding& f) {
    ++n;
    if (keep != nullptr) keep->push_back(f);
  };
  dlp::ScanStream stream(s);
  for (std::size_t at = 0; at < data.size(); at += kChunk) {
    auto st = stream.feed(data.substr(at, kChunk), sink);
    if (!st) die("feed: " + st.error().toString());
  }
  auto st = stream.finish(sink);
  if (!st) die("finish: " + st.error().toString());
  return n;
}

// Streaming must give exactly the block-mode findings (detector.h); a faster stream that
// dropped findings at chunk edges would be no result at all.
void checkStreamEqualsBlock() {
  static bool done = false;
  if (done) return;
  done = true;
  const auto& s = allDetectors();
  for (std::size_t i = 0; i < corpus().size(); ++i) {
    auto block = s.scan(corpus()[i]);
    if (!block) die("scan: " + block.error().toString());
    std::vector<dlp::Finding> streamed;
    scanStream(s, corpus()[i], &streamed);
    std::sort(streamed.begin(), streamed.end(), dlp::findingLess);
    if (streamed != *block)
      die("file " + std::to_string(i) + ": " + std::to_string(streamed.size()) +
          " streamed findings vs " + std::to_string(block->size()) + " in block mode");
  }
}

void setCounters(benchmark::State& state, std::size_t bytes, std::size_t findings) {
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes));
  state.counters["MB"] = static_cast<double>(bytes) / 1e6;
  state.counters["findings"] = static_cast<double>(findings);
}

void BM_Build(benchmark::State& state) {
  std::size_t detectors = 0;
  for (auto _ : state) {
    auto s = build({});
    detectors = s->detectorCount();
    benchmark::DoNotOptimize(s);
  }
  state.counters["detectors"] = static_cast<double>(detectors);
}

void BM_BuildCached(benchmark::State& state) {
  char dir[] = "/tmp/airlock-dlp-cache-XXXXXX";
  if (mkdtemp(dir) == nullptr) die("mkdtemp failed");
  dlp::ScanOptions o;
  o.cacheDir = dir;
  build(o);  // fills the cache
  std::size_t detectors = 0;
  for (auto _ : state) {
    auto s = build(o);
    detectors = s->detectorCount();
    benchmark::DoNotOptimize(s);
  }
  state.counters["detectors"] = static_cast<double>(detectors);
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}

void BM_Block(benchmark::State& state) {
  const auto& s = allDetectors();
  std::size_t findings = 0;
  for (auto _ : state) {
    findings = 0;
    for (const auto& f : corpus()) findings += scanBlock(s, f);
  }
  setCounters(state, corpusBytes(), findings);
}

void BM_ShapePass(benchmark::State& state) {
  std::vector<dlp::ShapeHit> hits;
  std::size_t n = 0;
  for (auto _ : state) {
    n = 0;
    for (const auto& f : corpus()) {
      hits.clear();
      dlp::scanShapes(f, 0, 0, f.size(), true, ~0u, hits);
      n += hits.size();
    }
  }
  setCounters(state, corpusBytes(), n);
}

// Every non-shape detector's trigger (as Scanner::build() selects them) in one block-mode
// database; `cased` leaves out the triggers with a (?i) part.
struct TriggerDb {
  hs_database_t* db = nullptr;
  hs_scratch_t* scratch = nullptr;
  explicit TriggerDb(bool cased) {
    std::vector<std::string> exprs;
    for (const auto& d : dlp::allDetectors()) {
      if (d.shape != dlp::Shape::kNone) continue;
      std::string t(d.trigger.empty() ? d.pattern : d.trigger);
      if (cased && t.find("(?i") != std::string::npos) continue;
      exprs.push_back(std::move(t));
    }
    std::vector<const char*> ptrs;
    std::vector<unsigned> flags(exprs.size(), 0), ids(exprs.size(), 0);
    for (const auto& e : exprs) ptrs.push_back(e.c_str());
    hs_compile_error_t* err = nullptr;
    if (hs_compile_multi(ptrs.data(), flags.data(), ids.data(), static_cast<unsigned>(ptrs.size()), HS_MODE_BLOCK,
                         nullptr, &db, &err) != HS_SUCCESS ||
        hs_alloc_scratch(db, &scratch) != HS_SUCCESS)
      die("hyperscan: cannot compile the triggers");
    std::fprintf(stderr, "dlp_bench: %zu triggers (%s)\n", exprs.size(), cased ? "cased" : "all");
  }
  ~TriggerDb() {
    hs_free_scratch(scratch);
    hs_free_database(db);
  }
};

void BM_Triggers(benchmark::State& state) {
  const TriggerDb t(state.range(0) == 1);
  std::size_t hits = 0;
  auto count = [](unsigned, unsigned long long, unsigned long long, unsigned, void* n) {
    ++*static_cast<std::size_t*>(n);
    return 0;
  };
  for (auto _ : state) {
    hits = 0;
    for (const auto& f : corpus())
      hs_scan(t.db, f.data(), static_cast<unsigned>(f.size()), 0, t.scratch, count, &hits);
  }
  setCounters(state, corpusBytes(), hits);
}

void BM_BlockDecode(benchmark::State& state) {
  const auto& s = allDetectorsDecode();
  std::size_t findings = 0;
  for (auto _ : state) {
    findings = 0;
    for (const auto& f : corpus()) findings += scanBlock(s, f);
  }
  setCounters(state, corpusBytes(), findings);
}

void BM_Stream64K(benchmark::State& state) {
  checkStreamEqualsBlock();
  const auto& s = allDetectors();
  std::size_t findings = 0;
  for (auto _ : state) {
    findings = 0;
    for (const auto& f : corpus()) findings += scanStream(s, f);
  }
  setCounters(state, corpusBytes(), findings);
}

void BM_BlockSmall(benchmark::State& state) {
  const auto& s = allDetectors();
  const std::string_view in = std::string_view(corpus()[0]).substr(0, state.range(0));
  std::size_t findings = 0;
  for (auto _ : state) findings = scanBlock(s, in);
  setCounters(state, in.size(), findings);
}

void BM_BlockLinear(benchmark::State& state) {
  const auto& s = allDetectors();
  const std::string& in = concatenated(static_cast<std::size_t>(state.range(0)));
  std::size_t findings = 0;
  for (auto _ : state) findings = scanBlock(s, in);
  setCounters(state, in.size(), findings);
}

void BM_StreamLinear(benchmark::State& state) {
  const auto& s = allDetectors();
  const std::string& in = concatenated(static_cast<std::size_t>(state.range(0)));
  std::size_t findings = 0;
  for (auto _ : state) findings = scanStream(s, in);
  setCounters(state, in.size(), findings);
}

void oneDetector(benchmark::State& state, std::string id) {
  dlp::ScanOptions o;
  o.only = {id};
  const auto s = build(o);
  const std::string& in = concatenated(8);
  std::size_t findings = 0;
  for (auto _ : state) findings = scanBlock(*s, in);
  setCounters(state, in.size(), findings);
}

BENCHMARK(BM_Build)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_BuildCached)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Block)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_BlockDecode)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ShapePass)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Triggers)->ArgName("cased")->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Stream64K)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_BlockSmall)->Arg(1024)->Arg(64 * 1024)->Arg(1024 * 1024)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_BlockLinear)->Arg(8)->Arg(16)->Arg(32)->Arg(64)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_StreamLinear)->Arg(8)->Arg(16)->Arg(32)->Arg(64)->Unit(benchmark::kMillisecond);

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  const char* per = std::getenv("AIRLOCK_DLP_PER_DETECTOR");
  if (per != nullptr && std::string_view(per) == "1")
    for (const auto& d : dlp::allDetectors())
      benchmark::RegisterBenchmark(("BM_OneDetector/" + std::string(d.id)).c_str(), oneDetector,
                                   std::string(d.id))
          ->Unit(benchmark::kMillisecond);
  // Load the corpus before anything is timed, and say what was loaded.
  std::fprintf(stderr, "dlp_bench: %zu files, %zu bytes, %zu detectors\n", corpus().size(),
               corpusBytes(), allDetectors().detectorCount());
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
