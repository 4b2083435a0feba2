# `tandem plan` with the Duan-Wu schedulers and the exact scheduler (issue 5): on a model JSON with
# server_ms = 0 (the paper's model), each plan's predicted latency (in its note) is the latency
# `tandem plan` measures and `tandem run` (SimGrid) measures too; pipelining two paths beats the
# split baselines; exact never loses to them; and exact refuses a model over its size limit (exit 2).
source "$(dirname "$0")/lib.sh"

# Two paths from the input joined by one layer. At 8 Mbit/s (1 byte = 1 us): keep a1, a2 and b1 on
# the device, compute b1 first, send its output while a1 and a2 compute: 26 ms (Johnson's order);
# in topological order (a1, a2, b1) the same cut takes 45 ms.
cat >"$WORK/paths.json" <<'JSON'
{"format": "tandem-model/1", "name": "two-paths", "input_bytes": 400000, "layers": [
  {"name": "a1", "inputs": ["input"], "output_bytes": 100000, "device_ms": 10, "server_ms": 0},
  {"name": "a2", "inputs": ["a1"], "output_bytes": 1000, "device_ms": 10, "server_ms": 0},
  {"name": "b1", "inputs": ["input"], "output_bytes": 20000, "device_ms": 5, "server_ms": 0},
  {"name": "b2", "inputs": ["b1"], "output_bytes": 2000, "device_ms": 40, "server_ms": 0},
  {"name": "join", "inputs": ["a2", "b2"], "output_bytes": 10, "device_ms": 1, "server_ms": 0}]}
JSON
# An out-tree: a feeds b and c, c feeds d.
cat >"$WORK/tree.json" <<'JSON'
{"format": "tandem-model/1", "name": "tree", "input_bytes": 300000, "layers": [
  {"name": "a", "inputs": ["input"], "output_bytes": 50000, "device_ms": 8, "server_ms": 0},
  {"name": "b", "inputs": ["a"], "output_bytes": 5000, "device_ms": 30, "server_ms": 0},
  {"name": "c", "inputs": ["a"], "output_bytes": 8000, "device_ms": 6, "server_ms": 0},
  {"name": "d", "inputs": ["c"], "output_bytes": 100, "device_ms": 25, "server_ms": 0}]}
JSON

for model in paths tree; do
  for sched in duan-path duan-tree duan-topo exact neurosurgeon dads; do
    "$TANDEM" plan --model "$WORK/$model.json" --scheduler "$sched" --uplink-mbps 8 --downlink-mbps 1000 \
      --json >"$WORK/$model-$sched.json"
    cat >"$WORK/one.toml" <<TOML
[model]
name = "$WORK/$model.json"
[scheduler]
name = "$sched"
[link]
uplink_mbps = 8
downlink_mbps = 1000
latency_ms = 0
TOML
    "$TANDEM" run "$WORK/one.toml" --out "$WORK/run-$model-$sched" --quiet >/dev/null
    "$PY" - "$WORK/$model-$sched.json" "$WORK/run-$model-$sched/inferences.csv" <<'PY'
import csv, json, re, sys
plan = json.load(open(sys.argv[1]))
run = list(csv.DictReader(open(sys.argv[2])))
p, r = plan["latency_ms"], float(run[0]["latency_ms"])
assert abs(p - r) <= 1e-6 * max(1, p), (p, r)
# The Duan-Wu and exact predictions are exact (the split baselines' are bounds on DAGs).
predicted = float(re.search(r"predicted ([0-9.]+) ms", plan["plan"]["note"]).group(1))
if plan["scheduler"].startswith("duan-") or plan["scheduler"] == "exact":
    assert abs(predicted - p) <= 1e-3, (predicted, p, plan["plan"]["note"])
print(f"ok: {plan['model']} {plan['scheduler']}: predicted {predicted:.3f} ms, plan {p:.6f} ms == run {r:.6f} ms")
PY
  done
done

"$PY" - "$WORK" <<'PY'
import json, sys
w = sys.argv[1]
plan = lambda m, s: json.load(open(f"{w}/{m}-{s}.json"))
lat = lambda m, s: plan(m, s)["latency_ms"]
# Johnson's order on the two paths: keep a1, a2 and b1, compute b1 first and send its 20 kB
# while a1 and a2 compute: 26 ms (+ the 10-byte result at 1000 Mbit/s); the split baselines,
# which compute in topological order, take 45 ms.
p = plan("paths", "duan-path")
assert abs(p["latency_ms"] - 26.00008) < 1e-6, p["latency_ms"]
assert sorted(p["device_layers"]) == ["a1", "a2", "b1", "input"], p["device_layers"]
up = [t for t in p["plan"]["transfers"] if t["direction"] == "uplink"]
assert [t["tensor"] for t in up] == ["b1", "a2"] and abs(up[0]["start_ms"] - 5) < 1e-9, up
for s in ("neurosurgeon", "dads"):
    assert abs(lat("paths", s) - 45.00008) < 1e-6, (s, lat("paths", s))
# duan-tree outside out-trees falls back to duan-topo: the same plan.
for key in ("latency_ms", "device_layers", "server_layers", "uplink_bytes"):
    assert plan("paths", "duan-tree")[key] == plan("paths", "duan-topo")[key], key
for m in ("paths", "tree"):
    best = lat(m, "exact")
    for s in ("duan-path", "duan-tree", "duan-topo", "neurosurgeon", "dads"):
        assert best <= lat(m, s) + 1e-9, (m, s, best, lat(m, s))
    # Under the paper's model the optimal scheduler of each class reaches the optimum.
    assert abs(lat(m, "duan-path" if m == "paths" else "duan-tree") - best) < 1e-9, (m, best)
print("ok: duan-path pipelines the paths (26 ms vs", lat("paths", "dads"), "ms for dads); exact is never beaten")
PY

# exact's size limit: 14 layers besides the input are planned, 15 and resnet50's 72 are refused.
chain() {
  "$PY" - "$1" >"$WORK/chain$1.json" <<'PY'
import json, sys
n = int(sys.argv[1])
layers = [{"name": f"l{i}", "inputs": [f"l{i - 1}" if i > 1 else "input"], "output_bytes": 1000 * i,
           "device_ms": 1 + i % 3, "server_ms": 0.1} for i in range(1, n + 1)]
print(json.dumps({"format": "tandem-model/1", "name": f"chain{n}", "input_bytes": 50000, "layers": layers}))
PY
}
chain 14
chain 15
"$TANDEM" plan --model "$WORK/chain14.json" --scheduler exact --uplink-mbps 8 --json >"$WORK/chain14-exact.json"
"$PY" -c 'import json, sys; assert json.load(open(sys.argv[1]))["latency_ms"] > 0' "$WORK/chain14-exact.json"
echo "ok: exact plans 14 layers"
expect_error 2 "tandem: error: chain15: layers: expected at most 14 layers besides the input for the exact scheduler (scheduler.options.max_layers; its search grows exponentially), found 15 layers" \
  -- "$TANDEM" plan --model "$WORK/chain15.json" --scheduler exact
expect_error 2 "tandem: error: resnet50: layers: expected at most 14 layers besides the input for the exact scheduler (scheduler.options.max_layers; its search grows exponentially), found 72 layers" \
  -- "$TANDEM" plan --model resnet50 --scheduler exact
