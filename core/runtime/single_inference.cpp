#include "core/runtime/single_inference.hpp"

#include "core/error.hpp"
#include "core/runtime/analytic_backend.hpp"
#include "core/runtime/runtime.hpp"

namespace tandem {
namespace {

// Lends a scheduler the runtime can own, for the one device of the run.
class Borrowed : public Scheduler {
public:
  explicit Borrowed(Scheduler& inner) : inner_(inner) {}
  Plan plan(const SystemView& view) override { return inner_.plan(view); }
  bool wants_progress() const override { return inner_.wants_progress(); }
  std::optional<Plan> on_progress(const SystemView& v, const ProgressEvent& e) override {
    return inner_.on_progress(v, e);
  }

private:
  Scheduler& inner_;
};

class FixedPlan : public Scheduler {
public:
  explicit FixedPlan(Plan plan) : plan_(std::move(plan)) {}
  Plan plan(const SystemView&) override { return plan_; }

private:
  Plan plan_;
};

class Collect : public RunObserver {
public:
  void on_op(const OpRecord& op) override { result.ops.push_back(op); }
  void on_inference(const InferenceRecord& r) override { result.record = r; }
  SingleInferenceResult result;
};

// Records the plan the scheduler made.
class Recording : public Scheduler {
public:
  Recording(Scheduler& inner, Plan& out) : inner_(inner), out_(out) {}
  Plan plan(const SystemView& view) override { return out_ = inner_.plan(view); }
  bool wants_progress() const override { return inner_.wants_progress(); }
  std::optional<Plan> on_progress(const SystemView& v, const ProgressEvent& e) override {
    auto p = inner_.on_progress(v, e);
    if (p)
      out_ = *p;
    return p;
  }

private:
  Scheduler& inner_;
  Plan& out_;
};

} // namespace

SingleInferenceResult run_single_inference(const TaskGraph& graph, const CostTable& costs,
                                           Scheduler& scheduler, const ConstantLink& link,
                                           int server_workers) {
  Plan plan;
  Recording recording(scheduler, plan);
  RuntimeSetup setup;
  setup.graph = &graph;
  setup.planning_costs = &costs;
  setup.actual_costs = &costs;
  setup.server_workers = server_workers;
  setup.link_latency_s = link.latency_s;
  setup.initial_uplink_bps = link.uplink_bps;
  setup.initial_downlink_bps = link.downlink_bps;
  setup.scheduler_name = "plan";
  setup.make_scheduler = [&](int) { return std::make_unique<Borrowed>(recording); };
  AnalyticBackend backend({link.uplink_bps}, {link.downlink_bps});
  Collect collect;
  Runtime runtime(setup, backend, {&collect});
  runtime.run();
  collect.result.plan = std::move(plan);
  return std::move(collect.result);
}

SingleInferenceResult run_plan(const TaskGraph& graph, const CostTable& costs, const Plan& plan,
                               const ConstantLink& link, int server_workers) {
  FixedPlan fixed(plan);
  return run_single_inference(graph, costs, fixed, link, server_workers);
}

} // namespace tandem
