#!/usr/bin/env bash
# airlock scan: files, folders, stdin, .gitignore, binary files, symlinks, exit codes, JSON,
# detector selection, redaction (stdout and --output), encryption round trip, a 50 MB file and
# CRLF columns. Fake values are built by concatenation so that the repository itself does not
# look like it leaks.
AIRLOCK=$1
SRC=$2
source "$(dirname "$0")/lib.sh"
unset AIRLOCK_DLP_KEY

EMAIL="jane.doe""@""corp-mail.com"
CARD="4111"" 1111"" 1111"" 1111"
AKID="AKI""A""QWERTYUIOP""234567"
KNOWN=email,credit_card,aws_access_key_id  # the detectors exact-output checks rely on

# run ARGS…: sets OUT, ERR and RC (stdin from the caller)
run() {
  set +e
  OUT=$("$AIRLOCK" scan "$@" 2>"$WORK/stderr")
  RC=$?
  set -e
  ERR=$(cat "$WORK/stderr")
}
# no_leak NAME: none of the raw values is in OUT or ERR
no_leak() {
  for v in "$EMAIL" "$CARD" "$AKID"; do
    expect_not_contains "$1: stdout leaks" "$OUT" "$v"
    expect_not_contains "$1: stderr leaks" "$ERR" "$v"
  done
}

# --- the tree
P="$WORK/proj"
mkdir -p "$P/sub/deep" "$P/build" "$WORK/outside"
printf 'hello\ncontact: %s\n  card: %s\n' "$EMAIL" "$CARD" >"$P/a.txt"
printf 'one\ntwo\nkey=%s\n' "$AKID" >"$P/sub/deep/b.txt"
printf 'nothing to see here\n' >"$P/clean.txt"
: >"$P/empty.txt"
printf 'first\r\nsecond %s\r\n\tthird %s\r\n' "$EMAIL" "$EMAIL" >"$P/crlf.txt"
printf '%s\n' "$EMAIL" >"$P/ignored.txt"
printf '%s\n' "$EMAIL" >"$P/build/out.txt"
printf '%s\n' "$EMAIL" >"$P/x.log"
printf '%s\n' "$EMAIL" >"$P/keep.log"
printf '%s\n' "$EMAIL" >"$P/sub/anchored.txt"
printf '%s\n' "$EMAIL" >"$P/anchored.txt"
printf 'ignored.txt\nbuild/\n*.log\n!keep.log\n/anchored.txt\n' >"$P/.gitignore"
printf 'bin\0ary %s\n' "$AKID" >"$P/blob.dat"
printf 'secret %s\n' "$AKID" >"$WORK/outside/s.txt"
ln -s "$WORK/outside" "$P/linked"
mkdir -p "$P/.git"
printf '%s\n' "$EMAIL" >"$P/.git/config"

# --- exit codes: clean 0, findings 1, errors 2 (an error wins)
run "$P/clean.txt"
expect_eq "clean exit" "$RC" 0
expect_eq "clean output" "$OUT" ""
run "$P/empty.txt"
expect_eq "empty exit" "$RC" 0
run "$P/a.txt"
expect_eq "found exit" "$RC" 1
run "$WORK/nope.txt" "$P/a.txt"
expect_eq "missing exit" "$RC" 2
expect_contains "missing names the path" "$ERR" "airlock scan: $WORK/nope.txt: No such file or directory"
expect_contains "missing: the rest is still scanned" "$OUT" "$P/a.txt:2:10: email (high)"
run --bogus "$P/a.txt"
expect_eq "bad flag exit" "$RC" 2

# --- exact lines at known positions
run --detectors "$KNOWN" "$P/a.txt"
expect_eq "a.txt lines" "$OUT" "$P/a.txt:2:10: email (high) ****.***@****-***l.com
$P/a.txt:3:9: credit_card (high) **** **** **** 1111"
no_leak "a.txt"
run --detectors "$KNOWN" "$P/crlf.txt"
expect_eq "crlf columns" "$OUT" "$P/crlf.txt:2:8: email (high) ****.***@****-***l.com
$P/crlf.txt:3:8: email (high) ****.***@****-***l.com"

# --- a folder: recursive, .git skipped, binary skipped, symlinked folder not followed
run --detectors "$KNOWN" "$P"
expect_eq "folder exit" "$RC" 1
expect_contains "folder a.txt" "$OUT" "$P/a.txt:2:10: email (high)"
expect_contains "folder nested" "$OUT" "$P/sub/deep/b.txt:3:5: aws_access_key_id (high) ****************4567"
expect_contains "folder ignored.txt without --gitignore" "$OUT" "$P/ignored.txt:1:1: email"
expect_contains "folder build/ without --gitignore" "$OUT" "$P/build/out.txt:1:1: email"
expect_not_contains "binary skipped" "$OUT" "blob.dat"
expect_not_contains "symlinked folder not followed" "$OUT" "linked"
expect_not_contains ".git skipped" "$OUT" ".git/"
expect_eq "folder finding count" "$(grep -c . <<<"$OUT")" 11
no_leak "folder"
# a binary file named on the command line is scanned
run --detectors "$KNOWN" "$P/blob.dat"
expect_eq "named binary exit" "$RC" 1
expect_contains "named binary" "$OUT" "$P/blob.dat:1:9: aws_access_key_id (high)"
# a symlinked folder named on the command line is followed
run --detectors "$KNOWN" "$P/linked"
expect_contains "named symlinked folder" "$OUT" "$P/linked/s.txt:1:8: aws_access_key_id (high)"

# --- --gitignore
run --detectors "$KNOWN" --gitignore "$P"
expect_not_contains "gitignore: file" "$OUT" "ignored.txt"
expect_not_contains "gitignore: dir-only" "$OUT" "build/"
expect_not_contains "gitignore: glob" "$OUT" "x.log"
expect_contains "gitignore: negation" "$OUT" "$P/keep.log:1:1: email"
expect_contains "gitignore: anchored keeps sub/" "$OUT" "$P/sub/anchored.txt:1:1: email"
expect_not_contains "gitignore: anchored at root" "$OUT" "$P/anchored.txt"
expect_contains "gitignore: rest" "$OUT" "$P/a.txt:2:10: email"
# a nested .gitignore with "**"; the work tree's .gitignore applies to a subfolder scanned alone
printf '**/b.txt\n' >"$P/sub/.gitignore"
run --detectors "$KNOWN" --gitignore "$P"
expect_not_contains "gitignore: nested **" "$OUT" "b.txt"
expect_contains "gitignore: nested keeps the rest" "$OUT" "$P/sub/anchored.txt"
printf 'sub/anchored.txt\n' >>"$P/.gitignore"
run --detectors "$KNOWN" --gitignore "$P/sub"
expect_eq "gitignore: ancestor rule" "$OUT" ""
expect_eq "gitignore: subfolder exit" "$RC" 0
run --detectors "$KNOWN" "$P/sub"
expect_eq "no --gitignore: subfolder" "$(grep -c . <<<"$OUT")" 2
rm "$P/sub/.gitignore"
# .git/info/exclude
mkdir -p "$P/.git/info"
printf 'keep.log\n' >"$P/.git/info/exclude"
run --detectors "$KNOWN" --gitignore "$P"
expect_contains "info/exclude: negation in .gitignore wins" "$OUT" "keep.log"
printf 'clean.txt\ncrlf.txt\n' >"$P/.git/info/exclude"
run --detectors "$KNOWN" --gitignore "$P"
expect_not_contains "info/exclude" "$OUT" "crlf.txt"

# --- --json
run --json --detectors "$KNOWN" "$P/a.txt"
first=$(head -1 <<<"$OUT")
expect_eq "json path" "$(field path <<<"$first")" "$P/a.txt"
expect_eq "json line" "$(field line <<<"$first")" 2
expect_eq "json col" "$(field col <<<"$first")" 10
expect_eq "json offset" "$(field offset <<<"$first")" 15
expect_eq "json length" "$(field length <<<"$first")" 22
expect_eq "json detector" "$(field detector <<<"$first")" email
expect_eq "json category" "$(field category <<<"$first")" pii
expect_eq "json confidence" "$(field confidence <<<"$first")" high
expect_eq "json encoding" "$(field encoding <<<"$first")" none
expect_eq "json preview" "$(field preview <<<"$first")" "****.***@****-***l.com"
expect_contains "json reason" "$(field reason <<<"$first")" "address"
expect_eq "json lines" "$(grep -c . <<<"$OUT")" 2
no_leak "json"

# --- --detectors, --exclude, unknown ids, --min-confidence
run --detectors credit_card "$P/a.txt"
expect_eq "--detectors" "$OUT" "$P/a.txt:3:9: credit_card (high) **** **** **** 1111"
run --detectors "$KNOWN" --exclude email "$P/a.txt"
expect_eq "--exclude" "$OUT" "$P/a.txt:3:9: credit_card (high) **** **** **** 1111"
run --detectors email,no_such_detector "$P/a.txt"
expect_eq "unknown detector exit" "$RC" 2
expect_eq "unknown detector message" "$ERR" "airlock scan: unknown detector 'no_such_detector'"
run --exclude nope "$P/a.txt"
expect_eq "unknown --exclude exit" "$RC" 2
run --min-confidence extreme "$P/a.txt"
expect_eq "bad --min-confidence exit" "$RC" 2
run --min-confidence high --detectors "$KNOWN" "$P/a.txt"
expect_eq "--min-confidence high exit" "$RC" 1

# --- --decode: a value inside base64
B64=$(printf 'contact %s now' "$EMAIL" | base64 -w0)
run --detectors email <<<"blob: $B64"
expect_eq "no --decode" "$RC" 0
run --detectors email --decode <<<"blob: $B64"
expect_eq "--decode exit" "$RC" 1
expect_contains "--decode marks the encoding" "$OUT" "-:1:7: email (high) "
expect_contains "--decode suffix" "$OUT" " [base64]"
expect_not_contains "--decode no raw" "$OUT" "$B64"

# --- stdin: '-' and no path
run --detectors "$KNOWN" - <"$P/a.txt"
expect_eq "stdin '-'" "$OUT" "-:2:10: email (high) ****.***@****-***l.com
-:3:9: credit_card (high) **** **** **** 1111"
run --detectors "$KNOWN" <"$P/a.txt"
expect_eq "stdin implicit exit" "$RC" 1
expect_contains "stdin implicit" "$OUT" "-:3:9: credit_card (high)"
run </dev/null
expect_eq "empty stdin" "$RC" 0

# --- --list-detectors
run --list-detectors
expect_eq "list exit" "$RC" 0
expect_contains "list email" "$OUT" "email"
expect_contains "list aws" "$OUT" "aws_access_key_id"
run --list-detectors --format markdown
expect_eq "markdown header" "$(head -2 <<<"$OUT")" "| id | category | what it finds |
|---|---|---|"
expect_contains "markdown row" "$OUT" '| `credit_card` | pii | '

# --- --redact to stdout
run --redact placeholder --detectors "$KNOWN" "$P/a.txt"
expect_eq "placeholder exit" "$RC" 1
expect_eq "placeholder output" "$OUT" "hello
contact: <EMAIL_1>
  card: <CARD_1>"
expect_contains "placeholder summary" "$ERR" "airlock scan: 2 findings in 1 of 1 file: "
expect_contains "placeholder summary email" "$ERR" "email 1"
expect_contains "placeholder summary card" "$ERR" "credit_card 1"
no_leak "placeholder"
run --redact redact --detectors "$KNOWN" <"$P/clean.txt"
expect_eq "redact clean exit" "$RC" 0
expect_eq "redact clean output" "$OUT" "nothing to see here"
run --redact placeholder "$P/a.txt" "$P/crlf.txt"
expect_eq "redact several files needs --output" "$RC" 2
expect_contains "redact several files message" "$ERR" "--output DIR"
run --redact placeholder "$P"
expect_eq "redact folder needs --output" "$RC" 2
run --redact bogus "$P/a.txt"
expect_eq "redact bad mode" "$RC" 2

# --- keys: missing, short, --key-env
run --redact encrypt "$P/a.txt"
expect_eq "encrypt without key" "$RC" 2
expect_contains "encrypt without key message" "$ERR" "set \$AIRLOCK_DLP_KEY"
AIRLOCK_DLP_KEY=short run --redact encrypt "$P/a.txt"
expect_eq "encrypt short key" "$RC" 2
expect_contains "encrypt short key message" "$ERR" "at least 16 bytes"
expect_not_contains "short key not echoed" "$ERR" "short"
MYKEY=0123456789abcdef-my-key run --redact pseudonym --key-env MYKEY --detectors email "$P/a.txt"
expect_eq "pseudonym via --key-env" "$RC" 1
expect_contains "pseudonym output" "$OUT" "contact: <EMAIL_"

# --- encrypt → deanonymize round trip (exact bytes), tampering
export AIRLOCK_DLP_KEY=0123456789abcdef0123456789abcdef
cp "$P/a.txt" "$WORK/rt.txt"
printf 'more %s and %s\r\n' "$AKID" "$EMAIL" >>"$WORK/rt.txt"
cp "$WORK/rt.txt" "$WORK/rt.orig"
run --redact encrypt "$WORK/rt.txt"
expect_eq "encrypt exit" "$RC" 1
no_leak "encrypt"
"$AIRLOCK" scan --redact encrypt "$WORK/rt.txt" >"$WORK/enc.txt" 2>/dev/null || true
expect_contains "encrypted tokens" "$(cat "$WORK/enc.txt")" "[[airlock:enc:EMAIL:"
run --deanonymize "$WORK/enc.txt"
expect_eq "deanonymize exit" "$RC" 0
if "$AIRLOCK" scan --deanonymize "$WORK/enc.txt" | cmp -s - "$WORK/rt.txt"; then ok; else bad "deanonymize file round trip"; fi
if "$AIRLOCK" scan --deanonymize <"$WORK/enc.txt" | cmp -s - "$WORK/rt.txt"; then ok; else bad "deanonymize stdin round trip"; fi
python3 - "$WORK/enc.txt" "$WORK/tampered.txt" <<'PY'
import sys
s = open(sys.argv[1], "rb").read()
i = s.index(b"[[airlock:enc:EMAIL:") + len(b"[[airlock:enc:EMAIL:") + 5
s = s[:i] + (b"A" if s[i:i+1] != b"A" else b"B") + s[i+1:]
open(sys.argv[2], "wb").write(s)
PY
run --deanonymize "$WORK/tampered.txt"
expect_eq "tampered exit" "$RC" 2
expect_contains "tampered message" "$ERR" "does not authenticate"
no_leak "tampered"
AIRLOCK_DLP_KEY=another-key-0123456789 run --deanonymize "$WORK/enc.txt"
expect_eq "wrong key exit" "$RC" 2
run --deanonymize "$P"
expect_eq "deanonymize a folder" "$RC" 2
run --deanonymize "$WORK/rt.txt" "$WORK/enc.txt"
expect_eq "deanonymize two files" "$RC" 2

# --- --redact a folder with --output: mirrored files, inputs untouched
cp -R "$P" "$WORK/before"
run --redact placeholder --detectors "$KNOWN" --output "$WORK/red" "$P"
expect_eq "redact folder exit" "$RC" 1
expect_eq "redact folder a.txt" "$(cat "$WORK/red/proj/a.txt")" "hello
contact: <EMAIL_1>
  card: <CARD_1>"
expect_eq "redact folder nested" "$(cat "$WORK/red/proj/sub/deep/b.txt")" "one
two
key=<AWS_KEY_ID_1>"
if cmp -s "$P/crlf.txt" "$WORK/red/proj/crlf.txt"; then bad "crlf redacted"; else ok; fi
expect_eq "redact folder crlf kept" "$(tr -cd '\r' <"$WORK/red/proj/crlf.txt" | wc -c)" 3
expect_eq "redact folder clean copied" "$(cat "$WORK/red/proj/clean.txt")" "nothing to see here"
[ -e "$WORK/red/proj/blob.dat" ] && bad "binary file written" || ok
[ -e "$WORK/red/proj/linked" ] && bad "symlinked folder written" || ok
[ -e "$WORK/red/proj/.git" ] && bad ".git written" || ok
if diff -r "$P" "$WORK/before" >/dev/null; then ok; else bad "inputs changed by --redact"; fi
expect_contains "redact folder summary" "$ERR" "airlock scan: "
no_leak "redact folder"
# a file and a folder together; a single file with --output
run --redact redact --detectors "$KNOWN" --output "$WORK/red2" "$WORK/rt.txt" "$P/sub"
expect_eq "redact mixed exit" "$RC" 1
[ -f "$WORK/red2/rt.txt" ] && [ -f "$WORK/red2/sub/deep/b.txt" ] && ok || bad "redact mixed layout"
# --output inside the scanned folder is refused
run --redact placeholder --output "$P/sub/out" "$P"
expect_eq "output inside input exit" "$RC" 2
expect_contains "output inside input message" "$ERR" "inside the scanned folder"
[ -e "$P/sub/out" ] && bad "output dir created inside input" || ok
run --redact placeholder --output "$P" "$P"
expect_eq "output = input exit" "$RC" 2
# the output never replaces its input
run --redact placeholder --output "$WORK" "$WORK/rt.txt"
expect_eq "output over input exit" "$RC" 2
expect_contains "output over input message" "$ERR" "refusing to overwrite the input"
if cmp -s "$WORK/rt.txt" "$WORK/rt.orig"; then ok; else bad "input overwritten"; fi
# …nor another input that would be read later
mkdir -p "$WORK/o3" "$WORK/z"
cp "$WORK/rt.txt" "$WORK/o3/x.txt"
cp "$WORK/rt.txt" "$WORK/z/x.txt"
run --redact placeholder --output "$WORK/o3" "$WORK/z/x.txt" "$WORK/o3/x.txt"
expect_eq "output over a later input exit" "$RC" 2
if cmp -s "$WORK/o3/x.txt" "$WORK/rt.orig"; then ok; else bad "later input overwritten"; fi
run --redact placeholder --output "$WORK" "$P"
expect_eq "folder inside output exit" "$RC" 2
expect_contains "folder inside output message" "$ERR" "is inside --output"

# --- a 50 MB file: values near the start, the middle and the end
python3 - "$WORK/big.txt" "$EMAIL" <<'PY'
import sys
filler = b"the quick brown fox jumps over the lazy dog\n"
n = 50 * 1024 * 1024 // len(filler)
value = sys.argv[2].encode()
with open(sys.argv[1], "wb") as f:
    block = []
    for i in range(1, n + 1):
        block.append(b"at " + value + b"\n" if i in (2, n // 2, n) else filler)
        if len(block) == 65536:
            f.write(b"".join(block))
            block = []
    f.write(b"".join(block))
PY
n=$(( 50 * 1024 * 1024 / 44 ))
run --detectors "$KNOWN" "$WORK/big.txt"
expect_eq "big file exit" "$RC" 1
expect_eq "big file findings" "$OUT" "$WORK/big.txt:2:4: email (high) ****.***@****-***l.com
$WORK/big.txt:$((n / 2)):4: email (high) ****.***@****-***l.com
$WORK/big.txt:$n:4: email (high) ****.***@****-***l.com"
rm -f "$WORK/big.txt"

finish
