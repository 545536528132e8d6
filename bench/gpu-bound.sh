#!/usr/bin/env bash
# How much is there to win (issue 18): for the pods that arrive in the FGD replay at 130 %
# (`nbsched simulate --arrival-scale 1.3 --seed S`, the same sequence), per trace and seed:
#  * an UPPER BOUND of GPU allocation: the LP of bench/gpu_offline.cc (placement aggregated by
#    pod shape x node type, with per-GPU and per-node cuts), solved by glpsol (GLPK, Debian);
#  * the best OFFLINE packing found: first-fit and best-fit decreasing under six orderings and the
#    arrival order (nbsched_gpu_offline), and FGD (examples/policies/gpu-fragmentation.yaml)
#    replaying some of those orders (FGD_ORDERS) with no CPU-only pods; the best of all.
# Writes build/gpu-bound/results.csv and the section between the gpu-bound markers of
# docs/gpu-replay.md (appended when absent).
#
# usage: bench/gpu-bound.sh [TRACE...]     (default: default gpushare100 gpuspec33 multigpu50)
# env:   SEEDS (default 42..51), TRACE_DIR (default ../shared/traces/alibaba-gpu-v2023),
#        NBSCHED / OFFLINE (default build/nbsched, build/bench/nbsched_gpu_offline), OUT,
#        FGD_ORDERS (default "gpu-desc+cpu-desc gpu-desc+cpu-asc arrival"; "all" = every order).
set -euo pipefail
cd "$(dirname "$0")/.."
traces=("$@")
[ ${#traces[@]} -gt 0 ] || traces=(default gpushare100 gpuspec33 multigpu50)
seeds=${SEEDS:-"42 43 44 45 46 47 48 49 50 51"}
trace_dir=${TRACE_DIR:-../shared/traces/alibaba-gpu-v2023}
bin=${NBSCHED:-build/nbsched}
offline=${OFFLINE:-build/bench/nbsched_gpu_offline}
out=${OUT:-build/gpu-bound}
fgd_orders=${FGD_ORDERS:-"gpu-desc+cpu-desc gpu-desc+cpu-asc arrival"}
for tool in "$bin" "$offline"; do
  [ -x "$tool" ] || { echo "gpu-bound: $tool missing (cmake --build build --target nbsched nbsched_gpu_offline)" >&2; exit 1; }
done
command -v glpsol >/dev/null || { echo "gpu-bound: glpsol missing (glpk-utils)" >&2; exit 1; }
[ -d "$trace_dir" ] || { echo "gpu-bound: trace directory $trace_dir not found" >&2; exit 1; }

mkdir -p "$out"
results="$out/results.csv"
echo "trace,seed,pods_arrived,arrived_gpu_pct,lp_bound_gpu_pct,offline_gpu_pct,offline_rule" >"$results"
nodes="$trace_dir/openb_node_list_gpu_node.csv"
capacity_milli=$(awk -F, 'NR > 1 { s += $4 } END { print s * 1000 }' "$nodes")
for t in "${traces[@]}"; do
  for s in $seeds; do
    dir="$out/$t-$s"
    rm -rf "$dir"
    mkdir -p "$dir/orders"
    line=$("$offline" --cluster "$nodes" --workload "$trace_dir/openb_pod_list_$t.csv" --seed "$s" \
      --arrival-scale 1.3 --lp "$dir/bound.lp" --orders "$dir/orders")
    IFS=, read -r _ arrived arrived_pct packed rule _ <<<"$line"
    glpsol --lp "$dir/bound.lp" --tmlim 60 -o "$dir/bound.out" >"$dir/glpsol.log"
    grep -q "Status:.*OPTIMAL" "$dir/bound.out" || { echo "gpu-bound: LP not solved for $t $s" >&2; exit 1; }
    obj=$(awk '/^Objective:/ { print $4 }' "$dir/bound.out")
    bound=$(awk -v o="$obj" -v c="$capacity_milli" 'BEGIN { printf "%.4f", 100 * o / c }')
    best=$packed best_rule=$rule
    for order in "$dir"/orders/*.csv; do
      name=$(basename "$order" .csv)
      [ "$fgd_orders" = all ] || [[ " $fgd_orders " == *" $name "* ]] || continue
      nice -n 10 "$bin" simulate --cluster "$nodes" --workload "$order" \
        --policy examples/policies/gpu-fragmentation.yaml --seed "$s" --progress never \
        --out "$dir/fgd-$name" 2>/dev/null
      v=$(awk -F, 'NR == 2 { print $8 }' "$dir/fgd-$name/summary.csv")
      if awk -v a="$v" -v b="$best" 'BEGIN { exit !(a > b) }'; then
        best=$v best_rule="fgd:$name"
      fi
      rm -rf "$dir/fgd-$name"
    done
    echo "$t,$s,$arrived,$arrived_pct,$bound,$best,$best_rule" | tee -a "$results" >&2
    rm -rf "$dir/orders"
  done
done

/usr/bin/python3 - "$results" "$out" "$fgd_orders" "$trace_dir" <<'PY'
import csv, os, statistics, sys
results, out, fgd_orders, trace_dir = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
paper = {}
try:
    for r in csv.DictReader(open(os.path.join(trace_dir, "fgd-expected-results/analysis_allo_discrete.csv"))):
        if r["tune"] in ("1.3", "1.30") and r["130"] != "" and r["sc_policy"] == "06-FGD":
            paper.setdefault(r["workload"].replace("openb_pod_list_", ""), []).append(float(r["130"]))
except OSError:
    pass
rows = list(csv.DictReader(open(results)))
traces = []
for r in rows:
    if r["trace"] not in traces:
        traces.append(r["trace"])
def col(t, k):
    return [float(r[k]) for r in rows if r["trace"] == t]
def cell(v):
    return "**%.2f** (%.2f–%.2f)" % (statistics.median(v), min(v), max(v))
seeds = sorted({r["seed"] for r in rows}, key=int)
L = []
w = L.append
w("<!-- gpu-bound:begin (bench/gpu-bound.sh writes this section) -->")
w("## How much is there to win: upper bound and best offline packing at 130 % arrival")
w("")
w("`bench/gpu-bound.sh`: for the very pods that arrive in each replay above (same trace, seed and")
w("inflation, `simulate::ArrivalSequence`), seeds %s; median (min–max), %% of the 6,212 GPUs." % ", ".join(seeds))
w("")
w("| | " + " | ".join("`%s`" % t for t in traces) + " |")
w("|---|" + "---|" * len(traces))
w("| arrived GPU | " + " | ".join(cell(col(t, "arrived_gpu_pct")) for t in traces) + " |")
w("| upper bound (LP, glpsol) | " + " | ".join(cell(col(t, "lp_bound_gpu_pct")) for t in traces) + " |")
w("| best offline packing found | " + " | ".join(cell(col(t, "offline_gpu_pct")) for t in traces) + " |")
w("| paper `06-FGD` (online, for reference) | " + " | ".join(cell(paper[t]) if t in paper else "–" for t in traces) + " |")
w("")
rules = {}
for r in rows:
    rules.setdefault(r["trace"], {}).setdefault(r["offline_rule"], 0)
    rules[r["trace"]][r["offline_rule"]] += 1
w("Best offline rule per trace (seeds won): " + "; ".join(
    "`%s`: " % t + ", ".join("%s ×%d" % (k, v) for k, v in sorted(rules[t].items(), key=lambda kv: -kv[1]))
    for t in traces) + ".")
w("")
w("Arrived = the pods of the replay's sequence up to 130 % of the capacity (alloc_grid's column")
w("130). `multigpu50`'s list alone is 183 % of the capacity and `nbsched simulate` does not drop pods")
w("from it (the FGD simulator removes random ones down to 130 %), so its prefix is taken.")
w("")
w("**The bound.** `bench/gpu_offline.cc` writes a CPLEX-LP file: maximise the GPU milli placed,")
w("x_{s,t} ≥ 0 pods of shape s (cpu, memory, k GPUs × m milli, allowed models) on node type t")
w("(cpu, memory, G, model; n_t nodes): Σ_t x_{s,t} ≤ count_s; x_{s,t} = 0 where one pod of s fits")
w("no empty node of t; per type, Σ cpu, Σ memory and Σ GPU milli within n_t times the node's; per")
w("type, whole GPUs used + sharing pods with m > 500 ≤ n_t·G (no GPU holds two pods above half, nor")
w("a share beside a whole-GPU pod); per type, pods with k > G/2, cpu > C/2 or memory > M/2 at most")
w("n_t each. Every real packing satisfies these rows, so the optimum bounds every policy, online or")
w("offline. It relaxes: the nodes of a type pooled per resource (no per-node packing beyond the")
w("half-node cuts), the per-GPU packing of shares beyond the 500 cut (three 400-milli pods may use")
w("1,200 milli of two GPUs), the arrival order, and integrality. Result: **100 % on every trace and")
w("seed**: with 130 % of the capacity arrived, the relaxation can always choose which pods fill the")
w("GPUs; the integer version (`nbsched_gpu_offline --mip`, glpsol, 30 s limit) found 6,211,730 of")
w("6,212,000 milli on `gpushare100` seed 42 (99.996 %). So no bound below 100 % was proven: the")
w("aggregate resources never bind, and the loss FGD takes comes from per-node / per-GPU packing and")
w("from the order pods arrive in.")
w("")
w("**The offline packing** (a real per-node, per-GPU packing of a subset of the arrived pods, no")
w("CPU-only pod): first-fit (`ffd`) or best-fit (`bfd`: least idle GPU, then least CPU left)")
w("over the orderings GPU demand desc then CPU desc / asc; pods with a `gpu_spec` first; CPU per")
w("GPU asc; whole-GPU pods first (by CPU per GPU, or by GPU desc), then shares desc; and the")
w("arrival order; plus FGD (`gpu-fragmentation.yaml`, the simulator in default mode) replaying")
w("the orders %s (`fgd:ORDER`). A gain of a policy over FGD is worth judging against the" % ", ".join("`%s`" % o for o in fgd_orders.split()))
w("distance from FGD's row in the table above to this row: FGD online already takes the pods in")
w("the worst order for it (random), and the same FGD fed the pods largest first does better.")
w("<!-- gpu-bound:end -->")
section = "\n".join(L) + "\n"
open(os.path.join(out, "section.md"), "w").write(section)
doc = "docs/gpu-replay.md"
text = open(doc).read() if os.path.exists(doc) else ""
b, e = "<!-- gpu-bound:begin", "<!-- gpu-bound:end -->"
if b in text and e in text:
    text = text[:text.index(b)] + section + text[text.index(e) + len(e) + 1:]
else:
    text = text.rstrip("\n") + "\n\n" + section
open(doc, "w").write(text)
print("gpu-bound: wrote %s and the section of %s" % (results, doc), file=sys.stderr)
PY
