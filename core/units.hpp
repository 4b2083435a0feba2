#pragma once
// SI units inside Tandem: seconds, bytes, bytes per second, FLOPs. Every conversion to or from the
// units users type (ms, Mbit/s, GFLOP/s) lives here and nowhere else.
#include <cstdint>

namespace tandem {

using Seconds = double;
using Bytes = std::uint64_t;
using BytesPerSecond = double;
using Flops = double; // floating-point operations; 1 multiply-accumulate = 2 FLOPs
using FlopsPerSecond = double;

constexpr Seconds ms_to_s(double ms) {
  return ms * 1e-3;
}
constexpr double s_to_ms(Seconds s) {
  return s * 1e3;
}
// Network rates are decimal megabits: 1 Mbit/s = 1e6 bit/s = 125000 B/s.
constexpr BytesPerSecond mbps_to_bytes_per_s(double mbps) {
  return mbps * 1e6 / 8.0;
}
constexpr double bytes_per_s_to_mbps(BytesPerSecond bps) {
  return bps * 8.0 / 1e6;
}
constexpr FlopsPerSecond gflops_to_flops_per_s(double gflops) {
  return gflops * 1e9;
}
constexpr BytesPerSecond gbytes_per_s_to_bytes_per_s(double gbps) {
  return gbps * 1e9;
}

} // namespace tandem
