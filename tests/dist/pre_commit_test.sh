#!/usr/bin/env bash
# The hooks in .pre-commit-hooks.yaml, run by `pre-commit try-repo` on a scratch repository when
# pre-commit is installed (Debian: pre-commit), else by the command each hook declares (entry +
# args + the matching files). cmdm-check passes on a profile that fits and fails on one that does
# not; cmdm-fmt rewrites an unformatted profile once, then passes.
# Usage: pre_commit_test.sh CMDM SOURCE_DIR
set -u
cmdm=$1 src=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/bin" "$work/repo"
ln -s "$(cd "$(dirname "$cmdm")" && pwd)/$(basename "$cmdm")" "$work/bin/cmdm"
export PATH="$work/bin:$PATH" PRE_COMMIT_HOME="$work/cache"
export GIT_AUTHOR_NAME=test GIT_AUTHOR_EMAIL=test@localhost GIT_COMMITTER_NAME=test
export GIT_COMMITTER_EMAIL=test@localhost GIT_CONFIG_NOSYSTEM=1 HOME="$work"
failed=0
cd "$work/repo" || exit 1
git init -q .
cp "$src/testdata/examples/safari-homepage.mobileconfig" "$src/testdata/examples/security-baseline.mobileconfig" .
cmdm fmt safari-homepage.mobileconfig --style minimal -o minimal.mobileconfig
git add -A

# hook FILE...: runs the hook on FILEs; prints what ran, returns its status.
if command -v pre-commit >/dev/null 2>&1; then
  echo "using $(pre-commit --version)"
  # A hook repository holding this tree's .pre-commit-hooks.yaml as committed content (try-repo
  # reads committed and tracked files only, and the file may be new in the tree under test).
  mkdir "$work/hooks"
  cp "$src/.pre-commit-hooks.yaml" "$work/hooks/"
  git -C "$work/hooks" init -q . && git -C "$work/hooks" add -A && git -C "$work/hooks" commit -qm hooks
  hook() {
    local id=$1
    shift
    pre-commit try-repo "$work/hooks" "$id" --files "$@" >"$work/log" 2>&1
    local code=$?
    sed 's/^/    /' "$work/log"
    return $code
  }
else
  echo "pre-commit is not installed: running each hook's declared command"
  hook() {
    local id=$1
    shift
    local cmd
    cmd=$(python3 - "$src/.pre-commit-hooks.yaml" "$id" <<'PY'
import shlex, sys, yaml
hook = next(h for h in yaml.safe_load(open(sys.argv[1])) if h["id"] == sys.argv[2])
print(hook["entry"] + " " + " ".join(shlex.quote(a) for a in hook.get("args", [])))
PY
    )
    echo "    $cmd $*"
    # shellcheck disable=SC2086  # the entry is a command line
    $cmd "$@"
  }
fi

expect() {  # expect CODE what...
  local want=$1 got
  shift
  hook "$@"
  got=$?
  if { [ "$want" = 0 ] && [ $got = 0 ]; } || { [ "$want" != 0 ] && [ $got != 0 ]; }; then
    echo "ok   $* (exit $got)"
  else
    echo "FAIL $* (exit $got, want $( [ "$want" = 0 ] && echo 0 || echo 'not 0'))"
    failed=1
  fi
}
expect 0 cmdm-check safari-homepage.mobileconfig
expect 1 cmdm-check safari-homepage.mobileconfig security-baseline.mobileconfig
before=$(cksum <minimal.mobileconfig)
expect 1 cmdm-fmt minimal.mobileconfig 2>/dev/null || true
after=$(cksum <minimal.mobileconfig)
if [ "$before" = "$after" ]; then
  echo "FAIL cmdm-fmt did not rewrite minimal.mobileconfig"
  failed=1
fi
grep -q '^	<key>PayloadContent</key>' minimal.mobileconfig || { echo "FAIL not pretty"; failed=1; }
git add -A
expect 0 cmdm-fmt minimal.mobileconfig
exit $failed
