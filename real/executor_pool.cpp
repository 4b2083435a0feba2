// Window and global pooling on oneDNN's pooling_forward, on the plain NCHW tensor where a jit
// kernel takes it, else channels-last between reorders.
#include <string>

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

// A pd whose implementation is one of oneDNN's plain C++ fallbacks ("simple_nchw:any", "ref:any").
bool is_fallback(const dnnl::primitive_desc& pd) {
  const std::string impl = pd.impl_info_str();
  return impl.starts_with("simple") || impl.starts_with("ref");
}

KernelSpec pooling(const KernelContext& c, dnnl::algorithm algorithm, const memory::dims& kernel,
                   const memory::dims& strides, const memory::dims& pad_l,
                   const memory::dims& pad_r) {
  const auto src_dims = dims_of(c.input_shapes.at(0));
  const auto dst_dims = dims_of(c.layer.output_shape);
  const auto plain_src = plain_desc(src_dims);
  const auto plain_dst = plain_desc(dst_dims);
  const auto make_pd = [&](const memory::desc& src, const memory::desc& dst) {
    return dnnl::pooling_forward::primitive_desc(
        dnnl::pooling_forward::desc(dnnl::prop_kind::forward_inference, algorithm, src, dst,
                                    strides, kernel, pad_l, pad_r),
        make_attr(), c.engine);
  };
  // On NCHW itself when a jit kernel takes it (no reorders for a memory-bound op). Many shapes
  // (2x2 windows, ISAs below avx512) fall to the C++ `simple_nchw` kernel, which took half of
  // yolov3-tiny's time; those pool channels-last (NHWC), which every jit pooling kernel handles,
  // between two reorders.
  auto pd = make_pd(plain_src, plain_dst);
  if (is_fallback(pd)) {
    auto nhwc = make_pd(memory::desc(src_dims, memory::data_type::f32, memory::format_tag::nhwc),
                        any_desc(dst_dims));
    if (!is_fallback(nhwc))
      pd = nhwc;
  }
  KernelSpec spec;
  spec.primitive = dnnl::pooling_forward(pd);
  spec.scratchpad = pd.scratchpad_desc();
  spec.inputs.push_back({DNNL_ARG_SRC, plain_src, pd.src_desc()});
  spec.output = {DNNL_ARG_DST, plain_dst, pd.dst_desc()};
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
