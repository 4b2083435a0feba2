#pragma once
// Measured per-layer times (written by `tandem profile`, or by hand from any framework's profiler):
//   model,layer,side,precision,threads,time_ms
//   resnet18,conv1,device,fp32,1,41.7
// Rows for the running model, at fp32 and at each side's thread count, replace cost-model entries.
#include <filesystem>
#include <string>
#include <vector>

#include "core/cost_table.hpp"
#include "core/precision.hpp"

namespace tandem {

struct ProfileRow {
  std::string model;
  std::string layer;
  Side side = Side::device;
  Precision precision = Precision::fp32();
  int threads = 1;
  Seconds time_s = 0;
  int line = 0; // 1-based line in the file, for error messages
};

inline constexpr std::string_view kProfileCsvHeader = "model,layer,side,precision,threads,time_ms";

// Throws InputError naming the file and line of a malformed row.
std::vector<ProfileRow> read_profile_csv(const std::filesystem::path& file);

// Applies the rows for `model` at fp32 measured with exactly the given thread counts. A row naming
// a layer the model lacks is an InputError. Returns how many entries were replaced.
std::size_t apply_profile(CostTable& table, const Model& model, const std::vector<ProfileRow>& rows,
                          const std::filesystem::path& file, int device_threads,
                          int server_threads);

} // namespace tandem
