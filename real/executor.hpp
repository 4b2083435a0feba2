#pragma once
// Runs a model's layers for real with oneDNN: the compute half of the real backend. The device
// process and the server process each hold one Executor for the same model; weights are seeded from
// (weight_seed, layer name), so both sides compute the same function and a layer may run on either.
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "core/model.hpp"
#include "core/side.hpp"

namespace tandem::real {

// A dense fp32 tensor in the model's logical layout (NCHW for images, [B,S,H] for sequences).
// Tensors cross process boundaries in this layout; oneDNN's blocked layouts stay inside a layer.
struct Tensor {
  TensorShape shape;
  std::vector<float> data;
};

struct ExecutorOptions {
  int threads = 1;               // oneDNN (OpenMP) threads a layer uses
  std::uint64_t weight_seed = 1; // weights and biases are seeded from this and the layer name
  double slowdown = 1.0;         // >= 1: stretch every layer's wall time by waiting (Pi emulation)
  Side side = Side::device;      // whose measured time an opaque layer waits
};

// What one run took: the kernel's own wall time and the wait slowdown added after it.
struct RunTiming {
  Seconds compute_s = 0;
  Seconds stretch_s = 0;
};

class Executor {
public:
  // Creates every layer's primitives once (with `threads` OpenMP threads, as oneDNN's jit kernels
  // split their work at creation). Throws BackendError for a layer it cannot run and InputError
  // for threads < 1 or slowdown < 1. Keeps its own copy of the model.
  Executor(const Model& model, const ExecutorOptions& options);
  ~Executor();
  Executor(const Executor&) = delete;
  Executor& operator=(const Executor&) = delete;

  const Model& model() const;
  const ExecutorOptions& options() const;
  // Runs one layer on its inputs (in operand order) and returns its output. The input layer returns
  // its (only) input unchanged. Opaque layers (model JSON without an op) cannot compute anything:
  // they wait their measured time for this side and return a zero tensor of their output size
  // (its output_shape when the model states one, else [output_bytes / 4]); slowdown leaves them
  // alone, their times being the target's already. Inputs of the wrong count or shape are a
  // BackendError. Safe to call from several threads at once; runs of one layer serialize. Sets the
  // calling thread's OpenMP thread count for the call and restores it after. With `timing`, says
  // how long the kernel ran and how long slowdown then waited.
  Tensor run(LayerId layer, std::span<const Tensor* const> inputs, RunTiming* timing = nullptr);
  // A seeded random input for the model: uniform in [-1, 1], of the input layer's shape.
  Tensor make_input(std::uint64_t seed) const;

private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

} // namespace tandem::real
