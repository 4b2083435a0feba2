#include "core/output/columns.hpp"

#include <array>

namespace tandem {
namespace {

constexpr std::array<Column, 19> kInference{{
    {"run", "sweep run index (0 without a sweep)"},
    {"device", "device index"},
    {"scheduler", "scheduler name"},
    {"model", "model name"},
    {"inference_id", "inference index on its device, from 0"},
    {"arrival_ms", "when the inference arrived"},
    {"finish_ms", "when every model output was on the device"},
    {"latency_ms", "finish_ms - arrival_ms"},
    {"uplink_bytes", "bytes sent device -> server"},
    {"downlink_bytes", "bytes sent server -> device"},
    {"device_busy_ms", "compute time charged on the device"},
    {"server_busy_ms", "compute time charged on the server"},
    {"device_tasks", "tasks computed on the device"},
    {"server_tasks", "tasks computed on the server"},
    {"transfers", "tensors sent over the link, both directions"},
    {"uplink_estimate_mbps", "the device's uplink bandwidth estimate when the inference finished"},
    {"fallback", "1 when the inference finished locally after a backend failure"},
    {"plan", "the scheduler's note on its plan"},
    {"status", "ok"},
}};

constexpr std::array<Column, 13> kOps{{
    {"run", "sweep run index"},
    {"device", "device the inference belongs to"},
    {"inference_id", "inference index on its device"},
    {"kind", "compute or transfer"},
    {"resource", "device<i>, server.w<k>, uplink<i>, uplink (shared), downlink<i>"},
    {"side", "compute: where it ran; transfer: destination"},
    {"task", "layer name (layer#tile for tiles)"},
    {"start_ms", "start"},
    {"end_ms", "end of compute, or when the last byte left the sender"},
    {"delivered_ms", "transfer: end_ms + one-way latency; compute: end_ms"},
    {"duration_ms", "end_ms - start_ms"},
    {"bytes", "transfer size at its precision (0 for compute)"},
    {"precision", "transfer precision (fp32 for compute)"},
}};

constexpr std::array<Column, 18> kSummary{{
    {"run", "sweep run index"},
    {"scheduler", "scheduler name"},
    {"model", "model name"},
    {"devices", "number of devices"},
    {"inferences", "inferences completed"},
    {"mean_latency_ms", "mean latency"},
    {"p50_latency_ms", "median latency (nearest rank)"},
    {"p95_latency_ms", "95th percentile latency (nearest rank)"},
    {"p99_latency_ms", "99th percentile latency (nearest rank)"},
    {"max_latency_ms", "largest latency"},
    {"throughput_ips", "inferences per second over the run (completed / last finish)"},
    {"uplink_bytes", "total bytes sent device -> server"},
    {"downlink_bytes", "total bytes sent server -> device"},
    {"mean_uplink_bytes", "uplink bytes per inference"},
    {"device_busy_ms", "total device compute"},
    {"server_busy_ms", "total server compute"},
    {"end_ms", "simulated (or wall) time when the run ended"},
    {"status", "ok, or the error that stopped the run"},
}};

constexpr std::array<Column, 5> kTcRates{{
    {"run", "sweep run index"},
    {"time_s", "trace time the rate belongs to (0: set-up; then each rate change of the trace)"},
    {"direction", "uplink (qdisc on the device's veth end) or downlink (on the server's)"},
    {"rate_mbps", "the tbf rate applied, Mbit/s (a zero-rate step is applied as 0.001)"},
    {"late_ms", "how long after its trace time the shaper thread applied it (wall clock)"},
}};

} // namespace

std::span<const Column> inference_columns() {
  return kInference;
}
std::span<const Column> op_columns() {
  return kOps;
}
std::span<const Column> summary_columns() {
  return kSummary;
}
std::span<const Column> tc_rate_columns() {
  return kTcRates;
}

} // namespace tandem
