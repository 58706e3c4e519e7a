// Google Benchmark: document inspection over 10 MB of generated ordinary text (a fixed
// vocabulary with punctuation, some accented and Cyrillic words, paragraphs; deterministic).
// What is timed:
//   BM_AnalyzeText        analyzeText() over the 10 MB: what the hook does with a tool output
//   BM_AnalyzeTextSmall   analyzeText() over 1 KiB: the fixed cost of a call (RE2 compiled before)
//   BM_InspectMarkdown    inspect() of the text as Markdown (extraction and analysis)
//   BM_InspectCsv         inspect() of 10 MB of CSV made of the same words
//   BM_InspectHtml        inspect() of the text as HTML paragraphs (gumbo bounds it)
// Throughput is bytes/s of input; the findings (there should be none) are counted so that the
// work cannot be skipped. Run on one core: taskset -c 0 build/bench/bench/inspect_bench.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "inspect/inspect.h"

namespace {

namespace inspect = airlock::inspect;
constexpr std::size_t kSize = 10u << 20;

std::uint64_t next(std::uint64_t& s) {
  s ^= s << 13;
  s ^= s >> 7;
  s ^= s << 17;
  return s;
}

const char* const kWords[] = {
    "the", "quarterly", "report", "shows", "revenue", "growth", "in", "all", "regions", "and", "a", "small",
    "decline", "of", "costs", "we", "review", "the", "numbers", "with", "finance", "next", "week",
    "please", "send", "comments", "to", "the", "team", "café", "naïve", "résumé", "Привет", "отчёт", "install",
    "the", "package", "then", "run", "tests", "system", "user", "data", "file", "you", "are", "now", "ready"};

std::string words(std::size_t size, std::string_view wordSep, std::string_view lineSep, int perLine) {
  std::uint64_t s = 0x9E3779B97F4A7C15ull;
  std::string out;
  out.reserve(size + 64);
  int n = 0;
  while (out.size() < size) {
    out += kWords[next(s) % (sizeof kWords / sizeof kWords[0])];
    if (++n % perLine == 0) {
      out += '.';
      out += lineSep;
      if (next(s) % 4 == 0) out += lineSep;  // a paragraph break
    } else {
      out += wordSep;
    }
  }
  return out;
}

const std::string& text() {
  static const std::string t = words(kSize, " ", "\n", 14);
  return t;
}

void count(benchmark::State& state, const inspect::Report& r, std::size_t bytes) {
  if (!r.findings.empty()) {
    std::fprintf(stderr, "inspect_bench: ordinary text gave a finding at %s: %s\n", r.findings[0].where.c_str(),
                 r.findings[0].text.c_str());
    std::exit(2);
  }
  benchmark::DoNotOptimize(r.findings.size());
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * bytes));
}

void BM_AnalyzeText(benchmark::State& state) {
  inspect::Report r;
  for (auto _ : state) r = inspect::analyzeText(text(), "bench");
  count(state, r, text().size());
}
BENCHMARK(BM_AnalyzeText)->Unit(benchmark::kMillisecond);

void BM_AnalyzeTextSmall(benchmark::State& state) {
  const std::string small = text().substr(0, 1024);
  inspect::Report r = inspect::analyzeText(small, "warm");  // RE2 compiled outside the timing
  for (auto _ : state) r = inspect::analyzeText(small, "bench");
  count(state, r, small.size());
}
BENCHMARK(BM_AnalyzeTextSmall)->Unit(benchmark::kMicrosecond);

void BM_InspectMarkdown(benchmark::State& state) {
  inspect::Report r;
  for (auto _ : state) {
    auto x = inspect::inspect(text(), "bench.md");
    if (!x) std::exit(2);
    r = std::move(*x);
  }
  count(state, r, text().size());
}
BENCHMARK(BM_InspectMarkdown)->Unit(benchmark::kMillisecond);

void BM_InspectCsv(benchmark::State& state) {
  static const std::string csv = words(kSize, ",", "\n", 6);
  inspect::Report r;
  for (auto _ : state) {
    auto x = inspect::inspect(csv, "bench.csv");
    if (!x) std::exit(2);
    r = std::move(*x);
  }
  count(state, r, csv.size());
}
BENCHMARK(BM_InspectCsv)->Unit(benchmark::kMillisecond);

void BM_InspectHtml(benchmark::State& state) {
  static const std::string html = "<html><body><p>" + words(kSize, " ", "</p>\n<p>", 14) + "</p></body></html>";
  inspect::Report r;
  for (auto _ : state) {
    auto x = inspect::inspect(html, "bench.html");
    if (!x) std::exit(2);
    r = std::move(*x);
  }
  count(state, r, html.size());
}
BENCHMARK(BM_InspectHtml)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
