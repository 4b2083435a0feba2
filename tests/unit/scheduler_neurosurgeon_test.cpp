// Neurosurgeon on a hand-computed 3-layer chain: all on the device at a slow link, all on the
// server at a fast one, a split after the first layer in between.
#include <doctest/doctest.h>

#include "core/model_json.hpp"
#include "schedulers/neurosurgeon/neurosurgeon.hpp"
#include "tests/reference/reference_support.hpp"

using namespace tandem;
using namespace tandem::reference;

namespace {

// A 100 kB input shrunk to 1 kB by a cheap first layer, then two layers heavy on the device.
const char* kChain =
    R"({"format": "tandem-model/1", "name": "ns3", "input_bytes": 100000, "layers": [
  {"name": "a", "inputs": ["input"], "output_bytes": 1000, "device_ms": 5, "server_ms": 0.5},
  {"name": "b", "inputs": ["a"], "output_bytes": 1000, "device_ms": 40, "server_ms": 1},
  {"name": "c", "inputs": ["b"], "output_bytes": 10, "device_ms": 40, "server_ms": 1}]})";

struct Case {
  BytesPerSecond bps;
  Seconds latency_s;
  std::vector<Side> placement; // input, a, b, c
  Seconds expected_ms;
};

} // namespace

TEST_CASE("scheduler: neurosurgeon picks device-only then a split then server-only as the link "
          "speeds up") {
  constexpr auto D = Side::device;
  constexpr auto S = Side::server;
  const std::vector<Case> cases{
      // 1 kB/s: every upload costs seconds; device-only is 5 + 40 + 40 ms.
      {1e3, 0.0, {D, D, D, D}, 85},
      // 1 MB/s (1 byte = 1 us): a on the device, 1 kB up (1 ms), b + c on the server (2 ms),
      // 10 B down (0.01 ms): 5 + 1 + 2 + 0.01. Server-only would be 100 + 2.5 + 0.01.
      {1e6, 0.0, {D, D, S, S}, 8.01},
      // The same with 10 ms each way: the two latencies are added.
      {1e6, 0.010, {D, D, S, S}, 28.01},
      // 1 GB/s: the 100 kB input goes up in 0.1 ms: 0.1 + 2.5 + 0.00001.
      {1e9, 0.0, {D, S, S, S}, 2.60001},
  };
  for (const auto& c : cases) {
    Instance inst(parse_model_json(kChain, "ns3.json"), ConstantLink{c.bps, c.bps, c.latency_s});
    NeurosurgeonScheduler scheduler;
    const auto run = run_single_inference(inst.graph, inst.costs, scheduler, inst.link);
    INFO("bandwidth ", c.bps, " B/s, latency ", c.latency_s, " s; plan: ", run.plan.note);
    CHECK(run.plan.placement == c.placement);
    CHECK(run.latency_s() == doctest::Approx(ms_to_s(c.expected_ms)).epsilon(1e-12));
    CHECK(scheduler.last_predicted_s() == doctest::Approx(ms_to_s(c.expected_ms)).epsilon(1e-12));
  }
}

TEST_CASE("scheduler: neurosurgeon predictions list every split and the note names the split") {
  Instance inst(parse_model_json(kChain, "ns3.json"), ConstantLink{1e6, 1e6, 0});
  const auto p = neurosurgeon_predictions(inst.view());
  REQUIRE(p.size() == 5);
  CHECK(p[0] == std::numeric_limits<double>::infinity()); // the input would leave the device
  CHECK(p[1] == doctest::Approx(0.10251).epsilon(1e-12)); // 100 + 2.5 + 0.01 ms
  CHECK(p[2] == doctest::Approx(0.00801).epsilon(1e-12));
  CHECK(p[3] == doctest::Approx(0.04701).epsilon(1e-12)); // 45 + 1 + 1 + 0.01 ms
  CHECK(p[4] == doctest::Approx(0.085).epsilon(1e-12));
  NeurosurgeonScheduler scheduler;
  CHECK(scheduler.plan(inst.view()).note.starts_with("neurosurgeon: split after a"));
}

TEST_CASE("scheduler: neurosurgeon keeps everything on the device when the estimate is unusable") {
  Instance inst(parse_model_json(kChain, "ns3.json"), ConstantLink{1e6, 1e6, 0});
  auto view = inst.view();
  view.uplink_estimate_bps = 0;
  NeurosurgeonScheduler scheduler;
  const auto plan = scheduler.plan(view);
  CHECK(plan.placement == std::vector<Side>(4, Side::device));
  CHECK(scheduler.last_predicted_s() == doctest::Approx(0.085).epsilon(1e-12));
}
