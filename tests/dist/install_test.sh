#!/bin/sh
# `make install DESTDIR=...` from the source tree, then the installed files at work: the binary's
# --version (with the commit), `man -l` of an installed page, the installed bash completion and
# the `profiles` front end.
# Usage: install_test.sh SOURCE_DIR BUILD_DIR
set -eu
src=$1 build=$2
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

make -s -C "$src" install DESTDIR="$stage" PREFIX=/usr BUILD_DIR="$build" >"$stage.log" 2>&1 ||
  { cat "$stage.log"; fail "make install"; }
rm -f "$stage.log"

cmdm=$stage/usr/bin/cmdm
[ -x "$cmdm" ] || fail "no $cmdm"
version=$("$cmdm" --version)
echo "$version" | grep -Eq '^cmdm [0-9]+\.[0-9]+\.[0-9]+ \(commit ([0-9a-f]{12}(-dirty)?|unknown)\)$' ||
  fail "--version says '$version'"
echo "installed: $version"

for page in cmdm cmdm-check cmdm-build; do
  [ -f "$stage/usr/share/man/man1/$page.1" ] || fail "no man page $page.1"
done
if command -v man >/dev/null 2>&1; then
  text=$(MANWIDTH=120 MANPAGER=cat man -l "$stage/usr/share/man/man1/cmdm-check.1" 2>&1)
  echo "$text" | grep -q 'cmdm-check - check that profiles fit' || fail "man -l: $text"
  echo "$text" | grep -q -- '--sarif' || fail "man -l cmdm-check(1) lacks --sarif"
  echo "man -l cmdm-check.1: $(echo "$text" | grep -c .) lines"
else
  echo "man is not installed: the page was not rendered"
fi

completion=$stage/usr/share/bash-completion/completions/cmdm
[ -f "$completion" ] || fail "no bash completion"
[ -f "$stage/usr/share/zsh/vendor-completions/_cmdm" ] || [ -f "$stage/usr/share/zsh/site-functions/_cmdm" ] ||
  fail "no zsh completion"
got=$(bash -c '. "$1"; COMP_WORDS=(cmdm expl); COMP_CWORD=1; _cmdm; echo "${COMPREPLY[*]}"' _ "$completion")
[ "$got" = "explain" ] || fail "completion of 'cmdm expl' gave '$got'"
[ -f "$stage/usr/share/doc/cmdm/README.md" ] || fail "no README in the doc directory"
# The `profiles` front end is its own small executable, not cmdm renamed (docs/integrations.md
# "Start-up"); --help is handed to the installed cmdm, found from the front end's own location,
# also through a symbolic link placed elsewhere, as a caller's PATH would hold it.
front=$stage/usr/libexec/cmdm/profiles
[ -x "$front" ] || fail "no $front"
cmp -s "$front" "$cmdm" && fail "$front is the cmdm binary, not the small front end"
"$front" --help | grep -q 'cmdm profiles' || fail "$front does not hand --help to cmdm profiles"
mkdir "$stage/path"
ln -s "$front" "$stage/path/profiles"
"$stage/path/profiles" --help | grep -q 'cmdm profiles' || fail "a link to $front loses cmdm"
if command -v readelf >/dev/null 2>&1 && readelf -d "$cmdm" | grep -q 'NEEDED.*libcurl'; then
  readelf -d "$front" | grep -q 'NEEDED.*libcurl' && fail "$front loads libcurl"
fi
echo "ok"
