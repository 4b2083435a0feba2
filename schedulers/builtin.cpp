#include "schedulers/builtin.hpp"

#include "schedulers/baselines/all_on_one_side.hpp"
#include "schedulers/dads/dads.hpp"
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
  return r;
}

} // namespace

const SchedulerRegistry& builtin_schedulers() {
  static const SchedulerRegistry registry = make_registry();
  return registry;
}

} // namespace tandem
