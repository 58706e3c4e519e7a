// `airlock inspect FILE…`: hidden content and instructions addressed to an AI in documents
// (docs/cli.md). Exit 0 when nothing is found, 1 when something is, 2 when a file cannot be read
// or inspected (that file is reported with its error; the others are still inspected).
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "inspect/inspect.h"

namespace airlock::cli {

namespace {

struct InspectFlags {
  std::vector<std::string> files;
  std::string format;
  bool json = false;
};

nlohmann::json findingJson(const inspect::Finding& f) {
  nlohmann::json j;
  j["kind"] = std::string(inspect::findingKindName(f.kind));
  j["hiding"] = std::string(inspect::hidingName(f.hiding));
  j["where"] = f.where;
  j["offset"] = f.offset;
  j["text"] = f.text;
  j["score"] = f.score;
  j["reasons"] = f.reasons;
  return j;
}

int run(const InspectFlags& flags, const Context& ctx) {
  inspect::Limits limits;
  limits.pdfHelper = ctx.pdfHelper();
  inspect::Format forced = inspect::Format::kUnknown;
  if (!flags.format.empty()) {
    forced = inspect::parseFormat(flags.format);
    if (forced == inspect::Format::kUnknown) {
      std::fprintf(stderr, "airlock inspect: unknown --format '%s'\n", flags.format.c_str());
      return kExitUsage;
    }
  }
  int rc = kExitOk;
  nlohmann::json all = nlohmann::json::array();
  for (const auto& file : flags.files) {
    nlohmann::json out;
    out["file"] = file;
    int fd = file == "-" ? dup(0) : ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
    core::Result<std::string> bytes = core::makeError(core::Code::kNotFound, "cannot open");
    if (fd < 0) {
      bytes = core::makeError(core::Code::kNotFound, std::string("cannot open: ") + std::strerror(errno));
    } else {
      bytes = readAll(fd, limits.maxInputBytes);
      ::close(fd);
    }
    core::Result<inspect::Report> report = bytes ? inspect::inspect(*bytes, file, limits, forced) : bytes.error();
    if (!report) {
      out["error"] = report.error().message;
      rc = kExitUsage;
      if (!flags.json) std::fprintf(stderr, "airlock inspect: %s: %s\n", file.c_str(), report.error().message.c_str());
    } else {
      out["format"] = std::string(inspect::formatName(report->format));
      out["untrusted"] = report->untrusted();
      out["max_score"] = report->maxScore();
      nlohmann::json fs = nlohmann::json::array();
      for (const auto& f : report->findings) fs.push_back(findingJson(f));
      out["findings"] = std::move(fs);
      out["notes"] = report->notes;
      if (report->untrusted() && rc == kExitOk) rc = kExitFail;
      if (!flags.json) {
        if (report->findings.empty()) {
          std::printf("%s: %s, nothing hidden or addressed to an assistant\n", file.c_str(),
                      std::string(inspect::formatName(report->format)).c_str());
        } else {
          std::printf("%s: %s, %zu finding%s (score %d)\n", file.c_str(),
                      std::string(inspect::formatName(report->format)).c_str(), report->findings.size(),
                      report->findings.size() == 1 ? "" : "s", report->maxScore());
          for (const auto& f : report->findings) {
            std::printf("  [%d] %s (%s) at %s +%llu\n      %s\n", f.score,
                        std::string(inspect::findingKindName(f.kind)).c_str(),
                        std::string(inspect::hidingName(f.hiding)).c_str(), f.where.c_str(),
                        static_cast<unsigned long long>(f.offset), f.text.c_str());
            for (const auto& r : f.reasons) std::printf("      - %s\n", r.c_str());
          }
        }
      }
    }
    all.push_back(std::move(out));
  }
  if (flags.json) std::printf("%s\n", nlohmann::json{{"files", all}}.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
  return rc;
}

}  // namespace

void addInspectCommand(CLI::App& app, Context& ctx, int& exitCode) {
  auto flags = std::make_shared<InspectFlags>();
  auto* cmd = app.add_subcommand("inspect", "Find hidden content and instructions addressed to an AI in documents");
  cmd->add_option("files", flags->files, "Documents to inspect ('-' for stdin)")->required();
  cmd->add_option("--format", flags->format, "Treat every input as this format (docx, pdf, html, text, …)");
  cmd->add_flag("--json", flags->json, "One JSON object on stdout");
  cmd->callback([flags, &ctx, &exitCode] { exitCode = run(*flags, ctx); });
}

}  // namespace airlock::cli
