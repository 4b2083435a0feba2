# experiments/real-quickstart.toml runs on the real backend (a spawned `tandem serve`) and writes
# every output of a simulated run, with the uplink paced at exactly bytes / rate (issue 4).
source "$(dirname "$0")/lib.sh"

"$TANDEM" run "$SRC/experiments/real-quickstart.toml" --out "$WORK/out" --quiet >/dev/null
for f in inferences.csv ops.csv summary.csv timeline.json config.resolved.toml; do
  [[ -s "$WORK/out/$f" ]] || fail "missing or empty $f"
done
"$PY" - "$WORK/out" <<'PY'
import csv, sys
d = sys.argv[1]
inf = list(csv.DictReader(open(f"{d}/inferences.csv")))
ops = list(csv.DictReader(open(f"{d}/ops.csv")))
summ = list(csv.DictReader(open(f"{d}/summary.csv")))
assert summ[0]["status"] == "ok", summ
assert len(inf) == 10 and all(r["fallback"] == "0" for r in inf), inf
ups = [o for o in ops if o["kind"] == "transfer" and o["side"] == "server"]
assert ups, "neurosurgeon at 20 Mbit/s splits mobilenet_v2: something must go up"
exact = 0
for o in ups:  # 20 Mbit/s = 2.5 MB/s; never faster, later only if the machine itself was slower
    want = int(o["bytes"]) / 2.5e6 * 1e3
    got = float(o["end_ms"]) - float(o["start_ms"])
    assert want - 1e-3 <= got < want + 20, (o, want)
    exact += abs(got - want) < 1e-3
assert exact >= len(ups) // 2, (exact, len(ups))
lat = sorted(float(r["latency_ms"]) for r in inf)
print(f"ok: 10 inferences, p50 {lat[5]:.1f} ms, {exact} of {len(ups)} uploads took exactly bytes / 20 Mbit/s")
PY
