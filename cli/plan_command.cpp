// tandem plan --model NAME|FILE --scheduler NAME [...] [--json]: a scheduler's decisions for one
// inference and its latency, run through the runtime on a constant link (AnalyticBackend). The same
// plan under `tandem run` (SimGrid) measures the same latency; tests/e2e/plan_matches_run.sh checks
// it.
#include <iostream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "core/cost_table.hpp"
#include "core/error.hpp"
#include "core/model_source.hpp"
#include "core/runtime/single_inference.hpp"
#include "schedulers/builtin.hpp"

namespace tandem::cli {
namespace {

struct PlanOptions {
  std::string model;
  std::string scheduler;
  double uplink_mbps = 10;
  std::optional<double> downlink_mbps;
  double rtt_ms = 0;
  std::string device = "rpi4";
  std::string server = "desktop-cpu";
  int device_threads = 1;
  int server_threads = 0;
  int batch = 1;
  bool json = false;
};

void plan(const PlanOptions& o) {
  const auto& device = device_spec_or_fail(o.device, {"command line"}, "--device");
  const auto& server = device_spec_or_fail(o.server, {"command line"}, "--server");
  auto scheduler = builtin_schedulers().create(o.scheduler, {}, {"command line"});
  ZooParams params;
  params.batch = o.batch;
  const auto model = load_model(o.model, params, {"command line"});
  const auto graph = TaskGraph::per_layer(model);
  const auto costs =
      CostTable::predict(model, {&device, o.device_threads}, {&server, o.server_threads});
  ConstantLink link;
  link.uplink_bps = mbps_to_bytes_per_s(o.uplink_mbps);
  link.downlink_bps = mbps_to_bytes_per_s(o.downlink_mbps.value_or(o.uplink_mbps));
  link.latency_s = ms_to_s(o.rtt_ms) / 2;
  const auto result = run_single_inference(graph, costs, *scheduler, link);
  const auto& p = result.plan;

  auto names = [&](Side side) {
    std::vector<std::string> out;
    for (auto t : tasks_on(p, graph, side))
      out.push_back(graph.task_name(t));
    return out;
  };
  if (o.json) {
    nlohmann::ordered_json doc;
    doc["scheduler"] = o.scheduler;
    doc["model"] = model.name();
    doc["latency_ms"] = s_to_ms(result.latency_s());
    doc["device_layers"] = names(Side::device);
    doc["server_layers"] = names(Side::server);
    doc["uplink_bytes"] = result.record.uplink_bytes;
    doc["downlink_bytes"] = result.record.downlink_bytes;
    nlohmann::ordered_json plan_doc;
    plan_doc["note"] = p.note;
    auto transfers = nlohmann::ordered_json::array();
    for (const auto& op : result.ops)
      if (op.kind == OpRecord::Kind::transfer)
        transfers.push_back(
            {{"tensor", op.task_name},
             {"direction", op.direction == Direction::uplink ? "uplink" : "downlink"},
             {"precision", to_string(op.precision)},
             {"bytes", op.bytes},
             {"start_ms", s_to_ms(op.start_s)},
             {"delivered_ms", s_to_ms(op.delivered_s)}});
    plan_doc["transfers"] = transfers;
    doc["plan"] = plan_doc;
    std::cout << doc.dump(1) << '\n';
    return;
  }
  fmt::print("{} on {} ({} -> {}, uplink {} Mbit/s, downlink {} Mbit/s, rtt {} ms)\n", o.scheduler,
             model.name(), o.device, o.server, o.uplink_mbps,
             o.downlink_mbps.value_or(o.uplink_mbps), o.rtt_ms);
  fmt::print("plan: {}\n", p.note.empty() ? "-" : p.note);
  fmt::print("device layers: {}   server layers: {}\n", names(Side::device).size(),
             names(Side::server).size());
  fmt::print("{:<9} {:<10} {:<28} {:>12} {:>12} {:>12}\n", "kind", "where", "task", "start_ms",
             "end_ms", "bytes");
  for (const auto& op : result.ops) {
    const bool transfer = op.kind == OpRecord::Kind::transfer;
    fmt::print(
        "{:<9} {:<10} {:<28} {:>12.3f} {:>12.3f} {:>12}\n", transfer ? "transfer" : "compute",
        transfer ? (op.direction == Direction::uplink ? "uplink" : "downlink") : to_string(op.side),
        op.task_name, s_to_ms(op.start_s), s_to_ms(op.delivered_s), op.bytes);
  }
  fmt::print("latency_ms {:.6f}  uplink_bytes {}  downlink_bytes {}\n", s_to_ms(result.latency_s()),
             result.record.uplink_bytes, result.record.downlink_bytes);
}

} // namespace

void add_plan_command(CLI::App& app) {
  auto o = std::make_shared<PlanOptions>();
  auto* cmd = app.add_subcommand(
      "plan", "Print a scheduler's plan for one inference and its latency on a constant link");
  cmd->add_option("--model", o->model, "Zoo model name or model JSON file")->required();
  cmd->add_option("--scheduler", o->scheduler, "Scheduler (see `tandem describe schedulers`)")
      ->required();
  cmd->add_option("--uplink-mbps", o->uplink_mbps, "Uplink bandwidth, Mbit/s")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--downlink-mbps", o->downlink_mbps,
                  "Downlink bandwidth, Mbit/s (default: the uplink's)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--rtt-ms", o->rtt_ms, "Round-trip time, ms (each transfer pays rtt/2)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  cmd->add_option("--device", o->device, "Device spec")->capture_default_str();
  cmd->add_option("--server", o->server, "Server spec")->capture_default_str();
  cmd->add_option("--device-threads", o->device_threads, "Threads a device task uses")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--server-threads", o->server_threads,
                  "Threads a server task uses (0 = all cores)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  cmd->add_option("--batch", o->batch, "Batch size of zoo models")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_flag(
      "--json", o->json,
      "Print JSON: scheduler, model, latency_ms, device_layers, server_layers, uplink_bytes, plan");
  cmd->callback([o] { plan(*o); });
}

} // namespace tandem::cli
