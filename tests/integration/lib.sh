# Shared helpers for integration tests: `source lib.sh` after setting AIRLOCK and SRC.
set -euo pipefail
WORK=$(mktemp -d /tmp/airlock-it-XXXXXX)
trap 'rm -rf "$WORK"' EXIT
export AIRLOCK_HOME="$WORK/state"
export HOME="$WORK/home"
mkdir -p "$HOME"
unset AIRLOCK_POLICY XDG_CONFIG_HOME XDG_STATE_HOME
PASS=0
FAIL=0
ok() { PASS=$((PASS + 1)); }
bad() { FAIL=$((FAIL + 1)); echo "FAIL: $*" >&2; }
# expect_eq NAME GOT WANT
expect_eq() { if [ "$2" == "$3" ]; then ok; else bad "$1: got [$2], want [$3]"; fi; }
# expect_contains NAME HAYSTACK NEEDLE
expect_contains() { if [[ "$2" == *"$3"* ]]; then ok; else bad "$1: [$3] not in [$2]"; fi; }
expect_not_contains() { if [[ "$2" != *"$3"* ]]; then ok; else bad "$1: [$3] found in [$2]"; fi; }
finish() {
  echo "$PASS passed, $FAIL failed"
  [ "$FAIL" -eq 0 ]
}
# jq-free JSON field extraction for flat string fields.
field() { python3 -c 'import json,sys; d=json.loads(sys.stdin.read()); v=d.get(sys.argv[1]); print("" if v is None else v)' "$1"; }
