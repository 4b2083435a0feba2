#pragma once
// duan-tree: Duan & Wu's optimal layer-wise scheduler for tree-structured DNNs (Duan-Wu §2.3 (b)).
// For an out-tree rooted at the input, each device set (a subtree holding the input) is sequenced
// by composite-job merging, optimal for the two-machine flow shop with tree precedence; the device
// set is found by branch and bound over subtrees, bounded by the flow-shop optimum of the part
// decided so far. Under the paper's model (server time 0, results returned for free) the plan is
// optimal among every device set, compute order and uplink order. Other DAGs fall back to
// duan-topo. See NOTES.md.
#include <cstdint>

#include "core/runtime/scheduler.hpp"
#include "schedulers/duan_wu/candidate.hpp"
#include "schedulers/duan_wu/reusing_scheduler.hpp"

namespace tandem::duan_wu {

struct DuanTreeOptions {
  // Search work (a bound or an exact evaluation costs one unit per task); past it the best device
  // set found so far is kept. Deterministic (no clock).
  std::uint64_t work_budget = 2000000;
};

// Every task but the input reads exactly one tensor.
bool is_out_tree(const exact::Problem& problem);

// The merged sequence of a device set of an out-tree, scored exactly.
Candidate duan_tree_order(const PlanningContext& ctx, const std::vector<bool>& on_device);

DuanResult duan_tree_schedule(const PlanningContext& ctx, const DuanTreeOptions& options = {});
DuanResult duan_tree_schedule(const SystemView& view, const DuanTreeOptions& options = {});

class DuanTreeScheduler : public ReusingScheduler {
public:
  DuanTreeScheduler()
      : ReusingScheduler([](const SystemView& view) { return duan_tree_schedule(view); }) {}
};

} // namespace tandem::duan_wu
