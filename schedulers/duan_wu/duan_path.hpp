#pragma once
// duan-path: Duan & Wu's optimal path-wise scheduler (Duan-Wu §2.3 (a)) for DNNs made of
// independent paths from the input, joined at the end by one layer (and a chain after it) or not.
// Each path keeps a prefix on the device, computed contiguously, as one composite flow-shop job
// (its device time, the upload of its last output); the composites go in Johnson's order; the
// prefixes are chosen by branch and bound over each path's Pareto-optimal cut positions. Under the
// paper's model (server time 0, results returned for free) this is optimal among every device
// set, compute order and uplink order. Other DAGs fall back to duan-topo. See NOTES.md.
#include <cstdint>
#include <optional>
#include <vector>

#include "core/runtime/scheduler.hpp"
#include "schedulers/duan_wu/candidate.hpp"
#include "schedulers/duan_wu/reusing_scheduler.hpp"

namespace tandem::duan_wu {

// input -> paths[i][0] -> ... -> paths[i].back(), each layer reading only its predecessor and read
// only by its successor; each end is a model output or feeds `join` (one layer reading only path
// ends), which may be followed by a chain `tail`.
struct PathStructure {
  std::vector<std::vector<std::uint32_t>> paths;
  std::vector<bool> feeds_join; // per path
  std::optional<std::uint32_t> join;
  std::vector<std::uint32_t> tail;
};

// The structure, or nothing when the DAG is not made of independent paths.
std::optional<PathStructure> path_structure(const exact::Problem& problem);

struct DuanPathOptions {
  // Search work (a bound costs one unit per path, an exact evaluation one per task); past it the
  // best choice found so far is kept. Deterministic (no clock).
  std::uint64_t work_budget = 2000000;
};

DuanResult duan_path_schedule(const PlanningContext& ctx, const DuanPathOptions& options = {});
DuanResult duan_path_schedule(const SystemView& view, const DuanPathOptions& options = {});

class DuanPathScheduler : public ReusingScheduler {
public:
  DuanPathScheduler()
      : ReusingScheduler([](const SystemView& view) { return duan_path_schedule(view); }) {}
};

} // namespace tandem::duan_wu
