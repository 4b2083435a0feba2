#include "core/config/experiment_config.hpp"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <sstream>
#include <tuple>
#include <variant>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <toml++/toml.h>

#include "core/config/config_schema.hpp"

namespace tandem {

namespace {

constexpr std::string_view kCommandLine = "command line";
constexpr std::string_view kOptionsPrefix = "scheduler.options.";
constexpr std::string_view kSweepPrefix = "sweep.";

// The sections whose keys come from the schema; "scheduler.options" and "sweep" are free-form.
bool is_schema_section(std::string_view name) {
  for (const auto& k : config_schema())
    if (!k.section().empty() && k.section() == name)
      return true;
  return false;
}

// What went wrong with a value: the two halves of an InputError, so the same check serves a config
// line ("link.uplink_mbps: expected ...") and --set ("--set: expected link.uplink_mbps to be ...").
struct Problem {
  std::string expected;
  std::string found;
};

SourceLocation location(const std::string& file, const toml::source_region& region) {
  return {file, static_cast<int>(region.begin.line), static_cast<int>(region.begin.column)};
}

std::string describe_node(const toml::node& node) {
  switch (node.type()) {
  case toml::node_type::string: {
    auto text = std::string(*node.as_string());
    if (text.size() > 40)
      text = text.substr(0, 37) + "...";
    return "a string " + toml_quote(text);
  }
  case toml::node_type::integer:
    return fmt::format("an integer {}", node.as_integer()->get());
  case toml::node_type::floating_point:
    return "a float " + format_config_value(node.as_floating_point()->get());
  case toml::node_type::boolean:
    return node.as_boolean()->get() ? "a boolean true" : "a boolean false";
  case toml::node_type::array:
    return "an array";
  case toml::node_type::table:
    return "a table";
  case toml::node_type::date:
    return "a date";
  case toml::node_type::time:
    return "a time";
  case toml::node_type::date_time:
    return "a date-time";
  default:
    return "nothing";
  }
}

// How a range or enum error shows the offending value: -5, 2.5, "fast".
std::string found_text(const ConfigValue& value) {
  if (const auto* s = std::get_if<std::string>(&value))
    return toml_quote(*s);
  return format_config_value(value);
}

std::string resolve_path(const std::string& text, const std::filesystem::path& base_dir) {
  std::filesystem::path p(text);
  if (p.is_relative() && !base_dir.empty())
    p = base_dir / p;
  return p.lexically_normal().string();
}

// A TOML node as the key's type, checked, with its path resolved.
std::variant<ConfigValue, Problem> convert(const ConfigKey& key, const toml::node& node,
                                           const std::filesystem::path& base_dir) {
  const auto wrong_type = [&] { return Problem{expected_type_text(key), describe_node(node)}; };
  ConfigValue value;
  switch (key.type) {
  case ValueType::boolean:
    if (!node.is_boolean())
      return wrong_type();
    value = node.as_boolean()->get();
    break;
  case ValueType::integer:
    if (!node.is_integer())
      return wrong_type();
    value = node.as_integer()->get();
    break;
  case ValueType::floating:
    if (node.is_integer())
      value = static_cast<double>(node.as_integer()->get());
    else if (node.is_floating_point())
      value = node.as_floating_point()->get();
    else
      return wrong_type();
    break;
  case ValueType::string:
  case ValueType::path:
    if (!node.is_string())
      return wrong_type();
    value = std::string(*node.as_string());
    if (key.type == ValueType::path && std::get<std::string>(value).empty())
      return Problem{expected_type_text(key), "an empty string"};
    break;
  }
  if (auto expected = key.check(value))
    return Problem{*expected, found_text(value)};
  if (auto* s = std::get_if<std::string>(&value)) {
    if (key.paths == PathMode::always ||
        (key.paths == PathMode::if_model_file && is_model_file_name(*s)))
      *s = resolve_path(*s, base_dir);
  }
  return value;
}

// A scheduler option keeps whatever scalar it was given; the scheduler decides what it means.
std::variant<ConfigValue, Problem> convert_option(const toml::node& node) {
  if (node.is_boolean())
    return ConfigValue{node.as_boolean()->get()};
  if (node.is_integer())
    return ConfigValue{node.as_integer()->get()};
  if (node.is_floating_point())
    return ConfigValue{node.as_floating_point()->get()};
  if (node.is_string())
    return ConfigValue{std::string(*node.as_string())};
  return Problem{"a boolean, integer, float or string", describe_node(node)};
}

std::vector<std::string> section_key_names(std::string_view section) {
  std::vector<std::string> names;
  for (const auto& k : config_schema())
    if (k.section() == section)
      names.emplace_back(k.name());
  if (section == "scheduler")
    names.emplace_back("options");
  if (section.empty()) {
    for (const auto& s : config_sections())
      if (!s.name.empty() && s.name.find('.') == std::string_view::npos)
        names.emplace_back(s.name);
  }
  return names;
}

// " (did you mean uplink_mbps?)" when one candidate is a likely typo of `word`, else "".
std::string suggestion(std::string_view word, const std::vector<std::string>& candidates,
                       std::string_view prefix = {}) {
  if (const auto best = closest_match(word, candidates))
    return fmt::format(" (did you mean {}{}?)", prefix, *best);
  return {};
}

std::vector<std::string> all_schema_keys() {
  std::vector<std::string> keys;
  for (const auto& k : config_schema())
    keys.push_back(k.key);
  return keys;
}

// A value with its dotted key and where the key was written.
struct Leaf {
  std::string key;
  const toml::node* node;
  SourceLocation where;
};

// Flattens tables into dotted keys, descending only into schema sections (everything, for [sweep]),
// so an unknown section is reported once, by its own name, and [scheduler.options] stays whole.
// Flattens tables into dotted keys, descending only into schema sections (everything, for [sweep]),
// so an unknown section is reported once, by its own name, and [scheduler.options] stays whole. A
// leaf is located at the last part of its key (`latency_ms` in `link.latency_ms = 2`).
void collect_leaves(const toml::table& table, const std::string& prefix, const std::string& file,
                    bool descend_all, std::vector<Leaf>& out) {
  for (auto&& [k, v] : table) {
    const auto full = prefix.empty() ? std::string(k.str()) : prefix + "." + std::string(k.str());
    if (v.is_table() && (descend_all || is_schema_section(full)))
      collect_leaves(*v.as_table(), full, file, descend_all, out);
    else
      out.push_back({full, &v, location(file, k.source())});
  }
}

// toml++ tables are sorted by key; the file's order is what users expect (for sweeps, and for
// which error they see first).
void sort_by_position(std::vector<Leaf>& leaves) {
  std::stable_sort(leaves.begin(), leaves.end(), [](const Leaf& a, const Leaf& b) {
    return std::tie(a.where.line, a.where.column) < std::tie(b.where.line, b.where.column);
  });
}

// Every problem becomes an InputError at one place with one field name; the parser and --set differ
// only in how they phrase it.
struct Reporter {
  bool command_line = false;

  [[noreturn]] void fail(const SourceLocation& where, const std::string& key,
                         const Problem& p) const {
    if (command_line)
      throw InputError({std::string(kCommandLine)}, "--set",
                       fmt::format("{} to be {}", key, p.expected), p.found);
    throw InputError(where, key, p.expected, p.found);
  }
};

ConfigValue convert_or_fail(const ConfigKey& key, const toml::node& node,
                            const std::filesystem::path& base_dir, const SourceLocation& where,
                            const std::string& field, const Reporter& report) {
  auto result = convert(key, node, base_dir);
  if (auto* p = std::get_if<Problem>(&result))
    report.fail(where, field, *p);
  return std::get<ConfigValue>(std::move(result));
}

// The key a sweep axis or --set names after its prefix: a schema key or a scheduler option.
bool is_option_key(std::string_view key) {
  return key.starts_with(kOptionsPrefix) && key.size() > kOptionsPrefix.size();
}

void remove_axis(ExperimentConfig& config, std::string_view key) {
  std::erase_if(config.sweep, [&](const SweepAxis& a) { return a.key == key; });
}

SweepAxis parse_axis(const std::string& axis_key, const toml::node& node,
                     const SourceLocation& where, const std::string& file,
                     const std::filesystem::path& base_dir, const Reporter& report) {
  const std::string field = "sweep." + axis_key;
  const ConfigKey* key = find_config_key(axis_key);
  if (!key && !is_option_key(axis_key)) {
    if (report.command_line)
      throw InputError({std::string(kCommandLine)}, "--set",
                       "sweep.KEY with KEY a config key or scheduler.options.NAME",
                       fmt::format("an unknown key {}{}", toml_quote("sweep." + axis_key),
                                   suggestion(axis_key, all_schema_keys(), "sweep.")));
    report.fail(where, field,
                {"a config key (tandem describe config) or scheduler.options.NAME",
                 "an unknown key" + suggestion(axis_key, all_schema_keys())});
  }
  const auto* array = node.as_array();
  if (!array || array->empty())
    report.fail(where, field,
                {"a non-empty array of values", array ? "an empty array" : describe_node(node)});
  SweepAxis axis{axis_key, {}, where};
  for (const auto& element : *array) {
    const auto element_where = report.command_line ? where : location(file, element.source());
    if (key) {
      axis.values.push_back(convert_or_fail(*key, element, base_dir, element_where, field, report));
    } else {
      auto v = convert_option(element);
      if (auto* p = std::get_if<Problem>(&v))
        report.fail(element_where, field, *p);
      axis.values.push_back(std::get<ConfigValue>(std::move(v)));
    }
  }
  return axis;
}

void parse_sweep(ExperimentConfig& config, const toml::table& table, const std::string& file,
                 const std::filesystem::path& base_dir) {
  std::vector<Leaf> leaves;
  // Both `"link.uplink_mbps" = [...]` and `link.uplink_mbps = [...]` name the same axis.
  collect_leaves(table, "", file, true, leaves);
  sort_by_position(leaves);
  const Reporter report;
  for (const auto& leaf : leaves) {
    if (std::any_of(config.sweep.begin(), config.sweep.end(),
                    [&](const SweepAxis& a) { return a.key == leaf.key; }))
      report.fail(leaf.where, "sweep." + leaf.key,
                  {"each key once in [sweep]", "a second array for the same key"});
    config.sweep.push_back(parse_axis(leaf.key, *leaf.node, leaf.where, file, base_dir, report));
  }
}

void parse_options(ExperimentConfig& config, const toml::table& table, const std::string& file) {
  std::vector<Leaf> leaves;
  for (auto&& [k, v] : table)
    leaves.push_back({std::string(k.str()), &v, location(file, k.source())});
  sort_by_position(leaves); // the first bad option in the file is the one reported
  for (const auto& leaf : leaves) {
    const auto field = std::string(kOptionsPrefix) + leaf.key;
    auto value = convert_option(*leaf.node);
    if (auto* p = std::get_if<Problem>(&value))
      throw InputError(leaf.where, field, p->expected, p->found);
    config.scheduler.options.set(leaf.key, std::get<ConfigValue>(std::move(value)), leaf.where);
    config.sources.by_key[field] = leaf.where;
  }
}

void process_leaf(ExperimentConfig& config, const Leaf& leaf, const std::string& file,
                  const std::filesystem::path& base_dir) {
  const Reporter report;
  if (leaf.key == "sweep" || leaf.key == "scheduler.options") {
    if (!leaf.node->is_table())
      report.fail(leaf.where, leaf.key,
                  {fmt::format("a table [{}]", leaf.key), describe_node(*leaf.node)});
    if (leaf.key == "sweep")
      parse_sweep(config, *leaf.node->as_table(), file, base_dir);
    else
      parse_options(config, *leaf.node->as_table(), file);
    return;
  }
  if (const auto* key = find_config_key(leaf.key)) {
    key->set(config, convert_or_fail(*key, *leaf.node, base_dir, leaf.where, leaf.key, report));
    config.sources.by_key[leaf.key] = leaf.where;
    return;
  }
  if (is_schema_section(leaf.key))
    report.fail(leaf.where, leaf.key,
                {fmt::format("a table [{}]", leaf.key), describe_node(*leaf.node)});
  const auto dot = leaf.key.rfind('.');
  const auto section = dot == std::string::npos ? std::string() : leaf.key.substr(0, dot);
  const auto name = dot == std::string::npos ? leaf.key : leaf.key.substr(dot + 1);
  const auto known = section_key_names(section);
  const auto expected =
      section.empty() ? fmt::format("a known top-level key or section ({})", fmt::join(known, ", "))
                      : fmt::format("a known key of [{}] ({})", section, fmt::join(known, ", "));
  report.fail(leaf.where, leaf.key, {expected, "an unknown key" + suggestion(name, known)});
}

// Parses --set's VALUE as a TOML value. Nullopt when it is not valid TOML (a bare word, say).
std::optional<toml::table> parse_toml_value(std::string_view text) {
  try {
    auto table = toml::parse(fmt::format("v = {}", text), std::string_view("command line"));
    if (table.size() != 1 || !table.contains("v"))
      return std::nullopt;
    return table;
  } catch (const toml::parse_error&) {
    return std::nullopt;
  }
}

std::string_view trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t");
  if (first == std::string_view::npos)
    return {};
  const auto last = s.find_last_not_of(" \t");
  return s.substr(first, last - first + 1);
}

} // namespace

SourceLocation ExperimentConfig::where(std::string_view key) const {
  const auto it = sources.by_key.find(key);
  return it == sources.by_key.end() ? SourceLocation{sources.file} : it->second;
}

ExperimentConfig parse_experiment_config(std::string_view text, const std::string& source_name,
                                         const std::filesystem::path& base_dir) {
  toml::table root;
  try {
    root = toml::parse(text, std::string_view(source_name));
  } catch (const toml::parse_error& e) {
    auto description = std::string(e.description());
    if (!description.empty())
      description[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(description[0])));
    throw InputError(location(source_name, e.source()), "invalid TOML: " + description);
  }

  ExperimentConfig config;
  config.sources.file = source_name;
  std::vector<Leaf> leaves;
  collect_leaves(root, "", source_name, false, leaves);
  sort_by_position(leaves);
  for (const auto& leaf : leaves)
    process_leaf(config, leaf, source_name, base_dir);

  for (const auto& key : config_schema()) {
    const bool swept = std::any_of(config.sweep.begin(), config.sweep.end(),
                                   [&](const SweepAxis& a) { return a.key == key.key; });
    if (key.required && !config.sources.by_key.contains(key.key) && !swept) {
      const auto expected = key.check(ConfigValue{std::string()}).value_or(expected_type_text(key));
      throw InputError({source_name}, key.key, expected, "no value (the key is required)");
    }
  }
  if (!config.sources.by_key.contains("name"))
    config.name = std::filesystem::path(source_name).stem().string();
  if (!config.sources.by_key.contains("output_dir"))
    config.output_dir = "results/" + config.name;
  return config;
}

ExperimentConfig load_experiment_config(const std::filesystem::path& file) {
  std::error_code ec;
  std::ifstream in;
  // A directory opens on Linux but cannot be read; it is no more a config file than a missing path.
  if (!std::filesystem::is_directory(file, ec))
    in.open(file, std::ios::binary);
  std::ostringstream text;
  if (in.is_open())
    text << in.rdbuf();
  if (!in.is_open() || in.bad())
    throw InputError({file.string()}, "cannot open the config file (missing or unreadable)");
  const auto base_dir = std::filesystem::absolute(file, ec).parent_path();
  return parse_experiment_config(text.str(), file.string(), base_dir);
}

void apply_override(ExperimentConfig& config, std::string_view assignment) {
  const SourceLocation where{std::string(kCommandLine)};
  const Reporter report{.command_line = true};
  const auto eq = assignment.find('=');
  const auto key = std::string(trim(assignment.substr(0, std::min(eq, assignment.size()))));
  if (eq == std::string_view::npos || key.empty())
    throw InputError(where, "--set", "KEY=VALUE", toml_quote(std::string(assignment)));
  const auto value_text = trim(assignment.substr(eq + 1));
  // --set paths are typed relative to where the user stands, not to the config file.
  std::error_code ec;
  const auto cwd = std::filesystem::current_path(ec);
  const auto parsed = parse_toml_value(value_text);

  if (key.starts_with(kSweepPrefix)) {
    const auto axis_key = key.substr(kSweepPrefix.size());
    if (!parsed)
      throw InputError(where, "--set", fmt::format("{} to be a TOML array of values", key),
                       toml_quote(std::string(value_text)));
    auto axis = parse_axis(axis_key, *parsed->get("v"), where, where.file, cwd, report);
    const auto it = std::find_if(config.sweep.begin(), config.sweep.end(),
                                 [&](const SweepAxis& a) { return a.key == axis_key; });
    if (it != config.sweep.end())
      *it = std::move(axis);
    else
      config.sweep.push_back(std::move(axis));
    return;
  }

  if (is_option_key(key)) {
    ConfigValue value = std::string(value_text); // a bare word is a string
    if (parsed) {
      auto v = convert_option(*parsed->get("v"));
      if (auto* p = std::get_if<Problem>(&v))
        report.fail(where, key, *p);
      value = std::get<ConfigValue>(std::move(v));
    }
    config.scheduler.options.set(key.substr(kOptionsPrefix.size()), std::move(value), where);
    config.sources.by_key[key] = where;
    remove_axis(config, key);
    return;
  }

  const auto* schema_key = find_config_key(key);
  if (!schema_key)
    throw InputError(
        where, "--set", "a config key (tandem describe config) or scheduler.options.NAME",
        fmt::format("an unknown key {}{}", toml_quote(key), suggestion(key, all_schema_keys())));
  const bool textual = schema_key->type == ValueType::string || schema_key->type == ValueType::path;
  ConfigValue value;
  if (textual && !value_text.starts_with('"') && !value_text.starts_with('\'')) {
    // Strings may be typed bare: --set scheduler.name=dads.
    const toml::value<std::string> node{std::string(value_text)};
    value = convert_or_fail(*schema_key, node, cwd, where, key, report);
  } else if (parsed) {
    value = convert_or_fail(*schema_key, *parsed->get("v"), cwd, where, key, report);
  } else {
    report.fail(where, key, {expected_type_text(*schema_key), toml_quote(std::string(value_text))});
  }
  schema_key->set(config, value);
  config.sources.by_key[key] = where;
  remove_axis(config, key);
}

} // namespace tandem
