#pragma once
// The Backend on real machines, device side: the runtime's decisions carried out with oneDNN and a
// TCP connection per device to a `tandem serve` process (wire.hpp).
//   device compute   runs on the device's compute thread with its Executor
//   (side = device) uplink           the device tensor encoded at the transfer
//   precision, sent at once; the
//                    transfer completes when TCP took it and the uplink trace
//                    carried its bytes (token_bucket.hpp)
//   server compute   a compute request; completes when the server answers
//   compute_done downlink         a fetch; completes when the tensor arrived,
//   was decoded, and the downlink trace
//                    carried its bytes (counted from the fetch)
// Time: the backend's clock is wall time since it was ready. now() is the time of the event
// wait_until last returned (a completion's own time, or the deadline), so now() == deadline after a
// deadline as the Backend contract says, and transfers are paced from the event that started them
// however late the runtime thread got to it (lag() measures that lateness).
//
// A compute's real duration is what the machine takes, not the cost table's (ComputeRequest::
// duration_s is ignored). The runtime adds the link latency itself, as on the simulator.
//
// Server loss: when a device's connection drops mid-run, with `fallback_to_device` every server
// compute and transfer of that device still owed (and every later one) is abandoned: reported
// finished at once with abandoned() true. The runtime then finishes the inferences on the device,
// so the records say where each task really ran. Without it, wait_until throws BackendError.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/runtime/backend.hpp"
#include "core/runtime/task_graph.hpp"
#include "traces/bandwidth_trace.hpp"

namespace tandem::real {

struct RealBackendOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
  // What the server loads: a zoo name or a model JSON path (readable on the server's machine).
  std::string model;
  int batch = 1;
  int seq_len = 128;
  std::uint64_t weight_seed = 1; // both sides build the same weights from it
  std::uint64_t input_seed = 1;  // inference k of device d gets input seed f(input_seed, d, k)
  int device_threads = 1;        // oneDNN threads of each device's executor
  int server_threads = 0;        // asked of the server; 0: the server's default
  // Emulation knobs (making this machine's CPU act like the device's; all off on real hardware):
  double device_slowdown = 1.0; // Executor slowdown on the device (emulating a slower CPU)
  std::string device_isa;       // oneDNN ISA cap for this process (cpu_isa.hpp); "" = none
  // CPUs the devices' compute threads are pinned to, device_threads per device in order (device i
  // gets entries [i * device_threads, (i + 1) * device_threads)); empty = not pinned.
  std::vector<int> device_cpus;
  int devices = 1;
  // Link shaping, one trace per device (uplink: a single one when the uplink is shared).
  std::vector<BandwidthTrace> uplink;
  std::vector<BandwidthTrace> downlink;
  bool shared_uplink = false;
  // false: transfers are not paced here (the kernel shapes the link, tc_shaper.hpp); an uplink
  // completes when the server's TCP acknowledged its last byte, a downlink when it arrived.
  bool pace = true;
  bool fallback_to_device = true;
  bool warm_up = true;            // run every layer once on each device before the clock starts
  double connect_timeout_s = 300; // waiting for the server's ready (it builds the model)
};

// A device's emulation as it took effect, read back from oneDNN, the executor and the kernel.
struct DeviceEmulation {
  std::string cpu_isa;   // the ISA oneDNN dispatches to in this process
  double slowdown = 1.0; // the device executor's
  int threads = 1;       // the device executor's oneDNN threads
  std::vector<int> cpus; // where its OpenMP team may run (every CPU when not pinned)
};

// How late the runtime learned of events: wall time when wait_until returned minus the event's
// time.
struct EventLag {
  std::uint64_t events = 0;
  Seconds max_s = 0;
  Seconds total_s = 0;
  Seconds mean_s() const { return events ? total_s / static_cast<double>(events) : 0.0; }
};

class RealBackend : public Backend {
public:
  // Builds each device's executor, connects, sends hello and waits for ready. Throws BackendError
  // when the server is unreachable, refuses the model, or disagrees on it.
  RealBackend(const TaskGraph& graph, RealBackendOptions options);
  ~RealBackend() override;
  RealBackend(const RealBackend&) = delete;
  RealBackend& operator=(const RealBackend&) = delete;

  Seconds now() const override;
  void start_compute(ActivityId id, const ComputeRequest& request) override;
  void start_transfer(ActivityId id, const TransferRequest& request) override;
  std::vector<ActivityId> wait_until(Seconds deadline) override;
  void forget_inference(int device, std::uint64_t inference) override;
  bool abandoned(ActivityId id) const override;

  // Whether this device lost its server.
  bool server_lost(int device) const;
  EventLag lag() const;
  DeviceEmulation emulation(int device) const;

private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

} // namespace tandem::real
