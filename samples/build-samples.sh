#!/usr/bin/env bash
# Builds the sample images (tag slimts-sample/<name>:1) that are missing; all by default.
# SLIMTS_SAMPLES_FORCE=1 rebuilds them.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
bash "$here/base/build-base.sh" >/dev/null
base="${SLIMTS_BASE_TAG:-slimts-base/bookworm:minbase}"
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
  tag="slimts-sample/$n:1"
  if [ "${SLIMTS_SAMPLES_FORCE:-0}" != 1 ] && docker image inspect "$tag" >/dev/null 2>&1; then
    continue
  fi
  echo "building $tag"
  # Output only on failure (the legacy builder's deprecation notice is noise).
  if ! out=$(docker build --network host -q --build-arg "BASE=$base" -t "$tag" "$here/$n" 2>&1); then
    echo "$out" >&2
    echo "build-samples: building $tag failed" >&2
    exit 1
  fi
done
