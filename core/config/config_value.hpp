#pragma once
// One value of a config key, a sweep point or a scheduler option, as TOML can spell it. Keys of the
// schema convert it to their field's type; scheduler options keep it as it is.
#include <cstdint>
#include <string>
#include <variant>

namespace tandem {

using ConfigValue = std::variant<bool, std::int64_t, double, std::string>;

// The value as a user would type it on the command line and as summary.csv shows it: true, 5, 2.5,
// fast (strings bare). Floats print their shortest exact form.
std::string format_config_value(const ConfigValue& value);

// The value as a TOML literal that parses back to the same value: true, 5, 2.0, "fast".
std::string to_toml_literal(const ConfigValue& value);

// A TOML basic string with quotes and escapes: "a \"b\"".
std::string toml_quote(const std::string& text);

} // namespace tandem
