#!/usr/bin/env bash
# The paper's Fig. 7: 1 master (tainted) + 2 workers (4 CPU / 8Gi), KubeSpawner notebook pods
# (guarantees 500m CPU / 1G) added one by one; per-node CPU and memory requested vs number of
# pods, for LeastRequested (the paper's policy), BalancedResourceAllocation, MostRequested and
# the default policy (examples/policy.yaml). Writes docs/fig7.png and docs/fig7.md.
# Then the same on USAGE (interfaces.md §11, issue 19): the pods' usage drawn from the seeded
# notebook activity model (--usage-model notebook), request-balanced placement (LeastRequested)
# against usage-aware placement (examples/policies/usage-aware.yaml: UsageBalancedPriority +
# OvercommitRiskPriority) and against the offline oracle (bench/fig7_oracle.h: the least largest
# worker CPU-usage gap after the 4th pod that any placement achieves), on two workloads: the
# paper's identical notebooks (examples/fig7-notebooks.json) and a mixed KubeSpawner profile_list
# (examples/fig7-profiles.json); seed 42, the sweep of seeds 1..100 (and 101..200 held out), plus an ablation of the
# usage-aware policy's two terms. Writes docs/fig7-usage.png, docs/fig7-usage-profiles.png,
# docs/fig7-usage-seeds.png and the usage half of docs/fig7.md.
#
# usage: bench/fig7.sh      env: NBSCHED=path/to/nbsched (default build/nbsched),
#                                ORACLE=path/to/nbsched_fig7_oracle (default build/bench/...), OUT=dir
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${NBSCHED:-build/nbsched}
out=${OUT:-build/fig7}
oracle=${ORACLE:-build/bench/nbsched_fig7_oracle}
if [ ! -x "$bin" ] || [ ! -x "$oracle" ]; then ./scripts/build.sh; fi
# Debian's interpreter (python3-matplotlib), not a pyenv/venv one that may lack it.
py=${PYTHON:-python3}
[ -x /usr/bin/python3 ] && [ -z "${PYTHON:-}" ] && py=/usr/bin/python3
"$py" -c 'import matplotlib' 2>/dev/null || {
  echo "fig7: python3-matplotlib missing (scripts/install-deps.sh installs it)" >&2
  exit 1
}
policies="$out/policies"
mkdir -p "$policies" docs
cp examples/policies/least-requested.yaml "$policies/least-requested.yaml"
cp examples/policies/most-requested.yaml "$policies/most-requested.yaml"
cp examples/policy.yaml "$policies/default.yaml"
cat > "$policies/balanced-resource-allocation.yaml" <<'YAML'
priorities:
  - {name: BalancedResourceAllocation, weight: 1}
selection: best-in-filter
YAML
"$bin" simulate --cluster examples/fig7-cluster.json --workload examples/fig7-notebooks.json \
  --policy "$policies/least-requested.yaml" \
  --policy "$policies/balanced-resource-allocation.yaml" \
  --policy "$policies/most-requested.yaml" --policy "$policies/default.yaml" \
  --seed 42 --out "$out" --progress never
"$py" bench/plot.py "$out" --prefix fig7- \
  --title "Fig. 7: notebook pods on 1 tainted master + 2 workers (4 CPU / 8Gi)" >/dev/null
cp "$out/fig7-nodes.png" docs/fig7.png

# Fig. 7 on usage: request-balanced against usage-aware and the oracle, both workloads.
cp examples/policies/least-requested.yaml "$policies/request-balanced.yaml"
cp examples/policies/usage-aware.yaml "$policies/usage-aware.yaml"
# The ablation: each term of usage-aware alone, and usage balance on cpu and memory.
preds='predicates: [CheckNodeCondition, CheckNodeUnschedulable, PodFitsResources, MatchNodeSelector, PodToleratesNodeTaints]'
printf '%s\npriorities:\n  - {name: UsageBalancedPriority, weight: 1, args: {memoryWeight: 0}}\nselection: best-in-filter\n' \
  "$preds" > "$policies/usage-balanced-only.yaml"
printf '%s\npriorities:\n  - {name: OvercommitRiskPriority, weight: 1}\nselection: best-in-filter\n' \
  "$preds" > "$policies/overcommit-risk-only.yaml"
printf '%s\npriorities:\n  - {name: UsageBalancedPriority, weight: 2}\n  - {name: OvercommitRiskPriority, weight: 1}\nselection: best-in-filter\n' \
  "$preds" > "$policies/usage-aware-cpu-memory.yaml"
# The weight of usage balance against the limits term (usage-aware: 2 to 1).
for uw in 1 4; do
  printf '%s\npriorities:\n  - {name: UsageBalancedPriority, weight: %s, args: {memoryWeight: 0}}\n  - {name: OvercommitRiskPriority, weight: 1}\nselection: best-in-filter\n' \
    "$preds" "$uw" > "$policies/usage-aware-weight-$uw.yaml"
done
seeds=$(seq 1 200 | sed 's/^/--seed /')
for w in notebooks profiles; do
  "$bin" simulate --cluster examples/fig7-cluster.json --workload "examples/fig7-$w.json" \
    --policy "$policies/request-balanced.yaml" --policy "$policies/usage-aware.yaml" \
    --usage-model notebook --seed 42 --out "$out/usage-$w" --progress never
  # shellcheck disable=SC2086
  "$bin" simulate --cluster examples/fig7-cluster.json --workload "examples/fig7-$w.json" \
    --policy "$policies/request-balanced.yaml" --policy "$policies/usage-aware.yaml" \
    --policy "$policies/usage-balanced-only.yaml" --policy "$policies/overcommit-risk-only.yaml" \
    --policy "$policies/usage-aware-cpu-memory.yaml" --policy "$policies/usage-aware-weight-1.yaml" \
    --policy "$policies/usage-aware-weight-4.yaml" \
    --usage-model notebook $seeds --out "$out/usage-sweep-$w" --progress never
  # shellcheck disable=SC2086
  "$oracle" --cluster examples/fig7-cluster.json --workload "examples/fig7-$w.json" $seeds \
    > "$out/oracle-$w.csv"
done

"$py" bench/fig7_report.py "$out"
echo "fig7: wrote docs/fig7.png, docs/fig7-usage*.png and docs/fig7.md" >&2
