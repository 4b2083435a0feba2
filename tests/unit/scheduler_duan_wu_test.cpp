// Duan-Wu building blocks on hand-computed cases: Johnson's rule, composite jobs, merging on a
// tree, the path structure, and the three schedulers on small model JSON files.
#include <doctest/doctest.h>

#include "core/error.hpp"
#include "core/model_json.hpp"
#include "schedulers/builtin.hpp"
#include "schedulers/duan_wu/duan_path.hpp"
#include "schedulers/duan_wu/duan_topo.hpp"
#include "schedulers/duan_wu/duan_tree.hpp"
#include "schedulers/duan_wu/flow_shop.hpp"
#include "schedulers/exact/exact.hpp"
#include "tests/reference/reference_support.hpp"

using namespace tandem;
using namespace tandem::duan_wu;
using namespace tandem::reference;

TEST_CASE("scheduler: duan-wu Johnson's rule orders a textbook flow shop") {
  // Jobs (a, b): class a <= b by increasing a, then the rest by decreasing b.
  const std::vector<Job> jobs{{3, 6}, {5, 2}, {1, 2}, {6, 6}, {7, 5}};
  const auto order = johnson_order(jobs);
  CHECK(order == std::vector<std::uint32_t>{2, 0, 3, 4, 1});
  // C1: 1 4 10 17 22; C2: 3 10 16 22 24.
  CHECK(makespan(jobs, order) == doctest::Approx(24));
  // Every other order is no better.
  auto perm = std::vector<std::uint32_t>{0, 1, 2, 3, 4};
  do
    CHECK(makespan(jobs, perm) >= 24 - 1e-12);
  while (std::next_permutation(perm.begin(), perm.end()));
}

TEST_CASE("scheduler: duan-wu composite jobs keep makespans up to their overlap") {
  const Job j{2, 5}, k{3, 1};
  const Job c = compose(j, k); // m = min(5, 3) = 3
  CHECK(c.a == doctest::Approx(2));
  CHECK(c.b == doctest::Approx(3));
  // Alone: the pair takes 2 + max(5, 3) + 1 = 8 = a' + b' + m.
  CHECK(makespan({j, k}, {0, 1}) == doctest::Approx(c.a + c.b + 3));
}

TEST_CASE("scheduler: duan-wu merging sequences a small out-tree optimally") {
  // root(0, 0) -> x(4, 1) -> y(1, 6); root -> z(2, 3).
  const std::vector<Job> jobs{{0, 0}, {4, 1}, {1, 6}, {2, 3}};
  const std::vector<std::int32_t> parent{-1, 0, 1, 0};
  const auto order = merge_out_forest(jobs, parent, {0, 1, 2, 3});
  // x alone looks bad (a > b) but unlocks y: x+y composes to (4, 6), after z (2, 3)? Johnson puts
  // z (class 1, a = 2) before the composite (class 1, a = 4).
  CHECK(order == std::vector<std::uint32_t>{0, 3, 1, 2});
  Seconds best = 1e9;
  for (const auto& o :
       std::vector<std::vector<std::uint32_t>>{{0, 1, 2, 3}, {0, 1, 3, 2}, {0, 3, 1, 2}})
    best = std::min(best, makespan(jobs, o));
  CHECK(makespan(jobs, order) == doctest::Approx(best));
}

namespace {

const char* kPaths =
    R"({"format": "tandem-model/1", "name": "two-paths", "input_bytes": 400000, "layers": [
  {"name": "a1", "inputs": ["input"], "output_bytes": 100000, "device_ms": 10, "server_ms": 0},
  {"name": "a2", "inputs": ["a1"], "output_bytes": 1000, "device_ms": 10, "server_ms": 0},
  {"name": "b1", "inputs": ["input"], "output_bytes": 20000, "device_ms": 5, "server_ms": 0},
  {"name": "b2", "inputs": ["b1"], "output_bytes": 2000, "device_ms": 40, "server_ms": 0},
  {"name": "join", "inputs": ["a2", "b2"], "output_bytes": 10, "device_ms": 1, "server_ms": 0}]})";

TaskId task_named(const Instance& inst, const char* name) {
  return task_id(index_of(*inst.model.find(name)));
}

} // namespace

TEST_CASE("scheduler: duan-path finds the paths, the join, and the pipelined cuts") {
  // At 1 MB/s (1 byte = 1 us): cutting after a2 and after b1 gives jobs (20, 1) and (5, 20);
  // Johnson runs b1 first: C1 = 5, 25; C2 = 25, 26 -> 26 ms. Nothing better: the input alone costs
  // 400 ms, device-only 66 ms.
  Instance inst(parse_model_json(kPaths, "two-paths.json"), ConstantLink{1e6, 1e24, 0});
  const auto s = path_structure(exact::Problem::from_view(inst.view()));
  REQUIRE(s);
  CHECK(s->paths.size() == 2);
  REQUIRE(s->join);
  CHECK(inst.graph.task_name(task_id(*s->join)) == "join");
  CHECK(s->tail.empty());
  const auto r = duan_path_schedule(inst.view());
  CHECK(r.predicted_s == doctest::Approx(0.026).epsilon(1e-9));
  CHECK(r.plan.side_of(task_named(inst, "a2")) == Side::device);
  CHECK(r.plan.side_of(task_named(inst, "b1")) == Side::device);
  CHECK(r.plan.side_of(task_named(inst, "b2")) == Side::server);
  CHECK(r.plan.priority_of(task_named(inst, "b1"), inst.graph) <
        r.plan.priority_of(task_named(inst, "a1"), inst.graph));
  CHECK(run_plan(inst.graph, inst.costs, r.plan, inst.link).latency_s() ==
        doctest::Approx(0.026).epsilon(1e-9));
  // The same DAG is not an out-tree: duan-tree falls back and says so.
  const auto t = duan_tree_schedule(inst.view());
  CHECK(t.fell_back);
  CHECK(t.plan.note.find("not an out-tree") != std::string::npos);
}

TEST_CASE("scheduler: duan-wu keeps everything on the device when the estimate is unusable") {
  Instance inst(parse_model_json(kPaths, "two-paths.json"), ConstantLink{1e6, 1e6, 0});
  auto view = inst.view();
  view.uplink_estimate_bps = 0;
  for (const auto& r :
       {duan_path_schedule(view), duan_tree_schedule(view), duan_topo_schedule(view)})
    CHECK(std::count(r.plan.placement.begin(), r.plan.placement.end(), Side::server) == 0);
}

TEST_CASE("scheduler: duan-wu schedulers and exact are registered") {
  for (const char* name : {"duan-path", "duan-tree", "duan-topo", "exact"}) {
    INFO(name);
    const auto* info = builtin_schedulers().find(name);
    REQUIRE(info != nullptr);
    auto scheduler = builtin_schedulers().create(name, {}, {"test"});
    Instance inst(parse_model_json(kPaths, "two-paths.json"), ConstantLink{1e6, 1e6, 0.002});
    const auto run = run_single_inference(inst.graph, inst.costs, *scheduler, inst.link);
    CHECK(run.latency_s() > 0);
    CHECK(run.plan.note.find("predicted") != std::string::npos);
  }
}

TEST_CASE("scheduler: duan-wu reuses its plan when the question repeats") {
  Instance inst(parse_model_json(kPaths, "two-paths.json"), ConstantLink{1e6, 1e24, 0});
  auto view = inst.view();
  DuanTopoScheduler topo;
  const auto first = topo.plan(view);
  const auto predicted = topo.last_predicted_s();
  CHECK(topo.plan(view).priority == first.priority);
  CHECK(topo.last_predicted_s() == predicted);
  // A new estimate is a new question: 10x the uplink, the input goes up at once.
  view.uplink_estimate_bps = 1e7;
  topo.plan(view);
  CHECK(topo.last_predicted_s() < predicted);
}

TEST_CASE("scheduler: exact takes its size limit from scheduler.options.max_layers") {
  Instance inst(parse_model_json(kPaths, "two-paths.json"), ConstantLink{1e6, 1e24, 0});
  SchedulerOptions options;
  options.set("max_layers", ConfigValue{std::int64_t{4}}, SourceLocation{"t.toml", 7});
  auto small = builtin_schedulers().create("exact", options, {"test"});
  CHECK_THROWS_AS(small->plan(inst.view()), InputError);
  options.set("max_layers", ConfigValue{std::int64_t{5}}, SourceLocation{"t.toml", 7});
  auto enough = builtin_schedulers().create("exact", options, {"test"});
  CHECK(enough->plan(inst.view()).placement.size() == inst.graph.size());
}
