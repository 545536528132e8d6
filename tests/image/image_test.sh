#!/usr/bin/env bash
# The offline image (scripts/image.sh, interfaces.md §10) runs: build the OCI archive, unpack
# its layers (OCI layout: index.json -> manifest -> layers, with jq and tar), check the config
# (entrypoint, user) and that the root filesystem holds nothing but the binary, ldd's
# libraries, the CA certificates and the passwd/group files; then chroot into it as uid 65532
# and run `nbsched version` and `nbsched serve --snapshot` on 127.0.0.1 (port 0: the port is
# read from the "ready on" line), answer /healthz and a /filter, and stop it.
# Skips (exit 77) where buildah, jq or root (for chroot) are missing.
#   image_test.sh REPO_ROOT NBSCHED_BINARY
set -euo pipefail
repo="$1"
binary="$2"
skip() { echo "SKIP: $*" >&2; exit 77; }
fail() { echo "FAIL: $*" >&2; exit 1; }
command -v buildah >/dev/null || skip "buildah is not installed (scripts/install-deps.sh installs it)"
command -v jq >/dev/null || skip "jq is not installed"
command -v curl >/dev/null || skip "curl is not installed"
[[ "$(id -u)" -eq 0 ]] || skip "chroot and buildah's vfs storage need root"
chroot / /bin/true 2>/dev/null || skip "chroot is not permitted here (no CAP_SYS_CHROOT)"

work="$(mktemp -d)"
server_pid=""
cleanup() {
  if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
    kill -KILL "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

# ---- build ----------------------------------------------------------------------------------
archive="$work/nbsched-image.tar"
printed="$(NBSCHED_BINARY="$binary" "$repo/scripts/image.sh" "$archive")" || fail "scripts/image.sh failed"
[[ "$printed" == "$archive" ]] || fail "image.sh printed '$printed', want the archive path $archive"
[[ -s "$archive" ]] || fail "no archive at $archive"

# ---- unpack ---------------------------------------------------------------------------------
layout="$work/layout"
rootfs="$work/rootfs"
mkdir -p "$layout" "$rootfs"
tar -xf "$archive" -C "$layout"
[[ "$(jq -r .imageLayoutVersion "$layout/oci-layout")" == "1.0.0" ]] || fail "not an OCI layout archive"
blob() { echo "$layout/blobs/${1/://}"; }
manifest="$(blob "$(jq -r '.manifests[0].digest' "$layout/index.json")")"
[[ "$(jq -r '.manifests[0].annotations["org.opencontainers.image.ref.name"]' "$layout/index.json")" == "nbsched:latest" ]] ||
  fail "the archive's image is not named nbsched:latest"
config="$(blob "$(jq -r .config.digest "$manifest")")"
[[ "$(jq -c .config.Entrypoint "$config")" == '["/usr/local/bin/nbsched"]' ]] ||
  fail "entrypoint $(jq -c .config.Entrypoint "$config")"
[[ "$(jq -r .config.User "$config")" == "65532:65532" ]] || fail "user $(jq -r .config.User "$config")"
while read -r digest; do tar -xf "$(blob "$digest")" -C "$rootfs"; done < <(jq -r '.layers[].digest' "$manifest")

# ---- contents: exactly the binary, ldd's libraries, certificates, users ----------------------
want="$work/want" got="$work/got"
{
  echo /usr/local/bin/nbsched
  ldd "$binary" | awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\// {print $1}'
  printf '%s\n' /etc/ssl/certs/ca-certificates.crt /etc/passwd /etc/group /etc/nsswitch.conf
} | sort -u >"$want"
(cd "$rootfs" && find . -type f | sed 's#^\.##' | sort) >"$got"
diff -u "$want" "$got" >&2 || fail "the image's files differ from binary + ldd libraries + certificates + users"
grep -qx 'nonroot:x:65532:65532:.*' "$rootfs/etc/passwd" || fail "no passwd entry for 65532"
grep -qx 'nonroot:x:65532:' "$rootfs/etc/group" || fail "no group entry for 65532"
cmp -s /etc/ssl/certs/ca-certificates.crt "$rootfs/etc/ssl/certs/ca-certificates.crt" || fail "CA bundle differs"
echo "image: archive $(stat -c %s "$archive") bytes, unpacked $(du -sb "$rootfs" | cut -f1) bytes"

# ---- run: version --------------------------------------------------------------------------
in_image=(chroot --userspec=65532:65532 "$rootfs" /usr/local/bin/nbsched)
version="$("${in_image[@]}" version)" || fail "nbsched version failed inside the image"
[[ "$version" == nbsched\ * ]] || fail "nbsched version printed '$version'"
[[ "$version" == "$("$binary" version)" ]] || fail "version '$version' differs from the build's"

# ---- run: serve --snapshot ------------------------------------------------------------------
mkdir -p "$rootfs/data"
cp "$repo/examples/cluster.json" "$repo/examples/policy.yaml" "$repo/examples/notebook-pod.json" "$rootfs/data/"
mkfifo "$work/stdout"
"${in_image[@]}" serve --snapshot /data/cluster.json --policy /data/policy.yaml \
  --listen 127.0.0.1:0 >"$work/stdout" 2>"$work/stderr" &
server_pid=$!
exec 3<"$work/stdout"
line=""
IFS= read -r -t 30 line <&3 || { cat "$work/stderr" >&2; fail "no 'ready' line from serve within 30 s"; }
[[ "$line" =~ ^nbsched\ ready\ on\ http://127\.0\.0\.1:([0-9]+)$ ]] || fail "unexpected first line '$line'"
url="http://127.0.0.1:${BASH_REMATCH[1]}"

health="$(curl -sS --max-time 10 -w ' %{http_code}' "$url/healthz")" || fail "GET /healthz failed"
[[ "$health" == "ok 200" ]] || fail "GET /healthz answered '$health'"

body="{\"Pod\": $(cat "$repo/examples/notebook-pod.json"), \"NodeNames\": [\"master\", \"worker-1\", \"worker-2\", \"gpu-1\"]}"
answer="$(curl -sS --max-time 10 -X POST -H 'Content-Type: application/json' --data-binary "$body" "$url/filter")" ||
  fail "POST /filter failed"
echo "filter: $answer"
[[ "$(jq -c .NodeNames <<<"$answer")" == '["worker-1","worker-2","gpu-1"]' ]] || fail "/filter NodeNames wrong: $answer"
[[ "$(jq -r '.FailedNodes.master' <<<"$answer")" == "node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }" ]] ||
  fail "/filter FailedNodes wrong: $answer"
[[ "$(jq -r .Error <<<"$answer")" == "" ]] || fail "/filter Error: $answer"

# ---- stop -----------------------------------------------------------------------------------
kill -TERM "$server_pid"
status=0
wait "$server_pid" || status=$?
server_pid=""
exec 3<&-
[[ $status -eq 0 ]] || { cat "$work/stderr" >&2; fail "serve exited with $status after SIGTERM"; }
grep -q '"msg":"shutting down"' "$work/stderr" || fail "serve did not log its shutdown"
echo "ok: the image runs nbsched version and serve --snapshot as uid 65532"
