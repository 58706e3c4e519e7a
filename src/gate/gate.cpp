#include "gate/gate.h"

#include <sys/stat.h>
#include <sys/xattr.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <exception>
#include <filesystem>
#include <map>

#include <fmt/format.h>

#include "core/address.h"
#include "core/digest.h"
#include "core/path.h"
#include "core/redact.h"
#include "core/text.h"
#include "core/url.h"
#include "dlp/anonymize.h"
#include "dlp/extract.h"
#include "dlp/scanner.h"
#include "inspect/inspect.h"
#include "policy/index.h"

namespace airlock::gate {

using core::Action;
using core::Decision;
using core::Reason;
using core::Verdict;
using policy::Effect;

std::string stateDirectory(const core::Environment& env) {
  std::string dir = env.get("AIRLOCK_HOME");
  if (!dir.empty()) return dir;
  std::string xdg = env.get("XDG_STATE_HOME");
  if (!xdg.empty()) return xdg + "/airlock";
  return env.home() + "/.local/state/airlock";
}

namespace {

constexpr std::size_t kMaxName = 256;
constexpr std::size_t kMaxCommand = 1 << 20;
constexpr std::size_t kMaxTreeEntries = 10000;

Verdict toVerdict(Effect e) {
  switch (e) {
    case Effect::kAllow: return Verdict::kAllow;
    case Effect::kAsk: return Verdict::kAsk;
    case Effect::kDeny: return Verdict::kDeny;
  }
  return Verdict::kDeny;
}

bool validName(std::string_view s) {
  if (s.size() > kMaxName) return false;
  for (unsigned char c : s)
    if (c < 0x20 || c == 0x7f) return false;
  return true;
}

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

bool hostMatches(std::string_view pattern, std::string_view host) {
  if (pattern.size() > 2 && pattern[0] == '*' && pattern[1] == '.') {
    std::string_view suffix = pattern.substr(1);  // ".example.com"
    return host.size() > suffix.size() && host.substr(host.size() - suffix.size()) == suffix;
  }
  return pattern == host;
}

std::string roleList(const policy::Policy& p, const policy::Principal* who) {
  if (who == nullptr || who->roles.empty()) return "no roles";
  std::string out;
  for (int r : who->roles) out += (out.empty() ? "" : ", ") + p.roles()[static_cast<std::size_t>(r)].name;
  return "roles: " + out;
}

// The values `when` conditions see. Field ids come from policy::knownFields().
enum class F { kAction, kPath, kUrl, kHost, kMethod, kTool, kCommand, kAdapter, kSink, kInteractive, kOpaque,
               kReqLabel, kSessionId, kSessionLabel, kUntrusted, kFilesRead, kBytesRead, kUserName, kUserRoles,
               kAgentName, kAgentRoles, kUnknown };

const std::vector<F>& fieldTable() {
  static const std::vector<F> table = [] {
    static constexpr std::array<std::pair<std::string_view, F>, 21> names = {{
        {"request.action", F::kAction}, {"request.path", F::kPath}, {"request.url", F::kUrl},
        {"request.host", F::kHost}, {"request.method", F::kMethod}, {"request.tool", F::kTool},
        {"request.command", F::kCommand}, {"request.adapter", F::kAdapter}, {"request.sink", F::kSink},
        {"request.interactive", F::kInteractive}, {"request.opaque", F::kOpaque}, {"request.label", F::kReqLabel},
        {"session.id", F::kSessionId}, {"session.label", F::kSessionLabel}, {"session.untrusted", F::kUntrusted},
        {"session.files_read", F::kFilesRead}, {"session.bytes_read", F::kBytesRead}, {"user.name", F::kUserName},
        {"user.roles", F::kUserRoles}, {"agent.name", F::kAgentName}, {"agent.roles", F::kAgentRoles},
    }};
    std::vector<F> t(policy::knownFields().size(), F::kUnknown);
    for (const auto& [name, f] : names) {
      int idx = policy::fieldIndex(name);
      if (idx >= 0) t[static_cast<std::size_t>(idx)] = f;
    }
    return t;
  }();
  return table;
}

// Fail closed: whatever was decided so far becomes a deny naming the internal problem.
void denyInternal(Decision& d, std::string why) {
  d.verdict = Verdict::kDeny;
  d.reason = Reason::kDenyInternalError;
  d.reasons = {std::move(why)};
}

struct Canonical {
  std::string path;      // fs.*, exec program
  std::string url;       // canonical URL
  std::string host;
  std::string urlPath;
  std::string method;
  std::string resource;  // what the audit and reasons show (secrets redacted)
  std::vector<std::string> payloadFiles;
};

class Fields final : public policy::FieldSource {
 public:
  // `doorOnly`: a CONNECT whose requests are each decided: its URL and method are not known yet
  // (a condition naming them cannot be evaluated).
  Fields(const core::Request& r, const Canonical& c, const flow::SessionState& s, std::string_view sink,
         const core::Label& reqLabel, const std::vector<std::string>& userRoles,
         const std::vector<std::string>& agentRoles, bool doorOnly)
      : r_(r), c_(c), s_(s), sink_(sink), reqLabel_(reqLabel), userRoles_(userRoles), agentRoles_(agentRoles),
        doorOnly_(doorOnly) {}

  policy::Value field(std::size_t id) const override {
    using policy::Value;
    const auto& t = fieldTable();
    if (id >= t.size()) return Value::null();
    switch (t[id]) {
      case F::kAction: return Value::string(core::actionName(r_.action));
      case F::kPath: return Value::string(c_.path);
      case F::kUrl: return doorOnly_ ? Value::null() : Value::string(c_.url);
      case F::kHost: return Value::string(c_.host);
      case F::kMethod: return doorOnly_ ? Value::null() : Value::string(c_.method);
      case F::kTool: return Value::string(r_.tool);
      case F::kCommand: return Value::string(r_.command);
      case F::kAdapter: return Value::string(r_.adapter);
      case F::kSink: return Value::string(sink_);
      case F::kInteractive: return Value::boolean(r_.interactive);
      case F::kOpaque: return Value::boolean(r_.opaque);
      case F::kReqLabel: return Value::ofLabel(reqLabel_);
      case F::kSessionId: return Value::string(r_.session);
      case F::kSessionLabel: return Value::ofLabel(s_.label);
      case F::kUntrusted: return Value::boolean(s_.untrusted);
      case F::kFilesRead: return Value::integer(s_.filesRead);
      case F::kBytesRead: return Value::integer(s_.bytesRead);
      case F::kUserName: return Value::string(r_.user);
      case F::kUserRoles: return Value::ofList(&userRoles_);
      case F::kAgentName: return Value::string(r_.agent);
      case F::kAgentRoles: return Value::ofList(&agentRoles_);
      case F::kUnknown: return Value::null();
    }
    return Value::null();
  }

 private:
  const core::Request& r_;
  const Canonical& c_;
  const flow::SessionState& s_;
  std::string_view sink_;
  const core::Label& reqLabel_;
  const std::vector<std::string>& userRoles_;
  const std::vector<std::string>& agentRoles_;
  bool doorOnly_;
};

// The request an observation, a listing or a refusal is audited as: who, in which session,
// through which adapter, doing what.
template <class From>
core::Request recordedAs(const From& f, Action action) {
  core::Request r;
  r.user = f.user;
  r.agent = f.agent;
  r.session = f.session;
  r.adapter = f.adapter;
  r.action = action;
  return r;
}

}  // namespace

struct Gate::Impl {
  std::shared_ptr<const policy::Policy> policy;
  GateOptions options;
  core::SystemClock systemClock;
  const core::Clock* clock = nullptr;
  std::unique_ptr<flow::SessionStore> sessions;
  std::unique_ptr<audit::AuditLog> audit;

  // DLP for the policy's detector rules (classify with detectors, redact). Compiled on first
  // use: a hook call that scans nothing pays nothing.
  std::vector<std::string> contentDetectors;
  std::shared_ptr<const dlp::Scanner> scanner;
  std::string scannerError;

  const dlp::Scanner* dlpScanner() {
    if (scanner || !scannerError.empty()) return scanner.get();
    dlp::ScanOptions o;
    o.only = contentDetectors;
    o.minConfidence = dlp::Confidence::kMedium;
    o.cacheDir = options.stateDir + "/cache";
    auto built = dlp::Scanner::build(o);
    if (!built) {
      scannerError = built.error().toString();
      return nullptr;
    }
    scanner = std::move(*built);
    return scanner.get();
  }

  struct ContentVerdict {
    core::Label label;
    std::vector<core::Obligation> obligations;
    std::vector<std::string> detected;  // "id×n"
  };

  // What the policy's detector rules make of `content`: the label it carries (classify rules
  // whose detectors fired; for rules with paths only when `path` matches) and, for data bound
  // to sink `sink` (-1: not egress; kToAgent: the agent, where redact rules for every sink
  // apply), the redaction obligations that replace the label of what they cover. A scanner
  // that cannot be built labels the content top (fail closed).
  static constexpr int kToAgent = -2;
  ContentVerdict scanContent(std::string_view content, const std::string& path, int sink,
                             std::vector<std::string>* notes) {
    ContentVerdict v;
    if (contentDetectors.empty() || content.empty()) return v;
    const dlp::Scanner* sc = dlpScanner();
    if (sc == nullptr) {
      v.label = policy->lattice().top();
      if (notes) notes->push_back("content could not be scanned (" + scannerError + "); assumed " +
                                  policy->lattice().format(v.label));
      return v;
    }
    auto found = sc->scan(content);
    if (!found) {
      v.label = policy->lattice().top();
      if (notes) notes->push_back("content could not be scanned (" + found.error().toString() + "); assumed " +
                                  policy->lattice().format(v.label));
      return v;
    }
    std::map<std::string, int> counts;
    std::uint64_t covered = 0;  // obligations must not overlap: the end of the last one
    for (const auto& f : *found) {
      const std::string id(sc->detector(f.detector).id);
      counts[id] += 1;
      const policy::RedactRule* redact = nullptr;
      if (sink >= 0 || sink == kToAgent)
        for (const auto& r : policy->redactions()) {
          bool forSink = r.sinks.empty() || std::find(r.sinks.begin(), r.sinks.end(), sink) != r.sinks.end();
          bool forId = std::find(r.detectors.begin(), r.detectors.end(), id) != r.detectors.end();
          bool keyed = (r.mode != "pseudonym" && r.mode != "encrypt") || options.dlpKey.size() >= 16;
          if (forSink && forId && keyed) {
            redact = &r;
            break;
          }
        }
      if (redact != nullptr) {
        if (f.start < covered) continue;  // inside the previous obligation's span
        core::Obligation o;
        o.start = f.start;
        o.end = f.end;
        o.detector = id;
        o.mode = redact->mode;
        o.keepLast = redact->keepLast;
        o.rule = redact->id;
        v.obligations.push_back(std::move(o));
        covered = f.end;
        continue;
      }
      for (const auto& c : policy->classify()) {
        if (std::find(c.detectors.begin(), c.detectors.end(), id) == c.detectors.end()) continue;
        if (!c.paths.empty()) {
          bool in = false;
          for (const auto& g : c.paths) in = in || (!path.empty() && g.matches(path));
          if (!in) continue;
        }
        v.label = v.label.join(c.label);
      }
    }
    for (const auto& [id, n] : counts) v.detected.push_back(fmt::format("{}\u00d7{}", id, n));
    if (notes && !v.detected.empty()) {
      std::string list;
      for (const auto& s : v.detected) list += (list.empty() ? "" : ", ") + s;
      notes->push_back(fmt::format("content carries {}: labelled {}{}", list, policy->lattice().format(v.label),
                                   v.obligations.empty() ? "" : fmt::format("; {} span(s) to redact", v.obligations.size())));
    }
    return v;
  }

  core::Label fileLabel(const std::string& path, std::vector<std::string>* notes) const {
    core::Label l = policy->classifyPath(path);
    std::array<char, 512> buf{};
    ssize_t n = getxattr(path.c_str(), "user.airlock.label", buf.data(), buf.size() - 1);
    if (n > 0) {
      auto parsed = policy->lattice().parse(std::string_view(buf.data(), static_cast<std::size_t>(n)));
      if (parsed) {
        l = l.join(*parsed);
      } else {
        // An unreadable label must not make a file look harmless.
        l = policy->lattice().top();
        if (notes) notes->push_back(fmt::format("{} carries an invalid user.airlock.label; treated as {}", path,
                                                policy->lattice().format(l)));
      }
    }
    return l;
  }

  // The label of data read from `path`. A directory read as a whole (grep -r, tar, Grep over a
  // folder) carries the labels of everything below it: the tree is walked without following
  // symlinks (a symlink is judged by its target), up to kMaxTreeEntries entries; past that,
  // every classify label that could apply below the directory is assumed.
  core::Label readLabel(const std::string& path, std::vector<std::string>* notes) const {
    core::Label l = fileLabel(path, notes);
    std::error_code ec;
    if (!std::filesystem::is_directory(std::filesystem::symlink_status(path, ec))) return l;
    const core::Label top = policy->lattice().top();
    std::size_t seen = 0;
    auto it = std::filesystem::recursive_directory_iterator(
        path, std::filesystem::directory_options::skip_permission_denied, ec);
    for (; !ec && it != std::filesystem::recursive_directory_iterator() && !(l == top); it.increment(ec)) {
      if (++seen > kMaxTreeEntries) {
        l = l.join(policy->classifyBelow(path));
        if (notes)
          notes->push_back(fmt::format("{} holds more than {} entries; assumed the labels of every classify rule "
                                       "that applies below it",
                                       path, kMaxTreeEntries));
        return l;
      }
      const std::string entry = it->path().string();
      l = l.join(fileLabel(entry, notes));
      if (it->is_symlink(ec)) {
        auto target = std::filesystem::canonical(it->path(), ec);
        ec.clear();
        if (!target.empty()) l = l.join(fileLabel(target.string(), notes));
      }
    }
    if (ec) l = l.join(policy->classifyBelow(path));  // an unreadable tree is assumed the worst it could hold
    return l;
  }

  std::vector<std::string> roleNames(const policy::Principal* p) const {
    std::vector<std::string> out;
    if (p)
      for (int r : p->roles) out.push_back(policy->roles()[static_cast<std::size_t>(r)].name);
    return out;
  }

  Decision run(const core::Request& req, std::vector<std::string>* trace);
  // Audits the decision (or, with `observed`, the observation) and returns it; an audit write
  // failure turns it into a deny.
  Decision finish(const core::Request& req, const Canonical& c, Decision d, std::int64_t size,
                  const Observation* observed = nullptr);
  Decision observe(const Observation& o);

  // Document inspection of what was observed (DESIGN.md "Content inspection"): the document
  // behind the path, and the content the agent was shown. True when either carries hidden
  // content or instructions addressed to an assistant, or the document cannot be inspected
  // (unknown content is assumed the worst). The findings go into d.inspected and the reasons
  // as kind, hiding, place and score: never the hidden text, which is document content.
  bool inspectObserved(const Observation& o, Decision& d) {
    bool untrusted = false;
    auto take = [&](const inspect::Report& r, std::string_view what) {
      if (!r.untrusted()) return;
      untrusted = true;
      std::vector<const inspect::Finding*> order;
      for (const auto& f : r.findings) order.push_back(&f);
      std::stable_sort(order.begin(), order.end(), [](auto* a, auto* b) { return a->score > b->score; });
      auto line = [](const inspect::Finding& f) {
        return fmt::format("{} ({}) at {}, score {}", inspect::findingKindName(f.kind), inspect::hidingName(f.hiding),
                           core::redactSecrets(f.where), f.score);
      };
      for (const auto* f : order) {
        if (d.inspected.size() >= kMaxInspected) break;
        d.inspected.push_back(line(*f));
      }
      d.reasons.push_back(fmt::format("{} carries {} inspection finding{} (strongest: {}): untrusted", what,
                                      r.findings.size(), r.findings.size() == 1 ? "" : "s", line(*order.front())));
    };
    if (!o.document.empty()) {
      auto report = inspect::inspect(o.document, o.path, options.inspectLimits);
      if (!report) {
        untrusted = true;
        d.reasons.push_back("document could not be inspected (" + core::redactSecrets(report.error().message) +
                            "): untrusted");
      } else {
        take(*report, "document");
      }
    }
    if (!o.content.empty()) take(inspect::analyzeText(o.content, "content"), "content");
    return untrusted;
  }
  static constexpr std::size_t kMaxInspected = 16;

  // An `ask`: allowed when the person asked approved it (Request::approved), otherwise, with
  // nobody to ask, the policy's non-interactive default. Any other verdict is left as it is.
  void resolveAsk(const core::Request& req, Decision& d) const {
    if (d.verdict != Verdict::kAsk) return;
    if (req.approved) {
      d.verdict = Verdict::kAllow;
      d.reason = Reason::kAllowAskApproved;
      d.reasons.push_back("the person asked approved it");
      return;
    }
    if (req.interactive) return;
    const Effect e = policy->defaults().nonInteractiveAsk;
    d.reasons.push_back(fmt::format("no one can be asked here; defaults.non_interactive_ask is {}", policy::effectName(e)));
    if (e == Effect::kAllow) {
      d.verdict = Verdict::kAllow;
    } else if (e == Effect::kDeny) {
      d.verdict = Verdict::kDeny;
      d.reason = Reason::kDenyAskNonInteractive;
    }
  }
};

Gate::Gate(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Gate::~Gate() = default;

const policy::Policy& Gate::policy() const { return *impl_->policy; }
const inspect::Limits& Gate::inspectLimits() const { return impl_->options.inspectLimits; }

bool Gate::mayCall(std::string_view user, std::string_view agent, std::string_view tool) const {
  const policy::Policy& pol = *impl_->policy;
  int sink = -1;
  for (std::size_t i = 0; i < pol.sinks().size() && sink < 0; ++i)
    for (const auto& g : pol.sinks()[i].tools)
      if (g.matches(tool)) sink = static_cast<int>(i);
  policy::EvalInput in;
  in.action = Action::kToolCall;
  in.sink = sink;
  in.tool = tool;
  in.user = pol.user(std::string(user));
  in.agent = agent.empty() ? nullptr : pol.agent(std::string(agent));
  in.hasAgent = !agent.empty();
  in.fields = nullptr;  // every `when` is unknown here: a conditional rule leaves the tool possible
  const policy::Evaluation ev = pol.index().evaluate(in);
  return ev.conditionError || ev.effect != Effect::kDeny;
}

namespace {

// Nested trees folded into their parent; sorted, unique.
std::vector<std::string> foldTrees(std::vector<std::string> trees) {
  std::sort(trees.begin(), trees.end());
  trees.erase(std::unique(trees.begin(), trees.end()), trees.end());
  std::vector<std::string> out;
  for (auto& t : trees)
    if (out.empty() || !core::pathWithin(out.back(), t)) out.push_back(std::move(t));
  return out;
}

// The directory a glob alternative cannot leave: its wildcard-free leading segments.
std::string literalDir(const policy::PathGlob::Alternative& a) {
  std::string dir;
  for (std::size_t i = 0; i < a.literalPrefix; ++i) dir += "/" + a.segments[i];
  return dir.empty() ? "/" : dir;
}

}  // namespace

FsReach Gate::fsReach(std::string_view userName, std::string_view agentName) const {
  const policy::Policy& pol = *impl_->policy;
  const policy::Principal* user = pol.user(std::string(userName));
  const policy::Principal* agent = agentName.empty() ? nullptr : pol.agent(std::string(agentName));
  auto holds = [](const policy::Principal* p, int role) {
    return p != nullptr && std::find(p->roles.begin(), p->roles.end(), role) != p->roles.end();
  };
  // Trees one principal is granted for any of `actions` (global allow rules grant everyone).
  auto granted = [&](const policy::Principal* who, policy::ActionMask actions) {
    std::vector<std::string> trees;
    if (pol.defaults().decision != Effect::kDeny) return std::vector<std::string>{"/"};
    for (const auto& r : pol.rules()) {
      if (!(r.actions & actions) || r.effect == Effect::kDeny) continue;
      if (r.role < 0 ? r.effect != Effect::kAllow : !holds(who, r.role)) continue;
      if (r.paths.empty()) trees.push_back("/");
      for (const auto& g : r.paths)
        for (const auto& a : g.alternatives()) trees.push_back(literalDir(a));
    }
    return foldTrees(std::move(trees));
  };
  auto reach = [&](policy::ActionMask actions) {
    std::vector<std::string> u = granted(user, actions);
    if (agentName.empty()) return u;
    std::vector<std::string> a = granted(agent, actions), both;
    for (const auto& x : u)
      for (const auto& y : a) {
        if (core::pathWithin(x, y)) both.push_back(y);
        else if (core::pathWithin(y, x)) both.push_back(x);
      }
    return foldTrees(std::move(both));
  };
  FsReach out;
  out.read = reach(policy::actionBit(Action::kFsRead) | policy::actionBit(Action::kFsList));
  out.write = reach(policy::actionBit(Action::kFsWrite) | policy::actionBit(Action::kFsDelete));

  // Hidden: a classify rule's literal path (`~/.ssh/**` -> ~/.ssh, `~/.netrc`) that a fresh
  // session could not list.
  std::vector<std::string> userRoles = impl_->roleNames(user), agentRoles = impl_->roleNames(agent);
  for (const auto& rule : pol.classify()) {
    for (const auto& g : rule.paths)
      for (const auto& a : g.alternatives()) {
        const std::size_t n = a.segments.size();
        const bool whole = a.literalPrefix == n || (a.literalPrefix + 1 == n && a.segments.back() == "**");
        if (!whole || a.literalPrefix == 0) continue;
        const std::string path = literalDir(a);
        // Covered only when it may be neither listed nor read (an `ask` for reads keeps it visible).
        bool denied = true;
        for (Action action : {Action::kFsList, Action::kFsRead}) {
          core::Request req;
          req.user = std::string(userName);
          req.agent = std::string(agentName);
          req.adapter = "run";
          req.action = action;
          req.path = path;
          Canonical c;
          c.path = path;
          c.resource = path;
          flow::SessionState fresh;
          const core::Label label = pol.classifyPath(path).join(rule.label);
          Fields fields(req, c, fresh, "", label, userRoles, agentRoles, false);
          policy::EvalInput in;
          in.action = action;
          in.path = path;
          in.user = user;
          in.agent = agent;
          in.hasAgent = !agentName.empty();
          in.fields = &fields;
          denied = denied && pol.index().evaluate(in).effect == Effect::kDeny;
        }
        if (denied) out.hidden.push_back(path);
      }
  }
  out.hidden = foldTrees(std::move(out.hidden));
  return out;
}

core::Result<std::unique_ptr<Gate>> Gate::open(std::shared_ptr<const policy::Policy> policy, GateOptions options) {
  auto impl = std::make_unique<Impl>();
  impl->policy = std::move(policy);
  impl->options = std::move(options);
  impl->clock = impl->options.clock ? impl->options.clock : &impl->systemClock;
  if (impl->options.stateDir.empty())
    return core::makeError(core::Code::kFailedPrecondition, "no state directory (set AIRLOCK_HOME)");
  auto sessions = flow::SessionStore::open(impl->options.stateDir + "/sessions.db", *impl->clock);
  if (!sessions) return sessions.error();
  impl->sessions = std::move(*sessions);
  auto log = audit::AuditLog::open(impl->options.stateDir + "/audit.db", *impl->clock);
  if (!log) return log.error();
  impl->audit = std::move(*log);
  // Detector ids in the policy must name real detectors: an unknown one would silently never
  // fire, so it is an error at the place it was written.
  auto check = [&](const std::vector<std::string>& ids, const std::vector<policy::SourcePos>& at,
                   const std::string& what) -> core::Status {
    for (std::size_t i = 0; i < ids.size(); ++i) {
      if (dlp::findDetector(ids[i]) == nullptr)
        return core::makeError(core::Code::kInvalidArgument,
                               fmt::format("{}: unknown detector '{}' (airlock scan --list-detectors lists them)",
                                           what, ids[i]),
                               i < at.size() ? fmt::format("{}:{}:{}", impl->policy->file(), at[i].line, at[i].col)
                                             : impl->policy->file());
      if (std::find(impl->contentDetectors.begin(), impl->contentDetectors.end(), ids[i]) ==
          impl->contentDetectors.end())
        impl->contentDetectors.push_back(ids[i]);
    }
    return {};
  };
  for (std::size_t i = 0; i < impl->policy->classify().size(); ++i) {
    const auto& c = impl->policy->classify()[i];
    if (auto st = check(c.detectors, c.detectorPos, fmt::format("classify[{}].detectors", i)); !st) return st.error();
  }
  for (const auto& r : impl->policy->redactions())
    if (auto st = check(r.detectors, r.detectorPos, r.id + ".detectors"); !st) return st.error();
  return std::make_unique<Gate>(std::move(impl));
}

Decision Gate::decide(const core::Request& request) { return impl_->run(request, nullptr); }

core::Decision Gate::listTool(const ToolListing& t) {
  Decision d;
  d.verdict = Verdict::kAllow;
  d.reason = Reason::kAllowRule;
  d.resource = t.tool;
  core::Request asReq = recordedAs(t, Action::kToolCall);
  asReq.tool = t.tool;
  Canonical c;
  c.resource = t.tool;
  auto deny = [&](Reason reason, std::vector<std::string> reasons) {
    d.verdict = Verdict::kDeny;
    d.reason = reason;
    d.reasons = std::move(reasons);
    return impl_->finish(asReq, c, std::move(d), static_cast<std::int64_t>(t.description.size()));
  };
  try {
    if (!validName(t.user) || !validName(t.agent) || !validName(t.session) || !validName(t.adapter) ||
        t.tool.find('/') == std::string::npos || t.tool.size() > 512)
      return deny(Reason::kDenyInvalidRequest, {"a listed tool needs a name 'server/tool' and valid names"});
    if (!mayCall(t.user, t.agent, t.tool))
      return deny(Reason::kDenyDefault, {fmt::format("user {}{} may never call {}: not listed", t.user,
                                                     t.agent.empty() ? "" : " through agent " + t.agent, t.tool)});
    // Tool poisoning: what the model reads about a tool is inspected like any content it reads.
    const inspect::Report report = inspect::analyzeText(t.description, "description");
    if (report.untrusted()) {
      std::vector<std::string> why;
      for (const auto& f : report.findings) {
        if (why.size() >= 4) break;
        why.push_back(fmt::format("{} ({}) in the description, score {}", inspect::findingKindName(f.kind),
                                  inspect::hidingName(f.hiding), f.score));
      }
      why.insert(why.begin(), fmt::format("the description of {} hides text or addresses the assistant: withheld", t.tool));
      return deny(Reason::kDenyToolPoisoned, std::move(why));
    }
    // Rug pulls: the description first seen is pinned; another one later is withheld.
    const std::string digest = core::sha256Hex(t.description);
    auto pin = impl_->sessions->pin("mcp-tool\n" + t.tool, digest, t.acceptChanges);
    if (!pin) {
      return deny(Reason::kDenyInternalError, {"the pin store is unavailable: " + pin.error().toString()});
    }
    if (!pin->digest.empty() && pin->digest != digest) {
      if (t.acceptChanges) {
        d.reasons = {fmt::format("the description of {} changed (pinned {}…, now {}…): accepted and pinned anew", t.tool,
                                 pin->digest.substr(0, 12), digest.substr(0, 12))};
        d.reason = Reason::kAllowRule;
        return impl_->finish(asReq, c, std::move(d), static_cast<std::int64_t>(t.description.size()));
      }
      const std::string changed =
          fmt::format("the description or input schema of {} is not the one pinned when it was first seen "
                      "(sha256 {}…, now {}…)",
                      t.tool, pin->digest.substr(0, 12), digest.substr(0, 12));
      if (impl_->policy->mcp().flagChangedTools) {
        d.reason = Reason::kAllowToolChanged;
        d.reasons = {changed + ": listed and flagged (mcp.changed_tools: flag)"};
        return impl_->finish(asReq, c, std::move(d), static_cast<std::int64_t>(t.description.size()));
      }
      return deny(Reason::kDenyToolChanged, {changed + ": withheld until the change is accepted"});
    }
    return d;
  } catch (const std::exception& e) {
    return deny(Reason::kDenyInternalError, {std::string("internal error: ") + e.what()});
  }
}

Decision Gate::refuse(const Refusal& r) {
  core::Request req = recordedAs(r, r.action);
  Canonical c;
  c.resource = core::redactSecrets(r.resource.substr(0, 1024));
  Decision d;
  d.verdict = Verdict::kDeny;
  d.reason = r.reason;
  d.reasons = r.reasons;
  d.resource = c.resource;
  return impl_->finish(req, c, std::move(d), -1);
}

Explanation Gate::explain(const core::Request& request) {
  Explanation e;
  e.decision = impl_->run(request, &e.lines);
  return e;
}

Decision Gate::observe(const Observation& observation) { return impl_->observe(observation); }

bool Gate::scansContent() const { return !impl_->contentDetectors.empty(); }

Decision Gate::Impl::run(const core::Request& req, std::vector<std::string>* trace) {
  const policy::Policy& pol = *policy;
  const core::Lattice& lat = pol.lattice();
  auto note = [&](std::string line) {
    if (trace) trace->push_back(std::move(line));
  };
  Canonical c;
  Decision d;
  d.verdict = Verdict::kDeny;
  auto invalid = [&](std::string why) {
    d.verdict = Verdict::kDeny;
    d.reason = Reason::kDenyInvalidRequest;
    d.reasons = {std::move(why)};
    note("invalid request: " + d.reasons.front());
    if (c.resource.empty()) c.resource = std::string(core::actionName(req.action));
    return finish(req, c, std::move(d), -1);
  };
  try {
    // 1. Canonicalize; malformed input is a deny that says what was wrong.
    if (!req.malformed.empty()) return invalid(core::redactSecrets(req.malformed.substr(0, 512)));
    if (req.user.empty()) return invalid("the request names no user");
    if (!validName(req.user) || !validName(req.agent) || !validName(req.session) || !validName(req.adapter))
      return invalid("user, agent, session and adapter must be at most 256 printable characters");
    core::PathContext pctx{options.home, req.cwd.empty() ? options.cwd : req.cwd};
    switch (req.action) {
      case Action::kFsRead:
      case Action::kFsWrite:
      case Action::kFsList:
      case Action::kFsDelete: {
        if (req.path.empty()) return invalid(fmt::format("{} needs a path", core::actionName(req.action)));
        auto p = core::canonicalPath(req.path, pctx);
        if (!p) return invalid("path: " + p.error().message);
        c.path = *p;
        c.resource = c.path;
        break;
      }
      case Action::kExec: {
        if (req.command.empty() && req.path.empty()) return invalid("exec needs a command or a program path");
        if (req.command.size() > kMaxCommand) return invalid("command longer than 1 MiB");
        if (req.command.find('\0') != std::string::npos) return invalid("command contains a NUL byte");
        if (!req.path.empty()) {
          auto p = core::canonicalPath(req.path, pctx);
          if (!p) return invalid("program path: " + p.error().message);
          c.path = *p;
        }
        c.resource = req.command.empty() ? c.path : core::redactSecrets(req.command);
        break;
      }
      case Action::kNetRequest: {
        if (req.url.empty()) return invalid("net.request needs a url");
        auto u = core::parseUrl(req.url);
        if (!u) return invalid("url: " + u.error().message);
        c.url = u->toString();
        c.host = u->host;
        c.urlPath = u->path;
        c.method = req.method.empty() ? "GET" : upper(req.method);
        if (c.method.size() > 32 || c.method.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ") != std::string::npos)
          return invalid(fmt::format("invalid HTTP method '{}'", core::redactSecrets(req.method)));
        c.resource = c.method + " " + core::redactSecrets(c.url);
        if (u->hadUserinfo) note("the URL carried user:password@, which was stripped");
        break;
      }
      case Action::kToolCall: {
        if (req.tool.empty() || req.tool.find('/') == std::string::npos || req.tool.size() > 512)
          return invalid("tool.call needs a tool named 'server/tool'");
        c.resource = req.tool;
        break;
      }
    }
    for (const auto& f : req.payloadFiles) {
      auto p = core::canonicalPath(f, pctx);
      if (!p) return invalid("payload file: " + p.error().message);
      c.payloadFiles.push_back(*p);
    }
    d.resource = c.resource;
    if (trace) note(fmt::format("request: {} {} by user {}{}{}", core::actionName(req.action), c.resource, req.user,
                     req.agent.empty() ? "" : " via agent " + req.agent,
                     req.session.empty() ? "" : " in session " + req.session));

    // 2. Session.
    flow::SessionState state;
    state.id = req.session;
    if (!req.session.empty()) {
      auto s = sessions->load(req.session);
      if (!s) {
        d.reason = Reason::kDenyInternalError;
        d.reasons = {"session store unavailable: " + s.error().toString()};
        return finish(req, c, std::move(d), -1);
      }
      state = std::move(*s);
    }
    // Every decision, including the early denials below, reports (and audits) the session as it is.
    d.sessionLabel = state.label;
    d.untrusted = state.untrusted;
    if (trace) note(fmt::format("session label: {}{}", lat.format(state.label), state.untrusted ? " (untrusted)" : ""));

    // 3. Sink.
    int sink = -1;
    bool egress = false;
    if (req.action == Action::kNetRequest) {
      egress = true;
      bool hostKnown = false;
      std::string why;
      Reason sinkFail = Reason::kDenySinkUnknown;
      for (std::size_t i = 0; i < pol.sinks().size() && sink < 0; ++i) {
        const auto& s = pol.sinks()[i];
        bool host = false;
        for (const auto& h : s.hosts) host = host || hostMatches(h, c.host);
        if (!host) continue;
        hostKnown = true;
        // A tunnel hides method and path: they are checked on each request inside it.
        bool method = s.methods.empty() || req.tunnel;
        for (const auto& m : s.methods) method = method || m == c.method;
        if (!method) {
          sinkFail = Reason::kDenySinkMethod;
          why = fmt::format("sink {} accepts {} but not {}", s.name, fmt::join(s.methods, ", "), c.method);
          continue;
        }
        bool path = s.paths.empty() || req.tunnel;
        for (const auto& g : s.paths) path = path || g.matches(c.urlPath);
        if (!path) {
          if (sinkFail != Reason::kDenySinkMethod) {
            sinkFail = Reason::kDenySinkPath;
            why = fmt::format("sink {} does not accept the path {}", s.name, c.urlPath);
          }
          continue;
        }
        sink = static_cast<int>(i);
      }
      if (sink < 0) {
        if (hostKnown) {
          d.reason = sinkFail;
          d.reasons = {why};
          note("sink: " + why);
          return finish(req, c, std::move(d), -1);
        }
        std::string msg = fmt::format("{} is not a declared sink", c.host);
        note("sink: " + msg);
        Effect def = pol.defaults().decision;
        if (def != Effect::kAllow) {
          d.verdict = toVerdict(def);
          d.reason = def == Effect::kDeny ? Reason::kDenySinkUnknown : Reason::kAskSinkUnknown;
          d.reasons = {msg + "; unknown sinks get the policy default (" + std::string(policy::effectName(def)) + ")"};
          resolveAsk(req, d);
          return finish(req, c, std::move(d), -1);
        }
      } else {
        const auto& s = pol.sinks()[static_cast<std::size_t>(sink)];
        note("sink: " + s.name);
        // SSRF: a connection to a non-public address only where a sink names that address, or
        // where the operator mapped the host to it.
        for (const auto& a : req.addresses) {
          auto ip = core::parseIpAddress(a);
          const core::AddressClass cls = ip ? core::classifyAddress(*ip) : core::AddressClass::kReserved;
          if (cls == core::AddressClass::kPublic || req.addressesPinned) continue;
          bool named = false;
          for (const auto& h : s.hosts) named = named || (ip && h == ip->toString());
          if (named) continue;
          d.reason = Reason::kDenySinkAddress;
          d.reasons = {fmt::format("{} resolves to {} ({}), which sink {} does not name", c.host, a,
                                   core::addressClassName(cls), s.name)};
          note("address: " + d.reasons.front());
          d.sink = s.name;
          return finish(req, c, std::move(d), -1);
        }
        if (req.tunnel && (s.inspect || s.credentials || !s.methods.empty() || !s.paths.empty())) {
          if (!req.canInspect) {
            d.reason = Reason::kDenySinkInspection;
            d.reasons = {fmt::format("sink {} must be inspected (TLS) and this connection cannot be", s.name)};
            note("inspection: " + d.reasons.front());
            d.sink = s.name;
            return finish(req, c, std::move(d), -1);
          }
          d.inspect = true;
          if (trace) note(fmt::format("inspection: each request to {} is decided on its own", s.name));
        }
      }
    } else if (req.action == Action::kToolCall) {
      for (std::size_t i = 0; i < pol.sinks().size() && sink < 0; ++i)
        for (const auto& g : pol.sinks()[i].tools)
          if (g.matches(req.tool)) sink = static_cast<int>(i);
      egress = sink >= 0;
    } else if (req.action == Action::kFsWrite) {
      for (std::size_t i = 0; i < pol.sinks().size() && sink < 0; ++i)
        for (const auto& g : pol.sinks()[i].folders)
          if (g.matches(c.path)) sink = static_cast<int>(i);
      egress = sink >= 0;
    }
    std::string sinkName = sink >= 0 ? pol.sinks()[static_cast<std::size_t>(sink)].name : "";
    d.sink = sinkName;

    // 4. Labels of the data involved.
    core::Label dataLabel;  // the file acted on (fs.*) or the payload (egress)
    std::int64_t size = -1;
    if (req.action == Action::kFsRead || req.action == Action::kFsList || req.action == Action::kFsWrite ||
        req.action == Action::kFsDelete) {
      bool wholeTree = req.action == Action::kFsRead || req.action == Action::kFsDelete;
      dataLabel = wholeTree ? readLabel(c.path, &d.reasons) : fileLabel(c.path, &d.reasons);
      struct stat st {};
      if (req.action == Action::kFsRead && stat(c.path.c_str(), &st) == 0 && S_ISREG(st.st_mode)) size = st.st_size;
      if (trace) note(fmt::format("{} is labelled {}", c.path, lat.format(dataLabel)));
    }
    for (const auto& f : c.payloadFiles) dataLabel = dataLabel.join(readLabel(f, &d.reasons));
    if (trace && !c.payloadFiles.empty()) note(fmt::format("payload label (from {} file(s)): {}", c.payloadFiles.size(), lat.format(dataLabel)));
    // What the bytes themselves carry (policy detector rules); for egress, findings the policy
    // redacts become obligations instead of raising the payload's label.
    if (!req.body.empty()) {
      std::vector<std::string> contentNotes;
      ContentVerdict cv = scanContent(req.body, "", egress ? sink : -1, &contentNotes);
      dataLabel = dataLabel.join(cv.label);
      d.obligations = std::move(cv.obligations);
      d.detected = std::move(cv.detected);
      for (auto& n : contentNotes) note(n);
      for (auto& n : contentNotes) d.reasons.push_back(std::move(n));
    }
    // The body as its headers say it is packaged (gzip/deflate/br, multipart parts, form
    // values, JSON strings) is scanned too, for the label only: the obligations above are spans
    // of the raw bytes. A body that cannot be unpacked as declared is unknown content: top.
    if (req.action == Action::kNetRequest && !contentDetectors.empty() && !req.body.empty()) {
      std::string type, encoding;
      for (const auto& [k, v] : req.headers) {
        const std::string name = core::asciiLower(k);
        if (name == "content-type") type = v;
        if (name == "content-encoding") encoding = encoding.empty() ? v : encoding + "," + v;
      }
      dlp::Extracted x = dlp::extractBody(type, encoding, req.body);
      for (const auto& view : x.views) {
        std::vector<std::string> viewNotes;
        ContentVerdict vv = scanContent(view, "", -1, &viewNotes);
        dataLabel = dataLabel.join(vv.label);
        for (auto& n : vv.detected) d.detected.push_back("decoded:" + n);
        for (auto& n : viewNotes) note("decoded body: " + n);
        for (auto& n : viewNotes) d.reasons.push_back("decoded body: " + std::move(n));
      }
      if (!x.problem.empty()) {
        dataLabel = dataLabel.join(lat.top());
        d.reasons.push_back("the body cannot be unpacked as its headers say (" + x.problem + "); treated as " +
                            lat.format(lat.top()));
        note(d.reasons.back());
      }
    }
    // A request carries data in its URL and headers too: scanned for the label (a finding there
    // cannot be redacted, so it raises the label even where a redact rule covers the detector).
    if (req.action == Action::kNetRequest && !contentDetectors.empty()) {
      // The request's own authentication is not data it sends: its headers are left out (the
      // sink's pinned credentials are checked on their own, below).
      const auto* cred = sink >= 0 && pol.sinks()[static_cast<std::size_t>(sink)].credentials
                             ? &*pol.sinks()[static_cast<std::size_t>(sink)].credentials
                             : nullptr;
      std::string meta = req.url + "\n";
      for (const auto& [k, v] : req.headers) {
        const std::string name = core::asciiLower(k);
        if (name == "authorization" || name == "proxy-authorization" || name == "x-api-key" ||
            (cred != nullptr && name == cred->header))
          continue;
        meta += k + ": " + v + "\n";
      }
      std::vector<std::string> metaNotes;
      ContentVerdict mv = scanContent(meta, "", -1, &metaNotes);
      dataLabel = dataLabel.join(mv.label);
      for (auto& x : mv.detected) d.detected.push_back("url/headers:" + x);
      for (auto& n : metaNotes) note("url/headers: " + n);
      for (auto& n : metaNotes) d.reasons.push_back("url/headers: " + std::move(n));
    }
    d.payloadLabel = egress ? dataLabel : core::Label{};

    // 5. Roles: user ∩ agent, deny > ask > allow, default.
    const policy::Principal* user = pol.user(req.user);
    const policy::Principal* agent = req.agent.empty() ? nullptr : pol.agent(req.agent);
    std::vector<std::string> userRoles = roleNames(user), agentRoles = roleNames(agent);
    // A CONNECT to an inspected sink only opens the door: each request inside is decided in full,
    // so a rule whose condition needs the URL or method neither denies nor asks here.
    const bool doorOnly = req.tunnel && d.inspect;
    Fields fields(req, c, state, sinkName, dataLabel, userRoles, agentRoles, doorOnly);
    policy::EvalInput in;
    in.action = req.action;
    in.path = c.path;
    in.sink = sink;
    in.tool = req.tool;
    in.command = req.command;
    in.user = user;
    in.agent = agent;
    in.hasAgent = !req.agent.empty();
    in.fields = &fields;
    in.unknownsPossible = doorOnly;
    if (doorOnly) note("conditions on request.url and request.method wait for the requests inside the tunnel");
    policy::Evaluation ev = pol.index().evaluate(in);
    if (trace) {
      note(fmt::format("user {} ({}){}", req.user, user ? roleList(pol, user) : "not in the policy: no roles",
                       in.hasAgent ? fmt::format("; agent {} ({})", req.agent,
                                                 agent ? roleList(pol, agent) : "not in the policy: no roles")
                                   : ""));
      for (const auto& t : policy::explain(pol, in))
        note(fmt::format("  rule {} ({}): {}", t.rule->id, policy::effectName(t.rule->effect), t.why));
    }
    d.verdict = toVerdict(ev.effect);
    if (ev.rule) d.rule = ev.rule->id;
    if (ev.conditionError) d.reasons.push_back("a rule's condition could not be evaluated and was applied fail-closed");
    std::string what = fmt::format("{} {}", core::actionName(req.action), c.resource);
    if (ev.byDefault) {
      d.reason = ev.effect == Effect::kDeny ? Reason::kDenyDefault
                 : ev.effect == Effect::kAsk ? Reason::kAskDefault : Reason::kAllowDefault;
      if (!ev.userGranted)
        d.reasons.push_back(fmt::format("no rule grants {} to user {} ({})", what, req.user,
                                        user ? roleList(pol, user) : "not in the policy"));
      if (!ev.agentGranted)
        d.reasons.push_back(fmt::format("no rule grants {} to agent {} ({})", what, req.agent,
                                        agent ? roleList(pol, agent) : "not in the policy"));
      d.reasons.push_back(fmt::format("policy default: {}", policy::effectName(ev.effect)));
    } else {
      d.reason = ev.effect == Effect::kDeny ? Reason::kDenyRule
                 : ev.effect == Effect::kAsk ? Reason::kAskRule : Reason::kAllowRule;
      const char* verb = ev.effect == Effect::kDeny ? "denies" : ev.effect == Effect::kAsk ? "asks" : "allows";
      d.reasons.push_back(fmt::format("rule {} {} {}", ev.rule->id, verb, what));
    }

    // 6. Flow: the session label and the payload must be cleared for the sink.
    if (d.verdict != Verdict::kDeny && egress && sink >= 0) {
      const policy::Sink& s = pol.sinks()[static_cast<std::size_t>(sink)];
      if (!state.label.leq(s.clearance)) {
        d.verdict = Verdict::kDeny;
        d.reason = Reason::kDenyFlowLabel;
        d.rule.clear();
        d.reasons = {fmt::format("the session has read {} data; sink {} is cleared for {} only",
                                 lat.format(state.label), s.name, lat.format(s.clearance))};
      } else if (!dataLabel.leq(s.clearance)) {
        d.verdict = Verdict::kDeny;
        d.reason = Reason::kDenyFlowPayload;
        d.rule.clear();
        d.reasons = {fmt::format("the payload is {}; sink {} is cleared for {} only", lat.format(dataLabel), s.name,
                                 lat.format(s.clearance))};
      }
      if (trace) note(fmt::format("flow: session {} payload {} -> {} cleared for {}: {}", lat.format(state.label),
                       lat.format(dataLabel), s.name, lat.format(s.clearance),
                       d.reason == Reason::kDenyFlowLabel || d.reason == Reason::kDenyFlowPayload ? "exceeds" : "ok"));
      // Pinned credentials: the key on the request must be one the organisation listed.
      if (d.verdict != Verdict::kDeny && s.credentials && req.action == Action::kNetRequest && !req.tunnel) {
        const auto& cred = *s.credentials;
        std::string headerName = cred.header.empty() ? "authorization" : cred.header;
        std::string key;
        bool inNamed = false, twoKeys = false, any = false;
        // The named header must carry the key; every other header that can carry an API key must
        // carry the same one: a pinned key in one and another key in the next would let the
        // receiver pick the unchecked one.
        for (const auto& [k, v] : req.headers) {
          const std::string name = core::asciiLower(k);
          if (name != headerName && name != "authorization" && name != "x-api-key" && name != "api-key") continue;
          std::string_view val = v;
          while (!val.empty() && val.front() == ' ') val.remove_prefix(1);
          while (!val.empty() && val.back() == ' ') val.remove_suffix(1);
          if (name == "authorization" && core::asciiLower(val.substr(0, 7)) == "bearer ") val.remove_prefix(7);
          if (any && key != val) twoKeys = true;
          if (!any || name == headerName) key = std::string(val);
          any = true;
          inNamed = inNamed || name == headerName;
        }
        std::string digest = key.empty() ? "" : core::sha256Hex(key);
        d.credential = digest.substr(0, 12);
        bool ok = inNamed && !twoKeys;
        if (ok) {
          ok = false;
          for (const auto& h : cred.sha256) ok = ok || (!digest.empty() && h == digest);
        }
        if (!ok) {
          d.verdict = Verdict::kDeny;
          d.reason = Reason::kDenySinkCredential;
          d.rule.clear();
          d.reasons = {twoKeys ? fmt::format("the request carries two different keys for sink {}", s.name)
                       : !inNamed || key.empty()
                           ? fmt::format("sink {} requires a pinned key in '{}' and the request carries none there",
                                         s.name, headerName)
                           : fmt::format("the key in '{}' (sha256 {}…) is not one of the keys pinned for sink {}",
                                         headerName, digest.substr(0, 12), s.name)};
        }
        if (trace) note(fmt::format("credentials for {}: {}", s.name, ok ? "pinned key" : "not a pinned key"));
      }
    }

    // 7. Volume limits.
    std::vector<std::string> hitLimits;
    if (d.verdict != Verdict::kDeny) {
      for (const auto& l : pol.limits()) {
        if (!(l.actions & policy::actionBit(req.action)) || !l.appliesTo(dataLabel)) continue;
        flow::Counter cnt;
        if (auto it = state.counters.find(l.id); it != state.counters.end()) cnt = it->second;
        bool over = (l.maxFiles >= 0 && cnt.files + 1 > l.maxFiles) ||
                    (l.maxBytes >= 0 && cnt.bytes + (size > 0 ? size : 0) > l.maxBytes);
        if (trace) note(fmt::format("limit {}: {} file(s), {} byte(s) so far{}", l.id, cnt.files, cnt.bytes, over ? ": exceeded" : ""));
        if (!over) {
          hitLimits.push_back(l.id);
          continue;
        }
        Verdict v = toVerdict(l.then);
        if (v > d.verdict || d.reason == Reason::kAllowRule || d.reason == Reason::kAllowDefault) {
          d.verdict = v == Verdict::kAllow ? Verdict::kAsk : v;
          d.reason = d.verdict == Verdict::kDeny ? Reason::kDenyLimitVolume : Reason::kAskLimitVolume;
          d.rule = l.id;
          d.reasons.insert(d.reasons.begin(),
                           fmt::format("limit {}: this session already read {} file(s) / {} byte(s) of such data",
                                       l.id, cnt.files, cnt.bytes));
        }
      }
    }

    // 8. An `ask` the person asked approved, or that nobody can answer.
    resolveAsk(req, d);

    // 9. Session: an allowed read raises the label now (conservatively, before the bytes move),
    //    and volume counters grow.
    if (!req.session.empty() && d.verdict == Verdict::kAllow &&
        (req.action == Action::kFsRead || !hitLimits.empty())) {
      auto updated = sessions->update(req.session, [&](flow::SessionState& s) -> core::Status {
        if (req.action == Action::kFsRead) {
          s.raise(dataLabel, false);  // what is read taints the session
          s.filesRead += 1;
          if (size > 0) s.bytesRead += size;
        }
        for (const auto& id : hitLimits) {
          s.counters[id].files += 1;
          if (size > 0) s.counters[id].bytes += size;
        }
        return {};
      });
      if (!updated) {
        denyInternal(d, "session store unavailable: " + updated.error().toString());
      } else {
        state = std::move(*updated);
      }
    }
    d.sessionLabel = state.label;
    d.untrusted = state.untrusted;
    if (d.verdict != Verdict::kAllow) d.obligations.clear();
    if (!d.obligations.empty())
      d.reasons.push_back(fmt::format("allowed on condition that {} span(s) of the payload are anonymized first",
                                      d.obligations.size()));
    if (trace) note(fmt::format("decision: {} ({}){}", core::verdictName(d.verdict), core::reasonCode(d.reason),
                     d.rule.empty() ? "" : " by " + d.rule));
    return finish(req, c, std::move(d), size);
  } catch (const std::exception& e) {
    Decision fail;
    fail.reason = Reason::kDenyInternalError;
    fail.reasons = {fmt::format("internal error: {}", e.what())};
    return finish(req, c, std::move(fail), -1);
  } catch (...) {
    Decision fail;
    fail.reason = Reason::kDenyInternalError;
    fail.reasons = {"internal error"};
    return finish(req, c, std::move(fail), -1);
  }
}

Decision Gate::Impl::finish(const core::Request& req, const Canonical& c, Decision d, std::int64_t size,
                            const Observation* observed) {
  const core::Lattice& lat = policy->lattice();
  if (d.resource.empty()) d.resource = c.resource;
  audit::Event ev;
  ev.kind = observed ? "observation" : "decision";
  ev.user = req.user;
  ev.agent = req.agent;
  ev.session = req.session;
  ev.adapter = req.adapter;
  ev.action = std::string(core::actionName(req.action));
  ev.resource = d.resource;
  ev.decision = std::string(core::verdictName(d.verdict));
  ev.rule = d.rule;
  ev.reason = std::string(core::reasonCode(d.reason));
  ev.reasons = d.reasons;
  ev.sessionLabel = lat.format(d.sessionLabel);
  ev.payloadLabel = lat.format(d.payloadLabel);
  ev.sink = d.sink;
  ev.untrusted = d.untrusted;
  ev.credential = d.credential;
  if (!req.body.empty()) {
    ev.digest = core::sha256Hex(req.body);
    ev.size = static_cast<std::int64_t>(req.body.size());
  } else {
    ev.size = size;
  }
  // An adapter's digest is recorded only when it is one (64 lower-case hex digits): the field
  // must never become a side channel for content.
  if (observed && core::isSha256Hex(observed->digest)) ev.digest = observed->digest;
  auto seq = audit->append(std::move(ev));
  if (!seq) {
    d.verdict = Verdict::kDeny;
    d.reason = Reason::kDenyAuditUnavailable;
    d.rule.clear();
    d.reasons.insert(d.reasons.begin(), "the audit trail cannot be written: " + seq.error().toString());
  }
  return d;
}

Decision Gate::Impl::observe(const Observation& o) {
  Decision d;
  d.verdict = Verdict::kAllow;
  d.reason = Reason::kAllowObserved;
  core::Request asReq = recordedAs(o, o.action);
  Canonical c;
  try {
    if (!validName(o.user) || !validName(o.agent) || !validName(o.session) || !validName(o.adapter)) {
      d.verdict = Verdict::kDeny;
      d.reason = Reason::kDenyInvalidRequest;
      d.reasons = {"user, agent, session and adapter must be at most 256 printable characters"};
      c.resource = std::string(core::actionName(o.action));
      return finish(asReq, c, std::move(d), o.size, &o);
    }
    core::Label label;
    if (!o.path.empty()) {
      auto p = core::canonicalPath(o.path, {options.home, o.cwd.empty() ? options.cwd : o.cwd});
      if (!p) {
        // What we cannot place we assume is the worst: the session becomes top.
        label = policy->lattice().top();
        c.resource = core::redactSecrets(o.path);
        d.reasons.push_back("observed path could not be canonicalized (" + p.error().message + "); assumed " +
                            policy->lattice().format(label));
      } else {
        c.resource = *p;
        label = fileLabel(*p, &d.reasons);
      }
    } else {
      c.resource = core::redactSecrets(o.resource);
    }
    if (!o.content.empty()) {
      ContentVerdict cv = scanContent(o.content, o.path.empty() ? "" : c.resource, o.toAgent ? kToAgent : -1, &d.reasons);
      label = label.join(cv.label);
      d.detected = std::move(cv.detected);
      d.obligations = std::move(cv.obligations);
    }
    const bool untrusted = inspectObserved(o, d) || o.untrusted;
    if (o.session.empty()) {
      d.sessionLabel = label;
      d.untrusted = untrusted;
    } else {
      auto updated = sessions->update(o.session, [&](flow::SessionState& s) -> core::Status {
        s.raise(label, untrusted);
        if (o.size > 0) s.bytesRead += o.size;
        return {};
      });
      if (!updated) {
        denyInternal(d, "session store unavailable: " + updated.error().toString());
      } else {
        d.sessionLabel = updated->label;
        d.untrusted = updated->untrusted;
      }
    }
    d.payloadLabel = label;
    d.reasons.push_back(fmt::format("observed {} {} labelled {}{}", core::actionName(o.action), c.resource,
                                    policy->lattice().format(label), untrusted ? " (untrusted)" : ""));
  } catch (const std::exception& e) {
    denyInternal(d, fmt::format("internal error: {}", e.what()));
  }
  d.resource = c.resource;
  return finish(asReq, c, std::move(d), o.size, &o);
}

}  // namespace airlock::gate

namespace airlock::gate {

core::Result<std::string> applyObligations(std::string_view body, const std::vector<core::Obligation>& obligations,
                                           const std::string& key, std::vector<std::int64_t>* growth) {
  if (growth) growth->clear();
  std::string out;
  out.reserve(body.size());
  std::uint64_t at = 0;
  std::map<std::string, dlp::Anonymizer, std::less<>> anonymizers;  // one per mode: numbering per body
  for (const auto& o : obligations) {
    if (o.start < at || o.end < o.start || o.end > body.size())
      return core::makeError(core::Code::kInvalidArgument, "redaction span does not fit the body");
    auto mode = dlp::parseAnonymizeMode(o.mode);
    if (!mode) return core::makeError(core::Code::kInvalidArgument, "unknown redaction mode '" + o.mode + "'");
    std::string akey = o.mode + "/" + std::to_string(o.keepLast);
    auto it = anonymizers.find(akey);
    if (it == anonymizers.end()) {
      dlp::AnonymizeOptions ao;
      ao.mode = *mode;
      ao.keepLast = o.keepLast;
      if (*mode == dlp::AnonymizeMode::kPseudonym || *mode == dlp::AnonymizeMode::kEncrypt) ao.key = key;
      auto an = dlp::Anonymizer::make(std::move(ao));
      if (!an) return an.error();
      it = anonymizers.emplace(akey, std::move(*an)).first;
    }
    const dlp::Detector* det = dlp::findDetector(o.detector);
    if (det == nullptr) return core::makeError(core::Code::kInvalidArgument, "unknown detector '" + o.detector + "'");
    out.append(body.substr(at, o.start - at));
    out += it->second.replace(*det, body.substr(o.start, o.end - o.start));
    at = o.end;
    if (growth) growth->push_back(static_cast<std::int64_t>(out.size()) - static_cast<std::int64_t>(at));
  }
  out.append(body.substr(at));
  return out;
}

}  // namespace airlock::gate
