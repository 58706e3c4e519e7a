// `airlock check`: decide one request from flags, or JSON lines from stdin (docs/cli.md).
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/commands.h"

namespace airlock::cli {

using nlohmann::json;

namespace {

constexpr std::size_t kMaxLine = 64 * 1024 * 1024;

struct CheckFlags {
  std::string user, agent, session, action, path, url, tool, command, method, bodyFile, cwd;
  std::vector<std::string> headers;
  bool json = false;
  bool explain = false;
  bool interactive = false;
  bool opaque = false;
};

std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

// Parses one JSON line into a request; anything wrong is recorded in request.malformed so the
// gate denies it (and audits the attempt).
core::Request parseLine(const std::string& line, bool oversize, const Context& ctx) {
  core::Request bad;
  bad.adapter = "cli";
  bad.user = ctx.user();
  if (oversize) {
    bad.malformed = fmt::format("line longer than {} MiB", kMaxLine >> 20);
    return bad;
  }
  json j;
  try {
    j = json::parse(line);
  } catch (const json::parse_error& e) {
    // Only the position: the parser's own message quotes the input, which may hold secrets.
    bad.malformed = fmt::format("line is not valid JSON (error at byte {})", e.byte);
    return bad;
  }
  if (!j.is_object()) {
    bad.malformed = "line is not a JSON object";
    return bad;
  }
  return requestFromJson(j, ctx);
}

// Reads one line of at most `max` bytes; the rest of a longer line is skipped, not stored, so
// memory stays bounded whatever the input.
bool readBoundedLine(std::streambuf* in, std::string& line, std::size_t max, bool* oversize) {
  line.clear();
  *oversize = false;
  bool any = false;
  for (int c = in->sbumpc(); c != std::char_traits<char>::eof(); c = in->sbumpc()) {
    any = true;
    if (c == '\n') return true;
    if (line.size() < max) {
      line.push_back(static_cast<char>(c));
    } else {
      *oversize = true;
    }
  }
  return any;
}

}  // namespace

core::Request requestFromJson(const nlohmann::json& j, const Context& ctx) {
  core::Request r;
  r.adapter = "cli";
  r.user = ctx.user();
  static const std::vector<std::string> known = {"user", "agent", "session", "action", "path", "url", "method",
                                                 "headers", "body", "tool", "args", "command", "cwd",
                                                 "interactive", "opaque", "payload_files"};
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (std::find(known.begin(), known.end(), it.key()) == known.end()) {
      r.malformed = fmt::format("unknown field '{}'", it.key().substr(0, 64));
      return r;
    }
  }
  auto getStr = [&](const char* key, std::string& out) {
    if (!j.contains(key)) return true;
    if (!j[key].is_string()) {
      r.malformed = fmt::format("field '{}' must be a string", key);
      return false;
    }
    out = j[key].get<std::string>();
    return true;
  };
  std::string action;
  if (!getStr("user", r.user) || !getStr("agent", r.agent) || !getStr("session", r.session) ||
      !getStr("action", action) || !getStr("path", r.path) || !getStr("url", r.url) || !getStr("method", r.method) ||
      !getStr("body", r.body) || !getStr("tool", r.tool) || !getStr("command", r.command) || !getStr("cwd", r.cwd))
    return r;
  if (action.empty()) {
    r.malformed = "missing field 'action'";
    return r;
  }
  auto act = core::parseAction(action);
  if (!act) {
    r.malformed = fmt::format("unknown action '{}'", action.substr(0, 64));
    return r;
  }
  r.action = *act;
  if (j.contains("args")) r.args = dump(j["args"]);
  for (auto [key, out] : {std::pair<const char*, bool*>{"interactive", &r.interactive}, {"opaque", &r.opaque}}) {
    if (!j.contains(key)) continue;
    if (!j[key].is_boolean()) {
      r.malformed = fmt::format("field '{}' must be true or false", key);
      return r;
    }
    *out = j[key].get<bool>();
  }
  if (j.contains("headers")) {
    const json& h = j["headers"];
    if (h.is_object()) {
      for (auto it = h.begin(); it != h.end(); ++it) {
        if (!it->is_string()) {
          r.malformed = "header values must be strings";
          return r;
        }
        r.headers.emplace_back(it.key(), it->get<std::string>());
      }
    } else {
      r.malformed = "field 'headers' must be an object";
      return r;
    }
  }
  if (j.contains("payload_files")) {
    if (!j["payload_files"].is_array()) {
      r.malformed = "field 'payload_files' must be a list of paths";
      return r;
    }
    for (const auto& f : j["payload_files"]) {
      if (!f.is_string()) {
        r.malformed = "field 'payload_files' must be a list of paths";
        return r;
      }
      r.payloadFiles.push_back(f.get<std::string>());
    }
  }
  return r;
}

void printExplanation(const gate::Explanation& e) {
  for (const auto& line : e.lines) std::printf("  %s\n", line.c_str());
}

std::string decisionJson(const core::Decision& d, const core::Lattice& lattice) {
  json out = {{"decision", std::string(core::verdictName(d.verdict))},
              {"rule", d.rule.empty() ? json(nullptr) : json(d.rule)},
              {"reason", std::string(core::reasonCode(d.reason))},
              {"reasons", d.reasons},
              {"label", lattice.format(d.sessionLabel)}};
  if (!d.sink.empty()) out["sink"] = d.sink;
  if (d.untrusted) out["untrusted"] = true;
  return dump(out);
}

void addCheckCommand(CLI::App& app, Context& ctx, int& exitCode) {
  auto flags = std::make_shared<CheckFlags>();
  auto* cmd = app.add_subcommand("check", "Decide one request (flags) or many (--json: JSON lines on stdin)");
  cmd->add_option("--user", flags->user, "User (default: $AIRLOCK_USER or the OS user)");
  cmd->add_option("--agent", flags->agent, "Agent acting for the user");
  cmd->add_option("--session", flags->session, "Session id (state shared across checks)");
  cmd->add_option("--action", flags->action, "fs.read, fs.write, fs.list, fs.delete, exec, net.request, tool.call");
  cmd->add_option("--path", flags->path, "File path (fs.*; exec: program)");
  cmd->add_option("--url", flags->url, "URL (net.request)");
  cmd->add_option("--tool", flags->tool, "Tool 'server/tool' (tool.call)");
  cmd->add_option("--command", flags->command, "Command line (exec)");
  cmd->add_option("--method", flags->method, "HTTP method (net.request; default GET)");
  cmd->add_option("--header", flags->headers, "HTTP header 'Name: value' (repeatable)");
  cmd->add_option("--body-file", flags->bodyFile, "File whose content is the request body");
  cmd->add_option("--cwd", flags->cwd, "Working directory for relative paths");
  cmd->add_flag("--interactive", flags->interactive, "A human can answer an ask now");
  cmd->add_flag("--opaque", flags->opaque, "exec: the command cannot be understood statically (eval, sh -c …)");
  cmd->add_flag("--json", flags->json, "Read requests as JSON lines on stdin; one decision per line");
  cmd->add_flag("--explain", flags->explain, "Print the trace: rules matched and not, and why; labels");
  cmd->callback([flags, &ctx, &exitCode] {
    auto pol = ctx.loadPolicy();
    if (!pol) {
      std::fprintf(stderr, "airlock: policy: %s\n", pol.error().toString().c_str());
      exitCode = kExitUsage;
      return;
    }
    auto gate = ctx.openGate(*pol);
    if (!gate) {
      std::fprintf(stderr, "airlock: %s\n", gate.error().toString().c_str());
      exitCode = kExitUsage;
      return;
    }
    const core::Lattice& lat = (*pol)->lattice();
    auto decideAndPrint = [&](const core::Request& r) {
      if (flags->explain) {
        auto e = (*gate)->explain(r);
        std::printf("%s\n", decisionJson(e.decision, lat).c_str());
        printExplanation(e);
      } else {
        std::printf("%s\n", decisionJson((*gate)->decide(r), lat).c_str());
      }
      std::fflush(stdout);
    };
    if (flags->json) {
      std::string line;
      bool oversize = false;
      while (readBoundedLine(std::cin.rdbuf(), line, kMaxLine, &oversize)) {
        if (line.empty() && !oversize) continue;
        decideAndPrint(parseLine(line, oversize, ctx));
      }
      exitCode = kExitOk;
      return;
    }
    core::Request r;
    r.adapter = "cli";
    r.user = flags->user.empty() ? ctx.user() : flags->user;
    r.agent = flags->agent;
    r.session = flags->session;
    r.path = flags->path;
    r.url = flags->url;
    r.tool = flags->tool;
    r.command = flags->command;
    r.method = flags->method;
    r.cwd = flags->cwd;
    r.interactive = flags->interactive;
    r.opaque = flags->opaque;
    if (flags->action.empty()) {
      std::fprintf(stderr, "airlock check: --action is required (or use --json)\n");
      exitCode = kExitUsage;
      return;
    }
    auto act = core::parseAction(flags->action);
    if (!act) {
      std::fprintf(stderr, "airlock check: unknown action '%s'\n", flags->action.c_str());
      exitCode = kExitUsage;
      return;
    }
    r.action = *act;
    for (const auto& h : flags->headers) {
      auto colon = h.find(':');
      if (colon == std::string::npos) {
        std::fprintf(stderr, "airlock check: --header must be 'Name: value'\n");
        exitCode = kExitUsage;
        return;
      }
      std::string v = h.substr(colon + 1);
      while (!v.empty() && v.front() == ' ') v.erase(0, 1);
      r.headers.emplace_back(h.substr(0, colon), v);
    }
    if (!flags->bodyFile.empty()) {
      std::ifstream in(flags->bodyFile, std::ios::binary);
      if (!in) {
        std::fprintf(stderr, "airlock check: cannot read %s\n", flags->bodyFile.c_str());
        exitCode = kExitUsage;
        return;
      }
      std::ostringstream ss;
      ss << in.rdbuf();
      r.body = ss.str();
      r.payloadFiles.push_back(flags->bodyFile);
    }
    decideAndPrint(r);
    exitCode = kExitOk;
  });
}

}  // namespace airlock::cli
