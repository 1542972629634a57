#!/bin/sh
# Reads every input file, counts words with coreutils, sums numbers with python, prints a report.
set -eu
dir="${1:-/data}"
words=$(cat "$dir"/*.txt | wc -w)
lines=$(cat "$dir"/*.txt | wc -l)
sum=$(python3 -c 'import sys; print(sum(int(x) for x in open(sys.argv[1]).read().split()))' "$dir/numbers.dat")
echo "files: $(ls "$dir" | sort | tr '\n' ' ')"
echo "lines: $lines words: $words"
echo "sum: $sum"
echo "sha: $(sort "$dir"/*.txt | sha256sum | cut -c1-16)"
