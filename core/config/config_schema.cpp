#include "core/config/config_schema.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <type_traits>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/config/config_enums.hpp"
#include "core/config/experiment_config.hpp"
#include "core/device_spec.hpp"
#include "core/emulation.hpp"
#include "core/zoo/zoo.hpp"

namespace tandem {

namespace {

// How each C++ field type is spelled in a config: its ValueType, and the conversions to and from a
// ConfigValue. `limits` bound what an integer field can hold.
template <class T> struct FieldTraits;

template <> struct FieldTraits<bool> {
  static constexpr ValueType type = ValueType::boolean;
  static ConfigValue to(bool v) { return v; }
  static bool from(const ConfigValue& v) { return std::get<bool>(v); }
};

template <class I>
requires(std::is_integral_v<I> && !std::is_same_v<I, bool>) struct FieldTraits<I> {
  static constexpr ValueType type = ValueType::integer;
  // TOML integers are int64; an unsigned field takes the non-negative ones.
  static constexpr std::int64_t min = std::is_signed_v<I> ? std::numeric_limits<I>::min() : 0;
  static constexpr std::int64_t max = static_cast<std::int64_t>(std::min<std::uint64_t>(
      std::numeric_limits<I>::max(), std::numeric_limits<std::int64_t>::max()));
  static ConfigValue to(I v) { return static_cast<std::int64_t>(v); }
  static I from(const ConfigValue& v) { return static_cast<I>(std::get<std::int64_t>(v)); }
};

template <> struct FieldTraits<double> {
  static constexpr ValueType type = ValueType::floating;
  static ConfigValue to(double v) { return v; }
  static double from(const ConfigValue& v) { return std::get<double>(v); }
};

template <> struct FieldTraits<std::string> {
  static constexpr ValueType type = ValueType::string;
  static ConfigValue to(const std::string& v) { return v; }
  static std::string from(const ConfigValue& v) { return std::get<std::string>(v); }
};

template <> struct FieldTraits<std::filesystem::path> {
  static constexpr ValueType type = ValueType::path;
  static ConfigValue to(const std::filesystem::path& v) { return v.string(); }
  static std::filesystem::path from(const ConfigValue& v) { return std::get<std::string>(v); }
};

template <class E>
requires std::is_enum_v<E>
struct FieldTraits<E> {
  static constexpr ValueType type = ValueType::string;
  static ConfigValue to(E v) { return std::string(to_string(v)); }
  // Only called on values `check` accepted, so the name is always in the table.
  static E from(const ConfigValue& v) {
    const auto& text = std::get<std::string>(v);
    for (const auto& n : enum_names(E{}))
      if (n.name == text)
        return n.value;
    return E{};
  }
  static std::vector<std::string> names() {
    std::vector<std::string> out;
    for (const auto& n : enum_names(E{}))
      out.emplace_back(n.name);
    return out;
  }
};

template <class T> struct IsOptional : std::false_type {};
template <class T> struct IsOptional<std::optional<T>> : std::true_type {};

// A numeric constraint: low < or <= value, and optionally value < or <= high.
struct Range {
  double low;
  bool low_open;
  std::optional<double> high = std::nullopt;
  bool high_open = false;
};
Range above(double low) {
  return {low, true};
}
Range at_least(double low) {
  return {low, false};
}
Range above_up_to(double low, double high) {
  return {low, true, high, false};
}

std::string range_text(const Range& r) {
  if (!r.high)
    return fmt::format("{} {}", r.low_open ? ">" : ">=", r.low);
  return fmt::format("in {}{}, {}{}", r.low_open ? "(" : "[", r.low, *r.high,
                     r.high_open ? ")" : "]");
}

bool in_range(const Range& r, double v) {
  if (!std::isfinite(v))
    return false;
  if (r.low_open ? !(v > r.low) : !(v >= r.low))
    return false;
  if (r.high && (r.high_open ? !(v < *r.high) : !(v <= *r.high)))
    return false;
  return true;
}

// What a key's entry says beyond its name and field; designated initializers keep the table
// readable.
struct KeyInfo {
  std::string unit = {};
  std::string meaning = {};
  std::optional<Range> range = std::nullopt;
  std::vector<std::string> allowed = {}; // for strings: the only accepted values
  std::string default_text = {};         // overrides the default read from ExperimentConfig{}
  bool required = false;
  PathMode paths = PathMode::none;
  // A check the other fields cannot express: the short text for the docs, the expected text for
  // errors, and the test.
  std::string custom_allowed = {};
  std::string custom_expected = {};
  std::function<bool(const ConfigValue&)> custom_check = nullptr;
};

std::string with_unit(std::string text, const std::string& unit) {
  return unit.empty() ? text : fmt::format("{} ({})", text, unit);
}

template <class Field>
ConfigKey make_key(std::string key, KeyInfo info,
                   std::function<const Field&(const ExperimentConfig&)> read,
                   std::function<Field&(ExperimentConfig&)> write) {
  constexpr bool optional = IsOptional<Field>::value;
  using Value = typename std::conditional_t<optional, Field, std::optional<Field>>::value_type;
  using Traits = FieldTraits<Value>;

  ConfigKey k;
  k.key = std::move(key);
  k.type = Traits::type;
  k.unit = info.unit;
  k.meaning = info.meaning;
  k.required = info.required;
  k.optional = optional;
  k.paths = Traits::type == ValueType::path ? PathMode::always : info.paths;
  if constexpr (std::is_enum_v<Value>)
    info.allowed = Traits::names();

  if (info.range) {
    k.allowed = range_text(*info.range);
  } else if (!info.allowed.empty()) {
    k.allowed = fmt::format("{}", fmt::join(info.allowed, " | "));
  } else {
    k.allowed = info.custom_allowed;
  }

  const auto unit = info.unit;
  k.check = [info, unit](const ConfigValue& v) -> std::optional<std::string> {
    if constexpr (Traits::type == ValueType::integer) {
      const auto i = std::get<std::int64_t>(v);
      if (i < Traits::min)
        return with_unit(fmt::format("an integer >= {}", Traits::min), unit);
      if (i > Traits::max)
        return with_unit(fmt::format("an integer <= {}", Traits::max), unit);
      if (info.range && !in_range(*info.range, static_cast<double>(i)))
        return with_unit(fmt::format("an integer {}", range_text(*info.range)), unit);
    }
    if constexpr (Traits::type == ValueType::floating) {
      if (info.range && !in_range(*info.range, std::get<double>(v)))
        return with_unit(fmt::format("a number {}", range_text(*info.range)), unit);
    }
    if (!info.allowed.empty()) {
      const auto& s = std::get<std::string>(v);
      if (std::find(info.allowed.begin(), info.allowed.end(), s) == info.allowed.end())
        return fmt::format("one of {}", fmt::join(info.allowed, ", "));
    }
    if (info.custom_check && !info.custom_check(v))
      return info.custom_expected;
    return std::nullopt;
  };

  k.get = [read](const ExperimentConfig& c) -> std::optional<ConfigValue> {
    const Field& f = read(c);
    if constexpr (optional) {
      if (!f)
        return std::nullopt;
      return Traits::to(*f);
    } else {
      return Traits::to(f);
    }
  };
  k.set = [write](ExperimentConfig& c, const std::optional<ConfigValue>& v) {
    Field& f = write(c);
    if constexpr (optional) {
      if (!v)
        f.reset();
      else
        f = Traits::from(*v);
    } else if (v) {
      f = Traits::from(*v);
    }
  };

  if (!info.default_text.empty()) {
    k.default_text = info.default_text;
  } else if (k.required) {
    k.default_text = "(required)";
  } else {
    // Read from a default-constructed config: the struct's initializers are the one source of
    // defaults, and the docs follow them.
    const auto d = k.get(ExperimentConfig{});
    k.default_text = !d                                ? "(unset)"
                     : d == ConfigValue{std::string()} ? "(empty)"
                                                       : format_config_value(*d);
  }
  return k;
}

// A field reached through its section: `&ExperimentConfig::link, &LinkConfig::uplink_mbps`.
template <class Section, class Field>
ConfigKey key(std::string name, Section ExperimentConfig::*section, Field Section::*member,
              KeyInfo info) {
  return make_key<Field>(
      std::move(name), std::move(info),
      [section, member](const ExperimentConfig& c) -> const Field& { return (c.*section).*member; },
      [section, member](ExperimentConfig& c) -> Field& { return (c.*section).*member; });
}

// A top-level field.
template <class Field>
ConfigKey key(std::string name, Field ExperimentConfig::*member, KeyInfo info) {
  return make_key<Field>(
      std::move(name), std::move(info),
      [member](const ExperimentConfig& c) -> const Field& { return c.*member; },
      [member](ExperimentConfig& c) -> Field& { return c.*member; });
}

std::vector<std::string> device_spec_names() {
  std::vector<std::string> names;
  for (const auto& s : builtin_device_specs())
    names.push_back(s.name);
  return names;
}

std::vector<std::string> zoo_names() {
  std::vector<std::string> names;
  for (const auto& e : zoo_models())
    names.emplace_back(e.name);
  return names;
}

bool non_empty(const ConfigValue& v) {
  return !std::get<std::string>(v).empty();
}

std::vector<ConfigKey> build_schema() {
  using C = ExperimentConfig;
  const auto zoo = zoo_names();
  const auto specs = device_spec_names();
  std::vector<ConfigKey> s;

  s.push_back(key("name", &C::name,
                  {.meaning = "experiment name (default: the config file's name without .toml)",
                   .default_text = "file stem",
                   .custom_expected = "a non-empty string",
                   .custom_check = non_empty}));
  s.push_back(
      key("seed", &C::seed, {.meaning = "seeds every random stream (arrivals, generated traces)"}));
  s.push_back(key("backend", &C::backend,
                  {.meaning = "sim: SimGrid simulation; real: oneDNN and TCP to a server"}));
  s.push_back(key("output_dir", &C::output_dir,
                  {.meaning = "where outputs go, relative to the working directory (--out wins)",
                   .default_text = "results/<name>",
                   .custom_expected = "a non-empty string",
                   .custom_check = non_empty}));
  s.push_back(key("description", &C::description, {.meaning = "free text, copied to the outputs"}));

  s.push_back(key(
      "model.name", &C::model, &ModelConfig::name,
      {.meaning = "a zoo model (see tandem describe models) or a model file, relative to "
                  "the config file",
       .required = true,
       .paths = PathMode::if_model_file,
       .custom_allowed = "zoo name | *.json | *.onnx",
       .custom_expected =
           fmt::format("a zoo model ({}) or a .json or .onnx file", fmt::join(zoo, ", ")),
       .custom_check = [zoo](const ConfigValue& v) {
         const auto& name = std::get<std::string>(v);
         return is_model_file_name(name) || std::find(zoo.begin(), zoo.end(), name) != zoo.end();
       }}));
  s.push_back(key("model.batch", &C::model, &ModelConfig::batch,
                  {.meaning = "inputs per inference", .range = at_least(1)}));
  s.push_back(key("model.seq_len", &C::model, &ModelConfig::seq_len,
                  {.meaning = "sequence length, transformer models only", .range = at_least(1)}));
  s.push_back(key("model.profile", &C::model, &ModelConfig::profile,
                  {.meaning = "measured profile CSV from tandem profile, replacing cost-model "
                              "times; relative to the config file"}));

  s.push_back(key("device.spec", &C::device, &DeviceConfig::spec,
                  {.meaning = "device spec, see tandem describe devices", .allowed = specs}));
  s.push_back(key("device.threads", &C::device, &DeviceConfig::threads,
                  {.meaning = "threads a layer uses on the device", .range = at_least(1)}));
  s.push_back(key("device.count", &C::device, &DeviceConfig::count,
                  {.meaning = "identical devices sharing the server", .range = at_least(1)}));
  // Emulation knobs: they make this machine's CPU act like the device's; off on real hardware.
  s.push_back(key("device.slowdown", &C::device, &DeviceConfig::slowdown,
                  {.meaning = "emulation knob, real backend only (the simulator ignores it): each "
                              "device layer is stretched to this many times its wall time by "
                              "waiting; 1 = off",
                   .range = at_least(1)}));
  s.push_back(
      key("device.isa", &C::device, &DeviceConfig::isa,
          {.meaning = "emulation knob, real backend only (the simulator ignores it): caps the "
                      "instruction set oneDNN uses in the device process (ONEDNN_MAX_CPU_ISA); "
                      "empty = no cap",
           .custom_allowed = fmt::format("(empty) | {}", fmt::join(kCpuIsaNames, " | ")),
           .custom_expected = fmt::format("empty or one of {}", fmt::join(kCpuIsaNames, ", ")),
           .custom_check = [](const ConfigValue& v) {
             const auto& isa = std::get<std::string>(v);
             return isa.empty() ||
                    std::find(kCpuIsaNames.begin(), kCpuIsaNames.end(), isa) != kCpuIsaNames.end();
           }}));
  s.push_back(key("device.cpus", &C::device, &DeviceConfig::cpus,
                  {.meaning = "emulation knob, real backend only (the simulator ignores it): CPUs "
                              "the device compute threads are pinned to, device.threads per "
                              "device in order (\"0\", \"0-1\", \"0,2\"); a spawned server is "
                              "pinned to the other CPUs; empty = no pinning",
                   .custom_allowed = "(empty) | CPU list",
                   .custom_expected = "empty or a CPU list such as \"0\", \"0-3\" or \"0,2\"",
                   .custom_check = [](const ConfigValue& v) {
                     const auto& cpus = std::get<std::string>(v);
                     return cpus.empty() || parse_cpu_list(cpus).has_value();
                   }}));

  s.push_back(key("server.spec", &C::server, &ServerConfig::spec,
                  {.meaning = "server spec, see tandem describe devices", .allowed = specs}));
  s.push_back(
      key("server.threads", &C::server, &ServerConfig::threads,
          {.meaning = "threads a layer uses on the server; 0 = every core", .range = at_least(0)}));
  s.push_back(key("server.workers", &C::server, &ServerConfig::workers,
                  {.meaning = "layers the server runs at once: a FIFO pool shared by all devices",
                   .range = at_least(1)}));
  s.push_back(
      key("server.address", &C::server, &ServerConfig::address,
          {.meaning = "real backend: \"spawn\" a local server or connect to \"host:port\""}));

  s.push_back(key("link.uplink_mbps", &C::link, &LinkConfig::uplink_mbps,
                  {.unit = "Mbit/s", .meaning = "device-to-server rate", .range = above(0)}));
  s.push_back(key("link.downlink_mbps", &C::link, &LinkConfig::downlink_mbps,
                  {.unit = "Mbit/s", .meaning = "server-to-device rate", .range = above(0)}));
  s.push_back(
      key("link.latency_ms", &C::link, &LinkConfig::latency_ms,
          {.unit = "ms", .meaning = "one-way latency of every transfer", .range = at_least(0)}));
  s.push_back(key("link.shared_uplink", &C::link, &LinkConfig::shared_uplink,
                  {.meaning = "one uplink shared by all devices instead of one each"}));
  s.push_back(
      key("link.uplink_trace", &C::link, &LinkConfig::uplink_trace,
          {.meaning = "bandwidth trace replacing uplink_mbps; relative to the config file"}));
  s.push_back(
      key("link.downlink_trace", &C::link, &LinkConfig::downlink_trace,
          {.meaning = "bandwidth trace replacing downlink_mbps; relative to the config file"}));
  s.push_back(key("link.trace_format", &C::link, &LinkConfig::trace_format,
                  {.meaning = "format of both trace files"}));
  s.push_back(key("link.trace_scale", &C::link, &LinkConfig::trace_scale,
                  {.meaning = "multiplies every trace rate", .range = above(0)}));
  s.push_back(key(
      "link.trace_offset_s", &C::link, &LinkConfig::trace_offset_s,
      {.unit = "s", .meaning = "trace time at which the experiment starts", .range = at_least(0)}));
  s.push_back(key("link.trace_loop", &C::link, &LinkConfig::trace_loop,
                  {.meaning = "replay a trace from its start when it ends"}));
  s.push_back(key("link.shaper", &C::link, &LinkConfig::shaper,
                  {.meaning = "real backend only: who paces the link to its traces. token-bucket: "
                              "the sender; tc: Linux tc on a veth pair to a spawned server in its "
                              "own network namespace (root, iproute2, one device; rates logged "
                              "to tc_rates.csv); the latency is added by the runtime either way"}));

  s.push_back(key("estimator.ewma_alpha", &C::estimator, &EstimatorConfig::ewma_alpha,
                  {.meaning = "weight of the newest transfer in the bandwidth estimate",
                   .range = above_up_to(0, 1)}));
  s.push_back(key("estimator.initial_uplink_mbps", &C::estimator,
                  &EstimatorConfig::initial_uplink_mbps,
                  {.unit = "Mbit/s",
                   .meaning = "uplink estimate before the first transfer",
                   .range = above(0),
                   .default_text = "link.uplink_mbps"}));
  s.push_back(key("estimator.initial_downlink_mbps", &C::estimator,
                  &EstimatorConfig::initial_downlink_mbps,
                  {.unit = "Mbit/s",
                   .meaning = "downlink estimate before the first transfer",
                   .range = above(0),
                   .default_text = "link.downlink_mbps"}));

  s.push_back(key("scheduler.name", &C::scheduler, &SchedulerConfig::name,
                  {.meaning = "the scheduler, see tandem describe schedulers"}));

  s.push_back(key("workload.kind", &C::workload, &WorkloadConfig::kind,
                  {.meaning = "arrivals: one at a time, every 1/fps, Poisson, or each after the "
                              "previous finishes"}));
  s.push_back(
      key("workload.count", &C::workload, &WorkloadConfig::count,
          {.meaning = "inferences per device (when duration_s is 0)", .range = at_least(1)}));
  s.push_back(key("workload.duration_s", &C::workload, &WorkloadConfig::duration_s,
                  {.unit = "s",
                   .meaning = "> 0: arrivals stop at this time instead of after count",
                   .range = at_least(0)}));
  s.push_back(key("workload.fps", &C::workload, &WorkloadConfig::fps,
                  {.unit = "1/s", .meaning = "periodic arrival rate", .range = above(0)}));
  s.push_back(key("workload.rate_per_s", &C::workload, &WorkloadConfig::rate_per_s,
                  {.unit = "1/s", .meaning = "mean Poisson arrival rate", .range = above(0)}));
  return s;
}

constexpr ConfigSection kSections[] = {
    {"", "the experiment"},
    {"model", "the DNN every inference runs"},
    {"device", "the devices that start inferences and hold their inputs and outputs"},
    {"server", "the edge server offloaded layers run on"},
    {"link", "the network between each device and the server"},
    {"estimator", "the bandwidth estimate schedulers read (from completed transfers)"},
    {"scheduler", "who decides where each layer runs"},
    {"scheduler.options",
     "scheduler-specific keys (see tandem describe schedulers); each value a bool, int, float or "
     "string"},
    {"workload", "when inferences arrive"},
    {"sweep", "\"KEY\" = [VALUE, ...] for any key above (or scheduler.options.NAME): one run per "
              "combination, numbered from 0, the first key varying slowest"},
};

// Optimal string alignment distance: Levenshtein plus adjacent transpositions, the commonest typo.
std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
  for (std::size_t i = 0; i <= a.size(); ++i)
    d[i][0] = i;
  for (std::size_t j = 0; j <= b.size(); ++j)
    d[0][j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i)
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  return d[a.size()][b.size()];
}

} // namespace

std::string_view to_string(ValueType type) {
  switch (type) {
  case ValueType::boolean:
    return "bool";
  case ValueType::integer:
    return "int";
  case ValueType::floating:
    return "float";
  case ValueType::string:
    return "string";
  case ValueType::path:
    return "path";
  }
  return "?";
}

std::string_view ConfigKey::section() const {
  const auto dot = key.rfind('.');
  return dot == std::string::npos ? std::string_view{} : std::string_view(key).substr(0, dot);
}

std::string_view ConfigKey::name() const {
  const auto dot = key.rfind('.');
  return dot == std::string::npos ? std::string_view(key) : std::string_view(key).substr(dot + 1);
}

std::span<const ConfigKey> config_schema() {
  static const std::vector<ConfigKey> schema = build_schema();
  return schema;
}

std::span<const ConfigSection> config_sections() {
  return kSections;
}

const ConfigKey* find_config_key(std::string_view key) {
  for (const auto& k : config_schema())
    if (k.key == key)
      return &k;
  return nullptr;
}

bool is_model_file_name(const std::string& name) {
  const auto ext = std::filesystem::path(name).extension();
  return ext == ".json" || ext == ".onnx";
}

std::string expected_type_text(const ConfigKey& key) {
  switch (key.type) {
  case ValueType::boolean:
    return "a boolean (true or false)";
  case ValueType::integer:
    return key.unit.empty() ? "an integer" : fmt::format("an integer in {}", key.unit);
  case ValueType::floating:
    return key.unit.empty() ? "a float" : fmt::format("a float in {}", key.unit);
  case ValueType::string:
    return "a string";
  case ValueType::path:
    return "a file path (string)";
  }
  return "a value";
}

std::optional<std::string> closest_match(std::string_view word,
                                         const std::vector<std::string>& candidates) {
  std::optional<std::string> best;
  std::size_t best_distance = std::max<std::size_t>(2, word.size() / 3) + 1;
  for (const auto& c : candidates) {
    const auto d = edit_distance(word, c);
    if (d < best_distance) {
      best_distance = d;
      best = c;
    }
  }
  return best;
}

std::string_view to_string(BackendKind backend) {
  for (const auto& n : kBackendNames)
    if (n.value == backend)
      return n.name;
  return "?";
}

std::string_view to_string(TraceFormat format) {
  for (const auto& n : kTraceFormatNames)
    if (n.value == format)
      return n.name;
  return "?";
}

std::string_view to_string(WorkloadKind kind) {
  for (const auto& n : kWorkloadKindNames)
    if (n.value == kind)
      return n.name;
  return "?";
}

std::string_view to_string(ShaperKind kind) {
  for (const auto& n : kShaperNames)
    if (n.value == kind)
      return n.name;
  return "?";
}

} // namespace tandem
