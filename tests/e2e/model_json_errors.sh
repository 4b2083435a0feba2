# Bad model JSON files give exit code 2 and one line naming the file and the layer (issue 2).
source "$(dirname "$0")/lib.sh"
D="$SRC/tests/data"

expect_error 2 "tandem: error: $D/model-cycle.json: layer 'b': expected an acyclic graph, found a cycle through 'c' -> 'b'" \
  -- "$TANDEM" inspect "$D/model-cycle.json"
expect_error 2 "tandem: error: $D/model-unknown-input.json: layer 'fc'.inputs: expected the name of a layer or 'input', found \"conv0\"" \
  -- "$TANDEM" inspect "$D/model-unknown-input.json"
expect_error 2 "tandem: error: $WORK/nope.json: cannot open the model file (missing or unreadable)" \
  -- "$TANDEM" inspect "$WORK/nope.json"
expect_error 2 "tandem: error: command line: model: expected a zoo model (alexnet, vgg16, resnet18, resnet50, mobilenet_v2, googlenet, inception_v3, densenet121, yolov3-tiny, bert-base) or a .json file, found 'resnet05'" \
  -- "$TANDEM" inspect resnet05

# A good file reads, and its measured times win over the cost model.
"$TANDEM" inspect "$D/model-tiny.json" --json >"$WORK/tiny.json"
"$PY" - "$WORK/tiny.json" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
conv = [l for l in doc["layers"] if l["name"] == "conv1"][0]
assert conv["device_ms"] == 12.5 and conv["cost_source_device"] == "model-file", conv
assert abs(doc["device_total_ms"] - 13.5) < 1e-9, doc["device_total_ms"]
print("ok: model-tiny.json reads with its measured times")
PY
