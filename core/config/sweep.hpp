#pragma once
// [sweep] expanded into numbered runs: the cartesian product of the axes, run 0 first, the first
// axis (in file order) varying slowest, as nested for-loops written in the file's order would.
#include <cstddef>
#include <string>
#include <vector>

#include "core/config/experiment_config.hpp"

namespace tandem {

struct RunParameter {
  std::string key;   // "link.uplink_mbps"
  std::string value; // "5", "neurosurgeon": as summary.csv shows it
};

struct RunConfig {
  std::size_t index = 0;
  ExperimentConfig config;              // this run's values applied; its sweep is empty
  std::vector<RunParameter> parameters; // one per axis, in axis order
};

// At most this many runs: more is almost surely a typo in [sweep], and each run costs a simulation.
inline constexpr std::size_t kMaxSweepRuns = 100000;

// One run (index 0, no parameters) when there is no sweep. Throws InputError at the first axis when
// the product exceeds kMaxSweepRuns.
std::vector<RunConfig> expand_sweep(const ExperimentConfig& config);

} // namespace tandem
