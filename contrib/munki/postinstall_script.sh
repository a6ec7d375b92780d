#!/bin/sh
# Munki postinstall_script for a cmdm profile item (installer_type nopkg): installs or updates the
# profile through the MDM with `cmdm apply`, which returns once the Mac lists it. Exit 0 only when
# every part is installed.
set -u
CMDM=${CMDM:-/usr/local/bin/cmdm}
PROFILE_ID='@PROFILE_ID@'
work=$(mktemp -d "${TMPDIR:-/tmp}/cmdm-munki.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT
base64 --decode > "$work/@PROFILE_FILE@" <<'CMDM_PROFILE'
@PROFILE_BASE64@
CMDM_PROFILE
"$CMDM" apply --profile "$PROFILE_ID" "$work/@PROFILE_FILE@"
