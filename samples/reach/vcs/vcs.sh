#!/bin/sh
# `version` (the image's default run) asks git and gawk their versions. The other subcommands
# are never probed: `mirror` makes a repository and clones it (git finds its templates under its
# install prefix and runs git-upload-pack from its exec-path by a computed name); `stamp` loads
# a gawk extension by name from gawk's compiled-in extension directory; `when` gives perl a
# module and code on its command line (-M, -e).
set -e
case "${1:-version}" in
  version) git --version >/dev/null; gawk --version | head -1 >/dev/null; echo ok ;;
  mirror)
    cd /tmp && git init -q src && cd src
    git -c user.email=ci@example.org -c user.name=ci commit -q --allow-empty -m first
    git clone -q "file:///tmp/src" /tmp/copy
    git -C /tmp/copy log --format=%s
    ls /tmp/copy/.git/hooks | grep -c sample ;;
  stamp) gawk '@load "ordchr"; BEGIN { print ord("A"), chr(66) }' ;;
  when) perl -MTime::Piece -e 'print Time::Piece->strptime("2024-02-29", "%Y-%m-%d")->strftime("%A"), "\n"' ;;
  *) echo "usage: vcs version|mirror|stamp|when" >&2; exit 2 ;;
esac
