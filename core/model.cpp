#include "core/model.hpp"

#include <queue>
#include <set>
#include <unordered_map>

#include <boost/graph/depth_first_search.hpp>
#include <fmt/format.h>

#include "core/error.hpp"
#include "core/op_semantics.hpp"

namespace tandem {
namespace {

struct CycleFound {
  std::size_t from, to;
};

// Reports the first back edge Boost's DFS meets: that edge closes a cycle.
struct CycleDetector : boost::default_dfs_visitor {
  template <typename Edge, typename Graph> void back_edge(Edge e, const Graph& g) const {
    throw CycleFound{boost::source(e, g), boost::target(e, g)};
  }
};

std::string layer_field(const Layer& layer) {
  return fmt::format("layer '{}'", layer.name);
}

// Kahn's algorithm taking the smallest ready index first, so a model listed in a valid order keeps
// it (Boost's topological_sort returns some valid order, but reshuffles parallel branches, and
// split-point schedulers such as Neurosurgeon depend on the order). The graph is known to be
// acyclic.
std::vector<LayerId> definition_stable_order(const LayerGraph& g) {
  const auto n = boost::num_vertices(g);
  std::vector<std::size_t> waiting(n);
  std::priority_queue<std::size_t, std::vector<std::size_t>, std::greater<>> ready;
  for (std::size_t v = 0; v < n; ++v)
    if ((waiting[v] = boost::in_degree(v, g)) == 0)
      ready.push(v);
  std::vector<LayerId> order;
  order.reserve(n);
  while (!ready.empty()) {
    const auto v = ready.top();
    ready.pop();
    order.push_back(layer_id(v));
    for (auto [e, end] = boost::out_edges(v, g); e != end; ++e)
      if (--waiting[boost::target(*e, g)] == 0)
        ready.push(boost::target(*e, g));
  }
  return order;
}

} // namespace

Model Model::create(std::string name, std::vector<Layer> layers, const std::string& source) {
  const SourceLocation where{source};
  if (layers.empty())
    throw InputError(where, "layers", "at least one layer", "none");

  Model m;
  m.name_ = std::move(name);
  std::unordered_map<std::string_view, std::size_t> by_name;
  std::optional<std::size_t> input;
  for (std::size_t i = 0; i < layers.size(); ++i) {
    const auto& l = layers[i];
    if (l.name.empty())
      throw InputError(where, fmt::format("layer #{}", i), "a non-empty name", "\"\"");
    if (index_of(l.id) != i)
      throw InputError(where, layer_field(l), fmt::format("id {}", i),
                       std::to_string(index_of(l.id)));
    if (!by_name.emplace(l.name, i).second)
      throw InputError(where, layer_field(l), "a unique layer name",
                       "a second layer with that name");
    if (l.kind() == OpKind::input) {
      if (input)
        throw InputError(where, layer_field(l), "exactly one model input",
                         fmt::format("a second input besides '{}'", layers[*input].name));
      input = i;
    }
    const auto [min_inputs, max_inputs] = input_arity(l.kind());
    const auto n = static_cast<int>(l.inputs.size());
    if (n < min_inputs || (max_inputs > 0 && n > max_inputs) ||
        (l.kind() == OpKind::input && n > 0))
      throw InputError(
          where, layer_field(l) + ".inputs",
          l.kind() == OpKind::input ? std::string("no inputs")
          : min_inputs == max_inputs
              ? fmt::format("{} input(s) for a {} layer", min_inputs, to_string(l.kind()))
              : fmt::format("at least {} inputs for a {} layer", min_inputs, to_string(l.kind())),
          std::to_string(n));
    for (auto p : l.inputs)
      if (index_of(p) >= layers.size())
        throw InputError(where, layer_field(l) + ".inputs", "existing layers",
                         fmt::format("id {}", index_of(p)));
  }
  if (!input)
    throw InputError(where, "layers", "exactly one input layer", "none");
  m.input_ = layer_id(*input);

  m.graph_ = LayerGraph(layers.size());
  for (const auto& l : layers)
    for (auto p : l.inputs)
      boost::add_edge(index_of(p), index_of(l.id), m.graph_);

  try {
    boost::depth_first_search(m.graph_, boost::visitor(CycleDetector{}));
  } catch (const CycleFound& c) {
    throw InputError(
        where, layer_field(layers[c.to]), "an acyclic graph",
        fmt::format("a cycle through '{}' -> '{}'", layers[c.from].name, layers[c.to].name));
  }
  m.topological_order_ = definition_stable_order(m.graph_);

  // Derive what the attributes determine, in dependency order so inputs are complete.
  for (auto id : m.topological_order_) {
    auto& l = layers[index_of(id)];
    if (l.kind() != OpKind::input && l.kind() != OpKind::opaque) {
      std::vector<TensorShape> in;
      for (auto p : l.inputs)
        in.push_back(layers[index_of(p)].output_shape);
      try {
        const auto stats = infer_op(l.attrs, in);
        l.output_shape = stats.output_shape;
        l.flops = stats.flops;
        l.macs = stats.macs;
        l.params = stats.params;
      } catch (const ShapeError& e) {
        // ShapeError messages read "X, found Y", completing "expected".
        throw InputError(where, fmt::format("{}: expected {}", layer_field(l), e.what()));
      }
    }
    if (l.output_shape.rank() > 0)
      l.output_bytes_fp32 = tensor_bytes(l.output_shape.elements(), Precision::fp32());
    if (l.output_bytes_fp32 == 0 && l.kind() != OpKind::input)
      throw InputError(where, layer_field(l) + ".output_bytes", "a positive size", "0");
  }

  m.successors_.resize(layers.size());
  for (const auto& l : layers)
    for (auto p : l.inputs)
      m.successors_[index_of(p)].push_back(l.id);
  for (const auto& l : layers) {
    if (m.successors_[index_of(l.id)].empty() && l.kind() != OpKind::input)
      m.outputs_.push_back(l.id);
    m.total_flops_ += l.flops;
    m.total_macs_ += l.macs;
    m.total_params_ += l.params;
  }
  if (m.outputs_.empty())
    throw InputError(where, "layers", "at least one layer besides the input", "only the input");
  m.layers_ = std::move(layers);
  return m;
}

std::optional<LayerId> Model::find(std::string_view layer_name) const {
  for (const auto& l : layers_)
    if (l.name == layer_name)
      return l.id;
  return std::nullopt;
}

} // namespace tandem
