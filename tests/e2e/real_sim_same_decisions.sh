# The real backend carries out the same decisions as the simulator (issue 4): one config, run on
# both backends, gives the same ops (which tasks ran on which side, which tensors crossed the link
# at which precision and size) for deterministic schedulers (duan-topo's priorities and transfer
# order included), and the same CSV columns.
source "$(dirname "$0")/lib.sh"

for backend in sim real; do
  cat >"$WORK/$backend.toml" <<TOML
seed = 3
backend = "$backend"
[model]
name = "mobilenet_v2"
[device]
spec = "rpi4"
[server]
address = "spawn"
threads = 1
[link]
uplink_mbps = 20
downlink_mbps = 20
latency_ms = 5
[workload]
kind = "closed-loop"
count = 3
[sweep]
"scheduler.name" = ["neurosurgeon", "dads", "server-only", "duan-topo"]
TOML
  "$TANDEM" run "$WORK/$backend.toml" --out "$WORK/$backend" --quiet >/dev/null
done

"$PY" - "$WORK/sim" "$WORK/real" <<'PY'
import csv, sys
sim_dir, real_dir = sys.argv[1:]
def rows(d, f):
    with open(f"{d}/{f}") as fh:
        r = csv.DictReader(fh)
        return r.fieldnames, list(r)
for f in ["inferences.csv", "ops.csv", "summary.csv"]:
    a, _ = rows(sim_dir, f)
    b, _ = rows(real_dir, f)
    assert a == b, (f, a, b)
_, sim_ops = rows(sim_dir, "ops.csv")
_, real_ops = rows(real_dir, "ops.csv")
key = lambda o: (o["run"], o["inference_id"], o["kind"], o["side"], o["task"], o["precision"], o["bytes"])
s, r = sorted(map(key, sim_ops)), sorted(map(key, real_ops))
assert s == r, set(s) ^ set(r)
_, summ = rows(real_dir, "summary.csv")
assert [x["status"] for x in summ] == ["ok"] * 4, summ
_, inf = rows(real_dir, "inferences.csv")
assert len(inf) == 12 and all(x["fallback"] == "0" for x in inf)
splits = {(o["run"], o["side"]) for o in real_ops if o["kind"] == "compute"}
# neurosurgeon splits (both sides compute), server-only computes on the server only.
assert ("0", "device") in splits and ("0", "server") in splits, splits
assert ("2", "device") not in splits, splits
print(f"ok: {len(s)} ops, same tasks/sides/precisions/bytes on sim and real, same columns")
PY
