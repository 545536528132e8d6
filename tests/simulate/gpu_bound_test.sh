#!/usr/bin/env bash
# bench/gpu_offline.cc on tiny clusters: the LP bound (glpsol) is never below the offline packing
# it found, and the per-GPU cut makes the bound exact where two shares above half compete for one
# GPU. usage: gpu_bound_test.sh NBSCHED_GPU_OFFLINE
set -euo pipefail
offline=$1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
header="name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,qos,pod_phase,creation_time,deletion_time,scheduled_time"
fail() { echo "FAIL: $*" >&2; exit 1; }
bound() {  # LP file → % of capacity ($2 = capacity milli)
  glpsol --lp "$1" -o "$1.out" >/dev/null || fail "glpsol failed on $1"
  grep -q "Status:.*OPTIMAL" "$1.out" || fail "LP $1 not optimal"
  awk -v c="$2" '/^Objective:/ { printf "%.4f", 100 * $4 / c }' "$1.out"
}

# 1. One node, one GPU, two 600-milli pods: only one fits; the total-milli row alone would
#    allow 1000 of 1200 milli, the per-GPU cut allows one pod: 60 %.
printf 'sn,cpu_milli,memory_mib,gpu,model\nn0,64000,262144,1,T4\n' >"$dir/one.csv"
{ echo "$header"; echo "a,1000,1024,1,600,,LS,Running,0,10,0"; echo "b,1000,1024,1,600,,LS,Running,0,10,0"; } >"$dir/two.csv"
line=$("$offline" --cluster "$dir/one.csv" --workload "$dir/two.csv" --seed 1 --lp "$dir/one.lp")
IFS=, read -r _ arrived arrived_pct packed rule placed <<<"$line"
[ "$arrived" = 2 ] || fail "arrived $arrived pods, want 2 ($line)"
[ "$arrived_pct" = 120.0000 ] || fail "arrived $arrived_pct %, want 120 ($line)"
[ "$packed" = 60.0000 ] || fail "offline packed $packed %, want 60 ($line)"
[ "$placed" = 1 ] || fail "offline placed $placed pods, want 1"
b=$(bound "$dir/one.lp" 1000)
[ "$b" = 60.0000 ] || fail "LP bound $b %, want 60 (the per-GPU cut)"

# 2. A mixed cluster (4 node types, gpu_spec, whole, multi-GPU and shared pods), three seeds:
#    bound ≥ offline packing, both ≤ 100.
{
  echo "sn,cpu_milli,memory_mib,gpu,model"
  for i in $(seq 0 11); do
    case $((i % 4)) in
      0) echo "n$i,32000,131072,2,P100" ;; 1) echo "n$i,96000,393216,8,V100M16" ;;
      2) echo "n$i,64000,262144,4,T4" ;; 3) echo "n$i,16000,65536,1,G2" ;;
    esac
  done
} >"$dir/mixed.csv"
{
  echo "$header"
  shapes=("3152,8192,1,810," "11300,16384,1,1000," "11908,8192,1,470," "12500,16384,0,0,"
          "8000,32768,2,1000," "6000,32768,4,1000," "4000,4096,1,250,T4|G2" "30000,8192,1,300,")
  for i in $(seq 0 59); do echo "p$i,${shapes[$((i % 8))]},LS,Running,0,10,0"; done
} >"$dir/pods.csv"
capacity=$(awk -F, 'NR > 1 { s += $4 } END { print s * 1000 }' "$dir/mixed.csv")
for seed in 1 2 3; do
  line=$("$offline" --cluster "$dir/mixed.csv" --workload "$dir/pods.csv" --seed "$seed" --lp "$dir/m$seed.lp")
  IFS=, read -r _ _ _ packed _ _ <<<"$line"
  b=$(bound "$dir/m$seed.lp" "$capacity")
  awk -v p="$packed" -v b="$b" 'BEGIN { exit !(p > 0 && p <= b + 1e-6 && b <= 100.0001) }' ||
    fail "seed $seed: offline $packed %, bound $b % (want 0 < offline <= bound <= 100)"
  echo "seed $seed: offline $packed %, bound $b %"
done

# 3. CPU binds: 3 nodes of 16 cores and 8 GPUs, whole-GPU pods of 6 cores: 2 pods per node fit
#    (25 %); the pooled CPU row allows 8 of them (33.33 %), a valid but loose bound.
printf 'sn,cpu_milli,memory_mib,gpu,model\nn0,16000,262144,8,T4\nn1,16000,262144,8,T4\nn2,16000,262144,8,T4\n' >"$dir/cpu.csv"
{ echo "$header"; for i in $(seq 0 29); do echo "w$i,6000,1024,1,1000,,LS,Running,0,10,0"; done; } >"$dir/whole.csv"
line=$("$offline" --cluster "$dir/cpu.csv" --workload "$dir/whole.csv" --seed 1 --lp "$dir/cpu.lp")
IFS=, read -r _ _ _ packed _ _ <<<"$line"
[ "$packed" = 25.0000 ] || fail "CPU-bound offline packed $packed %, want 25 ($line)"
b=$(bound "$dir/cpu.lp" 24000)
[ "$b" = 33.3333 ] || fail "CPU-bound LP bound $b %, want 33.3333"
echo "gpu_bound_test: ok"
