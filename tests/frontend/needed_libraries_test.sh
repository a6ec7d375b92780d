#!/bin/sh
# The small `profiles` front end must start without loading the MDM transport's libraries:
# libcurl's tree alone costs ~10 ms per run, and callers run it very often (docs/integrations.md
# "Start-up"). Fails when the executable records libcurl, yaml-cpp or Boost.Program_options as
# a library it needs, and checks that cmdm itself still does need libcurl, so the check can
# see a library when one is there.
# usage: needed_libraries_test.sh FRONT_END CMDM
set -eu
front=$1
cmdm=$2

needed() {
  if command -v readelf >/dev/null 2>&1 && readelf -h "$1" >/dev/null 2>&1; then
    readelf -d "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'
  elif command -v otool >/dev/null 2>&1; then
    otool -L "$1" | tail -n +2 | awk '{print $1}'
  else
    echo "neither readelf nor otool: cannot list $1's libraries" >&2
    exit 77
  fi
}

front_libs=$(needed "$front")
cmdm_libs=$(needed "$cmdm")
if ! echo "$cmdm_libs" | grep -q curl; then
  # A build that links libcurl statically (CMDM_STATIC_DEPS): nothing to compare.
  echo "cmdm does not load libcurl as a shared library: skipped"
  exit 77
fi
bad=$(echo "$front_libs" | grep -E 'curl|yaml-cpp|boost_program_options' || true)
if [ -n "$bad" ]; then
  echo "FAIL: $front needs $(echo "$bad" | tr '\n' ' ')" >&2
  exit 1
fi
echo "ok: $front needs only: $(echo "$front_libs" | tr '\n' ' ')"
