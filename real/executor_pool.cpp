// Window and global pooling on oneDNN's pooling_forward, on the plain NCHW tensor (a blocked
// layout would cost two reorders for a memory-bound op).
#include "real/executor_kernel.hpp"

namespace tandem::real::detail {

using dnnl::memory;

namespace {

// oneDNN has no ceil mode: it takes the padding that makes its floor formula give the output size.
memory::dim end_padding(memory::dim in, memory::dim out, int kernel, int stride, int pad_begin,
                        int pad_end) {
  if ((in + pad_begin + pad_end - kernel) / stride + 1 == out)
    return pad_end;
  return (out - 1) * stride + kernel - in - pad_begin;
}

KernelSpec pooling(const KernelContext& c, dnnl::algorithm algorithm, const memory::dims& kernel,
                   const memory::dims& strides, const memory::dims& pad_l,
                   const memory::dims& pad_r) {
  const auto src = plain_desc(dims_of(c.input_shapes.at(0)));
  const auto dst = plain_desc(dims_of(c.layer.output_shape));
  const dnnl::pooling_forward::desc desc(dnnl::prop_kind::forward_inference, algorithm, src, dst,
                                         strides, kernel, pad_l, pad_r);
  const dnnl::pooling_forward::primitive_desc pd(desc, make_attr(), c.engine);
  KernelSpec spec;
  spec.primitive = dnnl::pooling_forward(pd);
  spec.scratchpad = pd.scratchpad_desc();
  spec.inputs.push_back({DNNL_ARG_SRC, src, pd.src_desc()});
  spec.output = {DNNL_ARG_DST, dst, pd.dst_desc()};
  return spec;
}

} // namespace

KernelSpec make_pool(const KernelContext& c) {
  const auto& a = std::get<PoolAttrs>(c.layer.attrs);
  const auto& x = c.input_shapes.at(0);
  const auto& y = c.layer.output_shape;
  // torchvision's average pools count the padding (count_include_pad=True). With ceil mode, the
  // extra end padding would count too; the zoo's ceil-mode pools are all max pools.
  const auto algorithm = a.kind == PoolKind::max ? dnnl::algorithm::pooling_max
                                                 : dnnl::algorithm::pooling_avg_include_padding;
  return pooling(c, algorithm, {a.kernel_h, a.kernel_w}, {a.stride_h, a.stride_w},
                 {a.pad.top, a.pad.left},
                 {end_padding(x[2], y[2], a.kernel_h, a.stride_h, a.pad.top, a.pad.bottom),
                  end_padding(x[3], y[3], a.kernel_w, a.stride_w, a.pad.left, a.pad.right)});
}

KernelSpec make_global_pool(const KernelContext& c) {
  const auto& a = std::get<GlobalPoolAttrs>(c.layer.attrs);
  const auto& x = c.input_shapes.at(0);
  const auto algorithm = a.kind == PoolKind::max ? dnnl::algorithm::pooling_max
                                                 : dnnl::algorithm::pooling_avg_exclude_padding;
  return pooling(c, algorithm, {x[2], x[3]}, {1, 1}, {0, 0}, {0, 0});
}

} // namespace tandem::real::detail
