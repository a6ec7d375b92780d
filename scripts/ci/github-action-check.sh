#!/usr/bin/env bash
# The GitHub Action's check step (action.yml): `cmdm check` on the files a glob matches, with
# ::error annotations on the profiles that do not fit, a JUnit report, optionally SARIF and the
# HTML size report, a line in the job summary, and the exit code as a step output.
# Reads the action's inputs from the environment (composite actions pass them explicitly):
#   CMDM_FILES (glob, bash globstar: "profiles/**/*.mobileconfig"), CMDM_TARGET, CMDM_LEVEL,
#   CMDM_JUNIT, CMDM_SARIF, CMDM_HTML, CMDM_ARGS (more options, split on spaces), CMDM (binary).
# Runs in GITHUB_WORKSPACE, so paths in annotations are relative to the repository.
set -uo pipefail
cmdm=${CMDM:-cmdm}
cd "${GITHUB_WORKSPACE:-.}" || exit 74
shopt -s globstar nullglob extglob
# shellcheck disable=SC2206  # the glob is expanded here on purpose
files=(${CMDM_FILES:?the files input is empty})
if [ ${#files[@]} -eq 0 ]; then
  echo "::error title=cmdm check::no file matches '${CMDM_FILES}'"
  exit 2
fi
args=(check "${files[@]}" --target "${CMDM_TARGET:?the target input is empty}"
  --level "${CMDM_LEVEL:-lossless}" --github)
[ -n "${CMDM_JUNIT:-}" ] && args+=(--junit "$CMDM_JUNIT")
[ -n "${CMDM_SARIF:-}" ] && args+=(--sarif "$CMDM_SARIF")
[ -n "${CMDM_HTML:-}" ] && args+=(--html "$CMDM_HTML")
# shellcheck disable=SC2206  # extra options are words
[ -n "${CMDM_ARGS:-}" ] && args+=(${CMDM_ARGS})

echo "cmdm ${args[*]}"
"$cmdm" "${args[@]}"
code=$?

fit="?"
if [ -n "${CMDM_JUNIT:-}" ] && [ -f "$CMDM_JUNIT" ]; then
  tests=$(sed -n 's/.*<testsuite [^>]*tests="\([0-9]*\)".*/\1/p' "$CMDM_JUNIT" | head -n 1)
  failures=$(sed -n 's/.*<testsuite [^>]*failures="\([0-9]*\)".*/\1/p' "$CMDM_JUNIT" | head -n 1)
  errors=$(sed -n 's/.*<testsuite [^>]*errors="\([0-9]*\)".*/\1/p' "$CMDM_JUNIT" | head -n 1)
  fit="$((tests - failures - errors)) of $tests"
fi
if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
  {
    echo "### cmdm check: $fit profiles fit ${CMDM_TARGET} at level ${CMDM_LEVEL:-lossless}"
    [ -n "${CMDM_HTML:-}" ] && echo "The size report is in \`${CMDM_HTML}\` (upload it as an artifact)."
  } >>"$GITHUB_STEP_SUMMARY"
fi
if [ -n "${GITHUB_OUTPUT:-}" ]; then
  {
    echo "exit-code=$code"
    echo "junit=${CMDM_JUNIT:-}"
    echo "sarif=${CMDM_SARIF:-}"
    echo "html=${CMDM_HTML:-}"
  } >>"$GITHUB_OUTPUT"
fi
exit $code
