# tandem profile --via backend (issue 4): layers timed through the real backend's dispatch (device:
# a compute-thread hand-off; server: compute requests to a spawned `tandem serve`) give a profile
# CSV with the same rows as --via executor. Times are measurements: only checked to be finite and
# positive, never compared.
source "$(dirname "$0")/lib.sh"
MODEL="$SRC/experiments/fidelity-multipath.json"

for via in executor backend; do
  for side in device server; do
    "$TANDEM" profile --model "$MODEL" --side "$side" --threads 1 --precisions fp32 \
      --repetitions 1 --warmup 1 --via "$via" --out "$WORK/$via.$side.csv" >"$WORK/out" 2>"$WORK/err" ||
      fail "profile --via $via --side $side failed: $(cat "$WORK/err")"
    grep -q "timed via the" "$WORK/err" || fail "no 'timed via' line: $(cat "$WORK/err")"
  done
done

"$PY" - "$WORK" <<'PY'
import csv, math, sys
w = sys.argv[1]
def rows(name):
    with open(f"{w}/{name}.csv") as fh:
        return list(csv.DictReader(fh))
for side in ["device", "server"]:
    a, b = rows(f"executor.{side}"), rows(f"backend.{side}")
    key = lambda r: (r["model"], r["layer"], r["side"], r["precision"], r["threads"])
    assert [key(r) for r in a] == [key(r) for r in b], (side, a, b)
    assert len(b) == 16 and all(r["side"] == side for r in b), b
    assert all(math.isfinite(float(r["time_ms"])) and float(r["time_ms"]) > 0 for r in b), b
print("ok: --via backend gives the same 16 rows as --via executor on both sides")
PY

code=0
"$TANDEM" profile --model "$MODEL" --via nope --out "$WORK/x.csv" >/dev/null 2>"$WORK/err" || code=$?
[[ "$code" == 2 ]] || fail "--via nope exited $code, expected 2"
echo "ok: --via nope -> exit 2"
