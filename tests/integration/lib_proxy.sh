# Helpers for the egress proxy's integration tests: `source lib_proxy.sh` after lib.sh.
# A recording upstream (tests/support/upstream.py) stands in for api.anthropic.com and
# files.example.com on 127.0.0.1; the proxy runs in the background; both are stopped when the
# script exits (chained in front of lib.sh's EXIT trap, before $WORK is removed).
#
#   make_test_ca DIR        throwaway CA + server certificate: DIR/upstream-ca.crt, upstream.{crt,key}
#   start_upstream DIR      exports UP_HTTP, UP_HTTPS (ports), UP_DIR (the recordings), UP_CA, UP_PID
#   stop_upstream           SIGTERM; sets UP_RC to its exit status
#   start_proxy ARGS…       `airlock proxy --listen 127.0.0.1:0 --ready-file F ARGS…`;
#                           exports PROXY_PORT, PROXY_URL, PROXY_PID, PROXY_LOG
#   stop_proxy              SIGTERM; sets PROXY_RC to its exit status
#   upstream_bytes / upstream_requests / upstream_conns / last_upstream_json
#   upstream_mark, then new_upstream_bytes / new_upstream_requests / new_upstream_lines:
#                           what arrived since the mark (recordings are never deleted while the
#                           server runs: a pooled upstream connection would write into an
#                           unlinked file and its bytes would go uncounted)
#   jget PATH               a field of the JSON on stdin: `jget headers.x-api-key`
#   pcurl ARGS…             curl through the proxy, trusting the airlock CA (never NO_PROXY)
#   dcurl ARGS…             curl straight to the upstream, trusting the upstream CA, no proxy
#   preq ARGS… / dreq ARGS… pcurl / dcurl setting RC, CODE (final status), CONNECT_CODE, BODY, CERR
#   raw_http [--connect HOST:PORT] [--tls SNI [--cacert F] [--no-hostname-check]] PORT
#                           sends stdin's bytes as they are (after the CONNECT and the TLS
#                           handshake, when asked) and prints JSON: connect_status, status,
#                           headers, body, error

# Nothing may bypass the proxy: no proxy variables from the environment, no exclusions.
unset NO_PROXY no_proxy HTTP_PROXY http_proxy HTTPS_PROXY https_proxy ALL_PROXY all_proxy
unset CURL_CA_BUNDLE SSL_CERT_FILE SSL_CERT_DIR REQUESTS_CA_BUNDLE
UPSTREAM_PY="$SRC/tests/support/upstream.py"
_LP_PIDS=()
_LP_N=0

# Stops every background process we started, bounded: SIGTERM, up to 5 s, then SIGKILL.
_lp_stop_pid() {
  local pid=$1 i
  kill -TERM "$pid" 2>/dev/null || return 0
  for ((i = 0; i < 100; i++)); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.05
  done
  echo "lib_proxy: pid $pid ignored SIGTERM for 5 s; killing it" >&2
  kill -KILL "$pid" 2>/dev/null || true
}
_lp_cleanup() {
  local pid
  for pid in "${_LP_PIDS[@]}"; do _lp_stop_pid "$pid"; done
  for pid in "${_LP_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
}
# Chain in front of lib.sh's trap (which removes $WORK), keeping it.
eval "_lp_prev_trap=( $(trap -p EXIT) )"
if [ "${#_lp_prev_trap[@]}" -ge 3 ]; then
  trap "_lp_cleanup; ${_lp_prev_trap[2]}" EXIT
else
  trap _lp_cleanup EXIT
fi
unset _lp_prev_trap

# jget PATH: prints the field at a dotted PATH of the JSON document on stdin (strings as they
# are, other values as JSON, nothing when absent; "<not JSON: …>" when stdin is not JSON, so
# that a comparison fails with the text in view instead of stopping the script).
jget() {
  python3 -c '
import json, sys
text = sys.stdin.read()
try:
    v = json.loads(text or "null")
except ValueError:
    print("<not JSON: %r>" % text[:120]); sys.exit(0)
for k in sys.argv[1].split(".") if sys.argv[1] else []:
    v = v.get(k) if isinstance(v, dict) else (v[int(k)] if isinstance(v, list) and k.isdigit() and int(k) < len(v) else None)
print("" if v is None else v if isinstance(v, str) else json.dumps(v))' "$1"
}

# _lp_wait_ready FILE PID WHAT LOG SECONDS: waits for FILE; fails (exit 1) if PID dies first
# or the time is up, printing the process's log.
_lp_wait_ready() {
  local file=$1 pid=$2 what=$3 log=$4 secs=$5 i
  for ((i = 0; i < secs * 20; i++)); do
    [ -s "$file" ] && return 0
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "FAIL: $what exited before it was ready; its output:" >&2
      cat "$log" >&2
      exit 1
    fi
    sleep 0.05
  done
  echo "FAIL: $what not ready after $secs s; its output:" >&2
  cat "$log" >&2
  exit 1
}

# make_test_ca DIR: a throwaway CA (P-256, 1 day) and a server certificate it signs for the
# names the tests use. Files: DIR/upstream-ca.crt, DIR/upstream.crt, DIR/upstream.key.
make_test_ca() {
  local d=$1
  mkdir -p "$d"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$d/upstream-ca.key" -out "$d/upstream-ca.crt" -days 1 \
    -subj "/CN=airlock test upstream CA" \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" 2>"$d/openssl.log"
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$d/upstream.key" -out "$d/upstream.csr" -subj "/CN=api.anthropic.com" 2>>"$d/openssl.log"
  printf '%s\n' "subjectAltName=DNS:api.anthropic.com,DNS:files.example.com,DNS:tunnel.example.com,DNS:localhost,IP:127.0.0.1" \
    "basicConstraints=critical,CA:FALSE" "keyUsage=critical,digitalSignature" \
    "extendedKeyUsage=serverAuth" >"$d/upstream.ext"
  openssl x509 -req -in "$d/upstream.csr" -CA "$d/upstream-ca.crt" -CAkey "$d/upstream-ca.key" \
    -CAcreateserial -days 1 -extfile "$d/upstream.ext" -out "$d/upstream.crt" 2>>"$d/openssl.log"
  chmod 600 "$d/upstream.key" "$d/upstream-ca.key"
  rm -f "$d/upstream.csr"
}

# start_upstream DIR: upstream.py on free ports with DIR's certificate (made if missing),
# recording into DIR/rec.
start_upstream() {
  local d=$1 ready
  [ -f "$d/upstream.crt" ] || make_test_ca "$d"
  _LP_N=$((_LP_N + 1))
  ready="$d/upstream-ready.$_LP_N.json"
  UP_DIR="$d/rec"
  UP_LOG="$d/upstream.$_LP_N.log"
  python3 "$UPSTREAM_PY" --dir "$UP_DIR" --http 0 --https 0 --cert "$d/upstream.crt" \
    --key "$d/upstream.key" --ready-file "$ready" >"$UP_LOG" 2>&1 &
  UP_PID=$!
  _LP_PIDS+=("$UP_PID")
  _lp_wait_ready "$ready" "$UP_PID" "upstream.py" "$UP_LOG" 10
  UP_HTTP=$(jget http <"$ready")
  UP_HTTPS=$(jget https <"$ready")
  UP_CA="$d/upstream-ca.crt"
  export UP_DIR UP_HTTP UP_HTTPS UP_CA UP_PID UP_LOG
  upstream_mark
}
stop_upstream() {
  _lp_stop_pid "$UP_PID"
  set +e
  wait "$UP_PID" 2>/dev/null
  UP_RC=$?
  set -e
}

# start_proxy ARGS…: the proxy on a free port of 127.0.0.1, waited for (bounded).
start_proxy() {
  local ready
  _LP_N=$((_LP_N + 1))
  ready="$WORK/proxy-ready.$_LP_N.json"
  PROXY_LOG="$WORK/proxy.$_LP_N.log"
  "$AIRLOCK" proxy --listen 127.0.0.1:0 --ready-file "$ready" "$@" >"$PROXY_LOG" 2>&1 &
  PROXY_PID=$!
  _LP_PIDS+=("$PROXY_PID")
  _lp_wait_ready "$ready" "$PROXY_PID" "airlock proxy" "$PROXY_LOG" 20
  PROXY_PORT=$(jget port <"$ready")
  PROXY_URL="http://127.0.0.1:$PROXY_PORT"
  export PROXY_PORT PROXY_URL PROXY_PID PROXY_LOG
}
stop_proxy() {
  _lp_stop_pid "$PROXY_PID"
  set +e
  wait "$PROXY_PID" 2>/dev/null
  PROXY_RC=$?
  set -e
}

# --- what reached the upstream
upstream_bytes() {
  local n=0 f s
  for f in "$UP_DIR"/conn-*.raw; do
    [ -e "$f" ] || continue
    s=$(stat -c %s "$f")
    n=$((n + s))
  done
  echo "$n"
}
upstream_conns() {
  local n=0 f
  for f in "$UP_DIR"/conn-*.raw; do [ -e "$f" ] && n=$((n + 1)); done
  echo "$n"
}
upstream_requests() {
  if [ -f "$UP_DIR/log.jsonl" ]; then wc -l <"$UP_DIR/log.jsonl"; else echo 0; fi
}
last_upstream_json() {
  if [ -f "$UP_DIR/log.jsonl" ]; then tail -n 1 "$UP_DIR/log.jsonl"; fi
}
upstream_mark() {
  UP_MARK_BYTES=$(upstream_bytes)
  UP_MARK_REQS=$(upstream_requests)
  UP_MARK_CONNS=$(upstream_conns)
}
new_upstream_bytes() { echo $(($(upstream_bytes) - UP_MARK_BYTES)); }
new_upstream_requests() { echo $(($(upstream_requests) - UP_MARK_REQS)); }
new_upstream_conns() { echo $(($(upstream_conns) - UP_MARK_CONNS)); }
# The log lines of the requests that arrived since the mark.
new_upstream_lines() {
  if [ -f "$UP_DIR/log.jsonl" ]; then tail -n +"$((UP_MARK_REQS + 1))" "$UP_DIR/log.jsonl"; fi
}

# --- clients
pcurl() {
  curl --silent --show-error --max-time 60 --noproxy '' --proxy "http://127.0.0.1:$PROXY_PORT" \
    --cacert "$AIRLOCK_HOME/ca/ca.crt" "$@"
}
dcurl() {
  curl --silent --show-error --max-time 60 --noproxy '*' --cacert "$UP_CA" "$@"
}
# _lp_req CLIENT ARGS…: sets RC (curl's exit), CODE (final status, 000 when none), CONNECT_CODE
# (the proxy's answer to CONNECT, 000 when none), BODY and CERR (curl's stderr).
_lp_req() {
  local client=$1 w
  shift
  rm -f "$WORK/lp-body"
  set +e
  w=$("$client" -o "$WORK/lp-body" -w '%{http_code} %{http_connect}' "$@" 2>"$WORK/lp-cerr")
  RC=$?
  set -e
  CODE=${w%% *}
  CONNECT_CODE=${w##* }
  BODY=$(cat "$WORK/lp-body" 2>/dev/null || true)
  CERR=$(cat "$WORK/lp-cerr")
}
preq() { _lp_req pcurl "$@"; }
dreq() { _lp_req dcurl "$@"; }

cat >"$WORK/rawhttp.py" <<'PY'
import argparse, json, socket, ssl, sys
ap = argparse.ArgumentParser()
ap.add_argument("port", type=int)
ap.add_argument("--connect")
ap.add_argument("--tls")
ap.add_argument("--cacert")
ap.add_argument("--no-hostname-check", action="store_true")
a = ap.parse_args()
payload = sys.stdin.buffer.read()
out = {"connect_status": None, "status": None, "headers": {}, "body": "", "error": None}
buf = bytearray()

def fill(s):
    d = s.recv(65536)
    if not d:
        raise EOFError("connection closed")
    buf.extend(d)

def head(s):
    while b"\r\n\r\n" not in buf:
        fill(s)
    i = buf.index(b"\r\n\r\n")
    lines = bytes(buf[:i]).decode("latin-1").split("\r\n")
    del buf[:i + 4]
    parts = lines[0].split(" ", 2)
    hdrs = {}
    for l in lines[1:]:
        k, _, v = l.partition(":")
        hdrs[k.strip().lower()] = v.strip()
    return int(parts[1]), hdrs

def body(s, hdrs):
    if "chunked" in hdrs.get("transfer-encoding", "").lower():
        data = bytearray()
        while True:
            while b"\r\n" not in buf:
                fill(s)
            i = buf.index(b"\r\n")
            n = int(bytes(buf[:i]).split(b";")[0], 16)
            del buf[:i + 2]
            if n == 0:
                break
            while len(buf) < n + 2:
                fill(s)
            data += buf[:n]
            del buf[:n + 2]
        return bytes(data)
    if "content-length" in hdrs:
        n = int(hdrs["content-length"])
        while len(buf) < n:
            fill(s)
        data = bytes(buf[:n]); del buf[:n]
        return data
    try:
        while True:
            fill(s)
    except (EOFError, OSError):
        pass
    return bytes(buf)

try:
    s = socket.create_connection(("127.0.0.1", a.port), timeout=10)
    if a.connect:
        s.sendall(("CONNECT %s HTTP/1.1\r\nHost: %s\r\n\r\n" % (a.connect, a.connect)).encode())
        st, h = head(s)
        out["connect_status"] = st
        if st != 200:
            out["status"], out["headers"] = st, h
            out["body"] = body(s, h).decode("utf-8", "replace")
            raise SystemExit
    if a.tls:
        ctx = ssl.create_default_context(cafile=a.cacert)
        if a.no_hostname_check:
            ctx.check_hostname = False
        ctx.set_alpn_protocols(["http/1.1"])
        s = ctx.wrap_socket(s, server_hostname=a.tls)
        buf.clear()
    s.sendall(payload)
    st, h = head(s)
    out["status"], out["headers"] = st, h
    out["body"] = body(s, h).decode("utf-8", "replace")
except SystemExit:
    pass
except Exception as e:
    out["error"] = "%s: %s" % (type(e).__name__, e)
print(json.dumps(out))
PY
raw_http() { python3 "$WORK/rawhttp.py" "$@"; }
