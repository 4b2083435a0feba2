#include "schedulers/exact/plan_evaluator.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "core/error.hpp"

namespace tandem::exact {
namespace {

constexpr Seconds kInf = std::numeric_limits<Seconds>::infinity();
const std::vector<int> kNoKeys;

std::uint8_t bit_of(Side s) {
  return s == Side::device ? 1 : 2;
}
int slot_of(Side s) {
  return s == Side::device ? 0 : 1;
}
Side other(Side s) {
  return s == Side::device ? Side::server : Side::device;
}

// The runtime's AnalyticBackend ends a transfer at `start + bytes / rate` (at `start` for an empty
// tensor); the quotient is computed here once, so `start + quotient` is the same double.
Seconds serialization(Bytes bytes, BytesPerSecond bps) {
  if (bytes == 0)
    return 0;
  if (!(bps > 0) || !std::isfinite(bps))
    return kInf;
  return static_cast<double>(bytes) / bps;
}

} // namespace

Problem Problem::from_view(const SystemView& view) {
  const auto& graph = *view.graph;
  const auto n = graph.size();
  Problem p;
  p.device_s.resize(n);
  p.server_s.resize(n);
  p.uplink_s.resize(n);
  p.downlink_s.resize(n);
  p.inputs.resize(n);
  p.consumers.resize(n);
  p.is_output.resize(n);
  for (const auto& task : graph.tasks()) {
    const auto i = index_of(task.id);
    // The runtime charges `time / tiles` and nothing for the input, as SystemView::task_time.
    p.device_s[i] = view.task_time(task.id, Side::device);
    p.server_s[i] = view.task_time(task.id, Side::server);
    const auto bytes = graph.output_bytes(task.id, Precision::fp32());
    p.uplink_s[i] = serialization(bytes, view.uplink_estimate_bps);
    p.downlink_s[i] = serialization(bytes, view.downlink_estimate_bps);
    for (auto in : task.inputs)
      p.inputs[i].push_back(static_cast<std::uint32_t>(index_of(in)));
    for (auto c : task.consumers)
      p.consumers[i].push_back(static_cast<std::uint32_t>(index_of(c)));
    p.is_output[i] = task.is_output;
  }
  p.distinct_inputs.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    auto in = p.inputs[i];
    std::sort(in.begin(), in.end());
    p.distinct_inputs[i] =
        static_cast<std::uint32_t>(std::unique(in.begin(), in.end()) - in.begin());
  }
  for (auto t : graph.topological_order())
    p.order.push_back(static_cast<std::uint32_t>(index_of(t)));
  p.input = static_cast<std::uint32_t>(index_of(graph.input()));
  p.outputs = graph.outputs().size();
  p.latency_s = view.link_latency_s;
  p.server_workers = std::max(1, view.server_workers);
  return p;
}

Priorities Priorities::of(const Plan& plan, const TaskGraph& graph) {
  Priorities pr;
  pr.compute.resize(graph.size());
  pr.transfer.resize(graph.size());
  for (const auto& task : graph.tasks()) {
    pr.compute[index_of(task.id)] = plan.priority_of(task.id, graph);
    pr.transfer[index_of(task.id)] = plan.transfer_priority_of(task.id, graph);
  }
  return pr;
}

Simulation::Simulation(const Problem& problem, const std::vector<Side>& placement,
                       const Priorities* keys)
    : p_(&problem), placement_(&placement), keys_(keys) {
  const auto n = problem.size();
  if (placement.size() != n)
    throw Error(
        fmt::format("exact::Simulation: {} placement entries for {} tasks", placement.size(), n));
  state_.assign(n, pending);
  available_.assign(n, 0);
  sent_.assign(n, 0);
  done_s_.assign(n, 0);
  available_s_[0].assign(n, 0);
  available_s_[1].assign(n, 0);
  missing_[0] = problem.distinct_inputs;
  missing_[1] = problem.distinct_inputs;
  compute_rank_.assign(n, -1);
  transfer_rank_.assign(n, -1);
  outputs_missing_ = problem.outputs;
  // Runtime::start_inference: the input is done on the device at the arrival.
  now_ = 0;
  task_done(problem.input, Side::device);
  check_finished();
  dispatching_ = true;
}

bool Simulation::advance() {
  for (;;) {
    if (dispatching_) {
      if (!finished_ && dispatch())
        return true;
      dispatching_ = false;
    }
    if (finished_)
      return false;
    // Runtime::run: the backend reports the completions at the earliest time unless a delivery is
    // due strictly before; then every delivery due by then, in creation order.
    Seconds next_completion = kInf, next_delivery = kInf;
    for (const auto& a : running_)
      next_completion = std::min(next_completion, a.end_s);
    for (const auto& d : deliveries_)
      next_delivery = std::min(next_delivery, d.time_s);
    if (running_.empty() && deliveries_.empty())
      throw Error("exact::Simulation: nothing runs and nothing can start (a plan that never "
                  "delivers a tensor?)");
    if (!running_.empty() && next_completion <= next_delivery) {
      now_ = next_completion;
      auto& batch = activity_batch_;
      batch.clear();
      for (std::size_t i = 0; i < running_.size();) {
        if (running_[i].end_s == now_) {
          batch.push_back(running_[i]);
          running_[i] = running_.back();
          running_.pop_back();
        } else {
          ++i;
        }
      }
      std::sort(batch.begin(), batch.end(),
                [](const Activity& x, const Activity& y) { return x.id < y.id; });
      for (const auto& a : batch) {
        complete(a);
        if (finished_)
          return false;
      }
    } else {
      now_ = next_delivery;
      auto& batch = delivery_batch_;
      batch.clear();
      for (std::size_t i = 0; i < deliveries_.size();) {
        if (deliveries_[i].time_s <= now_) {
          batch.push_back(deliveries_[i]);
          deliveries_[i] = deliveries_.back();
          deliveries_.pop_back();
        } else {
          ++i;
        }
      }
      std::sort(batch.begin(), batch.end(), [](const Delivery& x, const Delivery& y) {
        return x.time_s != y.time_s ? x.time_s < y.time_s : x.seq < y.seq;
      });
      for (const auto& d : batch) {
        deliver(d.task, d.destination);
        check_finished();
        if (finished_)
          return false;
      }
    }
    dispatching_ = true;
  }
}

// Starts what each idle resource can start; stops at the first real choice. The order in which
// resources are served does not matter: each has its own queue, and what one starts cannot enqueue
// anything before the next event.
bool Simulation::dispatch() {
  if (keys_) {
    // The runtime's choice: each queue is sorted, its lowest key last.
    if (!device_busy_ && !device_queue_.empty())
      start(Resource::device, device_queue_.back());
    if (!uplink_busy_ && !uplink_queue_.empty())
      start(Resource::uplink, uplink_queue_.back());
    while (server_busy_ < p_->server_workers && !server_queue_.empty())
      start(Resource::server, server_queue_.back().task);
    if (!downlink_busy_ && !downlink_queue_.empty())
      start(Resource::downlink, downlink_queue_.back());
    return false;
  }
  auto single = [&](bool busy, std::vector<std::uint32_t>& queue, Resource r) {
    if (busy || queue.empty())
      return false;
    if (queue.size() == 1) {
      start(r, queue.front());
      return false;
    }
    choosing_ = r;
    candidates_ = queue;
    return true;
  };
  if (single(device_busy_, device_queue_, Resource::device))
    return true;
  if (single(uplink_busy_, uplink_queue_, Resource::uplink))
    return true;
  while (server_busy_ < p_->server_workers && !server_queue_.empty()) {
    Seconds first = kInf;
    for (const auto& item : server_queue_)
      first = std::min(first, item.ready_s);
    candidates_.clear();
    for (const auto& item : server_queue_)
      if (item.ready_s == first)
        candidates_.push_back(item.task);
    if (candidates_.size() > 1) {
      choosing_ = Resource::server;
      return true;
    }
    start(Resource::server, candidates_.front());
  }
  return single(downlink_busy_, downlink_queue_, Resource::downlink);
}

void Simulation::choose(std::uint32_t task) {
  start(choosing_, task);
}

void Simulation::start(Resource r, std::uint32_t task) {
  // Sorted queues lose their last item; unordered ones swap the item out.
  auto take = [&](std::vector<std::uint32_t>& queue) {
    if (!queue.empty() && queue.back() == task) {
      queue.pop_back();
      return;
    }
    auto it = std::find(queue.begin(), queue.end(), task);
    if (it == queue.end())
      throw Error(fmt::format("exact::Simulation: task {} is not queued", task));
    *it = queue.back();
    queue.pop_back();
  };
  Seconds end = now_;
  switch (r) {
  case Resource::device:
    take(device_queue_);
    device_busy_ = true;
    state_[task] = running;
    end = now_ + p_->device_s[task];
    compute_rank_[task] = started_[0]++;
    break;
  case Resource::server: {
    if (server_queue_.back().task == task) {
      server_queue_.pop_back();
    } else {
      auto it = std::find_if(server_queue_.begin(), server_queue_.end(),
                             [&](const ServerItem& s) { return s.task == task; });
      if (it == server_queue_.end())
        throw Error(fmt::format("exact::Simulation: task {} is not queued", task));
      *it = server_queue_.back();
      server_queue_.pop_back();
    }
    ++server_busy_;
    state_[task] = running;
    end = now_ + p_->server_s[task];
    compute_rank_[task] = started_[2]++;
    break;
  }
  case Resource::uplink:
    take(uplink_queue_);
    uplink_busy_ = true;
    end = now_ + p_->uplink_s[task];
    transfer_rank_[task] = started_[1]++;
    break;
  case Resource::downlink:
    take(downlink_queue_);
    downlink_busy_ = true;
    end = now_ + p_->downlink_s[task];
    transfer_rank_[task] = started_[3]++;
    break;
  }
  running_.push_back(Activity{end, next_id_++, task, r});
}

void Simulation::complete(const Activity& a) {
  switch (a.resource) {
  case Resource::device:
    device_busy_ = false;
    task_done(a.task, Side::device);
    break;
  case Resource::server:
    --server_busy_;
    task_done(a.task, Side::server);
    break;
  case Resource::uplink:
    uplink_busy_ = false;
    deliveries_.push_back(Delivery{now_ + p_->latency_s, next_seq_++, a.task, Side::server});
    break;
  case Resource::downlink:
    downlink_busy_ = false;
    deliveries_.push_back(Delivery{now_ + p_->latency_s, next_seq_++, a.task, Side::device});
    break;
  }
  check_finished();
}

void Simulation::task_done(std::uint32_t t, Side side) {
  state_[t] = done;
  done_s_[t] = now_;
  deliver(t, side);
  bool needed_elsewhere = p_->is_output[t] && side == Side::server;
  for (auto c : p_->consumers[t])
    needed_elsewhere |= (*placement_)[c] != side && state_[c] == pending;
  if (needed_elsewhere)
    request_transfer(t, other(side));
}

void Simulation::deliver(std::uint32_t t, Side side) {
  if (available_[t] & bit_of(side))
    return;
  available_[t] |= bit_of(side);
  available_s_[slot_of(side)][t] = now_;
  if (p_->is_output[t] && side == Side::device)
    --outputs_missing_;
  auto& missing = missing_[slot_of(side)];
  for (auto c : p_->consumers[t]) {
    --missing[c];
    if ((*placement_)[c] == side)
      enqueue_if_ready(c);
  }
}

void Simulation::enqueue_if_ready(std::uint32_t t) {
  const Side side = (*placement_)[t];
  if (state_[t] != pending || missing_[slot_of(side)][t] != 0)
    return;
  state_[t] = queued;
  if (side == Side::device) {
    push(device_queue_, t, keys_ ? keys_->compute : kNoKeys);
    return;
  }
  const ServerItem item{now_, t};
  if (!keys_) {
    server_queue_.push_back(item);
    return;
  }
  // The runtime's server key: (ready, priority, task), the lowest first (here: last).
  const auto& key = keys_->compute;
  auto worse = [&](const ServerItem& x, const ServerItem& y) {
    if (x.ready_s != y.ready_s)
      return x.ready_s > y.ready_s;
    return key[x.task] != key[y.task] ? key[x.task] > key[y.task] : x.task > y.task;
  };
  server_queue_.insert(std::upper_bound(server_queue_.begin(), server_queue_.end(), item, worse),
                       item);
}

void Simulation::push(std::vector<std::uint32_t>& queue, std::uint32_t t,
                      const std::vector<int>& key) {
  if (!keys_) {
    queue.push_back(t);
    return;
  }
  // The runtime's key: (priority, task), the lowest first (here: last).
  auto worse = [&](std::uint32_t x, std::uint32_t y) {
    return key[x] != key[y] ? key[x] > key[y] : x > y;
  };
  queue.insert(std::upper_bound(queue.begin(), queue.end(), t, worse), t);
}

void Simulation::request_transfer(std::uint32_t t, Side destination) {
  if (sent_[t] & bit_of(destination))
    return;
  sent_[t] |= bit_of(destination);
  push(destination == Side::server ? uplink_queue_ : downlink_queue_, t,
       keys_ ? keys_->transfer : kNoKeys);
}

void Simulation::check_finished() {
  if (!finished_ && outputs_missing_ == 0) {
    finished_ = true;
    finish_s_ = now_;
  }
}

Seconds Simulation::lower_bound() const {
  if (finished_)
    return finish_s_;
  const auto& p = *p_;
  const auto& placement = *placement_;
  const auto n = p.size();
  Seconds free_s[4] = {now_, now_, now_, now_}; // device, uplink, server (earliest slot), downlink
  Seconds server_min_end = kInf;
  std::vector<Seconds> running_end(n, kInf), sending_end(n, kInf);
  for (const auto& a : running_) {
    switch (a.resource) {
    case Resource::device:
      free_s[0] = a.end_s;
      running_end[a.task] = a.end_s;
      break;
    case Resource::server:
      server_min_end = std::min(server_min_end, a.end_s);
      running_end[a.task] = a.end_s;
      break;
    case Resource::uplink:
      free_s[1] = a.end_s;
      sending_end[a.task] = a.end_s;
      break;
    case Resource::downlink:
      free_s[3] = a.end_s;
      sending_end[a.task] = a.end_s;
      break;
    }
  }
  if (server_busy_ >= p.server_workers)
    free_s[2] = server_min_end;
  std::vector<Seconds> pending_delivery[2] = {std::vector<Seconds>(n, kInf),
                                              std::vector<Seconds>(n, kInf)};
  for (const auto& d : deliveries_)
    pending_delivery[slot_of(d.destination)][d.task] = d.time_s;

  // Earliest completion and availability on each side, relaxing every resource to its own
  // earliest free time (each task alone on it).
  std::vector<Seconds> ec(n, 0),
      av[2] = {std::vector<Seconds>(n, kInf), std::vector<Seconds>(n, kInf)};
  // Release times of what is still to cross each link.
  Seconds up_release = kInf, up_sum = 0, down_release = kInf, down_sum = 0;
  Seconds device_sum = 0, server_sum = 0, server_ready = kInf, server_tail = kInf;
  bool server_left = false;
  Seconds bound = now_;
  for (auto t : p.order) {
    const Side side = placement[t];
    const int s = slot_of(side);
    if (state_[t] == done) {
      ec[t] = done_s_[t];
    } else if (state_[t] == running) {
      ec[t] = running_end[t];
    } else {
      Seconds ready = 0;
      for (auto in : p.inputs[t])
        ready = std::max(ready, av[s][in]);
      const Seconds time = side == Side::device ? p.device_s[t] : p.server_s[t];
      ec[t] = std::max(ready, side == Side::device ? free_s[0] : free_s[2]) + time;
      if (side == Side::device) {
        device_sum += time;
      } else {
        server_left = true;
        server_sum += time;
        server_ready = std::min(server_ready, ready);
      }
    }
    av[s][t] = (available_[t] & bit_of(side)) ? available_s_[s][t] : ec[t];
    // The other side: already there, on its way, or still to be sent if something needs it.
    const int o = 1 - s;
    bool needed = p.is_output[t] && side == Side::server;
    for (auto c : p.consumers[t])
      needed |= placement[c] != side;
    const Seconds link_s = side == Side::device ? p.uplink_s[t] : p.downlink_s[t];
    if (available_[t] & bit_of(other(side))) {
      av[o][t] = available_s_[o][t];
    } else if (pending_delivery[o][t] < kInf) {
      av[o][t] = pending_delivery[o][t];
    } else if (sending_end[t] < kInf) {
      av[o][t] = sending_end[t] + p.latency_s;
    } else if (needed) {
      const Seconds link_free = side == Side::device ? free_s[1] : free_s[3];
      av[o][t] = std::max(ec[t], link_free) + link_s + p.latency_s;
      if (side == Side::device) {
        up_release = std::min(up_release, ec[t]);
        up_sum += link_s;
      } else {
        down_release = std::min(down_release, ec[t]);
        down_sum += link_s;
      }
    }
    if (side == Side::server && state_[t] != done && state_[t] != running && needed)
      server_tail = std::min(server_tail, p.downlink_s[t] + p.latency_s);
    if (p.is_output[t])
      bound = std::max(bound, av[0][t]);
  }
  // Each resource must still carry all its remaining work.
  if (device_sum > 0)
    bound = std::max(bound, free_s[0] + device_sum);
  if (up_release < kInf)
    bound = std::max(bound, std::max(free_s[1], up_release) + up_sum + p.latency_s);
  if (down_release < kInf)
    bound = std::max(bound, std::max(free_s[3], down_release) + down_sum + p.latency_s);
  if (server_left) {
    const Seconds first = std::max(free_s[2], server_ready);
    if (p.server_workers == 1) {
      // The last server task to finish is a model output or feeds the device: it is sent back.
      bound = std::max(bound, first + server_sum + (server_tail < kInf ? server_tail : 0));
    } else {
      bound = std::max(bound, first + server_sum / p.server_workers);
    }
  }
  return bound;
}

Plan Simulation::realized_plan() const {
  const auto n = p_->size();
  Plan plan;
  plan.placement = *placement_;
  plan.priority.resize(n);
  plan.transfer_priority.resize(n);
  const int never = static_cast<int>(n) + 1;
  for (std::size_t i = 0; i < n; ++i) {
    plan.priority[i] = compute_rank_[i] >= 0 ? compute_rank_[i] : never + static_cast<int>(i);
    plan.transfer_priority[i] =
        transfer_rank_[i] >= 0 ? transfer_rank_[i] : never + static_cast<int>(i);
  }
  return plan;
}

Seconds evaluate(const Problem& problem, const std::vector<Side>& placement,
                 const Priorities& priorities) {
  Simulation sim(problem, placement, &priorities);
  sim.advance();
  return sim.finish_s();
}

Seconds evaluate(const Problem& problem, const Plan& plan, const TaskGraph& graph) {
  return evaluate(problem, plan.placement, Priorities::of(plan, graph));
}

} // namespace tandem::exact
