// tandem inspect MODEL [--json]: layers, shapes, FLOPs, bytes and predicted times of a model.
#include <iostream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "core/cost_table.hpp"
#include "core/error.hpp"
#include "core/model_source.hpp"

namespace tandem::cli {
namespace {

struct InspectOptions {
  std::string model;
  int batch = 1;
  int seq_len = 128;
  std::string device = "rpi4";
  std::string server = "desktop-cpu";
  int device_threads = 1;
  int server_threads = 0;
  bool json = false;
};

std::string shape_text(const Layer& l) {
  return l.output_shape.rank() > 0 ? to_string(l.output_shape) : "-";
}

void print_json(const Model& m, const CostTable& costs, const InspectOptions& o) {
  nlohmann::ordered_json doc;
  doc["model"] = m.name();
  doc["batch"] = o.batch;
  doc["flop_convention"] = "1 MAC = 2 FLOPs; total_macs counts conv, gemm and matmul";
  doc["total_flops"] = m.total_flops();
  doc["total_macs"] = m.total_macs();
  doc["total_params"] = m.total_params();
  doc["input_bytes"] = m.layer(m.input()).output_bytes_fp32;
  doc["device"] = o.device;
  doc["server"] = o.server;
  doc["device_total_ms"] = s_to_ms(costs.total(Side::device));
  doc["server_total_ms"] = s_to_ms(costs.total(Side::server));
  auto layers = nlohmann::ordered_json::array();
  for (auto id : m.topological_order()) {
    const auto& l = m.layer(id);
    nlohmann::ordered_json j;
    j["name"] = l.name;
    j["op"] = to_string(l.kind());
    auto inputs = nlohmann::ordered_json::array();
    for (auto p : l.inputs)
      inputs.push_back(m.layer(p).name);
    j["inputs"] = inputs;
    j["output_shape"] = l.output_shape.dims;
    j["output_bytes"] = l.output_bytes_fp32;
    j["flops"] = l.flops;
    j["macs"] = l.macs;
    j["params"] = l.params;
    j["device_ms"] = s_to_ms(costs.time(id, Side::device));
    j["server_ms"] = s_to_ms(costs.time(id, Side::server));
    j["cost_source_device"] = to_string(costs.source(id, Side::device));
    j["cost_source_server"] = to_string(costs.source(id, Side::server));
    layers.push_back(std::move(j));
  }
  doc["layers"] = std::move(layers);
  std::cout << doc.dump(1) << '\n';
}

void print_table(const Model& m, const CostTable& costs, const InspectOptions& o) {
  fmt::print("model {} (batch {}): {} layers, {:.4f} GMACs, {:.4f} GFLOPs, {:.3f} M params, input "
             "{} bytes\n",
             m.name(), o.batch, m.size(), m.total_macs() / 1e9, m.total_flops() / 1e9,
             static_cast<double>(m.total_params()) / 1e6, m.layer(m.input()).output_bytes_fp32);
  fmt::print("{:<28} {:<11} {:<18} {:>10} {:>14} {:>11} {:>11} {:>11}\n", "layer", "op",
             "output_shape", "mflops", "output_bytes", "params", "device_ms", "server_ms");
  for (auto id : m.topological_order()) {
    const auto& l = m.layer(id);
    fmt::print("{:<28} {:<11} {:<18} {:>10.2f} {:>14} {:>11} {:>11.3f} {:>11.4f}\n", l.name,
               to_string(l.kind()), shape_text(l), l.flops / 1e6, l.output_bytes_fp32, l.params,
               s_to_ms(costs.time(id, Side::device)), s_to_ms(costs.time(id, Side::server)));
  }
  fmt::print("predicted compute: all on device ({}, {} thread(s)) {:.3f} ms; all on server ({}) "
             "{:.3f} ms\n",
             o.device, o.device_threads, s_to_ms(costs.total(Side::device)), o.server,
             s_to_ms(costs.total(Side::server)));
}

} // namespace

void add_inspect_command(CLI::App& app) {
  auto opts = std::make_shared<InspectOptions>();
  auto* cmd = app.add_subcommand(
      "inspect", "Print a model's layers, shapes, FLOPs, bytes and predicted times");
  cmd->add_option("model", opts->model,
                  "Zoo model name (see `tandem describe models`) or model JSON file")
      ->required();
  cmd->add_option("--batch", opts->batch, "Batch size of zoo models")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--seq-len", opts->seq_len, "Sequence length of transformer models")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--device", opts->device, "Device spec for the device_ms column")
      ->capture_default_str();
  cmd->add_option("--server", opts->server, "Server spec for the server_ms column")
      ->capture_default_str();
  cmd->add_option("--device-threads", opts->device_threads, "Threads a device task uses")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--server-threads", opts->server_threads,
                  "Threads a server task uses (0 = all cores)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  cmd->add_flag("--json", opts->json,
                "Print JSON (top-level total_flops, total_macs, total_params, layers)");
  cmd->callback([opts] {
    const auto& device = device_spec_or_fail(opts->device, {"command line"}, "--device");
    const auto& server = device_spec_or_fail(opts->server, {"command line"}, "--server");
    const auto model = load_model(opts->model, {opts->batch, opts->seq_len}, {"command line"});
    const auto costs =
        CostTable::predict(model, {&device, opts->device_threads}, {&server, opts->server_threads});
    if (opts->json)
      print_json(model, costs, *opts);
    else
      print_table(model, costs, *opts);
  });
}

} // namespace tandem::cli
