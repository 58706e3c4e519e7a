#include "adapters/mcp/mcp.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <optional>
#include <utility>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/digest.h"
#include "core/tty.h"

extern char** environ;

namespace airlock::mcp {

using core::Action;
using core::Verdict;
using json = nlohmann::json;

namespace {

constexpr int kMaxDepth = 256;                 // JSON nesting accepted from either side
constexpr std::size_t kMaxObservedText = 16u << 20;  // result text handed to the gate per call
constexpr std::size_t kMaxOpenQuestions = 16;   // calls waiting for the client's person at once

// JSON-RPC error codes (JSON-RPC 2.0 §5.1).
constexpr int kParseError = -32700;
constexpr int kInvalidRequest = -32600;
constexpr int kServerGone = -32000;
constexpr int kDenied = -32001;  // a request other than tools/call that the policy refused

std::string dumpLine(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace) + "\n"; }

std::string errorLine(const json& id, int code, const std::string& message) {
  return dumpLine(json{{"jsonrpc", "2.0"}, {"id", id}, {"error", {{"code", code}, {"message", message}}}});
}

// Nesting deeper than kMaxDepth is refused before parsing (the parser recurses).
bool depthOk(std::string_view s) {
  int depth = 0;
  bool inString = false, escaped = false;
  for (char c : s) {
    if (inString) {
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') inString = false;
      continue;
    }
    if (c == '"') inString = true;
    else if (c == '[' || c == '{') {
      if (++depth > kMaxDepth) return false;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return true;
}

// The id of a request, as the key of the pending table ("1", "\"abc\"").
std::string idKey(const json& id) { return id.dump(-1, ' ', false, json::error_handler_t::replace); }

bool isRequest(const json& m) { return m.is_object() && m.contains("method") && m.contains("id"); }
bool isResponse(const json& m) {
  return m.is_object() && !m.contains("method") && m.contains("id") && (m.contains("result") || m.contains("error"));
}

// Tool arguments that name files or URLs, for the reference servers
// (@modelcontextprotocol/server-filesystem, mcp-server-fetch, mcp-server-git).
struct ArgMap {
  std::string_view server;
  std::string_view tool;
  std::string_view arg;
  Action action;
  bool list;  // the argument is an array of them
};
constexpr ArgMap kMappings[] = {
    {"filesystem", "read_file", "path", Action::kFsRead, false},
    {"filesystem", "read_text_file", "path", Action::kFsRead, false},
    {"filesystem", "read_media_file", "path", Action::kFsRead, false},
    {"filesystem", "read_multiple_files", "paths", Action::kFsRead, true},
    {"filesystem", "write_file", "path", Action::kFsWrite, false},
    {"filesystem", "edit_file", "path", Action::kFsWrite, false},
    {"filesystem", "create_directory", "path", Action::kFsWrite, false},
    {"filesystem", "list_directory", "path", Action::kFsList, false},
    {"filesystem", "list_directory_with_sizes", "path", Action::kFsList, false},
    {"filesystem", "directory_tree", "path", Action::kFsList, false},
    {"filesystem", "search_files", "path", Action::kFsList, false},
    {"filesystem", "get_file_info", "path", Action::kFsList, false},
    {"filesystem", "move_file", "source", Action::kFsDelete, false},
    {"filesystem", "move_file", "destination", Action::kFsWrite, false},
    {"fetch", "fetch", "url", Action::kNetRequest, false},
    {"git", "git_status", "repo_path", Action::kFsRead, false},
    {"git", "git_diff_unstaged", "repo_path", Action::kFsRead, false},
    {"git", "git_diff_staged", "repo_path", Action::kFsRead, false},
    {"git", "git_diff", "repo_path", Action::kFsRead, false},
    {"git", "git_log", "repo_path", Action::kFsRead, false},
    {"git", "git_show", "repo_path", Action::kFsRead, false},
    {"git", "git_branch", "repo_path", Action::kFsRead, false},
    {"git", "git_commit", "repo_path", Action::kFsWrite, false},
    {"git", "git_add", "repo_path", Action::kFsWrite, false},
    {"git", "git_reset", "repo_path", Action::kFsWrite, false},
    {"git", "git_create_branch", "repo_path", Action::kFsWrite, false},
    {"git", "git_checkout", "repo_path", Action::kFsWrite, false},
    {"git", "git_init", "repo_path", Action::kFsWrite, false},
};

// file:///a/b%20c → "/a/b c" (also file://localhost/…); nullopt for another host, a relative
// path, a bad escape or a NUL.
std::optional<std::string> fileUriPath(std::string_view uri) {
  std::string_view rest = uri.substr(7);  // after "file://", checked by the caller
  if (rest.substr(0, 10) == "localhost/") rest.remove_prefix(9);
  if (rest.empty() || rest.front() != '/') return std::nullopt;
  std::string out;
  for (std::size_t i = 0; i < rest.size(); ++i) {
    char c = rest[i];
    if (c == '?' || c == '#') break;
    if (c == '%') {
      if (i + 2 >= rest.size() || !std::isxdigit(static_cast<unsigned char>(rest[i + 1])) ||
          !std::isxdigit(static_cast<unsigned char>(rest[i + 2])))
        return std::nullopt;
      c = static_cast<char>(std::stoi(std::string(rest.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    }
    if (c == '\0') return std::nullopt;
    out.push_back(c);
  }
  return out;
}

bool startsWithFileScheme(std::string_view uri) {
  if (uri.size() < 7) return false;
  std::string head(uri.substr(0, 7));
  for (char& c : head) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return head == "file://";
}

// The text a result shows the model, as handed to the gate: a tool result's text items, embedded
// text resources and structured content, or a resource's text contents, joined by newlines, at
// most kMaxObservedText bytes. Each part remembers where its text sits, so that obligations on
// the whole can be applied to the JSON they came from.
struct TextParts {
  struct Part {
    std::size_t offset = 0;
    std::size_t length = 0;
    json* target = nullptr;    // a JSON string, or the structured content (its dump)
    bool structured = false;
  };
  std::string text;
  std::vector<Part> parts;
  bool truncated = false;  // some text was left out (over kMaxObservedText)
};

TextParts collectText(json& result, bool toolResult) {
  TextParts t;
  auto add = [&](json* target, std::string_view s, bool structured) {
    if (!t.text.empty()) t.text += '\n';
    const std::size_t room = kMaxObservedText - std::min(t.text.size(), kMaxObservedText);
    if (s.size() > room) t.truncated = true;
    t.parts.push_back({t.text.size(), std::min(s.size(), room), target, structured});
    t.text.append(s.substr(0, room));
  };
  auto addString = [&](json& item, const char* key) {
    if (auto v = item.find(key); v != item.end() && v->is_string()) add(&*v, v->get_ref<const std::string&>(), false);
  };
  const char* list = toolResult ? "content" : "contents";
  if (auto c = result.find(list); c != result.end() && c->is_array()) {
    for (auto& item : *c) {
      if (!item.is_object()) continue;
      addString(item, "text");
      if (auto r = item.find("resource"); toolResult && r != item.end() && r->is_object()) addString(*r, "text");
    }
  }
  if (auto sc = result.find("structuredContent"); toolResult && sc != result.end() && !sc->is_null())
    add(&*sc, sc->dump(-1, ' ', false, json::error_handler_t::replace), true);
  return t;
}

// Applies obligations on `t.text` (numbered across the whole result) and writes each part's
// share back where it came from. False when one straddles two parts, a part was cut short, or
// an anonymized structured content is no longer JSON.
bool applyToParts(TextParts& t, const std::vector<core::Obligation>& obligations, const std::string& key) {
  if (t.truncated) return false;
  for (const auto& o : obligations) {
    bool inside = false;
    for (const auto& part : t.parts) inside = inside || (o.start >= part.offset && o.end <= part.offset + part.length);
    if (!inside) return false;
  }
  std::vector<std::int64_t> growth;
  auto whole = gate::applyObligations(t.text, obligations, key, &growth);
  if (!whole) return false;
  // Where body offset x (outside every span) lands in the output.
  auto moved = [&](std::size_t x) {
    std::int64_t g = 0;
    for (std::size_t k = 0; k < obligations.size() && obligations[k].end <= x; ++k) g = growth[k];
    return static_cast<std::size_t>(static_cast<std::int64_t>(x) + g);
  };
  for (auto& part : t.parts) {
    const std::size_t from = moved(part.offset), to = moved(part.offset + part.length);
    std::string piece = whole->substr(from, to - from);
    if (part.structured) {
      json parsed = json::parse(piece, nullptr, false);
      if (parsed.is_discarded()) return false;
      *part.target = std::move(parsed);
    } else {
      *part.target = std::move(piece);
    }
  }
  return true;
}

}  // namespace

Relay::Relay(gate::Gate& gate, Options options) : gate_(gate), options_(std::move(options)) {}

core::Request Relay::request(Action action) const {
  core::Request r;
  r.user = options_.user;
  r.agent = options_.agent;
  r.session = options_.session;
  r.adapter = "mcp";
  r.cwd = options_.cwd;
  r.action = action;
  return r;
}

std::vector<core::Request> Relay::mappedRequests(const std::string& tool, const json& args) const {
  std::vector<core::Request> out;
  // One mapping: the argument `arg` (a string, or with `list` an array of them) is `action`.
  auto map = [&](std::string_view arg, Action action, bool list, std::string_view method) {
    auto make = [&](const json& v) {
      core::Request r = request(action);
      if (!v.is_string() || v.get_ref<const std::string&>().empty()) {
        r.malformed = fmt::format("{}/{}: argument '{}' is missing or not a string", options_.server, tool, arg);
        r.path = ".";
      } else if (action == Action::kNetRequest) {
        r.url = v.get<std::string>();
        r.method = std::string(method);
      } else {
        r.path = v.get<std::string>();
      }
      out.push_back(std::move(r));
    };
    const json* v = args.is_object() && args.contains(std::string(arg)) ? &args.at(std::string(arg)) : nullptr;
    if (list) {
      if (v == nullptr || !v->is_array() || v->empty()) {
        make(json());
      } else {
        for (const auto& e : *v) make(e);
      }
    } else {
      make(v ? *v : json());
    }
  };
  for (const auto& m : kMappings)
    if (m.server == options_.server && m.tool == tool) map(m.arg, m.action, m.list, "GET");
  // The policy's own (mcp.arguments), for any server.
  const std::string full = options_.server + "/" + tool;
  for (const auto& m : gate_.policy().argumentMappings())
    if (m.tool.matches(full)) map(m.argument, m.action, m.list, m.method);
  return out;
}

std::string Relay::denyCall(const json& id, const std::string& tool, const core::Decision& d) const {
  std::string text = fmt::format("airlock denied {} ({})", tool, core::reasonCode(d.reason));
  for (const auto& r : d.reasons) text += "\n- " + r;
  return dumpLine(json{{"jsonrpc", "2.0"},
                       {"id", id},
                       {"result", {{"content", json::array({{{"type", "text"}, {"text", text}}})}, {"isError", true}}}});
}

namespace {

std::string cancelLine(const std::string& key, const std::string& why) {
  return dumpLine(json{{"jsonrpc", "2.0"},
                       {"method", "notifications/cancelled"},
                       {"params", {{"requestId", json::parse(key)}, {"reason", why}}}});
}

// A refused resources/read: a JSON-RPC error naming the reason.
std::string readDenied(const json& id, const core::Decision& d) {
  std::string why = fmt::format("airlock denied resources/read ({})", core::reasonCode(d.reason));
  for (const auto& reason : d.reasons) why += "; " + reason;
  return errorLine(id, kDenied, why);
}

// What a request is about, as a question or a refusal names it.
std::string resourceOf(const core::Request& r) {
  switch (r.action) {
    case Action::kToolCall: return r.tool;
    case Action::kNetRequest: return r.url;
    default: return r.path;
  }
}

}  // namespace

bool Relay::canAsk() const {
  switch (options_.approver) {
    case Options::Approver::kClient: return clientElicits_;
    case Options::Approver::kTerminal: return options_.ttyFd >= 0;
    case Options::Approver::kNone: return false;
  }
  return false;
}

std::string Relay::question(const Asked& a, bool terminal) const {
  std::string what;
  for (const auto& r : a.asked) {
    if (!what.empty()) what += ", ";
    what += r.action == Action::kToolCall ? fmt::format("call {}", r.tool)
                                          : fmt::format("{} {}", core::actionName(r.action), resourceOf(r));
  }
  const std::string who = options_.agent.empty() ? options_.user : fmt::format("agent {} for {}", options_.agent, options_.user);
  if (!terminal) return fmt::format("airlock: {} asks to {} (through {}). Allow it, once?", who, what, a.tool);
  return fmt::format("\nairlock: {} asks to {}\n  (through {})\n  allow it, once? [y/N] ", core::terminalSafe(who),
                     core::terminalSafe(what), core::terminalSafe(a.tool));
}

bool Relay::allowedCall(const json& m, const json& id, const std::string& tool, const core::Request& call,
                        const core::Decision& d, std::vector<std::string>& answers, json* rewritten) {
  // Allowed on condition that parts of the arguments are anonymized: the call goes on with
  // them anonymized, or not at all.
  if (d.obligations.empty()) return true;
  auto redacted = gate::applyObligations(call.body, d.obligations, options_.dlpKey);
  json newArgs = redacted ? json::parse(*redacted, nullptr, false) : json(json::value_t::discarded);
  if (!redacted || newArgs.is_discarded()) {
    core::Decision refused = d;
    refused.verdict = Verdict::kDeny;
    refused.reason = core::Reason::kDenyInternalError;
    refused.reasons = {redacted ? "the anonymized arguments are not JSON" : "cannot anonymize the arguments: " + redacted.error().message};
    answers.push_back(denyCall(id, tool, refused));
    return false;
  }
  *rewritten = m;
  (*rewritten)["params"]["arguments"] = std::move(newArgs);
  return true;
}

std::string Relay::refusal(const Asked& a, const core::Decision& d) const {
  const json id = json::parse(a.id);
  return a.pending.method == "resources/read" ? readDenied(id, d) : denyCall(id, a.tool, d);
}

bool Relay::answered(Asked& a, bool yes, const std::string& how, std::vector<std::string>& answers, json* rewritten) {
  const json id = json::parse(a.id);
  if (!yes) {
    gate::Refusal f;
    f.user = options_.user;
    f.agent = options_.agent;
    f.session = options_.session;
    f.adapter = "mcp";
    f.action = a.asked.front().action;
    f.resource = resourceOf(a.asked.front());
    f.reason = core::Reason::kDenyAskDeclined;
    f.reasons = {fmt::format("asked {}: declined", how)};
    answers.push_back(refusal(a, gate_.refuse(f)));
    return false;
  }
  // Approved: each asked request is decided again as approved (recorded as allow.ask.approved);
  // what changed meanwhile (a deny, a raised session label) still refuses it.
  core::Decision callDecision = a.decision;
  for (auto& r : a.asked) {
    r.approved = true;
    const core::Decision d = gate_.decide(r);
    if (d.verdict != Verdict::kAllow) {
      answers.push_back(refusal(a, d));
      return false;
    }
    if (r.action == Action::kToolCall && r.tool == a.call.tool) callDecision = d;
  }
  if (a.pending.method != "tools/call") return true;
  return allowedCall(json::parse(a.message), id, a.tool, a.call, callDecision, answers, rewritten);
}

void Relay::elicitationAnswered(const std::string& key, const json& response) {
  Asked a = std::move(asking_.at(key));
  asking_.erase(key);
  // Form mode: {"action": "accept", "content": {"allow": true}} approves; decline, cancel, an
  // error or anything else does not.
  const json result = response.value("result", json());
  bool yes = false;
  std::string how = "through the client (elicitation)";
  if (result.is_object()) {
    const json content = result.value("content", json());
    yes = result.value("action", json()) == "accept" && content.is_object() && content.value("allow", json()) == true;
  } else {
    how += ", which could not ask";
  }
  std::vector<std::string> answers;
  json rewritten(json::value_t::discarded);
  if (!answered(a, yes, how, answers, &rewritten)) {
    for (const auto& line : answers) laterToClient_ += line;
    return;
  }
  laterToServer_ += rewritten.is_discarded() ? a.message + "\n" : dumpLine(rewritten);
  pending_[a.id] = std::move(a.pending);
}

bool Relay::putToApprover(Asked a, std::vector<std::string>& answers, json* rewritten) {
  if (options_.approver == Options::Approver::kTerminal) {
    const bool yes = core::askOnTerminal(options_.ttyFd, question(a, true), options_.askTimeoutSeconds * 1000);
    return answered(a, yes, "on the terminal", answers, rewritten);
  }
  if (asking_.size() >= kMaxOpenQuestions) {
    // Held requests are memory the client controls: beyond a few open questions, no more.
    (void)answered(a, false, fmt::format("not asked: {} questions are already open", kMaxOpenQuestions), answers,
                   rewritten);
    return false;
  }
  // The client's person is asked (MCP elicitation); the request waits for the answer.
  const std::string key = "airlock-ask-" + std::to_string(++asks_);
  json schema{{"type", "object"},
              {"properties",
               {{"allow", {{"type", "boolean"}, {"title", "Allow"}, {"description", "Allow this call, once"}, {"default", false}}}}},
              {"required", json::array({"allow"})}};
  laterToClient_ += dumpLine(json{{"jsonrpc", "2.0"},
                                  {"id", key},
                                  {"method", "elicitation/create"},
                                  {"params", {{"message", question(a, false)}, {"requestedSchema", schema}}}});
  a.deadline = std::chrono::steady_clock::now() + std::chrono::seconds(options_.askTimeoutSeconds);
  asking_[idKey(json(key))] = std::move(a);
  return false;
}

std::chrono::steady_clock::time_point Relay::nextAskDeadline() const {
  auto t = std::chrono::steady_clock::time_point::max();
  for (const auto& [key, a] : asking_) t = std::min(t, a.deadline);
  return t;
}

void Relay::expireAsks(std::chrono::steady_clock::time_point now, std::string& toClient) {
  for (auto it = asking_.begin(); it != asking_.end();) {
    if (it->second.deadline > now) {
      ++it;
      continue;
    }
    std::vector<std::string> answers;
    json unused;
    answered(it->second, false,
             fmt::format("through the client (elicitation), no answer within {} s", options_.askTimeoutSeconds), answers,
             &unused);
    toClient += cancelLine(it->first, "no answer in time: declined");
    for (const auto& line : answers) toClient += line;
    it = asking_.erase(it);
  }
}

bool Relay::clientMessage(const json& m, std::vector<std::string>& answers, json* rewritten) {
  if (!m.is_object()) {
    answers.push_back(errorLine(nullptr, kInvalidRequest, "Invalid Request: a JSON-RPC message is an object"));
    return false;
  }
  if (isResponse(m) && m.at("id").is_string()) {
    // The answer to one of airlock's own questions (elicitation) is not the server's.
    const std::string key = idKey(m.at("id"));
    if (asking_.count(key)) {
      elicitationAnswered(key, m);
      return false;
    }
    // A late answer (the question expired or its call was cancelled) is dropped too.
    if (m.at("id").get_ref<const std::string&>().rfind("airlock-ask-", 0) == 0) return false;
  }
  if (m.value("method", json()) == "notifications/cancelled" && m.contains("params") && m["params"].is_object()) {
    // The client gave up on a call still waiting for its answer: the question is withdrawn.
    const json requestId = m["params"].value("requestId", json());
    for (auto it = asking_.begin(); it != asking_.end(); ++it) {
      if (it->second.id != idKey(requestId)) continue;
      laterToClient_ += cancelLine(it->first, "the call it asks about was cancelled");
      asking_.erase(it);
      return false;  // the server never saw the call
    }
  }
  if (!isRequest(m)) return true;  // notifications and answers to the server's own requests
  const json& id = m.at("id");
  if (!id.is_string() && !id.is_number_integer()) {
    answers.push_back(errorLine(nullptr, kInvalidRequest, "Invalid Request: id must be a string or an integer"));
    return false;
  }
  const json& methodJ = m.at("method");
  if (!methodJ.is_string()) {
    answers.push_back(errorLine(id, kInvalidRequest, "Invalid Request: method must be a string"));
    return false;
  }
  const std::string& method = methodJ.get_ref<const std::string&>();
  Pending p;
  p.method = method;
  if (method == "initialize") {
    // Elicitation in form mode: `"elicitation": {}` (2025-06-18) or with a `form` member.
    const json params = m.value("params", json::object());
    const json caps = params.is_object() ? params.value("capabilities", json::object()) : json::object();
    const json e = caps.is_object() ? caps.value("elicitation", json()) : json();
    clientElicits_ = e.is_object() && (e.empty() || e.contains("form"));
  }
  if (method == "tools/call") {
    const json params = m.value("params", json::object());
    const json name = params.is_object() ? params.value("name", json()) : json();
    const json args = params.is_object() ? params.value("arguments", json::object()) : json::object();
    core::Request r = request(Action::kToolCall);
    if (!name.is_string() || name.get_ref<const std::string&>().empty()) {
      r.tool = options_.server + "/?";
      r.malformed = "tools/call without a tool name";
    } else {
      r.tool = options_.server + "/" + name.get<std::string>();
      r.args = args.dump(-1, ' ', false, json::error_handler_t::replace);
      r.body = r.args;
    }
    p.tool = r.tool;
    // A tool the server's listing withheld (changed or poisoned description) is not called
    // either; nor one the server does not list, nor any when its tools could not be listed.
    if (auto w = withheld_.find(r.tool); w != withheld_.end() &&
        (w->second.reason == core::Reason::kDenyToolChanged || w->second.reason == core::Reason::kDenyToolPoisoned)) {
      answers.push_back(denyCall(id, p.tool, w->second));
      return false;
    }
    if (r.malformed.empty() && (listingFailed_ || (knowsTools_ && !listed_.count(r.tool) && !withheld_.count(r.tool)))) {
      core::Request refused = r;
      refused.malformed = listingFailed_
                              ? fmt::format("the server's tools could not be listed, so the description of {} cannot be checked", r.tool)
                              : fmt::format("{} is not among the tools the server lists", r.tool);
      answers.push_back(denyCall(id, p.tool, gate_.decide(refused)));
      return false;
    }
    // Every decision first: a deny among them refuses the call; the `ask`s among them are put to
    // the approver together, once.
    r.interactive = canAsk();
    const core::Decision d = gate_.decide(r);
    if (d.verdict == Verdict::kDeny) {
      answers.push_back(denyCall(id, p.tool, d));
      return false;
    }
    Asked a;
    a.tool = p.tool;
    a.call = r;
    a.decision = d;
    if (d.verdict == Verdict::kAsk) a.asked.push_back(r);
    if (r.malformed.empty()) {
      for (auto& mapped : mappedRequests(name.get<std::string>(), args)) {
        mapped.interactive = r.interactive;
        const core::Decision md = gate_.decide(mapped);
        if (md.verdict == Verdict::kDeny) {
          answers.push_back(denyCall(id, p.tool, md));
          return false;
        }
        if (md.verdict == Verdict::kAsk) a.asked.push_back(std::move(mapped));
      }
    }
    if (a.asked.empty()) {
      if (!allowedCall(m, id, p.tool, r, d, answers, rewritten)) return false;
    } else {
      a.id = idKey(id);
      a.message = m.dump(-1, ' ', false, json::error_handler_t::replace);
      a.pending = p;
      if (!putToApprover(std::move(a), answers, rewritten)) return false;
    }
  }
  if (method == "tools/list") {
    const json params = m.value("params", json::object());
    p.firstPage = !(params.is_object() && params.contains("cursor"));
  }
  if (method == "resources/read") {
    // A local file is the fs.read of its path; any other resource the tool.call of
    // "SERVER/resources/read" with the URI as its body.
    const json params = m.value("params", json::object());
    const json uri = params.is_object() ? params.value("uri", json()) : json();
    const std::string text = uri.is_string() ? uri.get<std::string>() : "";
    core::Request r = request(Action::kFsRead);
    if (text.empty()) {
      r.malformed = "resources/read without a uri";
      r.path = ".";
    } else if (startsWithFileScheme(text)) {
      auto path = fileUriPath(text);
      if (path) {
        r.path = *path;
        p.path = *path;
      } else {
        r.malformed = "resources/read: the uri is not a local file URI that can be decoded";
        r.path = ".";
      }
    } else {
      r.action = Action::kToolCall;
      r.tool = options_.server + "/resources/read";
      r.args = json{{"uri", text}}.dump(-1, ' ', false, json::error_handler_t::replace);
      r.body = text;
    }
    p.tool = text;
    r.interactive = canAsk();
    const core::Decision d = gate_.decide(r);
    if (d.verdict == Verdict::kAsk) {
      Asked a;
      a.id = idKey(id);
      a.message = m.dump(-1, ' ', false, json::error_handler_t::replace);
      a.tool = "resources/read";
      a.pending = p;
      a.call = r;
      a.decision = d;
      a.asked.push_back(r);
      if (!putToApprover(std::move(a), answers, rewritten)) return false;
    } else if (d.verdict != Verdict::kAllow) {
      answers.push_back(readDenied(id, d));
      return false;
    }
  }
  pending_[idKey(id)] = std::move(p);
  return true;
}

bool Relay::needsListing(const json& m) const {
  if (knowsTools_ || listingFailed_) return false;
  auto isCall = [](const json& e) { return isRequest(e) && e.at("method") == "tools/call"; };
  if (m.is_array()) return std::any_of(m.begin(), m.end(), isCall);
  return isCall(m);
}

void Relay::startOwnListing(const json& cursor, std::string& toServer) {
  ownListingId_ = "airlock-tools-" + std::to_string(++ownListings_);
  ownFirstPage_ = cursor.is_null();
  json req{{"jsonrpc", "2.0"}, {"id", ownListingId_}, {"method", "tools/list"}};
  if (!cursor.is_null()) req["params"] = json{{"cursor", cursor}};
  toServer += dumpLine(req);
}

void Relay::listingTimedOut(std::string& toServer, std::string& toClient) {
  if (ownListingId_.empty()) return;
  std::fprintf(stderr, "airlock mcp: the server did not answer tools/list within %d s: tool calls are refused\n",
               options_.listTimeoutSeconds);
  listingFailed_ = true;
  ownListingId_.clear();
  replayHeld(toServer, toClient);
}

void Relay::replayHeld(std::string& toServer, std::string& toClient) {
  std::vector<std::string> held = std::move(held_);
  held_.clear();
  heldBytes_ = 0;
  for (std::size_t i = 0; i < held.size(); ++i) {
    fromClient(held[i], toServer, toClient);
    if (!ownListingId_.empty()) {
      // Listing again (it failed and the tools changed meanwhile): the rest waits once more.
      for (std::size_t j = i + 1; j < held.size(); ++j) {
        heldBytes_ += held[j].size();
        held_.push_back(std::move(held[j]));
      }
      return;
    }
  }
}

bool Relay::listTools(json& result, bool firstPage) {
  if (firstPage) {
    listed_.clear();
    withheld_.clear();
  }
  auto tools = result.find("tools");
  if (tools == result.end() || !tools->is_array()) return false;
  json kept = json::array();
  for (auto& t : *tools) {
    const json name = t.is_object() ? t.value("name", json()) : json();
    if (!name.is_string()) continue;  // a tool without a name cannot be called or decided
    // What the model reads about the tool: pinned, and inspected for poisoning.
    const std::string read = json{{"title", t.value("title", json())},
                                  {"description", t.value("description", json())},
                                  {"inputSchema", t.value("inputSchema", json())},
                                  {"annotations", t.value("annotations", json())}}
                                 .dump(-1, ' ', false, json::error_handler_t::replace);
    gate::ToolListing listing;
    listing.user = options_.user;
    listing.agent = options_.agent;
    listing.session = options_.session;
    listing.adapter = "mcp";
    listing.tool = options_.server + "/" + name.get<std::string>();
    listing.description = read;
    listing.acceptChanges = options_.acceptToolChanges;
    core::Decision d = gate_.listTool(listing);
    if (d.verdict == Verdict::kAllow) {
      listed_[listing.tool] = true;
      kept.push_back(std::move(t));
    } else {
      withheld_[listing.tool] = std::move(d);
    }
  }
  const bool changed = kept.size() != tools->size();
  *tools = std::move(kept);
  if (!result.contains("nextCursor") || result["nextCursor"].is_null()) knowsTools_ = true;
  return changed;
}

void Relay::fromClient(std::string_view line, std::string& toServer, std::string& toClient) {
  handleClient(line, toServer, toClient);
  toClient += laterToClient_;
  toServer += laterToServer_;
  laterToClient_.clear();
  laterToServer_.clear();
}

void Relay::handleClient(std::string_view line, std::string& toServer, std::string& toClient) {
  if (line.find_first_not_of(" \t\r") == std::string_view::npos) return;  // blank line: nothing
  if (!ownListingId_.empty()) {
    // airlock is listing the server's tools itself: everything waits, in order.
    held_.emplace_back(line);
    heldBytes_ += line.size();
    return;
  }
  json m;
  if (!depthOk(line)) {
    toClient += errorLine(nullptr, kParseError, fmt::format("Parse error: nested deeper than {}", kMaxDepth));
    return;
  }
  try {
    m = json::parse(line);
  } catch (const json::exception& e) {
    toClient += errorLine(nullptr, kParseError, std::string("Parse error: ") + e.what());
    return;
  }
  if (needsListing(m)) {
    // A call before any listing in this run: the tools are listed first, so that the call is
    // decided against what the server says about the tool now.
    startOwnListing(json(), toServer);
    held_.emplace_back(line);
    heldBytes_ += line.size();
    return;
  }
  std::vector<std::string> answers;
  if (m.is_array()) {
    // A batch (JSON-RPC 2.0; MCP 2025-03-26): what policy lets through goes on as a batch.
    if (m.empty()) {
      toClient += errorLine(nullptr, kInvalidRequest, "Invalid Request: empty batch");
      return;
    }
    json forward = json::array();
    bool anyRewritten = false;
    for (const auto& e : m) {
      json rewritten(json::value_t::discarded);
      if (!clientMessage(e, answers, &rewritten)) continue;
      anyRewritten = anyRewritten || !rewritten.is_discarded();
      forward.push_back(rewritten.is_discarded() ? e : std::move(rewritten));
    }
    if (forward.size() == m.size() && !anyRewritten) {
      toServer.append(line).push_back('\n');
    } else if (!forward.empty()) {
      toServer += dumpLine(forward);
    }
    if (!answers.empty()) {
      std::string batch = "[";
      for (std::size_t i = 0; i < answers.size(); ++i) {
        if (i) batch += ',';
        batch.append(answers[i], 0, answers[i].size() - 1);  // without its newline
      }
      toClient += batch + "]\n";
    }
    return;
  }
  json rewritten(json::value_t::discarded);
  if (clientMessage(m, answers, &rewritten)) {
    if (rewritten.is_discarded()) toServer.append(line).push_back('\n');
    else toServer += dumpLine(rewritten);
  } else {
    for (const auto& a : answers) toClient += a;
  }
}

void Relay::serverMessage(json& m, bool& changed) {
  if (m.is_object() && m.value("method", json()) == "notifications/tools/list_changed") {
    knowsTools_ = false;  // the next call lists them again
    listingFailed_ = false;
    return;
  }
  if (!isResponse(m)) return;
  auto it = pending_.find(idKey(m.at("id")));
  if (it == pending_.end()) return;
  const Pending p = std::move(it->second);
  pending_.erase(it);
  if (!m.contains("result") || !m["result"].is_object()) return;
  json& result = m["result"];
  if (p.method == "tools/list") {
    if (listTools(result, p.firstPage)) changed = true;
  } else if (p.method == "tools/call" || p.method == "resources/read") {
    TextParts parts = collectText(result, p.method == "tools/call");
    const std::string& text = parts.text;
    gate::Observation o;
    o.user = options_.user;
    o.agent = options_.agent;
    o.session = options_.session;
    o.adapter = "mcp";
    o.action = p.path.empty() ? Action::kToolCall : Action::kFsRead;
    o.resource = p.tool;
    o.path = p.path;  // a local file resource: its own label counts too
    o.cwd = options_.cwd;
    o.size = static_cast<std::int64_t>(text.size());
    o.digest = text.empty() ? "" : core::sha256Hex(text);
    o.content = text;
    o.toAgent = true;
    core::Decision d = gate_.observe(o);
    std::string cannot;
    if (d.verdict != Verdict::kDeny && !d.obligations.empty() && !applyToParts(parts, d.obligations, options_.dlpKey))
      cannot = fmt::format("airlock cannot anonymize the result of {} as the policy requires: withheld", p.tool);
    // Text past kMaxObservedText was not scanned: with redact rules for the agent, it is not shown.
    if (d.verdict != Verdict::kDeny && cannot.empty() && parts.truncated)
      for (const auto& r : gate_.policy().redactions())
        if (r.sinks.empty())
          cannot = fmt::format("the result of {} is larger than airlock scans ({} bytes) and the policy anonymizes "
                               "what reaches the agent: withheld", p.tool, kMaxObservedText);
    if (!cannot.empty()) {
      changed = true;
      if (p.method == "tools/call") {
        result = json{{"content", json::array({{{"type", "text"}, {"text", cannot}}})}, {"isError", true}};
      } else {
        m.erase("result");
        m["error"] = json{{"code", kDenied}, {"message", cannot}};
      }
      return;
    }
    if (!d.obligations.empty()) changed = true;
    if (d.verdict == Verdict::kDeny) {
      // The result could not be recorded (store or audit down): the client does not get it.
      std::string why = fmt::format("airlock could not record the result of {} ({})", p.tool, core::reasonCode(d.reason));
      for (const auto& r : d.reasons) why += "\n- " + r;
      changed = true;
      if (p.method == "tools/call") {
        result = json{{"content", json::array({{{"type", "text"}, {"text", why}}})}, {"isError", true}};
      } else {
        m.erase("result");  // `result` refers into it: not used after this
        m["error"] = json{{"code", kDenied}, {"message", why}};
      }
    }
  }
}

void Relay::fromServer(std::string_view line, std::string& toClient, std::string& toServer) {
  if (line.find_first_not_of(" \t\r") == std::string_view::npos) return;
  json m;
  if (!depthOk(line)) {
    std::fprintf(stderr, "airlock mcp: dropped a message from the server nested deeper than %d (%zu bytes)\n", kMaxDepth,
                 line.size());
    return;
  }
  try {
    m = json::parse(line);
  } catch (const json::exception&) {
    std::fprintf(stderr, "airlock mcp: dropped a line from the server that is not JSON (%zu bytes)\n", line.size());
    return;
  }
  if (!ownListingId_.empty() && isResponse(m) && m.at("id") == ownListingId_) {
    // The answer to airlock's own listing: it is not the client's, so it is not forwarded.
    if (m.contains("result") && m["result"].is_object()) {
      json& result = m["result"];
      listTools(result, ownFirstPage_);
      const json next = result.value("nextCursor", json());
      if (!knowsTools_ && next.is_string() && ownListings_ < 100) {
        startOwnListing(next, toServer);
        return;
      }
      knowsTools_ = true;
    } else {
      listingFailed_ = true;
    }
    ownListingId_.clear();
    replayHeld(toServer, toClient);
    return;
  }
  // A late answer to one of airlock's own listings (it timed out) is not the client's either.
  if (isResponse(m) && m.at("id").is_string() && m.at("id").get_ref<const std::string&>().rfind("airlock-tools-", 0) == 0 &&
      !pending_.count(idKey(m.at("id"))))
    return;
  bool changed = false;
  if (m.is_array()) {
    for (auto& e : m) serverMessage(e, changed);
  } else {
    serverMessage(m, changed);
  }
  if (changed) toClient += dumpLine(m);
  else toClient.append(line).push_back('\n');
}

void Relay::clientTooLong(std::string& toClient) {
  toClient += errorLine(nullptr, kParseError,
                        fmt::format("Parse error: message longer than {} bytes (airlock mcp --max-message)",
                                    options_.maxMessageBytes));
}

void Relay::serverGone(const std::string& why, std::string& toClient) {
  // Requests held for airlock's own listing never reached the server.
  for (const auto& line : held_) {
    json m = json::parse(line, nullptr, false);
    std::vector<json> items;
    if (m.is_array()) items.assign(m.begin(), m.end());
    else items.push_back(m);
    for (const auto& e : items)
      if (isRequest(e) && (e.at("id").is_string() || e.at("id").is_number_integer()))
        toClient += errorLine(e.at("id"), kServerGone,
                              fmt::format("MCP server {} {} before answering {}", options_.server, why,
                                          e.at("method").is_string() ? e.at("method").get<std::string>() : "?"));
  }
  held_.clear();
  heldBytes_ = 0;
  ownListingId_.clear();
  for (const auto& [key, a] : asking_) {
    toClient += cancelLine(key, "the MCP server is gone");
    toClient += errorLine(json::parse(a.id), kServerGone,
                          fmt::format("MCP server {} {} before answering tools/call", options_.server, why));
  }
  asking_.clear();
  for (const auto& [key, p] : pending_) {
    json id;
    try {
      id = json::parse(key);
    } catch (const json::exception&) {
      continue;
    }
    toClient += errorLine(id, kServerGone, fmt::format("MCP server {} {} before answering {}", options_.server, why, p.method));
  }
  pending_.clear();
}

// ---------------------------------------------------------------------------------------------
// The process

namespace {

// One direction: bytes read from `in`, split into lines, handled, queued for `out`.
struct Pipe {
  int fd = -1;
  std::string buffer;   // bytes read, not yet a whole line
  bool skipping = false;  // inside a line longer than the limit: dropped up to its newline
  bool eof = false;
};
struct Queue {
  int fd = -1;
  std::string data;
  std::size_t offset = 0;
  bool closed = false;
  std::size_t size() const { return data.size() - offset; }
  // Writes what it can without blocking; false when the reader is gone.
  bool flush() {
    while (fd >= 0 && offset < data.size()) {
      ssize_t n = ::write(fd, data.data() + offset, data.size() - offset);
      if (n > 0) {
        offset += static_cast<std::size_t>(n);
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
      return false;
    }
    if (offset == data.size()) {
      data.clear();
      offset = 0;
    } else if (offset > (1u << 20) && offset > data.size() / 2) {
      data.erase(0, offset);
      offset = 0;
    }
    return true;
  }
};

void setNonBlocking(int fd) {
  int flags = fcntl(fd, F_GETFL);
  if (flags >= 0) fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

int exitStatus(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return 1;
}

}  // namespace

int run(gate::Gate& gate, const Options& options, const std::vector<std::string>& command, int clientIn, int clientOut) {
  if (command.empty()) {
    std::fprintf(stderr, "airlock mcp: no server command (airlock mcp [options] -- CMD [ARGS…])\n");
    return 2;
  }
  signal(SIGPIPE, SIG_IGN);
  int toServerPipe[2], fromServerPipe[2];
  if (pipe2(toServerPipe, O_CLOEXEC) != 0 || pipe2(fromServerPipe, O_CLOEXEC) != 0) {
    std::fprintf(stderr, "airlock mcp: pipe: %s\n", std::strerror(errno));
    return 2;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, toServerPipe[0], 0);
  posix_spawn_file_actions_adddup2(&actions, fromServerPipe[1], 1);
  std::vector<char*> argv;
  for (const auto& a : command) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t pid = -1;
  const int spawnError = posix_spawnp(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(toServerPipe[0]);
  ::close(fromServerPipe[1]);
  if (spawnError != 0) {
    std::fprintf(stderr, "airlock mcp: cannot start %s: %s\n", command[0].c_str(), std::strerror(spawnError));
    ::close(toServerPipe[1]);
    ::close(fromServerPipe[0]);
    return 2;
  }

  Relay relay(gate, options);
  Pipe client, server;
  client.fd = clientIn;
  server.fd = fromServerPipe[0];
  Queue toServer, toClient;
  toServer.fd = toServerPipe[1];
  toClient.fd = clientOut;
  setNonBlocking(toServer.fd);
  setNonBlocking(server.fd);
  // The client's end is made non-blocking only when it is ours alone (a pipe or a socket): a
  // terminal's file description is shared with the shell.
  struct stat st {};
  if (fstat(clientOut, &st) == 0 && (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode))) setNonBlocking(clientOut);
  const std::size_t limit = options.maxMessageBytes;
  const std::size_t backlog = 2 * limit + (1u << 20);  // stop reading a side whose output waits

  auto consume = [&](Pipe& p, bool fromClientSide, const char* data, std::size_t n) {
    std::string_view in(data, n);
    while (!in.empty()) {
      const auto nl = in.find('\n');
      if (p.skipping) {
        if (nl == std::string_view::npos) return;
        p.skipping = false;
        in.remove_prefix(nl + 1);
        continue;
      }
      const std::string_view part = nl == std::string_view::npos ? in : in.substr(0, nl);
      if (p.buffer.size() + part.size() > limit) {
        p.buffer.clear();
        if (fromClientSide) relay.clientTooLong(toClient.data);
        else std::fprintf(stderr, "airlock mcp: dropped a message from the server longer than %zu bytes\n", limit);
        p.skipping = nl == std::string_view::npos;
        if (nl == std::string_view::npos) return;
        in.remove_prefix(nl + 1);
        continue;
      }
      if (nl == std::string_view::npos) {
        p.buffer.append(part);
        return;
      }
      std::string_view line = part;
      if (!p.buffer.empty()) {
        p.buffer.append(part);
        line = p.buffer;
      }
      if (fromClientSide) relay.fromClient(line, toServer.data, toClient.data);
      else relay.fromServer(line, toClient.data, toServer.data);
      p.buffer.clear();
      in.remove_prefix(nl + 1);
    }
  };

  std::string chunk(1 << 16, '\0');
  bool clientGone = false, serverClosedStdin = false;
  std::chrono::steady_clock::time_point hangup{};
  std::chrono::steady_clock::time_point listingSince{};
  bool wasListing = false;
  int signalsSent = 0;
  int status = 0;
  bool reaped = false;
  while (true) {
    if (!clientGone && !toClient.flush()) clientGone = true;
    if (clientGone) {  // nobody reads it: keep draining the server
      toClient.data.clear();
      toClient.offset = 0;
    }
    if (!toServer.flush()) toServer.closed = true;
    // The client is done: once everything it sent has reached the server (nothing queued, and
    // nothing held for airlock's own tool listing), the server's stdin is closed.
    if (client.eof && !serverClosedStdin && toServer.size() == 0 && relay.heldBytes() == 0) {
      ::close(toServer.fd);
      toServer.fd = -1;
      serverClosedStdin = true;
      hangup = std::chrono::steady_clock::now();
    }
    if (server.eof) break;
    if (relay.listing() && !wasListing) listingSince = std::chrono::steady_clock::now();
    wasListing = relay.listing();
    if (wasListing && std::chrono::steady_clock::now() - listingSince > std::chrono::seconds(options.listTimeoutSeconds)) {
      relay.listingTimedOut(toServer.data, toClient.data);
      wasListing = relay.listing();
      continue;
    }
    if (clientGone && !serverClosedStdin) {
      ::close(toServer.fd);
      toServer.fd = -1;
      serverClosedStdin = true;
      hangup = std::chrono::steady_clock::now();
    }
    if (relay.asking() > 0) relay.expireAsks(std::chrono::steady_clock::now(), toClient.data);
    if (serverClosedStdin) {
      // The client is done: the server gets its grace period, then SIGTERM, then SIGKILL.
      const auto waited = std::chrono::steady_clock::now() - hangup;
      if (signalsSent == 0 && waited > std::chrono::seconds(options.exitGraceSeconds)) {
        ::kill(pid, SIGTERM);
        signalsSent = 1;
      } else if (signalsSent == 1 && waited > std::chrono::seconds(options.exitGraceSeconds + 2)) {
        ::kill(pid, SIGKILL);
        signalsSent = 2;
      }
    }
    pollfd fds[4];
    nfds_t n = 0;
    int iClient = -1, iServer = -1;
    if (!client.eof && !clientGone && toServer.size() < backlog && toClient.size() < backlog &&
        relay.heldBytes() < backlog) {
      iClient = static_cast<int>(n);
      fds[n++] = {client.fd, POLLIN, 0};
    }
    if (!server.eof && toClient.size() < backlog) {
      iServer = static_cast<int>(n);
      fds[n++] = {server.fd, POLLIN, 0};
    }
    if (toServer.fd >= 0 && toServer.size() > 0 && !toServer.closed) fds[n++] = {toServer.fd, POLLOUT, 0};
    if (!clientGone && toClient.size() > 0) fds[n++] = {toClient.fd, POLLOUT, 0};
    int timeout = serverClosedStdin || relay.listing() ? 200 : -1;
    if (relay.asking() > 0) {
      // Woken for the earliest question's deadline (at most a second away, at least 10 ms).
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(relay.nextAskDeadline() -
                                                                              std::chrono::steady_clock::now());
      const int ms = static_cast<int>(std::clamp<std::int64_t>(left.count(), 10, 1000));
      timeout = timeout < 0 ? ms : std::min(timeout, ms);
    }
    int r = ::poll(fds, n, timeout);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) {
      std::fprintf(stderr, "airlock mcp: poll: %s\n", std::strerror(errno));
      break;
    }
    auto readSide = [&](Pipe& p, int index, bool fromClientSide) {
      if (index < 0 || !(fds[index].revents & (POLLIN | POLLHUP | POLLERR))) return;
      ssize_t got = ::read(p.fd, chunk.data(), chunk.size());
      if (got > 0) {
        consume(p, fromClientSide, chunk.data(), static_cast<std::size_t>(got));
      } else if (got == 0 || (errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK)) {
        p.eof = true;
        if (!p.buffer.empty() && !p.skipping) {
          // A last message without its newline is still a message.
          const std::string last = std::move(p.buffer);
          p.buffer.clear();
          if (fromClientSide) relay.fromClient(last, toServer.data, toClient.data);
          else relay.fromServer(last, toClient.data, toServer.data);
        }
      }
    };
    readSide(client, iClient, true);
    readSide(server, iServer, false);
    if (toServer.closed) {
      // The server stopped reading (its stdin is closed): what it was sent cannot arrive.
      toServer.data.clear();
      toServer.offset = 0;
    }
  }
  // The server closed its output (it exited or is about to).
  if (!reaped) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(options.exitGraceSeconds);
    while (true) {
      pid_t w = ::waitpid(pid, &status, WNOHANG);
      if (w == pid) break;
      if (std::chrono::steady_clock::now() > deadline) {
        ::kill(pid, SIGKILL);
        ::waitpid(pid, &status, 0);
        break;
      }
      ::usleep(10000);
    }
    reaped = true;
  }
  relay.serverGone(WIFSIGNALED(status) ? fmt::format("was killed by signal {}", WTERMSIG(status))
                                       : fmt::format("exited with status {}", WEXITSTATUS(status)),
                   toClient.data);
  // Flush the answers; the client may be gone, and a stuck client does not hold us.
  if (!clientGone && toClient.size() > 0) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(options.exitGraceSeconds);
    while (toClient.size() > 0 && std::chrono::steady_clock::now() < deadline) {
      if (!toClient.flush()) break;
      if (toClient.size() == 0) break;
      pollfd pf{toClient.fd, POLLOUT, 0};
      ::poll(&pf, 1, 100);
    }
  }
  if (toServer.fd >= 0) ::close(toServer.fd);
  ::close(server.fd);
  return exitStatus(status);
}

}  // namespace airlock::mcp
