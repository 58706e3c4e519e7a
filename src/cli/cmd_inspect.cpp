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

// What a finding is, for a person.
std::string kindLabel(inspect::FindingKind kind) {
  switch (kind) {
    case inspect::FindingKind::kHidden: return "hidden text";
    case inspect::FindingKind::kUnicodeTags: return "invisible Unicode tag characters";
    case inspect::FindingKind::kZeroWidth: return "zero-width characters";
    case inspect::FindingKind::kBidi: return "bidi controls";
    case inspect::FindingKind::kHomoglyph: return "look-alike letters";
    case inspect::FindingKind::kInstruction: return "text addressed to an assistant";
  }
  return "finding";
}

// One file's report: a header line, then each finding with its score, what and how it is
// hidden, where, the text a reader does not see (escaped by the analysis) and the reasons.
void printReport(const std::string& file, const inspect::Report& report) {
  const std::string format(inspect::formatName(report.format));
  if (report.findings.empty()) {
    std::printf("%s: %s, nothing hidden or addressed to an assistant\n", file.c_str(), format.c_str());
  } else {
    std::printf("%s: %s, %zu finding%s, highest score %d (untrusted)\n", file.c_str(), format.c_str(),
                report.findings.size(), report.findings.size() == 1 ? "" : "s", report.maxScore());
    for (const auto& f : report.findings) {
      std::string what = kindLabel(f.kind);
      if (f.hiding != inspect::Hiding::kVisible) what += " (" + std::string(inspect::hidingName(f.hiding)) + ")";
      std::printf("\n  [%d] %s\n", f.score, what.c_str());
      // The offset is into the run `where` names (a paragraph, a cell, an element's text).
      if (f.offset == 0) std::printf("      where:  %s\n", f.where.c_str());
      else std::printf("      where:  %s (byte %llu of it)\n", f.where.c_str(), static_cast<unsigned long long>(f.offset));
      std::printf("      text:   %s\n", f.text.c_str());
      const char* label = "why:    ";
      for (const auto& r : f.reasons) {
        std::printf("      %s%s\n", label, r.c_str());
        label = "        ";
      }
    }
  }
  if (!report.notes.empty()) {
    std::printf("  notes:\n");
    for (const auto& n : report.notes) std::printf("    - %s\n", n.c_str());
  }
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
      // toString(): the message with where it happened ("byte 1234: …", "part 2: …").
      out["error"] = report.error().toString();
      rc = kExitUsage;
      if (!flags.json) std::fprintf(stderr, "airlock inspect: %s: %s\n", file.c_str(), report.error().toString().c_str());
    } else {
      out["format"] = std::string(inspect::formatName(report->format));
      out["untrusted"] = report->untrusted();
      out["max_score"] = report->maxScore();
      nlohmann::json fs = nlohmann::json::array();
      for (const auto& f : report->findings) fs.push_back(findingJson(f));
      out["findings"] = std::move(fs);
      out["notes"] = report->notes;
      if (report->untrusted() && rc == kExitOk) rc = kExitFail;
      if (!flags.json) printReport(file, *report);
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
