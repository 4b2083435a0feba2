#pragma once
// Bandwidth estimate from completed transfers: an exponentially weighted moving average of observed
// throughput (bytes / serialization time). The same code runs on both backends, so a scheduler sees
// the same kind of estimate in simulation as on a real link.
#include "core/units.hpp"

namespace tandem {

class BandwidthEstimator {
public:
  // alpha in (0, 1]: weight of the newest sample.
  BandwidthEstimator(BytesPerSecond initial_bps, double alpha);

  void observe(Bytes bytes, Seconds duration_s);
  BytesPerSecond estimate_bps() const { return estimate_bps_; }
  int samples() const { return samples_; }

private:
  BytesPerSecond estimate_bps_;
  double alpha_;
  int samples_ = 0;
};

} // namespace tandem
