#pragma once
// What the three Duan-Wu schedulers share: a candidate schedule (device set, compute order, uplink
// order), the plan that makes the runtime execute it, and its exact latency (the runtime replayed
// by exact::evaluate, so every prediction is what run_plan measures).
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "core/runtime/plan.hpp"
#include "core/runtime/system_view.hpp"
#include "schedulers/duan_wu/flow_shop.hpp"
#include "schedulers/exact/plan_evaluator.hpp"

namespace tandem::duan_wu {

struct Candidate {
  std::vector<bool> on_device; // index = task; holds the input, closed under inputs
  std::vector<std::uint32_t>
      device_order; // the device's tasks in compute order (a topological order)
  std::vector<std::uint32_t>
      uplink_order; // the tensors to send in send order; empty: compute order
  std::vector<std::uint32_t> server_order; // server ties and downloads; empty: server_johnson_order
  Seconds latency_s = std::numeric_limits<Seconds>::infinity();
};

// What a Duan-Wu scheduler returns besides its plan.
struct DuanResult {
  Plan plan;
  Seconds predicted_s = 0;       // exact: what the runtime measures for `plan`
  bool searched_all = true;      // false when a search budget stopped the search early
  bool fell_back = false;        // the graph was outside the scheduler's class: duan-topo planned
  std::uint64_t evaluations = 0; // exact evaluations made
};

class PlanningContext {
public:
  explicit PlanningContext(const SystemView& view);

  const SystemView& view() const { return view_; }
  const TaskGraph& graph() const { return *view_.graph; }
  const exact::Problem& problem() const { return problem_; }
  std::size_t size() const { return problem_.size(); }
  std::uint32_t input() const { return problem_.input; }
  // Position of each task in the graph's topological order.
  std::size_t position(std::uint32_t t) const { return graph().position(task_id(t)); }

  // Duan-Wu §2.2: a device task's output is sent once when a consumer runs on the server.
  bool is_cut(const std::vector<bool>& on_device, std::uint32_t t) const;
  // The flow-shop job of every task under `on_device` (b = 0 unless the task is a cut).
  std::vector<Job> jobs(const std::vector<bool>& on_device) const;
  // Time from a cut task's output leaving the uplink until everything it feeds on the server is
  // back on the device with nothing else in the way (latency + longest server path + download);
  // 0 for other tasks. Server tasks get their own tail (from their start) in `server_tail`.
  std::vector<Seconds> tails(const std::vector<bool>& on_device,
                             std::vector<Seconds>* server_tail = nullptr) const;

  // The plan executing `c`: device priorities = compute order, uplink = `uplink_order` (or the
  // compute order), server ties and downloads = `server_order` (or server_johnson_order).
  Plan plan_of(const Candidate& c) const;
  // Fills c.latency_s with what the runtime measures for plan_of(c).
  Seconds evaluate(Candidate& c) const;
  std::uint64_t evaluations() const { return evaluations_; }

  // Device-only and server-only (the input alone on the device).
  Candidate device_only() const;
  Candidate server_only() const;
  // A topological order of the tasks in `subset`, lowest `rank` first among those whose inputs in
  // the subset are done (repairs a sequence that respects only part of the precedence).
  std::vector<std::uint32_t> list_order(const std::vector<bool>& subset,
                                        const std::vector<std::uint32_t>& rank) const;
  // Composite-job merging (flow_shop.hpp) over `subset` thinned to an out-forest (each task keeps
  // its input in the subset computed last in the topological order), repaired by list_order.
  // Optimal for F2 || Cmax when the subset is an out-forest; a heuristic otherwise.
  std::vector<std::uint32_t> merged_order(const std::vector<bool>& subset,
                                          const std::vector<Job>& jobs) const;
  // The server side as a second flow shop: server compute, then the download of model outputs.
  std::vector<std::uint32_t> server_johnson_order(const std::vector<bool>& on_device) const;
  // Server tasks by longest remaining server path (plus latency and download) first.
  std::vector<std::uint32_t> server_tail_order(const std::vector<bool>& on_device) const;

private:
  SystemView view_;
  exact::Problem problem_;
  mutable std::uint64_t evaluations_ = 0;
};

// A one-line description for Plan::note: "<name>: k of n tasks on the device, m tensors up
// (predicted x ms)".
std::string describe(const std::string& name, const PlanningContext& ctx, const Candidate& c,
                     const std::string& detail);

} // namespace tandem::duan_wu
