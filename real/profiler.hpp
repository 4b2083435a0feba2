#pragma once
// What `tandem profile` measures: every layer of a model run for real on this machine (warm-up
// passes, then timed passes over the whole model, each layer's median wall time), and what it costs
// to put each layer's output on the wire at each precision (encode, decode, bytes).
#include <cstdint>
#include <functional>
#include <ostream>
#include <span>
#include <string>
#include <vector>

#include "core/model.hpp"
#include "core/output/columns.hpp"
#include "core/precision.hpp"
#include "core/side.hpp"
#include "core/units.hpp"

namespace tandem::real {

// How a layer's time is taken.
//   executor  the layer alone: Executor::run on the calling thread.
//   backend   the layer as the real backend runs it, from the runtime's request to its completion
//             notice: on the device side, handed to a compute thread and waited for (one thread
//             hand-off each way); on the server side, a compute request over loopback TCP to a
//             spawned `tandem serve` (one worker) and its compute_done. Each pass's tensors are
//             freed together when it ends, as the backend frees an inference's. The difference to
//             executor is the backend's per-layer dispatch and allocation overhead, which the
//             simulator otherwise omits.
enum class ProfileVia { executor, backend };

struct ProfileOptions {
  Side side = Side::device; // the side the rows are written for
  int threads = 1;          // oneDNN threads per layer
  int repetitions = 10;     // timed passes over the whole model
  int warmup = 2;           // untimed passes first: a primitive's first runs are about 2x slower
  std::vector<Precision> precisions{Precision::fp32(), Precision::fp16(), Precision::int8(),
                                    Precision::uniform(4)};
  double slowdown = 1.0; // ExecutorOptions::slowdown: times measured with the stretch included
  std::uint64_t weight_seed = 1;
  std::uint64_t input_seed = 1;
  ProfileVia via = ProfileVia::executor;
  // via = backend on the server side: what the server loads (a zoo name or model file path, as in
  // a config's model.name), with the model's batch and sequence length, and the `tandem` binary
  // to spawn as the server.
  std::string model_source;
  int batch = 1;
  int seq_len = 128;
  std::string server_executable = "/proc/self/exe";
  // Receives one line per finished pass and per batch of tensors encoded; may be empty.
  std::function<void(const std::string&)> progress;
};

struct LayerTiming {
  std::string layer;
  Seconds median_s = 0;
  Seconds min_s = 0;
  Seconds max_s = 0;
};

struct TransferTiming {
  std::string tensor; // the layer whose output it is ("input" for the model input)
  Precision precision = Precision::fp32();
  Bytes bytes = 0;      // tensor_bytes(elements, precision), as encode() produced it
  Seconds encode_s = 0; // median of quantize + pack (or convert) into the wire bytes
  Seconds decode_s = 0; // median of unpack + dequantize back into an fp32 tensor
};

struct Profile {
  std::string model;
  Side side = Side::device;
  int threads = 1;
  // Every layer that computes, in topological order: not the input layer (nothing to compute) nor
  // opaque layers (already defined by their measured times).
  std::vector<LayerTiming> layers;
  std::vector<TransferTiming> transfers; // every layer output x every precision
  Seconds total_s = 0;                   // sum of the layer medians
};

// Throws InputError for repetitions < 1, warmup < 0 or an empty precision list, BackendError when
// a layer cannot run.
Profile profile_model(const Model& model, const ProfileOptions& options);

// The profile CSV core/profile_csv.hpp reads (header kProfileCsvHeader): one fp32 row per layer.
void write_profile_csv(std::ostream& out, const Profile& profile);

// The transfers CSV, one row per tensor and precision; these columns, in this order.
std::span<const Column> transfer_columns();
void write_transfers_csv(std::ostream& out, const Profile& profile);

} // namespace tandem::real
