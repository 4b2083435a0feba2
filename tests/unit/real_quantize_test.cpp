// The wire form of tensors (real/quantize.hpp): sizes are exactly tensor_bytes, fp32 is exact,
// k-bit uniform quantization is within half a step of every value, the packing is LSB-first.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "core/error.hpp"
#include "real/executor_weights.hpp"
#include "real/quantize.hpp"

using namespace tandem;
using real::Tensor;

namespace {

Tensor random_tensor(std::int64_t n, std::uint64_t seed, float lo = -3.0f, float hi = 5.0f) {
  return {{{n}}, real::uniform_values(seed, static_cast<std::size_t>(n), lo, hi)};
}

real::UniformParams header_of(const std::vector<std::uint8_t>& bytes) {
  real::UniformParams p;
  std::memcpy(&p.scale, bytes.data(), 4);
  std::memcpy(&p.zero_point, bytes.data() + 4, 4);
  return p;
}

} // namespace

TEST_CASE("encoded sizes equal tensor_bytes at every precision") {
  std::vector<Precision> precisions{Precision::fp32(), Precision::fp16()};
  for (int bits = 1; bits <= 16; ++bits)
    precisions.push_back(Precision::uniform(bits));
  for (const std::int64_t n : {0, 1, 3, 7, 8, 1001}) {
    const auto t = random_tensor(n, 7);
    for (const auto p : precisions) {
      CAPTURE(n);
      CAPTURE(to_string(p));
      const auto bytes = real::encode(t, p);
      CHECK(bytes.size() == tensor_bytes(n, p));
      const auto back = real::decode(bytes, p, t.shape);
      CHECK(back.shape == t.shape);
      CHECK(back.data.size() == t.data.size());
    }
  }
}

TEST_CASE("fp32 transfers are exact") {
  const auto t = random_tensor(4099, 11);
  const auto back = real::decode(real::encode(t, Precision::fp32()), Precision::fp32(), t.shape);
  CHECK(back.data == t.data);
}

TEST_CASE("k-bit round trips stay within half a quantization step, for every bit width") {
  const auto t = random_tensor(10007, 3);
  const auto [lo, hi] = std::minmax_element(t.data.begin(), t.data.end());
  for (int bits = 1; bits <= 16; ++bits) {
    CAPTURE(bits);
    const auto p = Precision::uniform(bits);
    const auto bytes = real::encode(t, p);
    const auto header = header_of(bytes);
    // The step spans [min, max] in 2^bits - 1 steps.
    CHECK(header.scale == doctest::Approx((*hi - *lo) / ((1 << bits) - 1)).epsilon(1e-6));
    const auto back = real::decode(bytes, p, t.shape);
    double worst = 0;
    for (std::size_t i = 0; i < t.data.size(); ++i)
      worst = std::max(worst, std::abs(static_cast<double>(back.data[i]) - t.data[i]));
    // Half a step, plus the float rounding of the reconstruction itself.
    CHECK(worst <= header.scale / 2.0 * (1 + 1e-4) + 1e-6 * std::max(-*lo, *hi));
  }
}

TEST_CASE("a constant tensor round trips exactly at every width") {
  const Tensor t{{{5}}, std::vector<float>(5, -1.25f)};
  for (int bits = 1; bits <= 16; ++bits) {
    const auto p = Precision::uniform(bits);
    CHECK(real::decode(real::encode(t, p), p, t.shape).data == t.data);
  }
}

TEST_CASE("fp16 is IEEE binary16 with round to nearest even, within 2^-11 relative") {
  const std::vector<float> values{1.0f, -2.0f, 65504.0f, 0.5f, 1.0f + 0x1p-11f};
  const auto halves = real::to_fp16(values);
  CHECK(halves[0] == 0x3C00);
  CHECK(halves[1] == 0xC000);
  CHECK(halves[2] == 0x7BFF);
  CHECK(halves[3] == 0x3800);
  CHECK(halves[4] == 0x3C00); // a tie rounds to the even neighbour, 1.0
  const auto t = random_tensor(5000, 5, -100.0f, 100.0f);
  const auto back = real::decode(real::encode(t, Precision::fp16()), Precision::fp16(), t.shape);
  for (std::size_t i = 0; i < t.data.size(); ++i)
    if (std::abs(t.data[i]) > 1e-3f)
      REQUIRE(std::abs(back.data[i] - t.data[i]) <= std::abs(t.data[i]) * 0x1p-11f);
}

TEST_CASE("codes are packed LSB-first and unpack to themselves") {
  CHECK(real::pack_bits(std::vector<std::uint16_t>{1, 2, 3}, 4) ==
        std::vector<std::uint8_t>{0x21, 0x03});
  // 3-bit codes 7, 0, 5: bits 111 000 10|1 -> 0b01000111, then the last bit of 5.
  CHECK(real::pack_bits(std::vector<std::uint16_t>{7, 0, 5}, 3) ==
        std::vector<std::uint8_t>{0x47, 0x01});
  CHECK(real::pack_bits(std::vector<std::uint16_t>{0x1234}, 16) ==
        std::vector<std::uint8_t>{0x34, 0x12});
  real::SplitMix64 rng(9);
  for (int bits = 1; bits <= 16; ++bits) {
    std::vector<std::uint16_t> codes(333);
    for (auto& c : codes)
      c = static_cast<std::uint16_t>(rng.next() & ((1u << bits) - 1));
    const auto packed = real::pack_bits(codes, bits);
    CHECK(packed.size() == (codes.size() * bits + 7) / 8);
    CHECK(real::unpack_bits(packed, bits, codes.size()) == codes);
  }
}

TEST_CASE("quantize and dequantize agree with encode and decode") {
  const auto t = random_tensor(100, 13);
  const auto params = real::uniform_params(t.data, 5);
  const auto codes = real::quantize(t.data, params, 5);
  CHECK(*std::max_element(codes.begin(), codes.end()) == 31);
  CHECK(*std::min_element(codes.begin(), codes.end()) == 0);
  const auto bytes = real::encode(t, Precision::uniform(5));
  CHECK(real::unpack_bits(std::span(bytes).subspan(kQuantizationHeaderBytes), 5, codes.size()) ==
        codes);
  CHECK(real::dequantize(codes, params) ==
        real::decode(bytes, Precision::uniform(5), t.shape).data);
}

TEST_CASE("bad tensors and wrong sizes are backend errors") {
  Tensor t = random_tensor(4, 1);
  t.data[2] = std::nanf("");
  CHECK_THROWS_AS(real::encode(t, Precision::int8()), BackendError);
  t.data[2] = INFINITY;
  CHECK_THROWS_AS(real::encode(t, Precision::uniform(4)), BackendError);
  const auto good = random_tensor(10, 2);
  auto bytes = real::encode(good, Precision::uniform(3));
  bytes.pop_back();
  CHECK_THROWS_AS(real::decode(bytes, Precision::uniform(3), good.shape), BackendError);
  CHECK_THROWS_AS(real::decode(bytes, Precision::fp32(), good.shape), BackendError);
}
