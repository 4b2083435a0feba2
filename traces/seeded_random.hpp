#pragma once
// Random numbers that are the same on every platform for a given seed. std::mt19937_64's output
// is fixed by the standard, but std::uniform_real_distribution and std::normal_distribution are
// implementation-defined, so the transforms from raw 64-bit words are our own.
#include <cstdint>
#include <optional>
#include <random>

namespace tandem {

class SeededRandom {
public:
  explicit SeededRandom(std::uint64_t seed) : engine_(seed) {}

  std::uint64_t next_u64() { return engine_(); }
  // Uniform in [0, 1): the top 53 bits of one word, so every value is exact.
  double uniform() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }
  // Standard normal by Marsaglia's polar method, which needs only arithmetic, sqrt (correctly
  // rounded everywhere) and one log per pair. Values come in pairs; the second is kept for the
  // next call.
  double normal();

private:
  std::mt19937_64 engine_;
  std::optional<double> spare_;
};

} // namespace tandem
