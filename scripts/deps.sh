#!/usr/bin/env bash
# Installs the Debian packages airlock builds and tests with. Idempotent: a package that is
# already installed is not touched, and apt is not called at all when nothing is missing.
set -euo pipefail
pkgs=(
  build-essential cmake ninja-build pkg-config git python3 clang libclang-rt-14-dev llvm
  libssl-dev libboost-dev libyaml-dev nlohmann-json3-dev libsqlite3-dev sqlite3 libre2-dev libhyperscan-dev zlib1g-dev libbrotli-dev
  libcli11-dev libspdlog-dev libfmt-dev libutf8proc-dev libidn2-dev libunistring-dev libseccomp-dev
  libgumbo-dev libpugixml-dev libpoppler-private-dev
  libgtest-dev libgmock-dev libbenchmark-dev hyperfine curl ca-certificates
  # the programs `airlock run` is tested with, inside the sandbox
  wget netcat-openbsd dnsutils git
  # documents made by real tools in the inspection tests
  python3-docx python3-openpyxl libreoffice-writer-nogui libreoffice-calc-nogui libreoffice-impress-nogui
)
pkgs+=("$@")  # extra packages a caller needs (scripts/bench-deps.sh)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "deps.sh: installing ${missing[*]}" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
