#pragma once
// Everything a scheduler may read: what a real device could know. The model, its task graph, the
// planning cost table, the time, its own queues and the bandwidth *estimate* from completed
// transfers. Never the true bandwidth trace: a scheduler that plans well here plans equally on real
// hardware.
#include <cstdint>

#include "core/cost_table.hpp"
#include "core/runtime/backend.hpp" // Direction
#include "core/runtime/task_graph.hpp"
#include "core/units.hpp"

namespace tandem {

struct SystemView {
  const TaskGraph* graph = nullptr;
  const CostTable* costs = nullptr; // predicted time of each layer on each side
  Seconds now_s = 0;
  int device = 0;              // which device asks
  std::uint64_t inference = 0; // the inference being planned (per device, from 0)
  BytesPerSecond uplink_estimate_bps = 0;
  BytesPerSecond downlink_estimate_bps = 0;
  Seconds link_latency_s = 0; // one-way
  int server_workers = 1;
  Seconds device_backlog_s = 0;        // predicted compute still queued or running on this device
  std::size_t server_queue_length = 0; // tasks waiting for a server worker (all devices)

  const Model& model() const { return graph->model(); }
  // Predicted compute time of a task (a tile gets its share of the layer's time).
  Seconds task_time(TaskId t, Side side) const;
  // Time the link is busy sending `bytes` at the current estimate (no latency); +inf when the
  // estimate is not positive. Pipelined transfers pay the latency once, so cost models add it
  // apart.
  Seconds serialization_s(Bytes bytes, Direction d) const;
  // Predicted time to send one task's output at precision p, latency included.
  Seconds uplink_time(TaskId t, Precision p) const;
  Seconds downlink_time(TaskId t, Precision p) const;
};

} // namespace tandem
