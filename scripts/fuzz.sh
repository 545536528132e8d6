#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/) with clang under ASan + UBSan into build-fuzz/ and runs each
# for SECONDS (default 60) on a working copy of its seed corpus (fuzz/corpus/<target>, which is
# not modified). Prints the executions per target; crashes land in fuzz/crashes/<target>/.
# Exit status: 0 when no target crashed, 1 otherwise, 2 when clang is missing.
#   scripts/fuzz.sh [SECONDS] [TARGET...]      e.g. scripts/fuzz.sh 120; scripts/fuzz.sh 10 quantity
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_EACH=${1:-60}
shift || true
CXX_BIN=${FUZZ_CXX:-$(command -v clang++ || command -v clang++-14 || true)}
if [[ -z "$CXX_BIN" ]]; then
  echo "fuzz.sh: clang++ not found (apt-get install clang libclang-rt-14-dev)" >&2
  exit 2
fi
ALL=(quantity pod_json node_json list_json extender_args binding_args preemption_args
     watch_event policy_yaml kubeconfig)
TARGETS=("$@")
[[ ${#TARGETS[@]} -eq 0 ]] && TARGETS=("${ALL[@]}")

launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
mkdir -p build-fuzz
cmake -S fuzz -B build-fuzz -DCMAKE_CXX_COMPILER="$CXX_BIN" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  "${launcher[@]}" >build-fuzz/build.log 2>&1 || { cat build-fuzz/build.log >&2; exit 1; }
build_targets=()
for t in "${TARGETS[@]}"; do build_targets+=(--target "fuzz_$t"); done
cmake --build build-fuzz -j "$(nproc)" "${build_targets[@]}" >>build-fuzz/build.log 2>&1 ||
  { tail -50 build-fuzz/build.log >&2; exit 1; }

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
failed=0
printf '%-18s %12s %10s %s\n' target executions exec/s result
for t in "${TARGETS[@]}"; do
  work=build-fuzz/corpus/$t
  mkdir -p "$work" "fuzz/crashes/$t"
  cp -n fuzz/corpus/"$t"/* "$work"/ 2>/dev/null || true
  log=build-fuzz/fuzz_$t.log
  status=ok
  if ! build-fuzz/fuzzers/fuzz_"$t" -max_total_time="$SECONDS_EACH" -rss_limit_mb=2048 \
      -timeout=10 -max_len=65536 -print_final_stats=1 \
      -artifact_prefix="fuzz/crashes/$t/" "$work" >"$log" 2>&1; then
    status="CRASH (see $log, fuzz/crashes/$t/)"
    failed=1
  fi
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
  rate=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
  printf '%-18s %12s %10s %s\n' "$t" "${runs:-?}" "${rate:-?}" "$status"
done
rmdir fuzz/crashes/* 2>/dev/null || true
exit "$failed"
