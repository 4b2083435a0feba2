# link.shaper = "tc" (issue 4): the spawned server runs in its own network namespace behind a veth
# pair whose tbf qdiscs follow the traces; tc_rates.csv lists every rate applied, which must be the
# traces' rates at their change times (no timing is checked). Needs root and iproute2: otherwise
# the test is skipped (exit 77). Also: the namespace and veth pair are gone after the run, and a tc
# shaper without a spawned server is a config error.
source "$(dirname "$0")/lib.sh"

if [[ $(id -u) != 0 ]] || ! command -v ip >/dev/null || ! command -v tc >/dev/null; then
  echo "skip: needs root, ip and tc"
  exit 77
fi
probe="tandem-probe-$$"
ip netns add "$probe" 2>/dev/null || { echo "skip: cannot create a network namespace"; exit 77; }
ip netns del "$probe"

# A three-layer chain known by its measured times, shared with the other real-backend e2e tests.
MODEL="$SRC/tests/data/model-chain3-split.json"
printf '0 40\n1 10\n' >"$WORK/up.txt"
printf '0 30\n0.5 30\n1.2 60\n' >"$WORK/down.txt" # 0.5 is no change: not applied
cat >"$WORK/run.toml" <<TOML
backend = "real"
[model]
name = "$MODEL"
[scheduler]
name = "neurosurgeon"
[link]
uplink_trace = "up.txt"
downlink_trace = "down.txt"
trace_loop = false
latency_ms = 2
shaper = "tc"
[workload]
kind = "periodic"
fps = 10
count = 16
TOML

timeout 60 "$TANDEM" run "$WORK/run.toml" --out "$WORK/out" --quiet >/dev/null 2>"$WORK/err" ||
  fail "the tc run failed: $(cat "$WORK/err")"
"$PY" - "$WORK/out" <<'PY'
import csv, sys
d = sys.argv[1]
summ = list(csv.DictReader(open(f"{d}/summary.csv")))
assert summ[0]["status"] == "ok", summ
inf = list(csv.DictReader(open(f"{d}/inferences.csv")))
assert len(inf) == 16 and all(r["fallback"] == "0" for r in inf), inf
assert any(int(r["server_tasks"]) > 0 for r in inf), "nothing went to the server"
rows = list(csv.DictReader(open(f"{d}/tc_rates.csv")))
got = [(r["run"], float(r["time_s"]), r["direction"], float(r["rate_mbps"])) for r in rows]
want = [("0", 0.0, "uplink", 40.0), ("0", 0.0, "downlink", 30.0),
        ("0", 1.0, "uplink", 10.0), ("0", 1.2, "downlink", 60.0)]
assert got == want, got
print("ok: tc applied the traces' rates at their change times:", got)
PY
leftover=$(ip netns list | grep -c '^tandem-' || true)
[[ "$leftover" == 0 ]] || fail "network namespaces left behind: $(ip netns list)"
ip -o link show | grep -q ' tdm[0-9]*[ds]@' && fail "veth left behind: $(ip -o link show)"
echo "ok: the namespace and the veth pair are gone"

code=0
"$TANDEM" run "$WORK/run.toml" --set server.address=127.0.0.1:9 --out "$WORK/bad" --quiet \
  >/dev/null 2>"$WORK/err" || code=$?
[[ $code == 2 ]] || fail "tc with a remote server exited $code, expected 2: $(cat "$WORK/err")"
grep -q 'run.toml:.*: link.shaper: expected "token-bucket" when server.address is not "spawn"' \
  "$WORK/err" || fail "unclear error: $(cat "$WORK/err")"
echo "ok: tc without a spawned server: $(cat "$WORK/err")"
