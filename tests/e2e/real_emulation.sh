# The real backend's emulation knobs (issue 4): device.isa, device.slowdown and device.cpus reach
# the device process, as it reports them read back from oneDNN, its executor and the kernel's CPU
# masks (nothing is timed); bad values are input errors (exit 2) naming the key.
source "$(dirname "$0")/lib.sh"

MODEL="$WORK/model.json"
cat >"$MODEL" <<'JSON'
{"format": "tandem-model/1", "name": "chain", "input_bytes": 1000, "layers": [
  {"name": "a", "inputs": ["input"], "output_bytes": 400, "device_ms": 2, "server_ms": 1},
  {"name": "b", "inputs": ["a"], "output_bytes": 100, "device_ms": 3, "server_ms": 1}]}
JSON
cat >"$WORK/run.toml" <<TOML
backend = "real"
[model]
name = "$MODEL"
[device]
isa = "sse41"
slowdown = 2.0
cpus = "0"
[workload]
count = 3
TOML

"$TANDEM" run "$WORK/run.toml" --out "$WORK/out" --quiet >/dev/null 2>"$WORK/err" ||
  fail "the run failed: $(cat "$WORK/err")"
grep -qx "tandem: device 0 emulation: oneDNN ISA sse41, slowdown 2, 1 thread(s) on CPUs 0" \
  "$WORK/err" || fail "no report of the knobs: $(cat "$WORK/err")"
grep -q ',ok$' "$WORK/out/summary.csv" || fail "run not ok: $(cat "$WORK/out/summary.csv")"
echo "ok: $(cat "$WORK/err")"
grep -q '^isa = "sse41"$' "$WORK/out/config.resolved.toml" || fail "isa not in config.resolved.toml"

# Off by default: no report.
"$TANDEM" run "$WORK/run.toml" --set 'device.isa=""' --set device.slowdown=1.0 --set 'device.cpus=""' \
  --out "$WORK/off" --quiet >/dev/null 2>"$WORK/err" || fail "the run failed: $(cat "$WORK/err")"
! grep -q emulation "$WORK/err" || fail "knobs reported while off: $(cat "$WORK/err")"

check_error() { # EXPECTED_STDERR_PATTERN --set...
  local pattern="$1" code=0
  shift
  "$TANDEM" run "$WORK/run.toml" "$@" --out "$WORK/bad" --quiet >/dev/null 2>"$WORK/err" || code=$?
  [[ $code == 2 ]] || fail "$* exited $code, expected 2: $(cat "$WORK/err")"
  grep -q -- "$pattern" "$WORK/err" || fail "$*: unclear error: $(cat "$WORK/err")"
  echo "ok: $* -> $(head -1 "$WORK/err")"
}
check_error 'device.slowdown to be a number >= 1, found 0.5' --set device.slowdown=0.5
check_error 'device.isa to be empty or one of all, sse41' --set device.isa=neon
check_error 'device.cpus: expected at least 2 CPUs (device.count 2 x device.threads 1), found "0" (1 CPUs)' \
  --set device.count=2
