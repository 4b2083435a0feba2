#include "core/config/scheduler_options.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace tandem {

namespace {

std::string field_name(std::string_view key) {
  return fmt::format("scheduler.options.{}", key);
}

} // namespace

std::string describe_config_value(const ConfigValue& value) {
  const auto text = format_config_value(value);
  if (std::holds_alternative<bool>(value))
    return "a boolean " + text;
  if (std::holds_alternative<std::int64_t>(value))
    return "an integer " + text;
  if (std::holds_alternative<double>(value))
    return "a float " + text;
  return "a string " + toml_quote(text);
}

void SchedulerOptions::set(std::string key, ConfigValue value, SourceLocation where) {
  entries_.insert_or_assign(std::move(key), SchedulerOption{std::move(value), std::move(where)});
}

SourceLocation SchedulerOptions::where(std::string_view key) const {
  const auto it = entries_.find(key);
  return it == entries_.end() ? SourceLocation{} : it->second.where;
}

bool SchedulerOptions::get_bool(std::string_view key, bool fallback) const {
  const auto it = entries_.find(key);
  if (it == entries_.end())
    return fallback;
  if (const auto* b = std::get_if<bool>(&it->second.value))
    return *b;
  throw InputError(it->second.where, field_name(key), "a boolean (true or false)",
                   describe_config_value(it->second.value));
}

std::int64_t SchedulerOptions::get_int(std::string_view key, std::int64_t fallback) const {
  const auto it = entries_.find(key);
  if (it == entries_.end())
    return fallback;
  if (const auto* i = std::get_if<std::int64_t>(&it->second.value))
    return *i;
  throw InputError(it->second.where, field_name(key), "an integer",
                   describe_config_value(it->second.value));
}

double SchedulerOptions::get_double(std::string_view key, double fallback) const {
  const auto it = entries_.find(key);
  if (it == entries_.end())
    return fallback;
  if (const auto* d = std::get_if<double>(&it->second.value))
    return *d;
  if (const auto* i = std::get_if<std::int64_t>(&it->second.value))
    return static_cast<double>(*i);
  throw InputError(it->second.where, field_name(key), "a float",
                   describe_config_value(it->second.value));
}

std::string SchedulerOptions::get_string(std::string_view key, std::string fallback) const {
  const auto it = entries_.find(key);
  if (it == entries_.end())
    return fallback;
  if (const auto* s = std::get_if<std::string>(&it->second.value))
    return *s;
  throw InputError(it->second.where, field_name(key), "a string",
                   describe_config_value(it->second.value));
}

void SchedulerOptions::reject_unknown(std::string_view scheduler,
                                      std::initializer_list<std::string_view> known) const {
  for (const auto& [key, option] : entries_) {
    bool found = false;
    for (const auto k : known)
      found = found || k == key;
    if (found)
      continue;
    const auto expected =
        known.size() == 0
            ? fmt::format("no options (scheduler {} takes none)", scheduler)
            : fmt::format("an option of scheduler {} ({})", scheduler, fmt::join(known, ", "));
    throw InputError(option.where, field_name(key), expected, "an unknown option");
  }
}

} // namespace tandem
