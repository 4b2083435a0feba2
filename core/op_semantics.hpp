#pragma once
// What an operator does to shapes and how much work it is: the one place that knows the output
// shape, FLOPs, MACs and parameter count of each op kind.
//
// FLOP convention (also printed by `tandem describe models`): 1 multiply-accumulate = 2 FLOPs.
// `macs` counts only conv, gemm and matmul (as torchvision-style counters do). `flops` is 2 x macs
// plus 1 per output element for a bias, a fused or standalone activation, each extra addend of an
// add, and each element of a pooling window; batchnorm 2, layernorm 5, softmax 3 per element; 0 for
// concat and the input.
#include <span>
#include <stdexcept>

#include "core/layer.hpp"

namespace tandem {

struct OpStats {
  TensorShape output_shape;
  Flops flops = 0;
  double macs = 0;
  std::int64_t params = 0;
};

// Thrown when the inputs do not fit the operator; the message says what was expected and found.
class ShapeError : public std::invalid_argument {
public:
  using std::invalid_argument::invalid_argument;
};

// How many inputs an op kind takes: {min, max}; max 0 means unbounded.
std::pair<int, int> input_arity(OpKind kind);

// Output shape and work of `attrs` applied to `inputs`. Not for input or opaque layers, whose
// output is given rather than derived.
OpStats infer_op(const OpAttrs& attrs, std::span<const TensorShape> inputs);

} // namespace tandem
