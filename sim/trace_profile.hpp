#pragma once
// A BandwidthTrace as a SimGrid link bandwidth profile ("date bytes/s" lines).
//
// SimGrid 3.32 facts this relies on (checked, see the tests):
// - ProfileBuilder::from_string(name, text, periodicity) with periodicity P > 0 replays the lines
//   every P seconds: an event at date d of the text fires at d, P + d, 2P + d, ... So one pass of a
//   looping trace (its events in [0, period)) with P = period replays it exactly; a non-looping
//   trace is all its events with P = -1, after which the last rate holds.
// - The event at date 0 is harmless under CM02 (the 3.32 deadlock with a date-0 entry needs
//   weight-S > 0, i.e. LV08).
// - A rate of 0 makes SimGrid abort ("The Impossible Did Happen" in Model.cpp: an action with a
//   zero share and no deadline), so zero steps are clamped to kZeroRateFraction x the trace's peak:
//   a transfer waiting out a zero step of L seconds then gains peak * 1e-12 * L bytes, which moves
//   its end by far less than 1e-9 relative.
#include <string>

#include <simgrid/forward.h>

#include "core/units.hpp"
#include "traces/bandwidth_trace.hpp"

namespace tandem::sim {

inline constexpr double kZeroRateFraction = 1e-12;

// The trace's highest rate (> 0: a trace with no positive rate cannot be built).
BytesPerSecond peak_rate(const BandwidthTrace& trace);
// True when the rate never changes (the link then gets a plain bandwidth and no profile).
bool is_constant(const BandwidthTrace& trace);
// `rate`, or the clamp for a zero rate.
BytesPerSecond simgrid_rate(BytesPerSecond rate, BytesPerSecond peak_bps);

// What from_string gets: the text and its periodicity.
struct ProfileText {
  std::string text;
  double periodicity = -1; // seconds; -1: play once
};
// One pass of a looping trace with periodicity = its period, or every event of a non-looping one
// with periodicity -1. Rates are clamped with simgrid_rate; numbers are printed so that they read
// back to the same doubles.
ProfileText profile_text(const BandwidthTrace& trace);

// The profile for a link replaying `trace`, or nullptr for a constant trace (give the link that
// rate instead). `name` must be unique in the process (SimGrid refuses to define a profile twice).
simgrid::kernel::profile::Profile* make_bandwidth_profile(const std::string& name,
                                                          const BandwidthTrace& trace);

} // namespace tandem::sim
