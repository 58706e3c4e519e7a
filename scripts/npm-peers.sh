#!/usr/bin/env bash
# Installs the npm packages the tests drive airlock with (tests/support/mcp/package.json and its
# lock: the reference MCP servers and the MCP inspector CLI) into build/npm-peers, and prints
# that directory. Idempotent: `npm ci` runs only when the lock changed or nothing is installed;
# concurrent callers wait for one another. $AIRLOCK_NPM_PEERS overrides the directory.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DIR="${AIRLOCK_NPM_PEERS:-$ROOT/build/npm-peers}"
command -v npm >/dev/null || bash "$ROOT/scripts/deps.sh" nodejs npm >&2
mkdir -p "$DIR"
exec 9>"$DIR.lock"
flock 9
if [ ! -d "$DIR/node_modules" ] || ! cmp -s "$ROOT/tests/support/mcp/package-lock.json" "$DIR/package-lock.json"; then
  cp "$ROOT/tests/support/mcp/package.json" "$ROOT/tests/support/mcp/package-lock.json" "$DIR/"
  (cd "$DIR" && npm ci --no-audit --no-fund --loglevel=error) >&2
fi
echo "$DIR"
