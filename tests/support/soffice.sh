# Sourced by the tests and benchmarks that convert documents with LibreOffice.
# soffice_convert OUTDIR FORMAT FILE…: one headless LibreOffice process per call, with the profile
# $SOFFICE_PROFILE (a directory of the caller's: parallel callers never share one), its output
# appended to $SOFFICE_LOG, at most $SOFFICE_TIMEOUT seconds (default 600). A failed conversion
# is a missing output file, for the caller to check.
soffice_convert() {
  local out=$1 fmt=$2
  shift 2
  timeout "${SOFFICE_TIMEOUT:-600}" soffice -env:UserInstallation=file://"${SOFFICE_PROFILE:?set SOFFICE_PROFILE}" \
    --headless --norestore --convert-to "$fmt" --outdir "$out" "$@" >>"${SOFFICE_LOG:-/dev/null}" 2>&1 || true
}
