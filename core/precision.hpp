#pragma once
// The precision a tensor travels at. fp32 and fp16 are IEEE floats; int8 and qK are uniform affine
// quantization (scale + zero point per tensor), bit-packed with K bits per element.
#include <cstdint>
#include <string>
#include <string_view>

#include "core/units.hpp"

namespace tandem {

class Precision {
public:
  enum class Format : std::uint8_t { fp32, fp16, uniform };

  static constexpr Precision fp32() { return Precision(Format::fp32, 32); }
  static constexpr Precision fp16() { return Precision(Format::fp16, 16); }
  static constexpr Precision int8() { return Precision(Format::uniform, 8); }
  // K-bit uniform affine quantization, 1 <= bits <= 16; throws std::invalid_argument otherwise.
  static Precision uniform(int bits);
  // "fp32", "fp16", "int8", or "q1".."q16"; throws std::invalid_argument on anything else.
  static Precision parse(std::string_view text);

  Format format() const { return format_; }
  int bits() const { return bits_; }
  bool operator==(const Precision&) const = default;

private:
  constexpr Precision(Format format, int bits) : format_(format), bits_(bits) {}
  Format format_;
  int bits_;
};

// "fp32", "fp16", "int8" (= q8), "q4", ...
std::string to_string(Precision p);

// Bytes of the per-tensor header a quantized tensor carries: fp32 scale + fp32 zero point.
inline constexpr Bytes kQuantizationHeaderBytes = 8;

// THE size of a tensor of `elements` values at precision `p` (before any lossless compression).
// Every transfer size in Tandem comes from this function.
Bytes tensor_bytes(std::int64_t elements, Precision p);

} // namespace tandem
