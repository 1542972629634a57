#!/usr/bin/env bash
# The sample's own end-to-end suite: e2e.sh BASE_URL (e.g. http://172.17.0.2:8080). Exits 0
# when every route answers as expected, else 1 naming the first route that did not.
set -u
base="${1:?usage: e2e.sh BASE_URL}"
# wait (up to 30 s) for the service to listen: a suite runs right after `compose up`
for _ in $(seq 60); do curl -fsS --max-time 2 "$base/" >/dev/null 2>&1 && break; sleep 0.5; done
check() { # PATH EXPECTED
  local got
  got=$(curl -fsS --max-time 10 "$base$1" 2>&1) || { echo "e2e: $1: $got" >&2; exit 1; }
  [ "$got" = "$2" ] || { echo "e2e: $1: expected '$2', got '$got'" >&2; exit 1; }
}
check /money 3.30
check /db 42
check /catalog 3
check /codec "cp500 8885939396"
check /date 1970
echo "e2e: all routes answer"
