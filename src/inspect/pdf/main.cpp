// airlock-pdf: the text of a PDF (stdin) and how each piece is hidden, as JSON lines (stdout);
// protocol.h has the protocol, pdf_text.h the logic. Run by src/inspect/pdf.cpp in a process of
// its own: poppler is large, shared-only in Debian (the airlock binary is static) and parses
// hostile input. The caller bounds it with a deadline and its output size; it bounds itself too
// (input size, pages, text, and RLIMIT_AS / RLIMIT_CPU from its flags), as a second line.
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <new>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "inspect/pdf/pdf_text.h"
#include "inspect/pdf/protocol.h"

namespace {

using airlock::inspect::Hiding;
namespace pdf = airlock::inspect::pdf;

void writeLine(const nlohmann::json& j) {
  const std::string line = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  std::fwrite(line.data(), 1, line.size(), stdout);
}

[[noreturn]] void fail(std::string_view message) {
  writeLine({{"error", message}});
  std::fflush(stdout);
  std::_Exit(pdf::kExitError);
}

class JsonSink : public pdf::Sink {
 public:
  void run(std::string_view text, std::string_view where, Hiding hiding, std::string_view why) override {
    writeLine({{"text", text}, {"where", where}, {"hiding", pdf::wireName(hiding)}, {"why", why}});
  }
  void note(std::string_view note) override { writeLine({{"note", note}}); }
};

struct Flags {
  std::uint64_t maxBytes = 256ull << 20;
  std::uint64_t maxMemory = 0;  // 0: no RLIMIT_AS
  std::uint64_t maxCpu = 0;     // seconds; 0: no RLIMIT_CPU
  pdf::Options options;
};

bool parseNumber(std::string_view s, std::uint64_t& out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

Flags parseFlags(int argc, char** argv) {
  Flags f;
  for (int i = 1; i < argc; ++i) {
    const std::string_view name = argv[i];
    std::uint64_t v = 0;
    if (i + 1 >= argc || !parseNumber(argv[i + 1], v)) fail("usage: airlock-pdf [--max-bytes N] [--max-pages N] [--max-text N] [--max-memory N] [--max-cpu SECONDS] < file.pdf");
    ++i;
    if (name == "--max-bytes") f.maxBytes = v;
    else if (name == "--max-pages") f.options.maxPages = static_cast<std::uint32_t>(std::min<std::uint64_t>(v, UINT32_MAX));
    else if (name == "--max-text") f.options.maxTextBytes = v;
    else if (name == "--max-memory") f.maxMemory = v;
    else if (name == "--max-cpu") f.maxCpu = v;
    else fail("unknown flag " + std::string(name));
  }
  return f;
}

void limitSelf(const Flags& f) {
  // Dies with its caller, whatever the caller does with the process group.
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  rlimit none{0, 0};
  setrlimit(RLIMIT_CORE, &none);  // no core dumps of hostile documents
  if (f.maxCpu > 0) {
    rlimit cpu{f.maxCpu, f.maxCpu + 1};  // SIGXCPU, then SIGKILL a second later
    setrlimit(RLIMIT_CPU, &cpu);
  }
#if !defined(__SANITIZE_ADDRESS__)
  // (AddressSanitizer reserves terabytes of shadow address space: a sanitized build cannot run
  // under an address-space limit, and has the caller's deadline only.)
  if (f.maxMemory > 0) {
    rlimit as{f.maxMemory, f.maxMemory};
    setrlimit(RLIMIT_AS, &as);
  }
#endif
}

std::string readInput(std::uint64_t maxBytes) {
  std::string data;
  char buf[65536];
  for (;;) {
    const ssize_t n = ::read(0, buf, sizeof buf);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      fail(std::string("cannot read the PDF: ") + std::strerror(errno));
    }
    data.append(buf, static_cast<std::size_t>(n));
    if (data.size() > maxBytes) fail("the PDF is over the limit of " + std::to_string(maxBytes) + " bytes");
  }
  return data;
}

}  // namespace

int main(int argc, char** argv) {
  const Flags flags = parseFlags(argc, argv);
  limitSelf(flags);
  try {
    const std::string data = readInput(flags.maxBytes);
    pdf::initPoppler();
    JsonSink sink;
    auto pages = pdf::extractPdfText(data, flags.options, sink);
    if (!pages) fail(pages.error().message);
    writeLine({{"done", true}, {"pages", *pages}});
  } catch (const std::bad_alloc&) {
    fail("out of memory (the PDF helper's limit)");
  } catch (const std::exception& e) {
    fail(std::string("internal error: ") + e.what());
  }
  if (std::fflush(stdout) != 0) return pdf::kExitError;
  return 0;
}
