// to_resolved_toml: config.resolved.toml, written from the schema so that every key appears.
#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/config/config_schema.hpp"
#include "core/config/experiment_config.hpp"

namespace tandem {

namespace {

// TOML bare keys are A-Za-z0-9_-; anything else (a scheduler option with a dot, say) is quoted.
std::string toml_key(const std::string& key) {
  const bool bare = !key.empty() && std::all_of(key.begin(), key.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
  });
  return bare ? key : toml_quote(key);
}

} // namespace

std::string to_resolved_toml(const ExperimentConfig& config) {
  std::string out =
      fmt::format("# Experiment '{}' with every default filled in; `tandem describe config` "
                  "explains each key.\n"
                  "# Paths are already resolved against the original config file's directory.\n",
                  config.name);
  for (const auto& section : config_sections()) {
    std::string body;
    if (section.name == "scheduler.options") {
      for (const auto& [key, option] : config.scheduler.options.entries())
        body += fmt::format("{} = {}\n", toml_key(key), to_toml_literal(option.value));
    } else if (section.name == "sweep") {
      for (const auto& axis : config.sweep) {
        std::vector<std::string> values;
        for (const auto& v : axis.values)
          values.push_back(to_toml_literal(v));
        // Quoted, so the dotted key stays one key and the axes keep their order.
        body += fmt::format("{} = [{}]\n", toml_quote(axis.key), fmt::join(values, ", "));
      }
    } else {
      for (const auto& key : config_schema()) {
        if (key.section() != section.name)
          continue;
        const auto value = key.get(config);
        // A required key left empty is given by every run of the sweep instead.
        if (key.required && value == ConfigValue{std::string()})
          body += fmt::format("# {} is set by [sweep]\n", key.name());
        else if (value)
          body += fmt::format("{} = {}\n", key.name(), to_toml_literal(*value));
        else
          body += fmt::format("# {} is unset (default: {})\n", key.name(), key.default_text);
      }
    }
    if (body.empty())
      continue;
    out += section.name.empty() ? "\n" : fmt::format("\n[{}]\n", section.name);
    out += body;
  }
  return out;
}

} // namespace tandem
