#!/usr/bin/env bash
# Installs what is missing, builds into build/, runs every test with ctest. Non-zero on failure.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
./scripts/build.sh
cd build
ctest --output-on-failure -j "$(nproc)" --timeout 300
