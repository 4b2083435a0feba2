// DADS on a hand-computed diamond where the shared tensor must be paid once, and the objective's
// preconditions.
#include <doctest/doctest.h>

#include "core/error.hpp"
#include "core/model_json.hpp"
#include "schedulers/dads/dads.hpp"
#include "tests/reference/reference_support.hpp"

using namespace tandem;
using namespace tandem::reference;

namespace {

// A 200 kB input, a cheap layer a whose 35 kB output feeds two device-heavy branches b and c.
const char* kDiamond =
    R"({"format": "tandem-model/1", "name": "dads4", "input_bytes": 200000, "layers": [
  {"name": "a", "inputs": ["input"], "output_bytes": 35000, "device_ms": 1, "server_ms": 1},
  {"name": "b", "inputs": ["a"], "output_bytes": 100, "device_ms": 30, "server_ms": 1},
  {"name": "c", "inputs": ["a"], "output_bytes": 100, "device_ms": 30, "server_ms": 1},
  {"name": "join", "inputs": ["b", "c"], "output_bytes": 10, "device_ms": 1, "server_ms": 1}]})";

std::vector<bool> device_set(const Instance& inst, std::initializer_list<const char*> names) {
  std::vector<bool> on(inst.graph.size(), false);
  on[index_of(inst.graph.input())] = true;
  for (auto n : names)
    on[index_of(*inst.model.find(n))] = true;
  return on;
}

} // namespace

TEST_CASE("scheduler: dads pays a tensor with two server consumers once") {
  // At 1 MB/s (1 byte = 1 us) and no latency, in ms:
  //   {input}            200 + 4 + 0.01          = 204.01
  //   {input, a}         1 + 35 + 3 + 0.01       =  39.01  (74.01 if a's output were paid twice)
  //   {input, a, b}      31 + 35 + 0.1 + 2 + 0.01 =  68.11
  //   {input, a, b, c}   61 + 0.2 + 1 + 0.01     =  62.21
  //   all on the device                           =  62
  Instance inst(parse_model_json(kDiamond, "dads4.json"), ConstantLink{1e6, 1e6, 0});
  const auto view = inst.view();
  CHECK(dads_objective(view, device_set(inst, {})) == doctest::Approx(0.20401).epsilon(1e-12));
  CHECK(dads_objective(view, device_set(inst, {"a"})) == doctest::Approx(0.03901).epsilon(1e-12));
  CHECK(dads_objective(view, device_set(inst, {"a", "b"})) ==
        doctest::Approx(0.06811).epsilon(1e-12));
  CHECK(dads_objective(view, device_set(inst, {"a", "b", "c"})) ==
        doctest::Approx(0.06221).epsilon(1e-12));
  CHECK(dads_objective(view, device_set(inst, {"a", "b", "c", "join"})) ==
        doctest::Approx(0.062).epsilon(1e-12));

  const auto cut = dads_min_cut(view);
  CHECK(cut.on_device == device_set(inst, {"a"}));
  CHECK(cut.objective_s == doctest::Approx(0.03901).epsilon(1e-12));

  // One tensor crosses, so the runtime measures the objective exactly.
  DadsScheduler scheduler;
  const auto run = run_single_inference(inst.graph, inst.costs, scheduler, inst.link);
  CHECK(run.latency_s() == doctest::Approx(0.03901).epsilon(1e-12));
  CHECK(run.record.uplink_bytes == 35000);
}

TEST_CASE("scheduler: dads charges the one-way latency on every crossing tensor and every returned "
          "output") {
  Instance inst(parse_model_json(kDiamond, "dads4.json"), ConstantLink{1e6, 1e6, 0.005});
  const auto cut = dads_min_cut(inst.view());
  CHECK(cut.on_device == device_set(inst, {"a"}));
  CHECK(cut.objective_s == doctest::Approx(0.04901).epsilon(1e-12)); // 39.01 + 2 x 5 ms
}

TEST_CASE("scheduler: dads keeps everything on the device when the estimate is unusable") {
  Instance inst(parse_model_json(kDiamond, "dads4.json"), ConstantLink{1e6, 1e6, 0});
  auto view = inst.view();
  view.downlink_estimate_bps = 0;
  CHECK(dads_min_cut(view).on_device == std::vector<bool>(inst.graph.size(), true));
}

TEST_CASE("scheduler: dads_objective rejects sets that send something back or leave the input") {
  Instance inst(parse_model_json(kDiamond, "dads4.json"), ConstantLink{1e6, 1e6, 0});
  const auto view = inst.view();
  CHECK_THROWS_AS(dads_objective(view, device_set(inst, {"b"})),
                  Error); // b's input a is on the server
  auto no_input = device_set(inst, {"a"});
  no_input[index_of(inst.graph.input())] = false;
  CHECK_THROWS_AS(dads_objective(view, no_input), Error);
  CHECK_THROWS_AS(dads_objective(view, std::vector<bool>(2, true)), Error);
}
