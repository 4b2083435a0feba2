# Helpers for the end-to-end tests. Each test script is run by ctest as:
#   bash tests/e2e/NAME.sh PATH/TO/tandem PROJECT_SOURCE_DIR
set -euo pipefail
TANDEM="$1"
SRC="$2"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
PY=/usr/bin/python3

fail() { echo "FAIL: $*" >&2; exit 1; }

# expect_error EXIT_CODE EXPECTED_STDERR_LINE -- COMMAND...
# Runs COMMAND, checks its exit code and that stderr is exactly the expected one line.
expect_error() {
  local want_code="$1" want_line="$2"
  shift 3
  local code=0
  "$@" >"$WORK/out" 2>"$WORK/err" || code=$?
  [[ "$code" == "$want_code" ]] || fail "$* exited $code, expected $want_code; stderr: $(cat "$WORK/err")"
  local got
  got=$(cat "$WORK/err")
  [[ "$got" == "$want_line" ]] || fail "$*: stderr was
  $got
expected
  $want_line"
  echo "ok: $* -> exit $code: $got"
}
