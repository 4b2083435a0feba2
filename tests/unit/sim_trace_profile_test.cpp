// BandwidthTrace -> SimGrid profile text, and PlatformSpec checks: pure functions, no engine.
#include <doctest/doctest.h>

#include <stdexcept>

#include "core/units.hpp"
#include "sim/platform.hpp"
#include "sim/trace_profile.hpp"

using namespace tandem;
using namespace tandem::sim;

TEST_CASE("sim: a looping trace becomes one pass replayed with its period") {
  const BandwidthTrace trace({{0, 1e6}, {1, 2e6}, {2, 2e6}, {2.5, 5e5}}, 3, true, "loop");
  const auto p = profile_text(trace);
  // Equal neighbours merge; SimGrid repeats the pass every 3 s, dates 0, 1, 2.5 then 3, 4, 5.5 ...
  CHECK(p.text == "0 1000000\n1 2000000\n2.5 500000\n");
  CHECK(p.periodicity == 3);
}

TEST_CASE("sim: a non-looping trace lists every change and plays once") {
  const BandwidthTrace trace({{0, 1.25e6}, {1, 125000}}, 2, false, "step");
  const auto p = profile_text(trace);
  CHECK(p.text == "0 1250000\n1 125000\n");
  CHECK(p.periodicity == -1);
}

TEST_CASE("sim: zero rates are clamped to a tiny positive rate SimGrid accepts") {
  const BandwidthTrace trace({{0, 1e6}, {1, 0}, {2, 5e5}}, 3, true, "outage");
  CHECK(peak_rate(trace) == 1e6);
  CHECK(simgrid_rate(0, 1e6) == doctest::Approx(1e-6));
  CHECK(simgrid_rate(5e5, 1e6) == 5e5);
  CHECK(profile_text(trace).text == "0 1000000\n1 1e-06\n2 500000\n");
}

TEST_CASE("sim: a constant trace needs no profile") {
  CHECK(is_constant(BandwidthTrace::constant(1e6)));
  CHECK(is_constant(BandwidthTrace({{0, 1e6}, {1, 1e6}}, 2, true, "flat")));
  CHECK_FALSE(is_constant(BandwidthTrace({{0, 1e6}, {1, 2e6}}, 2, true, "two")));
}

TEST_CASE("sim: a platform spec with the wrong number of traces is rejected") {
  PlatformSpec spec;
  spec.devices = 2;
  spec.uplink = {BandwidthTrace::constant(1e6)};
  spec.downlink = {BandwidthTrace::constant(1e6), BandwidthTrace::constant(1e6)};
  CHECK_THROWS_AS(validate(spec), std::invalid_argument);
  spec.shared_uplink = true;
  CHECK_NOTHROW(validate(spec));
  spec.server_workers = 0;
  CHECK_THROWS_AS(validate(spec), std::invalid_argument);
}
