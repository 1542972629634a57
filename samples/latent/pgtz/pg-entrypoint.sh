#!/bin/sh
# Creates the cluster on first start (in the container, like the official image), then runs the server.
set -eu
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  initdb --auth=trust --encoding=UTF8 --username=postgres "$PGDATA" > /dev/null
fi
exec "$@"
