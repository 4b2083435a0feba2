#include "real/quantize.hpp"

#include <algorithm>
#include <bit>
#include <cstring>
#include <stdexcept>

#include <fmt/format.h>
#include <oneapi/dnnl/dnnl.hpp>

#include "core/error.hpp"

namespace tandem::real {
namespace {

// The wire format is little-endian; so is every machine Tandem runs on (x86-64, arm64 Linux).
static_assert(std::endian::native == std::endian::little, "the wire format assumes little-endian");

void check_bits(int bits) {
  if (bits < 1 || bits > 16)
    throw std::invalid_argument(fmt::format("quantization bits must be 1..16, got {}", bits));
}

std::uint32_t max_code(int bits) {
  return (1u << bits) - 1u;
}

// The code of one value, computed in double so that 16-bit codes round exactly.
struct Coder {
  double inv_scale, zero_point, top;
  std::uint16_t operator()(float x) const {
    const double t = std::clamp(static_cast<double>(x) * inv_scale + zero_point, 0.0, top);
    return static_cast<std::uint16_t>(t + 0.5);
  }
};

Coder coder(UniformParams p, int bits) {
  return {1.0 / static_cast<double>(p.scale), static_cast<double>(p.zero_point),
          static_cast<double>(max_code(bits))};
}

// Packs code(0) .. code(n-1), `bits` each, LSB-first into `out` (ceil(n*bits/8) bytes).
template <typename CodeAt>
void pack_into(std::size_t n, int bits, CodeAt code_at, std::uint8_t* out) {
  if (bits == 8) {
    for (std::size_t i = 0; i < n; ++i)
      out[i] = static_cast<std::uint8_t>(code_at(i));
    return;
  }
  if (bits == 16) {
    for (std::size_t i = 0; i < n; ++i) {
      const auto c = code_at(i);
      out[2 * i] = static_cast<std::uint8_t>(c & 0xff);
      out[2 * i + 1] = static_cast<std::uint8_t>(c >> 8);
    }
    return;
  }
  std::uint64_t acc = 0;
  int held = 0;
  for (std::size_t i = 0; i < n; ++i) {
    acc |= static_cast<std::uint64_t>(code_at(i)) << held;
    held += bits;
    while (held >= 8) {
      *out++ = static_cast<std::uint8_t>(acc & 0xff);
      acc >>= 8;
      held -= 8;
    }
  }
  if (held > 0)
    *out = static_cast<std::uint8_t>(acc & 0xff);
}

// Calls sink(i, code) for the `count` codes packed in `in`.
template <typename Sink>
void unpack_from(const std::uint8_t* in, int bits, std::size_t count, Sink sink) {
  if (bits == 8) {
    for (std::size_t i = 0; i < count; ++i)
      sink(i, in[i]);
    return;
  }
  if (bits == 16) {
    for (std::size_t i = 0; i < count; ++i)
      sink(i, static_cast<std::uint16_t>(in[2 * i] | (in[2 * i + 1] << 8)));
    return;
  }
  const std::uint64_t mask = max_code(bits);
  std::uint64_t acc = 0;
  int held = 0;
  for (std::size_t i = 0; i < count; ++i) {
    while (held < bits) {
      acc |= static_cast<std::uint64_t>(*in++) << held;
      held += 8;
    }
    sink(i, static_cast<std::uint16_t>(acc & mask));
    acc >>= bits;
    held -= bits;
  }
}

std::size_t packed_bytes(std::size_t n, int bits) {
  return (n * static_cast<std::size_t>(bits) + 7) / 8;
}

const dnnl::engine& cpu_engine() {
  static const dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  return engine;
}

// One oneDNN reorder between f32 and f16 vectors of n values.
void convert(const void* src, dnnl::memory::data_type src_type, void* dst,
             dnnl::memory::data_type dst_type, std::size_t n) {
  if (n == 0)
    return;
  const dnnl::memory::dims dims{static_cast<dnnl::memory::dim>(n)};
  const auto& engine = cpu_engine();
  dnnl::memory from({dims, src_type, dnnl::memory::format_tag::a}, engine,
                    const_cast<void*>(src)); // a reorder never writes its source
  dnnl::memory to({dims, dst_type, dnnl::memory::format_tag::a}, engine, dst);
  dnnl::stream stream(engine);
  dnnl::reorder(from, to).execute(stream, from, to);
  stream.wait();
}

void check_size(std::size_t got, std::int64_t elements, Precision p) {
  const auto want = tensor_bytes(elements, p);
  if (got != want)
    throw BackendError(fmt::format("a {} tensor of {} values takes {} bytes, got {}", to_string(p),
                                   elements, want, got));
}

} // namespace

UniformParams uniform_params(std::span<const float> values, int bits) {
  check_bits(bits);
  if (values.empty())
    return {};
  float lo = values[0], hi = values[0];
  bool finite = true;
  for (const float v : values) {
    lo = std::min(lo, v);
    hi = std::max(hi, v);
    finite &= (v - v == 0.0f); // false for NaN and infinities
  }
  if (!finite)
    throw BackendError("cannot quantize a tensor holding NaN or infinite values");
  const double range = static_cast<double>(hi) - static_cast<double>(lo);
  auto scale = static_cast<float>(range / max_code(bits));
  if (!(scale > 0.0f)) // a constant tensor (or a range below the smallest float step)
    scale = 1.0f;
  return {scale, static_cast<float>(-static_cast<double>(lo) / static_cast<double>(scale))};
}

std::vector<std::uint16_t> quantize(std::span<const float> values, UniformParams params, int bits) {
  check_bits(bits);
  const auto code = coder(params, bits);
  std::vector<std::uint16_t> codes(values.size());
  std::transform(values.begin(), values.end(), codes.begin(), code);
  return codes;
}

std::vector<float> dequantize(std::span<const std::uint16_t> codes, UniformParams params) {
  std::vector<float> values(codes.size());
  std::transform(codes.begin(), codes.end(), values.begin(), [params](std::uint16_t c) {
    return (static_cast<float>(c) - params.zero_point) * params.scale;
  });
  return values;
}

std::vector<std::uint8_t> pack_bits(std::span<const std::uint16_t> codes, int bits) {
  check_bits(bits);
  std::vector<std::uint8_t> out(packed_bytes(codes.size(), bits));
  pack_into(
      codes.size(), bits, [&codes](std::size_t i) { return codes[i]; }, out.data());
  return out;
}

std::vector<std::uint16_t> unpack_bits(std::span<const std::uint8_t> bytes, int bits,
                                       std::size_t count) {
  check_bits(bits);
  if (bytes.size() < packed_bytes(count, bits))
    throw BackendError(fmt::format("{} codes of {} bits need {} bytes, got {}", count, bits,
                                   packed_bytes(count, bits), bytes.size()));
  std::vector<std::uint16_t> codes(count);
  unpack_from(bytes.data(), bits, count,
              [&codes](std::size_t i, std::uint16_t c) { codes[i] = c; });
  return codes;
}

std::vector<std::uint16_t> to_fp16(std::span<const float> values) {
  std::vector<std::uint16_t> halves(values.size());
  convert(values.data(), dnnl::memory::data_type::f32, halves.data(), dnnl::memory::data_type::f16,
          values.size());
  return halves;
}

std::vector<float> from_fp16(std::span<const std::uint16_t> halves) {
  std::vector<float> values(halves.size());
  convert(halves.data(), dnnl::memory::data_type::f16, values.data(), dnnl::memory::data_type::f32,
          halves.size());
  return values;
}

std::vector<std::uint8_t> encode(const Tensor& tensor, Precision precision) {
  const auto& x = tensor.data;
  const auto n = x.size();
  std::vector<std::uint8_t> out(tensor_bytes(static_cast<std::int64_t>(n), precision));
  if (n == 0)
    return out;
  switch (precision.format()) {
  case Precision::Format::fp32:
    std::memcpy(out.data(), x.data(), 4 * n);
    break;
  case Precision::Format::fp16:
    convert(x.data(), dnnl::memory::data_type::f32, out.data(), dnnl::memory::data_type::f16, n);
    break;
  case Precision::Format::uniform: {
    const int bits = precision.bits();
    const auto params = uniform_params(x, bits);
    std::memcpy(out.data(), &params.scale, 4);
    std::memcpy(out.data() + 4, &params.zero_point, 4);
    const auto code = coder(params, bits);
    pack_into(
        n, bits, [&](std::size_t i) { return code(x[i]); }, out.data() + kQuantizationHeaderBytes);
    break;
  }
  }
  return out;
}

Tensor decode(std::span<const std::uint8_t> bytes, Precision precision, const TensorShape& shape) {
  const auto n = shape.elements();
  check_size(bytes.size(), n, precision);
  Tensor t{shape, std::vector<float>(static_cast<std::size_t>(std::max<std::int64_t>(n, 0)))};
  if (t.data.empty())
    return t;
  switch (precision.format()) {
  case Precision::Format::fp32:
    std::memcpy(t.data.data(), bytes.data(), bytes.size());
    break;
  case Precision::Format::fp16:
    convert(bytes.data(), dnnl::memory::data_type::f16, t.data.data(), dnnl::memory::data_type::f32,
            t.data.size());
    break;
  case Precision::Format::uniform: {
    UniformParams p;
    std::memcpy(&p.scale, bytes.data(), 4);
    std::memcpy(&p.zero_point, bytes.data() + 4, 4);
    unpack_from(bytes.data() + kQuantizationHeaderBytes, precision.bits(), t.data.size(),
                [&t, p](std::size_t i, std::uint16_t c) {
                  t.data[i] = (static_cast<float>(c) - p.zero_point) * p.scale;
                });
    break;
  }
  }
  return t;
}

} // namespace tandem::real
