#include "core/runtime/workload.hpp"

#include <cmath>

namespace tandem {
namespace {

// splitmix64: a portable generator, so Poisson arrivals are the same on every platform and library.
std::uint64_t splitmix64(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

double uniform_open01(std::uint64_t& state) { // in (0, 1]
  return (static_cast<double>(splitmix64(state) >> 11) + 1.0) * 0x1.0p-53;
}

} // namespace

ArrivalProcess::ArrivalProcess(const WorkloadConfig& spec, std::uint64_t seed, int device)
    : spec_(spec), state_(seed * 0x100000001b3ULL + static_cast<std::uint64_t>(device) + 1) {
  if (spec_.kind == WorkloadKind::single)
    spec_.count = 1;
}

std::optional<Seconds> ArrivalProcess::admit(Seconds t) {
  if (issued_ >= spec_.count || (spec_.duration_s > 0 && t >= spec_.duration_s))
    return std::nullopt;
  ++issued_;
  return t;
}

std::optional<Seconds> ArrivalProcess::first() {
  return admit(0.0);
}

std::optional<Seconds> ArrivalProcess::next(Seconds previous) {
  switch (spec_.kind) {
  case WorkloadKind::single:
    return std::nullopt;
  case WorkloadKind::periodic:
    // k / fps rather than previous + 1/fps, so rounding never accumulates over long streams.
    return admit(static_cast<double>(issued_) / spec_.fps);
  case WorkloadKind::poisson:
    return admit(previous - std::log(uniform_open01(state_)) / spec_.rate_per_s);
  case WorkloadKind::closed_loop:
    return admit(previous);
  }
  return std::nullopt;
}

} // namespace tandem
