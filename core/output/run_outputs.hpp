#pragma once
// The files of `tandem run` (contract in design.md): inferences.csv, ops.csv, summary.csv and
// timeline.json in one output folder. Headers are written once per experiment (`OutputFolder`);
// each run appends its rows through a `RunOutputs` observer, flushed as produced, so a run that
// fails part-way keeps what it wrote and a sweep's runs may each live in their own process.
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "core/runtime/records.hpp"
#include "core/runtime/runtime.hpp"

namespace tandem {

struct RunIdentity {
  int run = 0;
  std::string scheduler;
  std::string model;
  int devices = 1;
  std::vector<std::string> sweep_values; // one per swept key, as summary.csv columns
  const TaskGraph* graph = nullptr;
};

class OutputFolder {
public:
  // Creates the folder and writes every file's header; `sweep_keys` become summary.csv columns.
  OutputFolder(std::filesystem::path dir, std::vector<std::string> sweep_keys);
  const std::filesystem::path& dir() const { return dir_; }
  // Closes timeline.json's event array. Optional: the trace format reads an unclosed array too.
  void close_timeline() const;

private:
  std::filesystem::path dir_;
};

class RunOutputs : public RunObserver {
public:
  RunOutputs(const std::filesystem::path& dir, RunIdentity identity, bool write_ops = true,
             bool write_timeline = true);
  ~RunOutputs() override;
  RunOutputs(const RunOutputs&) = delete;
  RunOutputs& operator=(const RunOutputs&) = delete;

  void on_op(const OpRecord& op) override;
  void on_inference(const InferenceRecord& r) override;
  // Appends the summary.csv row; `status` is "ok" or the error that stopped the run.
  void finish(const RunStats& stats, const std::string& status);

  const std::vector<Seconds>& latencies_s() const { return latencies_s_; }

private:
  struct Files;
  std::unique_ptr<Files> files_;
  RunIdentity id_;
  std::vector<Seconds> latencies_s_;
  Bytes uplink_bytes_ = 0, downlink_bytes_ = 0;
  Seconds device_busy_s_ = 0, server_busy_s_ = 0, last_finish_s_ = 0;
};

// "a,b" -> "\"a,b\"": CSV quoting for free-text fields.
std::string csv_field(const std::string& text);
// Nearest-rank percentile of unsorted samples (p in [0, 100]); 0 for no samples.
Seconds percentile(std::vector<Seconds> samples, double p);

} // namespace tandem
