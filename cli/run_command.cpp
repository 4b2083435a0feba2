// tandem run CONFIG.toml [--out DIR] [--set key=value]... [--seed N]: runs an experiment, sweeps
// included, and writes the outputs of design.md's contract.
//
// Each run of a sweep runs in its own child process: SimGrid allows one engine per process, and a
// run that crashes cannot take the others with it. Runs go one after another, so the output files
// are appended in run order and the result is the same byte for byte on every rerun.
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iostream>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "cli/execute_run.hpp"
#include "core/config/experiment_config.hpp"
#include "core/config/sweep.hpp"
#include "core/error.hpp"
#include "core/experiment/prepared_run.hpp"
#include "core/output/run_outputs.hpp"
#include "schedulers/builtin.hpp"
#include "traces/link_traces.hpp"

namespace tandem::cli {
namespace {

struct RunOptions {
  std::string config;
  std::string out;
  std::vector<std::string> sets;
  std::optional<std::uint64_t> seed;
  bool quiet = false;
  bool no_ops = false;
  bool no_timeline = false;
};

// Exit codes of a child: 0 ok, 2 bad input, 1 failure (the CLI's own convention).
int run_in_child(const PreparedRun& run, const std::filesystem::path& out,
                 const ExecuteOptions& o) {
  std::fflush(nullptr); // the child must not repeat the parent's buffered output
  const pid_t pid = fork();
  if (pid < 0)
    throw Error("cannot fork a process for the run");
  if (pid == 0) {
    int code = 0;
    try {
      execute_run(run, out, o);
    } catch (const InputError& e) {
      std::cerr << "tandem: error: " << e.what() << '\n';
      code = 2;
    } catch (const std::exception& e) {
      std::cerr << "tandem: run " << run.run.index << " failed: " << e.what() << '\n';
      code = 1;
    }
    std::fflush(nullptr);
    _exit(code);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  if (WIFEXITED(status))
    return WEXITSTATUS(status);
  // Killed by a signal: say so in summary.csv, where the run's row would have been.
  std::ofstream summary(out / "summary.csv", std::ios::app);
  summary << run.run.index << std::string(run.run.parameters.size(), ',')
          << fmt::format(",{},,,0,,,,,,,,,,,,,crashed (signal {})\n", run.config().scheduler.name,
                         WTERMSIG(status));
  std::cerr << fmt::format("tandem: run {} crashed (signal {})\n", run.run.index, WTERMSIG(status));
  return 1;
}

std::vector<std::string> split_csv_line(const std::string& line) {
  std::vector<std::string> out(1);
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted && c == '"' && i + 1 < line.size() && line[i + 1] == '"')
      out.back() += line[++i];
    else if (c == '"')
      quoted = !quoted;
    else if (c == ',' && !quoted)
      out.emplace_back();
    else
      out.back() += c;
  }
  return out;
}

// The short table `scripts/run` shows: mean and p95 latency per run, read back from summary.csv.
void print_summary_table(const std::filesystem::path& dir) {
  std::ifstream in(dir / "summary.csv");
  std::string line;
  std::getline(in, line);
  const auto header = split_csv_line(line);
  auto column = [&](std::string_view name) {
    for (std::size_t i = 0; i < header.size(); ++i)
      if (header[i] == name)
        return i;
    return header.size();
  };
  const auto sched = column("scheduler"), n = column("inferences"),
             mean = column("mean_latency_ms"), p95 = column("p95_latency_ms"),
             status = column("status");
  // Swept keys sit between run and scheduler.
  fmt::print("{:<5}", "run");
  for (std::size_t i = 1; i < sched; ++i)
    fmt::print(" {:<22}", header[i]);
  fmt::print(" {:<14} {:>10} {:>16} {:>15}  {}\n", "scheduler", "inferences", "mean_latency_ms",
             "p95_latency_ms", "status");
  while (std::getline(in, line)) {
    const auto f = split_csv_line(line);
    if (f.size() < header.size())
      continue;
    fmt::print("{:<5}", f[0]);
    for (std::size_t i = 1; i < sched; ++i)
      fmt::print(" {:<22}", f[i]);
    fmt::print(" {:<14} {:>10} {:>16} {:>15}  {}\n", f[sched], f[n], f[mean], f[p95], f[status]);
  }
}

void run_experiment(const RunOptions& o) {
  auto config = load_experiment_config(o.config);
  for (const auto& s : o.sets)
    apply_override(config, s);
  if (o.seed)
    config.seed = *o.seed;
  const std::filesystem::path out = o.out.empty() ? config.output_dir : o.out;
  auto runs = expand_sweep(config);
  const auto& registry = builtin_schedulers();
  // Everything is checked before the first run starts: a typo in run 7 should not cost runs 0-6.
  std::vector<PreparedRun> prepared;
  for (auto& r : runs) {
    prepared.push_back(prepare_run(std::move(r), registry));
    build_link_traces(prepared.back().config()); // reads and checks the trace files
  }

  std::vector<std::string> swept;
  for (const auto& axis : config.sweep)
    swept.push_back(axis.key);
  OutputFolder folder(out, swept);
  {
    std::ofstream resolved(out / "config.resolved.toml");
    resolved << to_resolved_toml(config);
  }
  ExecuteOptions eo;
  eo.write_ops = !o.no_ops;
  eo.write_timeline = !o.no_timeline;
  eo.progress = !o.quiet;
  eo.total_runs = static_cast<int>(prepared.size());
  int worst = 0;
  for (const auto& p : prepared) {
    if (!o.quiet && prepared.size() > 1)
      fmt::print(stderr, "tandem: run {}/{} ({})\n", p.run.index + 1, prepared.size(),
                 p.config().scheduler.name);
    worst = std::max(worst, run_in_child(p, out, eo));
  }
  folder.close_timeline();
  if (!o.quiet)
    print_summary_table(out);
  fmt::print("results: {}/ (inferences.csv, ops.csv, summary.csv, timeline.json, "
             "config.resolved.toml)\n",
             out.string());
  if (worst != 0)
    throw ExitCode{worst}; // the child already said why
}

} // namespace

void add_run_command(CLI::App& app) {
  auto o = std::make_shared<RunOptions>();
  auto* cmd = app.add_subcommand("run", "Run an experiment from a TOML config (sweeps included)");
  cmd->add_option("config", o->config, "Experiment config (see `tandem describe config`)")
      ->required();
  cmd->add_option("--out", o->out,
                  "Output folder (default: the config's output_dir, results/<name>)");
  cmd->add_option("--set", o->sets, "Override a config key, KEY=VALUE (repeatable)");
  cmd->add_option("--seed", o->seed, "Override the config's seed");
  cmd->add_flag("--quiet", o->quiet, "No progress lines and no summary table");
  cmd->add_flag("--no-ops", o->no_ops, "Do not write ops.csv rows (long runs)");
  cmd->add_flag("--no-timeline", o->no_timeline, "Do not write timeline.json events (long runs)");
  cmd->callback([o] { run_experiment(*o); });
}

} // namespace tandem::cli
