#!/bin/sh
# Initialises its data dir on first start; a second start finds the state and says so.
set -e
if [ -e /var/lib/app/state/initialized ]; then
  echo "state found: $(cat /var/lib/app/state/initialized)"
else
  mkdir -p /var/lib/app/state
  cp /var/lib/app/seed.txt /var/lib/app/state/initialized
  echo "more" >> /var/lib/app/seed.txt
  echo "initialized fresh"
fi
