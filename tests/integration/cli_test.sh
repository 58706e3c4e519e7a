#!/usr/bin/env bash
# airlock check / policy lint / policy test / audit, driven as a user would.
AIRLOCK=$1
SRC=$2
source "$(dirname "$0")/lib.sh"
P="$SRC/policies/cowork.yaml"
export HOME=/home/alice

# --- check from flags
out=$("$AIRLOCK" check --policy "$P" --user alice --agent cowork --session c1 --action fs.read --path '~/Documents/a.docx')
expect_eq "check allow" "$(field decision <<<"$out")" allow
expect_eq "check rule" "$(field rule <<<"$out")" "roles.office-agent.allow[0]"
expect_eq "check reason" "$(field reason <<<"$out")" allow.rule
out=$("$AIRLOCK" check --policy "$P" --user alice --agent cowork --session c1 --action net.request --method POST \
  --url https://api.anthropic.com/v1/files --header 'x-api-key: sk-ant-api03-ATTACKER-key-1111111111')
expect_eq "incident via flags" "$(field reason <<<"$out")" deny.sink.credential_mismatch
expect_not_contains "key not echoed" "$out" "ATTACKER-key-1111111111"

# --- unknown action is a usage error (exit 2)
set +e
"$AIRLOCK" check --policy "$P" --user alice --action fs.readd --path /x >/dev/null 2>&1
expect_eq "unknown action exit" "$?" 2
"$AIRLOCK" check --policy "$P" --bogus-flag >/dev/null 2>&1
expect_eq "unknown flag exit" "$?" 2
set -e

# --- JSON lines: malformed lines are denied, the batch goes on
out=$(printf '%s\n' \
  '{"user":"alice","agent":"cowork","session":"j1","action":"fs.read","path":"~/Documents/x"}' \
  'this is not json' \
  '{"user":"alice","action":"fs.read","path":"/x","color":"red"}' \
  '{"user":"alice","action":"fs.teleport","path":"/x"}' \
  '{"user":"alice","action":"fs.read","path":7}' \
  '{"user":"alice","agent":"cowork","session":"j1","action":"net.request","url":"https://api.anthropic.com/v1/messages","method":"POST","headers":{"x-api-key":"sk-ant-api03-ORGANISATION-demo-key-0000000000"}}' \
  | "$AIRLOCK" check --policy "$P" --json)
mapfile -t lines <<<"$out"
expect_eq "json line count" "${#lines[@]}" 6
expect_eq "json 1" "$(field decision <<<"${lines[0]}")" allow
expect_eq "json 2 malformed" "$(field reason <<<"${lines[1]}")" deny.invalid_request
expect_contains "json 3 unknown field" "${lines[2]}" "unknown field 'color'"
expect_contains "json 4 unknown action" "${lines[3]}" "unknown action 'fs.teleport'"
expect_contains "json 5 wrong type" "${lines[4]}" "field 'path' must be a string"
expect_eq "json 6 allowed model call" "$(field decision <<<"${lines[5]}")" allow

# --- invalid UTF-8 and NUL bytes in a line
out=$(printf '{"user":"alice","action":"fs.read","path":"/a\xff\xfe"}\n{"user":"alice","action":"fs.read","path":"/a\\u0000b"}\n' | "$AIRLOCK" check --policy "$P" --json)
mapfile -t lines <<<"$out"
expect_eq "invalid utf8 denied" "$(field reason <<<"${lines[0]}")" deny.invalid_request
expect_eq "nul denied" "$(field reason <<<"${lines[1]}")" deny.invalid_request

# --- a 100 MB line is refused, not parsed; no crash, no hang
out=$(python3 -c 'import sys; sys.stdout.write("{\"user\":\"alice\",\"action\":\"fs.read\",\"path\":\"/" + "a"*(100*1024*1024) + "\"}\n")' | "$AIRLOCK" check --policy "$P" --json)
expect_eq "100MB denied" "$(field decision <<<"$out")" deny
expect_contains "100MB reason" "$out" "line longer than 64 MiB"

# --- --explain prints the trace
out=$("$AIRLOCK" check --policy "$P" --user alice --agent cowork --session e1 --action fs.read --path '~/Finance/q.csv' --explain)
expect_contains "explain rule matched" "$out" "rule roles.office-agent.ask[0] (ask): matched"
expect_contains "explain rule not matched" "$out" "rule secrets-are-off-limits (deny): condition is false"
expect_contains "explain label" "$out" "is labelled confidential{financial}"

# --- policy lint: errors name file:line:col
cat >"$WORK/bad.yaml" <<'YAML'
version: 1
roles:
  r:
    allow:
      - { action: fs.read, paht: "/x/**" }
YAML
set +e
err=$("$AIRLOCK" policy lint "$WORK/bad.yaml" 2>&1)
rc=$?
set -e
expect_eq "lint bad exit" "$rc" 2
expect_contains "lint position" "$err" "$WORK/bad.yaml:5:28: error: unknown key 'paht' in roles.r.allow[0]"
cat >"$WORK/warn.yaml" <<'YAML'
version: 1
users: { u: { roles: [used] } }
sinks:
  s: { http: { hosts: [a.test] }, clearance: public }
roles:
  used:
    allow: [{ action: fs.read, path: "/data/reports/**" }]
  unused:
    allow: [{ action: fs.read, path: "/x/**" }]
rules:
  - id: no-data
    deny: { action: fs.read, path: "/data/**" }
YAML
out=$("$AIRLOCK" policy lint "$WORK/warn.yaml")
expect_contains "lint unused role" "$out" "role 'unused' is held by no user or agent [unused-role]"
expect_contains "lint unused sink" "$out" "sink 's' is named by no rule"
expect_contains "lint shadowed" "$out" "rule roles.used.allow[0] (allow) never takes effect: deny rule no-data covers everything it matches [shadowed]"
expect_contains "lint never matches" "$out" "rule roles.unused.allow[0] can never match"
out=$("$AIRLOCK" policy lint "$SRC/policies/default.yaml")
expect_contains "lint default ok" "$out" "ok ("

# --- policy test: the shipped tables pass, a wrong expectation fails with a trace
out=$("$AIRLOCK" policy test "$SRC/policies/cowork.test.yaml" "$SRC/policies/default.test.yaml")
expect_contains "cowork table" "$out" "cowork.test.yaml: "
expect_contains "cowork table passes" "$out" " 0 failed"
cat >"$WORK/wrong.test.yaml" <<YAML
policy: $P
home: /home/alice
cases:
  - name: wrong on purpose
    request: { user: alice, agent: cowork, session: w, action: fs.read, path: "~/.ssh/id_rsa" }
    expect: allow
YAML
set +e
out=$("$AIRLOCK" policy test "$WORK/wrong.test.yaml")
rc=$?
set -e
expect_eq "wrong table exit" "$rc" 1
expect_contains "wrong table message" "$out" "FAIL wrong on purpose"
expect_contains "wrong table trace" "$out" "rule secrets-are-off-limits (deny): matched"

# --- audit: tail, export, verify, tamper
out=$("$AIRLOCK" audit tail -n 3)
expect_eq "tail lines" "$(wc -l <<<"$out")" 3
out=$("$AIRLOCK" audit tail -n 1 --json)
expect_contains "tail json" "$out" '"hash":'
n=$("$AIRLOCK" audit export --format jsonl | wc -l)
# 2 from flags, 6 JSON lines, 2 bad-byte lines, the 100 MB line, the explained one: all audited.
expect_eq "export record count" "$n" 12
expect_not_contains "no secrets in the trail" "$("$AIRLOCK" audit export)" "ATTACKER-key-1111111111"
"$AIRLOCK" audit verify >/dev/null && ok || bad "verify intact"
# .backup, not cp: the database may still have records in its WAL file (kept between processes).
sqlite3 "$AIRLOCK_HOME/audit.db" ".backup '$WORK/pristine.db'"
sqlite3 "$AIRLOCK_HOME/audit.db" "UPDATE events SET record = replace(record, '\"deny\"', '\"allow\"') WHERE seq = 2"
set +e
out=$("$AIRLOCK" audit verify)
rc=$?
set -e
expect_eq "tampered exit" "$rc" 1
expect_contains "tampered names record" "$out" "record 2"
rm -f "$AIRLOCK_HOME/audit.db-wal" "$AIRLOCK_HOME/audit.db-shm"; cp "$WORK/pristine.db" "$AIRLOCK_HOME/audit.db"
sqlite3 "$AIRLOCK_HOME/audit.db" "DELETE FROM events WHERE seq = 5"
set +e
out=$("$AIRLOCK" audit verify)
rc=$?
set -e
expect_eq "deleted exit" "$rc" 1
expect_contains "deleted names record" "$out" "deleted"

# --- an unparsable policy denies and says where
printf 'version: 1\nroles: [\n' >"$WORK/broken.yaml"
set +e
err=$("$AIRLOCK" check --policy "$WORK/broken.yaml" --user alice --action fs.read --path /x 2>&1)
rc=$?
set -e
expect_eq "broken policy exit" "$rc" 2
expect_contains "broken policy position" "$err" "broken.yaml:"
finish
