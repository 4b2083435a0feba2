#include "real/executor_kernel.hpp"

#include <fmt/format.h>

#include "core/error.hpp"

namespace tandem::real::detail {

using dnnl::memory;

memory::dims dims_of(const TensorShape& shape) {
  return {shape.dims.begin(), shape.dims.end()};
}

memory::desc plain_desc(const memory::dims& dims) {
  // Row-major strides for any rank: the layout a Tensor's data always has.
  memory::dims strides(dims.size(), 1);
  for (std::size_t i = dims.size(); i-- > 1;)
    strides[i - 1] = strides[i] * dims[i];
  return {dims, memory::data_type::f32, strides};
}

memory::desc any_desc(const memory::dims& dims) {
  return {dims, memory::data_type::f32, memory::format_tag::any};
}

dnnl::primitive_attr make_attr(const dnnl::post_ops& ops) {
  dnnl::primitive_attr attr;
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  attr.set_post_ops(ops);
  return attr;
}

EltwiseOp eltwise_of(Activation activation) {
  using dnnl::algorithm;
  switch (activation) {
  case Activation::none:
    return {algorithm::eltwise_linear, 1.0f, 0.0f};
  case Activation::relu:
    return {algorithm::eltwise_relu, 0.0f, 0.0f};
  case Activation::relu6:
    return {algorithm::eltwise_clip, 0.0f, 6.0f};
  case Activation::leaky_relu:
    // ASSUMPTION(real): slope 0.1, Darknet's (yolov3-tiny is the zoo's only leaky model);
    // PyTorch's default would be 0.01.
    return {algorithm::eltwise_relu, 0.1f, 0.0f};
  case Activation::sigmoid:
    return {algorithm::eltwise_logistic, 0.0f, 0.0f};
  case Activation::tanh:
    return {algorithm::eltwise_tanh, 0.0f, 0.0f};
  case Activation::gelu:
    // BERT's GELU is the exact (erf) form, as Hugging Face's "gelu".
    return {algorithm::eltwise_gelu_erf, 0.0f, 0.0f};
  }
  throw BackendError(fmt::format("no oneDNN eltwise for activation {}", to_string(activation)));
}

void append_activation(dnnl::post_ops& ops, Activation activation) {
  if (activation == Activation::none)
    return;
  const auto e = eltwise_of(activation);
  ops.append_eltwise(1.0f, e.algorithm, e.alpha, e.beta);
}

memory make_constant(const dnnl::engine& engine, const memory::desc& user,
                     std::vector<float> values, const memory::desc& internal) {
  memory host(user, engine, values.data());
  memory target(internal, engine); // the library's buffer, which outlives `values`
  dnnl::stream s(engine);
  dnnl::reorder(host, target).execute(s, host, target);
  s.wait();
  return target;
}

memory make_vector(const dnnl::engine& engine, std::vector<float> values) {
  const auto md = plain_desc({static_cast<memory::dim>(values.size())});
  return make_constant(engine, md, std::move(values), md);
}

Kernel::Kernel(const dnnl::engine& engine, const Layer& layer,
               std::vector<TensorShape> input_shapes, KernelSpec spec)
    : layer_name_(layer.name), input_shapes_(std::move(input_shapes)),
      output_shape_(layer.output_shape), stream_(engine), primitive_(std::move(spec.primitive)),
      args_(std::move(spec.constants)) {
  const auto port = [&engine](const Operand& o) {
    Port p{memory(o.user, engine, nullptr), std::nullopt, std::nullopt};
    if (!(o.user == o.internal))
      p.internal.emplace(o.internal, engine);
    return p;
  };
  for (const auto& o : spec.inputs) {
    auto p = port(o);
    if (p.internal)
      p.reorder.emplace(p.user, *p.internal);
    args_.insert_or_assign(o.arg, p.internal ? *p.internal : p.user);
    inputs_.push_back(std::move(p));
  }
  output_ = port(spec.output);
  if (output_.internal)
    output_.reorder.emplace(*output_.internal, output_.user);
  args_.insert_or_assign(spec.output.arg, output_.internal ? *output_.internal : output_.user);
  if (spec.scratchpad.get_size() > 0)
    args_.insert_or_assign(DNNL_ARG_SCRATCHPAD, memory(spec.scratchpad, engine));
  if (inputs_.size() != input_shapes_.size())
    throw BackendError(fmt::format("layer '{}': {} operands for {} inputs", layer_name_,
                                   inputs_.size(), input_shapes_.size()));
}

Tensor Kernel::run(std::span<const Tensor* const> inputs) {
  if (inputs.size() != inputs_.size())
    throw BackendError(fmt::format("layer '{}': {} input tensor(s), expected {}", layer_name_,
                                   inputs.size(), inputs_.size()));
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    const auto& t = *inputs[i];
    if (!(t.shape == input_shapes_[i]) ||
        t.data.size() != static_cast<std::size_t>(input_shapes_[i].elements()))
      throw BackendError(fmt::format("layer '{}': input {} of shape {} ({} values), expected {}",
                                     layer_name_, i, to_string(t.shape), t.data.size(),
                                     to_string(input_shapes_[i])));
  }
  Tensor out{output_shape_, std::vector<float>(static_cast<std::size_t>(output_shape_.elements()))};
  const std::lock_guard lock(mutex_);
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    auto& p = inputs_[i];
    // oneDNN never writes a source operand; the const_cast only fits its C handle type.
    p.user.set_data_handle(const_cast<float*>(inputs[i]->data.data()));
    if (p.reorder)
      p.reorder->execute(stream_, p.user, *p.internal);
  }
  output_.user.set_data_handle(out.data.data());
  primitive_.execute(stream_, args_);
  if (output_.reorder)
    output_.reorder->execute(stream_, *output_.internal, output_.user);
  stream_.wait();
  return out;
}

} // namespace tandem::real::detail
