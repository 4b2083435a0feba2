#pragma once
// Shared by the brute-force reference tests of the split schedulers: seeded random instances (a
// synthetic model, its cost table and a constant link), the SystemView a scheduler would see for
// them, and the relative comparison every check uses.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <memory>
#include <random>

#include "core/cost_table.hpp"
#include "core/device_spec.hpp"
#include "core/runtime/single_inference.hpp"
#include "core/runtime/system_view.hpp"
#include "core/runtime/task_graph.hpp"
#include "core/zoo/synthetic.hpp"

namespace tandem::reference {

// Relative agreement to 1e-9 (with a femtosecond floor for zero latencies).
inline bool close(double a, double b) {
  return std::abs(a - b) <= 1e-9 * std::max(std::abs(a), std::abs(b)) + 1e-15;
}

// Draws from raw 64-bit words only, so an instance is the same with every standard library.
class Draw {
public:
  explicit Draw(std::uint64_t seed) : engine_(seed) {}
  double unit() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }
  double uniform(double lo, double hi) { return lo + unit() * (hi - lo); }
  double log_uniform(double lo, double hi) { return lo * std::pow(hi / lo, unit()); }
  int integer(int lo, int hi) { return lo + static_cast<int>(unit() * (hi - lo + 1)); }
  std::uint64_t word() { return engine_(); }

private:
  std::mt19937_64 engine_;
};

// A model, its costs and a link: one brute-force instance. Not movable: the task graph points at
// the model.
struct Instance {
  Instance(Model m, ConstantLink l)
      : model(std::move(m)), graph(TaskGraph::per_layer(model)),
        costs(CostTable::predict(model, {find_device_spec("rpi4"), 1},
                                 {find_device_spec("desktop-cpu"), 0})),
        link(l) {}
  Instance(const Instance&) = delete;
  Instance& operator=(const Instance&) = delete;

  // What a scheduler sees when the estimates equal the link's true rates (as run_single_inference
  // sets them).
  SystemView view() const {
    SystemView v;
    v.graph = &graph;
    v.costs = &costs;
    v.uplink_estimate_bps = link.uplink_bps;
    v.downlink_estimate_bps = link.downlink_bps;
    v.link_latency_s = link.latency_s;
    return v;
  }

  Model model;
  TaskGraph graph;
  CostTable costs;
  ConstantLink link;
};

// Costs and sizes spanning every regime: device 10x-1000x slower than the server or not, tensors
// from a byte to 10 MB, links from 10 kB/s to 1 GB/s, latency from none to 50 ms.
inline synthetic::SyntheticOptions random_options(Draw& d, int layers) {
  synthetic::SyntheticOptions o;
  o.seed = d.word();
  o.n = layers;
  o.device_ms = {0.1, d.log_uniform(1, 100)};
  o.server_ms = {0.0, d.log_uniform(0.01, 10)};
  const double large = d.log_uniform(1e3, 1e7);
  o.output_bytes = {d.unit() < 0.5 ? 1.0 : large / 100, large};
  o.input_bytes = static_cast<Bytes>(d.log_uniform(1e3, 1e7));
  return o;
}

inline ConstantLink random_link(Draw& d) {
  ConstantLink l;
  l.uplink_bps = d.log_uniform(1e5, 1e9);
  l.downlink_bps = d.unit() < 0.3 ? l.uplink_bps : d.log_uniform(1e5, 1e9);
  l.latency_s = d.unit() < 0.2 ? 0.0 : d.uniform(0, 0.02);
  return l;
}

inline std::unique_ptr<Instance> random_chain(Draw& d, int layers) {
  auto options = random_options(d, layers);
  return std::make_unique<Instance>(synthetic::chain(options), random_link(d));
}

// A random DAG of `layers` layers besides the input: one of the synthetic shapes.
inline std::unique_ptr<Instance> random_dag(Draw& d, int layers) {
  auto options = random_options(d, layers);
  const auto shape = d.integer(0, 3);
  const auto link = random_link(d);
  if (shape == 0)
    return std::make_unique<Instance>(synthetic::out_tree(options), link);
  if (shape == 1 && layers >= 3) {
    // Paths of random lengths summing to layers - 1, joined by one layer.
    std::vector<int> lengths;
    for (int left = layers - 1; left > 0;) {
      const int len = std::min(left, d.integer(1, 3));
      lengths.push_back(len);
      left -= len;
    }
    return std::make_unique<Instance>(
        synthetic::independent_paths(options, lengths,
                                     d.unit() < 0.5 ? synthetic::PathJoin::join
                                                    : synthetic::PathJoin::separate_outputs),
        link);
  }
  return std::make_unique<Instance>(synthetic::random_dag(options, d.uniform(0.1, 0.8)), link);
}

} // namespace tandem::reference
