#pragma once
// Predicts a layer's compute time on a device spec from its FLOPs and the bytes it touches:
//   time = layer_overhead + max(flops / (rate[op class] * speedup(threads)), bytes /
//   memory_bandwidth)
// where bytes = inputs + output + weights at fp32. A roofline with per-op-class ceilings: simple,
// and calibrated against published whole-model times (see device_spec.cpp and
// tests/unit/cost_model_test.cpp).
#include <string_view>

#include "core/device_spec.hpp"
#include "core/model.hpp"

namespace tandem {

enum class OpClass { none, conv, conv_pointwise, conv_depthwise, gemm, matmul, elementwise };

OpClass op_class(const Layer& layer);
std::string_view to_string(OpClass c);

// Bytes a layer reads and writes at fp32: every input tensor, its output and its weights.
Bytes bytes_touched(const Model& model, const Layer& layer);

Seconds predict_layer_time(const Model& model, const Layer& layer, const DeviceSpec& spec,
                           int threads);

} // namespace tandem
