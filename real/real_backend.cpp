#include "real/real_backend.hpp"

#include <algorithm>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <map>
#include <mutex>
#include <optional>
#include <set>

#include <fmt/format.h>

#include "core/error.hpp"
#include "real/channel.hpp"
#include "real/cpu_isa.hpp"
#include "real/cpu_pinning.hpp"
#include "real/executor.hpp"
#include "real/quantize.hpp"
#include "real/server.hpp"
#include "real/token_bucket.hpp"
#include "real/work_queue.hpp"

namespace tandem::real {
namespace {

using Key = std::pair<std::uint64_t, std::uint32_t>; // (inference, task)

std::uint64_t mix64(std::uint64_t x) { // splitmix64's finaliser
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// Server work the device still waits for, by activity id.
struct Pending {
  enum class Kind { compute, fetch, uplink };
  Kind kind = Kind::compute;
  std::uint64_t inference = 0;
  TaskId task{};
  Precision precision = Precision::fp32();
  Bytes bytes = 0;
  Seconds paced_finish_s = 0; // transfers: when the trace has carried the bytes
};

struct Device {
  int index = 0;
  std::unique_ptr<Executor> executor;
  std::shared_ptr<Channel> channel;
  std::unique_ptr<WorkQueue> compute; // the device's CPU: local layers, fallback work
  std::unique_ptr<WorkQueue> codec;   // encoding uplinks, decoding downlinks
  TokenBucket* uplink = nullptr;
  std::unique_ptr<TokenBucket> downlink;
  std::vector<int> team_cpus; // where the compute thread's OpenMP team may run, measured

  std::mutex store_mutex;
  std::map<Key, std::shared_ptr<const Tensor>> store;

  // Guarded by Impl::mutex.
  std::optional<wire::Ready> ready;
  std::optional<std::string> setup_error;
  bool closed = false;
  bool lost = false;
  std::map<ActivityId, Pending> pending;
};

} // namespace

struct RealBackend::Impl {
  const TaskGraph& graph;
  RealBackendOptions options;
  BackendClock clock;
  IoThread io;
  std::vector<TokenBucket> uplinks;
  std::vector<std::unique_ptr<Device>> devices;

  mutable std::mutex mutex;
  std::condition_variable cv;
  std::multimap<Seconds, ActivityId> due; // completions not reported yet, by when they happened
  std::set<ActivityId> abandoned_due;     // those of them abandoned (their server was lost)
  std::set<ActivityId> last_abandoned;    // the abandoned ones wait_until last returned
  std::size_t running = 0;                // started, not reported
  Seconds now_s = 0;                      // the time of the event wait_until last returned
  std::optional<std::string> failure;
  bool shutting_down = false;
  EventLag lag;

  Impl(const TaskGraph& g, RealBackendOptions o) : graph(g), options(std::move(o)) {}

  // --- completions -------------------------------------------------------------------------------

  void complete_at(ActivityId id, Seconds when) {
    {
      std::lock_guard lock(mutex);
      due.emplace(when, id);
    }
    cv.notify_all();
  }

  // Reports server work as finished without doing it: the device lost its server.
  void abandon(ActivityId id) {
    {
      std::lock_guard lock(mutex);
      abandoned_due.insert(id);
      due.emplace(clock.now(), id);
    }
    cv.notify_all();
  }

  void fail(std::string message) {
    {
      std::lock_guard lock(mutex);
      if (!failure)
        failure = std::move(message);
    }
    cv.notify_all();
  }

  void note_lag(Seconds wall) {
    const Seconds late = std::max(0.0, wall - now_s);
    ++lag.events;
    lag.total_s += late;
    lag.max_s = std::max(lag.max_s, late);
  }

  // --- tensors on the device ---------------------------------------------------------------------

  std::uint64_t input_seed(int device, std::uint64_t inference) const {
    return mix64(mix64(options.input_seed ^ mix64(static_cast<std::uint64_t>(device) + 1)) ^
                 inference);
  }

  // The device's copy of a task output (the model input is made on first use); null if absent.
  std::shared_ptr<const Tensor> tensor_of(Device& d, std::uint64_t inference, TaskId task) {
    std::lock_guard lock(d.store_mutex);
    const Key key{inference, static_cast<std::uint32_t>(index_of(task))};
    if (auto it = d.store.find(key); it != d.store.end())
      return it->second;
    if (!graph.task(task).is_input)
      return nullptr;
    auto input =
        std::make_shared<const Tensor>(d.executor->make_input(input_seed(d.index, inference)));
    d.store.emplace(key, input);
    return input;
  }

  void store(Device& d, std::uint64_t inference, TaskId task, std::shared_ptr<const Tensor> t) {
    std::lock_guard lock(d.store_mutex);
    d.store[Key{inference, static_cast<std::uint32_t>(index_of(task))}] = std::move(t);
  }

  // Runs a task on the device's executor (compute thread only) and keeps its output.
  void run_on_device(Device& d, std::uint64_t inference, TaskId task) {
    const auto& t = graph.task(task);
    std::vector<std::shared_ptr<const Tensor>> inputs;
    std::vector<const Tensor*> operands;
    for (auto in : t.inputs) {
      auto tensor = tensor_of(d, inference, in);
      if (!tensor)
        throw BackendError(
            fmt::format("device {}: '{}' of inference {} needs '{}', which is not on the device",
                        d.index, graph.task_name(task), inference, graph.task_name(in)));
      operands.push_back(tensor.get());
      inputs.push_back(std::move(tensor));
    }
    store(d, inference, task, std::make_shared<const Tensor>(d.executor->run(t.layer, operands)));
  }

  // --- server loss -------------------------------------------------------------------------------

  void on_close(Device& d, const std::string& reason) {
    std::map<ActivityId, Pending> owed;
    {
      std::lock_guard lock(mutex);
      d.closed = true;
      if (shutting_down)
        return cv.notify_all();
      if (!d.ready) {
        if (!d.setup_error) // the server's error message says more than the close
          d.setup_error = reason;
        return cv.notify_all();
      }
      if (!options.fallback_to_device) {
        if (!failure)
          failure = fmt::format("device {} lost the server: {}", d.index, reason);
        return cv.notify_all();
      }
      d.lost = true;
      owed.swap(d.pending);
    }
    fmt::print(stderr,
               "tandem: device {} lost the server ({}); its inferences finish on the device\n",
               d.index, reason);
    for (const auto& entry : owed)
      abandon(entry.first);
  }

  // Registers server work, or returns false when the server is gone (the caller abandons it).
  bool register_pending(Device& d, ActivityId id, const Pending& p) {
    std::lock_guard lock(mutex);
    ++running;
    if (d.lost)
      return false;
    d.pending.emplace(id, p);
    return true;
  }

  std::optional<Pending> take_pending(Device& d, ActivityId id) {
    std::lock_guard lock(mutex);
    auto it = d.pending.find(id);
    if (it == d.pending.end())
      return std::nullopt;
    auto p = it->second;
    d.pending.erase(it);
    return p;
  }

  // --- messages from the server, on the io thread ------------------------------------------------

  void on_message(Device& d, wire::Message&& message) {
    if (auto* done = std::get_if<wire::ComputeDone>(&message)) {
      const auto p = take_pending(d, done->tag);
      if (!p || p->kind != Pending::Kind::compute)
        throw wire::ProtocolError(fmt::format("compute_done for unknown request {}", done->tag));
      complete_at(done->tag, clock.now());
      return;
    }
    if (auto* t = std::get_if<wire::Tensor>(&message))
      return on_tensor(d, std::move(*t));
    if (auto* ready = std::get_if<wire::Ready>(&message)) {
      {
        std::lock_guard lock(mutex);
        d.ready = *ready;
      }
      cv.notify_all();
      return;
    }
    if (auto* error = std::get_if<wire::Error>(&message)) {
      std::lock_guard lock(mutex);
      if (!d.ready) {
        d.setup_error = error->message;
        cv.notify_all();
      } else if (!failure) {
        failure = fmt::format("the server reported for device {}: {}", d.index, error->message);
        cv.notify_all();
      }
      return;
    }
    if (std::holds_alternative<wire::Bye>(message))
      return d.channel->close("the server said bye");
    throw wire::ProtocolError(fmt::format("a {} message is never sent by a server",
                                          wire::to_string(wire::type_of(message))));
  }

  void on_tensor(Device& d, wire::Tensor t) {
    std::optional<Pending> p;
    {
      std::lock_guard lock(mutex);
      auto it = d.pending.find(t.tag);
      if (it == d.pending.end() || it->second.kind != Pending::Kind::fetch)
        throw wire::ProtocolError(fmt::format("a tensor for unknown fetch {}", t.tag));
      const auto& f = it->second;
      const auto expected = wire::tensor_payload_bytes(graph, f.task, f.precision);
      if (t.inference != f.inference || t.task != index_of(f.task) || t.precision != f.precision ||
          t.data.size() != expected)
        throw wire::ProtocolError(
            fmt::format("fetch {} ('{}' of inference {} at {}, {} bytes) answered with task {} of "
                        "inference {} at {}, {} bytes",
                        t.tag, graph.task_name(f.task), f.inference, to_string(f.precision),
                        expected, t.task, t.inference, to_string(t.precision), t.data.size()));
      p = f;
      d.pending.erase(it);
    }
    const ActivityId id = t.tag;
    const bool inline_decode = t.data.size() <= wire::kInlineCodecBytes;
    auto job = [this, &d, id, p = *p, t = std::move(t)] {
      try {
        store(d, p.inference, p.task,
              std::make_shared<const Tensor>(
                  decode(t.data, p.precision, wire::transfer_shape(graph, p.task))));
        complete_at(id, std::max(clock.now(), p.paced_finish_s));
      } catch (const std::exception& e) {
        fail(fmt::format("device {}: decoding '{}' failed: {}", d.index, graph.task_name(p.task),
                         e.what()));
      }
    };
    if (inline_decode)
      job();
    else
      d.codec->post(std::move(job));
  }

  // --- set-up and shutdown -----------------------------------------------------------------------

  void connect_all() {
    const auto limit = wire::max_payload_for(graph.model());
    for (auto& dp : devices) {
      Device& d = *dp;
      d.channel = Channel::connect(io.context(), options.host, options.port, limit);
      // Unpaced (the kernel shapes the link): an uplink is done when the server's TCP has it.
      d.channel->set_written_when_acked(!options.pace);
      d.channel->start([this, &d](wire::Message&& m) { on_message(d, std::move(m)); },
                       [this, &d](const std::string& reason) { on_close(d, reason); });
      wire::Hello hello;
      hello.model = options.model;
      hello.batch = options.batch;
      hello.seq_len = options.seq_len;
      hello.weight_seed = options.weight_seed;
      hello.threads = options.server_threads;
      hello.device = d.index;
      d.channel->send(hello);
    }
  }

  void wait_ready() {
    const auto fingerprint = wire::model_fingerprint(graph.model());
    const auto deadline = std::chrono::steady_clock::now() +
                          std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                              std::chrono::duration<double>(options.connect_timeout_s));
    std::unique_lock lock(mutex);
    for (auto& dp : devices) {
      Device& d = *dp;
      if (!cv.wait_until(lock, deadline, [&] { return d.ready || d.setup_error; }))
        throw BackendError(
            fmt::format("the server at {}:{} did not answer device {}'s hello within {} s",
                        options.host, options.port, d.index, options.connect_timeout_s));
      if (d.setup_error)
        throw BackendError(fmt::format("the server at {}:{} refused device {}: {}", options.host,
                                       options.port, d.index, *d.setup_error));
      if (d.ready->fingerprint != fingerprint || d.ready->layers != graph.model().size())
        throw BackendError(fmt::format(
            "the server built a different model '{}' ({} layers) than the device ('{}', {} "
            "layers): check that the model file is the same on both machines",
            d.ready->model_name, d.ready->layers, graph.model().name(), graph.model().size()));
    }
  }

  void shutdown() {
    {
      std::lock_guard lock(mutex);
      shutting_down = true;
    }
    for (auto& d : devices) { // nothing may touch a device after this
      if (d->compute)
        d->compute->stop();
      if (d->codec)
        d->codec->stop();
    }
    for (auto& d : devices)
      if (d->channel)
        d->channel->say_goodbye("the run is over");
    std::unique_lock lock(mutex);
    cv.wait_for(lock, std::chrono::seconds(2), [&] {
      return std::all_of(devices.begin(), devices.end(),
                         [](const auto& d) { return !d->channel || d->closed; });
    });
    lock.unlock();
    io.stop();
  }
};

RealBackend::RealBackend(const TaskGraph& graph, RealBackendOptions options)
    : impl_(std::make_unique<Impl>(graph, std::move(options))) {
  auto& s = *impl_;
  const auto& o = s.options;
  for (const auto& t : graph.tasks())
    if (t.tiles != 1)
      throw BackendError(fmt::format("the real backend runs whole layers; task '{}' is a tile",
                                     graph.task_name(t.id)));
  if (o.devices < 1 || o.downlink.size() != static_cast<std::size_t>(o.devices) ||
      o.uplink.size() != (o.shared_uplink ? 1 : static_cast<std::size_t>(o.devices)))
    throw BackendError(fmt::format(
        "real backend: {} devices need {} uplink and {} downlink traces, got {} and {}", o.devices,
        o.shared_uplink ? 1 : o.devices, o.devices, o.uplink.size(), o.downlink.size()));
  for (const auto& trace : o.uplink)
    s.uplinks.emplace_back(trace);
  for (int i = 0; i < o.devices; ++i) {
    auto d = std::make_unique<Device>();
    d->index = i;
    d->uplink = &s.uplinks[o.shared_uplink ? 0 : static_cast<std::size_t>(i)];
    d->downlink = std::make_unique<TokenBucket>(o.downlink[static_cast<std::size_t>(i)]);
    s.devices.push_back(std::move(d));
  }
  if (!o.device_cpus.empty() &&
      o.device_cpus.size() < static_cast<std::size_t>(o.devices) * o.device_threads)
    throw BackendError(fmt::format("real backend: {} devices of {} threads need {} CPUs to be "
                                   "pinned to, got {} ({})",
                                   o.devices, o.device_threads, o.devices * o.device_threads,
                                   o.device_cpus.size(), cpu_list_text(o.device_cpus)));
  if (!o.device_isa.empty())
    cap_cpu_isa(o.device_isa); // before this process creates its first oneDNN primitive
  try {
    s.connect_all(); // the server builds its model while the device builds its own
    ExecutorOptions eo;
    eo.threads = o.device_threads;
    eo.weight_seed = o.weight_seed;
    eo.slowdown = o.device_slowdown;
    eo.side = Side::device;
    for (auto& d : s.devices) {
      d->executor = std::make_unique<Executor>(graph.model(), eo);
      d->compute = std::make_unique<WorkQueue>(1);
      d->codec = std::make_unique<WorkQueue>(1);
      if (!o.device_cpus.empty()) {
        const auto first = o.device_cpus.begin() + d->index * o.device_threads;
        const std::vector<int> own(first, first + o.device_threads);
        std::exception_ptr error;
        auto pin = [&] {
          try {
            pin_this_thread(own);
          } catch (...) {
            error = std::current_exception();
          }
        };
        d->compute->run_on_each(pin); // before its first OpenMP region: the team inherits it
        d->codec->run_on_each(pin);
        if (error)
          std::rethrow_exception(error);
      }
      if (o.warm_up) { // on the thread that computes: oneDNN's first run on a thread is slow
        std::exception_ptr error;
        d->compute->run_on_each([&] { // cannot stop meanwhile: nobody else holds the queue
          try {
            warm_up(*d->executor);
          } catch (...) {
            error = std::current_exception();
          }
        });
        if (error)
          std::rethrow_exception(error);
      }
      d->compute->run_on_each([&] { d->team_cpus = team_cpus(o.device_threads); });
    }
    s.wait_ready();
  } catch (...) {
    s.shutdown();
    throw;
  }
  s.clock.restart();
}

RealBackend::~RealBackend() {
  impl_->shutdown();
}

Seconds RealBackend::now() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->now_s;
}

void RealBackend::start_compute(ActivityId id, const ComputeRequest& r) {
  auto& s = *impl_;
  auto& d = *s.devices.at(static_cast<std::size_t>(r.device));
  if (r.side == Side::device) {
    {
      std::lock_guard lock(s.mutex);
      ++s.running;
    }
    d.compute->post([&s, &d, id, r] {
      try {
        s.run_on_device(d, r.inference, r.task);
        s.complete_at(id, s.clock.now());
      } catch (const std::exception& e) {
        s.fail(fmt::format("device {}: computing '{}' failed: {}", d.index,
                           s.graph.task_name(r.task), e.what()));
      }
    });
    return;
  }
  const Pending p{Pending::Kind::compute, r.inference, r.task, Precision::fp32(), 0, 0};
  if (!s.register_pending(d, id, p))
    return s.abandon(id);
  d.channel->send(wire::Compute{id, r.inference, static_cast<std::uint32_t>(index_of(r.task)),
                                static_cast<std::uint32_t>(r.worker)});
}

void RealBackend::start_transfer(ActivityId id, const TransferRequest& r) {
  auto& s = *impl_;
  auto& d = *s.devices.at(static_cast<std::size_t>(r.device));
  const bool up = r.direction == Direction::uplink;
  auto& bucket = up ? *d.uplink : *d.downlink;
  const Seconds finish = s.options.pace ? bucket.reserve(now(), r.bytes) : now();
  if (!std::isfinite(finish))
    throw BackendError(fmt::format(
        "the {} trace of device {} never carries the {} bytes of '{}' (it stays at 0 B/s)",
        up ? "uplink" : "downlink", r.device, r.bytes, s.graph.task_name(r.task)));
  const Pending p{up ? Pending::Kind::uplink : Pending::Kind::fetch,
                  r.inference,
                  r.task,
                  r.precision,
                  r.bytes,
                  finish};
  if (!s.register_pending(d, id, p))
    return s.abandon(id);
  const auto task = static_cast<std::uint32_t>(index_of(r.task));
  if (!up) {
    d.channel->send(wire::Fetch{id, r.inference, task, r.precision});
    return;
  }
  auto job = [&s, &d, id, r, task, finish] {
    try {
      const auto tensor = s.tensor_of(d, r.inference, r.task);
      if (!tensor)
        throw BackendError(fmt::format("'{}' of inference {} is not on the device",
                                       s.graph.task_name(r.task), r.inference));
      auto frame = wire::encode_frame(
          wire::Tensor{0, r.inference, task, r.precision, encode(*tensor, r.precision)});
      d.channel->send_frame(std::move(frame), [&s, &d, id, finish](bool ok) {
        // Not sent: the channel closed, and on_close abandons it.
        if (ok && s.take_pending(d, id))
          s.complete_at(id, std::max(s.clock.now(), finish));
      });
    } catch (const std::exception& e) {
      s.fail(fmt::format("device {}: sending '{}' failed: {}", d.index, s.graph.task_name(r.task),
                         e.what()));
    }
  };
  if (wire::tensor_payload_bytes(s.graph, r.task, r.precision) <= wire::kInlineCodecBytes)
    job(); // on the runtime thread: cheaper than waking the codec thread
  else
    d.codec->post(std::move(job));
}

std::vector<ActivityId> RealBackend::wait_until(Seconds deadline) {
  auto& s = *impl_;
  std::unique_lock lock(s.mutex);
  for (;;) {
    if (s.failure)
      throw BackendError(*s.failure);
    const Seconds wall = s.clock.now();
    if (!s.due.empty() && s.due.begin()->first <= wall && s.due.begin()->first <= deadline) {
      // The next event, never before the last one (a completion may be queued late).
      const Seconds t = std::max(s.due.begin()->first, s.now_s);
      std::vector<ActivityId> done;
      while (!s.due.empty() && s.due.begin()->first <= t) {
        done.push_back(s.due.begin()->second);
        s.due.erase(s.due.begin());
      }
      std::sort(done.begin(), done.end());
      s.last_abandoned.clear();
      for (auto id : done)
        if (s.abandoned_due.erase(id) > 0)
          s.last_abandoned.insert(id);
      s.running -= done.size();
      s.now_s = t;
      s.note_lag(wall);
      return done;
    }
    if (deadline <= wall) {
      s.last_abandoned.clear();
      s.now_s = std::max(s.now_s, deadline);
      s.note_lag(wall);
      return {};
    }
    if (s.running == 0 && deadline == kForever)
      return {};
    Seconds wake = deadline;
    if (!s.due.empty())
      wake = std::min(wake, s.due.begin()->first);
    if (wake == kForever)
      s.cv.wait(lock);
    else
      s.cv.wait_until(lock, s.clock.at(wake));
  }
}

void RealBackend::forget_inference(int device, std::uint64_t inference) {
  auto& s = *impl_;
  auto& d = *s.devices.at(static_cast<std::size_t>(device));
  {
    std::lock_guard lock(d.store_mutex);
    auto it = d.store.lower_bound(Key{inference, 0});
    while (it != d.store.end() && it->first.first == inference)
      it = d.store.erase(it);
  }
  bool lost = false;
  {
    std::lock_guard lock(s.mutex);
    lost = d.lost;
  }
  if (!lost)
    d.channel->send(wire::Forget{inference});
}

bool RealBackend::abandoned(ActivityId id) const {
  std::lock_guard lock(impl_->mutex);
  return impl_->last_abandoned.count(id) > 0;
}

EventLag RealBackend::lag() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->lag;
}

DeviceEmulation RealBackend::emulation(int device) const {
  const auto& d = *impl_->devices.at(static_cast<std::size_t>(device));
  DeviceEmulation e;
  e.cpu_isa = onednn_info().cpu_isa;
  e.slowdown = d.executor->options().slowdown;
  e.threads = d.executor->options().threads;
  e.cpus = d.team_cpus;
  return e;
}

bool RealBackend::server_lost(int device) const {
  std::lock_guard lock(impl_->mutex);
  return impl_->devices.at(static_cast<std::size_t>(device))->lost;
}

} // namespace tandem::real
