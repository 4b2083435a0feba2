# The real backend's server under faults (issue 4): garbage and an oversized frame close only the
# offending connection (logged with the reason) while a device is served; a server killed mid-run
# leaves the device to finish every inference locally, marked fallback = 1, and ops.csv shows the
# work redone on the device as device rows.
source "$(dirname "$0")/lib.sh"

# A three-layer chain known by its measured times, shared with the other real-backend e2e tests.
MODEL="$SRC/tests/data/model-chain3-split.json"
cat >"$WORK/run.toml" <<TOML
backend = "real"
[model]
name = "$MODEL"
[scheduler]
name = "neurosurgeon"
[link]
uplink_mbps = 50
downlink_mbps = 50
latency_ms = 2
[workload]
kind = "periodic"
fps = 20
count = 40
TOML

start_server() { # prints the port; the server's stderr goes to $WORK/server.err
  "$TANDEM" serve --port 0 >"$WORK/server.out" 2>"$WORK/server.err" &
  SERVER=$!
  for _ in $(seq 100); do
    [[ -s "$WORK/server.out" ]] && break
    sleep 0.1
  done
  PORT=$(sed -n 's/^listening on 127.0.0.1:\([0-9]*\)$/\1/p' "$WORK/server.out")
  [[ -n "$PORT" ]] || fail "serve did not print its port: $(cat "$WORK/server.out" "$WORK/server.err")"
}

# 1. Garbage and an oversized frame while a device runs.
start_server
"$TANDEM" run "$WORK/run.toml" --set server.address="127.0.0.1:$PORT" --out "$WORK/ok" --quiet >/dev/null &
RUN=$!
for _ in 1 2 3; do
  printf 'GET / HTTP/1.1\r\n\r\n' >/dev/tcp/127.0.0.1/$PORT || true
  # magic "TNDM", version 1, type 3 (tensor), length 0xFFFFFFFF
  printf 'TNDM\x01\x00\x03\x00\xff\xff\xff\xff' >/dev/tcp/127.0.0.1/$PORT || true
  sleep 0.3
done
wait $RUN || fail "the run failed while the server was fed garbage"
kill $SERVER
wait $SERVER || fail "serve did not stop cleanly on SIGTERM"
grep -q "closed: protocol error: bad magic" "$WORK/server.err" || fail "no log of the garbage: $(cat "$WORK/server.err")"
grep -q "closed: protocol error: a tensor message of 4294967295 bytes exceeds the 65536-byte limit" "$WORK/server.err" ||
  fail "no log of the oversized frame: $(cat "$WORK/server.err")"
"$PY" - "$WORK/ok" <<'PY'
import csv, sys
inf = list(csv.DictReader(open(f"{sys.argv[1]}/inferences.csv")))
assert len(inf) == 40 and all(r["fallback"] == "0" for r in inf), inf
assert any(int(r["server_tasks"]) > 0 for r in inf)
print("ok: garbage and an oversized frame rejected and logged; the device's 40 inferences ran")
PY

# 2. The server is killed mid-run.
start_server
"$TANDEM" run "$WORK/run.toml" --set server.address="127.0.0.1:$PORT" --out "$WORK/killed" --quiet \
  >/dev/null 2>"$WORK/run.err" &
RUN=$!
sleep 1
kill -9 $SERVER
wait $SERVER 2>/dev/null || true
wait $RUN || fail "the run failed when its server died: $(cat "$WORK/run.err")"
grep -q "lost the server" "$WORK/run.err" || fail "no word of the lost server: $(cat "$WORK/run.err")"
"$PY" - "$WORK/killed" <<'PY'
import csv, sys
inf = list(csv.DictReader(open(f"{sys.argv[1]}/inferences.csv")))
summ = list(csv.DictReader(open(f"{sys.argv[1]}/summary.csv")))
assert summ[0]["status"] == "ok", summ
assert len(inf) == 40, len(inf)
flags = [r["fallback"] for r in inf]
assert flags[0] == "0" and flags[-1] == "1", flags
# ops.csv says where work really ran: its compute rows agree with inferences.csv's task counts,
# every model output ends on the device, and the last inference ran whole on the device.
ops = list(csv.DictReader(open(f"{sys.argv[1]}/ops.csv")))
for r in inf:
    mine = [o for o in ops if o["inference_id"] == r["inference_id"]]
    computes = [o for o in mine if o["kind"] == "compute"]
    for side in ("device", "server"):
        n = sum(o["side"] == side for o in computes)
        assert n == int(r[f"{side}_tasks"]), (r, side, n)
        assert all(o["resource"].startswith(side) for o in computes if o["side"] == side), mine
    assert any(o["task"] == "c" and o["side"] == "device" for o in mine), mine
    if r["fallback"] == "1":
        assert any(o["side"] == "device" and o["kind"] == "compute" for o in mine), mine
last = [o for o in ops if o["inference_id"] == inf[-1]["inference_id"]]
assert [(o["kind"], o["side"]) for o in last] == [("compute", "device")] * 3, last
redone = sum(1 for r in inf if r["fallback"] == "1" and int(r["device_tasks"]) == 3)
print(f"ok: server killed mid-run; {flags.count('1')} of 40 inferences finished on the device "
      f"(fallback = 1), {redone} with all 3 layers on the device in ops.csv")
PY
