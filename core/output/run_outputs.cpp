#include "core/output/run_outputs.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <numeric>
#include <set>

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/output/columns.hpp"

namespace tandem {
namespace {

std::string header(std::span<const Column> columns) {
  std::string h;
  for (const auto& c : columns) {
    if (!h.empty())
      h += ',';
    h += c.name;
  }
  return h + '\n';
}

void write_file(const std::filesystem::path& file, const std::string& text) {
  std::ofstream out(file, std::ios::trunc);
  out << text;
  if (!out)
    throw Error(fmt::format("{}: cannot write the output file", file.string()));
}

std::string ms(Seconds s) {
  return fmt::format("{:.6f}", s_to_ms(s));
}

// Perfetto tracks: one process per device and one for the server; per run, so sweeps do not
// overlap.
constexpr int kServerPid = 999;
int pid_of(int run, int device, Side side) {
  return run * 1000 + (side == Side::server ? kServerPid : device);
}

} // namespace

std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\n") == std::string::npos)
    return text;
  std::string q(1, '"');
  for (char c : text) {
    if (c == '"')
      q.push_back('"'); // doubled
    q.push_back(c == '\n' ? ' ' : c);
  }
  q.push_back('"');
  return q;
}

Seconds percentile(std::vector<Seconds> samples, double p) {
  if (samples.empty())
    return 0;
  std::sort(samples.begin(), samples.end());
  const auto rank =
      static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(samples.size())));
  return samples[std::clamp<std::size_t>(rank, 1, samples.size()) - 1];
}

OutputFolder::OutputFolder(std::filesystem::path dir, std::vector<std::string> sweep_keys)
    : dir_(std::move(dir)) {
  std::error_code ec;
  std::filesystem::create_directories(dir_, ec);
  if (ec)
    throw InputError({dir_.string()},
                     fmt::format("cannot create the output folder ({})", ec.message()));
  write_file(dir_ / "inferences.csv", header(inference_columns()));
  write_file(dir_ / "ops.csv", header(op_columns()));
  std::filesystem::remove(dir_ / "tc_rates.csv", ec); // its runs append to it, when there are any
  auto summary = header(summary_columns());
  std::string swept;
  for (const auto& k : sweep_keys) {
    swept += ',';
    swept += k;
  }
  summary.insert(3, swept); // after "run"
  write_file(dir_ / "summary.csv", summary);
  write_file(dir_ / "timeline.json",
             "[{\"name\":\"process_name\",\"ph\":\"M\",\"pid\":0,\"args\":{\"name\":\"tandem\"}}");
}

void OutputFolder::close_timeline() const {
  std::ofstream out(dir_ / "timeline.json", std::ios::app);
  out << "\n]\n";
}

struct RunOutputs::Files {
  std::FILE* inferences = nullptr;
  std::FILE* ops = nullptr;
  std::FILE* timeline = nullptr;
  std::FILE* summary = nullptr;
  std::set<std::pair<int, int>> named_tracks;
  ~Files() {
    for (auto* f : {inferences, ops, timeline, summary})
      if (f)
        std::fclose(f);
  }
};

namespace {
std::FILE* open_append(const std::filesystem::path& file) {
  std::FILE* f = std::fopen(file.c_str(), "a");
  if (!f)
    throw Error(fmt::format("{}: cannot append to the output file", file.string()));
  return f;
}
} // namespace

RunOutputs::RunOutputs(const std::filesystem::path& dir, RunIdentity identity, bool write_ops,
                       bool write_timeline)
    : files_(std::make_unique<Files>()), id_(std::move(identity)) {
  files_->inferences = open_append(dir / "inferences.csv");
  files_->summary = open_append(dir / "summary.csv");
  if (write_ops)
    files_->ops = open_append(dir / "ops.csv");
  if (write_timeline)
    files_->timeline = open_append(dir / "timeline.json");
}

RunOutputs::~RunOutputs() = default;

void RunOutputs::on_op(const OpRecord& op) {
  const bool transfer = op.kind == OpRecord::Kind::transfer;
  std::string resource;
  if (!transfer)
    resource = op.side == Side::device ? fmt::format("device{}", op.device)
                                       : fmt::format("server.w{}", op.worker);
  else
    resource =
        fmt::format("{}{}", op.direction == Direction::uplink ? "uplink" : "downlink", op.device);
  if (files_->ops) {
    fmt::print(files_->ops, "{},{},{},{},{},{},{},{},{},{},{},{},{}\n", id_.run, op.device,
               op.inference, transfer ? "transfer" : "compute", resource, to_string(op.side),
               csv_field(op.task_name), ms(op.start_s), ms(op.end_s), ms(op.delivered_s),
               ms(op.end_s - op.start_s), op.bytes, to_string(op.precision));
    std::fflush(files_->ops);
  }
  if (files_->timeline) {
    const Side track_side = transfer ? Side::device : op.side;
    const int pid = pid_of(id_.run, op.device, track_side);
    const int tid = transfer ? (op.direction == Direction::uplink ? 1 : 2)
                             : (op.side == Side::server ? op.worker : 0);
    if (files_->named_tracks.insert({pid, -1}).second)
      fmt::print(files_->timeline,
                 ",\n{{\"name\":\"process_name\",\"ph\":\"M\",\"pid\":{},\"args\":{{\"name\":\"run "
                 "{} {}\"}}}}",
                 pid, id_.run,
                 track_side == Side::server ? std::string("server")
                                            : fmt::format("device {}", op.device));
    if (files_->named_tracks.insert({pid, tid}).second)
      fmt::print(files_->timeline,
                 ",\n{{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":{},\"tid\":{},\"args\":{{"
                 "\"name\":\"{}\"}}}}",
                 pid, tid,
                 transfer ? (op.direction == Direction::uplink ? "uplink" : "downlink")
                          : (op.side == Side::server ? fmt::format("worker {}", op.worker)
                                                     : std::string("compute")));
    fmt::print(
        files_->timeline,
        ",\n{{\"name\":\"{} "
        "#{}\",\"cat\":\"{}\",\"ph\":\"X\",\"pid\":{},\"tid\":{},\"ts\":{:.3f},\"dur\":{:.3f},"
        "\"args\":{{\"inference\":{},\"bytes\":{},\"precision\":\"{}\"}}}}",
        op.task_name, op.inference, transfer ? "transfer" : "compute", pid, tid, op.start_s * 1e6,
        (op.end_s - op.start_s) * 1e6, op.inference, op.bytes, to_string(op.precision));
    std::fflush(files_->timeline);
  }
}

void RunOutputs::on_inference(const InferenceRecord& r) {
  const Seconds latency = r.finish_s - r.arrival_s;
  latencies_s_.push_back(latency);
  uplink_bytes_ += r.uplink_bytes;
  downlink_bytes_ += r.downlink_bytes;
  device_busy_s_ += r.device_busy_s;
  server_busy_s_ += r.server_busy_s;
  last_finish_s_ = std::max(last_finish_s_, r.finish_s);
  fmt::print(files_->inferences, "{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{:.6f},{},{},ok\n",
             id_.run, r.device, csv_field(id_.scheduler), csv_field(id_.model), r.inference,
             ms(r.arrival_s), ms(r.finish_s), ms(latency), r.uplink_bytes, r.downlink_bytes,
             ms(r.device_busy_s), ms(r.server_busy_s), r.device_tasks, r.server_tasks, r.transfers,
             bytes_per_s_to_mbps(r.uplink_estimate_bps), r.fallback ? 1 : 0,
             csv_field(r.plan_note));
  std::fflush(files_->inferences);
}

void RunOutputs::finish(const RunStats& stats, const std::string& status) {
  const auto n = latencies_s_.size();
  const double mean =
      n ? std::accumulate(latencies_s_.begin(), latencies_s_.end(), 0.0) / static_cast<double>(n)
        : 0;
  const double max = n ? *std::max_element(latencies_s_.begin(), latencies_s_.end()) : 0;
  std::string swept;
  for (const auto& v : id_.sweep_values) {
    swept += ',';
    swept += csv_field(v);
  }
  fmt::print(files_->summary, "{}{},{},{},{},{},{},{},{},{},{},{:.6f},{},{},{:.1f},{},{},{},{}\n",
             id_.run, swept, csv_field(id_.scheduler), csv_field(id_.model), id_.devices, n,
             ms(mean), ms(percentile(latencies_s_, 50)), ms(percentile(latencies_s_, 95)),
             ms(percentile(latencies_s_, 99)), ms(max),
             last_finish_s_ > 0 ? static_cast<double>(n) / last_finish_s_ : 0.0, uplink_bytes_,
             downlink_bytes_, n ? static_cast<double>(uplink_bytes_) / static_cast<double>(n) : 0.0,
             ms(device_busy_s_), ms(server_busy_s_), ms(stats.end_s), csv_field(status));
  std::fflush(files_->summary);
}

} // namespace tandem
