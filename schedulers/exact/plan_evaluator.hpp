#pragma once
// What the runtime (core/runtime/runtime.cpp) does with one inference on a constant link, replayed
// without the runtime: the same resources (one device compute unit, one uplink, a server pool of
// `server_workers`, one downlink), the same queue keys, the same batching of simultaneous events
// (completions before deliveries at equal times) and the same floating-point sums, so a plan's
// latency comes out exactly as `run_plan` measures it (checked in
// tests/reference/exact_evaluator_reference_test.cpp).
//
// Two ways to drive it:
//  - `evaluate`: a static plan, each resource starting the lowest key among its queued items, as
//    the runtime does;
//  - `Simulation::advance` / `choose`: stops whenever a resource could start two or more queued
//    items and lets the caller pick. Branching on every pick enumerates every schedule a plan can
//    produce (the exact scheduler does); the start order on each resource is then a plan that
//    reproduces the schedule (`realized_plan`).
// Tensors travel at fp32; one inference runs alone.
#include <cstdint>
#include <vector>

#include "core/runtime/plan.hpp"
#include "core/runtime/system_view.hpp"

namespace tandem::exact {

enum class Resource : std::uint8_t { device, uplink, server, downlink };

// Everything the runtime charges one inference, per task index, computed as the runtime does.
struct Problem {
  std::vector<Seconds> device_s, server_s;   // compute time charged on each side (0 for the input)
  std::vector<Seconds> uplink_s, downlink_s; // serialization time, fp32 bytes / rate
  std::vector<std::vector<std::uint32_t>> inputs, consumers; // consumers are distinct
  std::vector<std::uint32_t> distinct_inputs;                // per task
  std::vector<std::uint32_t> order;                          // the graph's topological order
  std::vector<bool> is_output;
  std::uint32_t input = 0;
  std::size_t outputs = 0; // graph.outputs().size(): what the runtime waits for
  Seconds latency_s = 0;   // one-way, every transfer
  int server_workers = 1;

  std::size_t size() const { return device_s.size(); }
  // From what a scheduler sees: the cost table and the bandwidth estimates (which equal the link
  // in run_single_inference). An unusable estimate gives infinite transfer times.
  static Problem from_view(const SystemView& view);
  // Equal problems have equal optimal plans: schedulers reuse their last plan on an equal one.
  bool operator==(const Problem&) const = default;
};

// Per task: the order keys of a plan (Plan::priority_of and transfer_priority_of).
struct Priorities {
  std::vector<int> compute;  // device and server queues
  std::vector<int> transfer; // uplink and downlink queues
  static Priorities of(const Plan& plan, const TaskGraph& graph);
};

class Simulation {
public:
  // Starts the inference at time 0. `placement` (index = task) must outlive the simulation. With
  // `keys` (which must outlive it too), every resource starts its lowest key as the runtime does
  // and advance() never stops for a choice.
  Simulation(const Problem& problem, const std::vector<Side>& placement,
             const Priorities* keys = nullptr);

  // Runs until a resource could start one of two or more queued items (returns true; see
  // choosing() and candidates()) or every model output is on the device (returns false). Throws
  // Error when nothing runs and nothing can start (a plan that never delivers a tensor).
  bool advance();
  Resource choosing() const { return choosing_; }
  // The items the choosing resource may start: every queued one, or on the server those that
  // became ready first (its queue is FIFO by readiness, priority only breaks ties).
  const std::vector<std::uint32_t>& candidates() const { return candidates_; }
  // Starts one of candidates() on the choosing resource; call advance() next.
  void choose(std::uint32_t task);

  bool finished() const { return finished_; }
  Seconds finish_s() const { return finish_s_; }
  Seconds now_s() const { return now_; }

  // A lower bound of finish_s() over every way the simulation can continue (valid at any point).
  Seconds lower_bound() const;

  // A plan whose priorities are the start order seen on each resource so far; after the
  // simulation finished, run_plan reproduces its schedule and latency exactly.
  Plan realized_plan() const;

private:
  enum State : std::uint8_t { pending, queued, running, done };
  struct Activity {
    Seconds end_s;
    std::uint64_t id;
    std::uint32_t task;
    Resource resource;
  };
  struct Delivery {
    Seconds time_s;
    std::uint64_t seq;
    std::uint32_t task;
    Side destination;
  };
  struct ServerItem {
    Seconds ready_s;
    std::uint32_t task;
  };

  bool dispatch();
  void push(std::vector<std::uint32_t>& queue, std::uint32_t t, const std::vector<int>& key);
  void start(Resource r, std::uint32_t task);
  void complete(const Activity& a);
  void task_done(std::uint32_t t, Side side);
  void deliver(std::uint32_t t, Side side);
  void enqueue_if_ready(std::uint32_t t);
  void request_transfer(std::uint32_t t, Side destination);
  void check_finished();

  const Problem* p_;
  const std::vector<Side>* placement_;
  const Priorities* keys_;
  Seconds now_ = 0;
  std::vector<State> state_;
  std::vector<std::uint8_t> available_, sent_; // bit 1: device, bit 2: server
  std::vector<std::uint32_t> missing_[2];      // inputs not yet available on each side
  std::vector<Seconds> done_s_;                // completion time of computed tasks
  std::vector<Seconds> available_s_[2];        // when a tensor became available on each side
  // Unordered when choices are left to the caller; with keys, sorted so the next to start is last.
  std::vector<std::uint32_t> device_queue_, uplink_queue_, downlink_queue_;
  std::vector<ServerItem> server_queue_;
  std::vector<Activity> running_;
  std::vector<Delivery> deliveries_;
  std::vector<Activity> activity_batch_;
  std::vector<Delivery> delivery_batch_;
  bool device_busy_ = false, uplink_busy_ = false, downlink_busy_ = false;
  int server_busy_ = 0;
  std::size_t outputs_missing_ = 0;
  bool finished_ = false;
  Seconds finish_s_ = 0;
  std::uint64_t next_id_ = 0, next_seq_ = 0;
  bool dispatching_ = false;
  Resource choosing_ = Resource::device;
  std::vector<std::uint32_t> candidates_;
  // Start order per resource (realized_plan).
  std::vector<int> compute_rank_, transfer_rank_;
  int started_[4] = {0, 0, 0, 0};
};

// The latency the runtime measures for `placement` under static priorities.
Seconds evaluate(const Problem& problem, const std::vector<Side>& placement,
                 const Priorities& priorities);
// Same, from a plan (fp32 tensors only).
Seconds evaluate(const Problem& problem, const Plan& plan, const TaskGraph& graph);

} // namespace tandem::exact
