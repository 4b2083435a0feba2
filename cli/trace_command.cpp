// tandem trace generate|inspect: makes seeded synthetic bandwidth traces (for users without
// ../shared/traces, and for controlled experiments) and summarises any trace file.
#include <fmt/format.h>

#include "cli/commands.hpp"
#include "core/error.hpp"
#include "traces/trace_generators.hpp"
#include "traces/trace_readers.hpp"

namespace tandem::cli {
namespace {

struct GenerateOptions {
  std::string out;
  RandomWalkSpec walk;
  std::vector<double> step_mbps;
  std::vector<double> step_start_s;
};

struct InspectTraceOptions {
  std::string file;
  std::string format = "mbps-two-column";
};

void generate(const GenerateOptions& o) {
  GeneratorSpec spec = o.walk;
  if (!o.step_mbps.empty())
    spec = StepSpec{o.step_mbps, o.step_start_s};
  generate_trace_file(spec, o.out);
  const auto trace = read_trace(o.out, TraceFormat::mbps_two_column);
  fmt::print("wrote {}: {} steps, period {} s, mean {:.3f} Mbit/s\n", o.out, trace.steps().size(),
             trace.period_s(), bytes_per_s_to_mbps(trace.mean_bps()));
}

void inspect(const InspectTraceOptions& o) {
  const auto format = trace_format_from_string(o.format);
  if (!format)
    throw InputError({"command line"}, "--format", "mbps-two-column, mahimahi or csv",
                     fmt::format("'{}'", o.format));
  const auto trace = read_trace(o.file, *format);
  double lo = trace.steps().front().bytes_per_s, hi = lo;
  for (const auto& s : trace.steps()) {
    lo = std::min(lo, s.bytes_per_s);
    hi = std::max(hi, s.bytes_per_s);
  }
  fmt::print("{}: {} steps, period {} s, mean {:.3f} Mbit/s, min {:.3f}, max {:.3f}\n", o.file,
             trace.steps().size(), trace.period_s(), bytes_per_s_to_mbps(trace.mean_bps()),
             bytes_per_s_to_mbps(lo), bytes_per_s_to_mbps(hi));
}

} // namespace

void add_trace_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("trace", "Generate or inspect bandwidth traces");
  cmd->require_subcommand(1);

  auto g = std::make_shared<GenerateOptions>();
  auto* gen = cmd->add_subcommand(
      "generate", "Write a seeded synthetic trace (two-column: seconds Mbit/s). A 3G-like random "
                  "walk by default; --step-mbps/--step-start-s for a step trace");
  gen->add_option("--out", g->out, "Output file")->required();
  gen->add_option("--seed", g->walk.seed, "Random walk: seed")->capture_default_str();
  gen->add_option("--duration-s", g->walk.duration_s, "Random walk: length, s")
      ->capture_default_str();
  gen->add_option("--interval-s", g->walk.interval_s, "Random walk: sample interval, s")
      ->capture_default_str();
  gen->add_option("--mean-mbps", g->walk.mean_mbps, "Random walk: mean rate, Mbit/s")
      ->capture_default_str();
  gen->add_option("--volatility", g->walk.volatility, "Random walk: standard deviation of ln(rate)")
      ->capture_default_str();
  gen->add_option("--min-mbps", g->walk.min_mbps, "Random walk: lowest rate, Mbit/s")
      ->capture_default_str();
  gen->add_option("--max-mbps", g->walk.max_mbps, "Random walk: highest rate, Mbit/s")
      ->capture_default_str();
  gen->add_option("--correlation-s", g->walk.correlation_s, "Random walk: autocorrelation time, s")
      ->capture_default_str();
  gen->add_option("--step-mbps", g->step_mbps, "Step trace: the rates, Mbit/s");
  gen->add_option("--step-start-s", g->step_start_s,
                  "Step trace: when each rate starts, s (first 0)");
  gen->callback([g] { generate(*g); });

  auto i = std::make_shared<InspectTraceOptions>();
  auto* ins =
      cmd->add_subcommand("inspect", "Summarise a trace file: steps, period, mean, min, max");
  ins->add_option("file", i->file, "Trace file")->required();
  ins->add_option("--format", i->format, "mbps-two-column, mahimahi or csv")->capture_default_str();
  ins->callback([i] { inspect(*i); });
}

} // namespace tandem::cli
