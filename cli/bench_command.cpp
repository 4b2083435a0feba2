// tandem bench: how fast the simulator runs. N devices each stream a model at `fps` over a
// bandwidth trace for a simulated duration; prints simulated seconds per wall second (x real time),
// inferences and events (activities) per wall second. Speed is a benchmark, never a test.
//
// Each device count runs in its own child process (one SimGrid engine per process).
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "core/error.hpp"
#include "schedulers/builtin.hpp"
#include "sim/bench.hpp"
#include "traces/trace_readers.hpp"

namespace tandem::cli {
namespace {

struct BenchOptions {
  std::string model = "resnet50";
  std::vector<int> devices{1, 100};
  double fps = 30;
  double duration_s = 60;
  std::string scheduler = "neurosurgeon";
  // A device fast enough to keep up with 30 fps, so queues stay bounded and the figure measures
  // the simulator, not a backlog that grows without end.
  std::string device_spec = "desktop-cpu";
  int device_threads = 0;
  std::string server_spec = "server-gpu";
  int server_workers = 4;
  std::string trace;
};

void bench_one(const BenchOptions& o, int devices) {
  sim::BenchSpec spec;
  spec.model = o.model;
  spec.devices = devices;
  spec.fps = o.fps;
  spec.duration_s = o.duration_s;
  spec.device_spec = o.device_spec;
  spec.device_threads = o.device_threads;
  spec.server_spec = o.server_spec;
  spec.server_workers = o.server_workers;
  if (!o.trace.empty())
    spec.uplink = read_trace(o.trace, TraceFormat::mbps_two_column);
  const auto& registry = builtin_schedulers();
  if (!registry.find(o.scheduler))
    registry.create(o.scheduler, {}, {"command line"}); // throws the InputError listing the names
  spec.scheduler_name = o.scheduler;
  spec.make_scheduler = [&registry, name = o.scheduler](int) {
    return registry.create(name, {}, {"command line"});
  };
  const auto r = sim::run_bench(spec);
  fmt::print("{:>7} {:>12.1f} {:>9.3f} {:>12.1f} {:>11} {:>16.0f} {:>15.0f} {:>16.3f}\n", devices,
             r.simulated_s, r.wall_s, r.speedup(), r.inferences,
             r.wall_s > 0 ? static_cast<double>(r.inferences) / r.wall_s : 0.0,
             r.wall_s > 0 ? static_cast<double>(r.activities) / r.wall_s : 0.0,
             s_to_ms(r.mean_latency_s));
  std::fflush(stdout);
}

void bench(const BenchOptions& o) {
  fmt::print("tandem bench: {} at {} fps per device for {} simulated s, scheduler {}, {} -> {} "
             "({} workers), uplink {}\n",
             o.model, o.fps, o.duration_s, o.scheduler, o.device_spec, o.server_spec,
             o.server_workers,
             o.trace.empty() ? "default bench trace (40/10 Mbit/s, 10 s loop)" : o.trace);
  fmt::print("{:>7} {:>12} {:>9} {:>12} {:>11} {:>16} {:>15} {:>16}\n", "devices", "simulated_s",
             "wall_s", "x_real_time", "inferences", "inferences_per_s", "events_per_s",
             "mean_latency_ms");
  int worst = 0;
  for (int n : o.devices) {
    std::fflush(nullptr);
    const pid_t pid = fork();
    if (pid < 0)
      throw Error("cannot fork");
    if (pid == 0) {
      int code = 0;
      try {
        bench_one(o, n);
      } catch (const InputError& e) {
        fmt::print(stderr, "tandem: error: {}\n", e.what());
        code = 2;
      } catch (const std::exception& e) {
        fmt::print(stderr, "tandem: bench failed: {}\n", e.what());
        code = 1;
      }
      std::fflush(nullptr);
      _exit(code);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    worst = std::max(worst, WIFEXITED(status) ? WEXITSTATUS(status) : 1);
    if (worst == 2)
      break;
  }
  if (worst != 0)
    throw ExitCode{worst};
}

} // namespace

void add_bench_command(CLI::App& app) {
  auto o = std::make_shared<BenchOptions>();
  auto* cmd = app.add_subcommand(
      "bench", "Measure simulator speed: x real time, inferences and events per wall second");
  cmd->add_option("--model", o->model, "Zoo model or model JSON")->capture_default_str();
  cmd->add_option("--devices", o->devices, "Device counts to measure, one run each")
      ->delimiter(',')
      ->capture_default_str();
  cmd->add_option("--fps", o->fps, "Inferences per second per device")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--duration-s", o->duration_s, "Simulated seconds")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--scheduler", o->scheduler, "Scheduler")->capture_default_str();
  cmd->add_option("--device", o->device_spec, "Device spec")->capture_default_str();
  cmd->add_option("--device-threads", o->device_threads, "Threads per device task")
      ->capture_default_str();
  cmd->add_option("--server", o->server_spec, "Server spec")->capture_default_str();
  cmd->add_option("--workers", o->server_workers, "Server workers")->capture_default_str();
  cmd->add_option("--trace", o->trace,
                  "Uplink trace (two-column seconds Mbit/s); default: a looping step trace");
  cmd->callback([o] { bench(*o); });
}

} // namespace tandem::cli
