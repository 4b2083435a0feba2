# Bad experiment configs give exit code 2 and one line naming the file, line, column and key
# (core/config/). The messages are the ones tests/unit/config_test.cpp pins down.
source "$(dirname "$0")/lib.sh"
D="$SRC/tests/data"
LINK_KEYS="uplink_mbps, downlink_mbps, latency_ms, shared_uplink, uplink_trace, downlink_trace, trace_format, trace_scale, trace_offset_s, trace_loop, shaper"

expect_error 2 "tandem: error: $D/config-typo.toml:9:1: link.uplink_mpbs: expected a known key of [link] ($LINK_KEYS), found an unknown key (did you mean uplink_mbps?)" \
  -- "$TANDEM" run "$D/config-typo.toml"
expect_error 2 "tandem: error: $D/config-negative-bandwidth.toml:8:1: link.downlink_mbps: expected a number > 0 (Mbit/s), found -5" \
  -- "$TANDEM" run "$D/config-negative-bandwidth.toml"
expect_error 2 "tandem: error: $WORK/nope.toml: cannot open the config file (missing or unreadable)" \
  -- "$TANDEM" run "$WORK/nope.toml"

# A wrong type, a bad enum value and a TOML syntax error, from files written here.
printf '[model]\nname = "resnet18"\n\n[link]\nuplink_mbps = "fast"\n' >"$WORK/type.toml"
expect_error 2 "tandem: error: $WORK/type.toml:5:1: link.uplink_mbps: expected a float in Mbit/s, found a string \"fast\"" \
  -- "$TANDEM" run "$WORK/type.toml"
printf 'backend = "simgrid"\n[model]\nname = "resnet18"\n' >"$WORK/enum.toml"
expect_error 2 "tandem: error: $WORK/enum.toml:1:1: backend: expected one of sim, real, found \"simgrid\"" \
  -- "$TANDEM" run "$WORK/enum.toml"
printf '[model]\nname = "resnet18"\nbatch = 1 2\n' >"$WORK/syntax.toml"
expect_error 2 "tandem: error: $WORK/syntax.toml:3:11: invalid TOML: error while parsing key-value pair: expected a comment or whitespace, saw '2'" \
  -- "$TANDEM" run "$WORK/syntax.toml"

# --set is checked like the file, and blamed on the command line.
printf '[model]\nname = "resnet18"\n' >"$WORK/ok.toml"
expect_error 2 "tandem: error: command line: --set: expected link.uplink_mbps to be a number > 0 (Mbit/s), found -5" \
  -- "$TANDEM" run "$WORK/ok.toml" --set link.uplink_mbps=-5
expect_error 2 "tandem: error: command line: --set: expected a config key (tandem describe config) or scheduler.options.NAME, found an unknown key \"link.uplink_mpbs\" (did you mean link.uplink_mbps?)" \
  -- "$TANDEM" run "$WORK/ok.toml" --set link.uplink_mpbs=5

# The documentation is generated from the same schema: every key the parser knows is listed.
"$TANDEM" describe config >"$WORK/describe.txt"
for key in name seed backend model.name link.uplink_mbps link.trace_format estimator.ewma_alpha \
           scheduler.name workload.rate_per_s; do
  grep -q "^  $key " "$WORK/describe.txt" || fail "tandem describe config does not list $key"
done
grep -q '^\[sweep\]' "$WORK/describe.txt" || fail "tandem describe config does not explain [sweep]"
echo "ok: tandem describe config lists the schema"
