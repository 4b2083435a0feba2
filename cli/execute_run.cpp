#include "cli/execute_run.hpp"

#include <chrono>

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/output/run_outputs.hpp"
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
    if (c.backend != BackendKind::sim)
      throw InputError(c.where("backend"), "backend",
                       "\"sim\" (the real backend is not built yet)", "\"real\"");
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
