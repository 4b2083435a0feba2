#include "core/device_spec.hpp"

#include <algorithm>
#include <array>

#include <fmt/format.h>

namespace tandem {

double DeviceSpec::speedup(int threads) const {
  const int t = std::clamp(threads, 1, std::max(cores, 1));
  return 1.0 + (t - 1) * parallel_efficiency;
}

namespace {

// The fitted Raspberry Pi 4 figures; the rpi3 and jetson-nano specs are stated as multiples of
// them. Fitted by minimising the largest relative error over 22 published single-thread times
// (tests/unit/calibration_test.cpp), within physical bounds: the pointwise rate at most half the
// A72's 24 GFLOP/s NEON peak, the per-layer overhead at most 500 us (PyTorch's eager dispatch on an
// A72), elementwise at least 0.5 GFLOP/s, memory 0.5..8 GB/s; the overhead and elementwise rate end
// on their bounds. Dense gemm is taken to run at the conv rate (an im2col convolution is a gemm),
// so the fitted memory rate, 1.2 GB/s, is what batch-1 fully connected layers get streaming their
// fp32 weights: it makes vgg16 and alexnet slower per MAC at 224 px than at 448, as measured.
constexpr OpClassRates kRpi4Rates{4.3, 6.5, 0.36, 4.3, 2.0, 0.5};
constexpr double kRpi4OverheadUs = 500.0;
constexpr double kRpi4MemoryGbps = 1.2;

constexpr OpClassRates scaled(const OpClassRates& r, double factor) {
  return {r.conv_gflops * factor,           r.conv_pointwise_gflops * factor,
          r.conv_depthwise_gflops * factor, r.gemm_gflops * factor,
          r.matmul_gflops * factor,         r.elementwise_gflops * factor};
}

// Rates are per thread, GFLOP/s. Every figure is either measured, fitted to a measurement, or an
// ASSUMPTION stated as such; `tandem describe devices` prints the source line.
const std::array<DeviceSpec, 5> kSpecs{{
    {
        "rpi4",
        "Raspberry Pi 4 Model B, 4x Cortex-A72 @ 1.5 GHz, LPDDR4-3200",
        "conv (= gemm), conv_pointwise, conv_depthwise and elementwise rates, memory rate and "
        "per-layer overhead fitted (minimax relative error, within physical bounds) to 22 "
        "single-thread "
        "whole-model times of JaredFern/Framework-Tax rpi4_neon_cpu.csv (PyTorch; vgg16, "
        "resnet18, alexnet, mobilenet_v2, googlenet, inception_v3, densenet161 at 224 to 512 px; "
        "residuals -31%..+30%, tests/unit/calibration_test.cpp); resnet18 at 224 px (2.33 s) is "
        "left out as an outlier: the same file's larger sizes put a fixed 1.6 s under it that "
        "does not grow with the image; gemm = conv, the matmul rate and parallel efficiency 0.8 "
        "are ASSUMPTIONS",
        4,
        0.8,
        kRpi4Rates,
        kRpi4MemoryGbps,
        kRpi4OverheadUs,
    },
    {
        "rpi3",
        "Raspberry Pi 3 Model B+, 4x Cortex-A53 @ 1.4 GHz, LPDDR2-900",
        "ASSUMPTION: rpi4 rates x 0.4 (in-order A53 with half the A72's NEON throughput per clock, "
        "1.4/1.5 clock); memory half the Pi 4's fitted rate (LPDDR2-900 against LPDDR4-3200); "
        "per-layer overhead 1.5 x rpi4's",
        4,
        0.8,
        scaled(kRpi4Rates, 0.4),
        0.5 * kRpi4MemoryGbps,
        1.5 * kRpi4OverheadUs,
    },
    {
        "jetson-nano",
        "NVIDIA Jetson Nano CPU complex, 4x Cortex-A57 @ 1.43 GHz, LPDDR4-3200 (GPU not modelled)",
        "ASSUMPTION: rpi4 rates x 0.76 (A57 about 80% of an A72 per clock, 1.43/1.5 clock); memory "
        "and per-layer overhead as rpi4",
        4,
        0.8,
        scaled(kRpi4Rates, 0.76),
        kRpi4MemoryGbps,
        kRpi4OverheadUs,
    },
    {
        "desktop-cpu",
        "8-core x86-64 desktop CPU with AVX2 running oneDNN",
        "conv 108 and gemm 56 GFLOP/s per thread measured with oneDNN 2.6 capped at AVX2 "
        "(shared/reference/debian-stack.md section 4); depthwise 20, elementwise 10 GFLOP/s, "
        "memory 20 GB/s (dual-channel DDR4), 5 us per layer and parallel efficiency 0.85 are "
        "ASSUMPTIONS",
        8,
        0.85,
        {108, 108, 20, 56, 56, 10},
        20.0,
        5.0,
    },
    {
        "server-gpu",
        "Datacenter GPU server (RTX 3090 / A10 class, cuDNN), one stream",
        "ASSUMPTION: about 40% of a 35 TFLOP/s fp32 peak on convolutions, batch-1 gemm bound by "
        "900 GB/s memory, 10 us kernel launch per layer; threads do not apply (cores = 1)",
        1,
        0.0,
        {14000, 14000, 1500, 6000, 6000, 500},
        900.0,
        10.0,
    },
}};

} // namespace

std::span<const DeviceSpec> builtin_device_specs() {
  return kSpecs;
}

const DeviceSpec* find_device_spec(std::string_view name) {
  for (const auto& s : kSpecs)
    if (s.name == name)
      return &s;
  return nullptr;
}

const DeviceSpec& device_spec_or_fail(std::string_view name, const SourceLocation& where,
                                      const std::string& field) {
  if (const auto* s = find_device_spec(name))
    return *s;
  std::string names;
  for (const auto& s : builtin_device_specs())
    names += (names.empty() ? "" : ", ") + s.name;
  throw InputError(where, field, fmt::format("a device spec ({})", names),
                   fmt::format("'{}'", name));
}

} // namespace tandem
