#!/bin/bash
# Runs the generated bash completion (`cmdm completion bash`) for a few prefixes, as bash would on
# <Tab>, and compares the candidates: commands, options, targets, levels and passes.
# Usage: completion_test.sh CMDM
set -u
cmdm=$1
script=$(mktemp)
trap 'rm -f "$script"' EXIT
"$cmdm" completion bash >"$script" || { echo "FAIL: cmdm completion bash"; exit 1; }
# shellcheck disable=SC1090
. "$script"
failed=0
# expect "WANT" WORD... : completes the last word of `WORD...`.
expect() {
  local want=$1
  shift
  COMP_WORDS=("$@")
  COMP_CWORD=$(($# - 1))
  COMPREPLY=()
  _cmdm
  local got="${COMPREPLY[*]}"
  if [ "$got" = "$want" ]; then
    echo "ok   '$*' -> '$got'"
  else
    echo "FAIL '$*' -> '$got', want '$want'"
    failed=1
  fi
}
expect "check" cmdm che
expect "split sign" cmdm s
expect "-t" cmdm check -t
expect "--sarif" cmdm check --sa
expect "--html" cmdm explain --ht
expect "workspaceone" cmdm build --target work
expect "fleet,raw" cmdm build --target fleet,ra
expect "aggressive" cmdm check --level ag
expect "bare-dict binary-plist" cmdm check --pass b
expect "drop-consent-text" cmdm optimize --no-pass drop-con
expect "prefer-signed" cmdm build --sign-policy pre
expect "split" cmdm help spl
# A file argument: nothing from us (bash's own file completion, -o default, takes over).
expect "" cmdm check some-fi

# zsh: the script parses, and for `cmdm check` hands _arguments the command's options with the
# target names as --target's values (zsh's own _arguments and _describe are replaced by stubs
# that print what they are given; running the real completion system needs a terminal).
if command -v zsh >/dev/null 2>&1; then
  "$cmdm" completion zsh >"$script"
  if ! zsh -n "$script"; then
    echo "FAIL zsh -n: the zsh script does not parse"
    failed=1
  fi
  got=$(zsh -f -c '
    _describe() { print -r -- "describe ${(j: :)@}" }
    _arguments() { print -rl -- "$@" }
    source "$1"
    words=(cmdm check --ta); CURRENT=3; _cmdm
    words=(cmdm ch); CURRENT=2; _cmdm' _ "$script")
  for want in "*--sarif[" "*--target[" ":target:(workspaceone micromdm" "describe -t commands"; do
    case $got in
      *"$want"*) echo "ok   zsh: $want" ;;
      *) echo "FAIL zsh: no '$want' in: $got"; failed=1 ;;
    esac
  done
else
  echo "zsh is not installed: the zsh script was not run"
fi
exit $failed
