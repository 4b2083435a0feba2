#include "core/config/describe_config.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "core/config/config_schema.hpp"

namespace tandem {

std::string describe_config() {
  std::string out =
      "Experiment config (TOML). Every key is optional except those marked (required). A "
      "quantity's\n"
      "unit is in its key's name; integers are accepted where floats are expected. Relative paths "
      "in\n"
      "a config file are taken against the config file's directory. `tandem run CONFIG.toml --set\n"
      "KEY=VALUE` overrides any key (VALUE in TOML; strings may be bare), scheduler.options.NAME, "
      "or\n"
      "sweep.KEY=[...]; a key set on the command line is no longer swept.\n";

  // Column widths from the content, so a longer key or default never breaks the alignment. The
  // allowed values follow the meaning, where a long list does not widen every row.
  std::size_t w_key = 3, w_type = 4, w_unit = 4, w_default = 7;
  for (const auto& k : config_schema()) {
    w_key = std::max(w_key, k.key.size());
    w_type = std::max(w_type, to_string(k.type).size());
    w_unit = std::max(w_unit, k.unit.size());
    w_default = std::max(w_default, k.default_text.size());
  }
  const auto row = [&](std::string_view key, std::string_view type, std::string_view unit,
                       std::string_view def, std::string_view meaning) {
    auto line = fmt::format("  {:<{}}  {:<{}}  {:<{}}  {:<{}}  {}", key, w_key, type, w_type, unit,
                            w_unit, def, w_default, meaning);
    line.erase(line.find_last_not_of(' ') + 1);
    out += line + '\n';
  };

  for (const auto& section : config_sections()) {
    out += '\n';
    if (section.name.empty())
      out += fmt::format("top level: {}\n", section.meaning);
    else
      out += fmt::format("[{}]: {}\n", section.name, section.meaning);
    bool header = false;
    for (const auto& k : config_schema()) {
      if (k.section() != section.name)
        continue;
      if (!header)
        row("key", "type", "unit", "default", "meaning (allowed values)");
      header = true;
      row(k.key, to_string(k.type), k.unit, k.default_text,
          k.allowed.empty() ? k.meaning : fmt::format("{} ({})", k.meaning, k.allowed));
    }
  }
  return out;
}

} // namespace tandem
