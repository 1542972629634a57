#!/usr/bin/env bash
# Builds the sample images (tag slimts-sample/<name>:1) that are missing or out of date; all by
# default. SLIMTS_SAMPLES_FORCE=1 rebuilds them.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
bash "$here/base/build-base.sh" >/dev/null
names=("$@")
if [ ${#names[@]} -eq 0 ]; then
  for d in "$here"/*/; do
    n=$(basename "$d")
    case "$n" in base|trouble) continue ;; esac
    [ -f "$d/Dockerfile" ] && names+=("$n")
  done
fi
for n in "${names[@]}"; do
  [ -f "$here/$n/Dockerfile" ] || { echo "build-samples: no sample '$n'" >&2; exit 1; }
  bash "$here/build-image.sh" "slimts-sample/$n:1" "$here/$n"
done
