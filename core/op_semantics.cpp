#include "core/op_semantics.hpp"

#include <fmt/format.h>

namespace tandem {
namespace {

[[noreturn]] void fail(std::string message) {
  throw ShapeError(std::move(message));
}

void expect_rank(const TensorShape& shape, std::size_t rank, std::string_view what) {
  if (shape.rank() != rank)
    fail(fmt::format("{} input of rank {}, found shape {}", what, rank, to_string(shape)));
}

double activation_flops(Activation a, std::int64_t elements) {
  return a == Activation::none ? 0.0 : static_cast<double>(elements);
}

// Output length of a sliding window along one axis (PyTorch/ONNX rule).
std::int64_t window_output(std::int64_t in, int kernel, int stride, int pad_begin, int pad_end,
                           int dilation, bool ceil_mode) {
  const std::int64_t span = static_cast<std::int64_t>(dilation) * (kernel - 1) + 1;
  const std::int64_t padded = in + pad_begin + pad_end;
  if (padded < span)
    fail(fmt::format("window of {} to fit in an input of {} (padded {})", span, in, padded));
  std::int64_t out =
      ceil_mode ? (padded - span + stride - 1) / stride + 1 : (padded - span) / stride + 1;
  // With ceil mode the last window must start inside the input or its leading padding.
  if (ceil_mode && (out - 1) * stride >= in + pad_begin)
    --out;
  return out;
}

OpStats conv(const ConvAttrs& a, std::span<const TensorShape> in) {
  const auto& x = in[0];
  expect_rank(x, 4, "an NCHW");
  if (a.in_channels != x[1])
    fail(fmt::format("{} input channels, found {} (input shape {})", a.in_channels, x[1],
                     to_string(x)));
  if (a.groups < 1 || a.in_channels % a.groups != 0 || a.out_channels % a.groups != 0)
    fail(fmt::format("groups dividing {} input and {} output channels, found groups = {}",
                     a.in_channels, a.out_channels, a.groups));
  if (a.out_channels < 1 || a.kernel_h < 1 || a.kernel_w < 1 || a.stride_h < 1 || a.stride_w < 1)
    fail("positive channels, kernel and stride");
  const auto oh =
      window_output(x[2], a.kernel_h, a.stride_h, a.pad.top, a.pad.bottom, a.dilation_h, false);
  const auto ow =
      window_output(x[3], a.kernel_w, a.stride_w, a.pad.left, a.pad.right, a.dilation_w, false);
  OpStats s;
  s.output_shape = {{x[0], a.out_channels, oh, ow}};
  const auto out = s.output_shape.elements();
  const std::int64_t weights_per_output =
      static_cast<std::int64_t>(a.in_channels / a.groups) * a.kernel_h * a.kernel_w;
  s.macs = static_cast<double>(out) * static_cast<double>(weights_per_output);
  s.flops = 2 * s.macs + ((a.bias || a.batchnorm) ? static_cast<double>(out) : 0.0) +
            activation_flops(a.activation, out);
  s.params = weights_per_output * a.out_channels + (a.bias ? a.out_channels : 0) +
             (a.batchnorm ? 2 * a.out_channels : 0);
  return s;
}

OpStats pool(const PoolAttrs& a, std::span<const TensorShape> in) {
  const auto& x = in[0];
  expect_rank(x, 4, "an NCHW");
  if (a.kernel_h < 1 || a.kernel_w < 1 || a.stride_h < 1 || a.stride_w < 1)
    fail("positive kernel and stride");
  const auto oh =
      window_output(x[2], a.kernel_h, a.stride_h, a.pad.top, a.pad.bottom, 1, a.ceil_mode);
  const auto ow =
      window_output(x[3], a.kernel_w, a.stride_w, a.pad.left, a.pad.right, 1, a.ceil_mode);
  OpStats s;
  s.output_shape = {{x[0], x[1], oh, ow}};
  s.flops = static_cast<double>(s.output_shape.elements()) * a.kernel_h * a.kernel_w;
  return s;
}

OpStats global_pool(std::span<const TensorShape> in) {
  const auto& x = in[0];
  expect_rank(x, 4, "an NCHW");
  OpStats s;
  s.output_shape = {{x[0], x[1], 1, 1}};
  s.flops = static_cast<double>(x.elements());
  return s;
}

OpStats gemm(const GemmAttrs& a, std::span<const TensorShape> in) {
  const auto& x = in[0];
  if (x.rank() < 2)
    fail(fmt::format("an input of rank >= 2, found shape {}", to_string(x)));
  // Images are flattened per sample; sequences keep their leading dimensions.
  const bool image = x.rank() == 4;
  const std::int64_t features = image ? x.elements() / x[0] : x.dims.back();
  if (a.in_features != features)
    fail(fmt::format("{} input features, found {} (input shape {})", a.in_features, features,
                     to_string(x)));
  if (a.out_features < 1)
    fail("positive out_features");
  OpStats s;
  if (image)
    s.output_shape = {{x[0], a.out_features}};
  else {
    s.output_shape = x;
    s.output_shape.dims.back() = a.out_features;
  }
  const auto out = s.output_shape.elements();
  s.macs = static_cast<double>(out) * static_cast<double>(a.in_features);
  s.flops =
      2 * s.macs + (a.bias ? static_cast<double>(out) : 0.0) + activation_flops(a.activation, out);
  s.params =
      static_cast<std::int64_t>(a.in_features) * a.out_features + (a.bias ? a.out_features : 0);
  return s;
}

OpStats matmul(const MatMulAttrs& a, std::span<const TensorShape> in) {
  if (a.heads < 1)
    fail("heads >= 1");
  OpStats s;
  if (a.role == MatMulAttrs::Role::scores) {
    const auto& q = in[0];
    const auto& k = in[1];
    expect_rank(q, 3, "a [batch, seq, hidden]");
    if (!(q == k))
      fail(
          fmt::format("query and key of equal shape, found {} and {}", to_string(q), to_string(k)));
    if (q[2] % a.heads != 0)
      fail(fmt::format("hidden size {} divisible by {} heads", q[2], a.heads));
    s.output_shape = {{q[0], a.heads, q[1], q[1]}};
    s.macs = static_cast<double>(q[0]) * q[1] * q[1] * q[2];
  } else {
    const auto& p = in[0];
    const auto& v = in[1];
    expect_rank(p, 4, "a [batch, heads, seq, seq] probability");
    expect_rank(v, 3, "a [batch, seq, hidden] value");
    if (p[0] != v[0] || p[1] != a.heads || p[2] != v[1] || p[3] != v[1] || v[2] % a.heads != 0)
      fail(fmt::format("probabilities [B,{},S,S] matching values [B,S,H], found {} and {}", a.heads,
                       to_string(p), to_string(v)));
    s.output_shape = v;
    s.macs = static_cast<double>(v[0]) * v[1] * v[1] * v[2];
  }
  s.flops = 2 * s.macs;
  return s;
}

OpStats add(const AddAttrs& a, std::span<const TensorShape> in) {
  for (const auto& x : in)
    if (!(x == in[0]))
      fail(fmt::format("inputs of equal shape, found {} and {}", to_string(in[0]), to_string(x)));
  OpStats s;
  s.output_shape = in[0];
  const auto out = s.output_shape.elements();
  s.flops = static_cast<double>(out) * static_cast<double>(in.size() - 1) +
            activation_flops(a.activation, out);
  return s;
}

OpStats concat(const ConcatAttrs& a, std::span<const TensorShape> in) {
  const auto rank = in[0].rank();
  if (a.axis < 0 || static_cast<std::size_t>(a.axis) >= rank)
    fail(fmt::format("an axis in 0..{}, found {}", rank - 1, a.axis));
  OpStats s;
  s.output_shape = in[0];
  s.output_shape.dims[a.axis] = 0;
  for (const auto& x : in) {
    bool fits = x.rank() == rank;
    for (std::size_t d = 0; fits && d < rank; ++d)
      fits = d == static_cast<std::size_t>(a.axis) || x[d] == in[0][d];
    if (!fits)
      fail(fmt::format("inputs equal except along axis {}, found {} and {}", a.axis,
                       to_string(in[0]), to_string(x)));
    s.output_shape.dims[a.axis] += x[a.axis];
  }
  return s;
}

OpStats elementwise(const TensorShape& x, double flops_per_element) {
  OpStats s;
  s.output_shape = x;
  s.flops = flops_per_element * static_cast<double>(x.elements());
  return s;
}

OpStats upsample(const UpsampleAttrs& a, std::span<const TensorShape> in) {
  const auto& x = in[0];
  expect_rank(x, 4, "an NCHW");
  if (a.scale < 1)
    fail("a scale >= 1");
  OpStats s;
  s.output_shape = {{x[0], x[1], x[2] * a.scale, x[3] * a.scale}};
  return s;
}

} // namespace

std::pair<int, int> input_arity(OpKind kind) {
  switch (kind) {
  case OpKind::input:
    return {0, 0 /* none */};
  case OpKind::matmul:
    return {2, 2};
  case OpKind::add:
  case OpKind::concat:
    return {2, 0};
  case OpKind::opaque:
    return {1, 0};
  default:
    return {1, 1};
  }
}

OpStats infer_op(const OpAttrs& attrs, std::span<const TensorShape> in) {
  const auto [min_inputs, max_inputs] = input_arity(kind_of(attrs));
  const auto n = static_cast<int>(in.size());
  if (n < min_inputs || (max_inputs > 0 && n > max_inputs))
    fail(max_inputs == min_inputs ? fmt::format("{} input(s), found {}", min_inputs, n)
                                  : fmt::format("at least {} inputs, found {}", min_inputs, n));
  for (const auto& x : in)
    for (auto d : x.dims)
      if (d < 1)
        fail(fmt::format("positive input dimensions, found {}", to_string(x)));

  return std::visit(
      [&](const auto& a) -> OpStats {
        using A = std::decay_t<decltype(a)>;
        if constexpr (std::is_same_v<A, ConvAttrs>)
          return conv(a, in);
        else if constexpr (std::is_same_v<A, PoolAttrs>)
          return pool(a, in);
        else if constexpr (std::is_same_v<A, GlobalPoolAttrs>)
          return global_pool(in);
        else if constexpr (std::is_same_v<A, GemmAttrs>)
          return gemm(a, in);
        else if constexpr (std::is_same_v<A, MatMulAttrs>)
          return matmul(a, in);
        else if constexpr (std::is_same_v<A, AddAttrs>)
          return add(a, in);
        else if constexpr (std::is_same_v<A, ConcatAttrs>)
          return concat(a, in);
        else if constexpr (std::is_same_v<A, ActivationAttrs>)
          return elementwise(in[0], 1.0);
        else if constexpr (std::is_same_v<A, BatchNormAttrs>) {
          auto s = elementwise(in[0], 2.0 + (a.activation == Activation::none ? 0.0 : 1.0));
          s.params = 2 * (in[0].rank() > 1 ? in[0][1] : 0);
          return s;
        } else if constexpr (std::is_same_v<A, LayerNormAttrs>) {
          auto s = elementwise(in[0], 5.0);
          s.params = 2 * in[0].dims.back();
          return s;
        } else if constexpr (std::is_same_v<A, SoftmaxAttrs>)
          return elementwise(in[0], 3.0);
        else if constexpr (std::is_same_v<A, UpsampleAttrs>)
          return upsample(a, in);
        else
          fail("an op whose output is derived (input and opaque layers carry their own)");
      },
      attrs);
}

} // namespace tandem
