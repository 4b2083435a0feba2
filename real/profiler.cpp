#include "real/profiler.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <optional>
#include <set>

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/profile_csv.hpp"
#include "real/channel.hpp"
#include "real/executor.hpp"
#include "real/quantize.hpp"
#include "real/spawn_server.hpp"
#include "real/work_queue.hpp"

namespace tandem::real {
namespace {

using Clock = std::chrono::steady_clock;

Seconds since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

Seconds median(std::vector<Seconds> samples) {
  std::sort(samples.begin(), samples.end());
  const auto n = samples.size();
  return n % 2 == 1 ? samples[n / 2] : (samples[n / 2 - 1] + samples[n / 2]) / 2;
}

// Median wall time of `work` over `repetitions` calls after `warmup` untimed ones.
template <typename Work> Seconds median_time(int warmup, int repetitions, Work&& work) {
  for (int i = 0; i < warmup; ++i)
    work();
  std::vector<Seconds> samples;
  for (int i = 0; i < repetitions; ++i) {
    const auto start = Clock::now();
    work();
    samples.push_back(since(start));
  }
  return median(std::move(samples));
}

void check_csv_name(const std::string& name) {
  // The profile readers split on commas and never unquote.
  if (name.find_first_of(",\n\r\"") != std::string::npos)
    throw InputError({"profile"}, "layer name", "a name without commas, quotes or line breaks",
                     fmt::format("'{}'", name));
}

constexpr std::array<Column, 6> kTransferColumns{{
    {"model", "model name"},
    {"tensor", "the layer whose output is sent ('input' for the model input)"},
    {"precision", "transfer precision: fp32, fp16, int8 or qK"},
    {"bytes", "bytes on the wire, tensor_bytes(elements, precision)"},
    {"encode_ms", "median time to quantize and pack (or convert) the tensor, milliseconds"},
    {"decode_ms", "median time to unpack and dequantize it back to fp32, milliseconds"},
}};

// via = backend, device side: each layer handed to a compute thread and waited for, as the real
// backend's runtime thread hands device tasks to the device's compute queue.
class HandOff {
public:
  Tensor run(Executor& executor, LayerId id, std::span<const Tensor* const> inputs) {
    std::optional<Tensor> out;
    std::exception_ptr error;
    bool done = false;
    queue_.post([&] {
      try {
        out = executor.run(id, inputs);
      } catch (...) {
        error = std::current_exception();
      }
      {
        std::lock_guard lock(mutex_);
        done = true;
      }
      cv_.notify_all();
    });
    std::unique_lock lock(mutex_);
    cv_.wait(lock, [&] { return done; });
    if (error)
      std::rethrow_exception(error);
    return std::move(*out);
  }

private:
  std::mutex mutex_;
  std::condition_variable cv_;
  WorkQueue queue_{1};
};

// via = backend, server side: a spawned `tandem serve` (one worker) computing the model's layers on
// request, as the real backend asks it during a run.
class RemoteServer {
public:
  RemoteServer(const Model& model, const ProfileOptions& o)
      : server_([&] {
          SpawnOptions so;
          so.executable = o.server_executable;
          so.workers = 1;
          so.threads = o.threads;
          return so;
        }()) {
    channel_ = Channel::connect(io_.context(), server_.host(), server_.port(),
                                wire::max_payload_for(model));
    channel_->start([this](wire::Message&& m) { on_message(std::move(m)); },
                    [this](const std::string& reason) {
                      {
                        std::lock_guard lock(mutex_);
                        closed_ = reason;
                      }
                      cv_.notify_all();
                    });
    wire::Hello hello;
    hello.model = o.model_source.empty() ? model.name() : o.model_source;
    hello.batch = o.batch;
    hello.seq_len = o.seq_len;
    hello.weight_seed = o.weight_seed;
    hello.threads = o.threads;
    channel_->send(hello);
    std::unique_lock lock(mutex_);
    cv_.wait(lock, [&] { return ready_ || closed_; });
    if (!ready_)
      throw BackendError(
          fmt::format("profiling on a spawned server: it refused '{}': {}", hello.model, *closed_));
    if (ready_->fingerprint != wire::model_fingerprint(model))
      throw BackendError(fmt::format("profiling on a spawned server: it built a different model "
                                     "'{}' than '{}'",
                                     ready_->model_name, model.name()));
  }
  ~RemoteServer() {
    if (channel_)
      channel_->say_goodbye("profile done");
    io_.stop();
  }
  RemoteServer(const RemoteServer&) = delete;
  RemoteServer& operator=(const RemoteServer&) = delete;

  void send_input(std::uint64_t inference, LayerId input, const Tensor& tensor) {
    channel_->send(wire::Tensor{0, inference, static_cast<std::uint32_t>(index_of(input)),
                                Precision::fp32(), encode(tensor, Precision::fp32())});
  }
  // Asks for one layer and waits for its compute_done.
  void compute(std::uint64_t inference, LayerId layer) {
    const auto tag = ++next_tag_;
    channel_->send(wire::Compute{tag, inference, static_cast<std::uint32_t>(index_of(layer)), 0});
    std::unique_lock lock(mutex_);
    cv_.wait(lock, [&] { return done_.count(tag) > 0 || closed_; });
    if (!done_.erase(tag))
      throw BackendError(
          fmt::format("profiling on a spawned server: the connection closed: {}", *closed_));
  }
  void forget(std::uint64_t inference) { channel_->send(wire::Forget{inference}); }

private:
  void on_message(wire::Message&& m) {
    {
      std::lock_guard lock(mutex_);
      if (auto* d = std::get_if<wire::ComputeDone>(&m))
        done_.insert(d->tag);
      else if (auto* r = std::get_if<wire::Ready>(&m))
        ready_ = *r;
      else if (auto* e = std::get_if<wire::Error>(&m))
        closed_ = e->message;
      else
        return;
    }
    cv_.notify_all();
  }

  SpawnedServer server_;
  IoThread io_;
  std::shared_ptr<Channel> channel_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::optional<wire::Ready> ready_;
  std::optional<std::string> closed_;
  std::set<std::uint64_t> done_;
  std::uint64_t next_tag_ = 0;
};

} // namespace

std::span<const Column> transfer_columns() {
  return kTransferColumns;
}

Profile profile_model(const Model& model, const ProfileOptions& options) {
  if (options.repetitions < 1)
    throw InputError({"profile"}, "repetitions", "an integer >= 1",
                     std::to_string(options.repetitions));
  if (options.warmup < 0)
    throw InputError({"profile"}, "warmup", "an integer >= 0", std::to_string(options.warmup));
  if (options.precisions.empty())
    throw InputError({"profile"}, "precisions", "at least one precision", "none");
  for (const auto& l : model.layers())
    check_csv_name(l.name);
  check_csv_name(model.name());
  const auto say = [&options](const std::string& line) {
    if (options.progress)
      options.progress(line);
  };

  Executor executor(model, {.threads = options.threads,
                            .weight_seed = options.weight_seed,
                            .slowdown = options.slowdown,
                            .side = options.side});
  const auto& order = model.topological_order();
  std::vector<Tensor> tensors(model.size());
  std::vector<std::vector<Seconds>> samples(model.size());
  tensors[index_of(model.input())] = executor.make_input(options.input_seed);
  const bool remote = options.via == ProfileVia::backend && options.side == Side::server;
  std::optional<HandOff> hand_off;
  std::optional<RemoteServer> server;
  if (options.via == ProfileVia::backend) {
    if (remote)
      server.emplace(model, options);
    else
      hand_off.emplace();
  }
  // A layer's input tensors, in operand order.
  const auto operands = [&](LayerId id) {
    std::vector<const Tensor*> inputs;
    for (const auto p : model.layer(id).inputs)
      inputs.push_back(&tensors[index_of(p)]);
    return inputs;
  };
  // Whole-model passes, so each layer is timed as it runs in an inference: just after its
  // producers, with whatever they left in the caches.
  const int passes = options.warmup + options.repetitions;
  for (int pass = 0; pass < passes; ++pass) {
    const auto pass_start = Clock::now();
    const auto inference = static_cast<std::uint64_t>(pass);
    if (remote)
      server->send_input(inference, model.input(), tensors[index_of(model.input())]);
    for (const auto id : order) {
      if (model.layer(id).kind() == OpKind::input)
        continue;
      const auto inputs = operands(id);
      Tensor out;
      const auto start = Clock::now();
      if (remote)
        server->compute(inference, id);
      else if (hand_off)
        out = hand_off->run(executor, id, inputs);
      else
        out = executor.run(id, inputs);
      const auto elapsed = since(start);
      if (pass >= options.warmup)
        samples[index_of(id)].push_back(elapsed);
      if (!remote)
        tensors[index_of(id)] = std::move(out);
    }
    if (remote)
      server->forget(inference);
    // The backend keeps an inference's tensors until it ends and then frees them all at once, which
    // lets malloc hand that memory back to the system: the next inference's outputs fault their
    // pages in again (measured: +0.2 to +0.8 ms on a layer with a 0.4 to 1.8 MB output).
    // Overwriting one tensor at a time, as the executor mode does, never frees enough at once to
    // see that.
    if (hand_off && pass + 1 < passes)
      for (const auto id : order)
        if (model.layer(id).kind() != OpKind::input)
          tensors[index_of(id)] = Tensor{};
    say(fmt::format("{} {}: pass {}/{} ({}) {:.1f} ms", model.name(), to_string(options.side),
                    pass + 1, passes, pass < options.warmup ? "warm-up" : "timed",
                    s_to_ms(since(pass_start))));
  }
  if (remote) { // the tensors the transfer timings encode, computed here, untimed
    server.reset();
    for (const auto id : order) {
      if (model.layer(id).kind() != OpKind::input)
        tensors[index_of(id)] = executor.run(id, operands(id));
    }
  }

  Profile profile{model.name(), options.side, options.threads, {}, {}, 0};
  for (const auto id : order) {
    const auto& layer = model.layer(id);
    if (layer.kind() == OpKind::input || layer.kind() == OpKind::opaque)
      continue;
    auto& s = samples[index_of(id)];
    const auto [lo, hi] = std::minmax_element(s.begin(), s.end());
    profile.layers.push_back({layer.name, median(s), *lo, *hi});
    profile.total_s += profile.layers.back().median_s;
  }

  // Encoding runs on the calling thread alone (no oneDNN threads but the fp16 reorder's).
  std::size_t done = 0;
  for (const auto id : order) {
    const auto& layer = model.layer(id);
    const auto& tensor = tensors[index_of(id)];
    for (const auto& p : options.precisions) {
      std::vector<std::uint8_t> bytes;
      const auto encode_s =
          median_time(options.warmup, options.repetitions, [&] { bytes = encode(tensor, p); });
      const auto decode_s = median_time(options.warmup, options.repetitions,
                                        [&] { (void)decode(bytes, p, tensor.shape); });
      profile.transfers.push_back({layer.name, p, bytes.size(), encode_s, decode_s});
    }
    if (++done % 25 == 0 || done == order.size())
      say(fmt::format("{}: encoded {}/{} tensors at {} precision(s)", model.name(), done,
                      order.size(), options.precisions.size()));
  }
  return profile;
}

void write_profile_csv(std::ostream& out, const Profile& profile) {
  out << kProfileCsvHeader << '\n';
  for (const auto& l : profile.layers)
    out << fmt::format("{},{},{},fp32,{},{:.6f}\n", profile.model, l.layer, to_string(profile.side),
                       profile.threads, s_to_ms(l.median_s));
}

void write_transfers_csv(std::ostream& out, const Profile& profile) {
  for (std::size_t i = 0; i < kTransferColumns.size(); ++i)
    out << (i > 0 ? "," : "") << kTransferColumns[i].name;
  out << '\n';
  for (const auto& t : profile.transfers)
    out << fmt::format("{},{},{},{},{:.6f},{:.6f}\n", profile.model, t.tensor,
                       to_string(t.precision), t.bytes, s_to_ms(t.encode_s), s_to_ms(t.decode_s));
}

} // namespace tandem::real
