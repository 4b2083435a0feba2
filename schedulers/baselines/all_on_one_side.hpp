#pragma once
// device-only and server-only: the two trivial baselines every offloading paper compares against.
#include "core/runtime/scheduler.hpp"

namespace tandem {

class AllOnOneSideScheduler : public Scheduler {
public:
  explicit AllOnOneSideScheduler(Side side) : side_(side) {}
  // server-only: the input goes up, every layer runs on the server, the outputs come back.
  Plan plan(const SystemView& view) override {
    auto p = Plan::all_on(side_, *view.graph);
    p.note = side_ == Side::device ? "all on device" : "all on server";
    return p;
  }

private:
  Side side_;
};

} // namespace tandem
