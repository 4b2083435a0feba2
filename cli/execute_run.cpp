#include "cli/execute_run.hpp"

#include <charconv>
#include <chrono>
#include <memory>
#include <utility>

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/output/run_outputs.hpp"
#include "real/real_backend.hpp"
#include "real/spawn_server.hpp"
#include "sim/session.hpp"
#include "traces/link_traces.hpp"

namespace tandem::cli {
namespace {

// Prints a progress line at most every two wall seconds, so short runs stay quiet.
class ProgressLine : public RunObserver {
public:
  ProgressLine(int run, int total_runs, bool enabled)
      : run_(run), total_(total_runs), enabled_(enabled), start_(clock::now()), last_(start_) {}
  void on_inference(const InferenceRecord& r) override {
    ++done_;
    if (!enabled_)
      return;
    const auto now = clock::now();
    if (now - last_ < std::chrono::seconds(2))
      return;
    last_ = now;
    fmt::print(stderr, "tandem: run {}/{}: {} inferences, simulated {:.1f} s, wall {:.1f} s\n",
               run_ + 1, total_, done_, r.finish_s,
               std::chrono::duration<double>(now - start_).count());
  }

private:
  using clock = std::chrono::steady_clock;
  int run_, total_;
  bool enabled_;
  clock::time_point start_, last_;
  std::uint64_t done_ = 0;
};

sim::PlatformSpec platform_of(const ExperimentConfig& c) {
  auto traces = build_link_traces(c);
  sim::PlatformSpec spec;
  spec.devices = c.device.count;
  spec.server_workers = c.server.workers;
  spec.shared_uplink = c.link.shared_uplink;
  spec.uplink = std::move(traces.uplink);
  spec.downlink = std::move(traces.downlink);
  return spec;
}

// --- the real backend's composition root ------------------------------------------------------

// Passes records on, setting `fallback` on inferences the real backend finished on the device
// after losing the server (the runtime does not know; the backend does).
class FallbackMarker : public RunObserver {
public:
  FallbackMarker(const real::RealBackend& backend, std::vector<RunObserver*> next)
      : backend_(backend), next_(std::move(next)) {}
  void on_op(const OpRecord& op) override {
    for (auto* o : next_)
      o->on_op(op);
  }
  void on_inference(const InferenceRecord& r) override {
    auto marked = r;
    marked.fallback = r.fallback || backend_.fell_back(r.device, r.inference);
    for (auto* o : next_)
      o->on_inference(marked);
  }

private:
  const real::RealBackend& backend_;
  std::vector<RunObserver*> next_;
};

// "spawn", or "HOST:PORT".
std::pair<std::string, std::uint16_t> server_address(const ExperimentConfig& c) {
  const auto& a = c.server.address;
  const auto colon = a.rfind(':');
  unsigned port = 0;
  if (colon != std::string::npos && colon > 0) {
    const auto* first = a.data() + colon + 1;
    const auto* last = a.data() + a.size();
    auto [end, ec] = std::from_chars(first, last, port);
    if (ec == std::errc() && end == last && port > 0 && port <= 65535)
      return {a.substr(0, colon), static_cast<std::uint16_t>(port)};
  }
  throw InputError(c.where("server.address"), "server.address",
                   "\"spawn\" or \"HOST:PORT\" (a port 1..65535)", fmt::format("\"{}\"", a));
}

void run_real(const PreparedRun& run, const std::vector<RunObserver*>& observers, RunStats& stats) {
  const auto& c = run.config();
  std::unique_ptr<real::SpawnedServer> spawned;
  real::RealBackendOptions o;
  if (c.server.address == "spawn") {
    real::SpawnOptions so;
    so.workers = c.server.workers;
    so.threads = c.server.threads;
    spawned = std::make_unique<real::SpawnedServer>(so);
    o.host = spawned->host();
    o.port = spawned->port();
  } else {
    std::tie(o.host, o.port) = server_address(c);
  }
  auto traces = build_link_traces(c);
  o.model = c.model.name; // a zoo name, or the model file's resolved path
  o.batch = c.model.batch;
  o.seq_len = c.model.seq_len;
  o.weight_seed = c.seed;
  o.input_seed = c.seed;
  o.device_threads = c.device.threads;
  o.server_threads = c.server.threads;
  o.devices = c.device.count;
  o.uplink = std::move(traces.uplink);
  o.downlink = std::move(traces.downlink);
  o.shared_uplink = c.link.shared_uplink;
  real::RealBackend backend(*run.graph, o);
  FallbackMarker marker(backend, observers);
  Runtime runtime(run.runtime_setup(), backend, {&marker});
  stats = runtime.run();
  // Times are only as faithful as the runtime thread is prompt: say so when it was not.
  const auto lag = backend.lag();
  if (lag.max_s > 0.005)
    fmt::print(stderr,
               "tandem: warning: the real backend learned of events up to {:.1f} ms late (mean "
               "{:.3f} ms over {}): this machine was too busy for faithful timing\n",
               s_to_ms(lag.max_s), s_to_ms(lag.mean_s()), lag.events);
}

} // namespace

void execute_run(const PreparedRun& run, const std::filesystem::path& out_dir,
                 const ExecuteOptions& options) {
  const auto& c = run.config();
  RunIdentity id;
  id.run = static_cast<int>(run.run.index);
  id.scheduler = c.scheduler.name;
  id.model = run.model->name();
  id.devices = c.device.count;
  for (const auto& p : run.run.parameters)
    id.sweep_values.push_back(p.value);
  id.graph = run.graph.get();
  RunOutputs outputs(out_dir, id, options.write_ops, options.write_timeline);
  ProgressLine progress(id.run, options.total_runs, options.progress);
  RunStats stats;
  try {
    if (c.backend == BackendKind::real) {
      run_real(run, {&outputs, &progress}, stats);
      outputs.finish(stats, "ok");
      return;
    }
    const auto platform = platform_of(c);
    sim::run_simulation(platform, [&](Backend& backend) {
      Runtime runtime(run.runtime_setup(), backend, {&outputs, &progress});
      stats = runtime.run();
    });
  } catch (const std::exception& e) {
    outputs.finish(stats, fmt::format("error: {}", e.what()));
    throw;
  }
  outputs.finish(stats, "ok");
}

} // namespace tandem::cli
