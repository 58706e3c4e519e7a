#!/usr/bin/env bash
# The sandbox figures of docs/PERFORMANCE.md ("Sandbox"), in one sitting. Run alone by
# `make bench-sandbox`. Environment:
#   AIRLOCK=build/release/airlock   the binary measured
#   BENCH_BUILD=build/bench         results go to $BENCH_BUILD/results/sandbox-*.md
#   OPENS=100000                    opens per loop in the per-open measurement
# 1. Start-up: `true`, `airlock run -- true`, and Anthropic's sandbox-runtime (`srt`, npm
#    @anthropic-ai/sandbox-runtime, with Debian's bubblewrap, socat and ripgrep) running `true`, with
#    hyperfine. srt is installed into $BENCH_BUILD/srt by this script (npm).
# 2. Per open: a C loop of OPENS open+close of one file, outside and inside the sandbox, for a
#    runtime file (/etc/hostname: the supervisor resolves the path and lets it through without a
#    gate decision) and a workspace file (a gate decision, audited, per open).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
A="${AIRLOCK:-$ROOT/build/release/airlock}"
B="${BENCH_BUILD:-$ROOT/build/bench}"
OUT="$B/results"
OPENS="${OPENS:-100000}"
mkdir -p "$OUT"
[ -x "$A" ] || { echo "bench/sandbox.sh: $A not found (make release)"; exit 1; }
bash "$ROOT/scripts/deps.sh" bubblewrap socat ripgrep  # srt needs all three
SRT_DIR="$B/srt"
if [ ! -x "$SRT_DIR/node_modules/.bin/srt" ]; then
  mkdir -p "$SRT_DIR"
  (cd "$SRT_DIR" && npm init -y >/dev/null && npm install --silent @anthropic-ai/sandbox-runtime >/dev/null)
fi
SRT="$SRT_DIR/node_modules/.bin/srt"
WORK=$(mktemp -d /var/tmp/airlock-bench-sandbox-XXXXXX)
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/ws" "$WORK/state"
echo data >"$WORK/ws/file.txt"
export AIRLOCK_HOME="$WORK/state"
cat >"$WORK/policy.yaml" <<POL
version: 1
users: { bench: { roles: [r] } }
roles:
  r:
    allow:
      - { action: [fs.read, fs.list, fs.write], path: "$WORK/ws/**" }
      - { action: exec }
defaults: { decision: deny, non_interactive_ask: deny }
POL
RUN=("$A" --policy "$WORK/policy.yaml" run --user bench --workspace "$WORK/ws" --)

echo "== start-up: true, airlock run -- true, srt true"
hyperfine -N --warmup 5 --runs 50 --export-markdown "$OUT/sandbox-startup.md" \
  -n true 'true' \
  -n 'airlock run -- true' "${RUN[*]} true" \
  -n 'srt true' "$SRT true"

echo "== per open: $OPENS open+close, outside and inside"
cat >"$WORK/opens.c" <<'C'
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
int main(int argc, char** argv) {
  long n = atol(argv[2]);
  struct timespec a, b;
  clock_gettime(CLOCK_MONOTONIC, &a);
  for (long i = 0; i < n; ++i) {
    int fd = open(argv[1], O_RDONLY);
    if (fd < 0) { perror(argv[1]); return 1; }
    close(fd);
  }
  clock_gettime(CLOCK_MONOTONIC, &b);
  double us = ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / 1e3 / n;
  printf("%s %.2f us/open\n", argv[1], us);
  return 0;
}
C
cc -O2 -o "$WORK/ws/opens" "$WORK/opens.c"
for f in /etc/hostname "$WORK/ws/file.txt"; do
  n=$OPENS
  [ "$f" = /etc/hostname ] || n=$((OPENS / 10))  # each is an audited decision
  echo "outside: $("$WORK/ws/opens" "$f" "$n")"
  echo "inside:  $("${RUN[@]}" "$WORK/ws/opens" "$f" "$n")"
done | tee "$OUT/sandbox-opens.txt"
