#pragma once
// One inference on a constant link, run through the real runtime on the AnalyticBackend: what
// `tandem plan` reports and what brute-force reference tests measure each candidate plan with.
#include <vector>

#include "core/runtime/records.hpp"
#include "core/runtime/scheduler.hpp"

namespace tandem {

struct ConstantLink {
  BytesPerSecond uplink_bps = 0;
  BytesPerSecond downlink_bps = 0;
  Seconds latency_s = 0; // one-way
};

struct SingleInferenceResult {
  Plan plan;
  InferenceRecord record;
  std::vector<OpRecord> ops;
  Seconds latency_s() const { return record.finish_s - record.arrival_s; }
};

// Asks `scheduler` for a plan (its SystemView estimates equal the link's true rates) and runs it.
SingleInferenceResult run_single_inference(const TaskGraph& graph, const CostTable& costs,
                                           Scheduler& scheduler, const ConstantLink& link,
                                           int server_workers = 1);

// Runs a given plan (validated first, as any scheduler's).
SingleInferenceResult run_plan(const TaskGraph& graph, const CostTable& costs, const Plan& plan,
                               const ConstantLink& link, int server_workers = 1);

} // namespace tandem
