#!/bin/sh
# Munki uninstall_script for a cmdm profile item: `cmdm apply --profile ID` with no source is the
# desired state "not installed", so cmdm removes every part it installed for this profile (and
# nothing else) through the MDM.
set -u
CMDM=${CMDM:-/usr/local/bin/cmdm}
"$CMDM" apply --profile '@PROFILE_ID@'
