#!/usr/bin/env bash
# The MCP-proxy figures of docs/PERFORMANCE.md ("MCP proxy"): round trips one request at a time,
# directly to the real reference servers and through `airlock mcp`, in one sitting, interleaved.
# Run alone by `make bench-mcp`. Environment:
#   AIRLOCK=build/release/airlock   the binary measured
#   BENCH_BUILD=build/bench         results go to $BENCH_BUILD/results/mcp.jsonl
#   N=2000      timed requests per run (after 20 of warm-up)
#   REPS=3      runs of every configuration (each printed; compare medians)
#   PIN=0       1: client, proxy and server all on CPU 0 (taskset), so that a message's hops are
#               same-CPU wake-ups and the figures show airlock's own cost, not the VM's IPIs
# Cases: `ping` (no policy: relayed as it is), `tools/call echo` on server-everything (a gate
# decision and an observation per call, each audited), and `read_text_file` of a 1 MB file on
# server-filesystem (the result is scanned and inspected). The client is bench/mcp_client.py;
# server and proxy share the machine's two cores with it.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
A="${AIRLOCK:-$ROOT/build/release/airlock}"
B="${BENCH_BUILD:-$ROOT/build/bench}"
OUT="$B/results"
N="${N:-2000}"
REPS="${REPS:-3}"
mkdir -p "$OUT"
[ -x "$A" ] || { echo "bench/mcp.sh: $A not found (make release)"; exit 1; }
PEERS=$(bash "$ROOT/scripts/npm-peers.sh")
FS="$PEERS/node_modules/@modelcontextprotocol/server-filesystem/dist/index.js"
EVERYTHING="$PEERS/node_modules/@modelcontextprotocol/server-everything/dist/index.js"
WORK=$(mktemp -d /tmp/airlock-bench-mcp-XXXXXX)
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/root" "$WORK/state"
python3 -c "import random; r = random.Random(1); print(''.join(r.choice('abcdefghij klmnop\n') for _ in range(1 << 20)), end='')" >"$WORK/root/big.txt"
cat >"$WORK/policy.yaml" <<EOF
version: 1
users:
  bench: { roles: [dev] }
roles:
  dev:
    allow:
      - { action: tool.call, tool: ["everything/*", "filesystem/*"] }
      - { action: [fs.read, fs.list], path: "$WORK/root/**" }
defaults: { decision: deny, non_interactive_ask: deny }
EOF
export AIRLOCK_HOME="$WORK/state" AIRLOCK_POLICY="$WORK/policy.yaml"
if [ "${PIN:-0}" = 1 ]; then
  client() { taskset -c 0 python3 "$ROOT/bench/mcp_client.py" "$@"; }
else
  client() { python3 "$ROOT/bench/mcp_client.py" "$@"; }
fi
[ "${APPEND:-0}" = 1 ] || : >"$OUT/mcp.jsonl"
echo "pinned: ${PIN:-0}; machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2-), load $(cut -d' ' -f1-3 /proc/loadavg)"
for rep in $(seq "$REPS"); do
  for via in direct airlock; do
    if [ "$via" = airlock ]; then
      pe=("$A" mcp --name everything --user bench --session "b$rep" --)
      pf=("$A" mcp --name filesystem --user bench --session "b$rep" --)
    else
      pe=()
      pf=()
    fi
    for spec in "ping|-|{}" "tools/call|echo|{\"message\":\"hello\"}"; do
      IFS='|' read -r method tool args <<<"$spec"
      r=$(client "$N" "$method" "$tool" "$args" -- "${pe[@]}" node "$EVERYTHING" stdio)
      echo "{\"via\":\"$via\",\"pin\":${PIN:-0},\"rep\":$rep,${r:1}" | tee -a "$OUT/mcp.jsonl"
    done
    r=$(client $((N / 100 > 5 ? N / 100 : 5)) tools/call read_text_file "{\"path\":\"$WORK/root/big.txt\"}" -- "${pf[@]}" node "$FS" "$WORK/root")
    echo "{\"via\":\"$via\",\"pin\":${PIN:-0},\"rep\":$rep,${r:1}" | tee -a "$OUT/mcp.jsonl"
  done
done
# Medians of the runs so far in the file, per case: direct, airlock, added.
python3 - "$OUT/mcp.jsonl" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
cases = {}
for r in rows:
    cases.setdefault((r.get("pin", 0), r["method"], r["tool"]), {}).setdefault(r["via"], []).append(r)
print("pin case                      direct p50  airlock p50  added p50   direct msg/s  airlock msg/s  airlock CPU/req")
for (pin, method, tool), v in sorted(cases.items()):
    if "direct" not in v or "airlock" not in v:
        continue
    med = lambda via, k: statistics.median(x[k] for x in v[via])
    d, a = med("direct", "p50_us"), med("airlock", "p50_us")
    print(f"{pin:<3} {method + ' ' + tool:<25} {d:>9.0f}µs {a:>10.0f}µs {a - d:>+9.0f}µs {med('direct', 'msgs_per_s'):>13.0f} "
          f"{med('airlock', 'msgs_per_s'):>14.0f} {med('airlock', 'cmd_cpu_us'):>14.1f}µs")
PY
echo "results: $OUT/mcp.jsonl"
