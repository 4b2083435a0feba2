#include "core/experiment/prepared_run.hpp"

#include <fmt/format.h>

#include "core/model_source.hpp"
#include "core/profile_csv.hpp"

namespace tandem {
PreparedRun prepare_run(RunConfig run, const SchedulerRegistry& registry) {
  PreparedRun p;
  p.run = std::move(run);
  p.registry = &registry;
  const auto& c = p.run.config;
  // Fail on the scheduler before the (slower) model build, and with the config line.
  registry.create(c.scheduler.name, c.scheduler.options, c.where("scheduler.name"));
  const auto& device = device_spec_or_fail(c.device.spec, c.where("device.spec"), "device.spec");
  const auto& server = device_spec_or_fail(c.server.spec, c.where("server.spec"), "server.spec");
  ZooParams params;
  params.batch = c.model.batch;
  params.seq_len = c.model.seq_len;
  p.model = std::make_unique<Model>(load_model(c.model.name, params, c.where("model.name")));
  p.graph = std::make_unique<TaskGraph>(TaskGraph::per_layer(*p.model));
  p.costs = std::make_unique<CostTable>(
      CostTable::predict(*p.model, {&device, c.device.threads}, {&server, c.server.threads}));
  if (c.model.profile) {
    const auto rows = read_profile_csv(*c.model.profile);
    apply_profile(*p.costs, *p.model, rows, *c.model.profile, c.device.threads,
                  c.server.threads > 0 ? c.server.threads : server.cores);
  }
  return p;
}

RuntimeSetup PreparedRun::runtime_setup() const {
  const auto& c = config();
  RuntimeSetup s;
  s.graph = graph.get();
  s.planning_costs = costs.get();
  s.actual_costs = costs.get();
  s.devices = c.device.count;
  s.server_workers = c.server.workers;
  s.shared_uplink = c.link.shared_uplink;
  s.link_latency_s = c.link.latency_s();
  s.initial_uplink_bps = mbps_to_bytes_per_s(c.initial_uplink_estimate_mbps());
  s.initial_downlink_bps = mbps_to_bytes_per_s(c.initial_downlink_estimate_mbps());
  s.ewma_alpha = c.estimator.ewma_alpha;
  s.workload = c.workload;
  s.seed = c.seed;
  s.scheduler_name = c.scheduler.name;
  const auto* reg = registry;
  const auto where = c.where("scheduler.name");
  s.make_scheduler = [reg, name = c.scheduler.name, options = c.scheduler.options, where](int) {
    return reg->create(name, options, where);
  };
  return s;
}

} // namespace tandem
