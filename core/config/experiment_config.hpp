#pragma once
// An experiment as plain values, parsed once from TOML (then `--set` overrides) and read by
// everyone else. The schema in config_schema.hpp is the one table that says which keys exist, their
// types, units, defaults and allowed values; parsing, --set, `tandem describe config` and
// config.resolved.toml are all driven by it.
//
// Units: each field holds its value in the unit its key names (uplink_mbps in Mbit/s, latency_ms in
// ms), so the struct mirrors the file and the round trip through config.resolved.toml is exact. The
// accessors ending in _s / _bytes_per_s convert to SI with units.hpp; use them at the point of use.
//
// Paths: every path-valued field (model files, profile, traces) is stored resolved: a relative path
// in a config file is taken against the config file's directory, one given with --set against the
// working directory. output_dir is left as written: it is relative to the working directory, like
// --out.
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/config/config_value.hpp"
#include "core/config/scheduler_options.hpp"
#include "core/error.hpp"
#include "core/units.hpp"

namespace tandem {

// Named BackendKind, not Backend: core/runtime/backend.hpp holds the Backend interface.
enum class BackendKind { sim, real };
enum class TraceFormat { mbps_two_column, mahimahi, csv };
enum class WorkloadKind { single, periodic, poisson, closed_loop };
enum class ShaperKind { token_bucket, tc }; // real backend: who paces the link

// The spellings used in TOML: "sim", "mbps-two-column", "closed-loop".
std::string_view to_string(BackendKind backend);
std::string_view to_string(TraceFormat format);
std::string_view to_string(WorkloadKind kind);
std::string_view to_string(ShaperKind kind);

struct ModelConfig {
  // A zoo model name, or a model file: a name ending in .json or .onnx is a path (stored resolved).
  // Required: there is no sensible default model.
  std::string name;
  int batch = 1;
  int seq_len = 128;                            // transformer models only
  std::optional<std::filesystem::path> profile; // measured profile CSV replacing cost-model times

  bool operator==(const ModelConfig&) const = default;
};

struct DeviceConfig {
  std::string spec = "rpi4"; // a built-in device spec (tandem describe devices)
  int threads = 1;
  int count = 1; // identical devices sharing the server
  // Emulation knobs of the real backend (core/emulation.hpp); the simulator ignores them.
  double slowdown = 1; // >= 1: each device layer takes this many times its wall time
  std::string isa;     // oneDNN instruction-set cap of the device process; "" = none
  std::string cpus;    // CPUs the device's compute threads are pinned to; "" = not pinned

  bool operator==(const DeviceConfig&) const = default;
};

struct ServerConfig {
  std::string spec = "desktop-cpu";
  int threads = 0; // 0 = every core of the spec
  int workers = 1;
  std::string address = "spawn"; // real backend: "spawn" a local server, or "host:port"

  bool operator==(const ServerConfig&) const = default;
};

struct LinkConfig {
  double uplink_mbps = 10;
  double downlink_mbps = 10;
  double latency_ms = 5; // one way
  bool shared_uplink = false;
  // A trace replaces the constant rate of its direction.
  std::optional<std::filesystem::path> uplink_trace;
  std::optional<std::filesystem::path> downlink_trace;
  TraceFormat trace_format = TraceFormat::mbps_two_column;
  double trace_scale = 1;
  double trace_offset_s = 0;
  bool trace_loop = true;
  ShaperKind shaper = ShaperKind::token_bucket;

  BytesPerSecond uplink_bytes_per_s() const { return mbps_to_bytes_per_s(uplink_mbps); }
  BytesPerSecond downlink_bytes_per_s() const { return mbps_to_bytes_per_s(downlink_mbps); }
  Seconds latency_s() const { return ms_to_s(latency_ms); }

  bool operator==(const LinkConfig&) const = default;
};

struct EstimatorConfig {
  double ewma_alpha = 0.3;
  // Unset: start from the link's nominal rate (see ExperimentConfig::initial_uplink_estimate_mbps).
  std::optional<double> initial_uplink_mbps;
  std::optional<double> initial_downlink_mbps;

  bool operator==(const EstimatorConfig&) const = default;
};

struct SchedulerConfig {
  // Checked against the scheduler registry by whoever builds the scheduler, not by the parser; use
  // ExperimentConfig::where("scheduler.name") for the error's location.
  std::string name = "neurosurgeon";
  SchedulerOptions options;

  bool operator==(const SchedulerConfig&) const = default;
};

struct WorkloadConfig {
  WorkloadKind kind = WorkloadKind::single;
  int count = 1;
  double duration_s = 0;  // > 0: arrivals stop at this time; 0: after `count` arrivals
  double fps = 30;        // periodic
  double rate_per_s = 10; // poisson

  bool operator==(const WorkloadConfig&) const = default;
};

// One [sweep] key: the values its runs take, in file order, already checked and converted to the
// key's type (paths resolved).
struct SweepAxis {
  std::string key; // a schema key ("link.uplink_mbps") or "scheduler.options.NAME"
  std::vector<ConfigValue> values;
  SourceLocation where;

  bool operator==(const SweepAxis& other) const {
    return key == other.key && values == other.values;
  }
};

// Where each key's value came from (a config line, a sweep axis, "command line"). Consulted for
// error messages after parsing (e.g. an unknown scheduler name); not part of the config's value.
struct KeySources {
  std::string file; // the config file's name as errors show it
  std::map<std::string, SourceLocation, std::less<>> by_key;
  bool operator==(const KeySources&) const { return true; }
};

struct ExperimentConfig {
  std::string name; // default: the config file's stem
  std::uint64_t seed = 1;
  BackendKind backend = BackendKind::sim;
  std::string output_dir; // default: "results/<name>", filled in when the file is parsed
  std::string description;
  ModelConfig model;
  DeviceConfig device;
  ServerConfig server;
  LinkConfig link;
  EstimatorConfig estimator;
  SchedulerConfig scheduler;
  WorkloadConfig workload;
  std::vector<SweepAxis> sweep; // in file order; expand_sweep (sweep.hpp) turns it into runs
  KeySources sources;

  // The location a key's value came from; for a defaulted key, just the config file's name.
  SourceLocation where(std::string_view key) const;
  double initial_uplink_estimate_mbps() const {
    return estimator.initial_uplink_mbps.value_or(link.uplink_mbps);
  }
  double initial_downlink_estimate_mbps() const {
    return estimator.initial_downlink_mbps.value_or(link.downlink_mbps);
  }

  bool operator==(const ExperimentConfig&) const = default;
};

// Reads and checks a config file. Every problem is an InputError naming the file, line and column.
ExperimentConfig load_experiment_config(const std::filesystem::path& file);

// The same from text: `source_name` is what errors name, its stem the default experiment name;
// relative paths are resolved against `base_dir`.
ExperimentConfig parse_experiment_config(std::string_view text, const std::string& source_name,
                                         const std::filesystem::path& base_dir);

// Applies one `--set KEY=VALUE`. VALUE is read as TOML (strings may be bare: --set
// scheduler.name=dads). KEY is a schema key, "scheduler.options.NAME", or "sweep.KEY" with a TOML
// array (which replaces or adds that axis). Setting a key that is also swept removes its sweep
// axis: the command line wins. Errors are InputErrors at "command line" with field "--set".
void apply_override(ExperimentConfig& config, std::string_view assignment);

// Every key with its value, defaults filled in, sections in schema order; parsing it back (from any
// directory) gives an equal config. Unset optional keys appear as comments.
std::string to_resolved_toml(const ExperimentConfig& config);

} // namespace tandem
