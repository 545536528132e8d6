#!/usr/bin/env bash
# Builds the nbsched container image OFFLINE (interfaces.md §10): no container engine, no base
# image, no network. buildah (Debian package) assembles it `from scratch` out of
#   * the Release binary build/nbsched at /usr/local/bin/nbsched,
#   * exactly the shared libraries `ldd` finds for it, plus the dynamic loader, at the paths
#     ldd names (the loader's default multiarch search path, so no ld.so.cache is needed),
#   * the CA certificates (/etc/ssl/certs/ca-certificates.crt and OpenSSL's default paths),
#   * /etc/passwd and /etc/group entries for uid/gid 65532 (`nonroot`), and an empty /tmp,
# with the Dockerfile's entrypoint and user, and writes an OCI archive (`oci-archive` format).
#
#   scripts/image.sh [FILE]      default FILE: build/nbsched-image.tar; prints FILE's path
#
# Environment: NBSCHED_BINARY (default build/nbsched), NBSCHED_IMAGE_TAG (default
# nbsched:latest, the name recorded in the archive). Needs root (buildah's vfs storage, here
# kept in a temporary directory and removed afterwards, so nothing is left in
# /var/lib/containers). Run scripts/build.sh first.
set -euo pipefail
cd "$(dirname "$0")/.."

out="${1:-build/nbsched-image.tar}"
binary="${NBSCHED_BINARY:-build/nbsched}"
tag="${NBSCHED_IMAGE_TAG:-nbsched:latest}"

die() { echo "image.sh: $*" >&2; exit 1; }
command -v buildah >/dev/null || die "buildah is not installed (scripts/install-deps.sh installs it)"
[[ -x "$binary" ]] || die "$binary not found or not executable: build it first (scripts/build.sh)"
[[ -f /etc/ssl/certs/ca-certificates.crt ]] || die "no /etc/ssl/certs/ca-certificates.crt (install ca-certificates)"

# The libraries: every absolute path ldd prints (`name => /path (addr)` and the loader's
# `/lib64/ld-linux-x86-64.so.2 (addr)`). A library ldd cannot find is an error, not a gap.
ldd_out="$(ldd "$binary")" || die "ldd $binary failed"
if grep -q 'not found' <<<"$ldd_out"; then die "ldd: missing libraries: $(grep 'not found' <<<"$ldd_out")"; fi
mapfile -t libs < <(awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\// {print $1}' <<<"$ldd_out" | sort -u)
[[ ${#libs[@]} -gt 0 ]] || die "ldd listed no libraries for $binary"

work="$(mktemp -d)"
ctr=""
cleanup() {
  if [[ -n "$ctr" ]]; then "${bah[@]}" rm "$ctr" >/dev/null 2>&1 || true; fi
  # vfs layers may hold read-only directories; make them removable first.
  chmod -R u+w "$work" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
bah=(buildah --storage-driver vfs --root "$work/storage" --runroot "$work/run")

# The root filesystem, assembled in a plain directory and added as one layer.
root="$work/rootfs"
mkdir -p "$root"/{usr/local/bin,etc/ssl/certs,usr/lib/ssl,tmp}
chmod 1777 "$root/tmp"
install -m 0755 "$binary" "$root/usr/local/bin/nbsched"
# As the Dockerfile: no symbol tables in the image (strip is in binutils, build-essential).
if command -v strip >/dev/null; then strip --strip-unneeded "$root/usr/local/bin/nbsched"; fi
for lib in "${libs[@]}"; do
  install -D -m 0755 "$(readlink -f "$lib")" "$root$lib"   # the file itself, at ldd's path
done
install -m 0644 /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/ca-certificates.crt"
# OpenSSL's compiled-in defaults (OPENSSLDIR /usr/lib/ssl), as Debian's libssl3 lays them out.
ln -s /etc/ssl/certs "$root/usr/lib/ssl/certs"
ln -s /etc/ssl/certs/ca-certificates.crt "$root/usr/lib/ssl/cert.pem"
cat >"$root/etc/passwd" <<'TXT'
root:x:0:0:root:/root:/usr/sbin/nologin
nonroot:x:65532:65532:nonroot:/nonexistent:/usr/sbin/nologin
TXT
cat >"$root/etc/group" <<'TXT'
root:x:0:
nonroot:x:65532:
TXT
# One file, no NSS modules: glibc 2.36 has `files` and `dns` built in.
printf 'passwd: files\ngroup: files\nhosts: files dns\n' >"$root/etc/nsswitch.conf"

ctr="$("${bah[@]}" from --quiet scratch)"
"${bah[@]}" add --quiet "$ctr" "$root/" / >/dev/null
"${bah[@]}" config \
  --entrypoint '["/usr/local/bin/nbsched"]' --cmd '' --user 65532:65532 --workingdir / \
  --env PATH=/usr/local/bin \
  --port 8888/tcp \
  --label org.opencontainers.image.title=nbsched \
  --label org.opencontainers.image.description="kube-scheduler extender for JupyterHub notebook clusters" \
  --label org.opencontainers.image.version="$("$binary" version 2>/dev/null | head -n1 || true)" \
  "$ctr"
mkdir -p "$(dirname "$out")"
rm -f "$out"
"${bah[@]}" commit --quiet --format oci --timestamp 0 "$ctr" "oci-archive:$out:$tag" >/dev/null
echo "$(cd "$(dirname "$out")" && pwd)/$(basename "$out")"
