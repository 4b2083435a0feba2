#pragma once
// The link shaper of the real backend: a token bucket whose fill rate follows a BandwidthTrace, so
// the real link replays exactly the trace the simulator replays. A transfer of N bytes that starts
// at t (on the backend's clock) may complete at trace.finish_time(t, N): the moment the bucket has
// received N tokens since t. Transfers on one link queue behind each other (FIFO), as on a wire.
//
// Pacing is exact by construction: the sender hands the whole message to TCP at once and the
// transfer completes at max(the moment TCP took the bytes, the trace's finish time). On loopback
// TCP is far faster than any trace, so the trace decides; on a real network that is slower than the
// trace, the network decides (and the bandwidth estimator sees it). Bytes are not dribbled onto the
// socket: that would block control messages (compute requests) behind a paced tensor.
#include <chrono>

#include "core/units.hpp"
#include "traces/bandwidth_trace.hpp"

namespace tandem::real {

// The backend's clock: seconds since it started, on the steady clock.
class BackendClock {
public:
  using clock = std::chrono::steady_clock;
  BackendClock() : origin_(clock::now()) {}
  void restart() { origin_ = clock::now(); }
  Seconds now() const { return std::chrono::duration<double>(clock::now() - origin_).count(); }
  clock::time_point at(Seconds t) const {
    return origin_ + std::chrono::duration_cast<clock::duration>(std::chrono::duration<double>(t));
  }

private:
  clock::time_point origin_;
};

class TokenBucket {
public:
  explicit TokenBucket(BandwidthTrace trace) : trace_(std::move(trace)) {}

  // Reserves the link for `bytes` from max(start_s, the end of the previous reservation) and
  // returns when they have been carried. Not thread-safe: one caller per link (the runtime thread).
  // +infinity when the trace can never carry them (it stays at 0 B/s for good).
  Seconds reserve(Seconds start_s, Bytes bytes);
  // The same without reserving.
  Seconds finish_time(Seconds start_s, Bytes bytes) const;
  const BandwidthTrace& trace() const { return trace_; }

private:
  BandwidthTrace trace_;
  Seconds busy_until_s_ = 0;
};

} // namespace tandem::real
