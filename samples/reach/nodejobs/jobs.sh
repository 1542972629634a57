#!/bin/sh
# jobs serve | total | summary: the server, and two subcommands the default run never takes
# (awk reads the ledger through a redirect; node runs a here-document that reads a template).
set -e
case "${1:-serve}" in
  serve)
    exec node /opt/jobs/server.js
    ;;
  total)
    awk -F, 'NR > 1 { s += $3; n++ } END { printf "%d jobs, total %.2f\n", n, s }' < /var/lib/jobs/ledger.csv
    ;;
  summary)
    node <<'JS'
const fs = require('fs');
const tmpl = fs.readFileSync('/usr/share/jobs/summary.tmpl', 'utf8');
process.stdout.write(tmpl.replace('{count}', '3').replace('{who}', 'ops'));
JS
    ;;
  *)
    echo "usage: jobs serve|total|summary" >&2
    exit 2
    ;;
esac
