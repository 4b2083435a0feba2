#include "core/runtime/bandwidth_estimator.hpp"

#include <stdexcept>

namespace tandem {

BandwidthEstimator::BandwidthEstimator(BytesPerSecond initial_bps, double alpha)
    : estimate_bps_(initial_bps), alpha_(alpha) {
  if (!(initial_bps > 0) || !(alpha > 0 && alpha <= 1))
    throw std::invalid_argument("BandwidthEstimator: need initial_bps > 0 and alpha in (0, 1]");
}

void BandwidthEstimator::observe(Bytes bytes, Seconds duration_s) {
  // Tiny transfers say little about the rate and zero-time ones would divide by zero.
  if (bytes == 0 || !(duration_s > 0))
    return;
  const BytesPerSecond sample = static_cast<double>(bytes) / duration_s;
  estimate_bps_ = alpha_ * sample + (1 - alpha_) * estimate_bps_;
  ++samples_;
}

} // namespace tandem
