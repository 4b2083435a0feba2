#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include "core/config/config_schema.hpp"
#include "core/config/describe_config.hpp"
#include "core/config/experiment_config.hpp"
#include "core/config/sweep.hpp"
#include "core/emulation.hpp"
#include "core/error.hpp"

using namespace tandem;

namespace {

const std::filesystem::path kBase = "/experiments";

ExperimentConfig parse(const std::string& text) {
  return parse_experiment_config(text, "cfg.toml", kBase);
}

std::string error_of(const std::string& text) {
  try {
    parse(text);
  } catch (const InputError& e) {
    return e.what();
  }
  return "no error";
}

std::string override_error(const std::string& assignment) {
  auto config = parse("model.name = \"resnet18\"\n");
  try {
    apply_override(config, assignment);
  } catch (const InputError& e) {
    return e.what();
  }
  return "no error";
}

std::filesystem::path data_dir() {
  return std::filesystem::path(TANDEM_SOURCE_DIR) / "tests/data";
}

// Every section with a non-default value, a scheduler option of each type and a two-axis sweep.
constexpr const char* kFull = R"(name = "full"
seed = 42
backend = "real"
output_dir = "out/full"
description = "every key \"quoted\""

[model]
name = "models/tiny.json"
batch = 2
seq_len = 64
profile = "profiles/tiny.csv"

[device]
spec = "jetson-nano"
threads = 4
count = 3

[server]
spec = "server-gpu"
threads = 8
workers = 2
address = "10.0.0.2:7000"

[link]
uplink_mbps = 5.5
downlink_mbps = 20
latency_ms = 12.5
shared_uplink = true
uplink_trace = "traces/up.txt"
downlink_trace = "/srv/traces/down.txt"
trace_format = "mahimahi"
trace_scale = 0.5
trace_offset_s = 30
trace_loop = false

[estimator]
ewma_alpha = 0.5
initial_uplink_mbps = 3

[scheduler]
name = "coacto"

[scheduler.options]
tile_channels = 16
greedy = true
margin = 0.25
mode = "fast"

[workload]
kind = "poisson"
count = 100
duration_s = 60
fps = 15
rate_per_s = 2.5

[sweep]
"link.uplink_mbps" = [1, 5, 10]
scheduler.name = ["device-only", "neurosurgeon"]
)";

} // namespace

TEST_CASE("config: a minimal file gets every default") {
  const auto c =
      parse_experiment_config("[model]\nname = \"resnet18\"\n", "exp/my-exp.toml", kBase);
  CHECK(c.name == "my-exp");
  CHECK(c.output_dir == "results/my-exp");
  CHECK(c.seed == 1);
  CHECK(c.backend == BackendKind::sim);
  CHECK(c.description.empty());
  CHECK(c.model.name == "resnet18"); // a zoo name is not a path
  CHECK(c.model.batch == 1);
  CHECK(c.model.seq_len == 128);
  CHECK(!c.model.profile);
  CHECK(c.device.spec == "rpi4");
  CHECK(c.device.threads == 1);
  CHECK(c.device.count == 1);
  CHECK(c.server.spec == "desktop-cpu");
  CHECK(c.server.threads == 0);
  CHECK(c.server.workers == 1);
  CHECK(c.server.address == "spawn");
  CHECK(c.link.uplink_mbps == 10);
  CHECK(c.link.downlink_mbps == 10);
  CHECK(c.link.latency_ms == 5);
  CHECK(!c.link.shared_uplink);
  CHECK(!c.link.uplink_trace);
  CHECK(!c.link.downlink_trace);
  CHECK(c.link.trace_format == TraceFormat::mbps_two_column);
  CHECK(c.link.trace_scale == 1);
  CHECK(c.link.trace_offset_s == 0);
  CHECK(c.link.trace_loop);
  CHECK(c.estimator.ewma_alpha == 0.3);
  CHECK(!c.estimator.initial_uplink_mbps);
  CHECK(!c.estimator.initial_downlink_mbps);
  CHECK(c.scheduler.name == "neurosurgeon");
  CHECK(c.scheduler.options.empty());
  CHECK(c.workload.kind == WorkloadKind::single);
  CHECK(c.workload.count == 1);
  CHECK(c.workload.duration_s == 0);
  CHECK(c.workload.fps == 30);
  CHECK(c.workload.rate_per_s == 10);
  CHECK(c.sweep.empty());
  // Unset estimates start at the nominal rate; SI conversions go through units.hpp.
  CHECK(c.initial_uplink_estimate_mbps() == 10);
  CHECK(c.link.uplink_bytes_per_s() == 1.25e6);
  CHECK(c.link.latency_s() == doctest::Approx(0.005));
}

TEST_CASE("config: every section is parsed") {
  const auto c = parse(kFull);
  CHECK(c.name == "full");
  CHECK(c.seed == 42);
  CHECK(c.backend == BackendKind::real);
  CHECK(c.output_dir == "out/full");
  CHECK(c.description == "every key \"quoted\"");
  CHECK(c.model.name == "/experiments/models/tiny.json");
  CHECK(c.model.batch == 2);
  CHECK(c.model.seq_len == 64);
  CHECK(c.model.profile == std::filesystem::path("/experiments/profiles/tiny.csv"));
  CHECK(c.device.spec == "jetson-nano");
  CHECK(c.device.threads == 4);
  CHECK(c.device.count == 3);
  CHECK(c.server.spec == "server-gpu");
  CHECK(c.server.threads == 8);
  CHECK(c.server.workers == 2);
  CHECK(c.server.address == "10.0.0.2:7000");
  CHECK(c.link.uplink_mbps == 5.5);
  CHECK(c.link.downlink_mbps == 20); // an integer where a float is expected
  CHECK(c.link.latency_ms == 12.5);
  CHECK(c.link.shared_uplink);
  CHECK(c.link.uplink_trace == std::filesystem::path("/experiments/traces/up.txt"));
  CHECK(c.link.downlink_trace == std::filesystem::path("/srv/traces/down.txt"));
  CHECK(c.link.trace_format == TraceFormat::mahimahi);
  CHECK(c.link.trace_scale == 0.5);
  CHECK(c.link.trace_offset_s == 30);
  CHECK(!c.link.trace_loop);
  CHECK(c.estimator.ewma_alpha == 0.5);
  CHECK(c.estimator.initial_uplink_mbps == 3.0);
  CHECK(!c.estimator.initial_downlink_mbps);
  CHECK(c.initial_uplink_estimate_mbps() == 3);
  CHECK(c.initial_downlink_estimate_mbps() == 20);
  CHECK(c.scheduler.name == "coacto");
  CHECK(c.scheduler.options.size() == 4);
  CHECK(c.scheduler.options.get_int("tile_channels", 0) == 16);
  CHECK(c.scheduler.options.get_bool("greedy", false));
  CHECK(c.scheduler.options.get_double("margin", 0) == 0.25);
  CHECK(c.scheduler.options.get_double("tile_channels", 0) == 16); // ints read as floats
  CHECK(c.scheduler.options.get_string("mode", "") == "fast");
  CHECK(c.scheduler.options.get_int("absent", 7) == 7);
  CHECK(c.workload.kind == WorkloadKind::poisson);
  CHECK(c.workload.count == 100);
  CHECK(c.workload.duration_s == 60);
  CHECK(c.workload.fps == 15);
  CHECK(c.workload.rate_per_s == 2.5);
  REQUIRE(c.sweep.size() == 2);
  CHECK(c.sweep[0].key == "link.uplink_mbps");
  CHECK(c.sweep[0].values == std::vector<ConfigValue>{1.0, 5.0, 10.0});
  CHECK(c.sweep[1].key == "scheduler.name");
  // Locations are kept for errors raised after parsing (an unknown scheduler, say).
  CHECK(format_location(c.where("scheduler.name")) == "cfg.toml:41:1");
  CHECK(format_location(c.where("workload.fps")) == "cfg.toml:53:1");
  CHECK(format_location(c.where("server.threads")) == "cfg.toml:20:1");
  CHECK(format_location(c.scheduler.options.where("greedy")) == "cfg.toml:45:1");
}

TEST_CASE("config: dotted keys at the top level are the same keys") {
  const auto c = parse("model.name = \"vgg16\"\nlink.latency_ms = 2\n");
  CHECK(c.model.name == "vgg16");
  CHECK(c.link.latency_ms == 2);
}

TEST_CASE("config: a typo'd key names the section's keys and the likely intent") {
  CHECK(error_of("[model]\nname = \"resnet18\"\n\n[link]\nuplink_mpbs = 5\n") ==
        "cfg.toml:5:1: link.uplink_mpbs: expected a known key of [link] (uplink_mbps, "
        "downlink_mbps, latency_ms, shared_uplink, uplink_trace, downlink_trace, trace_format, "
        "trace_scale, trace_offset_s, trace_loop, shaper), found an unknown key (did you mean "
        "uplink_mbps?)");
  CHECK(error_of("model.name = \"resnet18\"\n[linkk]\nuplink_mbps = 5\n") ==
        "cfg.toml:2:2: linkk: expected a known top-level key or section (name, seed, backend, "
        "output_dir, description, model, device, server, link, estimator, scheduler, workload, "
        "sweep), found an unknown key (did you mean link?)");
  CHECK(error_of("model.name = \"resnet18\"\nzzz = 1\n") ==
        "cfg.toml:2:1: zzz: expected a known top-level key or section (name, seed, backend, "
        "output_dir, description, model, device, server, link, estimator, scheduler, workload, "
        "sweep), found an unknown key");
  CHECK(
      error_of("model.name = \"resnet18\"\n[scheduler]\noption = 1\n") ==
      "cfg.toml:3:1: scheduler.option: expected a known key of [scheduler] (name, options), found "
      "an unknown key (did you mean options?)");
}

TEST_CASE("config: a value out of range names the range and the unit") {
  CHECK(error_of("model.name = \"resnet18\"\n[link]\nuplink_mbps = -5\n") ==
        "cfg.toml:3:1: link.uplink_mbps: expected a number > 0 (Mbit/s), found -5");
  CHECK(error_of("model.name = \"resnet18\"\nlink.latency_ms = -0.5\n") ==
        "cfg.toml:2:6: link.latency_ms: expected a number >= 0 (ms), found -0.5");
  CHECK(error_of("model.name = \"resnet18\"\nestimator.ewma_alpha = 0\n") ==
        "cfg.toml:2:11: estimator.ewma_alpha: expected a number in (0, 1], found 0");
  CHECK(error_of("model.name = \"resnet18\"\nlink.trace_scale = nan\n") ==
        "cfg.toml:2:6: link.trace_scale: expected a number > 0, found nan");
  CHECK(error_of("model.name = \"resnet18\"\ndevice.count = 0\n") ==
        "cfg.toml:2:8: device.count: expected an integer >= 1, found 0");
  CHECK(error_of("model.name = \"resnet18\"\nseed = -1\n") ==
        "cfg.toml:2:1: seed: expected an integer >= 0, found -1");
  CHECK(error_of("model.name = \"resnet18\"\nmodel.batch = 3000000000\n") ==
        "cfg.toml:2:7: model.batch: expected an integer <= 2147483647, found 3000000000");
  CHECK(error_of("model.name = \"resnet18\"\nname = \"\"\n") ==
        "cfg.toml:2:1: name: expected a non-empty string, found \"\"");
}

TEST_CASE("config: a value of the wrong type names the type and the unit") {
  CHECK(error_of("model.name = \"resnet18\"\n[link]\nuplink_mbps = \"fast\"\n") ==
        "cfg.toml:3:1: link.uplink_mbps: expected a float in Mbit/s, found a string \"fast\"");
  CHECK(error_of("[model]\nname = \"resnet18\"\nbatch = 2.5\n") ==
        "cfg.toml:3:1: model.batch: expected an integer, found a float 2.5");
  CHECK(
      error_of("model.name = \"resnet18\"\nlink.trace_loop = \"yes\"\n") ==
      "cfg.toml:2:6: link.trace_loop: expected a boolean (true or false), found a string \"yes\"");
  CHECK(error_of("model.name = \"resnet18\"\nlink.uplink_trace = 3\n") ==
        "cfg.toml:2:6: link.uplink_trace: expected a file path (string), found an integer 3");
  CHECK(error_of("model.name = \"resnet18\"\nlink = 3\n") ==
        "cfg.toml:2:1: link: expected a table [link], found an integer 3");
  CHECK(error_of("model.name = \"resnet18\"\n[link.uplink_mbps]\nx = 1\n") ==
        "cfg.toml:2:7: link.uplink_mbps: expected a float in Mbit/s, found a table");
}

TEST_CASE("config: a bad enum value lists the allowed ones") {
  CHECK(error_of("model.name = \"resnet18\"\nbackend = \"simgrid\"\n") ==
        "cfg.toml:2:1: backend: expected one of sim, real, found \"simgrid\"");
  CHECK(
      error_of("model.name = \"resnet18\"\n[workload]\nkind = \"closed_loop\"\n") ==
      "cfg.toml:3:1: workload.kind: expected one of single, periodic, poisson, closed-loop, found "
      "\"closed_loop\"");
  CHECK(error_of("model.name = \"resnet18\"\n[device]\nspec = \"rpi5\"\n") ==
        "cfg.toml:3:1: device.spec: expected one of rpi4, rpi3, jetson-nano, desktop-cpu, "
        "server-gpu, found \"rpi5\"");
  CHECK(error_of("[model]\nname = \"resnet05\"\n") ==
        "cfg.toml:2:1: model.name: expected a zoo model (alexnet, vgg16, resnet18, resnet50, "
        "mobilenet_v2, googlenet, inception_v3, densenet121, yolov3-tiny, bert-base) or a .json or "
        ".onnx file, found \"resnet05\"");
}

TEST_CASE("config: model.name is required") {
  CHECK(error_of("seed = 3\n") ==
        "cfg.toml: model.name: expected a zoo model (alexnet, vgg16, resnet18, resnet50, "
        "mobilenet_v2, googlenet, inception_v3, densenet121, yolov3-tiny, bert-base) or a .json or "
        ".onnx file, found no value (the key is required)");
  // ... unless every run of the sweep gives it.
  const auto c = parse("[sweep]\n\"model.name\" = [\"alexnet\", \"vgg16\"]\n");
  CHECK(expand_sweep(c).at(1).config.model.name == "vgg16");
}

TEST_CASE("config: a TOML syntax error gives the parser's line and column") {
  CHECK(error_of("model.name = \"resnet18\"\n[link]\nuplink_mbps = 5 6\n") ==
        "cfg.toml:3:17: invalid TOML: error while parsing key-value pair: expected a comment or "
        "whitespace, saw '6'");
  CHECK(error_of("model.name = \"resnet18\"\nseed = 1\nseed = 2\n") ==
        "cfg.toml:3:8: invalid TOML: error while parsing key-value pair: cannot redefine existing "
        "integer 'seed'");
}

TEST_CASE("config: a missing file is one line naming it") {
  try {
    load_experiment_config("/nonexistent/cfg.toml");
    FAIL("expected an InputError");
  } catch (const InputError& e) {
    CHECK(std::string(e.what()) ==
          "/nonexistent/cfg.toml: cannot open the config file (missing or unreadable)");
  }
  try {
    load_experiment_config(data_dir()); // a directory is not a config file either
    FAIL("expected an InputError");
  } catch (const InputError& e) {
    CHECK(std::string(e.what()) ==
          data_dir().string() + ": cannot open the config file (missing or unreadable)");
  }
}

TEST_CASE("config: the e2e data files fail with the documented messages") {
  const auto typo = data_dir() / "config-typo.toml";
  const auto negative = data_dir() / "config-negative-bandwidth.toml";
  CHECK_THROWS_WITH_AS(
      load_experiment_config(typo),
      (typo.string() +
       ":9:1: link.uplink_mpbs: expected a known key of [link] (uplink_mbps, "
       "downlink_mbps, latency_ms, shared_uplink, uplink_trace, downlink_trace, "
       "trace_format, trace_scale, trace_offset_s, trace_loop, shaper), found an unknown "
       "key (did you mean uplink_mbps?)")
          .c_str(),
      InputError);
  CHECK_THROWS_WITH_AS(
      load_experiment_config(negative),
      (negative.string() + ":8:1: link.downlink_mbps: expected a number > 0 (Mbit/s), found -5")
          .c_str(),
      InputError);
}

TEST_CASE("config: relative paths are resolved against the config file's directory") {
  const auto c = parse_experiment_config(
      "[model]\nname = \"../models/tiny.json\"\nprofile = \"p.csv\"\n"
      "[link]\nuplink_trace = \"./traces/up.txt\"\ndownlink_trace = \"/abs/down.txt\"\n",
      "sub/cfg.toml", "/data/exp");
  CHECK(c.model.name == "/data/models/tiny.json");
  CHECK(c.model.profile == std::filesystem::path("/data/exp/p.csv"));
  CHECK(c.link.uplink_trace == std::filesystem::path("/data/exp/traces/up.txt"));
  CHECK(c.link.downlink_trace == std::filesystem::path("/abs/down.txt"));

  // From a file: against the file's own directory, wherever the process stands.
  const auto f = load_experiment_config(data_dir() / "config-relative-paths.toml");
  const auto dir = std::filesystem::absolute(data_dir()).lexically_normal();
  CHECK(f.name == "config-relative-paths");
  CHECK(f.model.name == (dir / "model-tiny.json").string());
  CHECK(f.model.profile == dir / "profiles/tiny.csv");
  CHECK(f.link.uplink_trace == (dir / "../data/traces/up.txt").lexically_normal());
  CHECK(f.link.downlink_trace == std::filesystem::path("/abs/down.txt"));
  // Sweep values of a path key too.
  REQUIRE(f.sweep.size() == 1);
  CHECK(f.sweep[0].values ==
        std::vector<ConfigValue>{(dir / "a.txt").string(), (dir / "sub/b.txt").string()});
}

TEST_CASE("config: sweeps expand in file order, the first key varying slowest") {
  const auto c = parse(kFull);
  const auto runs = expand_sweep(c);
  REQUIRE(runs.size() == 6);
  const std::vector<std::pair<double, std::string>> expected = {
      {1, "device-only"},  {1, "neurosurgeon"}, {5, "device-only"},
      {5, "neurosurgeon"}, {10, "device-only"}, {10, "neurosurgeon"}};
  for (std::size_t i = 0; i < runs.size(); ++i) {
    CAPTURE(i);
    CHECK(runs[i].index == i);
    CHECK(runs[i].config.link.uplink_mbps == expected[i].first);
    CHECK(runs[i].config.scheduler.name == expected[i].second);
    CHECK(runs[i].config.sweep.empty());
    REQUIRE(runs[i].parameters.size() == 2);
    CHECK(runs[i].parameters[0].key == "link.uplink_mbps");
    CHECK(runs[i].parameters[1].key == "scheduler.name");
    CHECK(runs[i].parameters[1].value == expected[i].second);
  }
  CHECK(runs[4].parameters[0].value == "10");
  // Everything not swept is the experiment's.
  CHECK(runs[3].config.link.downlink_mbps == 20);
  // A swept value points at its [sweep] line.
  CHECK(format_location(runs[3].config.where("link.uplink_mbps")) == "cfg.toml:57:1");

  // File order, not key order, decides which axis is slowest; dotted and quoted keys mix.
  const auto d = parse("model.name = \"resnet18\"\n[sweep]\nworkload.fps = [1, 2]\n"
                       "\"device.count\" = [1, 2, 3]\nscheduler.options.depth = [true, false]\n");
  const auto r = expand_sweep(d);
  REQUIRE(r.size() == 12);
  CHECK(r[1].config.workload.fps == 1);
  CHECK(r[1].config.device.count == 1);
  CHECK(!r[1].config.scheduler.options.get_bool("depth", true));
  CHECK(r[2].config.device.count == 2);
  CHECK(r[6].config.workload.fps == 2);
  CHECK(r[11].parameters[2].key == "scheduler.options.depth");
  CHECK(r[11].parameters[2].value == "false");

  // No sweep: one run, no parameters.
  const auto single = expand_sweep(parse("model.name = \"resnet18\"\n"));
  REQUIRE(single.size() == 1);
  CHECK(single[0].index == 0);
  CHECK(single[0].parameters.empty());
}

TEST_CASE("config: sweep values are checked like the key's own") {
  CHECK(error_of("model.name = \"resnet18\"\n[sweep]\n\"link.uplink_mbps\" = [1, -2]\n") ==
        "cfg.toml:3:26: sweep.link.uplink_mbps: expected a number > 0 (Mbit/s), found -2");
  CHECK(error_of("model.name = \"resnet18\"\n[sweep]\n\"link.uplink_mpbs\" = [1]\n") ==
        "cfg.toml:3:1: sweep.link.uplink_mpbs: expected a config key (tandem describe config) or "
        "scheduler.options.NAME, found an unknown key (did you mean link.uplink_mbps?)");
  CHECK(error_of("model.name = \"resnet18\"\n[sweep]\n\"link.uplink_mbps\" = []\n") ==
        "cfg.toml:3:1: sweep.link.uplink_mbps: expected a non-empty array of values, found an "
        "empty array");
  CHECK(error_of("model.name = \"resnet18\"\n[sweep]\nseed = 4\n") ==
        "cfg.toml:3:1: sweep.seed: expected a non-empty array of values, found an integer 4");
  CHECK(error_of("model.name = \"resnet18\"\n[sweep]\n\"link.latency_ms\" = [1]\n"
                 "link.latency_ms = [2]\n") ==
        "cfg.toml:4:6: sweep.link.latency_ms: expected each key once in [sweep], found a second "
        "array for the same key");
}

TEST_CASE("config: scheduler options keep their location for the scheduler's own errors") {
  const auto c = parse("model.name = \"resnet18\"\n[scheduler.options]\nlevels = \"three\"\n"
                       "other = 1\n");
  CHECK_THROWS_WITH_AS(
      c.scheduler.options.get_int("levels", 1),
      "cfg.toml:3:1: scheduler.options.levels: expected an integer, found a string "
      "\"three\"",
      InputError);
  CHECK_THROWS_WITH_AS(c.scheduler.options.get_bool("other", false),
                       "cfg.toml:4:1: scheduler.options.other: expected a boolean (true or false), "
                       "found an integer 1",
                       InputError);
  CHECK_THROWS_WITH_AS(c.scheduler.options.reject_unknown("dads", {"levels"}),
                       "cfg.toml:4:1: scheduler.options.other: expected an option of scheduler "
                       "dads (levels), found an unknown option",
                       InputError);
  CHECK_NOTHROW(c.scheduler.options.reject_unknown("x", {"levels", "other"}));
  CHECK(error_of("model.name = \"resnet18\"\n[scheduler.options]\nlist = [1, 2]\n") ==
        "cfg.toml:3:1: scheduler.options.list: expected a boolean, integer, float or string, found "
        "an array");
}

TEST_CASE("config: to_resolved_toml parses back to an equal config") {
  for (const auto* text : {kFull, "model.name = \"resnet18\"\n",
                           "[sweep]\n\"model.name\" = [\"alexnet\", \"x.json\"]\n"}) {
    const auto original = parse(text);
    const auto resolved = to_resolved_toml(original);
    CAPTURE(resolved);
    // Parsed from elsewhere under another name: paths are absolute and name/output_dir explicit.
    const auto back = parse_experiment_config(resolved, "results/x/config.resolved.toml", "/tmp");
    CHECK(back == original);
    CHECK(to_resolved_toml(back) == resolved);
  }
  // Every schema key appears, set or as a comment.
  const auto resolved = to_resolved_toml(parse("model.name = \"resnet18\"\n"));
  CHECK(resolved.find("\n[link]\nuplink_mbps = 10.0\n") != std::string::npos);
  CHECK(resolved.find("# initial_uplink_mbps is unset (default: link.uplink_mbps)\n") !=
        std::string::npos);
  CHECK(resolved.find("output_dir = \"results/cfg\"\n") != std::string::npos);
  CHECK(resolved.find("trace_format = \"mbps-two-column\"\n") != std::string::npos);
}

TEST_CASE("config: --set overrides a key, parsing the value per the key's type") {
  auto c = parse(kFull);
  apply_override(c, "link.uplink_mbps=20");
  CHECK(c.link.uplink_mbps == 20);
  // Setting a swept key removes its axis: the command line wins.
  REQUIRE(c.sweep.size() == 1);
  CHECK(c.sweep[0].key == "scheduler.name");
  CHECK(c.where("link.uplink_mbps").file == "command line");
  apply_override(c, "scheduler.name = dads");
  CHECK(c.scheduler.name == "dads");
  CHECK(c.sweep.empty());
  apply_override(c, "description=\"two words\"");
  CHECK(c.description == "two words");
  apply_override(c, "link.shared_uplink=false");
  CHECK(!c.link.shared_uplink);
  apply_override(c, "workload.kind=closed-loop");
  CHECK(c.workload.kind == WorkloadKind::closed_loop);
  apply_override(c, "seed=7");
  CHECK(c.seed == 7);
  apply_override(c, "scheduler.options.mode=slow");
  apply_override(c, "scheduler.options.tile_channels=32");
  CHECK(c.scheduler.options.get_string("mode", "") == "slow");
  CHECK(c.scheduler.options.get_int("tile_channels", 0) == 32);
  CHECK(c.scheduler.options.where("mode").file == "command line");
  apply_override(c, "sweep.link.latency_ms=[1, 2.5]");
  REQUIRE(c.sweep.size() == 1);
  CHECK(c.sweep[0].values == std::vector<ConfigValue>{1.0, 2.5});
  CHECK(expand_sweep(c).size() == 2);
  // A path given on the command line is relative to the working directory.
  apply_override(c, "link.uplink_trace=t/up.txt");
  CHECK(c.link.uplink_trace == (std::filesystem::current_path() / "t/up.txt").lexically_normal());
}

TEST_CASE("config: a bad --set names the command line") {
  CHECK(override_error("link.uplink_mpbs=5") ==
        "command line: --set: expected a config key (tandem describe config) or "
        "scheduler.options.NAME, found an unknown key \"link.uplink_mpbs\" (did you mean "
        "link.uplink_mbps?)");
  CHECK(override_error("link.uplink_mbps=-5") ==
        "command line: --set: expected link.uplink_mbps to be a number > 0 (Mbit/s), found -5");
  CHECK(override_error("link.uplink_mbps=fast") ==
        "command line: --set: expected link.uplink_mbps to be a float in Mbit/s, found \"fast\"");
  CHECK(override_error("model.batch=true") ==
        "command line: --set: expected model.batch to be an integer, found a boolean true");
  CHECK(override_error("backend=cloud") ==
        "command line: --set: expected backend to be one of sim, real, found \"cloud\"");
  CHECK(override_error("seed") == "command line: --set: expected KEY=VALUE, found \"seed\"");
  CHECK(override_error("sweep.seed=3") ==
        "command line: --set: expected sweep.seed to be a non-empty array of values, found an "
        "integer 3");
  CHECK(override_error("sweep.seed=[1, \"a\"]") ==
        "command line: --set: expected sweep.seed to be an integer, found a string \"a\"");
  CHECK(override_error("scheduler.options.x=[1]") ==
        "command line: --set: expected scheduler.options.x to be a boolean, integer, float or "
        "string, found an array");
}

TEST_CASE("config: describe_config lists every key, with its unit and default") {
  const auto text = describe_config();
  for (const auto& key : config_schema()) {
    CAPTURE(key.key);
    CHECK(text.find("  " + key.key + " ") != std::string::npos);
  }
  CHECK(text.find("[link]: the network between each device and the server\n") != std::string::npos);
  CHECK(text.find("[scheduler.options]") != std::string::npos);
  CHECK(text.find("[sweep]") != std::string::npos);
  // One line per key: the uplink's type, unit, default and range.
  const auto at = text.find("  link.uplink_mbps ");
  const auto line = text.substr(at, text.find('\n', at) - at);
  CHECK(line.find("float") != std::string::npos);
  CHECK(line.find("Mbit/s") != std::string::npos);
  CHECK(line.find("  10  ") != std::string::npos);
  CHECK(line.find("> 0") != std::string::npos);
  // Defaults come from the struct's initializers.
  CHECK(find_config_key("server.spec")->default_text == "desktop-cpu");
  CHECK(find_config_key("estimator.ewma_alpha")->default_text == "0.3");
  CHECK(find_config_key("model.name")->default_text == "(required)");
  CHECK(find_config_key("model.profile")->default_text == "(unset)");
}

TEST_CASE("config: the real backend's emulation knobs and link shaper") {
  const auto defaults = parse("model.name = \"resnet18\"\n");
  CHECK(defaults.device.slowdown == 1.0);
  CHECK(defaults.device.isa.empty());
  CHECK(defaults.device.cpus.empty());
  CHECK(defaults.link.shaper == ShaperKind::token_bucket);

  const auto c = parse("model.name = \"resnet18\"\n[device]\nslowdown = 2.5\nisa = \"avx2\"\n"
                       "cpus = \"0-1,3\"\n[link]\nshaper = \"tc\"\n");
  CHECK(c.device.slowdown == 2.5);
  CHECK(c.device.isa == "avx2");
  CHECK(c.device.cpus == "0-1,3");
  CHECK(c.link.shaper == ShaperKind::tc);
  CHECK(parse_experiment_config(to_resolved_toml(c), "r.toml", "/tmp") == c);

  CHECK(error_of("model.name = \"resnet18\"\ndevice.slowdown = 0.5\n") ==
        "cfg.toml:2:8: device.slowdown: expected a number >= 1, found 0.5");
  CHECK(error_of("model.name = \"resnet18\"\ndevice.isa = \"neon\"\n") ==
        "cfg.toml:2:8: device.isa: expected empty or one of all, sse41, avx, avx2, avx2_vnni, "
        "avx512_core, avx512_core_vnni, avx512_core_bf16, avx512_core_amx, avx512_mic, found "
        "\"neon\"");
  CHECK(error_of("model.name = \"resnet18\"\ndevice.cpus = \"1-0\"\n") ==
        "cfg.toml:2:8: device.cpus: expected empty or a CPU list such as \"0\", \"0-3\" or "
        "\"0,2\", found \"1-0\"");
  CHECK(error_of("model.name = \"resnet18\"\nlink.shaper = \"netem\"\n") ==
        "cfg.toml:2:6: link.shaper: expected one of token-bucket, tc, found \"netem\"");
  CHECK(override_error("device.slowdown=0.9") ==
        "command line: --set: expected device.slowdown to be a number >= 1, found 0.9");
}

TEST_CASE("config: CPU lists parse as taskset writes them") {
  using V = std::vector<int>;
  CHECK(parse_cpu_list("0") == V{0});
  CHECK(parse_cpu_list("0-2,5") == V{0, 1, 2, 5});
  CHECK(parse_cpu_list("3,1") == V{3, 1});
  for (const char* bad : {"", "a", "1-", "-1", "2-1", "0,0", "0-1,1", "1,", "1024", " 1"})
    CHECK_MESSAGE(!parse_cpu_list(bad), bad);
}
