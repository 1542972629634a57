#!/bin/sh
set -e
cat /usr/local/share/entry
cat /srv/hard2.txt
cat "/opt/real/a-directory-with-a-rather-long-name-to-push-past-the-ustar-limit/and-another-long-component/file-with-a-long-name.txt"
cat "/opt/données/été/café.txt"
echo done
