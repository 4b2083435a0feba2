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
// them.
constexpr OpClassRates kRpi4Rates{3.2, 12.0, 0.27, 2.0, 2.0, 0.5};
constexpr double kRpi4OverheadUs = 410.0;

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
        "conv, conv_pointwise and conv_depthwise rates and the per-layer overhead fitted by least "
        "squares in log space to six single-thread whole-model times of JaredFern/Framework-Tax "
        "rpi4_neon_cpu.csv (PyTorch, 224x224: vgg16 7.39 s, alexnet 0.67 s, mobilenet_v2 0.25 s, "
        "googlenet 0.74 s, inception_v3 1.88 s, densenet161 2.90 s; residuals +32%..-29%, "
        "tests/unit/calibration_test.cpp); the pointwise rate sits at the fit's bound of half the "
        "A72's 24 GFLOP/s fp32 NEON peak; resnet18's 2.33 s is left out as an outlier (predicted "
        "1.15 s: its time per MAC is 2.7x vgg16's with the same 3x3 convs); memory 4 GB/s, gemm, "
        "matmul and elementwise rates and parallel efficiency 0.8 are ASSUMPTIONS",
        4,
        0.8,
        kRpi4Rates,
        4.0,
        kRpi4OverheadUs,
    },
    {
        "rpi3",
        "Raspberry Pi 3 Model B+, 4x Cortex-A53 @ 1.4 GHz, LPDDR2-900",
        "ASSUMPTION: rpi4 rates x 0.4 (in-order A53 with half the A72's NEON throughput per clock, "
        "1.4/1.5 clock); memory 2.2 GB/s (LPDDR2-900, about half of the Pi 4's sustained figure); "
        "per-layer overhead 1.5 x rpi4's",
        4,
        0.8,
        scaled(kRpi4Rates, 0.4),
        2.2,
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
        4.0,
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
