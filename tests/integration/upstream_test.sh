#!/usr/bin/env bash
# The proxy tests' harness on its own, without the proxy: tests/support/upstream.py records
# every byte and every request it gets (plain and TLS, Content-Length and chunked bodies,
# keep-alive, 20 MB and 100 MB uploads streamed, malformed framing, clients that hang up), its
# special responses, curl, python3 urllib and wget against it, and lib_proxy.sh's helpers.
AIRLOCK=$1
SRC=$2
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_proxy.sh"

EMPTY_SHA=$(printf '' | sha256sum | cut -d' ' -f1)
sha() { sha256sum "$1" | cut -d' ' -f1; }
# raw_has NAME TEXT: TEXT is somewhere in the raw recordings
raw_has() { if grep -qaF -- "$2" "$UP_DIR"/conn-*.raw; then ok; else bad "$1: [$2] not recorded"; fi; }
# new_line: the single log line since the mark (fails the test if there is not exactly one)
new_line() {
  local n
  n=$(new_upstream_requests)
  [ "$n" -eq 1 ] || bad "$1: $n new log lines, want 1"
  new_upstream_lines | tail -n 1
}

# --- the test CA: openssl sees a CA and a server certificate for every name the tests use
make_test_ca "$WORK/up"
expect_eq "server cert verifies" "$(openssl verify -CAfile "$WORK/up/upstream-ca.crt" "$WORK/up/upstream.crt")" \
  "$WORK/up/upstream.crt: OK"
SAN=$(openssl x509 -in "$WORK/up/upstream.crt" -noout -ext subjectAltName)
for name in DNS:api.anthropic.com DNS:files.example.com DNS:localhost "IP Address:127.0.0.1"; do
  expect_contains "SAN $name" "$SAN" "$name"
done
expect_contains "CA is a CA" "$(openssl x509 -in "$WORK/up/upstream-ca.crt" -noout -ext basicConstraints)" "CA:TRUE"
expect_eq "key mode" "$(stat -c %a "$WORK/up/upstream.key")" 600

# --- start: listening on 127.0.0.1 only, nothing recorded yet
start_upstream "$WORK/up"
[[ "$UP_HTTP" =~ ^[0-9]+$ && "$UP_HTTP" -gt 0 ]] && ok || bad "UP_HTTP is a port: [$UP_HTTP]"
[[ "$UP_HTTPS" =~ ^[0-9]+$ && "$UP_HTTPS" -gt 0 ]] && ok || bad "UP_HTTPS is a port: [$UP_HTTPS]"
LISTEN=$(python3 -c 'import socket,sys
for p in sys.argv[1:]:
    s = socket.socket()
    try:
        s.connect(("127.0.0.2", int(p))); print("open")
    except OSError:
        print("closed")' "$UP_HTTP" "$UP_HTTPS")
expect_eq "not listening on other loopback addresses" "$LISTEN" "closed
closed"
expect_eq "fresh: bytes" "$(upstream_bytes)" 0
expect_eq "fresh: requests" "$(upstream_requests)" 0
expect_eq "fresh: conns" "$(upstream_conns)" 0
expect_eq "fresh: last json" "$(last_upstream_json)" ""
upstream_mark  # the probe above connected nowhere (127.0.0.2), so nothing moved

# --- plain GET
dreq "http://127.0.0.1:$UP_HTTP/hello?x=1"
expect_eq "GET: status" "$CODE" 200
expect_eq "GET: response ok" "$(jget ok <<<"$BODY")" true
expect_eq "GET: response path" "$(jget path <<<"$BODY")" "/hello?x=1"
L=$(new_line "GET")
expect_eq "GET: method" "$(jget method <<<"$L")" GET
expect_eq "GET: path" "$(jget path <<<"$L")" "/hello?x=1"
expect_eq "GET: tls" "$(jget tls <<<"$L")" false
expect_eq "GET: host header" "$(jget headers.host <<<"$L")" "127.0.0.1:$UP_HTTP"
expect_eq "GET: body_len" "$(jget body_len <<<"$L")" 0
expect_eq "GET: body_sha256" "$(jget body_sha256 <<<"$L")" "$EMPTY_SHA"
expect_eq "GET: chunked" "$(jget chunked <<<"$L")" false
expect_eq "GET: one conn file" "$(new_upstream_conns)" 1
RAW=$(cat "$UP_DIR/conn-1.raw")
expect_contains "GET: raw bytes recorded" "$RAW" "GET /hello?x=1 HTTP/1.1"
expect_eq "GET: bytes = raw file" "$(upstream_bytes)" "$(stat -c %s "$UP_DIR/conn-1.raw")"
expect_eq "last_upstream_json" "$(last_upstream_json)" "$L"

# --- HTTPS as api.anthropic.com: SNI recorded, the certificate is the test CA's
upstream_mark
dreq --resolve "api.anthropic.com:$UP_HTTPS:127.0.0.1" -H "x-api-key: test-key" \
  -H 'Content-Type: application/json' --data-binary '{"model":"m"}' \
  "https://api.anthropic.com:$UP_HTTPS/v1/messages"
expect_eq "https: status" "$CODE" 200
L=$(new_line "https")
expect_eq "https: tls" "$(jget tls <<<"$L")" true
expect_eq "https: sni" "$(jget sni <<<"$L")" api.anthropic.com
expect_eq "https: path" "$(jget path <<<"$L")" /v1/messages
expect_eq "https: x-api-key" "$(jget headers.x-api-key <<<"$L")" test-key
expect_eq "https: body sha" "$(jget body_sha256 <<<"$L")" "$(printf '%s' '{"model":"m"}' | sha256sum | cut -d' ' -f1)"
raw_has "https: raw is the decrypted request" '{"model":"m"}'
upstream_mark
set +e
curl --silent --noproxy '*' --max-time 30 --resolve "api.anthropic.com:$UP_HTTPS:127.0.0.1" \
  "https://api.anthropic.com:$UP_HTTPS/" >/dev/null 2>&1
rc=$?
set -e
expect_eq "https without the test CA: curl refuses the certificate" "$rc" 60
expect_eq "https without the test CA: no request" "$(new_upstream_requests)" 0
expect_eq "https without the test CA: no decrypted bytes" "$(new_upstream_bytes)" 0
expect_contains "https without the test CA: handshake failure recorded" "$(cat "$UP_DIR/events.jsonl")" '"tls_error"'

# --- Content-Length upload
head -c 300000 /dev/urandom >"$WORK/body.bin"
upstream_mark
dreq --data-binary @"$WORK/body.bin" "http://127.0.0.1:$UP_HTTP/upload"
expect_eq "CL upload: status" "$CODE" 200
L=$(new_line "CL upload")
expect_eq "CL upload: sha" "$(jget body_sha256 <<<"$L")" "$(sha "$WORK/body.bin")"
expect_eq "CL upload: len" "$(jget body_len <<<"$L")" 300000
expect_eq "CL upload: content-length" "$(jget headers.content-length <<<"$L")" 300000
expect_eq "CL upload: chunked" "$(jget chunked <<<"$L")" false
expect_eq "CL upload: response sha" "$(jget body_sha256 <<<"$BODY")" "$(sha "$WORK/body.bin")"
[ "$(new_upstream_bytes)" -gt 300000 ] && ok || bad "CL upload: raw holds the body"

# --- the raw record is exactly the bytes sent
{ printf 'POST /exact HTTP/1.1\r\nHost: a\r\nContent-Length: 300000\r\nConnection: close\r\n\r\n'; cat "$WORK/body.bin"; } >"$WORK/exact.req"
upstream_mark
OUT=$(raw_http "$UP_HTTP" <"$WORK/exact.req")
expect_eq "exact: status" "$(jget status <<<"$OUT")" 200
CONN=$(new_upstream_lines | tail -n 1 | jget conn)
cmp -s "$WORK/exact.req" "$UP_DIR/conn-$CONN.raw" && ok || bad "exact: conn-$CONN.raw differs from the bytes sent"
expect_eq "exact: new bytes" "$(new_upstream_bytes)" "$(stat -c %s "$WORK/exact.req")"

# --- chunked upload: decoded for the hash, raw framing kept
upstream_mark
dreq -H 'Transfer-Encoding: chunked' --data-binary @"$WORK/body.bin" "http://127.0.0.1:$UP_HTTP/chunked-upload"
expect_eq "chunked upload: status" "$CODE" 200
L=$(new_line "chunked upload")
expect_eq "chunked upload: chunked" "$(jget chunked <<<"$L")" true
expect_eq "chunked upload: sha of the decoded body" "$(jget body_sha256 <<<"$L")" "$(sha "$WORK/body.bin")"
expect_eq "chunked upload: len" "$(jget body_len <<<"$L")" 300000
expect_eq "chunked upload: no content-length" "$(jget headers.content-length <<<"$L")" ""
CONN=$(jget conn <<<"$L")
tail -c 5 "$UP_DIR/conn-$CONN.raw" | od -An -c | tr -s ' ' >"$WORK/tail.txt"
expect_eq "chunked upload: raw ends with the last chunk" "$(cat "$WORK/tail.txt")" " 0 \r \n \r \n"

# --- keep-alive: two URLs in one curl run, one connection
upstream_mark
dreq "http://127.0.0.1:$UP_HTTP/one" "http://127.0.0.1:$UP_HTTP/two"
expect_eq "keep-alive: requests" "$(new_upstream_requests)" 2
expect_eq "keep-alive: one connection" "$(new_upstream_conns)" 1
expect_eq "keep-alive: same conn" "$(new_upstream_lines | while read -r l; do jget conn <<<"$l"; done | sort -u | wc -l)" 1
expect_eq "keep-alive: paths" "$(new_upstream_lines | while read -r l; do jget path <<<"$l"; done | tr '\n' ' ')" "/one /two "
# and Connection: close is honoured
upstream_mark
dreq -H 'Connection: close' "http://127.0.0.1:$UP_HTTP/a" "http://127.0.0.1:$UP_HTTP/b"
expect_eq "Connection: close: two connections" "$(new_upstream_conns)" 2

# --- 20 MB upload, and a 100 MB one streamed (the server's memory stays small)
head -c 20000000 /dev/urandom >"$WORK/20m.bin"
upstream_mark
dreq --data-binary @"$WORK/20m.bin" "http://127.0.0.1:$UP_HTTP/big-upload"
expect_eq "20 MB: status" "$CODE" 200
L=$(new_line "20 MB")
expect_eq "20 MB: sha" "$(jget body_sha256 <<<"$L")" "$(sha "$WORK/20m.bin")"
expect_eq "20 MB: len" "$(jget body_len <<<"$L")" 20000000
[ "$(new_upstream_bytes)" -gt 20000000 ] && ok || bad "20 MB: raw holds the body"
rm -f "$WORK/20m.bin"
upstream_mark
python3 -c 'import sys
block = bytes(range(256)) * 4096
for _ in range(100):
    sys.stdout.buffer.write(block[:1000000])' >"$WORK/100m.bin"
dreq --cacert "$UP_CA" -X POST -T "$WORK/100m.bin" "https://localhost:$UP_HTTPS/hundred"
expect_eq "100 MB over TLS: status" "$CODE" 200
L=$(new_upstream_lines | tail -n 1)
expect_eq "100 MB: sha" "$(jget body_sha256 <<<"$L")" "$(sha "$WORK/100m.bin")"
expect_eq "100 MB: len" "$(jget body_len <<<"$L")" 100000000
RSS=$(ps -o rss= -p "$UP_PID" | tr -d ' ')
[ "$RSS" -lt 80000 ] && ok || bad "100 MB: the server holds the body in memory (RSS ${RSS} KiB)"
rm -f "$WORK/100m.bin"
# a 100 MB body recorded takes disk space: drop it now that no connection writes it
for f in "$UP_DIR"/conn-*.raw; do [ "$(stat -c %s "$f")" -gt 1000000 ] && : >"$f"; done
upstream_mark

# --- responses
dreq "http://127.0.0.1:$UP_HTTP/chunked"
expect_eq "/chunked: body" "$BODY" "chunk 1
chunk 2
chunk 3"
dreq -D "$WORK/h" "http://127.0.0.1:$UP_HTTP/chunked?n=5"
expect_contains "/chunked: chunked framing" "$(tr -d '\r' <"$WORK/h")" "Transfer-Encoding: chunked"
expect_eq "/chunked?n=5: chunks" "$(wc -l <"$WORK/lp-body")" 5
dcurl -D "$WORK/h" -o "$WORK/big.out" "http://127.0.0.1:$UP_HTTP/big?n=5000000"
expect_eq "/big: size" "$(stat -c %s "$WORK/big.out")" 5000000
WANT=$(python3 -c 'import hashlib
p = b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_"
print(hashlib.sha256((p * (5000000 // 64 + 1))[:5000000]).hexdigest())')
expect_eq "/big: content is the documented pattern" "$(sha "$WORK/big.out")" "$WANT"
expect_contains "/big: X-Body-Sha256" "$(tr -d '\r' <"$WORK/h")" "X-Body-Sha256: $WANT"
dreq -D "$WORK/h" "http://127.0.0.1:$UP_HTTP/redirect?to=https://files.example.com/x"
expect_eq "/redirect: status" "$CODE" 302
expect_contains "/redirect: Location" "$(tr -d '\r' <"$WORK/h")" "Location: https://files.example.com/x"
dreq "http://127.0.0.1:$UP_HTTP/status/418"
expect_eq "/status/418" "$CODE" 418
dreq "http://127.0.0.1:$UP_HTTP/status/204"
expect_eq "/status/204" "$CODE" 204
expect_eq "/status/204: no body" "$BODY" ""
dreq "http://127.0.0.1:$UP_HTTP/status/99"
expect_eq "/status/99 is refused" "$CODE" 400
dreq "http://127.0.0.1:$UP_HTTP/slow?parts=3&delay=0.1"
expect_eq "/slow: status" "$CODE" 200
expect_eq "/slow: the whole body" "$(jget path <<<"$BODY")" "/slow?parts=3&delay=0.1"
# HEAD: headers only, so the next response on the same connection parses
OUT=$(python3 -c 'import http.client, sys
c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=20)
c.request("HEAD", "/big?n=100"); r = c.getresponse()
print(r.status, r.getheader("Content-Length"), len(r.read()))
c.request("GET", "/after-head"); r = c.getresponse()
print(r.status, r.read().decode()[:40])' "$UP_HTTP")
expect_eq "HEAD, then GET on one connection" "$OUT" '200 100 0
200 {"ok": true, "conn": '"$(upstream_conns)"', "method": "GET"'

# --- python3 urllib, plain and TLS
upstream_mark
OUT=$(python3 -c '
import json, ssl, sys, urllib.request
port, sport, ca = sys.argv[1:4]
r = urllib.request.urlopen(urllib.request.Request("http://127.0.0.1:%s/urllib" % port, data=b"from urllib", method="POST"))
print(r.status, json.load(r)["body_len"])
ctx = ssl.create_default_context(cafile=ca)
r = urllib.request.urlopen("https://localhost:%s/urllib-tls" % sport, context=ctx)
print(r.status, json.load(r)["path"])' "$UP_HTTP" "$UP_HTTPS" "$UP_CA")
expect_eq "urllib: responses" "$OUT" "200 11
200 /urllib-tls"
expect_eq "urllib: requests" "$(new_upstream_requests)" 2
L=$(new_upstream_lines | head -n 1)
expect_eq "urllib: body" "$(jget body_sha256 <<<"$L")" "$(printf 'from urllib' | sha256sum | cut -d' ' -f1)"
expect_eq "urllib: user agent" "$(jget headers.user-agent <<<"$L" | cut -d/ -f1)" Python-urllib
expect_eq "urllib tls: sni" "$(new_upstream_lines | tail -n 1 | jget sni)" localhost

# --- wget, plain POST and TLS GET
upstream_mark
printf 'posted by wget' >"$WORK/w.txt"
OUT=$(wget -q -O - --no-proxy --post-file="$WORK/w.txt" "http://127.0.0.1:$UP_HTTP/wget")
expect_eq "wget: response" "$(jget body_len <<<"$OUT")" 14
OUT=$(wget -q -O - --no-proxy --ca-certificate="$UP_CA" "https://localhost:$UP_HTTPS/wget-tls")
expect_eq "wget tls: response" "$(jget path <<<"$OUT")" /wget-tls
expect_eq "wget: requests" "$(new_upstream_requests)" 2
L=$(new_upstream_lines | head -n 1)
expect_eq "wget: body" "$(jget body_sha256 <<<"$L")" "$(sha "$WORK/w.txt")"
expect_eq "wget: user agent" "$(jget headers.user-agent <<<"$L" | cut -d/ -f1)" Wget

# --- malformed framing: 400, the connection closed, recorded anyway
raw() { raw_http "$UP_HTTP"; }
upstream_mark
OUT=$(printf 'POST /cl HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!' | raw)
expect_eq "two Content-Lengths: 400" "$(jget status <<<"$OUT")" 400
expect_contains "two Content-Lengths: named" "$(jget body <<<"$OUT")" "conflicting Content-Length"
expect_eq "two Content-Lengths: no request logged" "$(new_upstream_requests)" 0
[ "$(new_upstream_bytes)" -gt 0 ] && ok || bad "two Content-Lengths: raw bytes recorded"
OUT=$(printf 'POST /t HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\nxyz' | raw)
expect_eq "TE not ending in chunked: 400" "$(jget status <<<"$OUT")" 400
OUT=$(printf 'NONSENSE\r\n\r\n' | raw)
expect_eq "bad request line: 400" "$(jget status <<<"$OUT")" 400
OUT=$(printf 'POST /c HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n' | raw)
expect_eq "bad chunk size: 400" "$(jget status <<<"$OUT")" 400
OUT=$(printf 'GET /h HTTP/1.1\r\nHost: a\r\n%s\r\n\r\n' "$(head -c 70000 /dev/zero | tr '\0' a):b" | raw)
expect_eq "header line over 64 KiB: 400" "$(jget status <<<"$OUT")" 400
upstream_mark
OUT=$(printf 'POST /clte HTTP/1.1\r\nHost: a\r\nContent-Length: 40\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n' | raw)
expect_eq "CL+TE: decoded as chunked" "$(jget status <<<"$OUT")" 200
expect_eq "CL+TE: connection closed" "$(jget headers.connection <<<"$OUT")" close
L=$(new_line "CL+TE")
expect_eq "CL+TE: chunked" "$(jget chunked <<<"$L")" true
expect_eq "CL+TE: body" "$(jget body_sha256 <<<"$L")" "$(printf hello | sha256sum | cut -d' ' -f1)"
expect_eq "CL+TE: both headers recorded" "$(jget headers.content-length <<<"$L") $(jget headers.transfer-encoding <<<"$L")" "40 chunked"
raw_has "CL+TE: the smuggled bytes are in the raw record" "GET /smuggled"
expect_contains "events name the malformations" "$(cat "$UP_DIR/events.jsonl")" '"bad_request"'

# --- a client that hangs up mid-body does not take the server down
OUT=$(printf 'POST /cut HTTP/1.1\r\nHost: a\r\nContent-Length: 1000000\r\n\r\nonly a little' |
  python3 -c 'import socket,sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(sys.stdin.buffer.read())
s.close()
print("sent")' "$UP_HTTP")
expect_eq "hang-up: sent" "$OUT" sent
dreq "http://127.0.0.1:$UP_HTTP/after"
expect_eq "hang-up: the server still answers" "$CODE" 200
raw_has "hang-up: recorded" "only a little"
dreq -H "Expect: 100-continue" --data-binary @"$WORK/body.bin" "http://127.0.0.1:$UP_HTTP/expect"
expect_eq "Expect: 100-continue" "$(jget body_len <<<"$BODY")" 300000

# --- SIGTERM stops it cleanly
stop_upstream
expect_eq "SIGTERM: exit status" "$UP_RC" 0
kill -0 "$UP_PID" 2>/dev/null && bad "still running after SIGTERM" || ok
dreq "http://127.0.0.1:$UP_HTTP/gone"
expect_eq "SIGTERM: port closed" "$CODE" 000

finish
