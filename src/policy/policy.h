#pragma once
// A loaded, validated policy (DESIGN.md "Policy file"). Policy::load parses YAML `version: 1`,
// rejects unknown keys, names file:line:col for every error, expands `~` in path patterns
// with the given home directory, compiles globs and conditions, and builds the rule index.
// A Policy is immutable after load and safe to share between threads.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/label.h"
#include "core/request.h"
#include "core/result.h"
#include "policy/condition.h"
#include "policy/glob.h"

namespace airlock::policy {

struct SourcePos {
  int line = 0;  // 1-based; 0 when unknown
  int col = 0;   // 1-based
};

enum class Effect : std::uint8_t { kAllow = 0, kAsk = 1, kDeny = 2 };
std::string_view effectName(Effect effect);

using ActionMask = std::uint8_t;
inline ActionMask actionBit(core::Action a) { return static_cast<ActionMask>(1u << static_cast<unsigned>(a)); }

struct Rule {
  std::string id;
  bool generatedId = false;
  Effect effect = Effect::kDeny;
  ActionMask actions = 0;
  int role = -1;  // index into Policy::roles; -1 for a global rule
  std::vector<PathGlob> paths;      // any of; empty = any path
  std::vector<int> sinks;           // any of (indices into Policy::sinks); empty = any
  std::vector<TextGlob> tools;      // any of; empty = any
  std::vector<TextGlob> commands;   // any of; empty = any
  std::optional<Condition> when;
  SourcePos pos;
  std::size_t index = 0;            // declaration order across the whole policy
};

struct Credentials {
  std::string header;                 // lower case; empty = Authorization: Bearer
  std::vector<std::string> sha256;    // lower-case hex digests of accepted keys
};

struct Sink {
  std::string name;
  std::vector<std::string> hosts;     // exact lower-case names or IPs, or "*.example.com"
  std::vector<std::string> methods;   // upper case; empty = any
  std::vector<PathGlob> paths;        // URL paths; empty = any
  std::vector<TextGlob> tools;        // tool sinks: "server/tool"
  std::vector<PathGlob> folders;      // folder sinks: fs.write below them sends data out
  std::optional<Credentials> credentials;
  core::Label clearance;
  bool inspect = false;
  SourcePos pos;
};

// A path rule labels files; a detector rule labels content in which one of its detectors
// finds something (with `path` too: only content read from those paths).
struct ClassifyRule {
  std::vector<PathGlob> paths;
  std::vector<std::string> detectors;
  std::vector<SourcePos> detectorPos;  // where each detector id was written
  core::Label label;
  SourcePos pos;
};

// `redact:`: findings of these detectors in a payload bound for these sinks (all sinks when
// empty) are anonymized by the adapter instead of raising the payload's label (an `allow`
// with obligations). Detector ids are checked against the DLP catalogue when a gate opens.
struct RedactRule {
  std::string id;                      // written, or "redact[N]"
  std::vector<std::string> detectors;
  std::vector<SourcePos> detectorPos;  // where each detector id was written
  std::string mode;                    // redact | mask | placeholder | pseudonym | encrypt
  int keepLast = 4;
  std::vector<int> sinks;              // indices into Policy::sinks
  SourcePos pos;
};

struct Limit {
  std::string id;
  ActionMask actions = 0;
  enum class Op : std::uint8_t { kAny, kGe, kGt, kLe, kLt, kEq } op = Op::kAny;
  core::Label label;                  // with op: applies to data whose label compares so
  std::int64_t maxFiles = -1;         // -1 = unlimited
  std::int64_t maxBytes = -1;
  Effect then = Effect::kAsk;
  SourcePos pos;
  bool appliesTo(const core::Label& l) const;
};

// `mcp.arguments`: a tool's argument that names a file or URL, so that a call of the tool is
// also that action (the MCP proxy decides it beside the tool.call). Built-in mappings for the
// reference servers live in the MCP adapter; these add to them.
struct ArgumentMapping {
  TextGlob tool;                      // "server/tool"
  std::string argument;               // a top-level argument's name
  core::Action action = core::Action::kFsRead;  // fs.read, fs.write, fs.list, fs.delete or net.request
  bool list = false;                  // the argument is an array of them
  std::string method = "GET";         // for net.request
  SourcePos pos;
};

// `mcp:` settings beside the argument mappings.
struct McpSettings {
  // changed_tools: a tool whose description or schema differs from its pin is withheld (the
  // default) or listed and flagged in the audit trail. A poisoned description is always withheld.
  bool flagChangedTools = false;
};

struct Defaults {
  Effect decision = Effect::kDeny;
  Effect nonInteractiveAsk = Effect::kDeny;  // what `ask` becomes with nobody to answer
  Effect onError = Effect::kDeny;            // may only be deny (stricter is the only option)
};

struct Role {
  std::string name;
  SourcePos pos;
};

struct Principal {
  std::string name;
  std::vector<int> roles;  // indices into Policy::roles
  SourcePos pos;
};

class RuleIndex;

class Policy {
 public:
  // `file` is used in error messages only; `home` expands `~` in path patterns.
  static core::Result<std::shared_ptr<const Policy>> load(std::string_view yaml, std::string file,
                                                          const std::string& home);
  static core::Result<std::shared_ptr<const Policy>> loadFile(const std::string& path, const std::string& home);

  const std::string& file() const { return file_; }
  const core::Lattice& lattice() const { return lattice_; }
  const std::vector<Role>& roles() const { return roles_; }
  const std::vector<Rule>& rules() const { return rules_; }
  const std::vector<Sink>& sinks() const { return sinks_; }
  const std::vector<ClassifyRule>& classify() const { return classify_; }
  const std::vector<Limit>& limits() const { return limits_; }
  const std::vector<RedactRule>& redactions() const { return redact_; }
  const std::vector<ArgumentMapping>& argumentMappings() const { return argumentMappings_; }
  const McpSettings& mcp() const { return mcp_; }
  const Defaults& defaults() const { return defaults_; }
  const std::map<std::string, Principal, std::less<>>& users() const { return users_; }
  const std::map<std::string, Principal, std::less<>>& agents() const { return agents_; }
  const RuleIndex& index() const { return *index_; }

  int roleIndex(std::string_view name) const;
  int sinkIndex(std::string_view name) const;
  const Principal* user(std::string_view name) const;
  const Principal* agent(std::string_view name) const;
  // The label the policy's path rules give a canonical path (join of every matching rule);
  // bottom when none matches.
  core::Label classifyPath(std::string_view canonicalPath) const;
  // The join of every classify rule that could match some path below `canonicalDir` (an
  // over-approximation: a rule counts unless its literal leading segments rule it out).
  core::Label classifyBelow(std::string_view canonicalDir) const;

  Policy();
  ~Policy();
  Policy(const Policy&) = delete;
  Policy& operator=(const Policy&) = delete;

 private:
  friend class PolicyLoader;
  std::string file_;
  core::Lattice lattice_;
  std::vector<Role> roles_;
  std::vector<Rule> rules_;
  std::vector<Sink> sinks_;
  std::vector<ClassifyRule> classify_;
  std::vector<Limit> limits_;
  std::vector<RedactRule> redact_;
  std::vector<ArgumentMapping> argumentMappings_;
  McpSettings mcp_;
  Defaults defaults_;
  std::map<std::string, Principal, std::less<>> users_;
  std::map<std::string, Principal, std::less<>> agents_;
  std::unique_ptr<RuleIndex> index_;
};

}  // namespace airlock::policy
