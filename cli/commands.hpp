#pragma once
// Each `tandem` subcommand registers itself on the app in its own file.
#include <CLI/CLI.hpp>

namespace tandem::cli {

void add_inspect_command(CLI::App& app);
void add_describe_command(CLI::App& app);
void add_run_command(CLI::App& app);
void add_plan_command(CLI::App& app);
void add_trace_command(CLI::App& app);
void add_bench_command(CLI::App& app);
void add_profile_command(CLI::App& app);
void add_serve_command(CLI::App& app);

// Thrown to end the program with `code` when the reason was already printed (a sweep's child run).
struct ExitCode {
  int code = 1;
};

} // namespace tandem::cli
