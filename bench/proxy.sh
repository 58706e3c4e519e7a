#!/usr/bin/env bash
# The egress-proxy figures of docs/PERFORMANCE.md ("Egress proxy"): `airlock proxy` beside
# tinyproxy, squid and mitmproxy, all in front of one nginx on loopback, in one sitting.
# Run by bench/run.sh (`make bench`) and alone by `make bench-proxy`. Environment:
#   AIRLOCK=build/release/airlock   the binary measured
#   BENCH_BUILD=build/bench         results go to $BENCH_BUILD/results/proxy-*
#   DURATION=10      seconds of load per run
#   CONCURRENCY=32   concurrent keep-alive client connections per run
#   REPS=3           runs of every configuration, interleaved (the median is reported)
#   UPLOAD_MB=50     size of the upload body, MiB (section 2)
#   UPLOAD_RUNS=5    hyperfine runs per upload configuration
#   CONNS=1000       connections held open for the memory figures (section 3)
#   PEERS=0          skip tinyproxy, squid and mitmproxy
#   DEPS=0           do not run scripts/bench-deps.sh (the Debian packages must be there)
#   LAYOUT=shared    shared: nginx and the proxy under test share core 0, the load generator has
#                    core 1. split: the proxy under test has core 0 to itself, nginx and the load
#                    generator share core 1 (direct runs too), so that a proxy that keeps up shows
#                    as ~100 % of direct instead of as the share of a core it takes from nginx.
#                    Results of a split run go to proxy-*-split.*
#   SECTIONS="1 2 3" which sections run (1 includes 1b)
#   MATCH=REGEX      section 1: only the configurations whose name matches (e.g. 'connect')
#
# What runs where (LAYOUT=shared): nginx (one process, the upstream of every configuration) and
# the proxy under test share core 0; the load generator runs on core 1. Clients: hey (Go; the only one of the
# available tools that speaks through a proxy with CONNECT, so every HTTPS figure uses it) and,
# for plain http, wrk (absolute-form requests sent to the proxy's port by a Lua script). Only
# 127.0.0.1 is used; every server listens there only.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
A="${AIRLOCK:-$ROOT/build/release/airlock}"
B="${BENCH_BUILD:-$ROOT/build/bench}"
OUT="$B/results"
DUR="${DURATION:-10}"
CONC="${CONCURRENCY:-32}"
REPS="${REPS:-3}"
UPLOAD_MB="${UPLOAD_MB:-50}"
UPLOAD_RUNS="${UPLOAD_RUNS:-5}"
CONNS="${CONNS:-1000}"
PEERS="${PEERS:-1}"
mkdir -p "$OUT"
[ -x "$A" ] || { echo "bench/proxy.sh: $A not found (make release)"; exit 1; }
if ! "$A" --help 2>&1 | grep -qw proxy; then
  echo "skipped: $A has no proxy command"
  exit 0
fi
[ "${DEPS:-1}" = 0 ] || bash "$ROOT/scripts/bench-deps.sh"
for t in nginx hey wrk hyperfine curl openssl python3 taskset; do
  command -v "$t" >/dev/null || { echo "bench/proxy.sh: $t not found (scripts/bench-deps.sh)"; exit 1; }
done
if [ "$PEERS" != 0 ]; then
  for t in tinyproxy squid mitmdump; do
    command -v "$t" >/dev/null || { echo "bench/proxy.sh: $t not found (scripts/bench-deps.sh)"; exit 1; }
  done
fi
CLI_CPU=$(($(nproc) > 1 ? 1 : 0))
PROXY_CPU=0
UP_CPU=0
SUFFIX=""
case "${LAYOUT:-shared}" in
  shared) ;;
  split) UP_CPU=$CLI_CPU SUFFIX="-split" ;;
  *) echo "bench/proxy.sh: LAYOUT must be shared or split"; exit 1 ;;
esac
SECTIONS=" ${SECTIONS:-1 2 3} "
# Every proxy holds 2 descriptors per tunnel; the memory section opens $CONNS of them.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

WORK=$(mktemp -d /tmp/airlock-pbench-XXXXXX)
chmod 755 "$WORK"  # squid drops to its own user and writes its log and pid file under $WORK/squid
PIDS=()
stop_pid() {
  local pid=$1 i
  kill -TERM "$pid" 2>/dev/null || return 0
  for ((i = 0; i < 100; i++)); do
    kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
    sleep 0.05
  done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do stop_pid "$pid"; done
  rm -rf "$WORK"
}
trap cleanup EXIT
unset NO_PROXY no_proxy HTTP_PROXY http_proxy HTTPS_PROXY https_proxy ALL_PROXY all_proxy
export HOME="$WORK/home"
mkdir -p "$HOME"

load() { cut -d' ' -f1-3 /proc/loadavg; }
echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2-), load $(load)"
echo "airlock: $("$A" --version 2>&1 | head -n1); nginx $(nginx -v 2>&1 | sed 's/.*nginx\///'); hey $(dpkg-query -W -f='${Version}' hey 2>/dev/null); $(wrk -v 2>&1 | head -n1 | cut -d' ' -f1-2)"
if [ "$PEERS" != 0 ]; then
  echo "peers: tinyproxy $(tinyproxy -v | cut -d' ' -f2), squid $(squid -v | head -n1 | sed 's/.*Version //'), mitmproxy $(mitmdump --version 2>/dev/null | sed -n 's/^Mitmproxy: *//p')"
fi
echo "layout ${LAYOUT:-shared}: proxies on core $PROXY_CPU, nginx on core $UP_CPU, load generator on core $CLI_CPU; $DUR s x $REPS runs per configuration, $CONC connections"

# Free loopback ports (the kernel's choice; nothing else binds them between here and the start).
read -r P_UPH P_UPS P_TP P_SQ P_MITM < <(python3 -c '
import socket
ss = [socket.socket() for _ in range(5)]
for s in ss: s.bind(("127.0.0.1", 0))
print(*[s.getsockname()[1] for s in ss])')
# The HTTPS upstream listens on 443 when it can: hey puts the URL's host:port into the TLS SNI
# (its tls.Config.ServerName is the request's Host), and airlock refuses a ClientHello whose SNI
# is not the CONNECT host; on the default port the Host header and the SNI carry no port.
if python3 -c 'import socket; s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("127.0.0.1", 443))' 2>/dev/null; then
  P_UPS=443
else
  echo "note: cannot listen on 127.0.0.1:443 (not root, or taken): HTTPS upstream on $P_UPS; hey's CONNECT runs through airlock will fail (SNI 'localhost:$P_UPS')"
fi

# wait_port PORT PID NAME LOG: until something accepts on PORT (60 s at most; PID must live).
wait_port() {
  local i
  for ((i = 0; i < 1200; i++)); do
    if python3 -c 'import socket,sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1).close()' "$1" 2>/dev/null; then
      return 0
    fi
    kill -0 "$2" 2>/dev/null || { echo "$3 exited before listening:"; cat "$4"; exit 1; }
    sleep 0.05
  done
  echo "$3 not listening on $1 after 60 s:"
  cat "$4"
  exit 1
}

# --- the upstream: a throwaway CA, a certificate for localhost, nginx with a 1 KiB file
C="$WORK/ca"
mkdir -p "$C"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$C/upstream-ca.key" \
  -out "$C/upstream-ca.crt" -days 1 -subj "/CN=airlock bench upstream CA" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>"$C/log"
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$C/upstream.key" \
  -out "$C/upstream.csr" -subj "/CN=localhost" 2>>"$C/log"
printf '%s\n' "subjectAltName=DNS:localhost,IP:127.0.0.1" "basicConstraints=critical,CA:FALSE" \
  "keyUsage=critical,digitalSignature" "extendedKeyUsage=serverAuth" >"$C/upstream.ext"
openssl x509 -req -in "$C/upstream.csr" -CA "$C/upstream-ca.crt" -CAkey "$C/upstream-ca.key" \
  -CAcreateserial -days 1 -extfile "$C/upstream.ext" -out "$C/upstream.crt" 2>>"$C/log"
N="$WORK/nginx"
mkdir -p "$N/www"
head -c 1024 /dev/zero | tr '\0' 'a' >"$N/www/small"
# One process (no master), keep-alive without limits so that no client or proxy connection is
# closed by the upstream during a run; POST /upload answers 200 after discarding the body (nginx
# reads it to the end to keep the connection usable).
cat >"$N/nginx.conf" <<EOF
daemon off;
master_process off;
worker_processes 1;
worker_rlimit_nofile 16384;
pid $N/nginx.pid;
error_log $N/error.log warn;
events { worker_connections 8192; }
http {
  access_log off;
  client_body_temp_path $N/body;
  proxy_temp_path $N/proxy;
  fastcgi_temp_path $N/fastcgi;
  uwsgi_temp_path $N/uwsgi;
  scgi_temp_path $N/scgi;
  keepalive_requests 100000000;
  keepalive_timeout 600s;
  sendfile on;
  default_type application/octet-stream;
  server {
    listen 127.0.0.1:$P_UPH;
    listen 127.0.0.1:$P_UPS ssl;
    ssl_certificate $C/upstream.crt;
    ssl_certificate_key $C/upstream.key;
    root $N/www;
    client_max_body_size 0;
    location = /upload { return 200 "received\n"; }
  }
}
EOF
taskset -c "$UP_CPU" nginx -p "$N/" -c "$N/nginx.conf" >"$N/out.log" 2>&1 &
NGINX_PID=$!
PIDS+=("$NGINX_PID")
wait_port "$P_UPH" "$NGINX_PID" nginx "$N/out.log"
wait_port "$P_UPS" "$NGINX_PID" nginx "$N/out.log"
UP_HTTP="http://localhost:$P_UPH/small"
UP_HOSTS=$([ "$P_UPS" = 443 ] && echo localhost || echo "localhost:$P_UPS")  # as in an https URL
UP_HTTPS="https://$UP_HOSTS/small"

# --- airlock: one state directory (with its own CA) per instance; two policies
# The sink names localhost (both ports); --resolve pins it to 127.0.0.1 as an operator would.
# The classify rule is the cowork policy's: every body, URL and header set is scanned for it.
policy() {  # policy FILE EXTRA_SINK_LINE
  cat >"$1" <<YAML
version: 1
users:
  bench: { roles: [bench] }
agents:
  agent: { roles: [bench] }
classify:
  - { detectors: [us_ssn, credit_card, iban], label: "confidential{pii}" }
sinks:
  upstream:
    http: { hosts: [localhost] }
    clearance: "confidential{pii}"
$2
roles:
  bench:
    allow: [{ action: net.request, sink: [upstream] }]
defaults: { decision: deny, non_interactive_ask: deny }
YAML
  "$A" policy lint "$1" >/dev/null
}
policy "$WORK/pass.yaml" ""
policy "$WORK/inspect.yaml" "    inspect: true"
MAX_BODY=$((UPLOAD_MB * 2 * 1048576))
# start_airlock NAME POLICY: exports NAME_PORT, NAME_PID, NAME_HOME (its state directory).
start_airlock() {
  local name=$1 pol=$2 home="$WORK/airlock-$1" pid port
  mkdir -p "$home"
  AIRLOCK_HOME="$home" "$A" ca init >/dev/null
  AIRLOCK_HOME="$home" taskset -c "$PROXY_CPU" "$A" proxy --listen 127.0.0.1:0 --ready-file "$home/ready.json" \
    --policy "$pol" --user bench --agent agent --session bench \
    --resolve "localhost:$P_UPH:127.0.0.1" --resolve "localhost:$P_UPS:127.0.0.1" \
    --upstream-ca "$C/upstream-ca.crt" --max-body "$MAX_BODY" >"$home/log" 2>&1 &
  pid=$!
  PIDS+=("$pid")
  local i
  for ((i = 0; i < 400; i++)); do
    [ -s "$home/ready.json" ] && break
    kill -0 "$pid" 2>/dev/null || { echo "airlock proxy ($name) exited:"; cat "$home/log"; exit 1; }
    sleep 0.05
  done
  port=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["port"])' "$home/ready.json")
  printf -v "${name}_PORT" '%s' "$port"
  printf -v "${name}_PID" '%s' "$pid"
  printf -v "${name}_HOME" '%s' "$home"
}
start_airlock AP "$WORK/pass.yaml"
start_airlock AI "$WORK/inspect.yaml"

# --- peers, each as it ships, with only what a forward proxy on loopback needs
if [ "$PEERS" != 0 ]; then
  mkdir -p "$WORK/tinyproxy"
  # MaxClients: tinyproxy serves each client on a thread of its own, up to this many.
  cat >"$WORK/tinyproxy/tinyproxy.conf" <<EOF
Port $P_TP
Listen 127.0.0.1
Timeout 600
MaxClients 4096
Allow 127.0.0.1
ConnectPort $P_UPS
LogLevel Critical
LogFile "$WORK/tinyproxy/tinyproxy.log"
PidFile "$WORK/tinyproxy/tinyproxy.pid"
DisableViaHeader Yes
EOF
  taskset -c "$PROXY_CPU" tinyproxy -d -c "$WORK/tinyproxy/tinyproxy.conf" >"$WORK/tinyproxy/out.log" 2>&1 &
  TP_PID=$!
  PIDS+=("$TP_PID")
  mkdir -p "$WORK/squid" && chmod 777 "$WORK/squid"
  # No cache, no logs, one process (-N), no pinger; CONNECT allowed to any port from loopback.
  cat >"$WORK/squid/squid.conf" <<EOF
http_port 127.0.0.1:$P_SQ
acl bench src 127.0.0.1/32
http_access allow bench
http_access deny all
cache deny all
cache_mem 8 MB
access_log none
cache_store_log none
cache_log $WORK/squid/cache.log
pid_filename $WORK/squid/squid.pid
coredump_dir $WORK/squid
pinger_enable off
workers 1
shutdown_lifetime 1 seconds
max_filedescriptors 16384
via off
forwarded_for delete
EOF
  taskset -c "$PROXY_CPU" squid -N -f "$WORK/squid/squid.conf" >"$WORK/squid/out.log" 2>&1 &
  SQ_PID=$!
  PIDS+=("$SQ_PID")
  # mitmdump: regular (forward) mode; TLS inside CONNECT is always intercepted; upstream TLS
  # verified against the same CA as airlock's; bodies buffered whole (its default), as airlock.
  mkdir -p "$WORK/mitm"
  taskset -c "$PROXY_CPU" mitmdump -q --listen-host 127.0.0.1 -p "$P_MITM" --set confdir="$WORK/mitm" \
    --set ssl_verify_upstream_trusted_ca="$C/upstream-ca.crt" >"$WORK/mitm/out.log" 2>&1 &
  MITM_PID=$!
  PIDS+=("$MITM_PID")
  wait_port "$P_TP" "$TP_PID" tinyproxy "$WORK/tinyproxy/out.log"
  wait_port "$P_SQ" "$SQ_PID" squid "$WORK/squid/out.log"
  wait_port "$P_MITM" "$MITM_PID" mitmdump "$WORK/mitm/out.log"
fi

# --- the clients
printf 'wrk.path = "%s"\nwrk.headers["Host"] = "localhost:%s"\n' "$UP_HTTP" "$P_UPH" >"$WORK/absolute.lua"
RUNS="$OUT/proxy-runs"
rm -rf "$RUNS"
mkdir -p "$RUNS"
: >"$OUT/proxy-load$SUFFIX.jsonl"
cat >"$WORK/parse.py" <<'PY'
# parse.py CLIENT OUTPUT_FILE NAME REP CPU_JSON: one JSON line from a hey or wrk report.
import json, re, sys
client, path, name, rep, cpu = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), json.loads(sys.argv[5])
t = open(path, errors="replace").read()
row = {"config": name, "client": client, "rep": rep, **cpu}
def secs(v, unit):
    return float(v) * {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0}[unit]
if client == "hey":
    m = re.search(r"Requests/sec:\s+([\d.]+)", t)
    row["rps"] = float(m.group(1)) if m else 0.0
    for p in ("50", "99"):
        m = re.search(r"\s%s%% in ([\d.]+) secs" % p, t)
        row["p" + p + "_ms"] = float(m.group(1)) * 1e3 if m else None
    codes = dict((int(c), int(n)) for c, n in re.findall(r"\[(\d{3})\]\s+(\d+) responses", t))
    row["ok"] = codes.get(200, 0)
    row["non200"] = sum(n for c, n in codes.items() if c != 200)
    errs = re.search(r"Error distribution:\n((?:\s+\[\d+\].*\n?)+)", t)
    row["errors"] = sum(int(n) for n in re.findall(r"\[(\d+)\]", errs.group(1))) if errs else 0
    row["error_sample"] = errs.group(1).strip().splitlines()[0][:200] if errs else ""
else:
    m = re.search(r"Requests/sec:\s+([\d.]+)", t)
    row["rps"] = float(m.group(1)) if m else 0.0
    for p in ("50", "99"):
        m = re.search(r"\s%s%%\s+([\d.]+)(us|ms|s|m)\b" % p, t)
        row["p" + p + "_ms"] = secs(m.group(1), m.group(2)) * 1e3 if m else None
    m = re.search(r"(\d+) requests in", t)
    total = int(m.group(1)) if m else 0
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", t)
    row["non200"] = int(m.group(1)) if m else 0
    row["ok"] = total - row["non200"]
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", t)
    row["errors"] = sum(map(int, m.groups())) if m else 0
    row["error_sample"] = m.group(0) if m else ""
n = max(row["ok"] + row["non200"], 1)
for k in ("proxy_cpu_s", "upstream_cpu_s", "client_cpu_s"):
    if row.get(k) is not None:
        row[k.replace("_cpu_s", "_cpu_us_per_req")] = round(row[k] / n * 1e6, 1)
print(json.dumps(row))
PY
# cpu_ticks PID: user+system clock ticks of the whole process (every thread) so far.
cpu_ticks() { if [ -n "$1" ] && [ -r "/proc/$1/stat" ]; then awk '{print $14 + $15}' "/proc/$1/stat"; else echo 0; fi; }
TCK=$(getconf CLK_TCK)
# run_load NAME CLIENT PROXY_PID URL [PROXY_PORT] REP SECONDS: one timed run, recorded.
run_load() {
  local name=$1 client=$2 ppid=$3 url=$4 pport=$5 rep=$6 secs=$7 f p0 u0 p1 u1 cpu
  f="$RUNS/$name.$client.$rep.txt"
  local cmd=()
  if [ "$client" = hey ]; then
    cmd=(hey -cpus 1 -c "$CUR_CONC" -z "${secs}s" -disable-compression)
    [ -z "$pport" ] || cmd+=(-x "http://127.0.0.1:$pport")
    cmd+=("$url")
  elif [ -z "$pport" ]; then
    cmd=(wrk -t1 -c"$CUR_CONC" -d"${secs}s" --latency "$url")
  else
    cmd=(wrk -t1 -c"$CUR_CONC" -d"${secs}s" --latency -s "$WORK/absolute.lua" "http://127.0.0.1:$pport/")
  fi
  echo "$ taskset -c $CLI_CPU ${cmd[*]}" >"$f"
  p0=$(cpu_ticks "$ppid")
  u0=$(cpu_ticks "$NGINX_PID")
  /usr/bin/time -f 'client cpu %U %S' -a -o "$f" taskset -c "$CLI_CPU" "${cmd[@]}" >>"$f" 2>&1 || true
  p1=$(cpu_ticks "$ppid")
  u1=$(cpu_ticks "$NGINX_PID")
  [ "$rep" -gt 0 ] || return 0  # warm-up
  cpu=$(python3 -c 'import json,re,sys
t=open(sys.argv[1]).read(); m=re.findall(r"client cpu ([\d.]+) ([\d.]+)", t)
tck=float(sys.argv[7])
print(json.dumps({"proxy_cpu_s": (int(sys.argv[3])-int(sys.argv[2]))/tck if sys.argv[8] else None,
                  "upstream_cpu_s": (int(sys.argv[5])-int(sys.argv[4]))/tck,
                  "client_cpu_s": float(m[-1][0])+float(m[-1][1]) if m else None, "load": sys.argv[6]}))' \
    "$f" "$p0" "$p1" "$u0" "$u1" "$(load)" "$TCK" "$ppid")
  python3 "$WORK/parse.py" "$client" "$f" "$name" "$rep" "$cpu" | tee -a "$LOAD_JSONL" |
    python3 -c 'import json,sys; r=json.loads(sys.stdin.read())
print("  %-22s %-4s run %d: %9.0f req/s  p50 %7.2f ms  p99 %7.2f ms  ok %d  non-200 %d  errors %d  proxy CPU %s us/req  load %s" % (
  r["config"], r["client"], r["rep"], r["rps"], r["p50_ms"] or -1, r["p99_ms"] or -1, r["ok"], r["non200"], r["errors"],
  r.get("proxy_cpu_us_per_req", "-"), r["load"]))'
}

if [[ $SECTIONS == *" 1 "* ]]; then
echo "== 1. small GET (1 KiB), $CONC keep-alive connections"
CUR_CONC=$CONC
LOAD_JSONL="$OUT/proxy-load$SUFFIX.jsonl"
# name client proxy-pid url proxy-port
CONFIGS=(
  "direct-http hey - $UP_HTTP -"
  "direct-http wrk - $UP_HTTP -"
  "airlock-forward hey $AP_PID $UP_HTTP $AP_PORT"
  "airlock-forward wrk $AP_PID $UP_HTTP $AP_PORT"
  "direct-https hey - $UP_HTTPS -"
  "direct-https wrk - $UP_HTTPS -"
  "airlock-connect hey $AP_PID $UP_HTTPS $AP_PORT"
  "airlock-inspect hey $AI_PID $UP_HTTPS $AI_PORT"
)
if [ "$PEERS" != 0 ]; then
  CONFIGS+=(
    "tinyproxy-forward hey $TP_PID $UP_HTTP $P_TP"
    "tinyproxy-forward wrk $TP_PID $UP_HTTP $P_TP"
    "squid-forward hey $SQ_PID $UP_HTTP $P_SQ"
    "squid-forward wrk $SQ_PID $UP_HTTP $P_SQ"
    "mitmproxy-forward hey $MITM_PID $UP_HTTP $P_MITM"
    "tinyproxy-connect hey $TP_PID $UP_HTTPS $P_TP"
    "squid-connect hey $SQ_PID $UP_HTTPS $P_SQ"
    "mitmproxy-inspect hey $MITM_PID $UP_HTTPS $P_MITM"
  )
fi
if [ -n "${MATCH:-}" ]; then
  kept=()
  for c in "${CONFIGS[@]}"; do [[ ${c%% *} =~ $MATCH ]] && kept+=("$c"); done
  CONFIGS=("${kept[@]}")
fi
echo "warm-up: 2 s of each configuration (not recorded)"
for c in "${CONFIGS[@]}"; do
  read -r name client ppid url pport <<<"$c"
  [ "$ppid" != - ] || ppid=""
  [ "$pport" != - ] || pport=""
  run_load "$name" "$client" "$ppid" "$url" "$pport" 0 2
done
for ((rep = 1; rep <= REPS; rep++)); do
  echo "round $rep of $REPS (load $(load))"
  for c in "${CONFIGS[@]}"; do
    read -r name client ppid url pport <<<"$c"
    [ "$ppid" != - ] || ppid=""
    [ "$pport" != - ] || pport=""
    run_load "$name" "$client" "$ppid" "$url" "$pport" "$rep" "$DUR"
  done
done
cat >"$WORK/summary.py" <<'PY'
# summary.py JSONL: one markdown row per configuration and client, medians over the runs.
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
by = {}
for r in rows:
    by.setdefault((r["config"], r["client"]), []).append(r)
def med(rs, k):
    v = [r[k] for r in rs if r.get(k) is not None]
    return statistics.median(v) if v else None
suffix = "-c1" if any(c.endswith("-c1") for c, _ in by) else ""
base = {("http", c): med(by.get(("direct-http" + suffix, c), []), "rps") for c in ("hey", "wrk")}
base.update({("https", c): med(by.get(("direct-https" + suffix, c), []), "rps") for c in ("hey", "wrk")})
print("| configuration | client | req/s (median of %d) | range | vs direct | p50 ms | p99 ms | proxy CPU µs/req | nginx CPU µs/req | client CPU µs/req | non-200 | errors |" % max(len(v) for v in by.values()))
print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
for (cfg, cl), rs in by.items():
    scheme = "https" if ("connect" in cfg or "inspect" in cfg or cfg.startswith("direct-https")) else "http"
    rps = med(rs, "rps")
    b = base.get((scheme, cl))
    lo, hi = min(r["rps"] for r in rs), max(r["rps"] for r in rs)
    pc = med(rs, "proxy_cpu_us_per_req")
    uc = med(rs, "upstream_cpu_us_per_req")
    cc = med(rs, "client_cpu_us_per_req")
    ms = lambda k: "%.2f" % med(rs, k) if med(rs, k) is not None else "–"
    print("| %s | %s | %s | %s–%s | %s | %s | %s | %s | %s | %s | %d | %d |" % (
        cfg, cl, format(round(rps), ","), format(round(lo), ","), format(round(hi), ","),
        "%.0f %%" % (100 * rps / b) if b else "", ms("p50_ms"), ms("p99_ms"),
        "%.0f" % pc if pc is not None else "–", "%.0f" % uc if uc is not None else "–",
        "%.0f" % cc if cc is not None else "–", sum(r["non200"] for r in rs), sum(r["errors"] for r in rs)))
PY
python3 "$WORK/summary.py" "$OUT/proxy-load$SUFFIX.jsonl" | tee "$OUT/proxy-load$SUFFIX.md"

echo "== 1b. the same GET on one keep-alive connection (latency without queueing), hey, ${DUR} s each"
CUR_CONC=1
LOAD_JSONL="$OUT/proxy-latency$SUFFIX.jsonl"
: >"$LOAD_JSONL"
for c in "direct-http hey - $UP_HTTP -" "airlock-forward hey $AP_PID $UP_HTTP $AP_PORT" \
  "direct-https hey - $UP_HTTPS -" "airlock-connect hey $AP_PID $UP_HTTPS $AP_PORT" \
  "airlock-inspect hey $AI_PID $UP_HTTPS $AI_PORT" \
  ${SQ_PID:+"squid-forward hey $SQ_PID $UP_HTTP $P_SQ"} ${MITM_PID:+"mitmproxy-inspect hey $MITM_PID $UP_HTTPS $P_MITM"}; do
  [[ -z "${MATCH:-}" || ${c%% *} =~ $MATCH ]] || continue
  read -r name client ppid url pport <<<"$c"
  [ "$ppid" != - ] || ppid=""
  [ "$pport" != - ] || pport=""
  run_load "$name-c1" "$client" "$ppid" "$url" "$pport" 1 "$DUR"
done
python3 "$WORK/summary.py" "$LOAD_JSONL" | tee "$OUT/proxy-latency$SUFFIX.md"

fi
if [[ $SECTIONS == *" 2 "* ]]; then
echo "== 2. upload: one ${UPLOAD_MB} MiB POST, curl, hyperfine ($UPLOAD_RUNS runs); load $(load)"
python3 - "$WORK/upload.bin" "$UPLOAD_MB" <<'PY'
# Text that no detector takes for anything: lines of words, no digits.
import random, sys
words = "the of and a to in is that it for on with as was be by this are or at from an have not but".split()
rnd = random.Random(7)
line_pool = [" ".join(rnd.choice(words) for _ in range(12)) + "\n" for _ in range(4096)]
want = int(sys.argv[2]) << 20
with open(sys.argv[1], "w") as f:
    n = 0
    while n < want:
        l = line_pool[rnd.randrange(4096)][: want - n]
        f.write(l)
        n += len(l)
PY
UPLOAD_URL="https://$UP_HOSTS/upload"
CURL="taskset -c $CLI_CPU curl -sS -f -o /dev/null -H 'Expect:' -H 'Content-Type: application/octet-stream' --data-binary @$WORK/upload.bin"
up=("direct https" "$CURL --noproxy '*' --cacert $C/upstream-ca.crt $UPLOAD_URL"
  "direct http" "$CURL --noproxy '*' http://localhost:$P_UPH/upload"
  "airlock inspect (https)" "$CURL --noproxy '' -x http://127.0.0.1:$AI_PORT --cacert $AI_HOME/ca/ca.crt $UPLOAD_URL"
  "airlock CONNECT pass-through (https)" "$CURL --noproxy '' -x http://127.0.0.1:$AP_PORT --cacert $C/upstream-ca.crt $UPLOAD_URL"
  "airlock forward (http; body read and scanned)" "$CURL --noproxy '' -x http://127.0.0.1:$AP_PORT http://localhost:$P_UPH/upload")
[ "$PEERS" = 0 ] || up+=("mitmproxy inspect (https)" "$CURL --noproxy '' -x http://127.0.0.1:$P_MITM --cacert $WORK/mitm/mitmproxy-ca-cert.pem $UPLOAD_URL")
hf=()
for ((i = 0; i < ${#up[@]}; i += 2)); do
  # Once first: the status must be 200 (curl -f).
  bash -c "${up[$((i + 1))]}" || { echo "upload failed: ${up[$((i + 1))]}"; exit 1; }
  hf+=(-n "${up[$i]}" "${up[$((i + 1))]}")
done
echo "commands:"
for ((i = 1; i < ${#up[@]}; i += 2)); do echo "  ${up[$i]}"; done | tee "$OUT/proxy-upload-commands.txt"
hyperfine --warmup 1 --runs "$UPLOAD_RUNS" --export-json "$OUT/proxy-upload.json" \
  --export-markdown "$OUT/proxy-upload.md" "${hf[@]}" >"$WORK/hyperfine-upload.log" 2>&1 ||
  { cat "$WORK/hyperfine-upload.log"; exit 1; }
python3 - "$OUT/proxy-upload.json" "$UPLOAD_MB" <<'PY' | tee "$OUT/proxy-upload.txt"
import json, sys
mb = int(sys.argv[2]) * 1048576 / 1e6
for r in json.load(open(sys.argv[1]))["results"]:
    print("  %-46s median %7.3f s  mean %7.3f ± %.3f s  = %7.1f MB/s (median)" % (
        r.get("command_name") or r["command"][:46], r["median"], r["mean"], r["stddev"] or 0, mb / r["median"]))
PY
status_mib() {  # status_mib PID: VmRSS and VmHWM in MiB
  [ -r "/proc/$1/status" ] || { echo "process $1 is gone"; return 0; }
  awk '/^VmRSS/ {r = $2} /^VmHWM/ {h = $2} /^Threads/ {t = $2} END {printf "VmRSS %.1f MiB, VmHWM %.1f MiB, %d threads", r / 1024, h / 1024, t}' "/proc/$1/status"
}
echo "memory of the proxies after the uploads:" | tee -a "$OUT/proxy-upload.txt"
for n in "airlock inspect:$AI_PID" "airlock pass:$AP_PID" ${MITM_PID:+"mitmproxy:$MITM_PID"}; do
  echo "  ${n%%:*}: $(status_mib "${n#*:}")"
done | tee -a "$OUT/proxy-upload.txt"

fi
if [[ $SECTIONS == *" 3 "* ]]; then
echo "== 3. memory: $CONNS connections held open at once, five times over (peers: once); load $(load)"
# memclient.py MODE PROXY_PORT N UPSTREAM_PORT CAFILE DIR: opens N connections through the
# proxy (100 at a time), makes one request on each, writes DIR/ready, waits for DIR/close, then
# makes a second request on each (proof that all of them were still alive when the proxy's
# memory was sampled), closes them all and prints a summary. MODE: idle (absolute-form http
# GET, then an idle keep-alive connection), tunnel (CONNECT, TLS through it, GET /small).
cat >"$WORK/memclient.py" <<'PY'
import asyncio, os, ssl, sys
mode, pport, n, uport, cafile, d = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5], sys.argv[6]
ctx = ssl.create_default_context(cafile=cafile)

async def get(r, w, absolute):
    target = "http://localhost:%d/small" % uport if absolute else "/small"
    w.write(("GET %s HTTP/1.1\r\nHost: localhost:%d\r\n\r\n" % (target, uport)).encode())
    await w.drain()
    head = await r.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    await r.readexactly(length)
    return status

async def open_one(sem):
    async with sem:
        r, w = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", pport), 30)
        if mode == "tunnel":
            w.write(("CONNECT localhost:%d HTTP/1.1\r\nHost: localhost:%d\r\n\r\n" % (uport, uport)).encode())
            await w.drain()
            head = await asyncio.wait_for(r.readuntil(b"\r\n\r\n"), 30)
            if b" 200 " not in head.split(b"\r\n", 1)[0] + b" ":
                raise RuntimeError("CONNECT answered " + head.split(b"\r\n", 1)[0].decode())
            await asyncio.wait_for(w.start_tls(ctx, server_hostname="localhost"), 30)
        if await asyncio.wait_for(get(r, w, mode == "idle"), 30) != 200:
            raise RuntimeError("first request not 200")
        return r, w

async def main():
    sem = asyncio.Semaphore(100)
    res = await asyncio.gather(*[open_one(sem) for _ in range(n)], return_exceptions=True)
    conns = [c for c in res if not isinstance(c, BaseException)]
    errs = [repr(e)[:120] for e in res if isinstance(e, BaseException)]
    open(os.path.join(d, "ready"), "w").write("%d\n" % len(conns))
    while not os.path.exists(os.path.join(d, "close")):
        await asyncio.sleep(0.05)
    async def again(r, w):
        async with sem:
            return await asyncio.wait_for(get(r, w, mode == "idle"), 30)
    second = await asyncio.gather(*[again(r, w) for r, w in conns], return_exceptions=True)
    alive = sum(1 for s in second if s == 200)
    for r, w in conns:
        w.close()
    await asyncio.gather(*[w.wait_closed() for r, w in conns], return_exceptions=True)
    print("opened %d of %d, second request ok on %d%s" % (len(conns), n, alive,
          "; first error: " + errs[0] if errs else ""))

asyncio.run(main())
PY
: >"$OUT/proxy-memory.txt"
kib() { awk -v k="$2" '$1 == k":" {print $2}' "/proc/$1/status"; }
# hold NAME PID MODE PORT UPSTREAM_PORT CAFILE CYCLES: samples the proxy's memory before,
# with the connections open, and after they closed, CYCLES times.
hold() {
  local name=$1 pid=$2 mode=$3 port=$4 uport=$5 cafile=$6 cycles=$7 cyc d before open after hwm summary
  for ((cyc = 1; cyc <= cycles; cyc++)); do
    d="$WORK/mem-$name-$mode-$cyc"
    rm -rf "$d"
    mkdir -p "$d"
    before=$(kib "$pid" VmRSS)
    taskset -c "$CLI_CPU" python3 "$WORK/memclient.py" "$mode" "$port" "$CONNS" "$uport" "$cafile" "$d" >"$d/out" 2>&1 &
    local cpid=$! i
    for ((i = 0; i < 2400; i++)); do
      [ -s "$d/ready" ] && break
      kill -0 "$cpid" 2>/dev/null || break
      sleep 0.05
    done
    sleep 1
    open=$(kib "$pid" VmRSS)
    hwm=$(kib "$pid" VmHWM)
    local fds
    fds=$(ls "/proc/$pid/fd" | wc -l)
    touch "$d/close"
    wait "$cpid" || true
    sleep 2
    after=$(kib "$pid" VmRSS)
    summary=$(tail -n 1 "$d/out")
    python3 -c 'import sys
name, mode, cyc, n, before, opn, after, hwm, fds, summary = sys.argv[1:11]
b, o, a, h = (int(x) / 1024 for x in (before, opn, after, hwm))
print("  %-18s %-6s cycle %s: RSS before %6.1f MiB, %s open %6.1f MiB (+%.1f KiB each; %s fds), after close %6.1f MiB; VmHWM %6.1f MiB; client: %s" % (
    name, mode, cyc, b, n, o, (int(opn) - int(before)) / int(n), fds, a, h, summary))' \
      "$name" "$mode" "$cyc" "$CONNS" "$before" "$open" "$after" "$hwm" "$fds" "$summary" | tee -a "$OUT/proxy-memory.txt"
  done
}
alive_check() {
  local n
  for n in "airlock-pass:$AP_PID" "airlock-inspect:$AI_PID" ${TP_PID:+"tinyproxy:$TP_PID"} ${SQ_PID:+"squid:$SQ_PID"} \
    ${MITM_PID:+"mitmproxy:$MITM_PID"} "nginx:$NGINX_PID" "$@"; do
    if kill -0 "${n#*:}" 2>/dev/null; then echo "  ${n%%:*}: alive"; else echo "  ${n%%:*}: DEAD"; fi
  done
}
echo "  after sections 1 and 2 (a crash under load would show here):"
alive_check
# Fresh instances: their baseline is not the load runs' high-water mark.
if [ -n "${MITM_PID:-}" ]; then  # mitmproxy still holds the uploads' memory: a fresh one
  stop_pid "$MITM_PID"
  taskset -c "$PROXY_CPU" mitmdump -q --listen-host 127.0.0.1 -p "$P_MITM" --set confdir="$WORK/mitm" \
    --set ssl_verify_upstream_trusted_ca="$C/upstream-ca.crt" >"$WORK/mitm/out2.log" 2>&1 &
  MITM_PID=$!
  PIDS+=("$MITM_PID")
  wait_port "$P_MITM" "$MITM_PID" mitmdump "$WORK/mitm/out2.log"
  curl -sS -f -o /dev/null --noproxy '' -x "http://127.0.0.1:$P_MITM" --cacert "$WORK/mitm/mitmproxy-ca-cert.pem" "$UP_HTTPS"
fi
start_airlock MP "$WORK/pass.yaml"
start_airlock MI "$WORK/inspect.yaml"
for n in "MP $MP_PORT $C/upstream-ca.crt" "MI $MI_PORT $MI_HOME/ca/ca.crt"; do
  read -r _ port ca <<<"$n"
  # one request of each kind first: the scanner is built, the CA's leaf is made
  curl -sS -f -o /dev/null --noproxy '' -x "http://127.0.0.1:$port" "$UP_HTTP"
  curl -sS -f -o /dev/null --noproxy '' -x "http://127.0.0.1:$port" --cacert "$ca" "$UP_HTTPS"
done
echo "  airlock fresh instances after one request each: pass $(status_mib "$MP_PID"); inspect $(status_mib "$MI_PID")" | tee -a "$OUT/proxy-memory.txt"
hold airlock "$MP_PID" idle "$MP_PORT" "$P_UPH" "$C/upstream-ca.crt" 5
hold airlock "$MP_PID" tunnel "$MP_PORT" "$P_UPS" "$C/upstream-ca.crt" 5
hold airlock-inspect "$MI_PID" tunnel "$MI_PORT" "$P_UPS" "$MI_HOME/ca/ca.crt" 5
if [ "$PEERS" != 0 ]; then
  hold tinyproxy "$TP_PID" tunnel "$P_TP" "$P_UPS" "$C/upstream-ca.crt" 1
  hold squid "$SQ_PID" tunnel "$P_SQ" "$P_UPS" "$C/upstream-ca.crt" 1
  hold mitmproxy "$MITM_PID" tunnel "$P_MITM" "$P_UPS" "$WORK/mitm/mitmproxy-ca-cert.pem" 1
fi

echo "== proxies still alive at the end:"
alive_check "airlock-mem-pass:$MP_PID" "airlock-mem-inspect:$MI_PID"
for h in "$AP_HOME" "$AI_HOME" "$MP_HOME" "$MI_HOME"; do
  if grep -v 'listening on' "$h/log" | grep -q .; then echo "  $(basename "$h") said:"; grep -v 'listening on' "$h/log" | head -n 5; fi
done
fi
echo "load at the end: $(load)"
echo "proxy results in $OUT/proxy-*"
