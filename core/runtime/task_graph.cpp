#include "core/runtime/task_graph.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace tandem {

TaskGraph TaskGraph::per_layer(const Model& model) {
  TaskGraph g;
  g.model_ = &model;
  g.tasks_.resize(model.size());
  g.by_layer_.resize(model.size());
  for (const auto& layer : model.layers()) {
    auto& t = g.tasks_[index_of(layer.id)];
    t.id = task_id(index_of(layer.id));
    t.layer = layer.id;
    for (auto in : layer.inputs)
      t.inputs.push_back(task_id(index_of(in)));
    // A layer that reads the same tensor twice (x + x) is one consumer, not two.
    for (auto out : model.successors(layer.id))
      if (std::find(t.consumers.begin(), t.consumers.end(), task_id(index_of(out))) ==
          t.consumers.end())
        t.consumers.push_back(task_id(index_of(out)));
    t.output_elements = layer.output_shape.elements() > 0
                            ? layer.output_shape.elements()
                            : static_cast<std::int64_t>((layer.output_bytes_fp32 + 3) / 4);
    t.is_input = layer.id == model.input();
    t.is_output = t.consumers.empty() && !t.is_input;
    g.by_layer_[index_of(layer.id)].push_back(t.id);
  }
  g.input_ = task_id(index_of(model.input()));
  for (auto out : model.outputs())
    g.outputs_.push_back(task_id(index_of(out)));
  g.position_.resize(model.size());
  for (auto id : model.topological_order()) {
    g.position_[index_of(id)] = g.order_.size();
    g.order_.push_back(task_id(index_of(id)));
  }
  return g;
}

std::string TaskGraph::task_name(TaskId id) const {
  const auto& t = task(id);
  const auto& name = model_->layer(t.layer).name;
  return t.tiles > 1 ? fmt::format("{}#{}", name, t.tile) : name;
}

Bytes TaskGraph::output_bytes(TaskId id, Precision p) const {
  const auto& t = task(id);
  // Per-layer tasks of layers with a byte size but no shape keep their exact fp32 size.
  if (p == Precision::fp32() && t.tiles == 1)
    return model_->layer(t.layer).output_bytes_fp32;
  return tensor_bytes(t.output_elements, p);
}

} // namespace tandem
