#!/usr/bin/env bash
# build-image.sh TAG DIR: builds DIR's Dockerfile FROM the local base as TAG, unless TAG already
# holds a build of the same sources (label io.slimts.sources = hash of DIR's files), so edits to
# a sample rebuild it and unchanged samples cost one inspect. SLIMTS_SAMPLES_FORCE=1 rebuilds.
set -euo pipefail
tag="$1" dir="$2"
base="${SLIMTS_BASE_TAG:-slimts-base/bookworm:minbase}"
[ -f "$dir/Dockerfile" ] || { echo "build-image: no Dockerfile in $dir" >&2; exit 1; }
hash=$( (cd "$dir" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum; echo "$base") | sha256sum | cut -c1-16)
# Parallel test workers may ask for the same image: one builds, the others wait and reuse it.
# (The lock is on the Dockerfile itself, so no lock file is left behind.)
exec 9<"$dir/Dockerfile"
flock 9
have=$(docker image inspect -f '{{index .Config.Labels "io.slimts.sources"}}' "$tag" 2>/dev/null || true)
if [ "${SLIMTS_SAMPLES_FORCE:-0}" != 1 ] && [ "$have" = "$hash" ]; then exit 0; fi
echo "building $tag"
# Output only on failure (the legacy builder's deprecation notice is noise).
if ! out=$(docker build --network host -q --build-arg "BASE=$base" --label "io.slimts.sources=$hash" -t "$tag" "$dir" 2>&1); then
  echo "$out" >&2
  echo "build-image: building $tag failed" >&2
  exit 1
fi
