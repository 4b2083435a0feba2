#include "core/runtime/analytic_backend.hpp"

#include <stdexcept>

namespace tandem {

namespace {
std::vector<AnalyticBackend::FinishTime> constant_rates(const std::vector<BytesPerSecond>& rates) {
  std::vector<AnalyticBackend::FinishTime> out;
  for (auto r : rates) {
    if (!(r > 0))
      throw std::invalid_argument("AnalyticBackend: link rates must be > 0");
    out.push_back([r](Seconds start, double bytes) { return start + bytes / r; });
  }
  return out;
}
} // namespace

AnalyticBackend::AnalyticBackend(std::vector<BytesPerSecond> uplink_bps,
                                 std::vector<BytesPerSecond> downlink_bps)
    : uplink_(constant_rates(uplink_bps)), downlink_(constant_rates(downlink_bps)) {}

AnalyticBackend AnalyticBackend::with_finish_times(std::vector<FinishTime> uplink,
                                                   std::vector<FinishTime> downlink) {
  AnalyticBackend b;
  b.uplink_ = std::move(uplink);
  b.downlink_ = std::move(downlink);
  return b;
}

void AnalyticBackend::start_compute(ActivityId id, const ComputeRequest& request) {
  pending_.emplace(now_ + request.duration_s, id);
}

void AnalyticBackend::start_transfer(ActivityId id, const TransferRequest& request) {
  const auto& links = request.direction == Direction::uplink ? uplink_ : downlink_;
  const auto& finish = links.at(static_cast<std::size_t>(request.device) % links.size());
  pending_.emplace(request.bytes == 0 ? now_ : finish(now_, static_cast<double>(request.bytes)),
                   id);
}

std::vector<ActivityId> AnalyticBackend::wait_until(Seconds deadline) {
  std::vector<ActivityId> done;
  if (pending_.empty() || pending_.begin()->first > deadline) {
    if (deadline != kForever)
      now_ = deadline;
    return done;
  }
  now_ = pending_.begin()->first;
  while (!pending_.empty() && pending_.begin()->first == now_) {
    done.push_back(pending_.begin()->second);
    pending_.erase(pending_.begin());
  }
  return done; // already sorted by id: equal times order by id in the set
}

} // namespace tandem
