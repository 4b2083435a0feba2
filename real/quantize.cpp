#include "real/quantize.hpp"

#include <algorithm>
#include <bit>
#include <cstring>
#include <stdexcept>
#include <type_traits>
#include <utility>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

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

// Eight K-bit codes fill exactly K bytes, so codes pack eight at a time with K known at compile
// time (every shift unrolled); only the last group of a tensor can be partial.
template <int K> void pack_group(const std::uint16_t* codes, std::uint8_t* out) {
  std::uint64_t lo = 0, hi = 0; // bits 0..63 and 64..127 of the group
  for (int j = 0; j < 8; ++j) {
    const int pos = j * K;
    const std::uint64_t v = codes[j];
    if (pos < 64) {
      lo |= v << pos;
      if (pos + K > 64)
        hi |= v >> (64 - pos);
    } else {
      hi |= v << (pos - 64);
    }
  }
  std::memcpy(out, &lo, K < 8 ? K : 8); // little-endian: the low bits go first
  if constexpr (K > 8)
    std::memcpy(out + 8, &hi, K - 8);
}

template <int K> void unpack_group(const std::uint8_t* in, std::uint16_t* codes) {
  std::uint64_t lo = 0, hi = 0;
  std::memcpy(&lo, in, K < 8 ? K : 8);
  if constexpr (K > 8)
    std::memcpy(&hi, in + 8, K - 8);
  constexpr std::uint64_t mask = (1u << K) - 1u;
  for (int j = 0; j < 8; ++j) {
    const int pos = j * K;
    std::uint64_t v = 0;
    if (pos < 64) {
      v = lo >> pos;
      if (pos + K > 64)
        v |= hi << (64 - pos);
    } else {
      v = hi >> (pos - 64);
    }
    codes[j] = static_cast<std::uint16_t>(v & mask);
  }
}

// Calls f(std::integral_constant<int, bits>{}) for bits in 1..16.
template <int K = 1, typename F> void with_bits(int bits, F&& f) {
  if constexpr (K <= 16) {
    if (bits == K)
      f(std::integral_constant<int, K>{});
    else
      with_bits<K + 1>(bits, std::forward<F>(f));
  }
}

constexpr std::size_t kBlock = 4096; // codes a block (a multiple of 8): 8 KiB, stays in L1

// Packs n codes, which produce(first, count, codes) writes a block at a time, into `out`.
template <int K, typename Produce>
void pack_blocks(std::size_t n, Produce produce, std::uint8_t* out) {
  std::uint16_t codes[kBlock];
  for (std::size_t first = 0; first < n; first += kBlock) {
    const auto m = std::min(kBlock, n - first);
    produce(first, m, codes);
    const auto full = m / 8 * 8;
    auto* o = out + first / 8 * K;
    for (std::size_t g = 0; g < full; g += 8, o += K)
      pack_group<K>(codes + g, o);
    if (full < m) { // the last, partial group: zero codes fill the padding bits
      std::fill(codes + m, codes + full + 8, std::uint16_t{0});
      std::uint8_t tail[16];
      pack_group<K>(codes + full, tail);
      std::memcpy(o, tail, ((m - full) * K + 7) / 8);
    }
  }
}

// Unpacks n codes from `in`, handing them to consume(first, count, codes) a block at a time.
template <int K, typename Consume>
void unpack_blocks(const std::uint8_t* in, std::size_t n, Consume consume) {
  std::uint16_t codes[kBlock];
  for (std::size_t first = 0; first < n; first += kBlock) {
    const auto m = std::min(kBlock, n - first);
    const auto full = m / 8 * 8;
    const auto* p = in + first / 8 * K;
    for (std::size_t g = 0; g < full; g += 8, p += K)
      unpack_group<K>(p, codes + g);
    if (full < m) {
      std::uint8_t tail[16] = {};
      std::memcpy(tail, p, ((m - full) * K + 7) / 8);
      unpack_group<K>(tail, codes + full);
    }
    consume(first, m, codes);
  }
}

// Min, max and whether every value is finite, in one pass the compiler can vectorize: independent
// lanes, and NaN/inf detected through x - x (0 for every finite x).
struct Range {
  float lo = 0, hi = 0;
  bool finite = true;
};

Range range_of(std::span<const float> x) {
  constexpr std::size_t kLanes = 16;
  Range r{x[0], x[0], true};
  float lo[kLanes], hi[kLanes], nan[kLanes];
  std::fill(lo, lo + kLanes, x[0]);
  std::fill(hi, hi + kLanes, x[0]);
  std::fill(nan, nan + kLanes, 0.0f);
  std::size_t i = 0;
  for (; i + kLanes <= x.size(); i += kLanes)
    for (std::size_t j = 0; j < kLanes; ++j) {
      const float v = x[i + j];
      lo[j] = v < lo[j] ? v : lo[j];
      hi[j] = v > hi[j] ? v : hi[j];
      nan[j] += v - v;
    }
  for (; i < x.size(); ++i) {
    const float v = x[i];
    lo[0] = v < lo[0] ? v : lo[0];
    hi[0] = v > hi[0] ? v : hi[0];
    nan[0] += v - v;
  }
  for (std::size_t j = 0; j < kLanes; ++j) {
    r.lo = std::min(r.lo, lo[j]);
    r.hi = std::max(r.hi, hi[j]);
    r.finite = r.finite && nan[j] == 0.0f;
  }
  return r;
}

std::size_t packed_bytes(std::size_t n, int bits) {
  return (n * static_cast<std::size_t>(bits) + 7) / 8;
}

const dnnl::engine& cpu_engine() {
  static const dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  return engine;
}

// One oneDNN reorder between f32 and f16 vectors of n values.
void onednn_convert(const void* src, dnnl::memory::data_type src_type, void* dst,
                    dnnl::memory::data_type dst_type, std::size_t n) {
  const dnnl::memory::dims dims{static_cast<dnnl::memory::dim>(n)};
  const auto& engine = cpu_engine();
  dnnl::memory from({dims, src_type, dnnl::memory::format_tag::a}, engine,
                    const_cast<void*>(src)); // a reorder never writes its source
  dnnl::memory to({dims, dst_type, dnnl::memory::format_tag::a}, engine, dst);
  dnnl::stream stream(engine);
  dnnl::reorder(from, to).execute(stream, from, to);
  stream.wait();
}

#if defined(__x86_64__)
// oneDNN 2.6 converts f32 <-> f16 with its generic `simple:any` reorder, measured at 60-170 ns a
// value here (9-26 ms for a 150k-value tensor), which would make fp16 look 50x dearer to encode
// than int8. F16C converts eight values an instruction with the same IEEE round-to-nearest-even.
// Every AVX2 CPU (Haswell, Zen and later) has F16C; older ones fall back to oneDNN.
bool has_f16c() {
  static const bool yes = __builtin_cpu_supports("avx2");
  return yes;
}

__attribute__((target("avx,f16c"))) void f16c_to_half(const float* src, std::uint8_t* dst,
                                                      std::size_t n) {
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8)
    _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + 2 * i),
                     _mm256_cvtps_ph(_mm256_loadu_ps(src + i), _MM_FROUND_TO_NEAREST_INT));
  if (i < n) {
    float in[8] = {};
    std::uint16_t out[8];
    std::memcpy(in, src + i, 4 * (n - i));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out),
                     _mm256_cvtps_ph(_mm256_loadu_ps(in), _MM_FROUND_TO_NEAREST_INT));
    std::memcpy(dst + 2 * i, out, 2 * (n - i));
  }
}

__attribute__((target("avx,f16c"))) void f16c_to_float(const std::uint8_t* src, float* dst,
                                                       std::size_t n) {
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8)
    _mm256_storeu_ps(
        dst + i, _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(src + 2 * i))));
  if (i < n) {
    std::uint16_t in[8] = {};
    float out[8];
    std::memcpy(in, src + 2 * i, 2 * (n - i));
    _mm256_storeu_ps(out, _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(in))));
    std::memcpy(dst + i, out, 4 * (n - i));
  }
}
#endif

void to_half(const float* src, void* dst, std::size_t n) {
  if (n == 0)
    return;
#if defined(__x86_64__)
  if (has_f16c())
    return f16c_to_half(src, static_cast<std::uint8_t*>(dst), n);
#endif
  onednn_convert(src, dnnl::memory::data_type::f32, dst, dnnl::memory::data_type::f16, n);
}

void to_float(const void* src, float* dst, std::size_t n) {
  if (n == 0)
    return;
#if defined(__x86_64__)
  if (has_f16c())
    return f16c_to_float(static_cast<const std::uint8_t*>(src), dst, n);
#endif
  onednn_convert(src, dnnl::memory::data_type::f16, dst, dnnl::memory::data_type::f32, n);
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
  const auto r = range_of(values);
  if (!r.finite)
    throw BackendError("cannot quantize a tensor holding NaN or infinite values");
  const double range = static_cast<double>(r.hi) - static_cast<double>(r.lo);
  auto scale = static_cast<float>(range / max_code(bits));
  if (!(scale > 0.0f)) // a constant tensor (or a range below the smallest float step)
    scale = 1.0f;
  return {scale, static_cast<float>(-static_cast<double>(r.lo) / static_cast<double>(scale))};
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
  with_bits(bits, [&](auto k) {
    pack_blocks<k()>(
        codes.size(),
        [&](std::size_t first, std::size_t count, std::uint16_t* block) {
          std::copy_n(codes.begin() + static_cast<std::ptrdiff_t>(first), count, block);
        },
        out.data());
  });
  return out;
}

std::vector<std::uint16_t> unpack_bits(std::span<const std::uint8_t> bytes, int bits,
                                       std::size_t count) {
  check_bits(bits);
  if (bytes.size() < packed_bytes(count, bits))
    throw BackendError(fmt::format("{} codes of {} bits need {} bytes, got {}", count, bits,
                                   packed_bytes(count, bits), bytes.size()));
  std::vector<std::uint16_t> codes(count);
  with_bits(bits, [&](auto k) {
    unpack_blocks<k()>(bytes.data(), count,
                       [&](std::size_t first, std::size_t n, const std::uint16_t* block) {
                         std::copy_n(block, n, codes.begin() + static_cast<std::ptrdiff_t>(first));
                       });
  });
  return codes;
}

std::vector<std::uint16_t> to_fp16(std::span<const float> values) {
  std::vector<std::uint16_t> halves(values.size());
  to_half(values.data(), halves.data(), values.size());
  return halves;
}

std::vector<float> from_fp16(std::span<const std::uint16_t> halves) {
  std::vector<float> values(halves.size());
  to_float(halves.data(), values.data(), halves.size());
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
    to_half(x.data(), out.data(), n);
    break;
  case Precision::Format::uniform: {
    const int bits = precision.bits();
    const auto params = uniform_params(x, bits);
    std::memcpy(out.data(), &params.scale, 4);
    std::memcpy(out.data() + 4, &params.zero_point, 4);
    const auto code = coder(params, bits);
    with_bits(bits, [&](auto k) {
      pack_blocks<k()>(
          n,
          [&](std::size_t first, std::size_t count, std::uint16_t* block) {
            for (std::size_t i = 0; i < count; ++i)
              block[i] = code(x[first + i]);
          },
          out.data() + kQuantizationHeaderBytes);
    });
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
    to_float(bytes.data(), t.data.data(), t.data.size());
    break;
  case Precision::Format::uniform: {
    UniformParams p;
    std::memcpy(&p.scale, bytes.data(), 4);
    std::memcpy(&p.zero_point, bytes.data() + 4, 4);
    float* dst = t.data.data();
    with_bits(precision.bits(), [&](auto k) {
      unpack_blocks<k()>(bytes.data() + kQuantizationHeaderBytes, t.data.size(),
                         [&](std::size_t first, std::size_t count, const std::uint16_t* block) {
                           for (std::size_t i = 0; i < count; ++i)
                             dst[first + i] =
                                 (static_cast<float>(block[i]) - p.zero_point) * p.scale;
                         });
    });
    break;
  }
  }
  return t;
}

} // namespace tandem::real
