# Shared helpers of the load scripts (sourced). Everything listens on 127.0.0.1 only, and every
# process started here is stopped on exit.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BUILD_DIR="${BUILD_DIR:-$ROOT/build}"
NBSCHED="${NBSCHED:-$BUILD_DIR/nbsched}"
# Benchmark-only Debian packages (not part of scripts/install-deps.sh).
BENCH_DEPS="apache2-utils wrk nginx-light"

PIDS=()
TMP_DIRS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  for d in "${TMP_DIRS[@]}"; do rm -rf "$d"; done
}
trap cleanup EXIT

ensure_deps() {  # ensure_deps TOOL... : installs BENCH_DEPS with apt-get when a tool is missing
  local missing=0
  for tool in "$@"; do command -v "$tool" >/dev/null 2>&1 || [ -x "/usr/sbin/$tool" ] || missing=1; done
  [ "$missing" = 0 ] && return 0
  echo "installing bench deps: $BENCH_DEPS" >&2
  local sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $BENCH_DEPS >&2
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# start_nbsched SNAPSHOT POLICY THREADS: starts the server on a free loopback port, waits for its
# "ready" line (30 s at most), sets NB_PORT.
start_nbsched() {
  [ -x "$NBSCHED" ] || { echo "no server binary at $NBSCHED (set BUILD_DIR or NBSCHED)" >&2; exit 1; }
  NB_PORT="$(free_port)"
  local log
  log="$(mktemp)"
  TMP_DIRS+=("$log")
  "$NBSCHED" serve --listen "127.0.0.1:$NB_PORT" --snapshot "$1" --policy "$2" \
    --threads "$3" --log-level warn >"$log" 2>&1 &
  PIDS+=("$!")
  for _ in $(seq 300); do
    grep -q "nbsched ready on" "$log" && return 0
    kill -0 "${PIDS[-1]}" 2>/dev/null || { cat "$log" >&2; exit 1; }
    sleep 0.1
  done
  echo "nbsched did not become ready" >&2
  cat "$log" >&2
  exit 1
}

load_average() { cut -d' ' -f1-3 /proc/loadavg; }
