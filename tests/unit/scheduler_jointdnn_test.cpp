// JointDNN on hand-computed cases: a chain where two round trips beat any single split, and the
// live-tensor cost on a diamond.
#include <doctest/doctest.h>

#include "core/error.hpp"
#include "core/model_json.hpp"
#include "schedulers/jointdnn/jointdnn.hpp"
#include "schedulers/neurosurgeon/neurosurgeon.hpp"
#include "tests/reference/reference_support.hpp"

using namespace tandem;
using namespace tandem::reference;

namespace {

// a and d are slow on the device; b is slow on the server and blows its output up to 1 MB, which
// c (cheap anywhere) shrinks again. Best: a on the server, b and c on the device, d on the server.
const char* kChain = R"({"format": "tandem-model/1", "name": "jd4", "input_bytes": 100, "layers": [
  {"name": "a", "inputs": ["input"], "output_bytes": 100, "device_ms": 50, "server_ms": 1},
  {"name": "b", "inputs": ["a"], "output_bytes": 1000000, "device_ms": 1, "server_ms": 100},
  {"name": "c", "inputs": ["b"], "output_bytes": 100, "device_ms": 1, "server_ms": 1},
  {"name": "d", "inputs": ["c"], "output_bytes": 10, "device_ms": 50, "server_ms": 1}]})";

const char* kDiamond =
    R"({"format": "tandem-model/1", "name": "diamond", "input_bytes": 1000, "layers": [
  {"name": "left", "inputs": ["input"], "output_bytes": 100, "device_ms": 10, "server_ms": 4},
  {"name": "right", "inputs": ["input"], "output_bytes": 100, "device_ms": 10, "server_ms": 4},
  {"name": "join", "inputs": ["left", "right"], "output_bytes": 10, "device_ms": 1, "server_ms": 1}]})";

} // namespace

TEST_CASE("scheduler: jointdnn switches sides several times when that pays") {
  // 1 MB/s (1 byte = 1 us), 1 ms each way, in ms: input up 0.1 + 1, a 1, a's output down
  // 0.1 + 1, b 1, c 1, c's output up 0.1 + 1, d 1, d's output down 0.01 + 1 = 8.31.
  constexpr auto D = Side::device;
  constexpr auto S = Side::server;
  Instance inst(parse_model_json(kChain, "jd4.json"), ConstantLink{1e6, 1e6, 0.001});
  JointDnnScheduler scheduler;
  const auto run = run_single_inference(inst.graph, inst.costs, scheduler, inst.link);
  CHECK(run.plan.placement == std::vector<Side>{D, S, D, D, S});
  CHECK(run.latency_s() == doctest::Approx(0.00831).epsilon(1e-12));
  CHECK(scheduler.last_predicted_s() == doctest::Approx(0.00831).epsilon(1e-12));
  CHECK(run.plan.note.starts_with("jointdnn: 3 side switches"));
  // The best single split keeps b and c on the device and sends only d: 52 + 1.1 + 1 + 1.01 ms.
  const auto ns = neurosurgeon_predictions(inst.view());
  CHECK(*std::min_element(ns.begin(), ns.end()) == doctest::Approx(0.05511).epsilon(1e-12));
}

TEST_CASE("scheduler: on a DAG a jointdnn switch moves every live tensor") {
  // Order input, left, right, join; placement left and join on the server. 1 MB/s, 2 ms each way:
  //   switch after input (live: input 1000 B) 2 + 1   = 3
  //   left on the server                              4
  //   switch after left (live: input, left 1100 B)    2 + 1.1 = 3.1
  //   right on the device                             10
  //   switch after right (live: left, right 200 B)    2 + 0.2 = 2.2
  //   join on the server, its 10 B back               1 + 2 + 0.01
  //                                            total  25.31 ms
  constexpr auto D = Side::device;
  constexpr auto S = Side::server;
  Instance inst(parse_model_json(kDiamond, "diamond.json"), ConstantLink{1e6, 1e6, 0.002});
  CHECK(jointdnn_cost(inst.view(), {D, S, D, S}) == doctest::Approx(0.02531).epsilon(1e-12));
  CHECK(jointdnn_cost(inst.view(), {D, D, D, D}) == doctest::Approx(0.021).epsilon(1e-12));
  CHECK_THROWS_AS(jointdnn_cost(inst.view(), {S, S, S, S}), Error);
  CHECK_THROWS_AS(jointdnn_cost(inst.view(), {D, S}), Error);
}

TEST_CASE("scheduler: jointdnn keeps everything on the device when the estimate is unusable") {
  Instance inst(parse_model_json(kChain, "jd4.json"), ConstantLink{1e6, 1e6, 0.001});
  auto view = inst.view();
  view.uplink_estimate_bps = std::numeric_limits<double>::quiet_NaN();
  const auto path = jointdnn_shortest_path(view);
  CHECK(path.placement == std::vector<Side>(5, Side::device));
  CHECK(path.cost_s == doctest::Approx(0.102).epsilon(1e-12));
}
