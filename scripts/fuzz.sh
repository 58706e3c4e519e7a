#!/usr/bin/env bash
# Runs every libFuzzer target of build/fuzz for SECONDS each (default 60) on a scratch copy of
# its seed corpus, so new inputs do not land in the repository. Crashes are left in
# build/fuzz/findings/<target>/ and make the script exit non-zero.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SECONDS_EACH="${SECONDS_EACH:-${1:-60}}"
OUT="$ROOT/build/fuzz/findings"
mkdir -p "$OUT"
status=0
for bin in "$ROOT"/build/fuzz/fuzz/*_fuzz; do
  name=$(basename "$bin" _fuzz)
  work=$(mktemp -d /tmp/airlock-fuzz-XXXXXX)
  cp -r "$ROOT/fuzz/corpus/$name/." "$work/"
  mkdir -p "$OUT/$name"
  if "$bin" -max_total_time="$SECONDS_EACH" -max_len=8192 -rss_limit_mb=2048 -artifact_prefix="$OUT/$name/" "$work" \
      >"$OUT/$name.log" 2>&1; then
    echo "$name: ok, $(grep -o 'Done [0-9]* runs in [0-9]* second' "$OUT/$name.log" | tail -1 || echo 'no summary')"
  else
    echo "$name: FAILED, see $OUT/$name.log"
    status=1
  fi
  rm -rf "$work"
done
exit $status
