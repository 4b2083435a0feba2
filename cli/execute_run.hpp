#pragma once
// Carries out one prepared run on its backend (the composition root of each backend) and appends its
// rows to the output folder.
#include <filesystem>

#include "core/experiment/prepared_run.hpp"

namespace tandem::cli {

struct ExecuteOptions {
  bool write_ops = true;
  bool write_timeline = true;
  bool progress = true; // a progress line on stderr for runs longer than a few seconds
  int total_runs = 1;
};

// Runs it and writes its summary row. Throws what the run threw, after writing a summary row whose
// status names the error (rows already written stay).
void execute_run(const PreparedRun& run, const std::filesystem::path& out_dir,
                 const ExecuteOptions& options);

} // namespace tandem::cli
