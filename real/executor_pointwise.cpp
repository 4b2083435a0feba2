// Elementwise layers on the plain tensors: residual adds on oneDNN's binary (further operands as
// binary post-ops, the activation as an eltwise post-op) and activations on eltwise_forward.
#include "real/executor_kernel.hpp"

namespace tandem::real::detail {

using dnnl::memory;

KernelSpec make_add(const KernelContext& c) {
  const auto& a = std::get<AddAttrs>(c.layer.attrs);
  const auto md = plain_desc(dims_of(c.layer.output_shape));
  dnnl::post_ops ops;
  for (std::size_t i = 2; i < c.input_shapes.size(); ++i)
    ops.append_binary(dnnl::algorithm::binary_add, md);
  append_activation(ops, a.activation);
  const dnnl::binary::primitive_desc pd(dnnl::binary::desc(dnnl::algorithm::binary_add, md, md, md),
                                        make_attr(ops), c.engine);
  KernelSpec spec;
  spec.primitive = dnnl::binary(pd);
  spec.scratchpad = pd.scratchpad_desc();
  spec.inputs.push_back({DNNL_ARG_SRC_0, md, md});
  spec.inputs.push_back({DNNL_ARG_SRC_1, md, md});
  for (std::size_t i = 2; i < c.input_shapes.size(); ++i)
    spec.inputs.push_back(
        {DNNL_ARG_ATTR_MULTIPLE_POST_OP(static_cast<int>(i - 2)) | DNNL_ARG_SRC_1, md, md});
  spec.output = {DNNL_ARG_DST, md, pd.dst_desc()};
  return spec;
}

KernelSpec make_activation(const KernelContext& c) {
  const auto& a = std::get<ActivationAttrs>(c.layer.attrs);
  const auto md = plain_desc(dims_of(c.layer.output_shape));
  const auto e = eltwise_of(a.kind);
  const dnnl::eltwise_forward::primitive_desc pd(
      dnnl::eltwise_forward::desc(dnnl::prop_kind::forward_inference, e.algorithm, md, e.alpha,
                                  e.beta),
      make_attr(), c.engine);
  KernelSpec spec;
  spec.primitive = dnnl::eltwise_forward(pd);
  spec.scratchpad = pd.scratchpad_desc();
  spec.inputs.push_back({DNNL_ARG_SRC, md, md});
  spec.output = {DNNL_ARG_DST, md, pd.dst_desc()};
  return spec;
}

} // namespace tandem::real::detail
