#include "core/layer.hpp"

#include <array>
#include <utility>

namespace tandem {
namespace {

constexpr std::array<std::pair<OpKind, std::string_view>, 14> kOpNames{{
    {OpKind::input, "input"},
    {OpKind::conv, "conv"},
    {OpKind::pool, "pool"},
    {OpKind::global_pool, "global_pool"},
    {OpKind::gemm, "gemm"},
    {OpKind::matmul, "matmul"},
    {OpKind::add, "add"},
    {OpKind::concat, "concat"},
    {OpKind::activation, "activation"},
    {OpKind::batchnorm, "batchnorm"},
    {OpKind::layernorm, "layernorm"},
    {OpKind::softmax, "softmax"},
    {OpKind::upsample, "upsample"},
    {OpKind::opaque, "opaque"},
}};

constexpr std::array<std::pair<Activation, std::string_view>, 7> kActivationNames{{
    {Activation::none, "none"},
    {Activation::relu, "relu"},
    {Activation::relu6, "relu6"},
    {Activation::leaky_relu, "leaky_relu"},
    {Activation::sigmoid, "sigmoid"},
    {Activation::tanh, "tanh"},
    {Activation::gelu, "gelu"},
}};

constexpr std::array<std::pair<PoolKind, std::string_view>, 2> kPoolNames{{
    {PoolKind::max, "max"},
    {PoolKind::avg, "avg"},
}};

template <typename E, std::size_t N>
std::string_view name_of(const std::array<std::pair<E, std::string_view>, N>& table, E value) {
  for (const auto& [e, name] : table)
    if (e == value)
      return name;
  return "?";
}

template <typename E, std::size_t N>
std::optional<E> value_of(const std::array<std::pair<E, std::string_view>, N>& table,
                          std::string_view name) {
  for (const auto& [e, n] : table)
    if (n == name)
      return e;
  return std::nullopt;
}

} // namespace

OpKind kind_of(const OpAttrs& attrs) {
  // The variant's alternatives are declared in the same order as OpKind.
  return static_cast<OpKind>(attrs.index());
}

Bytes Layer::output_bytes(Precision p) const {
  if (p == Precision::fp32())
    return output_bytes_fp32;
  const auto elements = output_shape.elements() > 0
                            ? output_shape.elements()
                            : static_cast<std::int64_t>((output_bytes_fp32 + 3) / 4);
  return tensor_bytes(elements, p);
}

std::string_view to_string(OpKind kind) {
  return name_of(kOpNames, kind);
}
std::string_view to_string(Activation activation) {
  return name_of(kActivationNames, activation);
}
std::string_view to_string(PoolKind kind) {
  return name_of(kPoolNames, kind);
}
std::optional<OpKind> op_kind_from_string(std::string_view name) {
  return value_of(kOpNames, name);
}
std::optional<Activation> activation_from_string(std::string_view name) {
  return value_of(kActivationNames, name);
}
std::optional<PoolKind> pool_kind_from_string(std::string_view name) {
  return value_of(kPoolNames, name);
}

} // namespace tandem

namespace tandem {
// kind_of() relies on OpAttrs listing its alternatives in OpKind order.
static_assert(
    std::is_same_v<std::variant_alternative_t<static_cast<std::size_t>(OpKind::conv), OpAttrs>,
                   ConvAttrs>);
static_assert(
    std::is_same_v<std::variant_alternative_t<static_cast<std::size_t>(OpKind::matmul), OpAttrs>,
                   MatMulAttrs>);
static_assert(
    std::is_same_v<std::variant_alternative_t<static_cast<std::size_t>(OpKind::upsample), OpAttrs>,
                   UpsampleAttrs>);
static_assert(
    std::is_same_v<std::variant_alternative_t<static_cast<std::size_t>(OpKind::opaque), OpAttrs>,
                   OpaqueAttrs>);
static_assert(std::variant_size_v<OpAttrs> == 14);
} // namespace tandem
