#!/usr/bin/env bash
# Fails on an upward #include between layers (STYLE.md §2.2): a layer may include only layers
# with a smaller number.
set -euo pipefail
cd "$(dirname "$0")/.."
layer_of() {
  case "$1" in
    scheduler/model/*) echo 0 ;;
    predicates/*|priorities/*) echo 1 ;;
    scheduler/framework/*) echo 2 ;;
    scheduler/codec/*|scheduler/config/*) echo 3 ;;
    scheduler/state/*) echo 4 ;;
    scheduler/server/*|scheduler/simulate/*|scheduler/main.cc) echo 5 ;;
    *) echo "" ;;
  esac
}
status=0
for file in $(git ls-files 'scheduler/*.cc' 'scheduler/*.h' 'predicates/*' 'priorities/*'); do
  from=$(layer_of "$file")
  [ -n "$from" ] || continue
  while IFS= read -r inc; do
    to=$(layer_of "$inc")
    [ -n "$to" ] || continue
    dir_from=$(dirname "$file"); dir_to=$(dirname "$inc")
    if [ "$to" -gt "$from" ] || { [ "$to" -eq "$from" ] && [ "$from" -eq 1 ] && [ "${dir_from%%/*}" != "${dir_to%%/*}" ]; }; then
      echo "$file includes $inc (layer $from → $to)"
      status=1
    fi
  done < <(sed -n 's/^#include "\(.*\)"/\1/p' "$file")
done
exit $status
