#pragma once
// A link's capacity over time: piecewise constant, in bytes per second, starting at t = 0. Both
// backends replay the same BandwidthTrace (SimGrid as a profile, the real link shaper as a token
// bucket), so every question about "how long does this transfer take" is answered here, exactly.
#include <string>
#include <vector>

#include "core/units.hpp"

namespace tandem {

// From start_s on (until the next step), the link carries bytes_per_s.
struct BandwidthStep {
  Seconds start_s = 0;
  BytesPerSecond bytes_per_s = 0;
  bool operator==(const BandwidthStep&) const = default;
};

class BandwidthTrace {
public:
  // steps: the first starts at 0, starts strictly increase, rates are finite and >= 0.
  // period_s: the length of one pass over the data, after the last step's start. When `loop` is
  // true the trace repeats with that period; otherwise the last step's rate holds forever and
  // period_s only bounds the span mean_bps() averages over (the recorded data).
  // A trace whose rates are all zero is rejected with an InputError naming `source`: no transfer
  // on it could ever end. Other violations are programming errors (std::invalid_argument).
  BandwidthTrace(std::vector<BandwidthStep> steps, Seconds period_s, bool loop, std::string source);

  // One step, never changing. Its period is 1 s by convention (any period gives the same trace).
  static BandwidthTrace constant(BytesPerSecond rate, std::string source = "constant");

  // The rate at time t >= 0 (a step's rate applies from its start, inclusive).
  BytesPerSecond at(Seconds t) const;
  // When a transfer of `bytes` that starts at `start` ends, sent at the trace's rate: the earliest
  // T with bytes_between(start, T) >= bytes. Zero-rate segments are waited out; +infinity when the
  // bytes can never be sent (a non-looping trace whose last rate is 0). Cost: O(log steps), however
  // many periods the transfer spans. Rounding never pushes a transfer that ends where a step ends
  // past a following zero-rate gap (byte counts are compared to within a few ulps).
  Seconds finish_time(Seconds start, double bytes) const;
  // Bytes the link carries in [t0, t1], 0 <= t0 <= t1.
  double bytes_between(Seconds t0, Seconds t1) const;
  // The first time after t at which the rate changes (boundaries between equal rates are skipped),
  // +infinity if it never changes again. Lets an event-driven consumer sleep until the next change.
  Seconds next_change_after(Seconds t) const;

  const std::vector<BandwidthStep>& steps() const { return steps_; }
  bool loops() const { return loop_; }
  Seconds period_s() const { return period_s_; }
  // Time-average rate over one period [0, period_s).
  BytesPerSecond mean_bps() const { return bytes_per_period_ / period_s_; }
  // The file it was read from, or a description ("random-walk seed=1 ...", "constant").
  const std::string& source() const { return source_; }

  // Every rate multiplied by factor > 0.
  BandwidthTrace scaled(double factor) const;
  // The trace as seen starting offset_s >= 0 seconds in: result.at(t) == at(t + offset_s). A
  // looping trace is rotated (offsets wrap around the period); a non-looping one is cut.
  BandwidthTrace shifted(Seconds offset_s) const;

  // The same link: steps, period and looping. The source is a label and is not compared.
  bool operator==(const BandwidthTrace& other) const {
    return steps_ == other.steps_ && period_s_ == other.period_s_ && loop_ == other.loop_;
  }

private:
  // Index of the step holding local time u in [0, period_s_) (or any u >= 0 when not looping).
  std::size_t step_index(Seconds u) const;
  // Bytes from local time 0 to local time u (u within the first pass).
  double cumulative(Seconds u) const;
  // End of step i in the first pass: the next start, the period, or +infinity (last, no loop).
  Seconds step_end(std::size_t i) const;
  // How far two byte counts of this size may differ through rounding alone.
  double slack(double bytes) const;
  // Smallest local T >= u with cumulative(T) >= cumulative(u) + bytes, bytes > 0, provided it
  // exists within the first pass (looping) or at all (non-looping, may return +infinity).
  Seconds local_finish(Seconds u, double bytes) const;

  std::vector<BandwidthStep> steps_;
  // cumulative_bytes_[i]: bytes carried from 0 to steps_[i].start_s; one more entry at the end for
  // period_s_, so lookups by binary search stay O(log steps).
  std::vector<double> cumulative_bytes_;
  Seconds period_s_;
  bool loop_;
  double bytes_per_period_; // == cumulative_bytes_.back()
  std::string source_;
};

// A rate change for an event-driven consumer (a SimGrid bandwidth profile: "date bytes/s" lines).
struct ProfileEvent {
  Seconds date_s = 0;
  BytesPerSecond bytes_per_s = 0;
  bool operator==(const ProfileEvent&) const = default;
};

// The trace as rate changes over [0, horizon_s): an event at date 0, then one at every time before
// horizon_s where the rate changes. Repeat semantics: the list is already unrolled over as many
// loop periods as horizon_s spans, so it must be played once (SimGrid: periodicity -1, no
// LOOPAFTER); after the last event its rate holds, which matches the trace only up to horizon_s.
// Choose horizon_s beyond the end of the simulation (or use next_change_after to feed changes
// lazily).
std::vector<ProfileEvent> profile_events(const BandwidthTrace& trace, Seconds horizon_s);

} // namespace tandem
