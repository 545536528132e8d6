#!/usr/bin/env bash
# Soak test: a real `nbsched serve` on 127.0.0.1 (the bundled examples) receives a bounded mix
# of valid and invalid requests over keep-alive connections; every status is checked, and the
# server's RSS, open descriptors and threads are sampled once a second into a CSV. Stops by
# itself, then SIGTERMs the server and checks it exits 0.
#
#   bench/soak.sh [--short] [--requests N] [--connections C] [--csv FILE]
#     full form: 1,000,000 requests; --short: 20,000 (CI)
# Needs build/nbsched (./scripts/build.sh); builds build/soak_client from bench/soak_client.cc.
# Exit 0 when there were no errors and the server exited 0.
set -euo pipefail
cd "$(dirname "$0")/.."
REQUESTS=1000000
CONNECTIONS=8
CSV=build/soak.csv
BIN=${NBSCHED_BIN:-build/nbsched}
while [[ $# -gt 0 ]]; do
  case "$1" in
    --short) REQUESTS=20000; shift ;;
    --requests) REQUESTS=$2; shift 2 ;;
    --connections) CONNECTIONS=$2; shift 2 ;;
    --csv) CSV=$2; shift 2 ;;
    *) echo "soak.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
[[ -x "$BIN" ]] || { echo "soak.sh: $BIN not built (run ./scripts/build.sh)" >&2; exit 2; }
CLIENT=build/soak_client
if [[ ! -x "$CLIENT" || bench/soak_client.cc -nt "$CLIENT" ]]; then
  mkdir -p build
  ${CXX:-g++} -std=c++20 -O2 -pthread -Wall -Wextra -o "$CLIENT" bench/soak_client.cc
fi

out=$(mktemp -d)
trap 'kill "$server_pid" 2>/dev/null || true; rm -rf "$out"' EXIT
"$BIN" serve --listen 127.0.0.1:0 --snapshot examples/cluster.json --policy examples/policy.yaml \
  --log-level warn >"$out/stdout" 2>"$out/stderr" &
server_pid=$!
port=""
for _ in $(seq 1 200); do
  port=$(sed -n 's#^nbsched ready on http://127.0.0.1:\([0-9]*\)$#\1#p' "$out/stdout")
  [[ -n "$port" ]] && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$out/stderr" >&2; exit 1; }
  sleep 0.1
done
[[ -n "$port" ]] || { echo "soak.sh: server did not start" >&2; exit 1; }

status=0
"$CLIENT" --port "$port" --server-pid "$server_pid" --requests "$REQUESTS" \
  --connections "$CONNECTIONS" --csv "$CSV" --examples examples || status=1
kill -TERM "$server_pid"
server_exit=0
wait "$server_pid" || server_exit=$?
echo "soak: server exit code $server_exit"
[[ $server_exit -eq 0 ]] || status=1
exit $status
