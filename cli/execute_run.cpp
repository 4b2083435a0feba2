#include "cli/execute_run.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <memory>
#include <utility>

#include <fmt/format.h>

#include "core/emulation.hpp"
#include "core/error.hpp"
#include "core/output/run_outputs.hpp"
#include "real/cpu_pinning.hpp"
#include "real/real_backend.hpp"
#include "real/spawn_server.hpp"
#include "real/tc_shaper.hpp"
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

// device.cpus as a list with enough CPUs for every device's threads (the config checked its form).
std::vector<int> device_cpus(const ExperimentConfig& c) {
  if (c.device.cpus.empty())
    return {};
  auto cpus = parse_cpu_list(c.device.cpus).value_or(std::vector<int>{});
  const auto need = static_cast<std::size_t>(c.device.count) * c.device.threads;
  if (cpus.size() < need)
    throw InputError(c.where("device.cpus"), "device.cpus",
                     fmt::format("at least {} CPUs (device.count {} x device.threads {})", need,
                                 c.device.count, c.device.threads),
                     fmt::format("\"{}\" ({} CPUs)", c.device.cpus, cpus.size()));
  return cpus;
}

// A spawned server runs on the CPUs the devices do not (all of them when nothing is left).
std::string server_cpus(const std::vector<int>& device) {
  std::vector<int> rest;
  for (const int cpu : real::allowed_cpus())
    if (std::find(device.begin(), device.end(), cpu) == device.end())
      rest.push_back(cpu);
  if (device.empty() || rest.empty())
    return "";
  return real::cpu_list_text(rest);
}

// Says what the emulation knobs did, read back from the backend, when any is on.
void report_emulation(const ExperimentConfig& c, const real::RealBackend& backend) {
  if (c.device.slowdown == 1.0 && c.device.isa.empty() && c.device.cpus.empty())
    return;
  for (int d = 0; d < c.device.count; ++d) {
    const auto e = backend.emulation(d);
    fmt::print(stderr,
               "tandem: device {} emulation: oneDNN ISA {}, slowdown {}, {} thread(s) on CPUs {}\n",
               d, e.cpu_isa, e.slowdown, e.threads, real::cpu_list_text(e.cpus));
  }
}

// link.shaper = "tc" shapes one veth pair to a server it starts itself.
void check_tc_shaper(const ExperimentConfig& c) {
  if (c.server.address != "spawn")
    throw InputError(c.where("link.shaper"), "link.shaper",
                     "\"token-bucket\" when server.address is not \"spawn\" (tc shapes the link "
                     "to a server it starts in its own network namespace)",
                     fmt::format("\"tc\" with server.address = \"{}\"", c.server.address));
  if (c.device.count != 1)
    throw InputError(c.where("link.shaper"), "link.shaper",
                     "\"token-bucket\" with several devices (tc shapes one link)",
                     fmt::format("\"tc\" with device.count = {}", c.device.count));
}

void run_real(const PreparedRun& run, const std::filesystem::path& out_dir,
              const std::vector<RunObserver*>& observers, RunStats& stats) {
  const auto& c = run.config();
  auto traces = build_link_traces(c);
  const bool tc = c.link.shaper == ShaperKind::tc;
  if (tc)
    check_tc_shaper(c);
  std::unique_ptr<real::TcShaper> shaper; // outlives the server in its namespace
  std::unique_ptr<real::SpawnedServer> spawned;
  real::RealBackendOptions o;
  o.device_cpus = device_cpus(c);
  if (c.server.address == "spawn") {
    real::SpawnOptions so;
    so.workers = c.server.workers;
    so.threads = c.server.threads;
    so.cpus = server_cpus(o.device_cpus);
    if (tc) {
      shaper = std::make_unique<real::TcShaper>(traces.uplink.at(0), traces.downlink.at(0),
                                                out_dir / "tc_rates.csv",
                                                static_cast<int>(run.run.index));
      so.prefix = shaper->exec_prefix();
      so.host = shaper->server_host();
    }
    spawned = std::make_unique<real::SpawnedServer>(so);
    o.host = spawned->host();
    o.port = spawned->port();
  } else {
    std::tie(o.host, o.port) = server_address(c);
  }
  o.model = c.model.name; // a zoo name, or the model file's resolved path
  o.batch = c.model.batch;
  o.seq_len = c.model.seq_len;
  o.weight_seed = c.seed;
  o.input_seed = c.seed;
  o.device_threads = c.device.threads;
  o.device_slowdown = c.device.slowdown;
  o.device_isa = c.device.isa;
  o.server_threads = c.server.threads;
  o.devices = c.device.count;
  o.uplink = std::move(traces.uplink);
  o.downlink = std::move(traces.downlink);
  o.shared_uplink = c.link.shared_uplink;
  o.pace = !tc;
  real::RealBackend backend(*run.graph, o);
  report_emulation(c, backend);
  if (shaper)
    shaper->start(); // trace time 0 is the backend's clock start
  Runtime runtime(run.runtime_setup(), backend, observers);
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
      run_real(run, out_dir, {&outputs, &progress}, stats);
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
