#include "sim/sim_backend.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>
#include <simgrid/s4u/Activity.hpp>
#include <simgrid/s4u/Actor.hpp>
#include <simgrid/s4u/Comm.hpp>
#include <simgrid/s4u/Engine.hpp>
#include <simgrid/s4u/Exec.hpp>
#include <simgrid/s4u/Host.hpp>
#include <simgrid/s4u/Link.hpp>
#include <simgrid/simix.hpp>

#include "core/error.hpp"

namespace tandem::sim {
namespace sg4 = simgrid::s4u;

struct SimBackend::Pending {
  ActivityId id = 0;
  sg4::Host* host = nullptr;        // the exec's host, or the transfer's source
  sg4::Host* destination = nullptr; // nullptr for an exec
  double flops = 0;
  Bytes bytes = 0;
  Seconds duration_s = 0;             // an exec's closed-form length
  const PlatformLink* link = nullptr; // a transfer's link
};

SimBackend::SimBackend(const Platform& platform)
    : platform_(platform), now_(sg4::Engine::get_clock()) {}

// Nothing SimGrid-side here: the destructor may run while SimGrid unwinds a killed actor, when no
// simcall may be issued. run_simulation calls cancel_all() on the normal path.
SimBackend::~SimBackend() = default;

void SimBackend::start_compute(ActivityId id, const ComputeRequest& r) {
  if (!(r.duration_s >= 0) || !std::isfinite(r.duration_s))
    throw BackendError(fmt::format("compute activity {} (device {}, inference {}): duration {} s "
                                   "is not a finite time >= 0",
                                   id, r.device, r.inference, r.duration_s));
  if (r.device < 0 || r.device >= static_cast<int>(platform_.devices.size()))
    throw BackendError(fmt::format("compute activity {}: device {} is not in the platform ({} "
                                   "devices)",
                                   id, r.device, platform_.devices.size()));
  const int workers = static_cast<int>(platform_.server_workers.size());
  if (r.side == Side::server && (r.worker < 0 || r.worker >= workers))
    throw BackendError(fmt::format("compute activity {}: server worker {} is not in the platform "
                                   "({} workers)",
                                   id, r.worker, workers));
  if (r.duration_s == 0) {
    instant_.push_back(id);
    return;
  }
  Pending p;
  p.id = id;
  p.host = r.side == Side::device ? platform_.devices[static_cast<std::size_t>(r.device)]
                                  : platform_.server_workers[static_cast<std::size_t>(r.worker)];
  // Exact: kHostSpeed is a power of two.
  p.flops = r.duration_s * kHostSpeed;
  p.duration_s = r.duration_s;
  pending_.push_back(p);
}

void SimBackend::start_transfer(ActivityId id, const TransferRequest& r) {
  if (r.device < 0 || r.device >= static_cast<int>(platform_.devices.size()))
    throw BackendError(fmt::format("transfer activity {}: device {} is not in the platform ({} "
                                   "devices)",
                                   id, r.device, platform_.devices.size()));
  if (r.bytes == 0) {
    instant_.push_back(id);
    return;
  }
  const bool up = r.direction == Direction::uplink;
  const PlatformLink& link = up ? platform_.uplink_of(r.device) : platform_.downlink_of(r.device);
  // SimGrid would run a transfer on a dead link until the zero-rate clamp lets it through, some
  // 1e12 times later than any real answer; say so instead.
  if (!std::isfinite(link.trace->finish_time(now_, static_cast<double>(r.bytes))))
    throw BackendError(fmt::format("transfer activity {} ({} B on the {} of device {} at {} s) "
                                   "can never end: the trace '{}' stays at 0 B/s from then on",
                                   id, r.bytes, up ? "uplink" : "downlink", r.device, now_,
                                   link.trace->source()));
  Pending p;
  p.id = id;
  auto* device = platform_.devices[static_cast<std::size_t>(r.device)];
  p.host = up ? device : platform_.server;
  p.destination = up ? platform_.server : device;
  p.bytes = r.bytes;
  p.link = &link;
  pending_.push_back(p);
}

void SimBackend::flush() {
  if (pending_.empty())
    return;
  // One simcall for the whole batch: in kernel context the s4u calls below take SimGrid's maestro
  // fast path, where each would otherwise be a simcall of its own (3 context switches per start).
  const Seconds clock = sg4::Engine::get_clock();
  simgrid::kernel::actor::simcall_answered([this, clock] {
    for (const auto& p : pending_) {
      if (p.destination == nullptr) {
        sg4::ExecPtr exec = sg4::Exec::init();
        // Exec::set_host, not Host::exec_init: in 3.32 Host::exec_init ignores its host and runs
        // the exec on the calling actor's host.
        exec->set_flops_amount(p.flops)->set_host(p.host);
        exec->start();
        running_.push_back(exec);
        predicted_end_.push_back(clock + p.duration_s);
      } else {
        sg4::CommPtr comm = sg4::Comm::sendto_init(p.host, p.destination);
        comm->set_payload_size(p.bytes);
        if (p.link->varies) {
          // SimGrid 3.32 (CM02) bounds a communication by its route's bandwidth when it starts
          // and never raises that bound: a transfer started at a low rate ignores every later
          // increase. Start it while the link shows the trace's peak, then put the current rate
          // back; no simulated time passes in between, so only the bound changes.
          auto* link = p.link->link;
          const double current = link->get_bandwidth();
          link->set_bandwidth(p.link->peak_bps);
          comm->start();
          link->set_bandwidth(current);
        } else {
          comm->start();
        }
        running_.push_back(comm);
        predicted_end_.push_back(p.link->trace->finish_time(clock, static_cast<double>(p.bytes)));
      }
      running_ids_.push_back(p.id);
    }
  });
  simgrid_activities_ += pending_.size();
  pending_.clear();
}

void SimBackend::take(std::size_t index, std::vector<ActivityId>& done) {
  done.push_back(running_ids_[index]);
  // Order in running_ does not matter: swap with the last one, O(1).
  running_[index] = std::move(running_.back());
  running_.pop_back();
  running_ids_[index] = running_ids_.back();
  running_ids_.pop_back();
  predicted_end_[index] = predicted_end_.back();
  predicted_end_.pop_back();
}

std::vector<ActivityId> SimBackend::wait_until(Seconds deadline) {
  flush();
  std::vector<ActivityId> done;
  if (!instant_.empty()) {
    // Zero-length activities end now, before anything SimGrid still runs.
    done.swap(instant_);
    std::sort(done.begin(), done.end());
    return done;
  }
  if (deadline <= now_) {
    // Everything SimGrid finished at this clock was collected by the previous call, and what
    // started since cannot end before a positive time: nothing ends by the deadline.
    return done;
  }
  if (running_.empty()) {
    if (deadline == kForever)
      return done; // nothing runs and nothing will: the caller decides what that means
    sg4::this_actor::sleep_until(deadline);
    now_ = deadline;
    return done;
  }
  const double clock = sg4::Engine::get_clock();
  const double timeout = deadline == kForever ? -1.0 : std::max(0.0, deadline - clock);
  const ssize_t first = sg4::Activity::wait_any_for(running_, timeout);
  if (first < 0) {
    // SimGrid's timer may fire a rounding step away from the deadline; the runtime needs it exact.
    now_ = deadline;
    return done;
  }
  take(static_cast<std::size_t>(first), done);
  // Others that SimGrid finished in the same step: ask only those whose closed-form end is due
  // (scanning doubles is cheap; Activity::test_any would test every running activity in the
  // kernel). The margin covers rounding between SimGrid's arithmetic and the closed forms, and
  // SimGrid ending together what is due within surf/precision.
  const Seconds t = sg4::Engine::get_clock();
  const Seconds due = t + 1e-9 * std::max(1.0, t);
  for (std::size_t i = 0; i < running_.size();) {
    if (predicted_end_[i] <= due && running_[i]->test())
      take(i, done); // the last one moved to i: look at i again
    else
      ++i;
  }
  now_ = std::max(now_, t);
  std::sort(done.begin(), done.end());
  return done;
}

void SimBackend::cancel_all() {
  pending_.clear();
  instant_.clear();
  for (auto& activity : running_)
    activity->cancel();
  running_.clear();
  running_ids_.clear();
  predicted_end_.clear();
}

} // namespace tandem::sim
