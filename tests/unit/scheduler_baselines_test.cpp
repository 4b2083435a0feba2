// device-only and server-only in closed form, measured through the runtime, and the registry
// entries of the split schedulers.
#include <doctest/doctest.h>

#include "core/config/scheduler_options.hpp"
#include "core/zoo/synthetic.hpp"
#include "schedulers/builtin.hpp"
#include "tests/reference/reference_support.hpp"

using namespace tandem;
using namespace tandem::reference;

namespace {

Seconds measured(const Instance& inst, const char* scheduler) {
  auto s = builtin_schedulers().create(scheduler, SchedulerOptions{}, SourceLocation{"test"});
  return run_single_inference(inst.graph, inst.costs, *s, inst.link).latency_s();
}

Seconds sum_of(const Instance& inst, Side side) {
  Seconds total = 0;
  for (const auto& task : inst.graph.tasks())
    if (!task.is_input)
      total += inst.costs.time(task.layer, side);
  return total;
}

// Models with one output: every other layer is its ancestor, so it is computed last.
std::unique_ptr<Instance> single_output_model(Draw& d, int i) {
  auto options = random_options(d, d.integer(1, 12));
  const auto link = random_link(d);
  if (i % 2 == 0)
    return std::make_unique<Instance>(synthetic::chain(options), link);
  return std::make_unique<Instance>(
      synthetic::independent_paths(options, {d.integer(1, 4), d.integer(1, 4), d.integer(1, 4)},
                                   synthetic::PathJoin::join),
      link);
}

} // namespace

TEST_CASE("scheduler: device-only takes the sum of the device times") {
  Draw d(5);
  for (int i = 0; i < 100; ++i) {
    const auto inst = i % 2 ? random_dag(d, d.integer(1, 12)) : random_chain(d, d.integer(1, 12));
    INFO("instance ", i);
    CHECK(close(measured(*inst, "device-only"), sum_of(*inst, Side::device)));
  }
}

TEST_CASE("scheduler: server-only takes input upload + latency + server sum + output download + "
          "latency") {
  Draw d(6);
  for (int i = 0; i < 100; ++i) {
    const auto inst = single_output_model(d, i);
    const auto& g = inst->graph;
    REQUIRE(g.outputs().size() == 1);
    const auto up = static_cast<double>(g.output_bytes(g.input(), Precision::fp32()));
    const auto down = static_cast<double>(g.output_bytes(g.outputs()[0], Precision::fp32()));
    const Seconds expected = up / inst->link.uplink_bps + inst->link.latency_s +
                             sum_of(*inst, Side::server) + down / inst->link.downlink_bps +
                             inst->link.latency_s;
    INFO("instance ", i, " (", inst->model.name(), ")");
    CHECK(close(measured(*inst, "server-only"), expected));
  }
}

TEST_CASE(
    "scheduler: the split schedulers are registered with a summary, a reference and no options") {
  for (const char* name : {"neurosurgeon", "dads", "jointdnn"}) {
    INFO(name);
    const auto* info = builtin_schedulers().find(name);
    REQUIRE(info != nullptr);
    CHECK(!info->summary.empty());
    CHECK(!info->reference.empty());
    CHECK(info->options.empty());
    CHECK(builtin_schedulers().create(name, SchedulerOptions{}, SourceLocation{"t"}) != nullptr);
    SchedulerOptions unknown;
    unknown.set("k", ConfigValue{std::int64_t{3}}, SourceLocation{"t.toml", 4});
    CHECK_THROWS_AS(builtin_schedulers().create(name, unknown, SourceLocation{"t"}), InputError);
  }
}
