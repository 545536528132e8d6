#!/usr/bin/env bash
# Installs what is missing, builds into build/, runs every test with ctest. Non-zero on failure.
# Then (issue 9) the sanitizer step: the unit, service, server and end-to-end tests again under
# ASan + UBSan in build-asan/ (Debug -O1); and, when clang is installed, each libFuzzer target
# for a short bounded time. NBSCHED_SKIP_SANITIZE=1 / NBSCHED_SKIP_FUZZ=1 skip those steps;
# NBSCHED_FUZZ_SECONDS sets the time per fuzz target (default 10).
# The main run includes label `image` (issue 16): scripts/image.sh's OCI archive run in a
# chroot, and the Dockerfile's packages against ldd; and label `manifests`' kustomize renders.
# Where buildah/root or a kustomize-v5 kubectl are missing those tests report Skipped, not failed.
set -euo pipefail
cd "$(dirname "$0")/.."
# As in build.sh: ccache keyed on checkout-relative paths, for the sanitizer build too.
export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$PWD}" CCACHE_NOHASHDIR="${CCACHE_NOHASHDIR:-true}"
./scripts/install-deps.sh
./scripts/build.sh
if ! command -v buildah >/dev/null || [[ "$(id -u)" -ne 0 ]]; then
  echo "== note: no buildah or not root: the image test (ctest -L image) is skipped"
fi
if ! command -v kubectl >/dev/null; then
  echo "== note: no kubectl: the kustomize render test (manifests_kustomize) is skipped"
fi
(cd build && ctest --output-on-failure -j "$(nproc)" --timeout 300)

if [[ "${NBSCHED_SKIP_SANITIZE:-0}" != 1 ]]; then
  echo "== sanitizer step: ASan + UBSan (build-asan/)"
  # Only the binaries of the labels below are built; ctest's -L keeps to them.
  SANITIZE_TARGETS=(nbsched nbsched_model_tests nbsched_codec_tests nbsched_predicates_tests
    nbsched_priorities_tests nbsched_framework_tests nbsched_config_tests nbsched_service_tests
    nbsched_e2e_tests nbsched_http_server_tests nbsched_ops_tests nbsched_hostile_client_tests
    nbsched_tls_tests nbsched_shutdown_tests nbsched_serve_options_tests nbsched_usage_explain_tests
    nbsched_live_e2e_tests nbsched_usage_e2e_tests nbsched_state_tests)
  SANITIZE_LABELS='^(model|codec|predicates|priorities|framework|config|service|e2e|server|state|fuzz)$'
  if grep -q '^add_subdirectory(fuzz_regressions)' tests/CMakeLists.txt; then
    SANITIZE_TARGETS+=(nbsched_fuzz_regression_tests)
  fi
  launcher=()
  command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  # GCC 12 reports false -Wmaybe-uninitialized inside <regex> and <functional> under ASan.
  cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-g -O1" \
    -DCMAKE_CXX_FLAGS="-Wno-maybe-uninitialized" \
    -DNBSCHED_SANITIZE=address,undefined -DNBSCHED_BUILD_BENCH=OFF "${launcher[@]}" >/dev/null
  targets=()
  for t in "${SANITIZE_TARGETS[@]}"; do targets+=(--target "$t"); done
  cmake --build build-asan -j "$(nproc)" "${targets[@]}"
  (cd build-asan &&
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:strict_string_checks=1 \
    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --output-on-failure -j "$(nproc)" --timeout 600 -L "$SANITIZE_LABELS")
fi

if [[ "${NBSCHED_SKIP_FUZZ:-0}" != 1 ]] && command -v clang++ >/dev/null &&
  compgen -G "/usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a" >/dev/null; then
  echo "== fuzz step: each target for ${NBSCHED_FUZZ_SECONDS:-10} s"
  ./scripts/fuzz.sh "${NBSCHED_FUZZ_SECONDS:-10}"
fi
