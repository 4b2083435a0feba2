#include "core/config/sweep.hpp"

#include <fmt/format.h>

#include "core/config/config_schema.hpp"

namespace tandem {

namespace {

constexpr std::string_view kOptionsPrefix = "scheduler.options.";

void apply(ExperimentConfig& config, const SweepAxis& axis, const ConfigValue& value) {
  if (const auto* key = find_config_key(axis.key))
    key->set(config, value);
  else // the parser admits only schema keys and scheduler.options.NAME
    config.scheduler.options.set(axis.key.substr(kOptionsPrefix.size()), value, axis.where);
  config.sources.by_key[axis.key] = axis.where;
}

} // namespace

std::vector<RunConfig> expand_sweep(const ExperimentConfig& config) {
  std::size_t total = 1;
  for (const auto& axis : config.sweep) {
    total *= axis.values.size();
    if (total > kMaxSweepRuns)
      throw InputError(config.sweep.front().where, "sweep",
                       fmt::format("at most {} runs", kMaxSweepRuns),
                       "more (the product of the array lengths)");
  }
  ExperimentConfig base = config;
  base.sweep.clear();

  std::vector<RunConfig> runs;
  runs.reserve(total);
  for (std::size_t index = 0; index < total; ++index) {
    RunConfig run{index, base, {}};
    // Mixed-radix digits of the index, the last axis being the fastest digit.
    std::vector<std::size_t> digits(config.sweep.size());
    std::size_t rest = index;
    for (std::size_t a = config.sweep.size(); a-- > 0;) {
      digits[a] = rest % config.sweep[a].values.size();
      rest /= config.sweep[a].values.size();
    }
    for (std::size_t a = 0; a < config.sweep.size(); ++a) {
      const auto& axis = config.sweep[a];
      const auto& value = axis.values[digits[a]];
      apply(run.config, axis, value);
      run.parameters.push_back({axis.key, format_config_value(value)});
    }
    runs.push_back(std::move(run));
  }
  return runs;
}

} // namespace tandem
