// Convolutions (grouped and depthwise included) on oneDNN's convolution_forward: layouts of
// source, weights and destination left to oneDNN (format_tag::any, blocked on x86), batchnorm
// folded into weights and bias, the activation fused as an eltwise post-op.
#include <cmath>

#include "real/executor_kernel.hpp"
#include "real/executor_weights.hpp"

namespace tandem::real::detail {

using dnnl::memory;

KernelSpec make_conv(const KernelContext& c) {
  const auto& a = std::get<ConvAttrs>(c.layer.attrs);
  const auto src_dims = dims_of(c.input_shapes.at(0));
  const auto dst_dims = dims_of(c.layer.output_shape);
  const memory::dim g = a.groups, oc = a.out_channels, ic = a.in_channels;
  const memory::dim kh = a.kernel_h, kw = a.kernel_w;
  // PyTorch's layout: OIHW, or GOIHW split by group.
  const memory::dims w_dims =
      g > 1 ? memory::dims{g, oc / g, ic / g, kh, kw} : memory::dims{oc, ic, kh, kw};
  const auto w_user = memory::desc(w_dims, memory::data_type::f32,
                                   g > 1 ? memory::format_tag::goihw : memory::format_tag::oihw);
  const bool has_bias = a.bias || a.batchnorm;
  const memory::dims bias_dims{oc};

  const auto fan_in = (ic / g) * kh * kw;
  auto weights =
      seeded_weights(c.weight_seed, c.layer.name, static_cast<std::size_t>(oc * (ic / g) * kh * kw),
                     fan_in, a.activation);
  std::vector<float> bias(static_cast<std::size_t>(oc), 0.0f);
  if (a.bias)
    bias = seeded_bias(c.weight_seed, c.layer.name, bias.size(), fan_in);
  if (a.batchnorm) {
    // y = gamma (conv(x) + b - mean) / sqrt(var + eps) + beta, folded per output channel.
    const auto bn = seeded_batchnorm(c.weight_seed, c.layer.name, a.out_channels);
    const auto per_channel = weights.size() / static_cast<std::size_t>(oc);
    for (std::size_t o = 0; o < bias.size(); ++o) {
      const float s = bn.gamma[o] / std::sqrt(bn.variance[o] + kNormEpsilon);
      for (std::size_t i = 0; i < per_channel; ++i)
        weights[o * per_channel + i] *= s;
      bias[o] = (bias[o] - bn.mean[o]) * s + bn.beta[o];
    }
  }

  const dnnl::convolution_forward::desc desc(
      dnnl::prop_kind::forward_inference, dnnl::algorithm::convolution_direct, any_desc(src_dims),
      any_desc(w_dims), has_bias ? plain_desc(bias_dims) : memory::desc(), any_desc(dst_dims),
      {a.stride_h, a.stride_w}, {a.dilation_h - 1, a.dilation_w - 1}, {a.pad.top, a.pad.left},
      {a.pad.bottom, a.pad.right});
  dnnl::post_ops ops;
  append_activation(ops, a.activation);
  const dnnl::convolution_forward::primitive_desc pd(desc, make_attr(ops), c.engine);

  KernelSpec spec;
  spec.primitive = dnnl::convolution_forward(pd);
  spec.scratchpad = pd.scratchpad_desc();
  spec.inputs.push_back({DNNL_ARG_SRC, plain_desc(src_dims), pd.src_desc()});
  spec.output = {DNNL_ARG_DST, plain_desc(dst_dims), pd.dst_desc()};
  spec.constants.emplace(DNNL_ARG_WEIGHTS,
                         make_constant(c.engine, w_user, std::move(weights), pd.weights_desc()));
  if (has_bias)
    spec.constants.emplace(DNNL_ARG_BIAS, make_vector(c.engine, std::move(bias)));
  return spec;
}

} // namespace tandem::real::detail
