#!/usr/bin/env bash
# airlock ca: path/show before init, init and its file modes, refusal to overwrite without
# --force, the certificate as the real openssl CLI reads it, show's fingerprint against
# openssl's, and path failing closed on a readable key, a key of another CA and a non-CA
# certificate. No output ever contains key material.
AIRLOCK=$1
SRC=$2
source "$(dirname "$0")/lib.sh"

CA="$AIRLOCK_HOME/ca"
# run ARGS…: sets OUT, ERR and RC
run() {
  set +e
  OUT=$("$AIRLOCK" ca "$@" 2>"$WORK/stderr")
  RC=$?
  set -e
  ERR=$(cat "$WORK/stderr")
}
# no_key NAME: no line of the key's body appears in OUT or ERR
no_key() {
  local line
  while IFS= read -r line; do
    case "$line" in -----*) continue ;; esac
    expect_not_contains "$1: stdout leaks the key" "$OUT" "$line"
    expect_not_contains "$1: stderr leaks the key" "$ERR" "$line"
  done <"$CA/ca.key"
  expect_not_contains "$1: PEM key in stdout" "$OUT" "PRIVATE KEY"
}

# --- before init: exit 2 with a clear error
run path
expect_eq "path before init: exit" "$RC" 2
expect_eq "path before init: stdout" "$OUT" ""
expect_eq "path before init: error" "$ERR" "airlock ca: no CA at $CA: run \`airlock ca init\`"
run show
expect_eq "show before init: exit" "$RC" 2
expect_contains "show before init: error" "$ERR" "no CA at $CA"
[ ! -e "$CA" ] && ok || bad "path/show created $CA"

# --- init
run init
expect_eq "init: exit" "$RC" 0
expect_eq "init: first line is the path" "$(head -n1 <<<"$OUT")" "$CA/ca.crt"
expect_contains "init: hint" "$OUT" "NODE_EXTRA_CA_CERTS"
expect_contains "init: hint" "$OUT" "SSL_CERT_FILE"
expect_contains "init: hint" "$OUT" "REQUESTS_CA_BUNDLE"
expect_contains "init: hint" "$OUT" "CURL_CA_BUNDLE"
expect_eq "init: two lines" "$(wc -l <<<"$OUT")" 2
no_key "init"
expect_eq "mode ca.key" "$(stat -c %a "$CA/ca.key")" 600
expect_eq "mode ca.crt" "$(stat -c %a "$CA/ca.crt")" 644
expect_eq "mode ca dir" "$(stat -c %a "$CA")" 700
expect_eq "files in ca dir" "$(ls -A "$CA" | tr '\n' ' ')" "ca.crt ca.key "
expect_eq "key is PKCS#8 PEM" "$(head -n1 "$CA/ca.key")" "-----BEGIN PRIVATE KEY-----"

# --- what openssl sees
TEXT=$(openssl x509 -in "$CA/ca.crt" -noout -text)
expect_contains "openssl: CA:TRUE" "$TEXT" "CA:TRUE, pathlen:0"
expect_contains "openssl: basicConstraints critical" "$TEXT" "X509v3 Basic Constraints: critical"
expect_contains "openssl: keyUsage critical" "$TEXT" "X509v3 Key Usage: critical"
expect_contains "openssl: keyUsage" "$TEXT" "Certificate Sign, CRL Sign"
expect_contains "openssl: P-256" "$TEXT" "ASN1 OID: prime256v1"
expect_contains "openssl: ECDSA-SHA256" "$TEXT" "Signature Algorithm: ecdsa-with-SHA256"
expect_contains "openssl: subject" "$TEXT" "Subject: CN = airlock local CA"
expect_contains "openssl: SKI" "$TEXT" "X509v3 Subject Key Identifier"
expect_eq "openssl verify (self-signed root)" "$(openssl verify -CAfile "$CA/ca.crt" "$CA/ca.crt" 2>&1)" "$CA/ca.crt: OK"
set +e
openssl pkey -in "$CA/ca.key" -noout 2>/dev/null
expect_eq "openssl reads the key" "$?" 0
set -e
# key and certificate belong together: same public key
expect_eq "key matches cert" "$(openssl pkey -in "$CA/ca.key" -pubout)" "$(openssl x509 -in "$CA/ca.crt" -noout -pubkey)"

# --- path and show
run path
expect_eq "path: exit" "$RC" 0
expect_eq "path: output" "$OUT" "$CA/ca.crt"
run show
expect_eq "show: exit" "$RC" 0
FP=$(openssl x509 -in "$CA/ca.crt" -noout -fingerprint -sha256 | sed 's/^.*Fingerprint=//')
expect_contains "show: fingerprint" "$OUT" "sha256:      $FP"
expect_contains "show: subject" "$OUT" "subject:     CN=airlock local CA"
expect_contains "show: status" "$OUT" "status:      ok"
NOT_AFTER=$(date -u -d "$(openssl x509 -in "$CA/ca.crt" -noout -enddate | sed 's/^notAfter=//')" +%Y-%m-%dT%H:%M:%SZ)
expect_contains "show: not after" "$OUT" "not after:   $NOT_AFTER"
no_key "show"

# --- a second init without --force fails and changes nothing
cp "$CA/ca.crt" "$WORK/first.crt"
cp "$CA/ca.key" "$WORK/first.key"
run init
expect_eq "second init: exit" "$RC" 2
expect_contains "second init: error" "$ERR" "a CA already exists at $CA"
expect_contains "second init: error names --force" "$ERR" "--force"
cmp -s "$CA/ca.crt" "$WORK/first.crt" && ok || bad "second init changed ca.crt"
cmp -s "$CA/ca.key" "$WORK/first.key" && ok || bad "second init changed ca.key"

# --- bad options
run init --force --days 0
expect_eq "days 0: exit" "$RC" 2
expect_contains "days 0: error" "$ERR" "CA validity of 0 days is outside 1–3650"
run init --force --cn ""
expect_eq "empty cn: exit" "$RC" 2
expect_contains "empty cn: error" "$ERR" "the CA common name is empty"
cmp -s "$CA/ca.crt" "$WORK/first.crt" && ok || bad "a refused init changed ca.crt"

# --- --force replaces it
run init --force --cn "Team CA" --days 30
expect_eq "force: exit" "$RC" 0
cmp -s "$CA/ca.crt" "$WORK/first.crt" && bad "--force kept the old certificate" || ok
cmp -s "$CA/ca.key" "$WORK/first.key" && bad "--force kept the old key" || ok
expect_contains "force: subject" "$(openssl x509 -in "$CA/ca.crt" -noout -subject)" "CN = Team CA"
expect_eq "force: mode ca.key" "$(stat -c %a "$CA/ca.key")" 600
run show
expect_contains "force: show subject" "$OUT" "subject:     CN=Team CA"
expect_not_contains "force: new fingerprint" "$OUT" "$FP"

# --- path fails closed on a broken CA
chmod 644 "$CA/ca.key"
run path
expect_eq "readable key: exit" "$RC" 2
expect_eq "readable key: error" "$ERR" "airlock ca: $CA/ca.key has mode 0644: a CA key must not be accessible to group or others (chmod 600 $CA/ca.key)"
run show
expect_eq "readable key: show exit" "$RC" 2
expect_contains "readable key: show still describes" "$OUT" "status:      unusable"
chmod 600 "$CA/ca.key"

AIRLOCK_HOME="$WORK/other" "$AIRLOCK" ca init >/dev/null
cp "$CA/ca.key" "$WORK/team.key"
cp "$WORK/other/ca/ca.key" "$CA/ca.key"
run path
expect_eq "foreign key: exit" "$RC" 2
expect_contains "foreign key: error" "$ERR" "$CA/ca.key does not belong to $CA/ca.crt"
cp "$WORK/team.key" "$CA/ca.key"

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$WORK/leaf.key" \
  -out "$WORK/leaf.crt" -subj /CN=leaf -days 2 -addext basicConstraints=critical,CA:FALSE 2>/dev/null
cp "$WORK/leaf.key" "$CA/ca.key"
cp "$WORK/leaf.crt" "$CA/ca.crt"
run path
expect_eq "non-CA cert: exit" "$RC" 2
expect_contains "non-CA cert: error" "$ERR" "$CA/ca.crt is not a CA certificate"

rm "$CA/ca.key"
run path
expect_eq "missing key: exit" "$RC" 2
expect_contains "missing key: error" "$ERR" "incomplete CA at $CA: $CA/ca.key is missing"

finish
