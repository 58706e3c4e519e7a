#pragma once
// `airlock mcp`: a proxy in front of a stdio MCP server (DESIGN.md "Enforcement points",
// docs/adapters/mcp.md). The client speaks newline-delimited JSON-RPC 2.0 to us on stdin and
// stdout; we spawn the server and speak to it on its stdin and stdout; its stderr is the
// client's. Every message is relayed byte for byte unless the policy acts on it:
//
// - `tools/call` is decided by the gate as a `tool.call` of "SERVER/tool" with its arguments,
//   and, for servers with a known mapping (the reference filesystem, fetch and git servers),
//   as the file or network actions its arguments name. A denied call never reaches the server:
//   the client gets a tool result with `isError: true` and the reason, at once.
// - `tools/list` results lose the tools the principal may never call, tools whose description
//   changed since it was pinned (first seen), and tools whose description hides text or
//   addresses the assistant (Gate::listTool); calls to a withheld tool are refused.
// - `tools/call` results are observed (Gate::observe): their text raises the session's label
//   (policy detector rules) and hidden or instruction-like content makes it untrusted.
// - A line that is not JSON is never forwarded: from the client it is answered with a JSON-RPC
//   parse error; from the server it is dropped (and said on stderr). A line longer than the
//   message limit is refused the same way.
//
// Relay is the message logic, without I/O (unit-tested); run() is the process: spawn, poll loop,
// exit with the server's status.
#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "gate/gate.h"

namespace airlock::mcp {

struct Options {
  std::string server;   // --name: the "server" of "server/tool" (default: the command's base name)
  std::string user;
  std::string agent;
  std::string session;
  std::string cwd;      // relative paths in mapped tool arguments are resolved against it
  std::string dlpKey;   // for pseudonym/encrypt redaction of call arguments ($AIRLOCK_DLP_KEY)
  std::size_t maxMessageBytes = 64u << 20;
  bool acceptToolChanges = false;  // --accept-tool-changes: pin changed descriptions anew
  int exitGraceSeconds = 5;  // after the client hangs up, how long the server may take to exit
  int listTimeoutSeconds = 30;  // how long airlock's own tools/list may take before calls are refused
  // Who answers an `ask` (a call the policy wants a person to approve). Whoever it is, a yes is
  // recorded as allow.ask.approved and a no (or no answer within askTimeoutSeconds) as
  // deny.ask.declined; with nobody to ask, the policy's defaults.non_interactive_ask applies.
  enum class Approver {
    kClient,    // the person at the client, through MCP elicitation (elicitation/create), when the
                // client declared that capability in `initialize`; otherwise nobody
    kTerminal,  // the controlling terminal (ttyFd), one key, while the relay waits
    kNone,      // nobody
  };
  Approver approver = Approver::kClient;
  int ttyFd = -1;  // kTerminal: the terminal, open for reading and writing (-1: nobody to ask)
  int askTimeoutSeconds = 120;
};

class Relay {
 public:
  Relay(gate::Gate& gate, Options options);

  // One message (a line without its newline) from the client. What must go to the server is
  // appended to `toServer`, an answer given in the server's place to `toClient` (complete lines).
  void fromClient(std::string_view line, std::string& toServer, std::string& toClient);
  // One message from the server; what the client gets is appended to `toClient`, and what goes
  // (back) to the server to `toServer` (airlock's own tools/list, client lines held for it).
  void fromServer(std::string_view line, std::string& toClient, std::string& toServer);
  // A client line longer than the limit (its first bytes, to find an id): answered, not forwarded.
  void clientTooLong(std::string& toClient);
  // The server is gone: every request it still owed an answer gets a JSON-RPC error.
  void serverGone(const std::string& why, std::string& toClient);

  std::size_t pending() const { return pending_.size(); }
  // Client bytes held while airlock lists the server's tools itself (see fromClient).
  std::size_t heldBytes() const { return heldBytes_; }
  bool listing() const { return !ownListingId_.empty(); }
  // airlock's own listing got no answer in time: the held lines go on, and calls are refused
  // (the tools' descriptions cannot be checked); a late answer is dropped.
  void listingTimedOut(std::string& toServer, std::string& toClient);
  // Calls waiting for the client's answer to airlock's elicitation; the earliest deadline among
  // them. expireAsks() declines those whose deadline has passed (`now` is steady_clock's).
  std::size_t asking() const { return asking_.size(); }
  std::chrono::steady_clock::time_point nextAskDeadline() const;
  void expireAsks(std::chrono::steady_clock::time_point now, std::string& toClient);
  const Options& options() const { return options_; }

 private:
  struct Pending {
    std::string method;
    std::string tool;         // tools/call: "server/tool"; resources/read: the URI
    std::string path;         // resources/read of a local file: its path
    bool firstPage = true;    // tools/list without a cursor
  };
  // Handles one request/notification/response object; returns false when it must not be
  // forwarded (an answer was appended to `answers` instead). Sets `rewritten` when what must be
  // forwarded is not the message as it came (call arguments the policy redacts).
  bool clientMessage(const nlohmann::json& message, std::vector<std::string>& answers, nlohmann::json* rewritten);
  // Applies policy to one message from the server; sets `changed` when it rewrote it.
  void serverMessage(nlohmann::json& message, bool& changed);
  void replayHeld(std::string& toServer, std::string& toClient);
  void handleClient(std::string_view line, std::string& toServer, std::string& toClient);
  std::string denyCall(const nlohmann::json& id, const std::string& tool, const core::Decision& d) const;
  std::vector<core::Request> mappedRequests(const std::string& tool, const nlohmann::json& args) const;
  core::Request request(core::Action action) const;  // the principal and session filled in

  gate::Gate& gate_;
  Options options_;
  std::unordered_map<std::string, Pending> pending_;  // by the request id's JSON text
  // What the server's latest tool listing said, by "server/tool": a call is decided against it.
  // A tools/call before any listing in this run makes airlock list the tools itself (its own
  // request id), holding the client's lines until the answer: a changed description cannot slip
  // through by calling before listing.
  std::unordered_map<std::string, core::Decision> withheld_;
  std::unordered_map<std::string, bool> listed_;  // tools the latest listing showed
  bool knowsTools_ = false;      // a complete listing was seen since the start or list_changed
  bool listingFailed_ = false;   // airlock's own listing got an error: calls are refused
  std::string ownListingId_;     // non-empty while airlock's own listing is in flight
  bool ownFirstPage_ = true;
  int ownListings_ = 0;
  std::vector<std::string> held_;
  std::size_t heldBytes_ = 0;
  // A tools/call or resources/read whose decisions include an `ask`, waiting for the person's
  // answer.
  struct Asked {
    std::string id;          // the request's JSON-RPC id (JSON text)
    std::string message;     // the request as the client sent it (JSON text)
    std::string tool;        // "server/tool", or "resources/read"
    Pending pending;         // what the request is waited on as, once it goes to the server
    core::Request call;      // its own request (tool.call, or the read's fs.read / tool.call)
    core::Decision decision; // that request's decision (obligations on a call's arguments)
    std::vector<core::Request> asked;  // the requests whose decision was `ask`
    std::chrono::steady_clock::time_point deadline;
  };
  std::unordered_map<std::string, Asked> asking_;  // by the elicitation request's id (JSON text)
  bool clientElicits_ = false;  // the client declared the elicitation capability (form mode)
  int asks_ = 0;
  bool canAsk() const;
  // What becomes of a call once every `ask` among its decisions is answered: true when it goes
  // to the server (as `*rewritten` when its arguments are anonymized); otherwise its refusal is
  // appended to `answers`.
  bool answered(Asked& a, bool yes, const std::string& how, std::vector<std::string>& answers, nlohmann::json* rewritten);
  bool allowedCall(const nlohmann::json& message, const nlohmann::json& id, const std::string& tool,
                   const core::Request& call, const core::Decision& d, std::vector<std::string>& answers,
                   nlohmann::json* rewritten);
  // The client's answer to airlock's elicitation `key`: the call goes on or is refused.
  void elicitationAnswered(const std::string& key, const nlohmann::json& response);
  std::string question(const Asked& a, bool terminal) const;
  // Puts the `ask`s of `a` to the approver: true when the request goes to the server now (a yes
  // on the terminal); false when it waits for the client's answer or was refused (in `answers`).
  bool putToApprover(Asked a, std::vector<std::string>& answers, nlohmann::json* rewritten);
  // The refusal of an asked request, as its method answers one.
  std::string refusal(const Asked& a, const core::Decision& d) const;
  // What a message from the client leads to besides its own forwarding or answer (airlock's
  // questions to the client, calls approved meanwhile), appended by fromClient after it.
  std::string laterToClient_, laterToServer_;
  bool needsListing(const nlohmann::json& message) const;
  // Decides every tool of a tools/list result (Gate::listTool) and removes the withheld ones;
  // true when it removed any.
  bool listTools(nlohmann::json& result, bool firstPage);
  void startOwnListing(const nlohmann::json& cursor, std::string& toServer);
};

// Spawns `command` and relays between (clientIn, clientOut) and it until either side is done.
// Returns the exit status for the process: the server's (128 + signal when it was killed), or 2
// when it could not be started.
int run(gate::Gate& gate, const Options& options, const std::vector<std::string>& command, int clientIn = 0,
        int clientOut = 1);

}  // namespace airlock::mcp
