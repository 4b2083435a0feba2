#pragma once
// Strong ids: an enum class cannot be mixed up with a plain integer or with another id.
#include <cstddef>
#include <cstdint>

namespace tandem {

enum class LayerId : std::uint32_t {};

constexpr std::size_t index_of(LayerId id) {
  return static_cast<std::size_t>(id);
}
constexpr LayerId layer_id(std::size_t index) {
  return static_cast<LayerId>(index);
}

} // namespace tandem
