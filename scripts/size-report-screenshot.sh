#!/bin/sh
# Regenerates docs/size-report.png, the README's picture of the HTML size report: `cmdm check
# --html` on the demo's examples for Workspace ONE at level aggressive, rendered by headless
# Chromium (Debian: chromium). Usage: scripts/size-report-screenshot.sh [path/to/cmdm]
set -eu
# shellcheck disable=SC2035  # the examples have plain names
ROOT=$(cd "$(dirname "$0")/.." && pwd)
CMDM=$(cd "$(dirname "${1:-$ROOT/build/cli/cmdm}")" && pwd)/$(basename "${1:-cmdm}")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$ROOT/testdata/examples"
"$CMDM" check *.mobileconfig --vars kext-allowlist.vars.yaml --facts mac-facts.yaml \
  --target workspaceone --level aggressive --html "$work/report.html" >/dev/null 2>&1 || true
chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --no-first-run \
  --user-data-dir="$work/profile" --window-size=1040,1170 \
  --screenshot="$ROOT/docs/size-report.png" "file://$work/report.html" 2>/dev/null
echo "wrote docs/size-report.png"
