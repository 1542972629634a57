#!/usr/bin/env bash
# npm run demo: brings up an engine, builds the nginx sample from the local Debian base,
# slims it with `slimts build`, and prints the sizes before and after.
set -euo pipefail
cd "$(dirname "$0")/.."
bash bin/ensure-engine
bash samples/build-samples.sh nginx
[ -x sensors/build/slimts-sensor ] && [ -f dist/cli/main.js ] || npm run build
node bin/slimts.js build slimts-sample/nginx:1 --tag slimts-sample/nginx.slim:1
size() { docker image inspect -f '{{.Size}}' "$1" | awk '{ printf "%.1f MB", $1 / 1e6 }'; }
echo
echo "before: slimts-sample/nginx:1       $(size slimts-sample/nginx:1)"
echo "after:  slimts-sample/nginx.slim:1  $(size slimts-sample/nginx.slim:1)"
echo "try it: docker run --rm -p 8080:80 slimts-sample/nginx.slim:1"
