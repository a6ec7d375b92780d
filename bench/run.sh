#!/bin/sh
# Runs every Google Benchmark program in the build tree (bench/*_bench), then the side-by-side
# comparison scripts. Usage: bench/run.sh [BUILD_DIR]   (the Makefile's `make bench` calls it)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-${BUILD_DIR:-$here/../build}}
found=0
for b in "$build"/bench/*_bench; do
  [ -x "$b" ] || continue
  found=1
  echo "== $(basename "$b")"
  "$b" --benchmark_min_time=0.2
done
[ "$found" = 1 ] || echo "no benchmark programs in $build/bench (is Google Benchmark installed?)"
echo "== compare_python"
"$here/compare_python.sh" "$build"
