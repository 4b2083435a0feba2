#include "core/model_builder.hpp"

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/op_semantics.hpp"

namespace tandem {

ModelBuilder::ModelBuilder(std::string model_name, TensorShape input_shape, std::string input_name)
    : model_name_(std::move(model_name)) {
  Layer in;
  in.id = layer_id(0);
  in.name = std::move(input_name);
  in.attrs = InputAttrs{};
  in.output_shape = std::move(input_shape);
  in.output_bytes_fp32 = tensor_bytes(in.output_shape.elements(), Precision::fp32());
  layers_.push_back(std::move(in));
}

LayerId ModelBuilder::id_of(const std::string& layer, const std::string& user) const {
  for (const auto& l : layers_)
    if (l.name == layer)
      return l.id;
  throw InputError({"zoo:" + model_name_}, fmt::format("layer '{}'.inputs", user),
                   "the name of an earlier layer", fmt::format("'{}'", layer));
}

const TensorShape& ModelBuilder::shape(const std::string& layer) const {
  return layers_.at(index_of(id_of(layer, layer))).output_shape;
}

std::string ModelBuilder::add_layer(std::string name, OpAttrs attrs,
                                    const std::vector<std::string>& from) {
  Layer l;
  l.id = layer_id(layers_.size());
  l.name = std::move(name);
  l.attrs = std::move(attrs);
  std::vector<TensorShape> in;
  for (const auto& f : from) {
    l.inputs.push_back(id_of(f, l.name));
    in.push_back(layers_[index_of(l.inputs.back())].output_shape);
  }
  try {
    const auto stats = infer_op(l.attrs, in);
    l.output_shape = stats.output_shape;
  } catch (const ShapeError& e) {
    throw InputError({"zoo:" + model_name_},
                     fmt::format("layer '{}': expected {}", l.name, e.what()));
  }
  layers_.push_back(std::move(l));
  return layers_.back().name;
}

std::string ModelBuilder::conv(std::string name, const std::string& from, const ConvSpec& s) {
  ConvAttrs a;
  a.in_channels = static_cast<int>(channels(from));
  a.out_channels = s.out;
  a.kernel_h = s.kernel;
  a.kernel_w = s.kernel_w > 0 ? s.kernel_w : s.kernel;
  a.stride_h = a.stride_w = s.stride;
  a.pad = Padding::symmetric(s.pad, s.pad_w >= 0 ? s.pad_w : s.pad);
  a.dilation_h = a.dilation_w = s.dilation;
  a.groups = s.groups;
  a.bias = s.bias;
  a.batchnorm = s.batchnorm;
  a.activation = s.activation;
  return add_layer(std::move(name), a, {from});
}

namespace {
PoolAttrs pool_attrs(PoolKind kind, const PoolSpec& s) {
  PoolAttrs a;
  a.kind = kind;
  a.kernel_h = a.kernel_w = s.kernel;
  a.stride_h = a.stride_w = s.stride > 0 ? s.stride : s.kernel;
  a.pad = Padding::symmetric(s.pad, s.pad);
  a.pad.bottom += s.pad_end_extra;
  a.pad.right += s.pad_end_extra;
  a.ceil_mode = s.ceil_mode;
  return a;
}
} // namespace

std::string ModelBuilder::max_pool(std::string name, const std::string& from, const PoolSpec& s) {
  return add_layer(std::move(name), pool_attrs(PoolKind::max, s), {from});
}
std::string ModelBuilder::avg_pool(std::string name, const std::string& from, const PoolSpec& s) {
  return add_layer(std::move(name), pool_attrs(PoolKind::avg, s), {from});
}
std::string ModelBuilder::global_avg_pool(std::string name, const std::string& from) {
  return add_layer(std::move(name), GlobalPoolAttrs{PoolKind::avg}, {from});
}

std::string ModelBuilder::gemm(std::string name, const std::string& from, const GemmSpec& s) {
  const auto& x = shape(from);
  GemmAttrs a;
  a.in_features = static_cast<int>(x.rank() == 4 ? x.elements() / x[0] : x.dims.back());
  a.out_features = s.out;
  a.bias = s.bias;
  a.activation = s.activation;
  return add_layer(std::move(name), a, {from});
}

std::string ModelBuilder::add(std::string name, const std::vector<std::string>& from,
                              Activation activation) {
  return add_layer(std::move(name), AddAttrs{activation}, from);
}
std::string ModelBuilder::concat(std::string name, const std::vector<std::string>& from, int axis) {
  return add_layer(std::move(name), ConcatAttrs{axis}, from);
}
std::string ModelBuilder::activation(std::string name, const std::string& from, Activation kind) {
  return add_layer(std::move(name), ActivationAttrs{kind}, {from});
}
std::string ModelBuilder::batchnorm(std::string name, const std::string& from,
                                    Activation activation) {
  return add_layer(std::move(name), BatchNormAttrs{activation}, {from});
}
std::string ModelBuilder::layernorm(std::string name, const std::string& from) {
  return add_layer(std::move(name), LayerNormAttrs{}, {from});
}
std::string ModelBuilder::softmax(std::string name, const std::string& from, int axis) {
  return add_layer(std::move(name), SoftmaxAttrs{axis}, {from});
}
std::string ModelBuilder::upsample(std::string name, const std::string& from, int scale) {
  return add_layer(std::move(name), UpsampleAttrs{scale}, {from});
}
std::string ModelBuilder::attention_scores(std::string name, const std::string& query,
                                           const std::string& key, int heads) {
  return add_layer(std::move(name), MatMulAttrs{MatMulAttrs::Role::scores, heads}, {query, key});
}
std::string ModelBuilder::attention_context(std::string name, const std::string& probabilities,
                                            const std::string& value, int heads) {
  return add_layer(std::move(name), MatMulAttrs{MatMulAttrs::Role::context, heads},
                   {probabilities, value});
}

Model ModelBuilder::build() const {
  return Model::create(model_name_, layers_, "zoo:" + model_name_);
}

} // namespace tandem
