#include "sim/trace_profile.hpp"

#include <algorithm>
#include <limits>

#include <fmt/format.h>
#include <simgrid/kernel/ProfileBuilder.hpp>

namespace tandem::sim {

BytesPerSecond peak_rate(const BandwidthTrace& trace) {
  BytesPerSecond peak = 0;
  for (const auto& s : trace.steps())
    peak = std::max(peak, s.bytes_per_s);
  return peak;
}

bool is_constant(const BandwidthTrace& trace) {
  const auto& steps = trace.steps();
  return std::all_of(steps.begin(), steps.end(), [&](const BandwidthStep& s) {
    return s.bytes_per_s == steps.front().bytes_per_s;
  });
}

BytesPerSecond simgrid_rate(BytesPerSecond rate, BytesPerSecond peak_bps) {
  return rate > 0 ? rate : peak_bps * kZeroRateFraction;
}

ProfileText profile_text(const BandwidthTrace& trace) {
  // One pass for a looping trace (SimGrid repeats it), everything for a non-looping one.
  const Seconds horizon =
      trace.loops() ? trace.period_s() : std::numeric_limits<Seconds>::infinity();
  const BytesPerSecond peak = peak_rate(trace);
  ProfileText out;
  out.periodicity = trace.loops() ? trace.period_s() : -1.0;
  for (const auto& e : profile_events(trace, horizon))
    out.text += fmt::format("{} {}\n", e.date_s, simgrid_rate(e.bytes_per_s, peak));
  return out;
}

simgrid::kernel::profile::Profile* make_bandwidth_profile(const std::string& name,
                                                          const BandwidthTrace& trace) {
  if (is_constant(trace))
    return nullptr;
  const auto p = profile_text(trace);
  return simgrid::kernel::profile::ProfileBuilder::from_string(name, p.text, p.periodicity);
}

} // namespace tandem::sim
