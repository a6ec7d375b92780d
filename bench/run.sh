#!/bin/sh
# Runs every Google Benchmark program in the build tree (bench/*_bench), then every side-by-side
# comparison script (bench/compare_*.sh). Usage: bench/run.sh [BUILD_DIR]  (`make bench` calls it)
# compare_python.sh takes the build directory; the other compare scripts take the cmdm binary.
set -u
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-${BUILD_DIR:-$here/../build}}
status=0
found=0
for b in "$build"/bench/*_bench; do
  [ -x "$b" ] || continue
  found=1
  echo "== $(basename "$b")"
  "$b" --benchmark_min_time=0.2 || status=1
done
[ "$found" = 1 ] || echo "no benchmark programs in $build/bench (is Google Benchmark installed?)"
for s in "$here"/compare_*.sh; do
  [ -f "$s" ] || continue
  echo "== $(basename "$s" .sh)"
  case "$(basename "$s")" in
    compare_python.sh) sh "$s" "$build" ;;
    *) sh "$s" "$build/cli/cmdm" ;;
  esac
  code=$?
  # 77 means the script skipped (no corpus); anything else non-zero is a failure.
  if [ "$code" -ne 0 ] && [ "$code" -ne 77 ]; then status=1; fi
done
exit $status
