#pragma once
// The task graph: what the runtime executes. By default one task per layer (TaskGraph::per_layer);
// a tiling pass may later split a layer into several tasks (tiles of its output, CoActo) with
// tile-level dependencies. The runtime only ever sees tasks, so tiling never changes it. Schedulers
// that think in layers use `tasks_of(layer)`.
#include <cstdint>
#include <span>
#include <vector>

#include "core/model.hpp"
#include "core/precision.hpp"

namespace tandem {

enum class TaskId : std::uint32_t {};
constexpr std::size_t index_of(TaskId id) {
  return static_cast<std::size_t>(id);
}
constexpr TaskId task_id(std::size_t index) {
  return static_cast<TaskId>(index);
}

struct Task {
  TaskId id{};
  LayerId layer{};
  int tile = 0;                  // index of this tile within its layer
  int tiles = 1;                 // number of tiles the layer is split into
  std::vector<TaskId> inputs;    // tasks whose outputs this task reads
  std::vector<TaskId> consumers; // tasks that read this task's output
  std::int64_t output_elements = 0;
  bool is_input = false;  // the model input: available on the device at arrival, takes no time
  bool is_output = false; // a model output: must end on the device
};

class TaskGraph {
public:
  // One task per layer; task i is layer i.
  static TaskGraph per_layer(const Model& model);

  const Model& model() const { return *model_; }
  std::size_t size() const { return tasks_.size(); }
  const std::vector<Task>& tasks() const { return tasks_; }
  const Task& task(TaskId id) const { return tasks_.at(index_of(id)); }
  TaskId input() const { return input_; }
  const std::vector<TaskId>& outputs() const { return outputs_; }
  const std::vector<TaskId>& topological_order() const { return order_; }
  // A task's index in topological_order().
  std::size_t position(TaskId id) const { return position_.at(index_of(id)); }
  std::span<const TaskId> tasks_of(LayerId layer) const { return by_layer_.at(index_of(layer)); }
  // The name a task shows in outputs: the layer name, with "#tile" when the layer is tiled.
  std::string task_name(TaskId id) const;

  // THE size of a task's output tensor sent at precision p (tensor_bytes of its elements).
  Bytes output_bytes(TaskId id, Precision p) const;

private:
  const Model* model_ = nullptr;
  std::vector<Task> tasks_;
  TaskId input_{};
  std::vector<TaskId> outputs_;
  std::vector<TaskId> order_;
  std::vector<std::size_t> position_;
  std::vector<std::vector<TaskId>> by_layer_;
};

} // namespace tandem
