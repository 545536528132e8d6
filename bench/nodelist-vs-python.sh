#!/usr/bin/env bash
# The full-NodeList mode (`nodeCacheCapable: false`) against CPython's json.loads, side by side in
# one run (issue 17): generates the varied 5,000-node cluster and its NodeList /filter body
# (bench/load/gen_cluster.py --varied --nodelist), starts the real `nbsched serve` on a free
# 127.0.0.1 port with that cluster as --snapshot, POSTs the body N times with curl, and reads the
# server time of /filter from the server's own nbsched_request_duration_seconds histogram
# (sum/count over these N requests, after a first one reported apart; the handler: decode,
# filter, encode) next to curl's wall time.
# Then times `json.loads` of the same bytes N times in /usr/bin/python3 and prints the ratio.
#
#   bench/nodelist-vs-python.sh [N=10] [NODES=5000]
# Env: BUILD_DIR (default build/), NBSCHED (default $BUILD_DIR/nbsched), DATA_DIR (default
# $BUILD_DIR/bench-data; the generated files are reused when present), THREADS (default 2).
set -euo pipefail
# shellcheck source=load/common.sh
source "$(dirname "$0")/load/common.sh"

N="${1:-10}"
NODES="${2:-5000}"
THREADS="${THREADS:-2}"
DATA_DIR="${DATA_DIR:-$BUILD_DIR/bench-data}"
[ "$N" -ge 1 ] && [ "$N" -le 1000 ] || { echo "N must be 1..1000" >&2; exit 2; }
BODY="$DATA_DIR/varied-cpu-nodelist-filter-$NODES.json"
CLUSTER="$DATA_DIR/varied-cluster-$NODES.json"
if [ ! -f "$BODY" ] || [ ! -f "$CLUSTER" ]; then
  python3 "$ROOT/bench/load/gen_cluster.py" --varied --nodelist --nodes "$NODES" --out "$DATA_DIR"
fi

start_nbsched "$CLUSTER" "$ROOT/examples/policy.yaml" "$THREADS"
URL="http://127.0.0.1:$NB_PORT"
work="$(mktemp -d)"
TMP_DIRS+=("$work")

# sum and count of the /filter request-duration histogram
filter_histogram() {
  curl -sf --max-time 10 "$URL/metrics" |
    awk '/^nbsched_request_duration_seconds_sum\{.*verb="filter"/ {s=$2}
         /^nbsched_request_duration_seconds_count\{.*verb="filter"/ {c=$2}
         END {printf "%s %s\n", s+0, c+0}'
}

post() {  # post OUT: one /filter of the body; prints curl's total time (s)
  curl -sS --max-time 60 -o "$1" -w '%{time_total}\n' -H 'Content-Type: application/json' \
    -H 'Expect:' --data-binary "@$BODY" "$URL/filter"
}

# The first request: page faults, parser buffers, and no decoded Nodes to reuse yet (the server
# reuses a node whose read members are byte for byte the previous request's). Reported apart.
read -r sumf countf < <(filter_histogram)
post "$work/reply.json" >/dev/null
read -r sum0 count0 < <(filter_histogram)
: >"$work/wall"
for _ in $(seq "$N"); do post "$work/reply.json" >>"$work/wall"; done
read -r sum1 count1 < <(filter_histogram)

/usr/bin/python3 - "$BODY" "$N" "$work/reply.json" >"$work/python" <<'EOF'
import json, sys, time
body = open(sys.argv[1], "rb").read()
n = int(sys.argv[2])
json.loads(body)  # warm-up, as the server's
times = []
for _ in range(n):
    t = time.perf_counter()
    json.loads(body)
    times.append(time.perf_counter() - t)
reply = json.load(open(sys.argv[3], "rb"))
kept = len(reply["Nodes"]["items"])
print(sum(times) / n, min(times), len(body), kept, len(open(sys.argv[3], "rb").read()))
EOF
read -r py_mean py_min body_bytes kept reply_bytes <"$work/python"

awk -v n="$N" -v s0="$sum0" -v s1="$sum1" -v c0="$count0" -v c1="$count1" \
  -v pm="$py_mean" -v pmin="$py_min" -v bb="$body_bytes" -v kept="$kept" -v rb="$reply_bytes" \
  -v nodes="$NODES" -v wallfile="$work/wall" -v sf="$sumf" -v cf="$countf" 'BEGIN {
  if (c1 - c0 != n) { printf "expected %d /filter observations, got %d\n", n, c1 - c0; exit 1 }
  server = (s1 - s0) / (c1 - c0)
  wmin = 1e9; wsum = 0; k = 0
  while ((getline w < wallfile) > 0) { wsum += w; if (w < wmin) wmin = w; k++ }
  printf "full-NodeList /filter, %d nodes: body %.1f MB, %d nodes kept, reply %.1f MB, N=%d\n",
         nodes, bb / 1e6, kept, rb / 1e6, n
  printf "  nbsched server time, first request    %8.1f ms\n", (s0 - sf) / (c0 - cf) * 1e3
  printf "  nbsched server time (histogram mean)  %8.1f ms\n", server * 1e3
  printf "  nbsched client wall time (curl)       %8.1f ms mean, %.1f ms min\n",
         wsum / k * 1e3, wmin * 1e3
  printf "  python3 json.loads                    %8.1f ms mean, %.1f ms min\n", pm * 1e3, pmin * 1e3
  printf "  ratio json.loads / server time        %8.1fx\n", pm / server
  printf "  ratio json.loads / client wall time   %8.1fx\n", pm / (wsum / k)
}'
