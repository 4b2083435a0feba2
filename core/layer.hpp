#pragma once
// One layer of a model: its operator, the attributes the real backend needs to execute it, and the
// quantities derived from them (output shape, FLOPs, MACs, parameters). Derived quantities are
// computed by op_semantics.cpp from the attributes and input shapes, never typed in, except for
// `opaque` layers (model JSON), which are defined by their measured costs alone.
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/ids.hpp"
#include "core/precision.hpp"
#include "core/tensor_shape.hpp"
#include "core/units.hpp"

namespace tandem {

enum class OpKind {
  input, // the model input; exactly one per model, always on the device
  conv,  // 2-D convolution, grouped and depthwise included; batchnorm and activation may be fused
  pool,  // max or average pooling over a window
  global_pool, // pooling over the whole spatial extent
  gemm,        // fully connected (linear) layer over the last dimension
  matmul,      // batched matrix product of two activations (attention scores and context)
  add,         // elementwise sum of inputs of equal shape, activation may be fused
  concat,      // concatenation along an axis
  activation,  // elementwise non-linearity
  batchnorm,   // standalone batch normalisation (when it cannot be folded into a conv)
  layernorm,   // layer normalisation over the last dimension
  softmax,     // softmax along an axis
  upsample,    // nearest-neighbour upsampling by an integer factor
  opaque,      // a layer known only by its measured costs (model JSON without an op)
};

enum class Activation { none, relu, relu6, leaky_relu, sigmoid, tanh, gelu };
enum class PoolKind { max, avg };

struct Padding {
  int top = 0, left = 0, bottom = 0, right = 0;
  static Padding symmetric(int pad_h, int pad_w) { return {pad_h, pad_w, pad_h, pad_w}; }
  bool operator==(const Padding&) const = default;
};

struct InputAttrs {
  bool operator==(const InputAttrs&) const = default;
};
struct ConvAttrs {
  int in_channels = 0; // checked against the input's channel count
  int out_channels = 0;
  int kernel_h = 1, kernel_w = 1;
  int stride_h = 1, stride_w = 1;
  Padding pad;
  int dilation_h = 1, dilation_w = 1;
  int groups = 1;
  bool bias = false;
  bool batchnorm = false; // folded into the weights at inference time
  Activation activation = Activation::none;
  bool operator==(const ConvAttrs&) const = default;
};
struct PoolAttrs {
  PoolKind kind = PoolKind::max;
  int kernel_h = 1, kernel_w = 1;
  int stride_h = 1, stride_w = 1;
  Padding pad;
  bool ceil_mode = false;
  bool operator==(const PoolAttrs&) const = default;
};
struct GlobalPoolAttrs {
  PoolKind kind = PoolKind::avg;
  bool operator==(const GlobalPoolAttrs&) const = default;
};
struct GemmAttrs {
  int in_features = 0; // checked against the input's last dimension (after flattening images)
  int out_features = 0;
  bool bias = true;
  Activation activation = Activation::none;
  bool operator==(const GemmAttrs&) const = default;
};
// Multi-head attention products on [batch, seq, hidden] activations:
//   scores:  Q [B,S,H] x K^T -> [B,heads,S,S]
//   context: P [B,heads,S,S] x V [B,S,H] -> [B,S,H]
struct MatMulAttrs {
  enum class Role { scores, context };
  Role role = Role::scores;
  int heads = 1;
  bool operator==(const MatMulAttrs&) const = default;
};
struct AddAttrs {
  Activation activation = Activation::none;
  bool operator==(const AddAttrs&) const = default;
};
struct ConcatAttrs {
  int axis = 1;
  bool operator==(const ConcatAttrs&) const = default;
};
struct ActivationAttrs {
  Activation kind = Activation::relu;
  bool operator==(const ActivationAttrs&) const = default;
};
struct BatchNormAttrs {
  Activation activation = Activation::none;
  bool operator==(const BatchNormAttrs&) const = default;
};
struct LayerNormAttrs {
  bool operator==(const LayerNormAttrs&) const = default;
};
struct SoftmaxAttrs {
  int axis = -1;
  bool operator==(const SoftmaxAttrs&) const = default;
};
struct UpsampleAttrs {
  int scale = 2;
  bool operator==(const UpsampleAttrs&) const = default;
};
struct OpaqueAttrs {
  bool operator==(const OpaqueAttrs&) const = default;
};

using OpAttrs = std::variant<InputAttrs, ConvAttrs, PoolAttrs, GlobalPoolAttrs, GemmAttrs,
                             MatMulAttrs, AddAttrs, ConcatAttrs, ActivationAttrs, BatchNormAttrs,
                             LayerNormAttrs, SoftmaxAttrs, UpsampleAttrs, OpaqueAttrs>;

// The op kind an attribute type belongs to.
OpKind kind_of(const OpAttrs& attrs);

struct Layer {
  LayerId id{};
  std::string name;
  OpAttrs attrs;
  std::vector<LayerId> inputs; // producers, in operand order
  TensorShape output_shape;
  Bytes output_bytes_fp32 = 0; // the output tensor at fp32; for shaped layers 4 x elements
  Flops flops = 0;         // 2 per multiply-accumulate, plus elementwise work (op_semantics.cpp)
  double macs = 0;         // multiply-accumulates of conv, gemm and matmul only
  std::int64_t params = 0; // trainable parameters (batchnorm scale and shift included)
  // Measured times that override the cost model (model JSON `device_ms` / `server_ms`).
  std::optional<Seconds> device_time_s;
  std::optional<Seconds> server_time_s;

  OpKind kind() const { return kind_of(attrs); }
  // Size of this layer's output at a transfer precision.
  Bytes output_bytes(Precision p) const;
};

std::string_view to_string(OpKind kind);
std::string_view to_string(Activation activation);
std::string_view to_string(PoolKind kind);
// Inverse of to_string; std::nullopt for an unknown name.
std::optional<OpKind> op_kind_from_string(std::string_view name);
std::optional<Activation> activation_from_string(std::string_view name);
std::optional<PoolKind> pool_kind_from_string(std::string_view name);

} // namespace tandem
