#pragma once
// A tensor's dimensions, batch first: NCHW for images, [batch, sequence, hidden] for transformers.
#include <cstdint>
#include <string>
#include <vector>

namespace tandem {

struct TensorShape {
  std::vector<std::int64_t> dims;

  std::int64_t elements() const;
  std::size_t rank() const { return dims.size(); }
  std::int64_t operator[](std::size_t i) const { return dims.at(i); }
  bool operator==(const TensorShape&) const = default;
};

// "1x64x56x56"
std::string to_string(const TensorShape& shape);

} // namespace tandem
