#pragma once
// A compute platform described by a few throughput figures, enough for a roofline-style prediction
// of each layer's time (cost_model.hpp). Built-in specs document where every number came from.
#include <span>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "core/units.hpp"

namespace tandem {

// Sustained throughput of one thread on each class of operator, in GFLOP/s.
struct OpClassRates {
  double conv_gflops = 1;           // dense convolution with a spatial kernel (3x3, 5x5, ...)
  double conv_pointwise_gflops = 1; // 1x1 convolution
  double conv_depthwise_gflops = 1; // groups == channels
  double gemm_gflops = 1;           // fully connected layers
  double matmul_gflops = 1;         // activation x activation products (attention)
  double elementwise_gflops = 1;    // pooling, add, activations, normalisation, softmax
};

struct DeviceSpec {
  std::string name;        // "rpi4"
  std::string description; // "Raspberry Pi 4 Model B, 4x Cortex-A72 @ 1.5 GHz"
  std::string source;      // where the numbers come from
  int cores = 1;
  // Speed-up of t threads = 1 + (t - 1) * parallel_efficiency (t capped at cores).
  double parallel_efficiency = 0.8;
  OpClassRates rates;
  double memory_gbps = 1;       // sustained memory bandwidth, GB/s
  double layer_overhead_us = 0; // fixed cost per layer (dispatch, kernel launch)

  double speedup(int threads) const;
};

std::span<const DeviceSpec> builtin_device_specs();
const DeviceSpec* find_device_spec(std::string_view name);
// The spec called `name`, or an InputError at `where` for `field` listing the built-in specs.
const DeviceSpec& device_spec_or_fail(std::string_view name, const SourceLocation& where,
                                      const std::string& field);

} // namespace tandem
