#pragma once
// The subcommands of `airlock`, one file each. Each registers itself on the app; its callback
// sets exitCode.
#include <CLI/CLI.hpp>
#include <nlohmann/json_fwd.hpp>

#include "cli/context.h"

namespace airlock::cli {

void addCheckCommand(CLI::App& app, Context& ctx, int& exitCode);
void addPolicyCommand(CLI::App& app, Context& ctx, int& exitCode);
void addAuditCommand(CLI::App& app, Context& ctx, int& exitCode);
void addHookCommand(CLI::App& app, Context& ctx, int& exitCode);
void addDemoCommand(CLI::App& app, Context& ctx, int& exitCode);
void addScanCommand(CLI::App& app, Context& ctx, int& exitCode);
void addCaCommand(CLI::App& app, Context& ctx, int& exitCode);
void addProxyCommand(CLI::App& app, Context& ctx, int& exitCode);
void addInspectCommand(CLI::App& app, Context& ctx, int& exitCode);
void addMcpCommand(CLI::App& app, Context& ctx, int& exitCode);
void addRunCommand(CLI::App& app, Context& ctx, int& exitCode);

// Prints a decision as the one-line JSON object of `airlock check`.
std::string decisionJson(const core::Decision& d, const core::Lattice& lattice);
// A request from the JSON object of `check --json` (and policy test tables). Problems are
// recorded in request.malformed, so the gate denies and audits them.
core::Request requestFromJson(const nlohmann::json& j, const Context& ctx);
void printExplanation(const gate::Explanation& e);

}  // namespace airlock::cli
