# scripts/plot turns a results folder into latency_cdf.png and gantt.png; `tandem trace generate`
# reproduces the shipped trace byte for byte with the call traces/README.md documents.
source "$(dirname "$0")/lib.sh"
"$TANDEM" run "$SRC/tests/data/config-small-sweep.toml" --out "$WORK/res" --quiet >/dev/null
"$SRC/scripts/plot" "$WORK/res" --run 2 --inferences 2 >"$WORK/plot.out"
for f in latency_cdf.png gantt.png; do
  [[ -s "$WORK/res/$f" ]] || fail "scripts/plot did not write $f"
  [[ "$(head -c 4 "$WORK/res/$f" | tail -c 3)" == "PNG" ]] || fail "$f is not a PNG"
done
echo "ok: scripts/plot wrote latency_cdf.png and gantt.png"

"$TANDEM" trace generate --out "$WORK/t.txt" --seed 1 --duration-s 600 --interval-s 1 --mean-mbps 5 \
  --volatility 0.7 --min-mbps 0.5 --max-mbps 20 --correlation-s 10 >/dev/null
cmp -s "$WORK/t.txt" "$SRC/traces/data/synthetic-3g-seed1.txt" || fail "regenerated trace differs from the shipped one"
echo "ok: tandem trace generate reproduces traces/data/synthetic-3g-seed1.txt"
"$TANDEM" trace inspect "$WORK/t.txt" | grep -q "600 steps" || fail "trace inspect: unexpected summary"
expect_error 2 "tandem: error: command line: --format: expected mbps-two-column, mahimahi or csv, found 'mp3'" \
  -- "$TANDEM" trace inspect "$WORK/t.txt" --format mp3

# scripts/table pivots summary.csv: one row per scheduler, one column per bandwidth, each cell that
# run's mean_latency_ms as summary.csv states it.
"$SRC/scripts/table" "$WORK/res" --rows scheduler.name --column link.uplink_mbps >"$WORK/table.md"
want=$("$PY" - "$WORK/res/summary.csv" <<'PYEOF'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
cell = {(r["scheduler.name"], r["link.uplink_mbps"]): float(r["mean_latency_ms"]) for r in rows}
print("| scheduler.name | 1 | 8 |")
print("|---|---:|---:|")
for s in ("device-only", "server-only"):
    print(f"| {s} | {cell[(s, '1')]:.1f} | {cell[(s, '8')]:.1f} |")
PYEOF
)
[[ "$(cat "$WORK/table.md")" == "$want" ]] || fail "scripts/table printed
$(cat "$WORK/table.md")
expected
$want"
echo "ok: scripts/table pivots summary.csv"
code=0
"$SRC/scripts/table" "$WORK/res" --rows nope --column link.uplink_mbps 2>"$WORK/err" || code=$?
[[ $code == 2 ]] && grep -q "no column 'nope'" "$WORK/err" || fail "scripts/table: unknown column gave exit $code: $(cat "$WORK/err")"
echo "ok: scripts/table names an unknown column"
