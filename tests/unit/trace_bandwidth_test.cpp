#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "core/error.hpp"
#include "core/units.hpp"
#include "traces/bandwidth_trace.hpp"
#include "traces/trace_generators.hpp"

using namespace tandem;

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// The reference the fast finish_time is checked against: walk the trace one step boundary at a
// time (unrolling every loop), with no cumulative table, no modulo and no binary search.
Seconds walk_finish(const BandwidthTrace& trace, Seconds start, double bytes) {
  const auto& steps = trace.steps();
  const std::size_t n = steps.size();
  double pass_start = 0;
  std::size_t i = 0;
  // Find the step holding `start` by walking forward from t = 0.
  while (true) {
    const Seconds end = i + 1 < n ? pass_start + steps[i + 1].start_s
                                  : (trace.loops() ? pass_start + trace.period_s() : kInf);
    if (start < end)
      break;
    if (++i == n) {
      i = 0;
      pass_start += trace.period_s();
    }
  }
  Seconds t = start;
  double left = bytes;
  while (true) {
    const Seconds end = i + 1 < n ? pass_start + steps[i + 1].start_s
                                  : (trace.loops() ? pass_start + trace.period_s() : kInf);
    const double rate = steps[i].bytes_per_s;
    // Ties (the transfer ends where the step ends) go to the earlier side, as in finish_time.
    if (rate > 0 && rate * (end - t) >= left * (1 - 1e-12))
      return std::min(t + left / rate, end);
    if (end == kInf)
      return kInf;
    left -= rate * (end - t);
    t = end;
    if (++i == n) {
      i = 0;
      pass_start += trace.period_s();
    }
  }
}

// A looping trace with zero-rate gaps, including one at the end of the period.
BandwidthTrace gappy_trace() {
  return BandwidthTrace(
      {{0, 2e6}, {0.7, 0}, {1.3, 5e5}, {2.0, 3e6}, {2.25, 0}, {2.9, 1e6}, {3.6, 0}}, 4.0, true,
      "gappy");
}

} // namespace

TEST_CASE("a constant trace: finish time is start + bytes / rate") {
  const auto trace = BandwidthTrace::constant(mbps_to_bytes_per_s(8)); // 1e6 B/s
  CHECK(trace.at(0) == 1e6);
  CHECK(trace.at(1e6) == 1e6);
  CHECK(trace.finish_time(0, 1e6) == 1.0);
  CHECK(trace.finish_time(2.5, 5e5) == 3.0);
  CHECK(trace.finish_time(7, 0) == 7);
  CHECK(trace.bytes_between(1, 3) == 2e6);
  CHECK(trace.mean_bps() == 1e6);
  CHECK(trace.next_change_after(0) == kInf);
  CHECK(profile_events(trace, 100) == std::vector<ProfileEvent>{{0, 1e6}});
}

TEST_CASE(
    "step trace 10 Mbit/s then 1 Mbit/s at t = 1 s: a transfer straddling the step, by hand") {
  const auto trace = step_trace({10, 1}, {0, 1});
  REQUIRE_FALSE(trace.loops());
  // From 0.5 s, 1e6 bytes: 0.5 s at 1.25e6 B/s carries 625000 B; the other 375000 B take
  // 375000 / 125000 = 3 s after the step at 1 s, so the transfer ends at 4 s.
  CHECK(trace.finish_time(0.5, 1e6) == doctest::Approx(4.0).epsilon(1e-15));
  // Ending exactly at the step.
  CHECK(trace.finish_time(0.5, 625000) == doctest::Approx(1.0).epsilon(1e-15));
  // Entirely after the step, far away: the last rate holds forever.
  CHECK(trace.finish_time(100, 125000) == doctest::Approx(101.0).epsilon(1e-15));
  CHECK(trace.bytes_between(0.5, 4.0) == doctest::Approx(1e6).epsilon(1e-15));
  CHECK(trace.next_change_after(0) == 1.0);
  CHECK(trace.next_change_after(1) == kInf);
  // Over one pass (the two-column rule gives last start + median interval = 2 s).
  CHECK(trace.period_s() == 2.0);
  CHECK(trace.mean_bps() == doctest::Approx((1.25e6 + 125000) / 2).epsilon(1e-15));
}

TEST_CASE("zero-bandwidth gaps in a trace are waited out") {
  // 1e6 B/s on [0, 1), nothing on [1, 3), 2e6 B/s on [3, 4); loops every 4 s.
  const BandwidthTrace trace({{0, 1e6}, {1, 0}, {3, 2e6}}, 4, true, "gap");
  CHECK(trace.finish_time(0.5, 1.5e6) == doctest::Approx(3.5));
  CHECK(trace.finish_time(1.5, 1e6) == doctest::Approx(3.5)); // starts inside the gap
  CHECK(trace.finish_time(0, 1e6) == 1.0);                    // ends as the gap begins, not after
  CHECK(trace.finish_time(0, 3e6) == doctest::Approx(4.0));   // exactly one period's bytes
  CHECK(trace.finish_time(3.5, 2e6) == doctest::Approx(5.0)); // wraps into the next pass
  CHECK(trace.bytes_between(1, 3) == 0);
  CHECK(trace.mean_bps() == doctest::Approx(3e6 / 4));

  // A gap at the end of the period: a transfer of a whole number of passes ends when its last
  // byte is sent, before the trailing gap.
  const BandwidthTrace tail({{0, 1e6}, {1, 0}}, 2, true, "tail gap");
  CHECK(tail.finish_time(0, 2e6) == doctest::Approx(3.0));
  CHECK(tail.finish_time(0, 1e6) == doctest::Approx(1.0));
  CHECK(tail.finish_time(1.2, 5e5) == doctest::Approx(2.5));

  // Without looping, a trace that ends at zero never finishes a transfer that needs more.
  const BandwidthTrace dies({{0, 1e6}, {1, 0}}, 2, false, "dies");
  CHECK(dies.finish_time(0, 5e5) == doctest::Approx(0.5));
  CHECK(dies.finish_time(0, 2e6) == kInf);
}

TEST_CASE("a trace with zero bandwidth everywhere is rejected") {
  auto error_of = [](auto make) {
    try {
      make();
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  CHECK(error_of([] {
          BandwidthTrace({{0, 0}, {1, 0}}, 2, true, "dead.txt");
        }) == "dead.txt: bandwidth: expected a positive rate somewhere in the trace, found zero "
              "everywhere");
  CHECK(error_of([] { BandwidthTrace::constant(0); }) ==
        "constant: bandwidth: expected a positive rate somewhere in the trace, found zero "
        "everywhere");
}

TEST_CASE("finish times over many periods match walking the unrolled trace") {
  const auto trace = gappy_trace();
  const double per_period = trace.bytes_between(0, trace.period_s());
  CHECK(per_period == doctest::Approx(2e6 * 0.7 + 5e5 * 0.7 + 3e6 * 0.25 + 1e6 * 0.7));
  for (const double start : {0.0, 0.35, 0.7, 1.0, 2.0, 2.3, 3.6, 3.99, 17.3, 4000.2}) {
    for (const double periods : {0.001, 0.3, 1.0, 2.5, 37.0, 999.9}) {
      const double bytes = periods * per_period;
      const Seconds fast = trace.finish_time(start, bytes);
      const Seconds slow = walk_finish(trace, start, bytes);
      INFO("start ", start, " bytes ", bytes);
      CHECK(fast == doctest::Approx(slow).epsilon(1e-12));
      CHECK(trace.bytes_between(start, fast) == doctest::Approx(bytes).epsilon(1e-10));
    }
  }
}

TEST_CASE("trace finish time agrees with numerical integration of at()") {
  const auto trace = gappy_trace();
  const Seconds start = 1.1;
  const double bytes = 2.3e7; // a bit under four periods
  const Seconds dt = 1e-5;
  double sent = 0;
  Seconds t = start;
  while (sent < bytes) {
    sent += trace.at(t + dt / 2) * dt; // midpoint rule
    t += dt;
  }
  CHECK(trace.finish_time(start, bytes) == doctest::Approx(t).epsilon(2 * dt / t));
}

TEST_CASE("trace at() and next_change_after() follow the steps through loops") {
  const BandwidthTrace trace({{0, 1}, {1, 2}, {2, 2}, {3, 5}}, 4, true, "t");
  CHECK(trace.at(0) == 1);
  CHECK(trace.at(0.999) == 1);
  CHECK(trace.at(1) == 2);
  CHECK(trace.at(4) == 1);
  CHECK(trace.at(7.5) == 5);
  CHECK(trace.next_change_after(0) == 1);
  CHECK(trace.next_change_after(1) == 3); // the boundary at 2 s keeps the rate: skipped
  CHECK(trace.next_change_after(3.2) == 4);
  CHECK(trace.next_change_after(41) == 43);
  CHECK(profile_events(trace, 9) ==
        std::vector<ProfileEvent>{{0, 1}, {1, 2}, {3, 5}, {4, 1}, {5, 2}, {7, 5}, {8, 1}});
  const auto once = BandwidthTrace({{0, 1}, {1, 2}}, 2, false, "once");
  CHECK(profile_events(once, 100) == std::vector<ProfileEvent>{{0, 1}, {1, 2}});
}

TEST_CASE("scaled and shifted traces") {
  const auto trace = gappy_trace();
  const auto doubled = trace.scaled(2);
  CHECK(doubled.mean_bps() == doctest::Approx(2 * trace.mean_bps()));
  CHECK(doubled.finish_time(0.2, 1e6) == doctest::Approx(trace.finish_time(0.2, 5e5)));

  for (const double offset : {0.0, 0.7, 1.0, 2.1, 3.9, 9.5}) {
    const auto later = trace.shifted(offset);
    INFO("offset ", offset);
    CHECK(later.loops());
    CHECK(later.period_s() == trace.period_s());
    CHECK(later.mean_bps() == doctest::Approx(trace.mean_bps()));
    for (double t = 0; t < 10; t += 0.013)
      CHECK(later.at(t) == trace.at(t + offset));
    CHECK(later.finish_time(0.4, 4e6) ==
          doctest::Approx(trace.finish_time(0.4 + offset, 4e6) - offset).epsilon(1e-12));
  }
  // A non-looping trace is cut, and its last rate still holds.
  const auto steps = step_trace({10, 1, 4}, {0, 1, 2});
  const auto cut = steps.shifted(1.5);
  CHECK(cut.steps() == std::vector<BandwidthStep>{{0, 125000}, {0.5, 500000}});
  CHECK(cut.at(100) == 500000);
  CHECK(steps.shifted(7).steps() == std::vector<BandwidthStep>{{0, 500000}});
}
