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
