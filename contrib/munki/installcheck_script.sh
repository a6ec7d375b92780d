#!/bin/sh
# Munki installcheck_script for a cmdm profile item: Munki's convention is inverted, exit 0 means
# "needs install". `cmdm apply --check` exits 0 when the Mac matches and 1 when changes are
# pending, so 1 becomes 0 here, 0 becomes 1, and any other answer (the MDM or the device could
# not be asked) becomes 1 with the reason on stderr: Munki then does not try an install that
# cannot work, and tries again at its next run.
set -u
CMDM=${CMDM:-/usr/local/bin/cmdm}
PROFILE_ID='@PROFILE_ID@'
work=$(mktemp -d "${TMPDIR:-/tmp}/cmdm-munki.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT
# The profile source, carried in the pkginfo itself (a nopkg item has no payload).
base64 --decode > "$work/@PROFILE_FILE@" <<'CMDM_PROFILE'
@PROFILE_BASE64@
CMDM_PROFILE
"$CMDM" apply --check --profile "$PROFILE_ID" "$work/@PROFILE_FILE@" >&2
status=$?
case $status in
  0) exit 1 ;;  # installed and current
  1) exit 0 ;;  # install or update needed
  *) echo "cmdm apply --check failed with exit $status; not installing now" >&2; exit 1 ;;
esac
