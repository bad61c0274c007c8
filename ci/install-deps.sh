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
  # A second system under test for the harness (never a dependency of the server).
  etcd-server etcd-client
  # Headless browser for the report and keyviz page tests.
  chromium
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#PACKAGES[@]} packages present"
  exit 0
fi

SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
