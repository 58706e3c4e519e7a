#!/usr/bin/env bash
# The document-inspection figures of docs/PERFORMANCE.md ("Document inspection"): documents per
# second and MB/s per format on one core, and peak memory on the largest documents, with a peer
# that only extracts text measured beside airlock in the same hyperfine run where Debian has one
# (python-docx, openpyxl, BeautifulSoup, Python's email package, pdftotext). Run by bench/run.sh
# (`make bench`) and alone by `make bench-inspect`. Environment:
#   AIRLOCK=build/release/airlock   the binary measured (airlock-pdf next to it)
#   BENCH_BUILD=build/bench         results go to $BENCH_BUILD/results/inspect.md
#   BIG=1000   the large documents repeat every body this many times (the deck: BIG/25)
#   RUNS=5     hyperfine runs per command
#   SWEEP_DIRS="/usr/share/doc …"   where the false-positive sweep looks for documents
#   DEPS=0     do not install poppler-utils and python3-bs4 (scripts/deps.sh)
#
# 1. Ordinary sizes: the corpus of tests/support/ordinary_docs.py (the false-positive corpus of
#    the tests), converted with LibreOffice as the test does (docx → odt, pdf, rtf; xlsx → ods;
#    decks → odp, pptx, pdf); documents per second over all files of a format, in one process,
#    so start-up is paid once per format.
# 2. Large documents: one per format, written at scale $BIG (a 2,400-paragraph report and its
#    PDF, a 40,000-row stock list, a 200-slide deck, a 1.7 MB news page …): time, MB/s of the
#    file and peak memory.
# 3. Sweep: every document of a format airlock reads under $SWEEP_DIRS (what Debian installed),
#    inspected once: how many have a finding (the false-positive rate in docs/inspect.md).
# Every command runs pinned to core 0 (`taskset -c 0`); a peer runs beside airlock in the same
# hyperfine invocation, over the same files.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
A="${AIRLOCK:-$ROOT/build/release/airlock}"
B="${BENCH_BUILD:-$ROOT/build/bench}"
OUT="$B/results"
BIG="${BIG:-1000}"
RUNS="${RUNS:-5}"
SWEEP_DIRS="${SWEEP_DIRS:-/usr/share/doc /usr/lib/node_modules/npm /usr/lib/python3/dist-packages /usr/lib/libreoffice/share/template}"
PY=/usr/bin/python3
mkdir -p "$OUT"
[ -x "$A" ] || { echo "bench/inspect.sh: $A not found (make release)"; exit 1; }
[ "${DEPS:-1}" = 0 ] || bash "$ROOT/scripts/deps.sh" poppler-utils python3-bs4
WORK=$(mktemp -d /tmp/airlock-bench-inspect-XXXXXX)
trap 'rm -rf "$WORK"' EXIT

SOFFICE_PROFILE="$WORK/lo-profile" SOFFICE_LOG="$WORK/soffice.log" SOFFICE_TIMEOUT=1800
source "$ROOT/tests/support/soffice.sh"
echo "== corpus: ordinary sizes, and one large document per format (LibreOffice takes minutes)"
S="$WORK/small"
bash "$ROOT/tests/support/ordinary_corpus.sh" "$S"
G="$WORK/gen"
L="$WORK/large"
mkdir -p "$L"
"$PY" "$ROOT/tests/support/ordinary_docs.py" "$G" --scale "$BIG" >/dev/null
"$PY" "$ROOT/tests/support/ordinary_docs.py" "$G/decks" --scale $((BIG / 25 > 0 ? BIG / 25 : 1)) >/dev/null
cp "$G/report-finance.docx" "$G/inventory-2.xlsx" "$G/news.html" "$G/CONTRIBUTING.md" "$G/meeting-notes.txt" \
  "$G/customers.csv" "$G/api-response.json" "$G/report.eml" "$G/decks/deck-0.fodp" "$L/"
soffice_convert "$L" odt "$L/report-finance.docx"
soffice_convert "$L" rtf "$L/report-finance.docx"
soffice_convert "$L" pdf "$L/report-finance.docx"
soffice_convert "$L" ods "$L/inventory-2.xlsx"
soffice_convert "$L" odp "$L/deck-0.fodp"
soffice_convert "$L" pptx "$L/deck-0.fodp"
rm -f "$L"/*.fodp

# Peers: text extraction only, one process over all files, as airlock is run.
cat >"$WORK/peer_docx.py" <<'EOF'
import sys
from docx import Document
for f in sys.argv[1:]:
    d = Document(f)
    n = sum(len(p.text) for p in d.paragraphs)
    n += sum(len(c.text) for t in d.tables for r in t.rows for c in r.cells)
EOF
cat >"$WORK/peer_xlsx.py" <<'EOF'
import sys
from openpyxl import load_workbook
for f in sys.argv[1:]:
    wb = load_workbook(f)
    n = sum(1 for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for v in row if v is not None)
EOF
cat >"$WORK/peer_html.py" <<'EOF'
import sys
from bs4 import BeautifulSoup
for f in sys.argv[1:]:
    with open(f, encoding="utf-8", errors="replace") as fh:
        n = len(BeautifulSoup(fh.read(), "html.parser").get_text())
EOF
cat >"$WORK/peer_eml.py" <<'EOF'
import sys
from email import message_from_binary_file, policy
for f in sys.argv[1:]:
    with open(f, "rb") as fh:
        m = message_from_binary_file(fh, policy=policy.default)
    n = sum(len(p.get_content()) for p in m.walk() if p.get_content_maintype() == "text")
EOF
cat >"$WORK/peer_pdf.sh" <<'EOF'
for f in "$@"; do pdftotext -q "$f" - >/dev/null; done
EOF

peer_for() {  # ext → a command line prefix, or nothing
  case $1 in
    docx) echo "$PY $WORK/peer_docx.py" ;;
    xlsx) echo "$PY $WORK/peer_xlsx.py" ;;
    html) echo "$PY $WORK/peer_html.py" ;;
    eml) echo "$PY $WORK/peer_eml.py" ;;
    pdf) echo "bash $WORK/peer_pdf.sh" ;;
  esac
}
peer_name() {
  case $1 in
    docx) echo "python-docx" ;; xlsx) echo "openpyxl" ;; html) echo "BeautifulSoup" ;;
    eml) echo "Python email" ;; pdf) echo "pdftotext" ;; *) echo "—" ;;
  esac
}

FORMATS=(docx xlsx pptx odt ods odp pdf rtf html md txt csv json eml)
row() {  # hyperfine-json ext files bytes peer rss peer-rss
  "$PY" - "$@" <<'EOF' | tee -a "$OUT/inspect.md"
import json, sys
h = json.load(open(sys.argv[1]))["results"]
ext, n, size, peer, rss, peer_rss = sys.argv[2:]
n, size = int(n), int(size)
def rate(r):
    t = r["median"]
    return (f"{n / t:,.0f}" if n > 1 else f"{t * 1000:,.0f} ms"), f"{size / t / 1e6:,.1f}"
a_docs, a_mb = rate(h[0])
p_docs, p_mb = rate(h[1]) if len(h) > 1 else ("—", "—")
mib = lambda v: "—" if v == "—" else f"{int(v) / 1024:,.0f} MiB"
print(f"| {ext} | {n} | {size / 1e6:,.2f} MB | **{a_docs}** | **{a_mb}** | {peer} | {p_docs} | {p_mb} | {mib(rss)} | {mib(peer_rss)} |")
EOF
}
measure() {  # dir: one row per format, over all of its files
  local dir=$1 ext
  for ext in "${FORMATS[@]}"; do
    mapfile -t files < <(find "$dir" -maxdepth 1 -name "*.$ext" | sort)
    [ ${#files[@]} -gt 0 ] || continue
    local bytes peer largest rss peer_rss="—"
    bytes=$(cat "${files[@]}" | wc -c)
    local cmds=("taskset -c 0 $A inspect --json ${files[*]}")
    peer=$(peer_for "$ext")
    [ -z "$peer" ] || cmds+=("taskset -c 0 $peer ${files[*]}")
    hyperfine -N -i --warmup 1 --runs "$RUNS" --export-json "$WORK/h.json" "${cmds[@]}" >/dev/null 2>&1
    largest=$(ls -S "${files[@]}" | head -1)
    rss=$( { /usr/bin/time -f %M taskset -c 0 "$A" inspect --json "$largest" >/dev/null; } 2>&1 | tail -1)
    if [ -n "$peer" ]; then peer_rss=$( { /usr/bin/time -f %M taskset -c 0 $peer "$largest" >/dev/null; } 2>&1 | tail -1); fi
    row "$WORK/h.json" "$ext" "${#files[@]}" "$bytes" "$(peer_name "$ext")" "$rss" "$peer_rss"
  done
}
header() {  # title rate-label
  printf '\n%s\n' "$1" | tee -a "$OUT/inspect.md"
  echo "| format | files | size | airlock $2 | airlock MB/s | peer | peer $2 | peer MB/s | airlock peak RSS (largest file) | peer peak RSS |" | tee -a "$OUT/inspect.md"
  echo "|---|---|---|---|---|---|---|---|---|---|" | tee -a "$OUT/inspect.md"
}

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2-), load $(cut -d' ' -f1-3 /proc/loadavg)" | tee "$OUT/inspect.md"
header "== 1. ordinary documents: all files of a format in one process" "docs/s"
measure "$S"
header "== 2. one large document per format" "time"
measure "$L"

printf '\n== 3. sweep: documents under %s\n' "$SWEEP_DIRS" | tee -a "$OUT/inspect.md"
# shellcheck disable=SC2086
find $SWEEP_DIRS -type f \( -name '*.html' -o -name '*.md' -o -name '*.txt' -o -name '*.pdf' -o -name '*.rtf' \
  -o -name '*.csv' -o -name '*.json' -o -name '*.eml' -o -name '*.docx' -o -name '*.xlsx' -o -name '*.pptx' \
  -o -name '*.odt' -o -name '*.ods' -o -name '*.odp' -o -name '*.ott' -o -name '*.ots' -o -name '*.otp' \) \
  -size -5M 2>/dev/null | sort >"$WORK/sweep.lst"
: >"$WORK/sweep.json"
# Batches of 500 files: one JSON object per batch.
xargs -a "$WORK/sweep.lst" -d '\n' -n 500 sh -c '"$0" inspect --json "$@" >>"'"$WORK"'/sweep.json" 2>/dev/null; true' "$A"
"$PY" - "$WORK/sweep.json" <<'EOF' | tee -a "$OUT/inspect.md"
import collections, json, os, sys
text, dec, files, i = open(sys.argv[1]).read(), json.JSONDecoder(), [], 0
while True:
    while i < len(text) and text[i].isspace():
        i += 1
    if i >= len(text):
        break
    obj, i = dec.raw_decode(text, i)
    files += obj["files"]
by_ext = collections.Counter(os.path.splitext(f["file"])[1].lstrip(".") for f in files)
errors = [f for f in files if "error" in f]
found = [f for f in files if f.get("findings")]
print(f"{len(files)} files ({', '.join(f'{v} {k}' for k, v in by_ext.most_common())}): "
      f"{len(found)} with a finding ({100 * len(found) / max(1, len(files)):.2f} %), {len(errors)} not inspectable")
for f in found:
    kinds = sorted({(x["kind"], x.get("hiding", "")) for x in f["findings"]})
    print(f"- {f['file']}: max score {f['max_score']}, {kinds}")
for f in errors[:20]:
    print(f"- {f['file']}: {f['error']}")
EOF
echo "results: $OUT/inspect.md"
