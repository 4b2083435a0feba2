#pragma once
// The Backend on SimGrid (S4U): a compute task is an exec on its host (a device, or one core of the
// server), a transfer a host-to-host communication over the device's link; SimGrid decides when
// each one ends. The runtime never starts two activities on one resource at once, so every exec
// runs alone on its core and every transfer alone on its link: times are exactly the cost table's
// durations and bytes over the (traced) bandwidth.
//
// Use it only inside a SimGrid actor (run_simulation in session.hpp does that).
//
// SimGrid alone decides when activities end. The backend also computes each one's closed-form end
// (start + duration, or BandwidthTrace::finish_time), only to choose which other activities to ask
// (test()) after one ends, instead of asking all of them: activities ending in the same SimGrid
// step are returned together. Should SimGrid end one earlier than its closed form (it never does
// while the runtime keeps one activity per resource), that one is returned by the next call, at
// the same time.
//
// Cost per activity: a few microseconds, plus a term linear in the number of running activities
// that SimGrid 3.32 itself adds (wait_any registers with every activity, with a std::list node
// each; each completion is removed from a std::list of the owning actor's activities).
#include <cstdint>
#include <vector>

#include <simgrid/forward.h>

#include "core/runtime/backend.hpp"
#include "sim/platform.hpp"

namespace tandem::sim {

class SimBackend : public Backend {
public:
  explicit SimBackend(const Platform& platform);
  ~SimBackend() override;
  SimBackend(const SimBackend&) = delete;
  SimBackend& operator=(const SimBackend&) = delete;

  Seconds now() const override { return now_; }
  void start_compute(ActivityId id, const ComputeRequest& request) override;
  // Throws BackendError when the transfer could never end (its trace stays at 0 B/s for good).
  void start_transfer(ActivityId id, const TransferRequest& request) override;
  std::vector<ActivityId> wait_until(Seconds deadline) override;

  // Cancels whatever still runs (when the run stopped early). Called by run_simulation; safe to
  // call twice.
  void cancel_all();

  // SimGrid activities started so far (zero-length ones finish without SimGrid and are not
  // counted).
  std::uint64_t simgrid_activities() const { return simgrid_activities_; }

private:
  struct Pending; // a start requested but not handed to SimGrid yet
  void flush();
  void take(std::size_t index, std::vector<ActivityId>& done);

  const Platform& platform_;
  Seconds now_ = 0;
  std::vector<Pending> pending_;
  // Parallel arrays: what SimGrid runs, the runtime's id of each, and when it should end by the
  // closed form. running_ goes as it is to Activity::wait_any_for, whose index answers which one
  // ended, so no lookup is needed.
  std::vector<simgrid::s4u::ActivityPtr> running_;
  std::vector<ActivityId> running_ids_;
  std::vector<Seconds> predicted_end_;
  std::vector<ActivityId> instant_; // zero-length activities: they end now
  std::uint64_t simgrid_activities_ = 0;
};

} // namespace tandem::sim
