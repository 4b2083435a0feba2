#include "core/config/config_value.hpp"

#include <cmath>

#include <fmt/format.h>

namespace tandem {

namespace {

std::string format_double(double v) {
  if (std::isnan(v))
    return "nan";
  if (std::isinf(v))
    return v > 0 ? "inf" : "-inf";
  // fmt's default is the shortest text that reads back to the same double, so round trips are
  // exact.
  return fmt::format("{}", v);
}

} // namespace

std::string format_config_value(const ConfigValue& value) {
  return std::visit(
      [](const auto& v) -> std::string {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, bool>)
          return v ? "true" : "false";
        else if constexpr (std::is_same_v<T, std::int64_t>)
          return fmt::format("{}", v);
        else if constexpr (std::is_same_v<T, double>)
          return format_double(v);
        else
          return v;
      },
      value);
}

std::string toml_quote(const std::string& text) {
  std::string out = "\"";
  for (const char c : text) {
    switch (c) {
    case '"':
      out += "\\\"";
      break;
    case '\\':
      out += "\\\\";
      break;
    case '\n':
      out += "\\n";
      break;
    case '\t':
      out += "\\t";
      break;
    case '\r':
      out += "\\r";
      break;
    default:
      // TOML forbids raw control characters in basic strings.
      if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
        out += fmt::format("\\u{:04X}", static_cast<unsigned>(static_cast<unsigned char>(c)));
      else
        out += c;
    }
  }
  return out + "\"";
}

std::string to_toml_literal(const ConfigValue& value) {
  if (const auto* s = std::get_if<std::string>(&value))
    return toml_quote(*s);
  if (const auto* d = std::get_if<double>(&value)) {
    auto text = format_double(*d);
    // "10" would read back as an integer; keep floats floats in the file.
    if (text.find_first_of(".eEn") == std::string::npos)
      text += ".0";
    return text;
  }
  return format_config_value(value);
}

} // namespace tandem
