#!/bin/sh
# Parse + write every dev-corpus plist with cmdm and with Python's plistlib, each timed inside its
# own process (bench/parse_write_corpus.cc and .py), and print both times and the ratio.
# Signed files are unwrapped with openssl first; only files both parsers accept are timed.
# Usage: bench/compare_python.sh [BUILD_DIR] [ITERATIONS]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-${BUILD_DIR:-$here/../build}}
iterations=${2:-20}
shared=${CMDM_SHARED:-$here/../../shared}
corpus=$shared/corpus/dev
prog=$build/bench/parse_write_corpus
if [ ! -d "$corpus" ]; then echo "compare_python: corpus not found at $corpus (set CMDM_SHARED); skipped"; exit 0; fi
if [ ! -x "$prog" ]; then echo "compare_python: $prog not built"; exit 1; fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Lay out the inputs: XML as is, CMS-signed unwrapped, then keep what plistlib parses.
tail -n +2 "$corpus/INDEX.tsv" | while IFS="$(printf '\t')" read -r path bytes sha format rest; do
  out="$work/$(printf '%s' "$path" | tr '/ ' '__')"
  case "$format" in
    cms-der) openssl cms -verify -noverify -inform DER -binary -in "$corpus/$path" -out "$out" 2>/dev/null || rm -f "$out" ;;
    *) cp "$corpus/$path" "$out" ;;
  esac
done
python3 - "$work" <<'PY'
import os, plistlib, sys
d = sys.argv[1]
for n in os.listdir(d):
    p = os.path.join(d, n)
    try:
        plistlib.loads(open(p, "rb").read())
    except Exception:
        os.remove(p)
PY
count=$(ls "$work" | wc -l)
total=$(cat "$work"/* | wc -c)
cmdm_s=$("$prog" "$iterations" "$work"/*)
py_s=$(python3 "$here/parse_write_corpus.py" "$iterations" "$work"/*)
python3 - "$count" "$total" "$iterations" $cmdm_s $py_s <<'PY'
import sys
count, total, it = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
cw, cc, pw, pc = (float(x) for x in sys.argv[4:8])
mb = total * it / 1e6
print(f"parse + write of {count} corpus files ({total} bytes) x {it} iterations, timed in-process:")
print(f"  {'':34} {'wall s':>8} {'cpu s':>8} {'MB/s (cpu)':>11}")
print(f"  {'cmdm (read + write_minimal_xml)':34} {cw:8.3f} {cc:8.3f} {mb / cc:11.1f}")
print(f"  {'plistlib (loads + dumps)':34} {pw:8.3f} {pc:8.3f} {mb / pc:11.1f}")
print(f"  cmdm is {pw / cw:.1f}x faster by wall time, {pc / cc:.1f}x by CPU time (target: 20x)")
PY
