#!/usr/bin/env bash
# Builds the local Debian bookworm base image that every sample and test image starts FROM.
# The mirror is read from this machine's apt sources so no host name lives in the repo.
# Cached by tag: a second run with the image present returns at once.
set -euo pipefail
TAG="${SLIMTS_BASE_TAG:-slimts-base/bookworm:minbase}"
SUITE="${SLIMTS_BASE_SUITE:-bookworm}"

if docker image inspect "$TAG" >/dev/null 2>&1; then
  echo "base image $TAG present"
  exit 0
fi

mirror_from_apt_sources() {
  local f url
  # deb822 (.sources) first: "URIs: <url>" next to "Suites: <suite> ..."
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    url=$(awk -v s="$SUITE" '
      /^[[:space:]]*$/ { if (u != "" && ok) { print u; exit } u=""; ok=0; next }
      /^URIs:/ { u=$2 }
      /^Suites:/ { for (i=2;i<=NF;i++) if ($i==s) ok=1 }
      END { if (u != "" && ok) print u }' "$f" | head -n1)
    [ -n "$url" ] && { echo "$url"; return; }
  done
  # one-line format: "deb [opts] <url> <suite> <components>"
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] || continue
    url=$(awk -v s="$SUITE" '$1=="deb" { i=2; if ($i ~ /^\[/) { while ($i !~ /\]$/) i++; i++ } if ($(i+1)==s) { print $i; exit } }' "$f")
    [ -n "$url" ] && { echo "$url"; return; }
  done
}

MIRROR="${SLIMTS_APT_MIRROR:-$(mirror_from_apt_sources)}"
if [ -z "$MIRROR" ]; then
  echo "build-base: no apt source for '$SUITE' found in /etc/apt; set SLIMTS_APT_MIRROR" >&2
  exit 1
fi
command -v debootstrap >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null; }

work=$(mktemp -d /tmp/slimts-base.XXXXXX)
trap 'rm -rf "$work"' EXIT
echo "debootstrap $SUITE (minbase) from the configured apt mirror..."
debootstrap --variant=minbase "$SUITE" "$work/root" "$MIRROR" > "$work/log" 2>&1 || { tail -20 "$work/log" >&2; exit 1; }
# apt inside image builds uses the same mirror; keep the image lean.
echo "deb $MIRROR $SUITE main" > "$work/root/etc/apt/sources.list"
rm -rf "$work/root/var/cache/apt/archives/"*.deb "$work/root/var/lib/apt/lists/"*
tar -C "$work/root" --numeric-owner --xattrs -c . | docker import \
  --change 'CMD ["/bin/bash"]' --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  - "$TAG" >/dev/null
echo "base image $TAG built"
