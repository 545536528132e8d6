#!/usr/bin/env bash
# Configures and builds Release into build/ (used by run.sh and test.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
# ccache sees paths relative to the checkout and ignores the build folder's own path, so another
# clone of the same tree on this machine (CI's fresh clone) reuses what an earlier build compiled.
# Flags that embed an absolute path (-DNBSCHED_SOURCE_DIR=...) still differ and recompile.
export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$PWD}" CCACHE_NOHASHDIR="${CCACHE_NOHASHDIR:-true}"
generator=()
if command -v ninja >/dev/null 2>&1; then generator=(-G Ninja); fi
if [ ! -f build/CMakeCache.txt ]; then
  cmake -S . -B build "${generator[@]}" -DCMAKE_BUILD_TYPE=Release "$@"
elif [ $# -gt 0 ]; then
  cmake -S . -B build "$@"
fi
cmake --build build -j "$(nproc)"
