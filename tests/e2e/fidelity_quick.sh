# scripts/fidelity --quick (issue 4): profiles one small model on both sides, runs it on the real
# backend and on the simulator with the measured profile, and writes the real-vs-sim table. Checks
# the CSV's columns and rows and that every number is finite; never the size of the error (that is
# a measurement, not a property of the code).
source "$(dirname "$0")/lib.sh"

"$SRC/scripts/fidelity" --quick --tandem "$TANDEM" --out "$WORK/fid" >"$WORK/log" 2>&1 ||
  fail "scripts/fidelity --quick failed: $(tail -20 "$WORK/log")"
grep -q "median |error|" "$WORK/log" || fail "no summary line in the output: $(tail -5 "$WORK/log")"
grep -q "wall time" "$WORK/log" || fail "no wall time in the output"

"$PY" - "$WORK/fid" <<'PY'
import csv, math, sys
d = sys.argv[1]
with open(f"{d}/fidelity.csv") as fh:
    r = csv.DictReader(fh)
    cols, rows = r.fieldnames, list(r)
want = ["model", "uplink_mbps", "downlink_mbps", "scheduler", "inferences", "real_mean_ms",
        "sim_mean_ms", "error_pct"]
for term in ["device_compute_ms", "server_compute_ms", "transfer_ms", "other_ms"]:
    want += [f"real_{term}", f"sim_{term}"]
want += ["real_median_ms", "error_vs_median_pct", "real_cv_pct", "load_1min", "same_plan", "device_tasks", "server_tasks",
         "sim_executor_mean_ms", "error_executor_pct", "same_plan_executor"]
numeric = [c for c in want[5:] if c not in ("same_plan", "device_tasks", "server_tasks",
                                            "same_plan_executor")]
assert cols == want, cols
assert len(rows) == 2, rows
assert sorted(x["scheduler"] for x in rows) == ["device-only", "server-only"], rows
for x in rows:
    assert x["model"] == "multipath" and x["uplink_mbps"] == "20", x
    assert x["inferences"] == "2", x
    for c in numeric:
        assert math.isfinite(float(x[c])), (c, x)
    assert float(x["real_mean_ms"]) > 0 and float(x["sim_mean_ms"]) > 0, x
    assert x["same_plan"] == "1", x
by = {x["scheduler"]: x for x in rows}
# device-only computes everything on the device and sends nothing; server-only the reverse.
assert by["device-only"]["server_tasks"] == "0" and float(by["device-only"]["sim_transfer_ms"]) == 0
assert by["server-only"]["device_tasks"] == "0" and float(by["server-only"]["sim_transfer_ms"]) > 0
with open(f"{d}/profile.csv") as fh:
    prof = list(csv.DictReader(fh))
assert {p["side"] for p in prof} == {"device", "server"}, "profile.csv lacks a side"
assert all(math.isfinite(float(p["time_ms"])) for p in prof)
with open(f"{d}/ops_compare.csv") as fh:
    ops = list(csv.DictReader(fh))
assert ops and all(math.isfinite(float(o["real_mean_ms"])) for o in ops)
print(f"ok: {len(rows)} rows, {len(ops)} ops compared, {len(prof)} profile rows")
PY
