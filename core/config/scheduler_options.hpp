#pragma once
// [scheduler.options]: keys only the chosen scheduler understands. They are kept as written, with
// where they were written, so the scheduler (not the config parser) accepts or rejects each one and
// its errors still point at the file and line.
#include <cstdint>
#include <initializer_list>
#include <map>
#include <string>
#include <string_view>

#include "core/config/config_value.hpp"
#include "core/error.hpp"

namespace tandem {

struct SchedulerOption {
  ConfigValue value;
  SourceLocation where; // the config line, a sweep axis, or "command line" for --set

  // Where a value came from is not part of its value: configs compare equal across a round trip.
  bool operator==(const SchedulerOption& other) const { return value == other.value; }
};

class SchedulerOptions {
public:
  void set(std::string key, ConfigValue value, SourceLocation where);
  bool contains(std::string_view key) const { return entries_.find(key) != entries_.end(); }
  bool empty() const { return entries_.empty(); }
  std::size_t size() const { return entries_.size(); }
  // Sorted by key, so every output that lists them is deterministic.
  const std::map<std::string, SchedulerOption, std::less<>>& entries() const { return entries_; }
  // The option's location, or an empty one when it is absent.
  SourceLocation where(std::string_view key) const;

  // Typed getters: `fallback` when the key is absent, an InputError at the option's location when
  // it holds another type ("scheduler.options.k: expected an integer, found a string \"x\"").
  // Integers are accepted where floats are expected.
  bool get_bool(std::string_view key, bool fallback) const;
  std::int64_t get_int(std::string_view key, std::int64_t fallback) const;
  double get_double(std::string_view key, double fallback) const;
  std::string get_string(std::string_view key, std::string fallback) const;

  // Throws an InputError at the first option (in key order) whose key is not in `known`, naming the
  // scheduler and the keys it does know.
  void reject_unknown(std::string_view scheduler,
                      std::initializer_list<std::string_view> known) const;

  bool operator==(const SchedulerOptions&) const = default;

private:
  std::map<std::string, SchedulerOption, std::less<>> entries_;
};

// "a string \"x\"", "an integer 3", "a float 2.5", "a boolean true": how errors describe a value.
std::string describe_config_value(const ConfigValue& value);

} // namespace tandem
