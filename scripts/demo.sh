#!/bin/sh
# `make demo`: builds the bundled examples (testdata/examples/) for a few MDM targets and prints
# the report: routes, sizes against each vendor's limit, what was written, and the manifest.
# Usage: scripts/demo.sh path/to/cmdm
set -eu
CMDM=${1:-build/cli/cmdm}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
EXAMPLES="$ROOT/testdata/examples"
OUT=${CMDM_DEMO_OUT:-$ROOT/build/demo-out}

if [ ! -x "$CMDM" ]; then
  echo "demo: $CMDM is not built yet (run 'make build')" >&2
  exit 69
fi

section() { printf '\n== %s\n' "$*"; }

if "$CMDM" help 2>/dev/null | grep -q '^ *build'; then
  section "cmdm targets"
  "$CMDM" targets
  TARGETS=workspaceone,nanomdm,fleet,local
  section "cmdm build testdata/examples --target $TARGETS --bundle"
  "$CMDM" build "$EXAMPLES" --target "$TARGETS" -o "$OUT" --bundle || true
  section "second build of the same inputs (incremental: nothing rewritten)"
  "$CMDM" build "$EXAMPLES" --target "$TARGETS" -o "$OUT" --bundle || true
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
  "$CMDM" build "$EXAMPLES" --target nanomdm,workspaceone,local -o "$OUT.signed" --level safe \
    --sign-key "$EXAMPLES/keys/test-only-key.pem" --sign-cert "$EXAMPLES/keys/test-only-cert.pem" || true
  section "aggressive level for workspaceone"
  "$CMDM" build "$EXAMPLES" --target workspaceone -o "$OUT.aggressive" --level aggressive || true
else
  section "cmdm inspect (cmdm build is not in this binary)"
  "$CMDM" inspect "$EXAMPLES"/*.mobileconfig || true
  section "cmdm fmt --style minimal"
  for f in "$EXAMPLES"/*.mobileconfig; do
    "$CMDM" fmt "$f" -o - 2>/dev/null | head -c 200 && echo " ..."
  done
fi
