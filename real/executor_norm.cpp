// Normalisations on the plain tensors: standalone (inference) batchnorm as a channel-broadcast
// binary multiply-add, layernorm over the last dimension on layer_normalization_forward, softmax on
// softmax_forward.
#include <cmath>

#include "real/executor_kernel.hpp"
#include "real/executor_weights.hpp"

namespace tandem::real::detail {

using dnnl::memory;
using dnnl::normalization_flags;

KernelSpec make_batchnorm(const KernelContext& c) {
  // Inference batchnorm is a per-channel affine map, y = x * s + t with s = gamma / sqrt(var +
  // eps) and t = beta - mean * s. oneDNN's batch_normalization_forward on a plain NCHW tensor falls
  // to its slow reference-like ncsp kernel, so the map runs as a jit binary multiply with a
  // channel-broadcast scale, the shift as a binary post-op and the activation as an eltwise one.
  const auto& a = std::get<BatchNormAttrs>(c.layer.attrs);
  const auto& shape = c.layer.output_shape;
  const auto md = plain_desc(dims_of(shape));
  memory::dims channel_dims(shape.rank(), 1);
  if (shape.rank() > 1)
    channel_dims[1] = shape[1];
  const auto channel_md = plain_desc(channel_dims);
  const auto channels = shape.rank() > 1 ? static_cast<int>(shape[1]) : 1;
  const auto bn = seeded_batchnorm(c.weight_seed, c.layer.name, channels);
  std::vector<float> scale(bn.gamma.size()), shift(bn.gamma.size());
  for (std::size_t i = 0; i < scale.size(); ++i) {
    scale[i] = bn.gamma[i] / std::sqrt(bn.variance[i] + kNormEpsilon);
    shift[i] = bn.beta[i] - bn.mean[i] * scale[i];
  }
  dnnl::post_ops ops;
  ops.append_binary(dnnl::algorithm::binary_add, channel_md);
  append_activation(ops, a.activation);
  const dnnl::binary::primitive_desc pd(
      dnnl::binary::desc(dnnl::algorithm::binary_mul, md, channel_md, md), make_attr(ops),
      c.engine);
  KernelSpec spec;
  spec.primitive = dnnl::binary(pd);
  spec.scratchpad = pd.scratchpad_desc();
  spec.inputs.push_back({DNNL_ARG_SRC_0, md, md});
  spec.output = {DNNL_ARG_DST, md, pd.dst_desc()};
  spec.constants.emplace(DNNL_ARG_SRC_1,
                         make_constant(c.engine, channel_md, std::move(scale), channel_md));
  spec.constants.emplace(DNNL_ARG_ATTR_MULTIPLE_POST_OP(0) | DNNL_ARG_SRC_1,
                         make_constant(c.engine, channel_md, std::move(shift), channel_md));
  return spec;
}

KernelSpec make_layernorm(const KernelContext& c) {
  const auto md = plain_desc(dims_of(c.layer.output_shape));
  const auto channels = c.layer.output_shape.dims.back();
  const dnnl::layer_normalization_forward::primitive_desc pd(
      dnnl::layer_normalization_forward::desc(dnnl::prop_kind::forward_inference, md, kNormEpsilon,
                                              normalization_flags::use_scale |
                                                  normalization_flags::use_shift),
      make_attr(), c.engine);
  KernelSpec spec;
  spec.primitive = dnnl::layer_normalization_forward(pd);
  spec.scratchpad = pd.scratchpad_desc();
  spec.inputs.push_back({DNNL_ARG_SRC, md, pd.src_desc()});
  spec.output = {DNNL_ARG_DST, md, pd.dst_desc()};
  const auto n = static_cast<std::size_t>(channels);
  spec.constants.emplace(
      DNNL_ARG_SCALE,
      make_vector(c.engine, uniform_values(parameter_seed(c.weight_seed, c.layer.name, "ln.gamma"),
                                           n, 0.8f, 1.2f)));
  spec.constants.emplace(
      DNNL_ARG_SHIFT,
      make_vector(c.engine, uniform_values(parameter_seed(c.weight_seed, c.layer.name, "ln.beta"),
                                           n, -0.1f, 0.1f)));
  // The statistics are computed, not given; some implementations still want buffers for them.
  if (pd.mean_desc().get_size() > 0)
    spec.constants.emplace(DNNL_ARG_MEAN, memory(pd.mean_desc(), c.engine));
  if (pd.variance_desc().get_size() > 0)
    spec.constants.emplace(DNNL_ARG_VARIANCE, memory(pd.variance_desc(), c.engine));
  return spec;
}

KernelSpec make_softmax(const KernelContext& c) {
  const auto& a = std::get<SoftmaxAttrs>(c.layer.attrs);
  const auto md = plain_desc(dims_of(c.layer.output_shape));
  const int rank = static_cast<int>(c.layer.output_shape.rank());
  const int axis = a.axis < 0 ? a.axis + rank : a.axis;
  const dnnl::softmax_forward::primitive_desc pd(
      dnnl::softmax_forward::desc(dnnl::prop_kind::forward_inference, md, axis), make_attr(),
      c.engine);
  KernelSpec spec;
  spec.primitive = dnnl::softmax_forward(pd);
  spec.scratchpad = pd.scratchpad_desc();
  spec.inputs.push_back({DNNL_ARG_SRC, md, pd.src_desc()});
  spec.output = {DNNL_ARG_DST, md, pd.dst_desc()};
  return spec;
}

} // namespace tandem::real::detail
