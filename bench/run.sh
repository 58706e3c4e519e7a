#!/usr/bin/env bash
# Every benchmark of docs/PERFORMANCE.md in one sitting, with the peers measured beside ours.
# Run by `make bench` after the bench preset is built. Environment:
#   N=100000        timed decisions for the policy workload (the peers' harness default)
#   PEER_N=20000    timed decisions per peer variant (Cedar/casbin take ~2 ms each)
#   PEERS=0         skip the peers (they need node and the npm registry)
#   DLP=0           skip the DLP section (bench/dlp.sh, which has its own variables)
#   PROXY=0         skip the egress-proxy section (bench/proxy.sh, which has its own variables)
#   INSPECT=0       skip the document-inspection section (bench/inspect.sh, which has its own variables)
#   MCP=0           skip the MCP-proxy section (bench/mcp.sh, which has its own variables)
# Results go to build/bench/results/ (JSON lines, Google Benchmark JSON, hyperfine markdown).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
B="$ROOT/build/bench"
OUT="$B/results"
SHARED="${SHARED:-$ROOT/../shared/bench/policy}"
N="${N:-100000}"
PEER_N="${PEER_N:-20000}"
mkdir -p "$OUT"
WORK=$(mktemp -d /tmp/airlock-bench-XXXXXX)
trap 'rm -rf "$WORK"' EXIT

echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2-), load $(cut -d' ' -f1-3 /proc/loadavg)"

echo "== 1. policy workload (1,000 rules, 10,000 requests; every decision checked)"
: >"$OUT/policy.jsonl"
if [ -f "$SHARED/workload.json" ]; then
  "$B/bench/policy_workload" "$SHARED/workload.json" --n "$N" | tee -a "$OUT/policy.jsonl"
  "$B/bench/policy_workload" "$SHARED/workload.json" --n 20000 --variant linear | tee -a "$OUT/policy.jsonl"
  if [ "${PEERS:-1}" != 0 ] && command -v node >/dev/null; then
    echo "== 1b. peers: Cedar (cedar-wasm) and casbin on the same workload, N=$PEER_N"
    cp -r "$SHARED" "$WORK/peers" && chmod -R u+w "$WORK/peers"
    (cd "$WORK/peers" && N="$PEER_N" ./run.sh >/dev/null)
    cat "$WORK/peers/results/main.jsonl" >>"$OUT/policy.jsonl"
  fi
  if command -v node >/dev/null; then node "$SHARED/summarize.mjs" "$OUT/policy.jsonl"; fi
else
  echo "skipped: $SHARED/workload.json not found"
fi

echo "== 2. index vs linear from 100 to 10,000 rules; the whole gate pipeline"
"$B/bench/policy_scaling" --benchmark_min_time=1 --benchmark_out="$OUT/scaling.json" --benchmark_out_format=json

echo "== 3. airlock hook, whole process (release build), beside minimal hooks in Python and node"
mkdir -p "$WORK/home/proj" "$WORK/state"
echo 'print("hello")' >"$WORK/home/proj/main.py"
cat >"$WORK/pre.json" <<JSON
{"session_id":"bench-session","transcript_path":"$WORK/t.jsonl","cwd":"$WORK/home/proj","permission_mode":"default","hook_event_name":"PreToolUse","tool_name":"Read","tool_input":{"file_path":"$WORK/home/proj/main.py"},"tool_use_id":"toolu_01"}
JSON
cat >"$WORK/bash.json" <<JSON
{"session_id":"bench-session","transcript_path":"$WORK/t.jsonl","cwd":"$WORK/home/proj","permission_mode":"default","hook_event_name":"PreToolUse","tool_name":"Bash","tool_input":{"command":"grep -rn TODO src | head -20 > todo.txt && curl -s https://pypi.org/simple/requests/"},"tool_use_id":"toolu_02"}
JSON
cat >"$WORK/min.py" <<'PY'
import json, sys
json.load(sys.stdin)
print(json.dumps({"hookSpecificOutput": {"hookEventName": "PreToolUse", "permissionDecision": "allow", "permissionDecisionReason": "ok"}}))
PY
cat >"$WORK/min.js" <<'JS'
let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => { JSON.parse(s);
  console.log(JSON.stringify({ hookSpecificOutput: { hookEventName: "PreToolUse", permissionDecision: "allow", permissionDecisionReason: "ok" } })); });
JS
A="$ROOT/build/release/airlock"
[ -x "$A" ] || A="$B/airlock"
export HOME="$WORK/home" AIRLOCK_HOME="$WORK/state"
"$A" hook <"$WORK/pre.json" >/dev/null  # creates the stores
peers=()
command -v python3 >/dev/null && peers+=("python3 -S $WORK/min.py < $WORK/pre.json")
command -v node >/dev/null && peers+=("node $WORK/min.js < $WORK/pre.json")
# `airlock --version` is the floor: starting the binary and parsing the command line.
hyperfine --warmup 20 --runs 200 --export-markdown "$OUT/hook.md" --export-json "$OUT/hook.json" \
  "$A hook < $WORK/pre.json" "$A hook < $WORK/bash.json" "$A --version" "${peers[@]}"
if command -v python3 >/dev/null; then
  python3 -c 'import json,sys
for r in json.load(open(sys.argv[1]))["results"]:
    print("median %7.2f ms  %s" % (r["median"] * 1000, r["command"]))' "$OUT/hook.json"
fi
if [ "${DLP:-1}" != 0 ]; then
  echo "== 4. DLP scanner: throughput, precision/recall, streaming memory, beside secretlint"
  BENCH_BUILD="$B" AIRLOCK="$A" bash "$ROOT/bench/dlp.sh"
fi
[ "${PROXY:-1}" = 0 ] || { echo "== 5. egress proxy beside tinyproxy, squid, mitmproxy"; BENCH_BUILD="$B" AIRLOCK="$A" bash "$ROOT/bench/proxy.sh"; }
[ "${INSPECT:-1}" = 0 ] || { echo "== 6. document inspection per format"; BENCH_BUILD="$B" AIRLOCK="$A" bash "$ROOT/bench/inspect.sh"; }
[ "${MCP:-1}" = 0 ] || { echo "== 7. MCP proxy beside direct"; BENCH_BUILD="$B" AIRLOCK="$A" bash "$ROOT/bench/mcp.sh"; }
echo "results in $OUT"
