#include "core/tensor_shape.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace tandem {

std::int64_t TensorShape::elements() const {
  std::int64_t n = 1;
  for (auto d : dims)
    n *= d;
  return dims.empty() ? 0 : n;
}

std::string to_string(const TensorShape& shape) {
  return fmt::format("{}", fmt::join(shape.dims, "x"));
}

} // namespace tandem
