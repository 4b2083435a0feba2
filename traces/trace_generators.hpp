#pragma once
// Synthetic bandwidth traces, seeded and identical on every platform (traces/seeded_random.hpp),
// for users without ../shared/traces and for controlled experiments.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/units.hpp"
#include "traces/bandwidth_trace.hpp"
#include "traces/trace_writer.hpp"

namespace tandem {

// A 3G-like trace: the log of the rate follows a stationary AR(1) process sampled every
// interval_s, so the rate is lognormal around mean_mbps with bursts and slow fades.
//   y_0 = mu + volatility * z_0,  y_i = mu + phi * (y_{i-1} - mu) + volatility * sqrt(1 - phi^2) *
//   z_i phi = exp(-interval_s / correlation_s),  mu = ln(mean_mbps) - volatility^2 / 2
// (mu makes the mean of exp(y) equal mean_mbps before clamping), z_i standard normal from
// SeededRandom(seed). Sample i starts at i * interval_s, for round(duration_s / interval_s)
// samples, with rate clamp(round_to_kbps(exp(y_i)), min_mbps, max_mbps). Rates are rounded to
// whole kbit/s so that a last-bit difference in a platform's exp or log cannot change a written
// file. The period follows the two-column rule (last time + interval), so written files read back
// identically. Defaults: the median of the 24 ../shared/traces/fcc logs (1 s samples) has a
// standard deviation of ln(rate) of 0.70 and a lag-1 autocorrelation of 0.84 but 0.52 at lag 10;
// correlation_s = 10 s sits between those two time scales.
struct RandomWalkSpec {
  std::uint64_t seed = 1;
  Seconds duration_s = 600;
  Seconds interval_s = 1;
  double mean_mbps = 5;
  double volatility = 0.7; // standard deviation of ln(rate), dimensionless
  double min_mbps = 0.5;
  double max_mbps = 20;
  Seconds correlation_s = 10; // e-folding time of the autocorrelation of ln(rate)
};

// Rates mbps[i] from start_s[i] (start_s[0] == 0, strictly increasing), for `tandem trace
// generate`; its period is the two-column rule, the only one a written file can carry.
struct StepSpec {
  std::vector<double> mbps;
  std::vector<Seconds> start_s;
};

// What `tandem trace generate` can produce.
using GeneratorSpec = std::variant<RandomWalkSpec, StepSpec>;

// A step trace: mbps[i] from start_s[i] on. The period is period_s if given, else the two-column
// rule (last start + median interval, or + 1 s for one step). Without `loop` the last rate holds
// forever. Bad values throw InputError (they usually come from a command line).
BandwidthTrace step_trace(const std::vector<double>& mbps, const std::vector<Seconds>& start_s,
                          bool loop = false, std::optional<Seconds> period_s = std::nullopt);

BandwidthTrace random_walk_trace(const RandomWalkSpec& spec);
BandwidthTrace random_walk_trace(std::uint64_t seed, Seconds duration_s, Seconds interval_s,
                                 double mean_mbps, double volatility, double min_mbps,
                                 double max_mbps);

// The trace a spec describes (looping: a written file is read back looping by default).
BandwidthTrace generate_trace(const GeneratorSpec& spec);
// generate_trace(spec) written with write_two_column: the whole of `tandem trace generate`.
void generate_trace_file(const GeneratorSpec& spec, const std::filesystem::path& file);

} // namespace tandem
