#pragma once
// The narrow seam between the one runtime and the machines that carry out its decisions (ASTRA-sim
// style). A backend starts compute tasks and link transfers on idle resources and reports when they
// finish; all queueing, ordering and bookkeeping stays in the runtime, so both backends behave
// alike.
//   SimBackend (sim/): SimGrid activities on modelled hosts and links.
//   RealBackend (real/): oneDNN on worker threads and a TCP channel to a server process.
#include <cstdint>
#include <limits>
#include <vector>

#include "core/precision.hpp"
#include "core/runtime/task_graph.hpp"
#include "core/side.hpp"
#include "core/units.hpp"

namespace tandem {

using ActivityId = std::uint64_t;
inline constexpr Seconds kForever = std::numeric_limits<double>::infinity();

enum class Direction { uplink, downlink }; // device -> server, server -> device

struct ComputeRequest {
  int device = 0;           // the device the inference belongs to
  Side side = Side::device; // where to compute
  int worker = 0;           // server worker slot (0 on a device)
  std::uint64_t inference = 0;
  TaskId task{};
  Seconds duration_s = 0; // the time the cost table charges (the simulator uses it as is)
};

struct TransferRequest {
  int device = 0;
  Direction direction = Direction::uplink;
  std::uint64_t inference = 0;
  TaskId task{}; // whose output travels
  Precision precision = Precision::fp32();
  Bytes bytes = 0; // tensor_bytes at that precision
};

class Backend {
public:
  virtual ~Backend() = default;
  virtual Seconds now() const = 0;
  virtual void start_compute(ActivityId id, const ComputeRequest& request) = 0;
  // A transfer occupies its link for its serialization time (bytes over the bandwidth at that
  // moment); the runtime adds the one-way propagation latency itself, so the link can pipeline.
  virtual void start_transfer(ActivityId id, const TransferRequest& request) = 0;
  // Waits until the next completion or `deadline`, whichever comes first. Returns every activity
  // that finished at that moment, sorted by id (deterministic ties); empty when the deadline came
  // first, and then now() == deadline. With nothing running and deadline = kForever, returns empty.
  virtual std::vector<ActivityId> wait_until(Seconds deadline) = 0;
  // Whether an activity the last wait_until returned was abandoned instead of carried out: the
  // device lost its server (real backend; a simulated server never fails). From then on the
  // backend abandons that device's server computes and transfers at once, running or new; the
  // runtime finishes their inferences on the device (InferenceRecord::fallback).
  virtual bool abandoned(ActivityId /*id*/) const { return false; }
  // Every output of this inference is on the device: a backend may free what it kept for it.
  virtual void forget_inference(int /*device*/, std::uint64_t /*inference*/) {}
};

} // namespace tandem
