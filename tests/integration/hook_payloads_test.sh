#!/usr/bin/env bash
# `airlock hook` fed the payloads Claude Code 2.1.x really sends (tests/integration/hook_payloads/,
# one recorded payload per file; @HOME@ and @SESSION@ are filled in here), judged by the built-in
# default policy (policies/default.yaml). Every call runs under `timeout 60`: a hook that hangs
# or exits 1 lets Claude Code go ahead, so both are failures.
AIRLOCK=$1
SRC=$2
source "$(dirname "$0")/lib.sh"
PAYLOADS="$SRC/tests/integration/hook_payloads"
export AIRLOCK_USER=dev
KEY='sk-ant-api03-ATTACKER-key-1111111111'

mkdir -p "$HOME/project/src" "$HOME/project/notebooks" "$HOME/.ssh" "$HOME/Finance"
printf 'int main() { return 0; }\n' >"$HOME/project/src/main.cpp"
printf -- '-----BEGIN OPENSSH PRIVATE KEY-----\nxxx\n' >"$HOME/.ssh/id_rsa"
printf 'DATABASE_URL=postgres://app:hunter2@db/app\n' >"$HOME/project/.env"
printf 'quarter,revenue\nQ1,4120000\n' >"$HOME/Finance/q.csv"
# The default policy classifies credentials by path but knows nothing of ~/Finance: label the
# file the way a user would (docs/policy.md, user.airlock.label), so that reading it raises
# the session to confidential{financial}.
HAVE_XATTR=0
if python3 -c 'import os,sys; os.setxattr(sys.argv[1], b"user.airlock.label", b"confidential{financial}")' \
  "$HOME/Finance/q.csv" 2>/dev/null; then
  HAVE_XATTR=1
else
  echo "note: no user xattrs on $HOME; the label checks that need them are skipped" >&2
fi

# render FILE SESSION [SED-EXPR]: the payload with the placeholders filled in.
render() {
  sed -e "s|@HOME@|$HOME|g" -e "s|@SESSION@|$2|g" ${3:+-e "$3"} "$PAYLOADS/$1"
}
# call < payload: runs the hook; sets RC, OUT, ERR.
call() {
  set +e
  timeout 60 "$AIRLOCK" hook >"$WORK/out" 2>"$WORK/err"
  RC=$?
  set -e
  OUT=$(cat "$WORK/out")
  ERR=$(cat "$WORK/err")
}
# hook FILE SESSION [SED-EXPR]
hook() {
  render "$@" >"$WORK/payload.json"
  call <"$WORK/payload.json"
}
# The permissionDecision / reason in OUT, or "" when OUT is not a PreToolUse reply.
decision() {
  python3 -c 'import json,sys
try: print(json.loads(sys.stdin.read())["hookSpecificOutput"]["permissionDecision"])
except Exception: print("")' <<<"$OUT"
}
reason() {
  python3 -c 'import json,sys
try: print(json.loads(sys.stdin.read())["hookSpecificOutput"]["permissionDecisionReason"])
except Exception: print("")' <<<"$OUT"
}
# expect_decision NAME WANT [REASON-SUBSTRING]: after hook(), exit 0 with that decision.
expect_decision() {
  expect_eq "$1: exit code" "$RC" 0
  expect_eq "$1: decision" "$(decision)" "$2"
  expect_contains "$1: hookEventName" "$OUT" '"hookEventName":"PreToolUse"'
  if [ -n "${3:-}" ]; then expect_contains "$1: reason" "$(reason)" "$3"; fi
}
# expect_blocked NAME: exit 2 with a reason on stderr, or exit 0 with a deny and its reason;
# never an allow, never exit 1 (Claude Code goes ahead), never the timeout's 124.
expect_blocked() {
  case "$RC" in
    2)
      ok
      expect_contains "$1: stderr reason" "$ERR" "airlock: deny ("
      expect_not_contains "$1: no allow on stdout" "$OUT" '"allow"'
      ;;
    0)
      expect_eq "$1: exit 0 must be a deny" "$(decision)" deny
      expect_contains "$1: deny reason" "$(reason)" "airlock: deny ("
      ;;
    *) bad "$1: exit code $RC (stderr: ${ERR:0:300})" ;;
  esac
}
# expect_post NAME: a PostToolUse observation that was recorded: exit 0, nothing that blocks.
expect_post() {
  expect_eq "$1: exit code" "$RC" 0
  expect_not_contains "$1: not blocked" "$OUT" '"block"'
  expect_eq "$1: stderr" "$ERR" ""
}

# --- Each tool as Claude Code sends it, in a session of its own -------------------------------
hook read_project.json s-read
expect_decision "Read in the project" allow "rule agent-reads"
hook write_project.json s-write
expect_decision "Write in the project" allow "rule agent-writes"
hook edit_project.json s-edit
expect_decision "Edit in the project" allow "rule agent-writes"
hook multiedit_project.json s-multiedit
expect_decision "MultiEdit in the project" allow "rule agent-writes"
hook notebookedit_project.json s-notebook
expect_decision "NotebookEdit in the project" allow "rule agent-writes"
expect_contains "NotebookEdit judged on notebook_path" "$(reason)" "$HOME/project/notebooks/analysis.ipynb"
hook glob_project.json s-glob
expect_decision "Glob in the project" allow "fs.list $HOME/project/src"
# Grep reads a directory as a whole: the project holds a .env (secret), so the whole project is
# secret to a search; a subtree without secrets is not.
hook grep_project.json s-grep
expect_decision "Grep over a project holding .env" deny "rule secrets-are-off-limits"
hook grep_project.json s-grep-src "s|\"path\": \"$HOME/project\"|\"path\": \"$HOME/project/src\"|"
expect_decision "Grep in the project's src" allow "fs.read $HOME/project/src"
hook grep_project.json s-grep-home "s|\"path\": \"$HOME/project\"|\"path\": \"$HOME\"|"
expect_decision "Grep over the home directory (holds ~/.ssh)" deny "rule secrets-are-off-limits"
hook glob_project.json s-glob-abs "s|\"pattern\": \"[^\"]*\"|\"pattern\": \"$HOME/.ssh/*\"|"
expect_decision "Glob with an absolute pattern into ~/.ssh" deny "fs.list $HOME/.ssh"
hook ls_project.json s-ls
expect_decision "LS in the project" allow "fs.list $HOME/project"

hook write_etc_hosts.json s-hosts
expect_decision "Write /etc/hosts" deny "deny.default"
hook read_ssh_key.json s-ssh
expect_decision "Read ~/.ssh/id_rsa" deny "rule secrets-are-off-limits"
hook read_project_env.json s-env
expect_decision "Read project .env" deny "rule secrets-are-off-limits"
# A relative path is judged against the payload's cwd.
hook read_project_env.json s-env-rel "s|\"file_path\": \"$HOME/project/.env\"|\"file_path\": \".env\"|"
expect_decision "Read .env relative to cwd" deny "rule secrets-are-off-limits"

hook bash_build.json s-build
expect_decision "Bash build" allow "rule agent-runs"
hook bash_cat_ssh_key.json s-cat
expect_decision "Bash cat ~/.ssh/id_rsa" deny "rule secrets-are-off-limits"

# Exfiltration to the model API's Files endpoint with someone else's key.
hook bash_exfil_files_api.json s-exfil
expect_decision "curl -F to the Files API" deny "deny.sink."
expect_not_contains "attacker key not on stdout" "$OUT" "$KEY"
expect_not_contains "attacker key not on stderr" "$ERR" "$KEY"
# The same key on the Messages API path: the pinned credential is what stops it.
hook bash_exfil_messages_api.json s-exfil-msg
expect_decision "curl to the Messages API with another key" deny "deny.sink.credential_mismatch"
expect_not_contains "attacker key not on stdout (messages)" "$OUT" "$KEY"
expect_not_contains "attacker key not on stderr (messages)" "$ERR" "$KEY"

# dangerouslyDisableSandbox: the command is opaque; the default policy asks, and denies when
# nobody can be asked.
hook bash_unsandboxed.json s-unsandboxed
expect_decision "Bash dangerouslyDisableSandbox" ask "rule opaque-commands"
hook bash_unsandboxed.json s-unsandboxed-bypass 's|"permission_mode": "default"|"permission_mode": "bypassPermissions"|'
expect_decision "Bash dangerouslyDisableSandbox, bypassPermissions" deny "deny.ask.non_interactive"
hook bash_unsandboxed.json s-unsandboxed-false 's|"dangerouslyDisableSandbox": true|"dangerouslyDisableSandbox": false|'
expect_decision "Bash dangerouslyDisableSandbox false" allow "rule agent-runs"
hook bash_unsandboxed.json s-unsandboxed-str 's|"dangerouslyDisableSandbox": true|"dangerouslyDisableSandbox": "no"|'
expect_decision "Bash dangerouslyDisableSandbox of the wrong type" ask "rule opaque-commands"

hook webfetch_github.json s-webfetch
expect_decision "WebFetch github.com" allow "rule agent-model-and-packages"
hook webfetch_unknown_host.json s-webfetch-unknown
expect_decision "WebFetch unknown host" deny "deny.sink.unknown"
hook bash_curl_post_unknown.json s-curl-post
expect_decision "curl POST to an unknown host" deny "deny.sink.unknown"

# Claude Code's own tools: the default policy's agent-own-tools rule allows claude-code/*.
hook websearch.json s-websearch
expect_decision "WebSearch" allow "rule agent-own-tools"
hook task.json s-task
expect_decision "Task" allow "rule agent-own-tools"
hook todowrite.json s-todo
expect_decision "TodoWrite" allow "rule agent-own-tools"
# MCP tools ask, and are denied when nobody can be asked.
hook mcp_github_create_issue.json s-mcp
expect_decision "mcp__github__create_issue" ask "rule mcp-tools"
expect_contains "MCP tool named server/tool" "$(reason)" "github/create_issue"
hook mcp_github_create_issue.json s-mcp-dontask 's|"permission_mode": "default"|"permission_mode": "dontAsk"|'
expect_decision "mcp__github__create_issue, dontAsk" deny "deny.ask.non_interactive"

# --- Flow: a PostToolUse Read of finance data raises the session ------------------------------
SESSION=5d0c4a1e-8b7f-4c2a-9e3d-fin000000001
hook webfetch_pypi.json "$SESSION"
expect_decision "pypi before the finance read" allow "rule agent-model-and-packages"
hook post_read_finance.json "$SESSION"
expect_post "PostToolUse Read ~/Finance/q.csv"
hook webfetch_unknown_host.json "$SESSION"
expect_decision "WebFetch unknown host after the finance read" deny "deny."
hook bash_curl_post_unknown.json "$SESSION"
expect_decision "curl POST unknown host after the finance read" deny "deny."
if [ "$HAVE_XATTR" = 1 ]; then
  # A public sink that was allowed a moment ago is now refused: the label was raised.
  hook webfetch_pypi.json "$SESSION"
  expect_decision "pypi after the finance read" deny "deny.flow.label_exceeds_clearance"
  expect_contains "flow reason names the label" "$(reason)" "confidential{financial}"
  hook websearch.json "$SESSION"
  expect_decision "WebSearch after the finance read" deny "rule no-web-search-after-confidential"
  # Outside content on top of confidential data: the agent's own tools now ask.
  hook post_webfetch.json "$SESSION"
  expect_post "PostToolUse WebFetch"
  hook task.json "$SESSION"
  expect_decision "Task when untrusted and confidential" ask "rule untrusted-and-confidential"
fi
# The label belongs to that session only.
hook webfetch_pypi.json s-other-session
expect_decision "pypi in another session" allow "rule agent-model-and-packages"
# PostToolUse WebFetch alone marks the session untrusted but public: still allowed.
hook post_webfetch.json s-untrusted-only
expect_post "PostToolUse WebFetch (public session)"
hook task.json s-untrusted-only
expect_decision "Task when untrusted only" allow "rule agent-own-tools"

# --- Hostile input: always a block, a reason, and a bounded run time --------------------------
# 100 MB on stdin, streamed (the hook stops reading at its 32 MiB limit).
set +o pipefail +e
python3 -c '
import sys
out = sys.stdout.buffer
out.write(b"{\"session_id\":\"s-big\",\"hook_event_name\":\"PreToolUse\",\"tool_name\":\"Write\",\"tool_input\":{\"file_path\":\"/tmp/x\",\"content\":\"")
chunk = b"A" * (1 << 20)
try:
    for _ in range(100): out.write(chunk)
    out.write(b"\"}}")
    out.flush()
except BrokenPipeError:
    pass
' 2>/dev/null | timeout 60 "$AIRLOCK" hook >"$WORK/out" 2>"$WORK/err"
RC=${PIPESTATUS[1]}
set -o pipefail -e
OUT=$(cat "$WORK/out")
ERR=$(cat "$WORK/err")
expect_blocked "100 MB payload"
expect_eq "100 MB payload: exit 2" "$RC" 2
expect_contains "100 MB payload: says why" "$ERR" "larger than"
# Plain 100 MB of zeros too (no JSON at all).
set +o pipefail +e
head -c 100000000 /dev/zero | timeout 60 "$AIRLOCK" hook >"$WORK/out" 2>"$WORK/err"
RC=${PIPESTATUS[1]}
set -o pipefail -e
OUT=$(cat "$WORK/out")
ERR=$(cat "$WORK/err")
expect_blocked "100 MB of zeros"

# Invalid UTF-8 inside tool_input (raw bytes in a JSON string).
render read_project.json s-utf8 >"$WORK/p.json"
python3 - "$WORK/p.json" <<'PY'
import sys
p = sys.argv[1]
b = open(p, "rb").read().replace(b"src/main.cpp", b"src/\xff\xfe\xc3(.cpp", 1)
open(p, "wb").write(b)
PY
call <"$WORK/p.json"
expect_blocked "invalid UTF-8 in file_path"
render bash_build.json s-utf8-bash >"$WORK/p.json"
python3 - "$WORK/p.json" <<'PY'
import sys
p = sys.argv[1]
b = open(p, "rb").read().replace(b"cmake --build", b"cat ~/.ssh/id_rsa; \xc0\xaf cmake --build", 1)
open(p, "wb").write(b)
PY
call <"$WORK/p.json"
expect_blocked "invalid UTF-8 in a Bash command"
# An escaped lone surrogate is not valid Unicode either.
hook read_project.json s-surrogate 's|src/main.cpp|src/\\ud800.cpp|'
expect_blocked "lone surrogate in file_path"

# A NUL byte in file_path: the name the kernel would see stops at the NUL.
hook read_ssh_key.json s-nul 's|/.ssh/id_rsa|/.ssh/id_rsa\\u0000.txt|'
expect_blocked "NUL in a secret file_path"
hook read_project.json s-nul2 's|src/main.cpp|src/main.cpp\\u0000|'
expect_blocked "NUL in a project file_path"
hook write_project.json s-nul3 's|src/util.cpp|src/util.cpp\\u0000/../../../../../../etc/hosts|'
expect_blocked "NUL in a Write file_path"
hook bash_build.json s-nul4 's|cmake --build build -j2|cat ~/project/a\\u0000; cat ~/.ssh/id_rsa|'
expect_blocked "NUL in a Bash command"

# tool_input of the wrong type.
hook read_project.json s-array 's|"tool_input": {|"tool_input": [{|; s|^  },$|  }],|'
expect_contains "wrong-type payload is an array" "$(cat "$WORK/payload.json")" '"tool_input": [{'
expect_blocked "tool_input is an array"
expect_eq "tool_input is an array: exit 2" "$RC" 2
printf '{"session_id":"s-str","cwd":"%s","permission_mode":"default","hook_event_name":"PreToolUse","tool_name":"Read","tool_input":"%s","tool_use_id":"toolu_1"}' \
  "$HOME/project" "$HOME/.ssh/id_rsa" >"$WORK/p.json"
call <"$WORK/p.json"
expect_blocked "tool_input is a string"
hook read_project.json s-num 's|"file_path": "[^"]*"|"file_path": 42|'
expect_blocked "file_path is a number"
hook bash_build.json s-cmdarr 's|"command": "\([^"]*\)"|"command": ["\1"]|'
expect_blocked "Bash command is an array"

# Missing or odd fields.
hook read_ssh_key.json s-notool '/"tool_name"/d'
expect_blocked "missing tool_name"
expect_eq "missing tool_name: exit 2" "$RC" 2
expect_contains "missing tool_name: reason" "$ERR" "tool_name"
hook read_ssh_key.json s-noinput '/"tool_input"/,/^  },$/d'
expect_blocked "missing tool_input"
hook read_ssh_key.json s-noevent '/"hook_event_name"/d'
expect_blocked "missing hook_event_name"
hook read_ssh_key.json s-event 's|"PreToolUse"|"UserPromptSubmit"|'
expect_blocked "unsupported hook event"
hook read_project.json s-nopath 's|"file_path": "[^"]*"|"file_path": ""|'
expect_blocked "empty file_path"
# PostToolUse that cannot say what happened blocks too (the session could not be tainted).
hook post_read_finance.json s-post-notool '/"tool_name"/d'
expect_eq "PostToolUse without tool_name: exit 2" "$RC" 2
expect_contains "PostToolUse without tool_name: reason" "$ERR" "deny.invalid_request"
hook post_read_finance.json s-post-nopath 's|"file_path": "[^"]*"|"file_path": ""|'
expect_eq "PostToolUse Read without file_path: exit 2" "$RC" 2
# MultiEdit's new content (edits[].new_string) is audited as a digest and size, never as text.
hook multiedit_project.json s-multiedit-digest
last=$("$AIRLOCK" audit tail -n 1 --json)
expect_contains "MultiEdit audited with a digest" "$last" '"digest":"'
expect_not_contains "MultiEdit digest not null" "$last" '"digest":null' 
hook mcp_github_create_issue.json s-badmcp 's|mcp__github__create_issue|mcp__github__|'
expect_blocked "malformed MCP tool name"
long=$(head -c 400 /dev/zero | tr '\0' s)
hook read_project.json "$long"
expect_blocked "overlong session_id"

# Empty stdin, whitespace, JSON that is not an object, truncated JSON.
call </dev/null
expect_blocked "empty stdin"
expect_eq "empty stdin: exit 2" "$RC" 2
printf '   \n' >"$WORK/p.json"
call <"$WORK/p.json"
expect_blocked "whitespace only"
printf '[]' >"$WORK/p.json"
call <"$WORK/p.json"
expect_blocked "a JSON array"
printf 'null' >"$WORK/p.json"
call <"$WORK/p.json"
expect_blocked "JSON null"
render read_ssh_key.json s-trunc | head -c 120 >"$WORK/p.json"
call <"$WORK/p.json"
expect_blocked "truncated payload"
render read_ssh_key.json s-trailing >"$WORK/p.json"
printf '{"tool_name":"Read"}' >>"$WORK/p.json"
call <"$WORK/p.json"
expect_blocked "two JSON documents"

# --- The audit trail ---------------------------------------------------------------------------
set +e
"$AIRLOCK" audit export >"$WORK/export.jsonl" 2>"$WORK/export.err"
rc=$?
set -e
expect_eq "audit export" "$rc" 0
expect_not_contains "attacker key not in the audit trail" "$(cat "$WORK/export.jsonl")" "$KEY"
expect_not_contains "attacker key suffix not in the audit trail" "$(cat "$WORK/export.jsonl")" "ATTACKER-key"
expect_contains "the exfiltration attempt is audited" "$(cat "$WORK/export.jsonl")" "POST https://api.anthropic.com/v1/files"
expect_not_contains "secret file content not in the audit trail" "$(cat "$WORK/export.jsonl")" "hunter2"
"$AIRLOCK" audit verify >/dev/null && ok || bad "audit verify"
finish
