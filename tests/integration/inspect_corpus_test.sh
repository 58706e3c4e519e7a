#!/usr/bin/env bash
# False positives: airlock inspect on ordinary documents must find nothing. Two sets:
#  - the generated corpus (tests/support/ordinary_docs.py): reports, memos, minutes, invoices,
#    policies and CVs (python-docx); budgets, stock lists, timesheets, sales (openpyxl); decks;
#    web pages and pydoc pages; READMEs; text, logs, CSV, JSON; e-mails with attachments. Then
#    LibreOffice converts them as people do: docx → odt, pdf, rtf, html; xlsx → ods;
#    decks → odp, pptx, pdf.
#  - LibreOffice's own templates (/usr/lib/libreoffice/share/template: letters, faxes, agendas,
#    styled spreadsheets, 24 designed slide decks with pictures, bars and coloured boxes under
#    white text), as shipped and exported to docx, xlsx and pptx.
# Every file must be inspected without error. The only finding allowed is the one that is true:
# the template wizard/styles/xos.ots has two rows its author collapsed (hidden rows are always
# reported). The count of documents and findings is printed for docs/inspect.md.
AIRLOCK=$1
SRC=$2
source "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
D="$WORK/corpus"
T=/usr/lib/libreoffice/share/template/common
mkdir -p "$D/lo"

bash "$SRC/tests/support/ordinary_corpus.sh" "$D" || bad "ordinary_corpus.sh failed"
SOFFICE_PROFILE="$WORK/lo-profile" SOFFICE_LOG="$WORK/soffice.log" SOFFICE_TIMEOUT=240
source "$SRC/tests/support/soffice.sh"
soffice_convert "$D/lo" pptx "$T"/presnt/*.otp
soffice_convert "$D/lo" xlsx $(find "$T" -name '*.ots')
soffice_convert "$D/lo" docx $(find "$T/wizard/agenda" "$T/officorr" -name '*.ott')

mapfile -t generated < <(find "$D" -path "$D/lo" -prune -o -type f -print | sort)
mapfile -t templates < <(find "$T" -type f \( -name '*.ott' -o -name '*.ots' -o -name '*.otp' \) | sort)
mapfile -t exported < <(find "$D/lo" -type f | sort)

set +e
"$AIRLOCK" inspect --json "${generated[@]}" "${templates[@]}" "${exported[@]}" >"$WORK/report.json" 2>"$WORK/stderr"
rc=$?
set -e
out=$("$PY" - "$WORK/report.json" "$D" <<'EOF'
import json, os, sys
report = json.load(open(sys.argv[1]))
root = sys.argv[2]
by_ext, errors, found = {}, [], []
for f in report["files"]:
    name = f["file"]
    ext = os.path.splitext(name)[1].lstrip(".")
    by_ext[ext] = by_ext.get(ext, 0) + 1
    if "error" in f:
        errors.append(f"{name}: {f['error']}")
    elif f["findings"]:
        kinds = sorted({(x["kind"], x.get("hiding", "")) for x in f["findings"]})
        found.append((name, kinds, f["findings"][0]["where"], f["findings"][0]["text"][:60]))
generated = sum(1 for f in report["files"] if f["file"].startswith(root) and "/lo/" not in f["file"])
print("files", len(report["files"]), "generated", generated)
print("types", " ".join(f"{k}:{v}" for k, v in sorted(by_ext.items())))
for e in errors:
    print("error", e)
for name, kinds, where, text in found:
    print("finding", os.path.basename(name), kinds, where, repr(text))
EOF
)
echo "$out"
generated=$(awk '/^files/ {print $4}' <<<"$out")
total=$(awk '/^files/ {print $2}' <<<"$out")
[ "${generated:-0}" -ge 50 ] && ok || bad "only ${generated:-0} generated documents (want at least 50)"
[ "${total:-0}" -ge 250 ] && ok || bad "only ${total:-0} documents in all"
# Every format airlock reads is in the corpus.
for ext in docx xlsx pptx odt ods odp pdf html md txt csv json eml rtf ott ots otp; do
  expect_contains "corpus has .$ext" "$(grep '^types' <<<"$out")" " $ext:"
done
expect_not_contains "no document fails" "$out" "error "
# The one true finding, in the template and its xlsx export; nothing else.
expect_eq "only the collapsed rows of xos are found" \
  "$(grep '^finding' <<<"$out" | awk '{print $2}' | sort | tr '\n' ' ')" "xos.ots xos.xlsx "
expect_contains "xos finding is hidden rows" "$(grep '^finding xos.ots' <<<"$out")" "('hidden', 'hidden-row')"
expect_eq "exit status 1 (something found)" "$rc" "1"
finish
