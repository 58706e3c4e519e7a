#pragma once
// The gate (DESIGN.md "Decision semantics"): the one entry point every adapter calls.
// decide() canonicalizes a request, resolves its sink, evaluates the policy (user ∩ agent
// roles, deny > ask > allow, default deny), checks the flow of the session label and the
// payload against the sink's clearance and pinned credentials, applies volume limits,
// resolves `ask` for non-interactive callers, updates the session and appends an audit event.
// It never throws and never allows by accident: malformed input is `deny.invalid_request`,
// anything unexpected `deny.internal_error`, an audit write failure `deny.audit_unavailable`.
//
// Thread-safety: a Gate is used from one thread at a time (it owns SQLite handles); separate
// Gates in separate processes may share the same state directory.

#include <memory>
#include <string>
#include <vector>

#include "audit/audit_log.h"
#include "core/env.h"
#include "core/request.h"
#include "core/result.h"
#include "flow/session.h"
#include "inspect/inspect.h"
#include "policy/policy.h"

namespace airlock::gate {

struct GateOptions {
  std::string stateDir;   // $AIRLOCK_HOME: sessions.db and audit.db live here
  std::string home;       // the user's home directory, for `~` in requests
  std::string cwd;        // default working directory for relative paths
  const core::Clock* clock = nullptr;  // must outlive the Gate; nullptr = system clock
  std::string dlpKey;     // key material for pseudonym/encrypt redaction ($AIRLOCK_DLP_KEY)
  inspect::Limits inspectLimits;  // document inspection of observed content (pdfHelper: airlock-pdf)
};

// Something that happened (PostToolUse, a file the sandbox saw opened): raises the session.
// Content and documents are inspected (src/inspect): hidden text or instructions addressed to an
// assistant make the content, and the session, untrusted; so does a document that cannot be
// inspected (fail closed).
struct Observation {
  std::string user;
  std::string agent;
  std::string session;
  std::string adapter;
  core::Action action = core::Action::kFsRead;
  std::string path;       // what was read (canonicalized by the gate)
  std::string cwd;
  std::string resource;   // for non-file observations (a URL fetched, a tool's result)
  std::int64_t size = -1;
  std::string digest;     // hex SHA-256 of the content, when known
  bool untrusted = false; // the content came from outside / carried hidden instructions
  std::string_view content;  // the bytes seen, scanned by the policy's detector rules and for
                             // hidden instructions; must outlive the call (never stored or logged)
  bool toAgent = false;      // `content` is on its way to the agent (a tool's result): findings
                             // of redact rules for every sink (no `sinks:`) come back as
                             // obligations on `content`, which the adapter must apply, instead
                             // of raising the label
  std::string_view document; // the raw file behind `path` when it is a document the adapter read
                             // (docx, pdf, html…): inspected for hidden content; same rules
};

// A tool as an MCP server lists it (Gate::listTool).
struct ToolListing {
  std::string user;
  std::string agent;
  std::string session;
  std::string adapter;
  std::string tool;         // "server/tool"
  std::string_view description;  // what the model reads about the tool: description, title,
                                 // input schema (their JSON), never stored or logged
  bool acceptChanges = false;    // the operator accepts a changed description: it is pinned anew
};

// What a sandboxed process tree may reach in the filesystem (Gate::fsReach): the outline the
// kernel enforces (Landlock) inside which every open is still decided by decide().
struct FsReach {
  std::vector<std::string> read;    // trees the principal may read or list (allow or ask rules)
  std::vector<std::string> write;   // trees it may write or delete in
  std::vector<std::string> hidden;  // classified paths a fresh session may neither list nor read
};

// A refusal an enforcement point made by construction, not by policy (the sandbox's system-call
// filter denies ptrace whatever the policy says): recorded as a deny (Gate::refuse).
struct Refusal {
  std::string user;
  std::string agent;
  std::string session;
  std::string adapter;
  core::Action action = core::Action::kExec;
  std::string resource;             // what was refused, e.g. "syscall ptrace"
  core::Reason reason = core::Reason::kDenySandboxSyscall;
  std::vector<std::string> reasons;
};

struct Explanation {
  core::Decision decision;
  std::vector<std::string> lines;  // the trace, one step per line
};

class Gate {
 public:
  static core::Result<std::unique_ptr<Gate>> open(std::shared_ptr<const policy::Policy> policy, GateOptions options);

  core::Decision decide(const core::Request& request);
  core::Decision observe(const Observation& observation);
  // decide() with a trace of every step and every rule (matched or not, and why).
  Explanation explain(const core::Request& request);

  const policy::Policy& policy() const;
  const inspect::Limits& inspectLimits() const;
  // True when the policy has detector rules, i.e. observe() looks at Observation::content.
  bool scansContent() const;
  // Whether the policy can ever let `user` (through `agent`, when not empty) call `tool`
  // ("server/tool"): false when a rule without a condition denies it or nothing grants it. A
  // rule with a `when` keeps the tool possible (the call itself is decided when it is made).
  // Used to hide tools from a listing; records nothing.
  bool mayCall(std::string_view user, std::string_view agent, std::string_view tool) const;
  // Records a refusal and returns it as a decision (always deny; an unwritable audit trail
  // makes it deny.audit_unavailable).
  core::Decision refuse(const Refusal& refusal);
  // The filesystem outline for `user` (through `agent`, when not empty): the literal leading
  // directories of every path an allow or ask rule for fs.read/fs.list (read) or
  // fs.write/fs.delete (write) of the principal's roles names, the user's and the agent's
  // intersected, nested trees folded into their parent; "/" where a rule names no path or the
  // policy's default is not deny. `hidden`: the literal paths of classify rules (`~/.ssh/**`,
  // `~/.netrc`) that this principal may neither list nor read in a fresh session. Records nothing.
  FsReach fsReach(std::string_view user, std::string_view agent) const;
  // Whether a listed tool may be shown to the agent (docs/adapters/mcp.md): allow, or deny with
  // deny.rule/deny.default (the principal may never call it), deny.tool.description_changed
  // (the description's SHA-256 is not the one pinned the first time the tool was seen) or
  // deny.tool.poisoned (the description hides text or addresses the assistant). A deny is
  // audited; an allow is not (listings are frequent and say nothing new).
  core::Decision listTool(const ToolListing& listing);

  ~Gate();
  Gate(const Gate&) = delete;
  Gate& operator=(const Gate&) = delete;
  struct Impl;
  explicit Gate(std::unique_ptr<Impl> impl);  // use open()

 private:
  std::unique_ptr<Impl> impl_;
};

// The anonymized body: each obligation of an `allow` applied to `body` (obligations in body
// order, non-overlapping, as decide() returns them). InvalidArgument when one does not fit the
// body or needs a key that was not given. With `growth`, growth[i] is how much longer (or, when
// negative, shorter) the output is than the body after obligation i: a body offset x outside
// every span is at x + growth[k] in the output, k the last obligation ending at or before x.
core::Result<std::string> applyObligations(std::string_view body, const std::vector<core::Obligation>& obligations,
                                           const std::string& key, std::vector<std::int64_t>* growth = nullptr);

// Where airlock keeps its state: $AIRLOCK_HOME, else ${XDG_STATE_HOME:-~/.local/state}/airlock.
std::string stateDirectory(const core::Environment& env);

}  // namespace airlock::gate
