// `airlock audit tail|verify|export` (docs/cli.md, docs/formats/audit-record.md).
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "audit/audit_log.h"
#include "cli/commands.h"

namespace airlock::cli {

using nlohmann::json;

namespace {

std::string human(const audit::Record& r) {
  json j = json::parse(r.encoding, nullptr, false);
  if (j.is_discarded()) return fmt::format("#{} <unparsable record>", r.seq);
  auto s = [&](const char* k) { return j.contains(k) && j[k].is_string() ? j[k].get<std::string>() : std::string(); };
  std::string who = s("user") + (s("agent").empty() ? "" : "/" + s("agent"));
  std::string rule = s("rule").empty() ? "" : " rule=" + s("rule");
  return fmt::format("#{} {} {:<5} {:<11} {} [{}{}] {} session={} label={}", r.seq, s("time"), s("decision"),
                     s("action"), s("resource"), s("reason"), rule, who, s("session"), s("session_label"));
}

std::string jsonLine(const audit::Record& r) {
  json j = json::parse(r.encoding, nullptr, false);
  if (j.is_discarded()) j = json::object();
  j["seq"] = r.seq;
  j["hash"] = r.hash;
  j["prev_hash"] = r.prevHash;
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

core::Result<std::unique_ptr<audit::AuditLog>> openLog(const Context& ctx) {
  static core::SystemClock clock;
  return audit::AuditLog::open(ctx.stateDir() + "/audit.db", clock);
}

}  // namespace

void addAuditCommand(CLI::App& app, Context& ctx, int& exitCode) {
  auto* cmd = app.add_subcommand("audit", "Read and verify the audit trail ($AIRLOCK_HOME/audit.db)");
  cmd->require_subcommand(1);

  struct TailFlags {
    std::int64_t n = 20;
    bool follow = false;
    bool json = false;
  };
  auto tf = std::make_shared<TailFlags>();
  auto* tail = cmd->add_subcommand("tail", "Print the last records");
  tail->add_option("-n", tf->n, "How many records (default 20)");
  tail->add_flag("-f,--follow", tf->follow, "Keep printing new records");
  tail->add_flag("--json", tf->json, "One JSON object per line");
  tail->callback([tf, &ctx, &exitCode] {
    auto log = openLog(ctx);
    if (!log) {
      std::fprintf(stderr, "airlock audit: %s\n", log.error().toString().c_str());
      exitCode = kExitUsage;
      return;
    }
    auto recs = (*log)->tail(tf->n);
    if (!recs) {
      std::fprintf(stderr, "airlock audit: %s\n", recs.error().toString().c_str());
      exitCode = kExitFail;
      return;
    }
    std::int64_t last = 0;
    auto print = [&](const audit::Record& r) {
      std::printf("%s\n", (tf->json ? jsonLine(r) : human(r)).c_str());
      last = r.seq;
    };
    for (const auto& r : *recs) print(r);
    std::fflush(stdout);
    if (recs->empty()) {
      auto all = (*log)->tail(1);
      if (all && !all->empty()) last = all->back().seq;
    }
    while (tf->follow) {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      auto more = (*log)->since(last);
      if (!more) break;
      for (const auto& r : *more) print(r);
      std::fflush(stdout);
    }
    exitCode = kExitOk;
  });

  auto* verify = cmd->add_subcommand("verify", "Check the hash chain; exit 0 when intact, 1 naming the first bad record");
  verify->callback([&ctx, &exitCode] {
    auto log = openLog(ctx);
    if (!log) {
      std::fprintf(stderr, "airlock audit verify: %s\n", log.error().toString().c_str());
      exitCode = kExitFail;
      return;
    }
    auto rep = (*log)->verify();
    if (!rep) {
      std::printf("audit verify: FAILED: %s\n", rep.error().toString().c_str());
      exitCode = kExitFail;
      return;
    }
    if (rep->ok) {
      std::printf("audit verify: ok (%lld records, chain intact)\n", static_cast<long long>(rep->records));
      exitCode = kExitOk;
    } else {
      std::printf("audit verify: FAILED at record %lld (%s): %s\n", static_cast<long long>(rep->firstBadSeq),
                  rep->problem.c_str(), rep->detail.c_str());
      exitCode = kExitFail;
    }
  });

  auto format = std::make_shared<std::string>("jsonl");
  auto* exp = cmd->add_subcommand("export", "Write every record to stdout");
  exp->add_option("--format", *format, "jsonl (one JSON object per line)")->check(CLI::IsMember({"jsonl"}));
  exp->callback([&ctx, &exitCode, format] {  // format: kept alive for CLI11, which writes to it
    auto log = openLog(ctx);
    if (!log) {
      std::fprintf(stderr, "airlock audit export: %s\n", log.error().toString().c_str());
      exitCode = kExitUsage;
      return;
    }
    auto st = (*log)->forEach([](const audit::Record& r) {
      std::printf("%s\n", jsonLine(r).c_str());
      return true;
    });
    exitCode = st ? kExitOk : kExitFail;
    if (!st) std::fprintf(stderr, "airlock audit export: %s\n", st.error().toString().c_str());
  });
}

}  // namespace airlock::cli
