#!/usr/bin/env bash
# Builds Release, runs the micro-benchmarks (decode, schedule) and the load scripts (ab, wrk vs
# nginx), and writes the results between the markers of docs/benchmarks.md (the hand-written text
# around them stays). Everything runs on 127.0.0.1 and stops by itself.
#
#   bench/run-all.sh [--quick]        BUILD_DIR (default build-release) is the Release build dir
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
export BUILD_DIR="${BUILD_DIR:-$ROOT/build-release}"
QUICK=0
[ "${1:-}" = "--quick" ] && QUICK=1
MIN_TIME=2; AB_N=20000; WRK_D=10s
[ "$QUICK" = 1 ] && { MIN_TIME=0.2; AB_N=2000; WRK_D=3s; }

cmake -S "$ROOT" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release >&2
cmake --build "$BUILD_DIR" --target nbsched nbsched_bench_decode nbsched_bench_schedule \
  -j"$(nproc)" >&2

out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
{
  echo "### Machine"
  echo
  echo "- CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(nproc) cores"
  echo "- memory: $(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)"
  echo "- kernel: $(uname -r); compiler: $(c++ --version | head -1)"
  echo "- date: $(date -u +%Y-%m-%dT%H:%MZ); commit: $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo "- load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo
} >"$out/md"

bench_table() {  # bench_table JSON: Markdown table of a Google Benchmark JSON report
  python3 - "$1" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
rows = [b for b in r["benchmarks"] if b.get("run_type") == "iteration"]
timed = any("p99_us" in b for b in rows)
if timed:
    print("| benchmark | nodes | mean | p50 | p99 | CPU mean | CPU p99 | decode | core | encode | reply |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    ms = lambda us: f"{us / 1000:.3f} ms"
    for b in rows:
        print(f"| {b['name'].split('/')[0]} | {int(b['nodes'])} | {ms(b['mean_us'])} | "
              f"{ms(b['p50_us'])} | {ms(b['p99_us'])} | {ms(b['cpu_mean_us'])} | "
              f"{ms(b['cpu_p99_us'])} | {ms(b['decode_us'])} | {ms(b['core_us'])} | "
              f"{ms(b['encode_us'])} | {int(b['reply_B'])} B |")
    pairs = [b for b in rows if "filter_p99_us" in b]
    if pairs:
        print()
        print("Each request of the pair on its own (the `/prioritize` reuses the `/filter`'s verdicts):")
        print()
        print("| benchmark | nodes | /filter p99 | /prioritize p99 | memo hit ratio |")
        print("|---|---|---|---|---|")
        for b in pairs:
            print(f"| {b['name'].split('/')[0]} | {int(b['nodes'])} | {ms(b['filter_p99_us'])} | "
                  f"{ms(b['prioritize_p99_us'])} | {b.get('memo_hit_ratio', 0):.2f} |")
else:
    print("| benchmark | time | CPU | throughput |")
    print("|---|---|---|---|")
    for b in rows:
        tp = ""
        if "bytes_per_second" in b: tp = f"{b['bytes_per_second'] / 1e6:.0f} MB/s"
        elif "items_per_second" in b: tp = f"{b['items_per_second'] / 1e6:.2f} M items/s"
        print(f"| {b['name']} | {b['real_time']:.1f} {b['time_unit']} | "
              f"{b['cpu_time']:.1f} {b['time_unit']} | {tp} |")
print()
print(f"load average {r['context'].get('load_avg', '?')}")
PY
}

run_bench() {  # run_bench NAME TITLE COMMAND...
  local name="$1" title="$2"
  shift 2
  echo "running $name" >&2
  "$@" --benchmark_min_time="$MIN_TIME" --benchmark_format=json >"$out/$name.json"
  { echo "### $title"; echo; echo "\`$(basename "$1") --benchmark_min_time=$MIN_TIME\`"; echo
    bench_table "$out/$name.json"; echo; } >>"$out/md"
}
run_bench decode "Decoding (bench_decode.cc)" "$BUILD_DIR/bench/nbsched_bench_decode"
run_bench schedule "Filter + prioritize server time (bench_schedule.cc)" \
  "$BUILD_DIR/bench/nbsched_bench_schedule"

echo "running ab" >&2
{ echo "### The paper's ab test (bench/load/ab.sh)"; echo
  echo "\`ab -c 100 -n $AB_N -p body -T application/json http://127.0.0.1:PORT/prioritize\`"; echo
  "$ROOT/bench/load/ab.sh" -n "$AB_N"; echo; } >>"$out/md"
echo "running wrk" >&2
{ echo "### wrk next to nginx (bench/load/wrk.sh)"; echo
  "$ROOT/bench/load/wrk.sh" --duration "$WRK_D" 2>/dev/null; echo; } >>"$out/md"

doc="$ROOT/docs/benchmarks.md"
mkdir -p "$(dirname "$doc")"
if [ ! -f "$doc" ] || ! grep -q '<!-- results:begin -->' "$doc"; then
  printf '# Benchmarks\n\n<!-- results:begin -->\n<!-- results:end -->\n' >>"$doc"
fi
python3 - "$doc" "$out/md" <<'PY'
import sys
doc, new = sys.argv[1], open(sys.argv[2]).read()
text = open(doc).read()
head, rest = text.split("<!-- results:begin -->", 1)
_, tail = rest.split("<!-- results:end -->", 1)
open(doc, "w").write(head + "<!-- results:begin -->\n" + new + "<!-- results:end -->" + tail)
PY
echo "wrote $doc" >&2
