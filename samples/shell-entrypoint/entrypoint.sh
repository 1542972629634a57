#!/bin/sh
# Prepares the web root with coreutils and sed, then becomes the server.
set -eu
mkdir -p /srv/www
cp /opt/site/template.html /srv/www/index.html
sed -i "s/@STARTED@/$(date -u +%Y-%m-%d)/; s/@HOST@/$(hostname)/" /srv/www/index.html
echo "ok" > /srv/www/health.txt
exec "$@"
