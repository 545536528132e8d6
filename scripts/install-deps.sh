#!/usr/bin/env bash
# Installs the Debian packages nbsched needs to build and test (idempotent; apt-get only).
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build pkg-config ccache clang-format
  libboost-dev libboost-system-dev
  libsimdjson-dev nlohmann-json3-dev libyaml-cpp-dev libabsl-dev libssl-dev
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  prometheus-cpp-dev catch2 libbenchmark-dev
  python3 curl python3-matplotlib
  libboost-program-options-dev
  # Deployment (issue 16): the offline image build and its chroot test; the LDAP test's real
  # slapd and the library LDAPAuthenticator uses (Debian's /usr/bin/python3, not a pyenv one).
  buildah umoci jq slapd ldap-utils python3-ldap3 python3-yaml
  # Sweeps (issue 18): the LP bound of GPU allocation.
  glpk-utils libglpk-dev
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "nbsched: installing missing packages: ${missing[*]}" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
