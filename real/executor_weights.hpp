#pragma once
// Seeded parameters of the real backend. Both processes of a split build their weights from
// (weight_seed, layer name, parameter name) alone, with integer arithmetic that gives the same
// values on every platform, so a layer computes the same function wherever it runs.
#include <cstdint>
#include <string_view>
#include <vector>

#include "core/layer.hpp"

namespace tandem::real {

// splitmix64 (Steele, Lea, Flood 2014): a 64-bit state, one add and a mix per number.
class SplitMix64 {
public:
  explicit SplitMix64(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next();
  // Uniform in [0, 1) with 24 random bits: exactly representable as a float.
  double uniform01() { return static_cast<double>(next() >> 40) * 0x1p-24; }

private:
  std::uint64_t state_;
};

// The seed of one parameter tensor: FNV-1a of "layer\0parameter" mixed with the weight seed.
std::uint64_t parameter_seed(std::uint64_t weight_seed, std::string_view layer,
                             std::string_view parameter);

// `count` values uniform in [lo, hi) from `seed`.
std::vector<float> uniform_values(std::uint64_t seed, std::size_t count, float lo, float hi);

// A layer's parameters, laid out as PyTorch stores them (conv OIHW / GOIHW, linear [out, in]).
// Weights are Kaiming-uniform for the activation that follows (variance gain^2 / fan_in, gain^2 = 2
// after ReLU-like activations, 1 otherwise), so a signal neither dies nor blows up through a deep
// random network and the output depends on the input as much as a trained network's does. Biases
// follow PyTorch's default, uniform in +-1/sqrt(fan_in).
std::vector<float> seeded_weights(std::uint64_t weight_seed, std::string_view layer,
                                  std::size_t count, std::int64_t fan_in, Activation activation);
std::vector<float> seeded_bias(std::uint64_t weight_seed, std::string_view layer, std::size_t count,
                               std::int64_t fan_in);

// Inference batchnorm statistics and affine parameters of `channels` channels.
struct BatchNormParams {
  std::vector<float> gamma, beta, mean, variance;
};
BatchNormParams seeded_batchnorm(std::uint64_t weight_seed, std::string_view layer, int channels);

// Epsilon of every batchnorm and layernorm (PyTorch's default).
inline constexpr float kNormEpsilon = 1e-5f;

} // namespace tandem::real
