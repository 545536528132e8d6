#!/usr/bin/env bash
# The notebook-style workload with departures (issue 18): each trace's own creation_time /
# deletion_time, arrival times compressed 1000x (--time-scale 0.001, durations kept) on an evenly
# thinned fifth of the GPU nodes (--node-scale 0.2), so that GPU demand at the peak exceeds the
# capacity, pods leave and fragments reopen. Reports failed pods and the time-averaged GPU
# allocation (summary.csv's time_avg_alloc_gpu_pct) per policy, and writes the section between
# the gpu-departures markers of docs/gpu-replay.md (appended when absent).
# `multigpu50` has no time columns, so it has no departures workload.
#
# The command line for one policy (e.g. to check a new policy against FGD):
#   build/nbsched simulate --cluster ../shared/traces/alibaba-gpu-v2023/openb_node_list_gpu_node.csv \
#     --workload ../shared/traces/alibaba-gpu-v2023/openb_pod_list_default.csv \
#     --time-scale 0.001 --node-scale 0.2 --seed 42 ... --seed 51 \
#     --policy examples/policies/gpu-fragmentation.yaml --policy NEW.yaml --out DIR
#
# usage: bench/gpu-departures.sh [TRACE...]   (default: default gpushare100 gpuspec33)
# env:   SEEDS (default 42..51; in this mode a seed only changes tie-breaks), TIME_SCALE (0.001),
#        NODE_SCALE (0.2), POLICIES (default examples/policies/*.yaml), TRACE_DIR, NBSCHED, OUT,
#        THREADS.
set -euo pipefail
cd "$(dirname "$0")/.."
traces=("$@")
[ ${#traces[@]} -gt 0 ] || traces=(default gpushare100 gpuspec33)
seeds=${SEEDS:-"42 43 44 45 46 47 48 49 50 51"}
time_scale=${TIME_SCALE:-0.001}
node_scale=${NODE_SCALE:-0.2}
trace_dir=${TRACE_DIR:-../shared/traces/alibaba-gpu-v2023}
bin=${NBSCHED:-build/nbsched}
out=${OUT:-build/gpu-departures}
policies=${POLICIES:-$(ls examples/policies/*.yaml)}
[ -x "$bin" ] || { echo "gpu-departures: $bin missing (cmake --build build --target nbsched)" >&2; exit 1; }
[ -d "$trace_dir" ] || { echo "gpu-departures: trace directory $trace_dir not found" >&2; exit 1; }
seed_flags=()
for s in $seeds; do seed_flags+=(--seed "$s"); done
policy_flags=()
for p in $policies; do policy_flags+=(--policy "$p"); done
thread_flags=()
[ -n "${THREADS:-}" ] && thread_flags=(--threads "$THREADS")

mkdir -p "$out"
for t in "${traces[@]}"; do
  echo "gpu-departures: $t" >&2
  nice -n 10 "$bin" simulate --cluster "$trace_dir/openb_node_list_gpu_node.csv" \
    --workload "$trace_dir/openb_pod_list_$t.csv" "${policy_flags[@]}" "${seed_flags[@]}" \
    --time-scale "$time_scale" --node-scale "$node_scale" --progress never \
    --out "$out/$t" "${thread_flags[@]}"
done

/usr/bin/python3 - "$out" "$time_scale" "$node_scale" "$trace_dir" "${traces[@]}" <<'PY'
import csv, os, statistics, sys
out, ts, ns, trace_dir, traces = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5:]
def peak_demand(t):
    ev = []
    for r in csv.DictReader(open(os.path.join(trace_dir, "openb_pod_list_%s.csv" % t))):
        k = int(r["num_gpu"])
        d = k * int(r["gpu_milli"]) if k > 0 else 0
        c = float(r["creation_time"]) * float(ts)
        ev.append((c, 1, d))
        if r["deletion_time"] != "" and float(r["deletion_time"]) >= float(r["creation_time"]):
            ev.append((c + float(r["deletion_time"]) - float(r["creation_time"]), 0, -d))
    ev.sort()
    cur = peak = 0
    for _, _, d in ev:
        cur += d
        peak = max(peak, cur)
    return peak
def rows(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))
def cell(v, fmt="%.2f"):
    return ("**" + fmt + "** (" + fmt + "–" + fmt + ")") % (statistics.median(v), min(v), max(v))
L = []
w = L.append
w("<!-- gpu-departures:begin (bench/gpu-departures.sh writes this section) -->")
w("## Departures: the traces' own arrival and deletion times on a smaller cluster")
w("")
w("`bench/gpu-departures.sh`: `nbsched simulate` in default mode (pods in `creation_time` order,")
w("each deleted `deletion_time - creation_time` seconds after it arrives) with `--time-scale %s`" % ts)
w("(arrival times × %s, durations kept) and `--node-scale %s` (every %.0fth GPU node, same mix of" % (ts, ns, 1 / float(ns)))
w("types). GPU demand of the pods alive at once then peaks above the capacity, so pods fail, leave")
w("and free fragments. `time_avg_alloc_gpu_pct` = the allocated GPU integrated over [first")
w("arrival, last arrival] / the window, % of the thinned cluster's GPUs; peak demand = the most GPU")
w("requested by pods alive at once (all of them, placed or not) / the thinned capacity. Median (min–max) over")
w("seeds %s (here a seed only changes tie-breaks). `multigpu50` has no time columns." % ", ".join(sorted({r["seed"] for t in traces for r in rows(os.path.join(out, t, "summary.csv"))}, key=int)))
w("")
w("| trace | policy | GPUs | peak demand | pods | failed | GPU pods failed | time-avg GPU alloc % | final GPU alloc % |")
w("|---|---|---|---|---|---|---|---|---|")
for t in traces:
    rs = rows(os.path.join(out, t, "summary.csv"))
    grid = rows(os.path.join(out, t, "alloc_grid.csv"))
    gpus = int(grid[0]["total_gpu_milli"]) // 1000 if grid else 0
    peak = 100.0 * peak_demand(t) / (1000 * gpus) if gpus else 0
    by = {}
    for r in rs:
        by.setdefault(r["policy"], []).append(r)
    for p, prs in by.items():
        f = lambda k: [float(r[k]) for r in prs]
        w("| `%s` | `%s` | %d | %.0f %% | %.0f | %s | %s | %s | %s |" % (
            t, p, gpus, peak, statistics.median(f("pods_arrived")), cell(f("pods_failed"), "%.0f"),
            cell(f("gpu_pods_failed"), "%.0f"), cell(f("time_avg_alloc_gpu_pct")),
            cell(f("alloc_gpu_pct"))))
w("")
w("Seconds per run (median): " + "; ".join(
    "`%s` %.2f" % (t, statistics.median(float(r["seconds"]) for r in rows(os.path.join(out, t, "timing.csv"))))
    for t in traces) + " (one run per thread, the machine shared).")
w("")
w("LeastRequested failed fewer pods than FGD on each trace in this run (a likely reason, not")
w("measured: spreading CPU keeps room on every node for the next GPU pod's CPU), while the FGD")
w("policies kept the higher time-averaged GPU allocation: a new policy has both to beat here.")
w("<!-- gpu-departures:end -->")
section = "\n".join(L) + "\n"
open(os.path.join(out, "section.md"), "w").write(section)
doc = "docs/gpu-replay.md"
text = open(doc).read() if os.path.exists(doc) else ""
b, e = "<!-- gpu-departures:begin", "<!-- gpu-departures:end -->"
if b in text and e in text:
    text = text[:text.index(b)] + section + text[text.index(e) + len(e) + 1:]
else:
    text = text.rstrip("\n") + "\n\n" + section
open(doc, "w").write(text)
print("gpu-departures: wrote the section of %s" % doc, file=sys.stderr)
PY
