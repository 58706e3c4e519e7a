#!/usr/bin/env bash
# Installs the Debian packages the egress-proxy benchmark (bench/proxy.sh) measures with and
# against: the peers (tinyproxy, squid, mitmproxy), the load generators (wrk, hey), the fast
# upstream (nginx-light), through scripts/deps.sh (idempotent: apt is not called when nothing
# is missing). The peers' packages would start system daemons (squid on 3128, tinyproxy on
# 8888, nginx on 80) when installed; the benchmark starts its own instances on free loopback
# ports, so the install runs with a policy-rc.d that refuses service starts (unless one is
# already there).
set -euo pipefail
extra=(tinyproxy squid mitmproxy wrk hey nginx-light hyperfine curl openssl python3 procps util-linux)
needed=0
for p in "${extra[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || needed=1
done
[ "$needed" = 1 ] || exit 0
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
RCD=/usr/sbin/policy-rc.d
made_rcd=0
if [ ! -e "$RCD" ]; then
  printf '#!/bin/sh\n# bench-deps.sh: no service starts while installing\nexit 101\n' | $SUDO tee "$RCD" >/dev/null
  $SUDO chmod 755 "$RCD"
  made_rcd=1
fi
cleanup() { if [ "$made_rcd" = 1 ]; then $SUDO rm -f "$RCD"; fi; }
trap cleanup EXIT
"$(dirname "$0")/deps.sh" "${extra[@]}"
