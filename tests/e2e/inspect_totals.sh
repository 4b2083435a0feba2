# `tandem inspect MODEL --json` totals against torchvision's published MAC counts (issue 2 acceptance),
# and the same command twice gives identical output.
source "$(dirname "$0")/lib.sh"

check_macs() { # model reference_macs relative_tolerance
  "$TANDEM" inspect "$1" --json >"$WORK/$1.json"
  "$PY" - "$WORK/$1.json" "$2" "$3" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
ref, tol = float(sys.argv[2]), float(sys.argv[3])
for key in ("total_flops", "total_macs", "total_params", "layers"):
    assert key in doc, f"missing top-level key {key}"
macs = doc["total_macs"]
err = abs(macs - ref) / ref
print(f"{doc['model']}: total_macs {macs/1e9:.4f} G vs {ref/1e9:.4f} G, error {100*err:.2f}% (limit {100*tol:.0f}%)")
assert err <= tol, "outside tolerance"
assert abs(doc["total_flops"] - 2 * macs) / doc["total_flops"] < 0.05, "FLOPs should be about 2 x MACs"
assert doc["layers"][0]["op"] == "input"
PY
}

check_macs vgg16 15.47e9 0.01
check_macs resnet50 4.1e9 0.02
check_macs mobilenet_v2 0.30e9 0.03
check_macs alexnet 0.71e9 0.02

"$TANDEM" inspect resnet50 --json >"$WORK/again.json"
cmp -s "$WORK/resnet50.json" "$WORK/again.json" || fail "inspect output differs between two runs"
"$TANDEM" inspect resnet50 >"$WORK/a.txt"
"$TANDEM" inspect resnet50 >"$WORK/b.txt"
cmp -s "$WORK/a.txt" "$WORK/b.txt" || fail "inspect table differs between two runs"
echo "ok: inspect is deterministic"
