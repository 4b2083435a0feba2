#pragma once
// A tensor's bytes on the wire at a transfer precision, and back. The encoded size is exactly
// tensor_bytes(elements, precision) (core/precision.hpp), so what the scheduler plans is what the
// link carries. Layout, little-endian:
//   fp32     4 bytes a value, IEEE binary32
//   fp16     2 bytes a value, IEEE binary16 (converted by oneDNN's reorder, round to nearest even)
//   int8/qK  fp32 scale, fp32 zero point, then the K-bit codes packed LSB-first: code i occupies
//            bits [i*K, (i+1)*K) of the payload, the last byte padded with zero bits
#include <cstdint>
#include <span>
#include <vector>

#include "core/precision.hpp"
#include "real/executor.hpp"

namespace tandem::real {

// Per-tensor uniform affine quantization: value = scale * (code - zero_point), codes in
// 0 .. 2^bits - 1. Scale and zero point come from the tensor's min and max, so the codes span
// [min, max] exactly; the zero point is real-valued (not rounded to a code), which keeps every
// value within scale/2 of its reconstruction, the extremes included.
struct UniformParams {
  float scale = 1;
  float zero_point = 0;
};

// Throws BackendError for non-finite values (NaN, inf) and std::invalid_argument for bits
// outside 1..16. An empty or constant tensor gets scale 1.
UniformParams uniform_params(std::span<const float> values, int bits);
std::vector<std::uint16_t> quantize(std::span<const float> values, UniformParams params, int bits);
std::vector<float> dequantize(std::span<const std::uint16_t> codes, UniformParams params);

// ceil(codes * bits / 8) bytes; codes must fit in `bits` bits.
std::vector<std::uint8_t> pack_bits(std::span<const std::uint16_t> codes, int bits);
std::vector<std::uint16_t> unpack_bits(std::span<const std::uint8_t> bytes, int bits,
                                       std::size_t count);

// IEEE binary16 bit patterns.
std::vector<std::uint16_t> to_fp16(std::span<const float> values);
std::vector<float> from_fp16(std::span<const std::uint16_t> halves);

// The wire form of a tensor: exactly tensor_bytes(tensor.data.size(), precision) bytes.
std::vector<std::uint8_t> encode(const Tensor& tensor, Precision precision);
// Throws BackendError when the size is not tensor_bytes(shape.elements(), precision).
Tensor decode(std::span<const std::uint8_t> bytes, Precision precision, const TensorShape& shape);

} // namespace tandem::real
