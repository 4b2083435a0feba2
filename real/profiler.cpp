#include "real/profiler.hpp"

#include <algorithm>
#include <array>
#include <chrono>

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/profile_csv.hpp"
#include "real/executor.hpp"
#include "real/quantize.hpp"

namespace tandem::real {
namespace {

using Clock = std::chrono::steady_clock;

Seconds since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

Seconds median(std::vector<Seconds> samples) {
  std::sort(samples.begin(), samples.end());
  const auto n = samples.size();
  return n % 2 == 1 ? samples[n / 2] : (samples[n / 2 - 1] + samples[n / 2]) / 2;
}

// Median wall time of `work` over `repetitions` calls after `warmup` untimed ones.
template <typename Work> Seconds median_time(int warmup, int repetitions, Work&& work) {
  for (int i = 0; i < warmup; ++i)
    work();
  std::vector<Seconds> samples;
  for (int i = 0; i < repetitions; ++i) {
    const auto start = Clock::now();
    work();
    samples.push_back(since(start));
  }
  return median(std::move(samples));
}

void check_csv_name(const std::string& name) {
  // The profile readers split on commas and never unquote.
  if (name.find_first_of(",\n\r\"") != std::string::npos)
    throw InputError({"profile"}, "layer name", "a name without commas, quotes or line breaks",
                     fmt::format("'{}'", name));
}

constexpr std::array<Column, 6> kTransferColumns{{
    {"model", "model name"},
    {"tensor", "the layer whose output is sent ('input' for the model input)"},
    {"precision", "transfer precision: fp32, fp16, int8 or qK"},
    {"bytes", "bytes on the wire, tensor_bytes(elements, precision)"},
    {"encode_ms", "median time to quantize and pack (or convert) the tensor, milliseconds"},
    {"decode_ms", "median time to unpack and dequantize it back to fp32, milliseconds"},
}};

} // namespace

std::span<const Column> transfer_columns() {
  return kTransferColumns;
}

Profile profile_model(const Model& model, const ProfileOptions& options) {
  if (options.repetitions < 1)
    throw InputError({"profile"}, "repetitions", "an integer >= 1",
                     std::to_string(options.repetitions));
  if (options.warmup < 0)
    throw InputError({"profile"}, "warmup", "an integer >= 0", std::to_string(options.warmup));
  if (options.precisions.empty())
    throw InputError({"profile"}, "precisions", "at least one precision", "none");
  for (const auto& l : model.layers())
    check_csv_name(l.name);
  check_csv_name(model.name());
  const auto say = [&options](const std::string& line) {
    if (options.progress)
      options.progress(line);
  };

  Executor executor(model, {.threads = options.threads,
                            .weight_seed = options.weight_seed,
                            .slowdown = options.slowdown,
                            .side = options.side});
  const auto& order = model.topological_order();
  std::vector<Tensor> tensors(model.size());
  std::vector<std::vector<Seconds>> samples(model.size());
  tensors[index_of(model.input())] = executor.make_input(options.input_seed);
  // Whole-model passes, so each layer is timed as it runs in an inference: just after its
  // producers, with whatever they left in the caches.
  const int passes = options.warmup + options.repetitions;
  for (int pass = 0; pass < passes; ++pass) {
    const auto pass_start = Clock::now();
    for (const auto id : order) {
      const auto& layer = model.layer(id);
      if (layer.kind() == OpKind::input)
        continue;
      std::vector<const Tensor*> inputs;
      for (const auto p : layer.inputs)
        inputs.push_back(&tensors[index_of(p)]);
      const auto start = Clock::now();
      auto out = executor.run(id, inputs);
      const auto elapsed = since(start);
      if (pass >= options.warmup)
        samples[index_of(id)].push_back(elapsed);
      tensors[index_of(id)] = std::move(out);
    }
    say(fmt::format("{} {}: pass {}/{} ({}) {:.1f} ms", model.name(), to_string(options.side),
                    pass + 1, passes, pass < options.warmup ? "warm-up" : "timed",
                    s_to_ms(since(pass_start))));
  }

  Profile profile{model.name(), options.side, options.threads, {}, {}, 0};
  for (const auto id : order) {
    const auto& layer = model.layer(id);
    if (layer.kind() == OpKind::input || layer.kind() == OpKind::opaque)
      continue;
    auto& s = samples[index_of(id)];
    const auto [lo, hi] = std::minmax_element(s.begin(), s.end());
    profile.layers.push_back({layer.name, median(s), *lo, *hi});
    profile.total_s += profile.layers.back().median_s;
  }

  // Encoding runs on the calling thread alone (no oneDNN threads but the fp16 reorder's).
  std::size_t done = 0;
  for (const auto id : order) {
    const auto& layer = model.layer(id);
    const auto& tensor = tensors[index_of(id)];
    for (const auto& p : options.precisions) {
      std::vector<std::uint8_t> bytes;
      const auto encode_s =
          median_time(options.warmup, options.repetitions, [&] { bytes = encode(tensor, p); });
      const auto decode_s = median_time(options.warmup, options.repetitions,
                                        [&] { (void)decode(bytes, p, tensor.shape); });
      profile.transfers.push_back({layer.name, p, bytes.size(), encode_s, decode_s});
    }
    if (++done % 25 == 0 || done == order.size())
      say(fmt::format("{}: encoded {}/{} tensors at {} precision(s)", model.name(), done,
                      order.size(), options.precisions.size()));
  }
  return profile;
}

void write_profile_csv(std::ostream& out, const Profile& profile) {
  out << kProfileCsvHeader << '\n';
  for (const auto& l : profile.layers)
    out << fmt::format("{},{},{},fp32,{},{:.6f}\n", profile.model, l.layer, to_string(profile.side),
                       profile.threads, s_to_ms(l.median_s));
}

void write_transfers_csv(std::ostream& out, const Profile& profile) {
  for (std::size_t i = 0; i < kTransferColumns.size(); ++i)
    out << (i > 0 ? "," : "") << kTransferColumns[i].name;
  out << '\n';
  for (const auto& t : profile.transfers)
    out << fmt::format("{},{},{},{},{:.6f},{:.6f}\n", profile.model, t.tensor,
                       to_string(t.precision), t.bytes, s_to_ms(t.encode_s), s_to_ms(t.decode_s));
}

} // namespace tandem::real
