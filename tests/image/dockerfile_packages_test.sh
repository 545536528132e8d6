#!/usr/bin/env bash
# The Dockerfile and scripts/image.sh must not drift apart (interfaces.md §10): the Dockerfile's
# runtime stage installs exactly the Debian packages that own the shared libraries
# `ldd build/nbsched` lists (dpkg -S; the image.sh image holds exactly those files), plus
# ca-certificates; and its builder installs the -dev packages of scripts/install-deps.sh and
# nothing install-deps.sh does not know.
#   dockerfile_packages_test.sh REPO_ROOT NBSCHED_BINARY
set -euo pipefail
root="$1"
binary="$2"
dockerfile="$root/Dockerfile"
fail=0
err() { echo "FAIL: $*" >&2; fail=1; }

if ! command -v dpkg >/dev/null; then echo "SKIP: no dpkg on this machine" >&2; exit 77; fi
[[ -f "$dockerfile" ]] || { echo "FAIL: no $dockerfile" >&2; exit 1; }
[[ -x "$binary" ]] || { echo "FAIL: no binary $binary" >&2; exit 1; }

# The packages of the `apt-get install` in a Dockerfile stage (stage text on stdin): the
# continuation lines joined, comments dropped, the words after `install` up to `&&` that are
# not options.
stage_packages() {
  sed -e 's/#.*$//' | sed -e ':a' -e '/\\$/N; s/\\\n/ /; ta' |
    grep -E 'apt-get +install' |
    sed -E 's/.*apt-get +install//; s/&&.*//' | tr ' ' '\n' | grep -E '^[a-z0-9][a-z0-9.+-]+$' |
    sort -u
}
# Stages split at FROM lines: the builder is the first, the runtime the last.
builder="$(awk '/^FROM /{n++} n==1' "$dockerfile" | stage_packages)"
runtime="$(awk -v last="$(grep -c '^FROM ' "$dockerfile")" '/^FROM /{n++} n==last' "$dockerfile" | stage_packages)"
[[ -n "$builder" ]] || err "found no apt-get install in the Dockerfile's first (builder) stage"
[[ -n "$runtime" ]] || err "found no apt-get install in the Dockerfile's last (runtime) stage"

# The owners of what ldd lists. Debian 12 is merged-/usr: dpkg may know a file under /lib or
# /usr/lib only, so ask for the path, its /usr twin and its resolved target, in one dpkg call
# (dpkg -S is slow per call).
mapfile -t libs < <(ldd "$binary" | awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\// {print $1}' | sort -u)
candidates=()
for lib in "${libs[@]}"; do candidates+=("$lib" "/usr$lib" "${lib#/usr}" "$(readlink -f "$lib")"); done
declare -A owner_of=()
while IFS= read -r line; do
  # "libssl3:amd64: /usr/lib/x86_64-linux-gnu/libssl.so.3" (diversions and ", " lists aside)
  [[ "$line" =~ ^([a-z0-9][a-z0-9.+-]*)(:[a-z0-9]+)?:\ (/.*)$ ]] || continue
  owner_of["${BASH_REMATCH[3]}"]="${BASH_REMATCH[1]}"
done < <(dpkg -S "${candidates[@]}" 2>/dev/null || true)
owners=""
for lib in "${libs[@]}"; do
  pkg=""
  for candidate in "$lib" "/usr$lib" "${lib#/usr}" "$(readlink -f "$lib")"; do
    pkg="${owner_of[$candidate]:-}"
    [[ -n "$pkg" ]] && break
  done
  if [[ -z "$pkg" ]]; then err "no Debian package owns $lib (ldd $binary)"; continue; fi
  owners+="$pkg"$'\n'
done
owners="$(sort -u <<<"$owners" | sed '/^$/d')"
[[ -n "$owners" ]] || err "ldd $binary listed no libraries"

want="$(printf '%s\nca-certificates\n' "$owners" | sort -u)"
# Packages the runtime stage may carry ahead of the binary (see the Dockerfile's comment).
ahead="libboost-program-options1.74.0"
missing="$(comm -23 <(echo "$want") <(echo "$runtime"))"
extra="$(comm -13 <(echo "$want") <(echo "$runtime") | grep -vxF "$ahead" || true)"
[[ -z "$missing" ]] || err "the Dockerfile's runtime stage lacks packages ldd needs: $(echo $missing)"
[[ -z "$extra" ]] || err "the Dockerfile's runtime stage installs packages no library of ldd needs: $(echo $extra)"

# The builder against scripts/install-deps.sh's PACKAGES array.
deps="$(sed -n '/^PACKAGES=(/,/^)/p' "$root/scripts/install-deps.sh" | sed -e 's/#.*$//' -e 's/PACKAGES=(//' -e 's/)//' |
  tr ' ' '\n' | sed '/^$/d' | sort -u)"
[[ -n "$deps" ]] || err "cannot read PACKAGES from scripts/install-deps.sh"
not_in_deps="$(comm -13 <(echo "$deps") <(echo "$builder"))"
dev_missing="$(comm -23 <(grep -- '-dev$' <<<"$deps") <(echo "$builder"))"
[[ -z "$not_in_deps" ]] || err "the builder installs packages scripts/install-deps.sh does not: $(echo $not_in_deps)"
[[ -z "$dev_missing" ]] || err "the builder lacks -dev packages of scripts/install-deps.sh: $(echo $dev_missing)"

# The entrypoint and user both recipes share.
grep -qxF 'ENTRYPOINT ["/usr/local/bin/nbsched"]' "$dockerfile" || err "Dockerfile ENTRYPOINT is not [\"/usr/local/bin/nbsched\"]"
grep -qxF 'USER 65532:65532' "$dockerfile" || err "Dockerfile USER is not 65532:65532"
grep -q -- "--entrypoint '\[\"/usr/local/bin/nbsched\"\]'" "$root/scripts/image.sh" || err "scripts/image.sh entrypoint differs"
grep -q -- "--user 65532:65532" "$root/scripts/image.sh" || err "scripts/image.sh user differs"

if [[ $fail -ne 0 ]]; then exit 1; fi
echo "ok: runtime stage = the $(wc -l <<<"$owners") packages owning ldd's ${#libs[@]} libraries + ca-certificates; builder within install-deps.sh"
