#!/bin/sh
# `make demo`: builds the bundled examples (testdata/examples/) for a few MDM targets and prints
# the report: routes, sizes against each vendor's limit, what was written, and the manifest.
# Usage: scripts/demo.sh path/to/cmdm
set -eu
# shellcheck disable=SC2086  # $SOURCES and $VARS are word lists on purpose
CMDM=${1:-build/cli/cmdm}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
EXAMPLES="$ROOT/testdata/examples"
OUT=${CMDM_DEMO_OUT:-$ROOT/build/demo-out}

if [ ! -x "$CMDM" ]; then
  echo "demo: $CMDM is not built yet (run 'make build')" >&2
  exit 69
fi

section() { printf '\n== %s\n' "$*"; }

# cmdm apply against the test world: a fake NanoMDM on 127.0.0.1 delivering into an emulated Mac
# (cmdm-fake-profiles over a temporary state directory, linked in as DEVICE/bin/profiles: run by
# that path it serves that device). Skipped when the test world is not built.
apply_demo() {
  testworld=$(cd "$(dirname "$CMDM")/.." && pwd)/testworld
  if [ ! -x "$testworld/cmdm-fake-mdm" ] || [ ! -x "$testworld/cmdm-fake-profiles" ]; then
    section "cmdm apply: skipped (the test world is not built: needs libcpp-httplib-dev)"
    return 0
  fi
  world=$(mktemp -d "${TMPDIR:-/tmp}/cmdm-demo-apply.XXXXXX")
  mkdir -p "$world/device/bin"
  ln -s "$testworld/cmdm-fake-profiles" "$world/device/bin/profiles"
  "$testworld/cmdm-fake-mdm" --vendor nanomdm --device "DEMO-MAC=$world/device" \
    --delivery 50 >"$world/port" &
  server=$!
  trap 'kill "$server" 2>/dev/null; rm -rf "$world"' EXIT INT TERM
  i=0
  while [ ! -s "$world/port" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
  port=$(head -n 1 "$world/port")
  cat >"$world/config.plist" <<PLIST
<?xml version="1.0" encoding="UTF-8"?>
<plist version="1.0"><dict>
<key>Route</key><string>direct</string><key>Target</key><string>nanomdm</string>
<key>ServerURL</key><string>http://127.0.0.1:$port</string>
<key>NanoMDM</key><dict><key>APIKey</key><string>testworld-api-key</string></dict>
<key>DeviceID</key><string>DEMO-MAC</string>
<key>LedgerPath</key><string>$world/ledger/ledger.sqlite</string>
<key>ProfilesPath</key><string>$world/device/bin/profiles</string>
</dict></plist>
PLIST
  chmod 600 "$world/config.plist"
  section "cmdm apply $OUT (fake NanoMDM on 127.0.0.1:$port, emulated Mac in $world/device)"
  CMDM_CONFIG="$world/config.plist" \
    "$CMDM" apply "$OUT" --poll-interval 0.1 --confirm-timeout 10 || true
  section "the emulated Mac now lists (its profiles list)"
  "$world/device/bin/profiles" list || true
  section "cmdm apply again: nothing to do"
  CMDM_CONFIG="$world/config.plist" \
    "$CMDM" apply "$OUT" --poll-interval 0.1 --confirm-timeout 10 || true
  section "cmdm apply --status"
  CMDM_CONFIG="$world/config.plist" "$CMDM" apply --status || true
  kill "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
  rm -rf "$world"
  trap - EXIT INT TERM
}

if "$CMDM" help 2>/dev/null | grep -q '^ *build'; then
  section "cmdm targets"
  "$CMDM" targets
  TARGETS=workspaceone,nanomdm,fleet,local
  # Sources are the .mobileconfig files; the YAML files next to them are their variables and the
  # device facts the templates read.
  SOURCES=$(ls "$EXAMPLES"/*.mobileconfig)
  VARS="--vars $EXAMPLES/kext-allowlist.vars.yaml --facts $EXAMPLES/mac-facts.yaml"
  section "cmdm build testdata/examples/*.mobileconfig --vars ... --facts ... --target $TARGETS --bundle"
  "$CMDM" build $SOURCES $VARS --target "$TARGETS" -o "$OUT" --bundle || true
  section "second build of the same inputs (incremental: nothing rewritten)"
  "$CMDM" build $SOURCES $VARS --target "$TARGETS" -o "$OUT" --bundle || true
  section "files in $OUT"
  (cd "$OUT" && find . -type f | sort | sed 's|^\./|  |')
  section "a Workspace ONE install body (first 300 characters)"
  f=$(find "$OUT/commands/workspaceone" -name '*.install.json' | sort | head -n 1)
  [ -n "$f" ] && head -c 300 "$f" && echo " ..."
  section "round trip: cmdm unbundle $OUT/bundle.cmdm"
  rm -rf "$OUT.unbundled"
  "$CMDM" unbundle "$OUT/bundle.cmdm" -o "$OUT.unbundled"
  if diff -r -x bundle.cmdm "$OUT" "$OUT.unbundled" >/dev/null; then
    echo "  unbundled tree equals the build output"
  else
    echo "  unbundled tree DIFFERS from the build output" >&2
    exit 1
  fi
  section "signed build (TEST-ONLY key), --level safe, targets nanomdm,workspaceone,local"
  "$CMDM" build $SOURCES $VARS --target nanomdm,workspaceone,local -o "$OUT.signed" --level safe \
    --sign-key "$EXAMPLES/keys/test-only-key.pem" --sign-cert "$EXAMPLES/keys/test-only-cert.pem" || true
  section "aggressive level for workspaceone"
  "$CMDM" build $SOURCES $VARS --target workspaceone -o "$OUT.aggressive" --level aggressive || true
  if "$CMDM" help 2>/dev/null | grep -q '^ *apply'; then
    apply_demo
  fi
else
  section "cmdm inspect (cmdm build is not in this binary)"
  "$CMDM" inspect "$EXAMPLES"/*.mobileconfig || true
  section "cmdm fmt --style minimal"
  for f in "$EXAMPLES"/*.mobileconfig; do
    "$CMDM" fmt "$f" -o - 2>/dev/null | head -c 200 && echo " ..."
  done
fi
