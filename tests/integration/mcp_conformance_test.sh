#!/usr/bin/env bash
# The MCP conformance suite (@modelcontextprotocol/conformance, a client that tests servers over
# Streamable HTTP) against the real server-everything, bridged from stdio by supergateway, once
# directly and once through `airlock mcp`: the same scenarios must pass and fail both ways
# (tests/support/mcp/conformance-everything.yml), and the trail shows the proxy decided the
# suite's calls. Everything listens on 127.0.0.1.
AIRLOCK=$(realpath "$1")
SRC=$2
source "$(dirname "$0")/lib.sh"
PEERS=$(bash "$SRC/scripts/npm-peers.sh")
BIN="$PEERS/node_modules/.bin"
NODE22="$BIN/node"
EVERYTHING="$PEERS/node_modules/@modelcontextprotocol/server-everything/dist/index.js"
BASELINE="$SRC/tests/support/mcp/conformance-everything.yml"
"$NODE22" --version | grep -q '^v22\.' && ok || bad "node 22 from the peers is not node 22"

cat >"$WORK/open.yaml" <<YAML
version: 1
users: { bob: { roles: [admin] } }
roles:
  admin: { allow: [{ action: [tool.call, fs.read, fs.list] }] }
defaults: { decision: deny, non_interactive_ask: deny }
YAML

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
SG_PID=
# conformance NAME STDIO-COMMAND: bridges the command with supergateway and runs the suite with
# the baseline; sets RC and OUT (the summary).
conformance() {
  local port log
  port=$(free_port)
  log="$WORK/supergateway.$1.log"
  # Its own process group (setsid), so that the bridge and the server it spawned go together.
  PATH="$BIN:$PATH" setsid "$NODE22" "$BIN/supergateway" --stdio "$2" --outputTransport streamableHttp --stateful \
    --port "$port" >"$log" 2>&1 &
  SG_PID=$!
  for _ in $(seq 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
    sleep 0.1
  done
  set +e
  OUT=$(PATH="$BIN:$PATH" timeout 240 "$NODE22" "$BIN/conformance" server --url "http://127.0.0.1:$port/mcp" \
    --expected-failures "$BASELINE" -o "$WORK/results.$1" 2>&1)
  RC=$?
  set -e
  kill -TERM -- "-$SG_PID" 2>/dev/null || true
  wait "$SG_PID" 2>/dev/null || true
  echo "$OUT" | grep -E '^Total:' >"$WORK/total.$1" || true
}

conformance direct "node $EVERYTHING stdio"
expect_eq "directly: server-everything scores its baseline" "$RC" 0
expect_contains "directly: 13 pass" "$(cat "$WORK/total.direct")" "13 passed, 19 failed"

conformance proxied "$AIRLOCK --policy $WORK/open.yaml mcp --name everything --user bob --session conf -- node $EVERYTHING stdio"
expect_eq "through airlock mcp: the same scenarios pass and fail" "$RC" 0
expect_eq "through airlock mcp: the same score" "$(cat "$WORK/total.proxied")" "$(cat "$WORK/total.direct")"
TRAIL=$("$AIRLOCK" audit export --format jsonl)
expect_contains "the proxied calls are on record" "$TRAIL" '"resource":"everything/'
expect_contains "in the session given" "$TRAIL" '"session":"conf"'

# The suite's tool scenarios call its fixture's tools (test_simple_text…), which server-everything
# does not have: both ways the answer is an isError result, so the score cannot show the policy
# acting. The trail does: every call was decided.
expect_contains "the suite's calls were decided" "$(grep '"session":"conf"' <<<"$TRAIL")" 'everything/test_simple_text'

finish
