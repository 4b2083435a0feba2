#pragma once
// A model: a validated DAG of layers. Built once (by the zoo, the model JSON reader or the ONNX
// importer) and immutable afterwards. Graph algorithms run on `graph()` with Boost.Graph.
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <boost/graph/adjacency_list.hpp>

#include "core/layer.hpp"

namespace tandem {

// Vertex i is the layer with LayerId i; an edge u -> v means v reads u's output.
using LayerGraph = boost::adjacency_list<boost::vecS, boost::vecS, boost::bidirectionalS>;

class Model {
public:
  // Validates and completes `layers` (ids must equal their index): unique non-empty names, exactly
  // one input layer, inputs that exist, no cycle, operand counts and shapes that fit each op.
  // Output shape, FLOPs, MACs and parameters of every derived layer are recomputed here. Throws
  // InputError naming `source` (a file name, or "zoo:NAME") and the offending layer.
  static Model create(std::string name, std::vector<Layer> layers, const std::string& source);

  const std::string& name() const { return name_; }
  std::size_t size() const { return layers_.size(); }
  const std::vector<Layer>& layers() const { return layers_; }
  const Layer& layer(LayerId id) const { return layers_.at(index_of(id)); }
  std::optional<LayerId> find(std::string_view layer_name) const;

  LayerId input() const { return input_; }
  // Topological order that keeps definition order wherever the graph allows it.
  const std::vector<LayerId>& topological_order() const { return topological_order_; }
  std::span<const LayerId> predecessors(LayerId id) const { return layer(id).inputs; }
  std::span<const LayerId> successors(LayerId id) const { return successors_.at(index_of(id)); }
  // Layers nobody consumes: the model outputs, which must end on the device.
  const std::vector<LayerId>& outputs() const { return outputs_; }
  const LayerGraph& graph() const { return graph_; }

  Flops total_flops() const { return total_flops_; }
  double total_macs() const { return total_macs_; }
  std::int64_t total_params() const { return total_params_; }

private:
  Model() = default;
  std::string name_;
  std::vector<Layer> layers_;
  LayerId input_{};
  std::vector<LayerId> topological_order_;
  std::vector<std::vector<LayerId>> successors_;
  std::vector<LayerId> outputs_;
  LayerGraph graph_;
  Flops total_flops_ = 0;
  double total_macs_ = 0;
  std::int64_t total_params_ = 0;
};

} // namespace tandem
