#pragma once
// Seeded synthetic models for tests: DAGs of the shapes schedulers must handle (chains, independent
// paths, out-trees, random DAGs), made of `opaque` layers defined by their costs alone, as model
// JSON layers without an op are. Each layer gets a random output size and device/server times drawn
// uniformly from the ranges of SyntheticOptions.
//
// Determinism: the same options give the same model on every platform. std::mt19937_64's output is
// fixed by the standard but the std:: distributions are not, so every draw is derived here from the
// raw 64-bit words.
#include <cstdint>
#include <vector>

#include "core/model.hpp"

namespace tandem::synthetic {

// A closed interval [min, max] to draw from uniformly; min == max gives that value.
struct Range {
  double min = 0;
  double max = 0;
};

struct SyntheticOptions {
  std::uint64_t seed = 1;
  int n = 8;                             // layers besides the input (chain, out_tree, random_dag)
  Range device_ms{1.0, 20.0};            // measured device time of each layer
  Range server_ms{0.1, 2.0};             // measured server time; 0 is allowed
  Range output_bytes{1000.0, 1000000.0}; // fp32 output size, rounded to whole bytes (>= 1)
  Bytes input_bytes = 602112;            // the model input (a 3x224x224 fp32 image by default)
  // FLOPs of a layer = its device time x this rate, so FLOP-based heuristics see numbers
  // consistent with the times (the times still override the cost model).
  double device_gflops = 4.0;
};

// How independent_paths ends: one opaque layer reading the last layer of every path (an add or
// concat known only by its costs), or each path's last layer left as a model output.
enum class PathJoin { join, separate_outputs };

// input -> l1 -> l2 -> ... -> ln.
Model chain(const SyntheticOptions& options);
// One path per entry of `lengths` (each >= 1 layer), every path starting at the input; `options.n`
// is not used.
Model independent_paths(const SyntheticOptions& options, const std::vector<int>& lengths,
                        PathJoin join);
// A random recursive out-tree rooted at the input: layer i reads one layer drawn uniformly from the
// input and layers 1..i-1. The leaves are the model outputs.
Model out_tree(const SyntheticOptions& options);
// n layers l1..ln (a topological order by construction); lj reads each earlier li with probability
// `edge_probability`, and the input when it reads nothing else. 0 gives n independent layers on
// the input, 1 the complete DAG.
Model random_dag(const SyntheticOptions& options, double edge_probability);

} // namespace tandem::synthetic
