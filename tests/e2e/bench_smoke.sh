# `tandem bench` runs and prints one row of figures per device count (speed itself is a benchmark
# figure, never checked by a test).
source "$(dirname "$0")/lib.sh"
"$TANDEM" bench --devices 1,3 --duration-s 2 --model mobilenet_v2 >"$WORK/bench.out"
cat "$WORK/bench.out"
rows=$(awk '$1 ~ /^[0-9]+$/ && NF == 8' "$WORK/bench.out" | wc -l)
[[ "$rows" == 2 ]] || fail "expected 2 result rows, found $rows"
awk '$1 ~ /^[0-9]+$/ && NF == 8 { if ($5 <= 0) exit 1 }' "$WORK/bench.out" || fail "a bench row completed no inference"
echo "ok: bench printed a row per device count"
