#include "core/cost_model.hpp"

#include <algorithm>

namespace tandem {

OpClass op_class(const Layer& layer) {
  switch (layer.kind()) {
  case OpKind::input:
    return OpClass::none;
  case OpKind::conv: {
    const auto& a = std::get<ConvAttrs>(layer.attrs);
    if (a.groups > 1 && a.groups == a.in_channels)
      return OpClass::conv_depthwise;
    if (a.kernel_h == 1 && a.kernel_w == 1 && a.groups == 1)
      return OpClass::conv_pointwise;
    return OpClass::conv;
  }
  case OpKind::gemm:
    return OpClass::gemm;
  case OpKind::matmul:
    return OpClass::matmul;
  case OpKind::opaque:
    return OpClass::conv; // a layer known only by its FLOPs: assume the dominant op of CNNs
  default:
    return OpClass::elementwise;
  }
}

std::string_view to_string(OpClass c) {
  switch (c) {
  case OpClass::none:
    return "none";
  case OpClass::conv:
    return "conv";
  case OpClass::conv_pointwise:
    return "conv_pointwise";
  case OpClass::conv_depthwise:
    return "conv_depthwise";
  case OpClass::gemm:
    return "gemm";
  case OpClass::matmul:
    return "matmul";
  case OpClass::elementwise:
    return "elementwise";
  }
  return "?";
}

Bytes bytes_touched(const Model& model, const Layer& layer) {
  Bytes bytes = layer.output_bytes_fp32 + 4 * static_cast<Bytes>(layer.params);
  for (auto in : layer.inputs)
    bytes += model.layer(in).output_bytes_fp32;
  return bytes;
}

namespace {
double rate_gflops(const OpClassRates& r, OpClass c) {
  switch (c) {
  case OpClass::conv:
    return r.conv_gflops;
  case OpClass::conv_pointwise:
    return r.conv_pointwise_gflops;
  case OpClass::conv_depthwise:
    return r.conv_depthwise_gflops;
  case OpClass::gemm:
    return r.gemm_gflops;
  case OpClass::matmul:
    return r.matmul_gflops;
  default:
    return r.elementwise_gflops;
  }
}
} // namespace

Seconds predict_layer_time(const Model& model, const Layer& layer, const DeviceSpec& spec,
                           int threads) {
  const auto c = op_class(layer);
  if (c == OpClass::none)
    return 0.0;
  const Seconds compute =
      layer.flops / (gflops_to_flops_per_s(rate_gflops(spec.rates, c)) * spec.speedup(threads));
  const Seconds memory = static_cast<double>(bytes_touched(model, layer)) /
                         gbytes_per_s_to_bytes_per_s(spec.memory_gbps);
  return spec.layer_overhead_us * 1e-6 + std::max(compute, memory);
}

} // namespace tandem
