#include "core/zoo/synthetic.hpp"

#include <cmath>
#include <limits>
#include <random>

#include <fmt/format.h>

#include "core/error.hpp"

namespace tandem::synthetic {
namespace {

// Draws derived from raw std::mt19937_64 words only (the std:: distributions differ between
// standard libraries).
class Draw {
public:
  explicit Draw(std::uint64_t seed) : engine_(seed) {}
  // Uniform in [0, 1): the top 53 bits of one word, so every value is exact.
  double unit() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }
  double in(const Range& r) { return r.min + unit() * (r.max - r.min); }
  bool chance(double p) { return unit() < p; }
  // Uniform in [0, n) by rejection, so no value is favoured by the modulo.
  std::uint64_t below(std::uint64_t n) {
    const auto max = std::numeric_limits<std::uint64_t>::max();
    const auto limit = max - (max % n + 1) % n; // largest multiple of n, minus 1
    std::uint64_t x = 0;
    do
      x = engine_();
    while (x > limit);
    return x % n;
  }

private:
  std::mt19937_64 engine_;
};

const SourceLocation kWhere{"synthetic"};

void check_range(const Range& r, double min, const char* field) {
  if (!(r.min >= min && r.max >= r.min && std::isfinite(r.max)))
    throw InputError(kWhere, field, fmt::format("a range with {} <= min <= max", min),
                     fmt::format("[{}, {}]", r.min, r.max));
}

void check(const SyntheticOptions& o, bool uses_n) {
  if (uses_n && o.n < 1)
    throw InputError(kWhere, "n", "at least 1 layer", std::to_string(o.n));
  check_range(o.device_ms, 0, "device_ms");
  check_range(o.server_ms, 0, "server_ms");
  check_range(o.output_bytes, 1, "output_bytes");
  if (o.input_bytes < 1)
    throw InputError(kWhere, "input_bytes", "a positive size", std::to_string(o.input_bytes));
  if (!(o.device_gflops > 0))
    throw InputError(kWhere, "device_gflops", "a positive rate",
                     fmt::format("{}", o.device_gflops));
}

// Accumulates layers; the input is layer 0.
class Layers {
public:
  explicit Layers(const SyntheticOptions& o) : options_(o), draw_(o.seed) {
    Layer in;
    in.id = layer_id(0);
    in.name = "input";
    in.attrs = InputAttrs{};
    in.output_bytes_fp32 = o.input_bytes;
    layers_.push_back(std::move(in));
  }
  Draw& draw() { return draw_; }
  std::size_t size() const { return layers_.size(); }

  // Adds an opaque layer reading `inputs` (indices) and draws its costs; returns its index.
  std::size_t add(std::string name, const std::vector<std::size_t>& inputs) {
    Layer l;
    l.id = layer_id(layers_.size());
    l.name = std::move(name);
    l.attrs = OpaqueAttrs{};
    for (auto i : inputs)
      l.inputs.push_back(layer_id(i));
    const Seconds device = ms_to_s(draw_.in(options_.device_ms));
    const Seconds server = ms_to_s(draw_.in(options_.server_ms));
    l.device_time_s = device;
    l.server_time_s = server;
    l.output_bytes_fp32 =
        static_cast<Bytes>(std::max(1.0, std::round(draw_.in(options_.output_bytes))));
    l.flops = device * gflops_to_flops_per_s(options_.device_gflops);
    layers_.push_back(std::move(l));
    return layers_.size() - 1;
  }

  Model build(const std::string& kind) {
    const auto name = fmt::format("synthetic-{}-seed{}", kind, options_.seed);
    return Model::create(name, std::move(layers_), name);
  }

private:
  const SyntheticOptions& options_;
  Draw draw_;
  std::vector<Layer> layers_;
};

} // namespace

Model chain(const SyntheticOptions& o) {
  check(o, true);
  Layers ls(o);
  std::size_t last = 0;
  for (int i = 1; i <= o.n; ++i)
    last = ls.add(fmt::format("l{}", i), {last});
  return ls.build(fmt::format("chain{}", o.n));
}

Model independent_paths(const SyntheticOptions& o, const std::vector<int>& lengths, PathJoin join) {
  check(o, false);
  if (lengths.empty())
    throw InputError(kWhere, "lengths", "at least one path", "none");
  Layers ls(o);
  std::vector<std::size_t> ends;
  for (std::size_t p = 0; p < lengths.size(); ++p) {
    if (lengths[p] < 1)
      throw InputError(kWhere, fmt::format("lengths[{}]", p), "a path of at least 1 layer",
                       std::to_string(lengths[p]));
    std::size_t last = 0;
    for (int i = 1; i <= lengths[p]; ++i)
      last = ls.add(fmt::format("p{}_{}", p + 1, i), {last});
    ends.push_back(last);
  }
  // A join of a single path would just lengthen it; it is still added, so the variant always has
  // exactly one output.
  if (join == PathJoin::join)
    ls.add("join", ends);
  return ls.build(
      fmt::format("paths{}{}", lengths.size(), join == PathJoin::join ? "-joined" : ""));
}

Model out_tree(const SyntheticOptions& o) {
  check(o, true);
  Layers ls(o);
  for (int i = 1; i <= o.n; ++i) {
    const auto parent = static_cast<std::size_t>(ls.draw().below(ls.size()));
    ls.add(fmt::format("t{}", i), {parent});
  }
  return ls.build(fmt::format("tree{}", o.n));
}

Model random_dag(const SyntheticOptions& o, double edge_probability) {
  check(o, true);
  if (!(edge_probability >= 0 && edge_probability <= 1))
    throw InputError(kWhere, "edge_probability", "a probability in [0, 1]",
                     fmt::format("{}", edge_probability));
  Layers ls(o);
  for (int j = 1; j <= o.n; ++j) {
    std::vector<std::size_t> inputs;
    for (int i = 1; i < j; ++i)
      if (ls.draw().chance(edge_probability))
        inputs.push_back(static_cast<std::size_t>(i));
    if (inputs.empty())
      inputs.push_back(0);
    ls.add(fmt::format("l{}", j), inputs);
  }
  return ls.build(fmt::format("dag{}", o.n));
}

} // namespace tandem::synthetic
