#!/usr/bin/env bash
# `airlock demo` (what `make demo` runs) must deny the incident's upload and exit 0.
AIRLOCK=$1
SRC=$2
source "$(dirname "$0")/lib.sh"
out=$("$AIRLOCK" demo)
expect_contains "upload denied" "$out" "deny.sink.credential_mismatch"
expect_contains "verdict" "$out" "was DENIED"
expect_contains "ssh denied" "$out" "secrets-are-off-limits"
expect_contains "eval variant denied" "$(grep -A1 'wrapped in eval' <<<"$out")" "-> deny  airlock: deny (deny.sink.credential_mismatch)"
expect_contains "base64 | sh variant denied" "$(grep -A1 'base64 and fed to sh' <<<"$out")" "-> deny  airlock: deny (deny.rule) rule opaque-commands"
expect_contains "model call allowed" "$(grep -A1 "ordinary model call" <<<"$out")" "-> allow"
expect_contains "trail verified" "$out" "audit verify: ok"
# The shared report's hidden 1-pt white text is found when the read is observed: the session is
# untrusted and the model is told where and how (not what: the attacker's text stays out).
expect_contains "hidden text found on the read" "$(grep -A1 '(PostToolUse) the read is observed' <<<"$out")" "-> (observed: untrusted)"
expect_contains "hidden text: where and how" "$(grep -A1 '(PostToolUse) the read is observed' <<<"$out")" "tiny-font"
expect_not_contains "hidden text: not what it says" "$(grep -A1 '(PostToolUse) the read is observed' <<<"$out")" "auditors"
expect_not_contains "no attacker key in the trail" "$(sed -n '/^audit trail/,$p' <<<"$out")" "ATTACKER-key-1111111111"
finish
