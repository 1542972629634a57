#!/bin/sh
# One image, three jobs: `serve` (the default) runs the web server; `report` and `export` are run
# later as their own containers (`docker run IMAGE report`) by a scheduler.
set -eu
cmd="${1:-serve}"
case "$cmd" in
  serve)
    exec ruby /app/bin/server.rb
    ;;
  report)
    # totals per region, then the widest lines of the notes wrapped
    perl /app/bin/report.pl /app/data/sales.csv
    awk -F, 'NR > 1 { n[$1]++ } END { for (r in n) print r, n[r] }' /app/data/sales.csv | sort
    ;;
  export)
    . /app/lib/export-env.sh
    php /app/bin/export.php > "$EXPORT_DIR/export.txt"
    # the mainframe wants EBCDIC, gzip'd
    iconv -f UTF-8 -t "$EXPORT_CHARSET" "$EXPORT_DIR/export.txt" | gzip -9n > "$EXPORT_DIR/export.ebc.gz"
    echo "ebcdic sha256 $(gzip -dc "$EXPORT_DIR/export.ebc.gz" | sha256sum | cut -d' ' -f1)"
    gzip -dc "$EXPORT_DIR/export.ebc.gz" | iconv -f "$EXPORT_CHARSET" -t UTF-8 | head -n 3
    wc -l < "$EXPORT_DIR/export.txt" | tr -d ' '
    ;;
  *)
    echo "usage: entrypoint.sh serve|report|export" >&2
    exit 64
    ;;
esac
