#!/usr/bin/env bash
# The shipped binary is the release build (static-pie, static libraries), not the ASan build the
# suite runs against: run the demo and the hook's integration test on it too, so a broken link
# of the release binary fails `make test`.
set -euo pipefail
AIRLOCK=$1
SRC=$2
"$AIRLOCK" --version
"$AIRLOCK" demo >/dev/null
bash "$SRC/tests/integration/hook_test.sh" "$AIRLOCK" "$SRC"
bash "$SRC/tests/integration/hook_payloads_test.sh" "$AIRLOCK" "$SRC" | tail -1
# Document inspection in the release build, PDF included: airlock-pdf is found next to airlock.
bash "$SRC/tests/integration/inspect_pdf_test.sh" "$AIRLOCK" "$SRC" | tail -1
echo "release smoke test: ok"
