#include "schedulers/duan_wu/reusing_scheduler.hpp"

namespace tandem::duan_wu {

Plan ReusingScheduler::plan(const SystemView& view) {
  auto problem = exact::Problem::from_view(view);
  if (last_problem_ && *last_problem_ == problem)
    return last_.plan;
  last_ = schedule_(view);
  last_problem_ = std::move(problem);
  return last_.plan;
}

} // namespace tandem::duan_wu
