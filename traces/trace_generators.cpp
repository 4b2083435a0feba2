#include "traces/trace_generators.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/error.hpp"
#include "traces/seeded_random.hpp"
#include "traces/trace_readers.hpp"

namespace tandem {
namespace {

void check(bool ok, const std::string& where, const char* field, const char* expected,
           double found) {
  if (!ok)
    throw InputError(SourceLocation{where}, field, expected, fmt::format("{}", found));
}

// Whole kbit/s, see RandomWalkSpec.
double round_to_kbps(double mbps) {
  return std::round(mbps * 1000) / 1000;
}

} // namespace

BandwidthTrace step_trace(const std::vector<double>& mbps, const std::vector<Seconds>& start_s,
                          bool loop, std::optional<Seconds> period_s) {
  const std::string where = "step trace";
  if (mbps.empty() || mbps.size() != start_s.size())
    throw InputError(SourceLocation{where}, "mbps",
                     fmt::format("one rate per start time ({})", start_s.size()),
                     fmt::format("{}", mbps.size()));
  std::vector<BandwidthStep> steps;
  for (std::size_t i = 0; i < mbps.size(); ++i) {
    check(std::isfinite(mbps[i]) && mbps[i] >= 0, where, "mbps", "a number of Mbit/s >= 0",
          mbps[i]);
    if (i == 0)
      check(start_s[0] == 0, where, "start_s", "0 for the first step", start_s[0]);
    else
      check(std::isfinite(start_s[i]) && start_s[i] > start_s[i - 1], where, "start_s",
            "times that strictly increase", start_s[i]);
    steps.push_back({start_s[i], mbps_to_bytes_per_s(mbps[i])});
  }
  const Seconds period = period_s.value_or(inferred_period_s(start_s));
  check(std::isfinite(period) && period > start_s.back(), where, "period_s",
        "a time after the last start", period);
  std::string source =
      fmt::format("steps mbps={} start_s={}", fmt::join(mbps, ","), fmt::join(start_s, ","));
  if (period_s)
    source += fmt::format(" period_s={}", *period_s);
  return BandwidthTrace(std::move(steps), period, loop, std::move(source));
}

BandwidthTrace random_walk_trace(const RandomWalkSpec& spec) {
  const std::string where = "random walk";
  check(spec.duration_s > 0 && std::isfinite(spec.duration_s), where, "duration_s",
        "a number of seconds > 0", spec.duration_s);
  check(spec.interval_s > 0 && spec.interval_s <= spec.duration_s, where, "interval_s",
        "a number of seconds > 0 and <= duration_s", spec.interval_s);
  check(spec.mean_mbps > 0 && std::isfinite(spec.mean_mbps), where, "mean_mbps",
        "a number of Mbit/s > 0", spec.mean_mbps);
  check(spec.volatility >= 0 && std::isfinite(spec.volatility), where, "volatility",
        "a number >= 0", spec.volatility);
  check(spec.min_mbps >= 0 && std::isfinite(spec.min_mbps), where, "min_mbps",
        "a number of Mbit/s >= 0", spec.min_mbps);
  check(spec.max_mbps > 0 && spec.max_mbps >= spec.min_mbps && std::isfinite(spec.max_mbps), where,
        "max_mbps", "a number of Mbit/s > 0 and >= min_mbps", spec.max_mbps);
  check(spec.correlation_s > 0 && std::isfinite(spec.correlation_s), where, "correlation_s",
        "a number of seconds > 0", spec.correlation_s);

  const auto samples = std::max<long long>(1, std::llround(spec.duration_s / spec.interval_s));
  const double phi = std::exp(-spec.interval_s / spec.correlation_s);
  const double innovation = spec.volatility * std::sqrt(1 - phi * phi);
  const double mu = std::log(spec.mean_mbps) - spec.volatility * spec.volatility / 2;
  SeededRandom random(spec.seed);
  std::vector<BandwidthStep> steps;
  std::vector<Seconds> times;
  steps.reserve(static_cast<std::size_t>(samples));
  double y = mu + spec.volatility * random.normal();
  for (long long i = 0; i < samples; ++i) {
    if (i > 0)
      y = mu + phi * (y - mu) + innovation * random.normal();
    const double mbps = std::clamp(round_to_kbps(std::exp(y)), spec.min_mbps, spec.max_mbps);
    // i * interval, not a running sum, so times do not drift.
    const Seconds t = static_cast<double>(i) * spec.interval_s;
    times.push_back(t);
    steps.push_back({t, mbps_to_bytes_per_s(mbps)});
  }
  auto source = fmt::format("random-walk seed={} duration_s={} interval_s={} mean_mbps={} "
                            "volatility={} min_mbps={} max_mbps={} correlation_s={}",
                            spec.seed, spec.duration_s, spec.interval_s, spec.mean_mbps,
                            spec.volatility, spec.min_mbps, spec.max_mbps, spec.correlation_s);
  return BandwidthTrace(std::move(steps), inferred_period_s(times), true, std::move(source));
}

BandwidthTrace random_walk_trace(std::uint64_t seed, Seconds duration_s, Seconds interval_s,
                                 double mean_mbps, double volatility, double min_mbps,
                                 double max_mbps) {
  RandomWalkSpec spec;
  spec.seed = seed;
  spec.duration_s = duration_s;
  spec.interval_s = interval_s;
  spec.mean_mbps = mean_mbps;
  spec.volatility = volatility;
  spec.min_mbps = min_mbps;
  spec.max_mbps = max_mbps;
  return random_walk_trace(spec);
}

BandwidthTrace generate_trace(const GeneratorSpec& spec) {
  if (const auto* walk = std::get_if<RandomWalkSpec>(&spec))
    return random_walk_trace(*walk);
  const auto& steps = std::get<StepSpec>(spec);
  return step_trace(steps.mbps, steps.start_s, true);
}

void generate_trace_file(const GeneratorSpec& spec, const std::filesystem::path& file) {
  write_two_column(generate_trace(spec), file);
}

} // namespace tandem
