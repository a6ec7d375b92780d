#!/bin/sh
# The relay's load and slow-client figures (README "Performance", docs/relay.md): 200 devices x 10
# installs over mutual TLS against a fake NanoMDM, then again beside 100 one-byte-a-second
# connections. usage: bench/relay_bench.sh [BUILD_DIR]
set -eu
build=$(cd "${1:-build}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
exec "$build/bench/relay_bench" --cmdm "$build/cli/cmdm" --make-pki "$here/../tests/relay/make_pki.sh" \
  --devices 200 --requests 10 --slow 100
