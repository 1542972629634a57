# Settings of the export job (sourced by entrypoint.sh export).
EXPORT_DIR=$(mktemp -d /tmp/export.XXXXXX)
EXPORT_CHARSET=IBM037
export EXPORT_DIR EXPORT_CHARSET
