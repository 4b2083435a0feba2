# `tandem run` on a small sweep writes every output of the contract, with units in the column names,
# the closed-form latencies, and the same bytes on a rerun (issue 3).
source "$(dirname "$0")/lib.sh"
CFG="$SRC/tests/data/config-small-sweep.toml"

"$TANDEM" run "$CFG" --out "$WORK/a" --quiet >/dev/null
"$TANDEM" run "$CFG" --out "$WORK/b" --quiet >/dev/null
for f in inferences.csv ops.csv summary.csv timeline.json config.resolved.toml; do
  [[ -s "$WORK/a/$f" ]] || fail "missing or empty $f"
  cmp -s "$WORK/a/$f" "$WORK/b/$f" || fail "$f differs between two identical runs"
done
echo "ok: all outputs written, byte-identical on rerun"

"$PY" - "$WORK/a" <<'PY'
import csv, json, sys
d = sys.argv[1]
inf = list(csv.DictReader(open(f"{d}/inferences.csv")))
summ = list(csv.DictReader(open(f"{d}/summary.csv")))
ops = list(csv.DictReader(open(f"{d}/ops.csv")))
assert len(summ) == 4, summ
assert [r["scheduler.name"] for r in summ] == ["device-only", "device-only", "server-only", "server-only"]
assert [r["link.uplink_mbps"] for r in summ] == ["1", "8", "1", "8"]
assert all(r["status"] == "ok" for r in summ)
assert len(inf) == 20
for col in ["arrival_ms", "finish_ms", "latency_ms", "uplink_bytes", "device_busy_ms"]:
    assert col in inf[0], col
# device-only: 35 ms per inference at 20 fps, no queueing.
for r in inf:
    if r["scheduler"] == "device-only":
        assert abs(float(r["latency_ms"]) - 35.0) < 1e-6, r
# server-only at 8 Mbit/s up and down, 2 ms one way: 150528 B up + 2 + 3.5 + 4000 B down + 2.
up, down = 150528 * 8 / 8e6 * 1e3, 4000 * 8 / 8e6 * 1e3
expect = up + 2 + 3.5 + down + 2
got = [float(r["latency_ms"]) for r in inf if r["scheduler"] == "server-only" and r["run"] == "3"]
assert abs(got[0] - expect) < 1e-6, (got, expect)
# The upload (150.5 ms) is longer than the 50 ms period, so later inferences queue on the uplink:
# inference k finishes one upload time after inference k-1.
for a, b in zip(got, got[1:]):
    assert abs((b + 50) - a - up) < 1e-6, (got, up)
assert {o["kind"] for o in ops} == {"compute", "transfer"}
events = json.loads(open(f"{d}/timeline.json").read())
assert any(e.get("ph") == "X" for e in events)
print(f"ok: 4 runs, 20 inferences, server-only latency {expect:.3f} ms as computed by hand")
PY
