#include "schedulers/duan_wu/reusing_scheduler.hpp"

namespace tandem::duan_wu {

Plan ReusingScheduler::plan(const SystemView& view) {
  return last_.get(view, schedule_).plan;
}

} // namespace tandem::duan_wu
