#include "real/executor_weights.hpp"

#include <cmath>

namespace tandem::real {

std::uint64_t SplitMix64::next() {
  std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

std::uint64_t parameter_seed(std::uint64_t weight_seed, std::string_view layer,
                             std::string_view parameter) {
  constexpr std::uint64_t kFnvOffset = 0xcbf29ce484222325ull;
  constexpr std::uint64_t kFnvPrime = 0x100000001b3ull;
  std::uint64_t h = kFnvOffset;
  const auto hash = [&h](std::string_view text) {
    for (const char c : text) {
      h ^= static_cast<unsigned char>(c);
      h *= kFnvPrime;
    }
  };
  hash(layer);
  hash(std::string_view("\0", 1)); // "ab"+"c" and "a"+"bc" must differ
  hash(parameter);
  // One splitmix step over the combination spreads nearby weight seeds apart.
  return SplitMix64(weight_seed ^ h).next();
}

std::vector<float> uniform_values(std::uint64_t seed, std::size_t count, float lo, float hi) {
  SplitMix64 rng(seed);
  std::vector<float> values(count);
  const double span = static_cast<double>(hi) - static_cast<double>(lo);
  for (auto& v : values)
    v = static_cast<float>(static_cast<double>(lo) + span * rng.uniform01());
  return values;
}

namespace {
float init_bound(std::int64_t fan_in, double gain2 = 1.0) {
  return fan_in > 0 ? static_cast<float>(std::sqrt(gain2 / static_cast<double>(fan_in))) : 1.0f;
}
} // namespace

std::vector<float> seeded_weights(std::uint64_t weight_seed, std::string_view layer,
                                  std::size_t count, std::int64_t fan_in, Activation activation) {
  const bool rectifier = activation == Activation::relu || activation == Activation::relu6 ||
                         activation == Activation::leaky_relu;
  // Uniform in +-b has variance b^2 / 3.
  const float b = init_bound(fan_in, 3.0 * (rectifier ? 2.0 : 1.0));
  return uniform_values(parameter_seed(weight_seed, layer, "weight"), count, -b, b);
}

std::vector<float> seeded_bias(std::uint64_t weight_seed, std::string_view layer, std::size_t count,
                               std::int64_t fan_in) {
  const float b = init_bound(fan_in);
  return uniform_values(parameter_seed(weight_seed, layer, "bias"), count, -b, b);
}

BatchNormParams seeded_batchnorm(std::uint64_t weight_seed, std::string_view layer, int channels) {
  const auto n = static_cast<std::size_t>(channels);
  // Statistics of a trained network's scale: gamma and variance near 1, beta and mean near 0.
  return {uniform_values(parameter_seed(weight_seed, layer, "bn.gamma"), n, 0.8f, 1.2f),
          uniform_values(parameter_seed(weight_seed, layer, "bn.beta"), n, -0.1f, 0.1f),
          uniform_values(parameter_seed(weight_seed, layer, "bn.mean"), n, -0.1f, 0.1f),
          uniform_values(parameter_seed(weight_seed, layer, "bn.variance"), n, 0.8f, 1.2f)};
}

} // namespace tandem::real
