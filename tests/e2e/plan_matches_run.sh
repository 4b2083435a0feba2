# `tandem plan --json` reports the latency `tandem run` measures for one inference with the same
# plan (issue 3): the AnalyticBackend and the SimGrid backend agree.
source "$(dirname "$0")/lib.sh"
MODEL="$SRC/tests/data/model-chain3.json"

for sched in device-only server-only neurosurgeon dads; do
  "$TANDEM" plan --model "$MODEL" --scheduler "$sched" --uplink-mbps 4 --downlink-mbps 6 --rtt-ms 10 --json >"$WORK/plan.json"
  cat >"$WORK/one.toml" <<TOML
[model]
name = "$MODEL"
[scheduler]
name = "$sched"
[link]
uplink_mbps = 4
downlink_mbps = 6
latency_ms = 5
TOML
  "$TANDEM" run "$WORK/one.toml" --out "$WORK/run-$sched" --quiet >/dev/null
  "$PY" - "$WORK/plan.json" "$WORK/run-$sched/inferences.csv" "$sched" <<'PY'
import csv, json, sys
plan = json.load(open(sys.argv[1]))
run = list(csv.DictReader(open(sys.argv[2])))
assert len(run) == 1
p, r = plan["latency_ms"], float(run[0]["latency_ms"])
assert abs(p - r) <= 1e-6 * max(1, p), (p, r)
assert int(run[0]["uplink_bytes"]) == plan["uplink_bytes"]
print(f"ok: {sys.argv[3]}: plan {p:.6f} ms == run {r:.6f} ms")
PY
done
