#include "core/device_spec.hpp"

#include <algorithm>
#include <array>

namespace tandem {

double DeviceSpec::speedup(int threads) const {
  const int t = std::clamp(threads, 1, std::max(cores, 1));
  return 1.0 + (t - 1) * parallel_efficiency;
}

namespace {

// Rates are per thread, GFLOP/s. Every figure is either measured, fitted to a measurement, or an
// ASSUMPTION stated as such; `tandem describe devices` prints the source line.
const std::array<DeviceSpec, 5> kSpecs{{
    {
        "rpi4",
        "Raspberry Pi 4 Model B, 4x Cortex-A72 @ 1.5 GHz, LPDDR4-3200",
        "rates, memory bandwidth and overhead fitted to the single-thread whole-model times of "
        "JaredFern/Framework-Tax rpi4_neon_cpu.csv (PyTorch, 224x224: vgg16 7.39 s, resnet18 2.33 s, "
        "alexnet 0.67 s, mobilenet_v2 0.25 s, googlenet 0.74 s, inception_v3 1.88 s, densenet 2.90 s); "
        "parallel efficiency 0.8 is an ASSUMPTION",
        4,
        0.8,
        {4.2, 4.2, 1.0, 2.0, 2.0, 0.5},
        4.0,
        1000.0,
    },
    {
        "rpi3",
        "Raspberry Pi 3 Model B+, 4x Cortex-A53 @ 1.4 GHz, LPDDR2-900",
        "ASSUMPTION: rpi4 rates x 0.4 (in-order A53 with half the A72's NEON throughput per clock, "
        "1.4/1.5 clock); memory 2.2 GB/s (LPDDR2-900, about half of the Pi 4's sustained figure)",
        4,
        0.8,
        {1.68, 1.68, 0.4, 0.8, 0.8, 0.2},
        2.2,
        1500.0,
    },
    {
        "jetson-nano",
        "NVIDIA Jetson Nano CPU complex, 4x Cortex-A57 @ 1.43 GHz, LPDDR4-3200 (GPU not modelled)",
        "ASSUMPTION: rpi4 rates x 0.76 (A57 about 80% of an A72 per clock, 1.43/1.5 clock); memory "
        "as rpi4",
        4,
        0.8,
        {3.2, 3.2, 0.76, 1.52, 1.52, 0.38},
        4.0,
        1000.0,
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

std::span<const DeviceSpec> builtin_device_specs() { return kSpecs; }

const DeviceSpec* find_device_spec(std::string_view name) {
  for (const auto& s : kSpecs)
    if (s.name == name)
      return &s;
  return nullptr;
}

} // namespace tandem
