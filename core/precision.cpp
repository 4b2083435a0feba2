#include "core/precision.hpp"

#include <charconv>
#include <stdexcept>

#include <fmt/format.h>

namespace tandem {

Precision Precision::uniform(int bits) {
  if (bits < 1 || bits > 16)
    throw std::invalid_argument(fmt::format("quantization bits must be 1..16, got {}", bits));
  return Precision(Format::uniform, bits);
}

Precision Precision::parse(std::string_view text) {
  if (text == "fp32")
    return fp32();
  if (text == "fp16")
    return fp16();
  if (text == "int8")
    return int8();
  if (text.size() >= 2 && text[0] == 'q') {
    int bits = 0;
    auto [end, ec] = std::from_chars(text.data() + 1, text.data() + text.size(), bits);
    if (ec == std::errc() && end == text.data() + text.size() && bits >= 1 && bits <= 16)
      return uniform(bits);
  }
  throw std::invalid_argument(
      fmt::format("unknown precision '{}' (expected fp32, fp16, int8 or q1..q16)", text));
}

std::string to_string(Precision p) {
  switch (p.format()) {
  case Precision::Format::fp32:
    return "fp32";
  case Precision::Format::fp16:
    return "fp16";
  case Precision::Format::uniform:
    return p.bits() == 8 ? "int8" : fmt::format("q{}", p.bits());
  }
  return "?";
}

Bytes tensor_bytes(std::int64_t elements, Precision p) {
  if (elements <= 0)
    return 0;
  const auto n = static_cast<Bytes>(elements);
  switch (p.format()) {
  case Precision::Format::fp32:
    return 4 * n;
  case Precision::Format::fp16:
    return 2 * n;
  case Precision::Format::uniform:
    // Bit-packed: ceil(n * bits / 8) bytes of payload plus the scale/zero-point header.
    return (n * static_cast<Bytes>(p.bits()) + 7) / 8 + kQuantizationHeaderBytes;
  }
  return 0;
}

} // namespace tandem
