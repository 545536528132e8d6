#!/usr/bin/env bash
# The main job: install what is missing, build, serve the bundled example cluster on
# 127.0.0.1:8888 until Ctrl-C. Extra arguments go to `nbsched serve`.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
./scripts/build.sh >&2
cat >&2 <<'TXT'
Try it (in another terminal):
  curl -s -X POST http://127.0.0.1:8888/filter -H 'Content-Type: application/json' \
    -d "{\"Pod\": $(cat examples/notebook-pod.json), \"NodeNames\": [\"master\", \"worker-1\", \"worker-2\", \"gpu-1\"]}"
TXT
exec ./build/nbsched serve --listen 127.0.0.1:8888 \
  --snapshot examples/cluster.json --policy examples/policy.yaml "$@"
