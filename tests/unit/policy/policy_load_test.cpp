// Policy::load: a table of bad policies with the exact "file:line:col: message" each must
// produce (line/col computed by hand from the YAML text), and positive cases for generated ids,
// explicit ids, the "*" principal fallback and action lists.
#include "policy/policy.h"

#include <gtest/gtest.h>

#include <string>

#include "policy/index.h"

using airlock::core::Action;
using airlock::policy::actionBit;
using airlock::policy::Effect;
using airlock::policy::Policy;

namespace {

struct BadCase {
  const char* name;
  std::string yaml;
  std::string error;  // exactly Error::toString(): "test.yaml:LINE:COL: message"
};

std::string loadError(const std::string& yaml) {
  auto p = Policy::load(yaml, "test.yaml", "/home/t");
  if (p.ok()) return "<loaded>";
  return p.error().toString();
}

// Columns are 1-based; the comment above each case spells out where the column comes from.
const BadCase kBad[] = {
    // Not YAML: an unterminated flow sequence; libyaml reports the end of the input.
    {"not_yaml", "version: 1\nroles: [a, b\n",
     "test.yaml:3:1: while parsing a flow sequence did not find expected ',' or ']'"},
    // A tab used as indentation: named as such, at the tab.
    {"tab_indent", "version: 1\nroles:\n\tdev: {}\n", "test.yaml:3:1: a tab here: YAML indentation must use spaces"},
    // An alias could multiply the work of loading; they are refused where they stand.
    {"alias", "version: 1\nroles:\n  a: &x {}\n  b: *x\n",
     "test.yaml:4:6: aliases (*name) are not supported in policies; write the value out"},
    {"two_documents", "version: 1\n---\nversion: 1\n",
     "test.yaml:2:1: a policy is one YAML document; found a second ('---')"},
    {"empty", "", "test.yaml:1:1: policy is empty (expected 'version: 1' and rules)"},
    {"not_a_mapping", "- version\n- 1\n", "test.yaml:1:1: a policy must be a mapping, found a list"},
    {"missing_version", "description: x\nroles: {}\n", "test.yaml:1:1: missing 'version: 1'"},
    // "version: 2": the value starts at column 10.
    {"version_2", "version: 2\n", "test.yaml:1:10: unsupported version '2' (this airlock reads version 1)"},
    {"version_list", "version: [1]\n", "test.yaml:1:10: version must be a string, found a list"},
    {"unknown_top_level_key", "version: 1\nrole: {}\n",
     "test.yaml:2:1: unknown key 'role' in the policy (expected one of: version, description, labels, users, "
     "agents, classify, sinks, roles, rules, limits, redact, mcp, defaults)"},
    {"redact_bad_mode", "version: 1\nredact:\n  - { detectors: [email], mode: scramble }\n",
     "test.yaml:3:33: redact[0].mode must be redact, mask, placeholder, pseudonym or encrypt, found 'scramble'"},
    {"redact_unknown_sink", "version: 1\nredact:\n  - { detectors: [email], sinks: [nowhere] }\n",
     "test.yaml:3:35: redact[0].sinks: unknown sink 'nowhere'"},
    {"duplicate_top_level_key", "version: 1\nroles: {}\nroles: {}\n", "test.yaml:3:1: duplicate key 'roles' in the policy"},
    // "      - { action: fs.read, paht: /tmp }": '-' at 7, '{' at 9, 'action' at 11, 'paht' at 28.
    {"unknown_rule_key", "version: 1\nroles:\n  dev:\n    allow:\n      - { action: fs.read, paht: /tmp }\n",
     "test.yaml:5:28: unknown key 'paht' in roles.dev.allow[0] (expected one of: id, action, path, sink, tool, "
     "command, when, description)"},
    {"unknown_role_key", "version: 1\nroles:\n  dev:\n    permit: []\n",
     "test.yaml:4:5: unknown key 'permit' in roles.dev (expected one of: allow, ask, deny, description)"},
    {"allow_not_a_list", "version: 1\nroles:\n  dev:\n    allow: { action: fs.read }\n",
     "test.yaml:4:12: roles.dev.allow must be a list of rules"},
    // 'fs.reed' starts at 19.
    {"unknown_action", "version: 1\nroles:\n  dev:\n    allow:\n      - { action: fs.reed }\n",
     "test.yaml:5:19: roles.dev.allow[0]: unknown action 'fs.reed' (expected one of: fs.read, fs.write, fs.list, "
     "fs.delete, exec, net.request, tool.call)"},
    // '[' at 19, 'fs.read' 20-26, ', ', 'exex' at 29.
    {"action_list_one_bad", "version: 1\nroles:\n  dev:\n    allow:\n      - { action: [fs.read, exex] }\n",
     "test.yaml:5:29: roles.dev.allow[0]: unknown action 'exex' (expected one of: fs.read, fs.write, fs.list, "
     "fs.delete, exec, net.request, tool.call)"},
    {"missing_action", "version: 1\nroles:\n  dev:\n    allow:\n      - { path: /tmp }\n",
     "test.yaml:5:9: roles.dev.allow[0]: missing 'action'"},
    {"empty_action_list", "version: 1\nroles:\n  dev:\n    allow:\n      - { action: [] }\n",
     "test.yaml:5:19: roles.dev.allow[0].action must not be an empty list"},
    // '  - { path: "/data/**", label: "confidential{nope}" }': the quote at 32, the text at 33.
    {"bad_label", "version: 1\nclassify:\n  - { path: \"/data/**\", label: \"confidential{nope}\" }\n",
     "test.yaml:3:33: classify[0].label: unknown category 'nope' (categories: pii, financial, credentials, "
     "source-code)"},
    {"bad_label_level", "version: 1\nclassify:\n  - { path: /data/**, label: topsecret }\n",
     "test.yaml:3:30: classify[0].label: unknown level 'topsecret' (levels: public, internal, confidential, secret)"},
    // '  alice: { roles: [admin] }': '[' at 19, 'admin' at 20.
    {"user_unknown_role", "version: 1\nroles: { dev: {} }\nusers:\n  alice: { roles: [admin] }\n",
     "test.yaml:4:20: users.alice: unknown role 'admin'"},
    {"agent_unknown_role", "version: 1\nagents:\n  bot: { roles: ghost }\n",
     "test.yaml:3:17: agents.bot: unknown role 'ghost'"},
    {"bad_user_name", "version: 1\nusers:\n  \"al ice\": {}\n",
     "test.yaml:3:3: user name 'al ice' may only contain letters, digits, '-', '_' and '.'"},
    {"user_key_typo", "version: 1\nusers:\n  alice: { role: [x] }\n",
     "test.yaml:3:12: unknown key 'role' in users.alice (expected one of: roles, description)"},
    // '      - { action: net.request, sink: nowhere }': 'nowhere' at 38.
    {"unknown_sink", "version: 1\nroles:\n  dev:\n    allow:\n      - { action: net.request, sink: nowhere }\n",
     "test.yaml:5:38: roles.dev.allow[0]: unknown sink 'nowhere'"},
    // '    http: { methods: [POST] }': '{' at 11.
    {"sink_no_hosts", "version: 1\nsinks:\n  api:\n    http: { methods: [POST] }\n    clearance: public\n",
     "test.yaml:4:11: sinks.api.http: missing 'hosts'"},
    {"sink_no_clearance", "version: 1\nsinks:\n  api:\n    http: { hosts: [a.test] }\n",
     "test.yaml:4:5: sinks.api: missing 'clearance' (the highest label that may reach it)"},
    {"sink_no_destination", "version: 1\nsinks:\n  api: { clearance: public }\n",
     "test.yaml:3:8: sinks.api: needs at least one of 'http', 'tools' or 'folders'"},
    {"sink_host_with_port", "version: 1\nsinks:\n  api: { http: { hosts: [\"a.test:8080\"] }, clearance: public }\n",
     "test.yaml:3:26: sinks.api.http.hosts: 'a.test:8080' must be a bare host name or address"},
    {"sink_bad_method", "version: 1\nsinks:\n  api: { http: { hosts: [a.test], methods: [P0ST] }, clearance: public }\n",
     "test.yaml:3:45: sinks.api.http.methods: invalid method 'P0ST'"},
    // '      - { action: fs.read, path: "/tmp/{a,b" }': the quote at 34.
    {"bad_glob", "version: 1\nroles:\n  dev:\n    allow:\n      - { action: fs.read, path: \"/tmp/{a,b\" }\n",
     "test.yaml:5:34: roles.dev.allow[0].path: unbalanced '{' in '/tmp/{a,b'"},
    {"relative_glob", "version: 1\nroles:\n  dev:\n    allow:\n      - { action: fs.read, path: tmp/x }\n",
     "test.yaml:5:34: roles.dev.allow[0].path: path pattern 'tmp/x' must be absolute, start with '~/' or with "
     "'**'"},
    {"tilde_user_glob", "version: 1\nroles:\n  dev:\n    allow:\n      - { action: fs.read, path: ~bob/x }\n",
     "test.yaml:5:34: roles.dev.allow[0].path: '~user' patterns are not supported: '~bob/x'"},
    // Block-style rule, "        when: session.untrusted && )": the text starts at 15, ')' is at
    // offset 21 of the condition, so column 36.
    {"when_syntax_plain",
     "version: 1\nroles:\n  dev:\n    allow:\n      - action: fs.read\n        when: session.untrusted && )\n",
     "test.yaml:6:36: when: expected a value (a literal, a field or '(')"},
    // The same in double quotes: the quote at 15, the text at 16, so column 37.
    {"when_syntax_double_quoted",
     "version: 1\nroles:\n  dev:\n    allow:\n      - action: fs.read\n        when: \"session.untrusted && )\"\n",
     "test.yaml:6:37: when: expected a value (a literal, a field or '(')"},
    {"when_syntax_single_quoted",
     "version: 1\nroles:\n  dev:\n    allow:\n      - action: fs.read\n        when: 'session.untrusted && )'\n",
     "test.yaml:6:37: when: expected a value (a literal, a field or '(')"},
    // Escapes before the error: in the source '\"/x\"' is 6 characters, in the condition 4.
    // "        when: \"request.path == \\\"/x\\\" && )\"": text at 16; the ')' is at source
    // column 16 + 26 = 42 (condition offset 24).
    {"when_syntax_double_quoted_escapes",
     "version: 1\nroles:\n  dev:\n    allow:\n      - action: fs.read\n        when: \"request.path == \\\"/x\\\" && )\"\n",
     "test.yaml:6:42: when: expected a value (a literal, a field or '(')"},
    // Single-quoted with a doubled quote: "when: 'request.path == ''/x'' && )'": text at 16, the
    // ')' at source column 16 + 26 = 42.
    {"when_syntax_single_quoted_escapes",
     "version: 1\nroles:\n  dev:\n    allow:\n      - action: fs.read\n        when: 'request.path == ''/x'' && )'\n",
     "test.yaml:6:42: when: expected a value (a literal, a field or '(')"},
    // A plain scalar continued on the next line: the error is on line 7.
    // "          && )": '&&' at 11, ')' at 14.
    {"when_syntax_multiline_plain",
     "version: 1\nroles:\n  dev:\n    allow:\n      - action: fs.read\n        when: session.untrusted\n          && )\n",
     "test.yaml:7:14: when: expected a value (a literal, a field or '(')"},
    // A literal block scalar: the condition starts on line 7 at column 11.
    {"when_syntax_block_literal",
     "version: 1\nroles:\n  dev:\n    allow:\n      - action: fs.read\n        when: |\n          session.untrusted && )\n",
     "test.yaml:7:32: when: expected a value (a literal, a field or '(')"},
    // In a flow mapping: "      - { action: fs.read, when: session.label >= nope }": text at 34,
    // 'nope' at offset 17.
    {"when_unknown_name_flow",
     "version: 1\nroles:\n  dev:\n    allow:\n      - { action: fs.read, when: session.label >= nope }\n",
     "test.yaml:5:51: when: unknown name 'nope'; expected a literal, a label level, or a field of request, "
     "session, user or agent"},
    // 'foo' at offset 8 of "request.foo == 'x'".
    {"when_unknown_field",
     "version: 1\nroles:\n  dev:\n    allow:\n      - action: fs.read\n        when: request.foo == 'x'\n",
     "test.yaml:6:23: when: unknown field 'request.foo'; known: request.action, request.path, request.url, "
     "request.host, request.method, request.tool, request.command, request.adapter, request.sink, "
     "request.interactive, request.opaque, request.label"},
    // '==' at offset 13 of "request.path == 3".
    {"when_string_vs_int",
     "version: 1\nroles:\n  dev:\n    allow:\n      - action: fs.read\n        when: request.path == 3\n",
     "test.yaml:6:28: when: cannot compare a string with an int"},
    // The pattern literal at offset 21 of 'request.host.matches("(")'.
    {"when_bad_regex",
     "version: 1\nroles:\n  dev:\n    allow:\n      - action: fs.read\n        when: request.host.matches(\"(\")\n",
     "test.yaml:6:36: when: invalid regular expression: missing ): ("},
    {"when_not_bool",
     "version: 1\nroles:\n  dev:\n    allow:\n      - action: fs.read\n        when: session.files_read\n",
     "test.yaml:6:15: when: a condition must be a bool expression, this one is an int"},
    {"when_a_list",
     "version: 1\nroles:\n  dev:\n    allow:\n      - action: fs.read\n        when: [a]\n",
     "test.yaml:6:15: when must be a string, found a list"},
    // The second 'id' value: '      - { id: r1, action: fs.write }', 'r1' at 15.
    {"duplicate_rule_id",
     "version: 1\nroles:\n  dev:\n    allow:\n      - { id: r1, action: fs.read }\n      - { id: r1, action: "
     "fs.write }\n",
     "test.yaml:6:15: rule id 'r1' is used twice"},
    // Ids are unique across role rules and global rules; '  - { id: r1, deny: …': 'r1' at 11.
    {"duplicate_id_role_and_global",
     "version: 1\nroles:\n  dev:\n    allow:\n      - { id: r1, action: fs.read }\nrules:\n"
     "  - { id: r1, deny: { action: exec } }\n",
     "test.yaml:7:11: rule id 'r1' is used twice"},
    {"bad_rule_id",
     "version: 1\nroles:\n  dev:\n    allow:\n      - { id: \"a b\", action: fs.read }\n",
     "test.yaml:5:15: rule id 'a b' may only contain letters, digits, '-', '_' and '.'"},
    // The rule's mapping starts at its first key, 'allow' at 5.
    {"global_allow_and_deny",
     "version: 1\nrules:\n  - allow: { action: fs.read }\n    deny: { action: fs.read }\n",
     "test.yaml:3:5: rules[0]: needs exactly one of 'allow', 'ask' or 'deny'"},
    {"global_no_effect", "version: 1\nrules:\n  - { id: x }\n",
     "test.yaml:3:5: rules[0]: needs exactly one of 'allow', 'ask' or 'deny'"},
    {"global_matcher_key_typo", "version: 1\nrules:\n  - deny: { action: fs.read, when: x }\n",
     "test.yaml:3:30: unknown key 'when' in rules[0] (expected one of: action, path, sink, tool, command)"},
    {"rules_not_a_list", "version: 1\nrules: { deny: { action: exec } }\n", "test.yaml:2:8: rules must be a list"},
    // '      - { action: net.request, path: "/tmp/**" }': the quote at 38.
    {"path_on_net_request",
     "version: 1\nroles:\n  dev:\n    allow:\n      - { action: net.request, path: \"/tmp/**\" }\n",
     "test.yaml:5:38: roles.dev.allow[0]: 'path' applies to fs.* and exec actions only"},
    {"tool_on_exec", "version: 1\nrules:\n  - deny: { action: exec, tool: \"a/b\" }\n",
     "test.yaml:3:33: rules[0]: 'tool' applies to tool.call only"},
    {"command_on_fs", "version: 1\nrules:\n  - deny: { action: fs.read, command: rm }\n",
     "test.yaml:3:39: rules[0]: 'command' applies to exec only"},
    {"sink_on_fs_read", "version: 1\nsinks: { s: { tools: [\"a/*\"], clearance: public } }\nrules:\n"
                        "  - deny: { action: fs.read, sink: s }\n",
     "test.yaml:4:36: rules[0]: 'sink' applies to net.request, tool.call and fs.write only"},
    // '  - { action: fs.read, max_bytes: 10XB }': '10XB' at 35.
    {"limit_bad_size_unit", "version: 1\nlimits:\n  - { action: fs.read, max_bytes: 10XB }\n",
     "test.yaml:3:35: limits[0].max_bytes: unknown unit 'XB' (use B, KB, MB, GB, KiB, MiB, GiB)"},
    {"limit_size_not_a_number", "version: 1\nlimits:\n  - { action: fs.read, max_files: lots }\n",
     "test.yaml:3:35: limits[0].max_files must be a number with an optional unit (KB, MB, GB, KiB, MiB, GiB), "
     "found 'lots'"},
    {"limit_size_too_large", "version: 1\nlimits:\n  - { action: fs.read, max_bytes: 99999999999 GiB }\n",
     "test.yaml:3:35: limits[0].max_bytes is too large"},
    {"limit_no_max", "version: 1\nlimits:\n  - { action: fs.read, then: deny }\n",
     "test.yaml:3:5: limits[0]: needs 'max_files' or 'max_bytes'"},
    {"limit_then_allow", "version: 1\nlimits:\n  - { action: fs.read, max_files: 3, then: allow }\n",
     "test.yaml:3:44: limits[0].then must be ask or deny, found 'allow'"},
    // '    credentials: { sha256: [abc123] }': '[' at 28, 'abc123' at 29.
    {"credentials_short_sha",
     "version: 1\nsinks:\n  api:\n    http: { hosts: [api.test] }\n    credentials: { sha256: [abc123] }\n"
     "    clearance: public\n",
     "test.yaml:5:29: sinks.api.credentials.sha256: 'abc123' is not a SHA-256 hex digest (64 hex digits)"},
    {"credentials_non_hex_sha",
     "version: 1\nsinks:\n  api:\n    http: { hosts: [api.test] }\n    credentials: { sha256: "
     "g000000000000000000000000000000000000000000000000000000000000000 }\n    clearance: public\n",
     "test.yaml:5:28: sinks.api.credentials.sha256: 'g000000000000000000000000000000000000000000000000000000000000000'"
     " is not a SHA-256 hex digest (64 hex digits)"},
    // 'defaults: { decision: maybe }': 'maybe' at 23.
    {"defaults_decision_maybe", "version: 1\ndefaults: { decision: maybe }\n",
     "test.yaml:2:23: defaults.decision must be allow, ask or deny, found 'maybe'"},
    {"defaults_on_error_allow", "version: 1\ndefaults: { on_error: allow }\n",
     "test.yaml:2:23: defaults.on_error may only be 'deny' (errors never allow), found 'allow'"},
    {"labels_no_levels", "version: 1\nlabels: { categories: [a] }\n", "test.yaml:2:9: labels: missing 'levels'"},
    {"role_twice", "version: 1\nroles:\n  dev: {}\n  dev: {}\n", "test.yaml:4:3: role 'dev' is defined twice"},
    // '    - { tool: a/b, argument: path, action: exec }': 'exec' at 44.
    {"mcp_argument_exec", "version: 1\nmcp:\n  arguments:\n    - { tool: a/b, argument: path, action: exec }\n",
     "test.yaml:4:44: mcp.arguments[0].action must be fs.read, fs.write, fs.list, fs.delete or net.request, "
     "found 'exec'"},
    // '    - { tool: read, …': 'read' at 15.
    {"mcp_argument_tool_without_server", "version: 1\nmcp:\n  arguments:\n    - { tool: read, argument: path, action: fs.read }\n",
     "test.yaml:4:15: mcp.arguments[0].tool: 'read' must be \"server/tool\""},
    // '…, action: fs.read, method: POST }': 'POST' at 61.
    {"mcp_argument_method_for_a_file",
     "version: 1\nmcp:\n  arguments:\n    - { tool: a/b, argument: path, action: fs.read, method: POST }\n",
     "test.yaml:4:61: mcp.arguments[0].method is only for action net.request"},
    // 'mcp: { changed_tools: allow }': 'allow' at 23.
    {"mcp_changed_tools_allow", "version: 1\nmcp: { changed_tools: allow }\n",
     "test.yaml:2:23: mcp.changed_tools must be withhold or flag, found 'allow'"},
};

class BadPolicy : public ::testing::TestWithParam<BadCase> {};

TEST_P(BadPolicy, ReportsExactPosition) {
  const BadCase& c = GetParam();
  EXPECT_EQ(loadError(c.yaml), c.error) << "policy:\n" << c.yaml;
}

INSTANTIATE_TEST_SUITE_P(Table, BadPolicy, ::testing::ValuesIn(kBad),
                         [](const ::testing::TestParamInfo<BadCase>& i) { return std::string(i.param.name); });

TEST(PolicyLoad, TableIsLargeEnough) { EXPECT_GE(std::size(kBad), 25u); }

TEST(PolicyLoad, NulByteIsRejected) {
  std::string yaml = "version: 1\n";
  yaml.push_back('\0');
  EXPECT_EQ(loadError(yaml), "test.yaml: policy contains a NUL byte");
}

TEST(PolicyLoad, LoadFileMissing) {
  auto p = Policy::loadFile("/nonexistent/airlock/policy.yaml", "/home/t");
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().code, airlock::core::Code::kNotFound);
}

TEST(PolicyLoad, ShippedPoliciesLoad) {
  for (const char* f : {"/policies/default.yaml", "/policies/cowork.yaml"}) {
    auto p = Policy::loadFile(std::string(AIRLOCK_SOURCE_DIR) + f, "/home/alice");
    ASSERT_TRUE(p.ok()) << f << ": " << p.error().toString();
    EXPECT_FALSE((*p)->rules().empty());
  }
}

const char* kGood = R"(version: 1
users:
  alice: { roles: [analyst] }
  "*": { roles: [guest] }
agents:
  cowork: { roles: [office-agent] }
sinks:
  api: { http: { hosts: [API.Example.COM], methods: [post] }, clearance: "confidential{pii}" }
roles:
  analyst:
    allow:
      - { action: [fs.read, fs.list], path: "~/Documents/**" }
      - { id: model-calls, action: net.request, sink: api }
    deny:
      - { action: exec, command: "rm -rf *" }
  office-agent:
    allow:
      - { action: fs.read, path: "~/Documents/**" }
      - { action: [exec, fs.write, fs.delete] }
    ask:
      - { action: fs.read, path: "~/Finance/**", when: session.untrusted }
  guest: {}
rules:
  - id: secrets
    deny: { action: [fs.read, fs.write] }
    when: request.label >= secret
  - ask: { action: tool.call, tool: "slack/*" }
limits:
  - { action: fs.read, label: "> internal", max_files: 20, max_bytes: 10MB }
defaults: { decision: ask }
)";

TEST(PolicyLoad, GeneratedAndExplicitIds) {
  auto p = Policy::load(kGood, "test.yaml", "/home/alice");
  ASSERT_TRUE(p.ok()) << p.error().toString();
  const auto& rules = (*p)->rules();
  ASSERT_EQ(rules.size(), 8u);
  struct Expect {
    const char* id;
    bool generated;
    Effect effect;
    int line, col;
  };
  const Expect want[] = {
      {"roles.analyst.allow[0]", true, Effect::kAllow, 12, 9},
      {"model-calls", false, Effect::kAllow, 13, 9},
      {"roles.analyst.deny[0]", true, Effect::kDeny, 15, 9},
      {"roles.office-agent.allow[0]", true, Effect::kAllow, 18, 9},
      {"roles.office-agent.allow[1]", true, Effect::kAllow, 19, 9},
      {"roles.office-agent.ask[0]", true, Effect::kAsk, 21, 9},
      {"secrets", false, Effect::kDeny, 25, 11},
      {"rules[1]", true, Effect::kAsk, 27, 10},
  };
  for (std::size_t i = 0; i < rules.size(); ++i) {
    SCOPED_TRACE(want[i].id);
    EXPECT_EQ(rules[i].id, want[i].id);
    EXPECT_EQ(rules[i].generatedId, want[i].generated);
    EXPECT_EQ(rules[i].effect, want[i].effect);
    EXPECT_EQ(rules[i].index, i);
    EXPECT_EQ(rules[i].pos.line, want[i].line);
    EXPECT_EQ(rules[i].pos.col, want[i].col);
  }
  EXPECT_EQ(rules[0].role, (*p)->roleIndex("analyst"));
  EXPECT_EQ(rules[6].role, -1);
  EXPECT_TRUE(rules[6].when.has_value());
  EXPECT_TRUE(rules[5].when.has_value());
  EXPECT_FALSE(rules[0].when.has_value());
}

TEST(PolicyLoad, ActionListsAndTildeExpansion) {
  auto p = Policy::load(kGood, "test.yaml", "/home/alice");
  ASSERT_TRUE(p.ok()) << p.error().toString();
  const auto& rules = (*p)->rules();
  EXPECT_EQ(rules[0].actions, actionBit(Action::kFsRead) | actionBit(Action::kFsList));
  EXPECT_EQ(rules[4].actions, actionBit(Action::kExec) | actionBit(Action::kFsWrite) | actionBit(Action::kFsDelete));
  EXPECT_EQ(rules[1].actions, actionBit(Action::kNetRequest));
  ASSERT_EQ(rules[0].paths.size(), 1u);
  EXPECT_EQ(rules[0].paths[0].pattern(), "/home/alice/Documents/**");
  EXPECT_TRUE(rules[0].paths[0].matches("/home/alice/Documents/a/b.txt"));
  EXPECT_FALSE(rules[0].paths[0].matches("/home/bob/Documents/a.txt"));
  ASSERT_EQ(rules[1].sinks.size(), 1u);
  EXPECT_EQ(rules[1].sinks[0], (*p)->sinkIndex("api"));
}

TEST(PolicyLoad, StarPrincipalFallback) {
  auto p = Policy::load(kGood, "test.yaml", "/home/alice");
  ASSERT_TRUE(p.ok()) << p.error().toString();
  const auto* alice = (*p)->user("alice");
  ASSERT_NE(alice, nullptr);
  EXPECT_EQ(alice->name, "alice");
  ASSERT_EQ(alice->roles.size(), 1u);
  EXPECT_EQ(alice->roles[0], (*p)->roleIndex("analyst"));
  const auto* mallory = (*p)->user("mallory");
  ASSERT_NE(mallory, nullptr);
  EXPECT_EQ(mallory->name, "*");
  ASSERT_EQ(mallory->roles.size(), 1u);
  EXPECT_EQ(mallory->roles[0], (*p)->roleIndex("guest"));
  // Agents have no "*" entry: an unknown agent is nobody.
  EXPECT_NE((*p)->agent("cowork"), nullptr);
  EXPECT_EQ((*p)->agent("rogue"), nullptr);
}

TEST(PolicyLoad, SinksLimitsDefaults) {
  auto p = Policy::load(kGood, "test.yaml", "/home/alice");
  ASSERT_TRUE(p.ok()) << p.error().toString();
  const auto& s = (*p)->sinks().at(0);
  EXPECT_EQ(s.name, "api");
  ASSERT_EQ(s.hosts.size(), 1u);
  EXPECT_EQ(s.hosts[0], "api.example.com");
  ASSERT_EQ(s.methods.size(), 1u);
  EXPECT_EQ(s.methods[0], "POST");
  EXPECT_EQ((*p)->lattice().format(s.clearance), "confidential{pii}");
  const auto& l = (*p)->limits().at(0);
  EXPECT_EQ(l.id, "limits[0]");
  EXPECT_EQ(l.maxFiles, 20);
  EXPECT_EQ(l.maxBytes, 10 * 1000 * 1000);
  EXPECT_EQ(l.then, Effect::kAsk);
  auto internal = (*p)->lattice().parse("internal");
  auto confidential = (*p)->lattice().parse("confidential");
  EXPECT_FALSE(l.appliesTo(*internal));
  EXPECT_TRUE(l.appliesTo(*confidential));
  EXPECT_EQ((*p)->defaults().decision, Effect::kAsk);
  EXPECT_EQ((*p)->defaults().onError, Effect::kDeny);
}

TEST(PolicyLoad, SizeUnits) {
  struct C {
    const char* text;
    std::int64_t bytes;
  };
  for (const C& c : {C{"7", 7}, C{"7B", 7}, C{"2 KB", 2000}, C{"2kB", 2000}, C{"3MB", 3000000},
                     C{"1GB", 1000000000}, C{"1KiB", 1024}, C{"2MiB", 2 * 1024 * 1024},
                     C{"1GiB", 1024LL * 1024 * 1024}}) {
    std::string yaml = std::string("version: 1\nlimits:\n  - { action: fs.read, max_bytes: \"") + c.text + "\" }\n";
    auto p = Policy::load(yaml, "test.yaml", "/h");
    ASSERT_TRUE(p.ok()) << c.text << ": " << p.error().toString();
    EXPECT_EQ((*p)->limits().at(0).maxBytes, c.bytes) << c.text;
  }
}

TEST(PolicyLoad, ClassifyPathJoinsMatchingRules) {
  auto p = Policy::load(R"(version: 1
classify:
  - { path: "~/Finance/**", label: "confidential{financial}" }
  - { path: ["~/.ssh/**", "**/.env"], label: "secret{credentials}" }
  - { path: "~/Finance/tax/**", label: "{pii}" }
)", "test.yaml", "/home/a");
  ASSERT_TRUE(p.ok()) << p.error().toString();
  const auto& lat = (*p)->lattice();
  EXPECT_EQ(lat.format((*p)->classifyPath("/home/a/Finance/x.csv")), "confidential{financial}");
  EXPECT_EQ(lat.format((*p)->classifyPath("/home/a/Finance/tax/2025.pdf")), "confidential{pii,financial}");
  EXPECT_EQ(lat.format((*p)->classifyPath("/srv/app/.env")), "secret{credentials}");
  EXPECT_EQ(lat.format((*p)->classifyPath("/home/a/Documents/x")), "public");
}

}  // namespace

// Bounded work on hostile YAML: deep nesting stops at 64 levels, where it happens.
TEST(PolicyYaml, DeepNestingIsRefusedNotRecursed) {
  std::string deep = "version: 1\nroles: " + std::string(100000, '[') + "\n";
  EXPECT_EQ(loadError(deep), "test.yaml:2:71: nested deeper than 64 levels");
}

TEST(PolicyYaml, InvalidUtf8IsAnErrorWithAPosition) {
  std::string bad = "version: 1\nroles:\n  d\xff: {}\n";
  std::string err = loadError(bad);
  EXPECT_EQ(err, "test.yaml:3:4: invalid leading UTF-8 octet");
}
