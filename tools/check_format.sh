#!/usr/bin/env bash
# Fails when a tracked C++ file is not clang-formatted (.clang-format: Google, 100 columns).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v clang-format >/dev/null 2>&1; then
  echo "clang-format not installed; skipping" >&2
  exit 0
fi
files=$(git ls-files '*.cc' '*.h' 2>/dev/null || find . -name '*.cc' -o -name '*.h' | grep -v '^./build')
clang-format --dry-run -Werror $files
