#include "schedulers/builtin.hpp"

#include "schedulers/baselines/all_on_one_side.hpp"
#include "schedulers/dads/dads.hpp"
#include "schedulers/duan_wu/duan_path.hpp"
#include "schedulers/duan_wu/duan_topo.hpp"
#include "schedulers/duan_wu/duan_tree.hpp"
#include "schedulers/exact/exact.hpp"
#include "schedulers/jointdnn/jointdnn.hpp"
#include "schedulers/neurosurgeon/neurosurgeon.hpp"

namespace tandem {
namespace {

SchedulerRegistry make_registry() {
  SchedulerRegistry r;
  r.add({"device-only",
         "every layer on the device; nothing crosses the link",
         "baseline",
         {},
         [](const SchedulerOptions&) {
           return std::make_unique<AllOnOneSideScheduler>(Side::device);
         }});
  r.add({"server-only",
         "send the input, run every layer on the server, return the outputs",
         "baseline",
         {},
         [](const SchedulerOptions&) {
           return std::make_unique<AllOnOneSideScheduler>(Side::server);
         }});
  r.add({"neurosurgeon",
         "one split point over the topological order with the lowest predicted latency",
         "Kang et al., Neurosurgeon, ASPLOS 2017",
         {},
         [](const SchedulerOptions&) { return std::make_unique<NeurosurgeonScheduler>(); }});
  r.add({"dads",
         "DAG partition by minimum s-t cut of an additive latency model (light load, DSL)",
         "Hu et al., DADS, INFOCOM 2019",
         {},
         [](const SchedulerOptions&) { return std::make_unique<DadsScheduler>(); }});
  r.add({"jointdnn",
         "per-layer placement with any number of side switches, by shortest path",
         "Eshratifar et al., JointDNN, IEEE TMC",
         {},
         [](const SchedulerOptions&) { return std::make_unique<JointDnnScheduler>(); }});
  r.add({"duan-path",
         "independent paths from the input (other DAGs: duan-topo): per-path cuts in Johnson's "
         "order, optimal when server time is 0",
         "Duan & Wu, IWQoS 2021",
         {},
         [](const SchedulerOptions&) { return std::make_unique<duan_wu::DuanPathScheduler>(); }});
  r.add({"duan-tree",
         "out-trees (other DAGs: duan-topo): device subtree by branch and bound, composite-job "
         "merging, optimal when server time is 0",
         "Duan & Wu, IWQoS 2021",
         {},
         [](const SchedulerOptions&) { return std::make_unique<duan_wu::DuanTreeScheduler>(); }});
  r.add({"duan-topo",
         "any DAG: topological-sort heuristic, Johnson merging, local search, server time included",
         "Duan & Wu, IWQoS 2021",
         {},
         [](const SchedulerOptions&) { return std::make_unique<duan_wu::DuanTopoScheduler>(); }});
  r.add({"exact",
         "minimum latency over every plan by branch and bound (small models only)",
         "baseline",
         {{"max_layers", "int", "14", "largest model (layers besides the input) it accepts"}},
         [](const SchedulerOptions& o) {
           return std::make_unique<exact::ExactScheduler>(
               exact::ExactOptions{static_cast<int>(o.get_int("max_layers", 14))});
         }});
  return r;
}

} // namespace

const SchedulerRegistry& builtin_schedulers() {
  static const SchedulerRegistry registry = make_registry();
  return registry;
}

} // namespace tandem
