#pragma once
// The Scheduler face of the three Duan-Wu schedulers: plan with a schedule function, keep the
// result, and hand the same plan back when asked again with an equal exact::Problem (same graph,
// costs, estimates, latency, server pool): a closed-loop stream on a steady link plans once.
#include <functional>
#include <utility>

#include "core/runtime/scheduler.hpp"
#include "schedulers/duan_wu/candidate.hpp"
#include "schedulers/exact/last_result.hpp"

namespace tandem::duan_wu {

class ReusingScheduler : public Scheduler {
public:
  using Schedule = std::function<DuanResult(const SystemView&)>;
  explicit ReusingScheduler(Schedule schedule) : schedule_(std::move(schedule)) {}

  Plan plan(const SystemView& view) override;
  Seconds last_predicted_s() const { return last_.last().predicted_s; }
  const DuanResult& last_result() const { return last_.last(); }

private:
  Schedule schedule_;
  exact::LastResult<DuanResult> last_;
};

} // namespace tandem::duan_wu
