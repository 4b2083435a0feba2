#pragma once
// A backend that computes every completion in closed form: compute takes its charged duration and a
// transfer ends when its link has carried its bytes (bytes / rate on a constant link, the integral
// under a bandwidth trace given as a finish-time function). No SimGrid, so many runs fit in one
// process. It is the reference the SimGrid backend is checked against, and what `tandem plan` and
// the brute-force tests run on.
#include <functional>
#include <set>
#include <vector>

#include "core/runtime/backend.hpp"

namespace tandem {

class AnalyticBackend : public Backend {
public:
  // When a transfer of `bytes` started at `start_s` has left the sender (e.g.
  // BandwidthTrace::finish_time).
  using FinishTime = std::function<Seconds(Seconds start_s, double bytes)>;

  // Constant rates per device, bytes/s. With a shared uplink the runtime never overlaps two uplink
  // transfers, so one rate per device is all this backend needs.
  AnalyticBackend(std::vector<BytesPerSecond> uplink_bps, std::vector<BytesPerSecond> downlink_bps);
  static AnalyticBackend with_finish_times(std::vector<FinishTime> uplink,
                                           std::vector<FinishTime> downlink);

  Seconds now() const override { return now_; }
  void start_compute(ActivityId id, const ComputeRequest& request) override;
  void start_transfer(ActivityId id, const TransferRequest& request) override;
  std::vector<ActivityId> wait_until(Seconds deadline) override;

private:
  AnalyticBackend() = default;
  std::vector<FinishTime> uplink_, downlink_;
  Seconds now_ = 0;
  std::set<std::pair<Seconds, ActivityId>> pending_; // (end time, id)
};

} // namespace tandem
