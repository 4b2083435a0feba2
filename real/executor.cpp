#include "real/executor.hpp"

#include <omp.h>

#include <chrono>
#include <thread>

#include <fmt/format.h>

#include "core/error.hpp"
#include "real/executor_kernel.hpp"
#include "real/executor_weights.hpp"

namespace tandem::real {
namespace {

using Clock = std::chrono::steady_clock;

// oneDNN's OpenMP runtime takes its thread count from the calling thread's nthreads ICV, both when
// a primitive is created (jit kernels split work for that many threads) and when it runs. The guard
// sets it for one call and gives the caller its own setting back.
class OmpThreads {
public:
  explicit OmpThreads(int threads) : previous_(omp_get_max_threads()) {
    omp_set_num_threads(threads);
  }
  ~OmpThreads() { omp_set_num_threads(previous_); }
  OmpThreads(const OmpThreads&) = delete;
  OmpThreads& operator=(const OmpThreads&) = delete;

private:
  int previous_;
};

std::unique_ptr<detail::Kernel> make_kernel(const dnnl::engine& engine, const Model& model,
                                            const Layer& layer, std::uint64_t weight_seed) {
  using namespace detail;
  KernelContext c{engine, layer, {}, weight_seed};
  for (const auto id : layer.inputs)
    c.input_shapes.push_back(model.layer(id).output_shape);
  KernelSpec (*factory)(const KernelContext&) = nullptr;
  switch (layer.kind()) {
  case OpKind::conv:
    factory = make_conv;
    break;
  case OpKind::pool:
    factory = make_pool;
    break;
  case OpKind::global_pool:
    factory = make_global_pool;
    break;
  case OpKind::gemm:
    factory = make_gemm;
    break;
  case OpKind::matmul:
    factory = make_matmul;
    break;
  case OpKind::add:
    factory = make_add;
    break;
  case OpKind::concat:
    factory = make_concat;
    break;
  case OpKind::activation:
    factory = make_activation;
    break;
  case OpKind::batchnorm:
    factory = make_batchnorm;
    break;
  case OpKind::layernorm:
    factory = make_layernorm;
    break;
  case OpKind::softmax:
    factory = make_softmax;
    break;
  case OpKind::upsample:
    factory = make_upsample;
    break;
  case OpKind::input:
  case OpKind::opaque:
    return nullptr; // nothing to compute
  }
  for (const auto& shape : c.input_shapes)
    if (shape.rank() == 0)
      throw BackendError(fmt::format("layer '{}' ({}) reads a tensor of unknown shape (from an "
                                     "opaque layer?); the real backend cannot compute it",
                                     layer.name, to_string(layer.kind())));
  try {
    return std::make_unique<Kernel>(engine, layer, c.input_shapes, factory(c));
  } catch (const dnnl::error& e) {
    throw BackendError(fmt::format("layer '{}' ({}): oneDNN cannot run it: {}", layer.name,
                                   to_string(layer.kind()), e.what()));
  }
}

// The shape of a tensor the model states only by size (model JSON): a flat vector of floats.
TensorShape shape_or_flat(const Layer& layer) {
  if (layer.output_shape.rank() > 0)
    return layer.output_shape;
  return {{static_cast<std::int64_t>(layer.output_bytes_fp32 / 4)}};
}

void wait_s(Seconds s) {
  if (s > 0)
    std::this_thread::sleep_for(std::chrono::duration<double>(s));
}

} // namespace

struct Executor::Impl {
  Model model;
  ExecutorOptions options;
  dnnl::engine engine;
  std::vector<std::unique_ptr<detail::Kernel>> kernels; // by layer index; null: input, opaque
};

Executor::Executor(const Model& model, const ExecutorOptions& options)
    : impl_(std::make_unique<Impl>(
          Impl{model, options, dnnl::engine(dnnl::engine::kind::cpu, 0), {}})) {
  if (options.threads < 1)
    throw InputError({"real backend"}, "threads", "an integer >= 1",
                     std::to_string(options.threads));
  if (!(options.slowdown >= 1.0))
    throw InputError({"real backend"}, "slowdown", "a factor >= 1",
                     fmt::format("{}", options.slowdown));
  const OmpThreads threads(options.threads);
  for (const auto& layer : impl_->model.layers())
    impl_->kernels.push_back(make_kernel(impl_->engine, impl_->model, layer, options.weight_seed));
}

Executor::~Executor() = default;

const Model& Executor::model() const {
  return impl_->model;
}

const ExecutorOptions& Executor::options() const {
  return impl_->options;
}

Tensor Executor::run(LayerId id, std::span<const Tensor* const> inputs, RunTiming* timing) {
  const auto& layer = impl_->model.layer(id);
  const auto& options = impl_->options;
  switch (layer.kind()) {
  case OpKind::input: {
    const auto shape = shape_or_flat(layer);
    if (inputs.size() != 1 || !(inputs[0]->shape == shape) ||
        inputs[0]->data.size() != static_cast<std::size_t>(shape.elements()))
      throw BackendError(fmt::format("layer '{}': the model input must be one tensor of shape {}",
                                     layer.name, to_string(shape)));
    return *inputs[0];
  }
  case OpKind::opaque: {
    // No op to compute: stand in for the layer by taking its measured time on this side.
    const auto& t = options.side == Side::device ? layer.device_time_s : layer.server_time_s;
    wait_s(t.value_or(0.0));
    const auto shape = shape_or_flat(layer);
    return {shape, std::vector<float>(static_cast<std::size_t>(shape.elements()), 0.0f)};
  }
  default:
    break;
  }
  const OmpThreads threads(options.threads);
  const auto start = Clock::now();
  auto out = impl_->kernels[index_of(id)]->run(inputs);
  const std::chrono::duration<double> elapsed = Clock::now() - start;
  const Seconds stretch = (options.slowdown - 1.0) * elapsed.count();
  if (stretch > 0)
    wait_s(stretch);
  if (timing)
    *timing = {elapsed.count(), stretch};
  return out;
}

Tensor Executor::make_input(std::uint64_t seed) const {
  const auto shape = shape_or_flat(impl_->model.layer(impl_->model.input()));
  auto values = uniform_values(parameter_seed(seed, impl_->model.name(), "input"),
                               static_cast<std::size_t>(shape.elements()), -1.0f, 1.0f);
  return {shape, std::move(values)};
}

} // namespace tandem::real
