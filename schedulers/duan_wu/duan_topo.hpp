#pragma once
// duan-topo: Duan & Wu's heuristic for general DAGs, "based on topological sort" (Duan-Wu §2.3
// (c)), with server time taken into account. Candidate device sets are prefixes of topological
// orders, improved by a local search that adds or removes one layer at a time; each device set is
// sequenced by composite-job merging on a spanning out-tree of the DAG, repaired into a
// topological order, and every candidate is scored by its exact latency (server times, link
// latency and downloads included). See NOTES.md.
#include <cstdint>
#include <vector>

#include "core/runtime/scheduler.hpp"
#include "schedulers/duan_wu/candidate.hpp"
#include "schedulers/duan_wu/reusing_scheduler.hpp"

namespace tandem::duan_wu {

struct DuanTopoOptions {
  // Exact evaluations the local search may spend, scaled by the graph: at most
  // max(min_evaluations, work_budget / tasks). Deterministic (no clock).
  std::uint64_t min_evaluations = 3000;
  std::uint64_t work_budget = 600000;
  // Every valid device set is scored when there are at most this many (and at most one per 8
  // evaluations left of the budget); otherwise the local search runs.
  std::uint64_t max_enumerated_sets = 4096;
  // Device sets whose orders are polished at the end (the best first).
  std::size_t polished_sets = 4;
};

// The best compute, uplink and server order duan-topo finds for one device set (scored exactly):
// three compute orders with the default uplink and server orders, or (thorough) every variant.
Candidate duan_topo_order(const PlanningContext& ctx, const std::vector<bool>& on_device,
                          bool thorough = true);

// The whole heuristic on a prepared context.
DuanResult duan_topo_schedule(const PlanningContext& ctx, const DuanTopoOptions& options = {});
DuanResult duan_topo_schedule(const SystemView& view, const DuanTopoOptions& options = {});

class DuanTopoScheduler : public ReusingScheduler {
public:
  DuanTopoScheduler()
      : ReusingScheduler([](const SystemView& view) { return duan_topo_schedule(view); }) {}
};

} // namespace tandem::duan_wu
