// tandem profile: runs every layer of a model for real (oneDNN, this machine) and writes the
// measured times as the profile CSV that `[costs] profile` / read_profile_csv take, plus a second
// CSV with the wire size and encode/decode time of every tensor at each precision.
#include <cstdio>
#include <fstream>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "core/error.hpp"
#include "core/model_source.hpp"
#include "real/cpu_isa.hpp"
#include "real/profiler.hpp"

namespace tandem::cli {
namespace {

struct ProfileCommandOptions {
  std::string model;
  std::string side = "device";
  int threads = 1;
  std::vector<std::string> precisions{"fp32", "fp16", "int8", "q4"};
  int repetitions = 10;
  int warmup = 2;
  std::string isa;
  int batch = 1;
  int seq_len = 128;
  int image_size = 0;
  double slowdown = 1.0;
  std::uint64_t weight_seed = 1;
  std::string out;
  std::string transfers_out;
  std::string via = "executor";
};

// profile.csv -> profile.transfers.csv
std::filesystem::path transfers_path(const std::filesystem::path& out) {
  auto p = out;
  return p.replace_extension(".transfers.csv");
}

std::ofstream open_output(const std::filesystem::path& path, const std::string& flag) {
  std::ofstream out(path);
  if (!out)
    throw InputError({"command line"}, flag, "a writable file path",
                     fmt::format("'{}'", path.string()));
  return out;
}

void profile(const ProfileCommandOptions& o) {
  // The cap must come before oneDNN creates its first primitive.
  if (!o.isa.empty())
    real::cap_cpu_isa(o.isa);
  real::ProfileOptions options;
  options.side = *side_from_string(o.side);
  options.threads = o.threads;
  options.repetitions = o.repetitions;
  options.warmup = o.warmup;
  options.slowdown = o.slowdown;
  options.weight_seed = o.weight_seed;
  options.via = o.via == "backend" ? real::ProfileVia::backend : real::ProfileVia::executor;
  options.model_source = o.model;
  options.batch = o.batch;
  options.seq_len = o.seq_len;
  options.precisions.clear();
  for (const auto& text : o.precisions) {
    try {
      options.precisions.push_back(Precision::parse(text));
    } catch (const std::invalid_argument&) {
      throw InputError({"command line"}, "--precisions", "fp32, fp16, int8 or q1..q16",
                       fmt::format("'{}'", text));
    }
  }
  options.progress = [](const std::string& line) {
    fmt::print(stderr, "tandem profile: {}\n", line);
    std::fflush(stderr);
  };
  const auto model =
      load_model(o.model, {o.batch, o.seq_len, o.image_size}, {"command line", 0, 0});
  const std::filesystem::path out_path = o.out;
  const auto transfers =
      o.transfers_out.empty() ? transfers_path(out_path) : std::filesystem::path(o.transfers_out);
  // Open both files before measuring: a bad path fails before minutes of work.
  auto out = open_output(out_path, "--out");
  auto transfers_file = open_output(transfers, "--transfers-out");

  const auto info = real::onednn_info();
  fmt::print(stderr,
             "tandem profile: {} ({} layers) on the {} side, {} thread(s), oneDNN {} on {}, {} "
             "warm-up + {} timed passes, timed via the {}\n",
             model.name(), model.size(), o.side, o.threads, info.version, info.cpu_isa, o.warmup,
             o.repetitions, o.via == "backend" ? "real backend's dispatch" : "executor alone");
  const auto result = real::profile_model(model, options);
  real::write_profile_csv(out, result);
  real::write_transfers_csv(transfers_file, result);
  out.close();
  transfers_file.close();
  if (!out || !transfers_file)
    throw Error(
        fmt::format("could not finish writing {} or {}", out_path.string(), transfers.string()));
  fmt::print("{} on {} ({} thread(s), {}): {} layers, {:.3f} ms summed over layer medians\n",
             result.model, o.side, o.threads, info.cpu_isa, result.layers.size(),
             s_to_ms(result.total_s));
  fmt::print("wrote {} ({} rows) and {} ({} rows)\n", out_path.string(), result.layers.size(),
             transfers.string(), result.transfers.size());
}

} // namespace

void add_profile_command(CLI::App& app) {
  auto o = std::make_shared<ProfileCommandOptions>();
  auto* cmd = app.add_subcommand(
      "profile", "Measure every layer of a model with oneDNN on this machine; write a profile CSV");
  cmd->add_option("--model", o->model, "Zoo model name or model JSON file")->required();
  cmd->add_option("--side", o->side, "Side the measured rows are for")
      ->check(CLI::IsMember({"device", "server"}))
      ->capture_default_str();
  cmd->add_option("--threads", o->threads, "oneDNN (OpenMP) threads per layer")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--precisions", o->precisions,
                  "Transfer precisions for the transfers CSV (fp32, fp16, int8, q1..q16)")
      ->delimiter(',')
      ->capture_default_str();
  cmd->add_option("--repetitions", o->repetitions, "Timed passes over the model (median taken)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--warmup", o->warmup, "Untimed passes before the timed ones")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  cmd->add_option("--isa", o->isa,
                  "Cap oneDNN's instruction set (sse41, avx, avx2, avx512_core, all) to act like "
                  "a weaker CPU; default: no cap");
  cmd->add_option("--batch", o->batch, "Batch size of zoo models")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--seq-len", o->seq_len, "Sequence length of transformer models")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--image-size", o->image_size,
                  "Input height = width of image models (0 = the model's own)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  cmd->add_option("--slowdown", o->slowdown,
                  "Stretch every layer by this factor (>= 1), as the executor's Pi emulation")
      ->check(CLI::Range(1.0, 1e6))
      ->capture_default_str();
  cmd->add_option("--via", o->via,
                  "executor: time each layer alone; backend: as the real backend dispatches it "
                  "(device: handed to a compute thread; server: a compute request to a spawned "
                  "`tandem serve` over loopback TCP), dispatch overhead included")
      ->check(CLI::IsMember({"executor", "backend"}))
      ->capture_default_str();
  cmd->add_option("--weight-seed", o->weight_seed, "Seed of the random weights")
      ->capture_default_str();
  cmd->add_option("--out", o->out,
                  "Profile CSV to write (model,layer,side,precision,threads,time_ms)")
      ->required();
  cmd->add_option("--transfers-out", o->transfers_out,
                  "Transfers CSV to write (default: --out with extension .transfers.csv)");
  cmd->callback([o] { profile(*o); });
}

} // namespace tandem::cli
