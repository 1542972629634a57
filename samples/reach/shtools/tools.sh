#!/bin/bash
# A shell entrypoint whose subcommands run programs through other programs: find -exec runs
# basename, xargs runs the echo program (not the shell's builtin), a function runs its own
# arguments ("$@"), a library file is sourced by a computed name, and a job script is run by a
# path built from the argument.
set -e
. /opt/tools/lib/util.sh
retry() { "$@" || "$@"; }
case "${1:-hello}" in
hello) say hello;;
names) find /opt/tools/lib -name '*.sh' -exec basename {} \; | sort | xargs echo;;
bzip) retry bzip2 --help 2>&1 | head -1 | cut -c1-5;;
plugin) . "/opt/tools/lib/$2.sh"; "$2";;
job) exec sh /opt/tools/jobs/"$2".sh;;
*) echo "unknown: $1" >&2; exit 2;;
esac
