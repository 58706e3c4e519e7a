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
SOFFICE_PROFILE=$(mktemp -d /tmp/airlock-lo-XXXXXX)
SOFFICE_LOG="$SOFFICE_PROFILE.log"
SOFFICE_TIMEOUT=1800
trap 'rm -rf "$SOFFICE_PROFILE" "$SOFFICE_LOG"' EXIT
source "$HERE/soffice.sh"
cd "$OUT"
soffice_convert . odt ./*.docx
soffice_convert . pdf ./*.docx ./*.fodp
soffice_convert . rtf report-*.docx memo-*.docx minutes-*.docx
soffice_convert html "html:XHTML Writer File:UTF8" minutes-5.docx policy-ai-9.docx
soffice_convert . ods ./*.xlsx
soffice_convert . odp ./*.fodp
soffice_convert . pptx ./*.fodp
rm -f ./*.fodp
