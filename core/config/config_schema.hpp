#pragma once
// THE table of config keys. Parsing, --set, sweeps, `tandem describe config` and
// config.resolved.toml all read it, so a key added here is parsed, documented and written back with
// nothing else to edit. Each entry reaches its struct field through a member pointer, so a key and
// its field cannot disagree on the type.
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/config/config_value.hpp"

namespace tandem {

struct ExperimentConfig;

enum class ValueType { boolean, integer, floating, string, path };
std::string_view to_string(ValueType type); // "bool", "int", "float", "string", "path"

// Whether string values name files that must be resolved against the config file's directory.
enum class PathMode {
  none,
  always,        // a path-typed key
  if_model_file, // model.name: only a name ending in .json or .onnx is a file
};

struct ConfigKey {
  std::string key; // "link.uplink_mbps"; top-level keys have no dot
  ValueType type = ValueType::string;
  std::string unit; // "Mbit/s", "ms", "s", "1/s"; empty when unitless
  std::string meaning;
  std::string default_text; // as `tandem describe config` shows it
  bool required = false;    // no default: the file must give it
  bool optional = false;    // may stay unset (std::optional field)
  std::string allowed; // the constraint in short ("> 0", "in (0, 1]", "sim | real"); may be empty
  PathMode paths = PathMode::none;

  // Checks a value already of the key's type (a double for a float key). Returns the "expected ..."
  // text of an error when the value is not allowed.
  std::function<std::optional<std::string>(const ConfigValue&)> check;
  // Reads the field; nullopt for an unset optional.
  std::function<std::optional<ConfigValue>(const ExperimentConfig&)> get;
  // Writes the field; nullopt unsets an optional one. The value must have passed `check`.
  std::function<void(ExperimentConfig&, const std::optional<ConfigValue>&)> set;

  std::string_view section() const; // "link"; "" at top level
  std::string_view name() const;    // "uplink_mbps"
};

struct ConfigSection {
  std::string_view name; // "link"; "" for the top level
  std::string_view meaning;
};

// In the order the docs and config.resolved.toml list them.
std::span<const ConfigKey> config_schema();
// Sections in order, including the two free-form ones, "scheduler.options" and "sweep".
std::span<const ConfigSection> config_sections();
const ConfigKey* find_config_key(std::string_view key);

// model.name is a file (resolved against the config's directory) when it ends in .json or .onnx,
// the same rule load_model (core/model_source.hpp) applies; anything else names a zoo model.
bool is_model_file_name(const std::string& name);

// "a float in Mbit/s", "an integer", "a boolean (true or false)": the expected text of a type
// error.
std::string expected_type_text(const ConfigKey& key);

// The closest of `candidates` to `word` by edit distance, when close enough to be a likely typo.
std::optional<std::string> closest_match(std::string_view word,
                                         const std::vector<std::string>& candidates);

} // namespace tandem
