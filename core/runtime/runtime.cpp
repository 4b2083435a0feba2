#include "core/runtime/runtime.hpp"

#include <algorithm>
#include <compare>
#include <map>
#include <optional>
#include <set>

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/runtime/bandwidth_estimator.hpp"

namespace tandem {
namespace {

enum class TaskState : std::uint8_t { pending, queued, running, done };

std::uint8_t bit_of(Side s) {
  return s == Side::device ? 1 : 2;
}
Side other(Side s) {
  return s == Side::device ? Side::server : Side::device;
}
Direction direction_to(Side destination) {
  return destination == Side::server ? Direction::uplink : Direction::downlink;
}

struct Inference {
  std::uint64_t key = 0; // global arrival order, the first field of most queue keys
  int device = 0;
  std::uint64_t index = 0; // per device
  Plan plan;
  std::vector<TaskState> state;
  std::vector<std::uint8_t> available; // bit 1: on the device, bit 2: on the server
  std::vector<std::uint8_t> sent;      // bit 1: sent to the device, bit 2: sent to the server
  std::size_t outputs_missing = 0;
  bool fell_back = false; // its device lost the server: every task runs on the device
  InferenceRecord record;
};

// Lexicographic queue order; every field is deterministic, so equal keys never happen.
struct QueueKey {
  double ready_s = 0; // 0 for resources ordered by inference first, readiness time for FIFO
  std::uint64_t inference = 0;
  std::int64_t priority = 0;
  std::uint64_t task = 0;
  auto operator<=>(const QueueKey&) const = default;
};

struct Work {
  bool is_transfer = false;
  std::uint64_t inference = 0;
  TaskId task{};
  Side side = Side::device; // compute: where; transfer: destination
};

struct Resource {
  int slots = 1;
  std::vector<bool> busy;
  std::map<QueueKey, Work> queue;
  bool dirty = false;
  int free_slot() const {
    for (std::size_t i = 0; i < busy.size(); ++i)
      if (!busy[i])
        return static_cast<int>(i);
    return -1;
  }
};

struct Running {
  Resource* resource = nullptr;
  int slot = 0;
  Work work;
  Seconds start_s = 0;
  Seconds duration_s = 0;
  Bytes bytes = 0;
  Precision precision = Precision::fp32();
  bool orphaned = false; // server work of an inference that fell back: its result is not used
};

struct Delivery {
  Seconds time_s = 0;
  std::uint64_t seq = 0;
  std::uint64_t inference = 0;
  TaskId task{};
  Side destination = Side::device;
  auto operator<=>(const Delivery& o) const {
    return std::tie(time_s, seq) <=> std::tie(o.time_s, o.seq);
  }
  bool operator==(const Delivery& o) const { return seq == o.seq; }
};

Resource make_resource(int slots) {
  Resource r;
  r.slots = slots;
  r.busy.assign(static_cast<std::size_t>(slots), false);
  return r;
}

} // namespace

struct Runtime::Impl {
  RuntimeSetup s;
  Backend& backend;
  std::vector<RunObserver*> observers;
  const TaskGraph& graph;

  std::vector<std::unique_ptr<Scheduler>> schedulers;
  std::vector<ArrivalProcess> arrivals;
  std::vector<std::optional<Seconds>> next_arrival;
  std::vector<std::uint64_t> issued;
  std::vector<BandwidthEstimator> uplink_estimate, downlink_estimate;
  std::vector<Seconds> device_backlog_s;
  std::vector<bool> server_lost; // per device: the backend abandoned its server work

  std::vector<Resource> device_cpu, uplinks, downlinks;
  Resource server;
  std::vector<Resource*> dirty;

  std::map<std::uint64_t, Inference> live;
  std::uint64_t next_key = 0;
  std::map<ActivityId, Running> running;
  ActivityId next_activity = 0;
  std::set<Delivery> deliveries;
  std::uint64_t next_delivery = 0;
  RunStats stats;

  Impl(RuntimeSetup setup, Backend& b, std::vector<RunObserver*> obs)
      : s(std::move(setup)), backend(b), observers(std::move(obs)), graph(*s.graph) {
    for (int d = 0; d < s.devices; ++d) {
      schedulers.push_back(s.make_scheduler(d));
      arrivals.emplace_back(s.workload, s.seed, d);
      uplink_estimate.emplace_back(s.initial_uplink_bps, s.ewma_alpha);
      downlink_estimate.emplace_back(s.initial_downlink_bps, s.ewma_alpha);
      device_cpu.push_back(make_resource(1));
      downlinks.push_back(make_resource(1));
      if (!s.shared_uplink || d == 0)
        uplinks.push_back(make_resource(1));
    }
    next_arrival.resize(static_cast<std::size_t>(s.devices));
    issued.assign(static_cast<std::size_t>(s.devices), 0);
    device_backlog_s.assign(static_cast<std::size_t>(s.devices), 0.0);
    server_lost.assign(static_cast<std::size_t>(s.devices), false);
    server = make_resource(s.server_workers);
  }

  Resource& uplink_of(int device) { return uplinks[s.shared_uplink ? 0 : device]; }

  SystemView view(int device, std::uint64_t index, Seconds now) const {
    SystemView v;
    v.graph = &graph;
    v.costs = s.planning_costs;
    v.now_s = now;
    v.device = device;
    v.inference = index;
    v.uplink_estimate_bps = uplink_estimate[device].estimate_bps();
    v.downlink_estimate_bps = downlink_estimate[device].estimate_bps();
    v.link_latency_s = s.link_latency_s;
    v.server_workers = s.server_workers;
    v.device_backlog_s = device_backlog_s[device];
    v.server_queue_length = server.queue.size();
    return v;
  }

  Seconds charged_time(TaskId t, Side side) const {
    const auto& task = graph.task(t);
    return task.is_input ? 0.0 : s.actual_costs->time(task.layer, side) / task.tiles;
  }

  void mark_dirty(Resource& r) {
    if (!r.dirty) {
      r.dirty = true;
      dirty.push_back(&r);
    }
  }

  // --- inference lifecycle ---------------------------------------------------------------------

  void start_inference(int device, Seconds now) {
    Inference inf;
    inf.key = next_key++;
    inf.device = device;
    inf.index = issued[device]++;
    inf.plan = schedulers[device]->plan(view(device, inf.index, now));
    validate(inf.plan, graph, s.scheduler_name);
    if (server_lost[device]) { // the scheduler still plans (it may keep state); the device runs it
      const auto& p = inf.plan.placement;
      inf.record.fallback = std::find(p.begin(), p.end(), Side::server) != p.end();
      inf.plan.placement.assign(graph.size(), Side::device);
      inf.fell_back = true;
    }
    inf.state.assign(graph.size(), TaskState::pending);
    inf.available.assign(graph.size(), 0);
    inf.sent.assign(graph.size(), 0);
    inf.outputs_missing = graph.outputs().size();
    inf.record.device = device;
    inf.record.inference = inf.index;
    inf.record.arrival_s = now;
    inf.record.plan_note = inf.plan.note;
    auto [it, inserted] = live.emplace(inf.key, std::move(inf));
    task_done(it->second, graph.input(), Side::device, now);
    maybe_finish(it->first, now);
  }

  void maybe_finish(std::uint64_t key, Seconds now) {
    auto it = live.find(key);
    if (it == live.end() || it->second.outputs_missing > 0)
      return;
    auto& rec = it->second.record;
    rec.finish_s = now;
    rec.uplink_estimate_bps = uplink_estimate[rec.device].estimate_bps();
    for (auto* o : observers)
      o->on_inference(rec);
    ++stats.inferences;
    const int d = rec.device;
    if (arrivals[d].closed_loop())
      next_arrival[d] = arrivals[d].next(now);
    backend.forget_inference(d, rec.inference);
    live.erase(it);
  }

  void task_done(Inference& inf, TaskId t, Side side, Seconds now) {
    inf.state[index_of(t)] = TaskState::done;
    deliver(inf, t, side, now);
    const auto& task = graph.task(t);
    bool needed_elsewhere = task.is_output && side == Side::server;
    for (auto c : task.consumers)
      needed_elsewhere |=
          inf.plan.side_of(c) != side && inf.state[index_of(c)] == TaskState::pending;
    if (needed_elsewhere)
      request_transfer(inf, t, other(side), now);
  }

  void deliver(Inference& inf, TaskId t, Side side, Seconds now) {
    auto& avail = inf.available[index_of(t)];
    if (avail & bit_of(side))
      return;
    avail |= bit_of(side);
    const auto& task = graph.task(t);
    if (task.is_output && side == Side::device)
      --inf.outputs_missing;
    for (auto c : task.consumers)
      if (inf.plan.side_of(c) == side)
        enqueue_if_ready(inf, c, now);
  }

  bool inputs_on(const Inference& inf, TaskId t, Side side) const {
    for (auto in : graph.task(t).inputs)
      if (!(inf.available[index_of(in)] & bit_of(side)))
        return false;
    return true;
  }

  void enqueue_if_ready(Inference& inf, TaskId t, Seconds now) {
    const Side side = inf.plan.side_of(t);
    if (inf.state[index_of(t)] != TaskState::pending || !inputs_on(inf, t, side))
      return;
    inf.state[index_of(t)] = TaskState::queued;
    const Work work{false, inf.key, t, side};
    const auto prio = inf.plan.priority_of(t, graph);
    if (side == Side::device) {
      device_backlog_s[inf.device] += charged_time(t, side);
      auto& r = device_cpu[inf.device];
      r.queue.emplace(QueueKey{0, inf.key, prio, index_of(t)}, work);
      mark_dirty(r);
    } else {
      server.queue.emplace(QueueKey{now, inf.key, prio, index_of(t)}, work);
      mark_dirty(server);
    }
  }

  void request_transfer(Inference& inf, TaskId t, Side destination, Seconds now) {
    auto& sent = inf.sent[index_of(t)];
    if (sent & bit_of(destination))
      return;
    sent |= bit_of(destination);
    const Work work{true, inf.key, t, destination};
    const auto prio = inf.plan.transfer_priority_of(t, graph);
    auto& r = destination == Side::server ? uplink_of(inf.device) : downlinks[inf.device];
    // A shared uplink serves devices first come, first served; a private link in inference order.
    const double ready = destination == Side::server && s.shared_uplink ? now : 0.0;
    r.queue.emplace(QueueKey{ready, inf.key, prio, index_of(t)}, work);
    mark_dirty(r);
  }

  // --- dispatch and completion -----------------------------------------------------------------

  void dispatch() {
    for (std::size_t i = 0; i < dirty.size(); ++i) { // dirty may grow while we go
      auto& r = *dirty[i];
      r.dirty = false;
      for (int slot = r.free_slot(); slot >= 0 && !r.queue.empty(); slot = r.free_slot()) {
        auto node = r.queue.extract(r.queue.begin());
        start(r, slot, node.mapped());
      }
    }
    dirty.clear();
  }

  void start(Resource& r, int slot, const Work& work) {
    auto& inf = live.at(work.inference);
    const ActivityId id = next_activity++;
    ++stats.activities;
    Running run{&r, slot, work, backend.now(), 0, 0, Precision::fp32()};
    r.busy[static_cast<std::size_t>(slot)] = true;
    if (work.is_transfer) {
      run.precision = inf.plan.precision_of(work.task, work.side);
      run.bytes = graph.output_bytes(work.task, run.precision);
      running.emplace(id, run);
      backend.start_transfer(id, TransferRequest{inf.device, direction_to(work.side), inf.index,
                                                 work.task, run.precision, run.bytes});
    } else {
      inf.state[index_of(work.task)] = TaskState::running;
      run.duration_s = charged_time(work.task, work.side);
      running.emplace(id, run);
      backend.start_compute(
          id, ComputeRequest{inf.device, work.side, slot, inf.index, work.task, run.duration_s});
    }
  }

  void complete(ActivityId id, Seconds now) {
    auto node = running.extract(id);
    if (node.empty())
      throw BackendError(fmt::format("backend reported unknown activity {}", id));
    const Running& run = node.mapped();
    run.resource->busy[static_cast<std::size_t>(run.slot)] = false;
    mark_dirty(*run.resource);
    const auto found = live.find(run.work.inference);
    if (found == live.end()) { // server work of an inference that fell back and finished since
      if (!run.orphaned)
        throw BackendError(fmt::format("backend reported activity {} of a finished inference", id));
      return;
    }
    auto& inf = found->second;
    if (backend.abandoned(id)) { // nothing was done: no record
      lose_server(inf.device, now);
      return;
    }
    OpRecord op;
    op.device = inf.device;
    op.inference = inf.index;
    op.task = run.work.task;
    op.task_name = graph.task_name(run.work.task);
    op.start_s = run.start_s;
    op.end_s = now;
    op.precision = run.precision;
    if (run.work.is_transfer) {
      op.kind = OpRecord::Kind::transfer;
      op.direction = direction_to(run.work.side);
      op.side = run.work.side;
      op.bytes = run.bytes;
      op.delivered_s = now + s.link_latency_s;
      auto& est = run.work.side == Side::server ? uplink_estimate[inf.device]
                                                : downlink_estimate[inf.device];
      est.observe(run.bytes, now - run.start_s);
      (run.work.side == Side::server ? inf.record.uplink_bytes : inf.record.downlink_bytes) +=
          run.bytes;
      ++inf.record.transfers;
      if (!run.orphaned)
        deliveries.insert(
            Delivery{op.delivered_s, next_delivery++, inf.key, run.work.task, run.work.side});
    } else {
      op.kind = OpRecord::Kind::compute;
      op.side = run.work.side;
      op.worker = run.work.side == Side::server ? run.slot : 0;
      op.delivered_s = now;
      if (run.work.side == Side::device) {
        inf.record.device_busy_s += run.duration_s;
        ++inf.record.device_tasks;
        device_backlog_s[inf.device] -= run.duration_s;
      } else {
        inf.record.server_busy_s += run.duration_s;
        ++inf.record.server_tasks;
      }
      if (!run.orphaned)
        task_done(inf, run.work.task, run.work.side, now);
    }
    for (auto* o : observers)
      o->on_op(op);
    if (!run.work.is_transfer && !run.orphaned)
      progress(inf, ProgressEvent{ProgressEvent::Kind::task_done, run.work.task, run.work.side},
               now);
    maybe_finish(inf.key, now);
  }

  void fire_delivery(const Delivery& d, Seconds now) {
    auto it = live.find(d.inference);
    if (it == live.end())
      return; // the inference already has everything it needs
    deliver(it->second, d.task, d.destination, now);
    progress(it->second, ProgressEvent{ProgressEvent::Kind::transfer_done, d.task, d.destination},
             now);
    maybe_finish(d.inference, now);
  }

  // --- decisions while an inference runs -------------------------------------------------------

  void progress(Inference& inf, const ProgressEvent& event, Seconds now) {
    auto& sched = *schedulers[inf.device];
    if (!sched.wants_progress() || inf.outputs_missing == 0 || inf.fell_back)
      return; // a revision could put work on a server that is gone
    if (auto revised = sched.on_progress(view(inf.device, inf.index, now), event))
      revise(inf, std::move(*revised), now);
  }

  void revise(Inference& inf, Plan plan, Seconds now) {
    validate(plan, graph, s.scheduler_name);
    for (const auto& task : graph.tasks()) {
      const auto i = index_of(task.id);
      if (plan.placement[i] == inf.plan.placement[i])
        continue;
      if (inf.state[i] == TaskState::queued)
        unqueue(inf, task.id);
      else if (inf.state[i] != TaskState::pending)
        throw PlanError(s.scheduler_name, graph.task_name(task.id),
                        "a revised plan moved a task that has already started");
    }
    inf.plan = std::move(plan);
    // Inputs of moved tasks may now be needed on the other side.
    for (const auto& task : graph.tasks()) {
      if (inf.state[index_of(task.id)] != TaskState::pending)
        continue;
      const Side side = inf.plan.side_of(task.id);
      for (auto in : task.inputs)
        if (inf.state[index_of(in)] == TaskState::done &&
            !(inf.available[index_of(in)] & bit_of(side)))
          request_transfer(inf, in, side, now);
      enqueue_if_ready(inf, task.id, now);
    }
  }

  // Takes a queued task back (its plan moved it), as if it had never been ready.
  void unqueue(Inference& inf, TaskId t) {
    const Side side = inf.plan.side_of(t);
    auto& r = side == Side::device ? device_cpu[inf.device] : server;
    for (auto it = r.queue.begin(); it != r.queue.end(); ++it)
      if (!it->second.is_transfer && it->second.inference == inf.key && it->second.task == t) {
        r.queue.erase(it);
        break;
      }
    if (side == Side::device)
      device_backlog_s[inf.device] -= charged_time(t, side);
    inf.state[index_of(t)] = TaskState::pending;
  }

  // --- losing the server ----------------------------------------------------------------------

  // The backend abandoned server work of this device: every live inference of it finishes on the
  // device, and later ones run there whole (start_inference).
  void lose_server(int device, Seconds now) {
    server_lost[device] = true;
    for (auto& [key, inf] : live)
      if (inf.device == device && !inf.fell_back)
        fall_back(inf, now);
  }

  // Re-places every task of the inference on the device and recomputes there what only the server
  // held, as far as the device still needs it.
  void fall_back(Inference& inf, Seconds now) {
    const auto n = graph.size();
    const auto& placement = inf.plan.placement;
    inf.record.fallback = std::find(placement.begin(), placement.end(), Side::server) !=
                          placement.end(); // an inference all on the device lost nothing
    inf.fell_back = true;
    // Outputs the device has, is receiving, or is computing itself.
    std::vector<bool> coming(n, false);
    for (std::size_t i = 0; i < n; ++i)
      coming[i] = (inf.available[i] & bit_of(Side::device)) ||
                  (inf.plan.placement[i] == Side::device &&
                   (inf.state[i] == TaskState::queued || inf.state[i] == TaskState::running));
    for (const auto& d : deliveries)
      if (d.inference == inf.key && d.destination == Side::device)
        coming[index_of(d.task)] = true;
    for (auto& [id, run] : running)
      if (run.work.inference == inf.key && (run.work.is_transfer || run.work.side == Side::server))
        run.orphaned = true;
    auto drop_queued = [&](Resource& r) {
      std::erase_if(r.queue, [&](const auto& entry) { return entry.second.inference == inf.key; });
    };
    drop_queued(server);
    drop_queued(uplink_of(inf.device));
    drop_queued(downlinks[inf.device]);
    // What must be (re)computed on the device: missing outputs and, backwards, their missing
    // inputs.
    std::vector<bool> needed(n, false);
    const auto& order = graph.topological_order();
    for (auto it = order.rbegin(); it != order.rend(); ++it) {
      const auto& task = graph.task(*it);
      const auto i = index_of(*it);
      if (coming[i])
        continue;
      needed[i] = task.is_output;
      for (auto c : task.consumers)
        needed[i] = needed[i] || needed[index_of(c)];
    }
    for (std::size_t i = 0; i < n; ++i) {
      const bool on_server = inf.plan.placement[i] == Side::server;
      if (needed[i] ||
          (on_server && (inf.state[i] == TaskState::queued || inf.state[i] == TaskState::running)))
        inf.state[i] = TaskState::pending;
      inf.plan.placement[i] = Side::device;
      inf.sent[i] = 0;
    }
    for (const auto& task : graph.tasks())
      enqueue_if_ready(inf, task.id, now);
  }

  // --- the loop --------------------------------------------------------------------------------

  RunStats run() {
    for (int d = 0; d < s.devices; ++d)
      next_arrival[d] = arrivals[d].first();
    for (;;) {
      Seconds next = kForever;
      for (const auto& a : next_arrival)
        if (a)
          next = std::min(next, *a);
      if (!deliveries.empty())
        next = std::min(next, deliveries.begin()->time_s);
      if (running.empty() && next == kForever)
        break;
      const auto done = backend.wait_until(next);
      if (done.empty() && next == kForever)
        throw BackendError(fmt::format("the backend stopped with {} activities still running "
                                       "(deadlock in the backend)",
                                       running.size()));
      if (!done.empty()) {
        const Seconds now = backend.now();
        for (auto id : done)
          complete(id, now);
      } else {
        // The deadline came: deliveries due now, then arrivals in device order.
        const Seconds now = next;
        while (!deliveries.empty() && deliveries.begin()->time_s <= now) {
          const auto d = *deliveries.begin();
          deliveries.erase(deliveries.begin());
          fire_delivery(d, now);
        }
        for (int d = 0; d < s.devices; ++d) {
          if (next_arrival[d] && *next_arrival[d] <= now) {
            const Seconds t = *next_arrival[d];
            next_arrival[d].reset();
            if (!arrivals[d].closed_loop())
              next_arrival[d] = arrivals[d].next(t);
            start_inference(d, now);
          }
        }
      }
      dispatch();
    }
    if (!live.empty())
      throw BackendError(fmt::format("the run stopped with {} inference(s) unfinished: nothing was "
                                     "running and nothing could start (a plan that never delivers "
                                     "a tensor?)",
                                     live.size()));
    stats.end_s = backend.now();
    return stats;
  }
};

Runtime::Runtime(RuntimeSetup setup, Backend& backend, std::vector<RunObserver*> observers)
    : impl_(std::make_unique<Impl>(std::move(setup), backend, std::move(observers))) {}
Runtime::~Runtime() = default;
RunStats Runtime::run() {
  return impl_->run();
}

} // namespace tandem
