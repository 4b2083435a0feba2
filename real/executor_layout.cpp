// Layers that only move data, on the plain tensors: concat on oneDNN's concat and nearest
// upsampling on resampling_forward.
#include "real/executor_kernel.hpp"

namespace tandem::real::detail {

using dnnl::memory;

KernelSpec make_concat(const KernelContext& c) {
  const auto& a = std::get<ConcatAttrs>(c.layer.attrs);
  std::vector<memory::desc> srcs;
  for (const auto& x : c.input_shapes)
    srcs.push_back(plain_desc(dims_of(x)));
  const auto dst = plain_desc(dims_of(c.layer.output_shape));
  const dnnl::concat::primitive_desc pd(dst, a.axis, srcs, c.engine, make_attr());
  KernelSpec spec;
  spec.primitive = dnnl::concat(pd);
  spec.scratchpad = pd.scratchpad_desc();
  for (std::size_t i = 0; i < srcs.size(); ++i)
    spec.inputs.push_back({DNNL_ARG_MULTIPLE_SRC + static_cast<int>(i), srcs[i], srcs[i]});
  spec.output = {DNNL_ARG_DST, dst, pd.dst_desc()};
  return spec;
}

KernelSpec make_upsample(const KernelContext& c) {
  const auto src = plain_desc(dims_of(c.input_shapes.at(0)));
  const auto dst = plain_desc(dims_of(c.layer.output_shape));
  const dnnl::resampling_forward::primitive_desc pd(
      dnnl::resampling_forward::desc(dnnl::prop_kind::forward_inference,
                                     dnnl::algorithm::resampling_nearest, src, dst),
      make_attr(), c.engine);
  KernelSpec spec;
  spec.primitive = dnnl::resampling_forward(pd);
  spec.scratchpad = pd.scratchpad_desc();
  spec.inputs.push_back({DNNL_ARG_SRC, src, pd.src_desc()});
  spec.output = {DNNL_ARG_DST, dst, pd.dst_desc()};
  return spec;
}

} // namespace tandem::real::detail
