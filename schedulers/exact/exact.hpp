#pragma once
// exact: the minimum latency of one inference over every plan whose device set holds the input
// and is closed under predecessors (nothing but model outputs comes back), with server times, the
// link latency, downloads and the server pool included, by branch and bound. Small models only:
// larger ones are refused with an InputError. See NOTES.md.
#include <cstdint>
#include <optional>

#include "core/runtime/scheduler.hpp"
#include "schedulers/exact/last_result.hpp"
#include "schedulers/exact/plan_evaluator.hpp"

namespace tandem::exact {

struct ExactOptions {
  int max_layers = 14; // layers besides the input
};

struct ExactResult {
  Plan plan;
  Seconds latency_s = 0;           // what the runtime measures for `plan`
  std::uint64_t device_sets = 0;   // valid device sets
  std::uint64_t searched_sets = 0; // device sets whose schedules were searched (not bounded away)
  std::uint64_t nodes = 0;         // decision points visited
};

// Throws InputError when the model has more than options.max_layers layers besides the input.
ExactResult solve_exact(const SystemView& view, const ExactOptions& options = {});

class ExactScheduler : public Scheduler {
public:
  explicit ExactScheduler(ExactOptions options = {}) : options_(options) {}
  Plan plan(const SystemView& view) override;
  Seconds last_predicted_s() const { return last_.last().latency_s; }
  const ExactResult& last_result() const { return last_.last(); }

private:
  ExactOptions options_;
  LastResult<ExactResult> last_; // an equal problem gets the same plan
};

} // namespace tandem::exact
