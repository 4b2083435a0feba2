# Ten devices sharing a server over a real Norway 3G trace: every output written, rerun identical
# (issue 3). Skipped when ../shared/traces is not there (it is not shipped with Tandem).
source "$(dirname "$0")/lib.sh"
TRACE="$SRC/../shared/traces/norway-3g/norway_bus_1.txt"
if [[ ! -f "$TRACE" ]]; then echo "skip: $TRACE not found"; exit 0; fi
cat >"$WORK/ten.toml" <<TOML
[model]
name = "mobilenet_v2"
[device]
count = 10
[server]
workers = 2
[link]
uplink_trace = "$TRACE"
downlink_mbps = 20
latency_ms = 20
[scheduler]
name = "neurosurgeon"
[workload]
kind = "periodic"
fps = 2
count = 20
TOML
"$TANDEM" run "$WORK/ten.toml" --out "$WORK/a" --quiet >/dev/null
"$TANDEM" run "$WORK/ten.toml" --out "$WORK/b" --quiet >/dev/null
for f in inferences.csv ops.csv summary.csv timeline.json config.resolved.toml; do
  [[ -s "$WORK/a/$f" ]] || fail "missing $f"
  cmp -s "$WORK/a/$f" "$WORK/b/$f" || fail "$f differs between reruns"
done
n=$(($(wc -l <"$WORK/a/inferences.csv") - 1))
[[ "$n" == 200 ]] || fail "expected 200 inferences, found $n"
devices=$(tail -n +2 "$WORK/a/inferences.csv" | cut -d, -f2 | sort -u | wc -l)
[[ "$devices" == 10 ]] || fail "expected 10 devices, found $devices"
echo "ok: 10 devices x 20 inferences over $(basename "$TRACE"), byte-identical rerun"
