#pragma once
#include <optional>
#include <string_view>

namespace tandem {

// Where a task runs. The model input lives on the device and the outputs must end there.
enum class Side { device, server };

constexpr std::string_view to_string(Side side) {
  return side == Side::device ? "device" : "server";
}
constexpr std::optional<Side> side_from_string(std::string_view s) {
  if (s == "device")
    return Side::device;
  if (s == "server")
    return Side::server;
  return std::nullopt;
}

} // namespace tandem
