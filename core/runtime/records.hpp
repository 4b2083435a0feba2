#pragma once
// What a run produces, as plain records handed to observers (Taskflow/Batsim style: outputs come
// from observers, never from edits to the runtime). The CSV writers and the Perfetto timeline are
// observers.
#include <cstdint>
#include <string>

#include "core/precision.hpp"
#include "core/runtime/backend.hpp"
#include "core/side.hpp"
#include "core/units.hpp"

namespace tandem {

// One compute task or one transfer.
struct OpRecord {
  enum class Kind { compute, transfer };
  Kind kind = Kind::compute;
  int device = 0;
  std::uint64_t inference = 0;
  TaskId task{};
  std::string task_name;
  Side side = Side::device;                // compute: where it ran
  Direction direction = Direction::uplink; // transfer: which way
  int worker = 0;                          // server worker slot of a server compute task
  Seconds start_s = 0;
  Seconds end_s = 0;       // compute end, or when the last byte left the sender
  Seconds delivered_s = 0; // transfer: end + propagation latency; compute: end
  Bytes bytes = 0;
  Precision precision = Precision::fp32();
};

struct InferenceRecord {
  int device = 0;
  std::uint64_t inference = 0;
  Seconds arrival_s = 0;
  Seconds finish_s = 0;
  Bytes uplink_bytes = 0;
  Bytes downlink_bytes = 0;
  Seconds device_busy_s = 0;
  Seconds server_busy_s = 0;
  int device_tasks = 0;
  int server_tasks = 0;
  int transfers = 0;
  BytesPerSecond uplink_estimate_bps = 0; // the device's estimate when the inference finished
  bool fallback = false;                  // finished locally after a backend failure (real backend)
  std::string plan_note;
};

class RunObserver {
public:
  virtual ~RunObserver() = default;
  virtual void on_op(const OpRecord&) {}
  virtual void on_inference(const InferenceRecord&) {}
};

} // namespace tandem
