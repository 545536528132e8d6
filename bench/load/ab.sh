#!/usr/bin/env bash
# The paper's load test: ApacheBench, 100 concurrent clients, 20,000 POSTs of a /prioritize request
# (the example notebook pod over the example cluster's 2 workers) to nbsched on 127.0.0.1.
# Prints a Markdown table (time per request, percentiles, failed requests) on stdout.
#
#   bench/load/ab.sh [-c 100] [-n 20000] [--threads N]      (BUILD_DIR or NBSCHED: the binary)
set -euo pipefail
source "$(dirname "$0")/common.sh"

CONCURRENCY=100
REQUESTS=20000
THREADS="$(nproc)"
while [ $# -gt 0 ]; do
  case "$1" in
    -c) CONCURRENCY="$2"; shift 2 ;;
    -n) REQUESTS="$2"; shift 2 ;;
    --threads) THREADS="$2"; shift 2 ;;
    *) echo "usage: $0 [-c N] [-n N] [--threads N]" >&2; exit 2 ;;
  esac
done

ensure_deps ab
work="$(mktemp -d)"
TMP_DIRS+=("$work")
python3 - "$ROOT/examples/notebook-pod.json" >"$work/body.json" <<'PY'
import json, sys
pod = json.load(open(sys.argv[1]))
print(json.dumps({"Pod": pod, "Nodes": None, "NodeNames": ["worker-1", "worker-2"]},
                 separators=(",", ":")), end="")
PY

start_nbsched "$ROOT/examples/cluster.json" "$ROOT/examples/policy.yaml" "$THREADS"
url="http://127.0.0.1:$NB_PORT/prioritize"
reply="$(curl -sS -X POST -H 'Content-Type: application/json' --data-binary @"$work/body.json" "$url")"
echo "reply: $reply" >&2

load_before="$(load_average)"
ab -q -c "$CONCURRENCY" -n "$REQUESTS" -p "$work/body.json" -T application/json "$url" \
  >"$work/ab.txt" 2>&1 || { cat "$work/ab.txt" >&2; exit 1; }
load_after="$(load_average)"

field() { { grep -m1 "^$1" "$work/ab.txt" || true; } | sed "s/^[^:]*: *//"; }
pct() { awk -v p="$1" '$1 == p"%" {print $2}' "$work/ab.txt"; }
non2xx="$(field 'Non-2xx responses')"
cat <<MD
| ab -c $CONCURRENCY -n $REQUESTS POST /prioritize (2 workers) | value |
|---|---|
| requests/s | $(field 'Requests per second' | awk '{print $1}') |
| time per request (mean, per client) | $(field 'Time per request' | awk '{print $1}') ms |
| time per request (mean, across all concurrent requests) | $(grep 'across all concurrent' "$work/ab.txt" | sed 's/^[^:]*: *//' | awk '{print $1}') ms |
| 50% / 90% / 99% / 100% | $(pct 50) / $(pct 90) / $(pct 99) / $(pct 100) ms |
| failed requests | $(field 'Failed requests') |
| non-2xx responses | ${non2xx:-0} |
| complete requests | $(field 'Complete requests') |
| server threads | $THREADS |
| load average before → after | $load_before → $load_after |

Reply: \`$reply\`
MD
