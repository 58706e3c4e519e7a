#!/usr/bin/env bash
# The ordinary-document corpus: tests/support/ordinary_docs.py, then LibreOffice's conversions
# of it, as people make them: docx → odt, pdf, rtf, html; xlsx → ods; decks (flat ODP) → odp,
# pptx, pdf. The flat ODP sources are removed (not a format airlock reads).
# Usage: ordinary_corpus.sh OUT_DIR [SCALE]   (used by inspect_corpus_test.sh and bench/inspect.sh)
set -euo pipefail
OUT=$1
SCALE=${2:-1}
HERE=$(cd "$(dirname "$0")" && pwd)
/usr/bin/python3 "$HERE/ordinary_docs.py" "$OUT" --scale "$SCALE" >/dev/null
PROFILE=$(mktemp -d /tmp/airlock-lo-XXXXXX)
trap 'rm -rf "$PROFILE"' EXIT
# soffice_convert OUTDIR FORMAT FILE…: one LibreOffice process per call; a failed conversion shows
# as a missing file to whoever counts them.
soffice_convert() {
  local out=$1 fmt=$2
  shift 2
  timeout 1800 soffice -env:UserInstallation=file://"$PROFILE" --headless --norestore \
    --convert-to "$fmt" --outdir "$out" "$@" >>"$PROFILE.log" 2>&1 || true
}
cd "$OUT"
soffice_convert . odt ./*.docx
soffice_convert . pdf ./*.docx ./*.fodp
soffice_convert . rtf report-*.docx memo-*.docx minutes-*.docx
soffice_convert html "html:XHTML Writer File:UTF8" minutes-5.docx policy-ai-9.docx
soffice_convert . ods ./*.xlsx
soffice_convert . odp ./*.fodp
soffice_convert . pptx ./*.fodp
rm -f ./*.fodp "$PROFILE.log"
