#!/bin/sh
# `cpack -G DEB`, then the package without installing it system-wide: its control fields
# (`dpkg-deb -I`), its files unpacked with `dpkg -x`, the unpacked binary run, and every shared
# library the binary needs provided by a package in Depends (so it runs on a fresh Debian 12).
# Usage: deb_test.sh BUILD_DIR
set -eu
build=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
for tool in cpack dpkg-deb dpkg; do
  command -v $tool >/dev/null 2>&1 || { echo "SKIP: $tool is not installed"; exit 0; }
done

(cd "$build" && cpack -G DEB -B "$work/out" >"$work/cpack.log" 2>&1) ||
  { cat "$work/cpack.log"; fail "cpack -G DEB"; }
deb=$(ls "$work"/out/cmdm_*.deb)
echo "package: $(basename "$deb") ($(wc -c <"$deb") bytes)"
dpkg-deb -I "$deb" >"$work/info"
sed -n 's/^ \(Package\|Version\|Architecture\|Depends\|Section\):/&/p' "$work/info"
depends=$(sed -n 's/^ Depends: //p' "$work/info")
[ -n "$depends" ] || fail "no Depends field"

dpkg -x "$deb" "$work/root"
for f in usr/bin/cmdm usr/share/man/man1/cmdm.1 usr/share/man/man1/cmdm-check.1 \
  usr/share/bash-completion/completions/cmdm usr/share/zsh/vendor-completions/_cmdm \
  usr/share/doc/cmdm/README.md; do
  [ -e "$work/root/$f" ] || fail "the package lacks /$f"
done
"$work/root/usr/bin/cmdm" --version || fail "the unpacked binary does not run"
"$work/root/usr/bin/cmdm" targets >/dev/null || fail "cmdm targets from the package"

# Each library the binary links dynamically comes from a package named in Depends.
if command -v readelf >/dev/null 2>&1 && command -v dpkg-query >/dev/null 2>&1; then
  for lib in $(readelf -d "$work/root/usr/bin/cmdm" | sed -n 's/.*Shared library: \[\(.*\)\]/\1/p'); do
    path=$(ldconfig -p | awk -v l="$lib" '$1 == l { print $NF; exit }')
    [ -n "$path" ] || fail "$lib is not found by the dynamic linker"
    owner=$(dpkg-query -S "$(readlink -f "$path")" 2>/dev/null | head -n 1 | cut -d: -f1)
    [ -n "$owner" ] || owner=$(dpkg-query -S "$path" 2>/dev/null | head -n 1 | cut -d: -f1)
    case ", $depends" in
      *", $owner "* | *", $owner,"* | *", $owner") echo "  $lib: from $owner (in Depends)" ;;
      *) fail "$lib comes from '$owner', which Depends ($depends) does not name" ;;
    esac
  done
fi
echo "ok"
