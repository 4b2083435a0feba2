// Fully connected layers on oneDNN's inner_product_forward (weights in the layout oneDNN picks,
// activation fused as a post-op) and attention products on oneDNN's matmul, whose operands are
// strided views of the [batch, seq, hidden] tensors, so heads are split and merged without copies.
#include <cmath>

#include <fmt/format.h>

#include "core/error.hpp"
#include "real/executor_kernel.hpp"
#include "real/executor_weights.hpp"

namespace tandem::real::detail {

using dnnl::memory;

KernelSpec make_gemm(const KernelContext& c) {
  const auto& a = std::get<GemmAttrs>(c.layer.attrs);
  const auto& x = c.input_shapes.at(0);
  // Every leading dimension is a row: images flatten per sample (PyTorch's flatten), sequences
  // apply the layer to every token.
  const memory::dim k = a.in_features, n = a.out_features;
  const memory::dim m = x.elements() / k;
  const memory::dims src_dims{m, k}, w_dims{n, k}, dst_dims{m, n};

  const dnnl::inner_product_forward::desc desc(
      dnnl::prop_kind::forward_inference, any_desc(src_dims), any_desc(w_dims),
      a.bias ? plain_desc({n}) : memory::desc(), any_desc(dst_dims));
  dnnl::post_ops ops;
  append_activation(ops, a.activation);
  const dnnl::inner_product_forward::primitive_desc pd(desc, make_attr(ops), c.engine);

  KernelSpec spec;
  spec.primitive = dnnl::inner_product_forward(pd);
  spec.scratchpad = pd.scratchpad_desc();
  spec.inputs.push_back({DNNL_ARG_SRC, plain_desc(src_dims), pd.src_desc()});
  spec.output = {DNNL_ARG_DST, plain_desc(dst_dims), pd.dst_desc()};
  // PyTorch's Linear stores weight as [out, in].
  spec.constants.emplace(
      DNNL_ARG_WEIGHTS,
      make_constant(c.engine, plain_desc(w_dims),
                    seeded_weights(c.weight_seed, c.layer.name, static_cast<std::size_t>(n * k), k,
                                   a.activation),
                    pd.weights_desc()));
  if (a.bias)
    spec.constants.emplace(DNNL_ARG_BIAS,
                           make_vector(c.engine, seeded_bias(c.weight_seed, c.layer.name,
                                                             static_cast<std::size_t>(n), k)));
  return spec;
}

namespace {

// [B, S, H] seen as [B, heads, S, H / heads] (head h at columns h*d .. h*d+d-1 of every token).
memory::desc heads_view(const TensorShape& x, memory::dim heads) {
  const memory::dim b = x[0], s = x[1], h = x[2], d = h / heads;
  return {{b, heads, s, d}, memory::data_type::f32, memory::dims{s * h, d, h, 1}};
}

// The same tensor seen as [B, heads, H / heads, S]: the transposed key of every head.
memory::desc heads_view_transposed(const TensorShape& x, memory::dim heads) {
  const memory::dim b = x[0], s = x[1], h = x[2], d = h / heads;
  return {{b, heads, d, s}, memory::data_type::f32, memory::dims{s * h, d, 1, h}};
}

} // namespace

KernelSpec make_matmul(const KernelContext& c) {
  const auto& a = std::get<MatMulAttrs>(c.layer.attrs);
  const memory::dim heads = a.heads;
  memory::desc src, weights, dst;
  auto attr = make_attr();
  if (a.role == MatMulAttrs::Role::scores) {
    // scores[b, h] = Q[b, h] K[b, h]^T / sqrt(d). The zoo folds the 1/sqrt(d) into the query
    // weights; random weights have nothing to fold into, so it is the matmul's output scale here.
    src = heads_view(c.input_shapes.at(0), heads);
    weights = heads_view_transposed(c.input_shapes.at(1), heads);
    dst = plain_desc(dims_of(c.layer.output_shape));
    const auto d = c.input_shapes.at(0)[2] / heads;
    attr.set_output_scales(0, {static_cast<float>(1.0 / std::sqrt(static_cast<double>(d)))});
  } else {
    // context[b, :, h*d..] = P[b, h] V[b, h], written straight into the merged [B, S, H] layout.
    src = plain_desc(dims_of(c.input_shapes.at(0)));
    weights = heads_view(c.input_shapes.at(1), heads);
    dst = heads_view(c.layer.output_shape, heads);
  }
  const dnnl::matmul::primitive_desc pd(dnnl::matmul::desc(src, weights, dst), attr, c.engine);
  if (!(pd.src_desc() == src && pd.weights_desc() == weights && pd.dst_desc() == dst))
    throw BackendError(
        fmt::format("layer '{}': oneDNN matmul changed the operand layouts", c.layer.name));
  KernelSpec spec;
  spec.primitive = dnnl::matmul(pd);
  spec.scratchpad = pd.scratchpad_desc();
  spec.inputs.push_back({DNNL_ARG_SRC, src, src});
  spec.inputs.push_back({DNNL_ARG_WEIGHTS, weights, weights});
  spec.output = {DNNL_ARG_DST, dst, dst};
  return spec;
}

} // namespace tandem::real::detail
