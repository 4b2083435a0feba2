#pragma once
// Internal to the executor: one layer made runnable (its oneDNN primitive, constant operands and
// boundary reorders, all created once), the helpers the op families share, and one factory per
// op family (executor_conv.cpp, executor_linear.cpp, ...).
#include <cstdint>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include <oneapi/dnnl/dnnl.hpp>

#include "core/layer.hpp"
#include "real/executor.hpp"

namespace tandem::real::detail {

// What a factory builds a layer's kernel from.
struct KernelContext {
  const dnnl::engine& engine;
  const Layer& layer;
  std::vector<TensorShape> input_shapes; // the producers' output shapes, in operand order
  std::uint64_t weight_seed = 1;
};

// One operand fed from (or, for the output, written to) a plain Tensor. `user` describes the
// tensor's memory (plain, or a strided view of it); `internal` is what the primitive wants. They
// differ only where oneDNN picked a blocked layout, and then a reorder bridges them: blocked
// layouts never leave a layer.
struct Operand {
  int arg = DNNL_ARG_SRC;
  dnnl::memory::desc user;
  dnnl::memory::desc internal;
};

// Everything a kernel executes, as a factory assembles it.
struct KernelSpec {
  dnnl::primitive primitive;
  dnnl::memory::desc scratchpad; // the primitive desc's (every primitive uses user mode)
  std::vector<Operand> inputs;   // one per layer input, in operand order
  Operand output{DNNL_ARG_DST, {}, {}};
  std::unordered_map<int, dnnl::memory> constants; // weights, bias, statistics, set up once
};

class Kernel {
public:
  Kernel(const dnnl::engine& engine, const Layer& layer, std::vector<TensorShape> input_shapes,
         KernelSpec spec);
  // Runs of one kernel serialize (its boundary buffers are reused); different kernels may run at
  // once from different threads.
  Tensor run(std::span<const Tensor* const> inputs);

private:
  struct Port {
    dnnl::memory user;                    // wraps the Tensor's data, handle set per run
    std::optional<dnnl::memory> internal; // the primitive's layout, when it differs
    std::optional<dnnl::reorder> reorder;
  };
  std::string layer_name_;
  std::vector<TensorShape> input_shapes_;
  TensorShape output_shape_;
  dnnl::stream stream_;
  dnnl::primitive primitive_;
  std::vector<Port> inputs_;
  Port output_;
  std::unordered_map<int, dnnl::memory> args_;
  std::mutex mutex_;
};

// ---- shared helpers (executor_kernel.cpp) ----
dnnl::memory::dims dims_of(const TensorShape& shape);
// Row-major (NCHW, [B,S,H], ...) f32 descriptor.
dnnl::memory::desc plain_desc(const dnnl::memory::dims& dims);
dnnl::memory::desc any_desc(const dnnl::memory::dims& dims);
// Attributes every primitive is created with: user scratchpad (so concurrent kernels never share
// one) and the given post-ops.
dnnl::primitive_attr make_attr(const dnnl::post_ops& ops = {});
// The oneDNN eltwise algorithm of an activation (alpha, beta as oneDNN defines them).
struct EltwiseOp {
  dnnl::algorithm algorithm;
  float alpha = 0, beta = 0;
};
EltwiseOp eltwise_of(Activation activation);
void append_activation(dnnl::post_ops& ops, Activation activation);
// A constant operand: `values` laid out as `user`, reordered once into `internal`.
dnnl::memory make_constant(const dnnl::engine& engine, const dnnl::memory::desc& user,
                           std::vector<float> values, const dnnl::memory::desc& internal);
// A 1-D constant of `values` (bias, batchnorm statistics, norm scale and shift).
dnnl::memory make_vector(const dnnl::engine& engine, std::vector<float> values);

// ---- one factory per op family ----
KernelSpec make_conv(const KernelContext& c);        // executor_conv.cpp
KernelSpec make_gemm(const KernelContext& c);        // executor_linear.cpp
KernelSpec make_matmul(const KernelContext& c);      // executor_linear.cpp
KernelSpec make_pool(const KernelContext& c);        // executor_pool.cpp
KernelSpec make_global_pool(const KernelContext& c); // executor_pool.cpp
KernelSpec make_add(const KernelContext& c);         // executor_pointwise.cpp
KernelSpec make_activation(const KernelContext& c);  // executor_pointwise.cpp
KernelSpec make_batchnorm(const KernelContext& c);   // executor_norm.cpp
KernelSpec make_layernorm(const KernelContext& c);   // executor_norm.cpp
KernelSpec make_softmax(const KernelContext& c);     // executor_norm.cpp
KernelSpec make_concat(const KernelContext& c);      // executor_layout.cpp
KernelSpec make_upsample(const KernelContext& c);    // executor_layout.cpp

} // namespace tandem::real::detail
