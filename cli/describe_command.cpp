// tandem describe models|devices|config|schedulers: generated documentation, so it cannot drift.
#include <iostream>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "core/config/describe_config.hpp"
#include "core/device_spec.hpp"
#include "core/zoo/zoo.hpp"
#include "real/cpu_isa.hpp"
#include "schedulers/builtin.hpp"

namespace tandem::cli {
namespace {

void describe_models() {
  fmt::print(
      "Model zoo (batch 1). FLOP convention: 1 multiply-accumulate (MAC) = 2 FLOPs; MACs count\n"
      "conv, gemm and matmul; FLOPs add 1 per element for bias, activation, add and each pooling\n"
      "window element, 2 for batchnorm, 5 for layernorm, 3 for softmax.\n"
      "Any model may also be given as a model JSON file (format tandem-model/1, see "
      "design.md).\n\n");
  fmt::print("{:<14} {:>7} {:>9} {:>10}  {}\n", "name", "layers", "gmacs", "mparams", "summary");
  for (const auto& e : zoo_models()) {
    const auto m = e.build({});
    fmt::print("{:<14} {:>7} {:>9.3f} {:>10.3f}  {}\n", e.name, m.size(), m.total_macs() / 1e9,
               static_cast<double>(m.total_params()) / 1e6, e.summary);
  }
}

void describe_devices() {
  fmt::print("Device specs. Layer time = overhead + max(FLOPs / (rate x speedup(threads)), bytes / "
             "memory);\n"
             "speedup(t) = 1 + (t - 1) x parallel_efficiency; rates are GFLOP/s per thread.\n\n");
  for (const auto& s : builtin_device_specs()) {
    const auto& r = s.rates;
    fmt::print("{}: {}\n", s.name, s.description);
    fmt::print("  cores {}, parallel_efficiency {}, memory_gbps {}, layer_overhead_us {}\n",
               s.cores, s.parallel_efficiency, s.memory_gbps, s.layer_overhead_us);
    fmt::print(
        "  gflops per thread: conv {}, conv_pointwise {}, conv_depthwise {}, gemm {}, matmul {}, "
        "elementwise {}\n",
        r.conv_gflops, r.conv_pointwise_gflops, r.conv_depthwise_gflops, r.gemm_gflops,
        r.matmul_gflops, r.elementwise_gflops);
    fmt::print("  source: {}\n\n", s.source);
  }
  const auto info = real::onednn_info();
  fmt::print("This machine (real backend): oneDNN {}, ISA {}\n", info.version, info.cpu_isa);
}

void describe_schedulers() {
  fmt::print("Schedulers (`scheduler.name` in a config; options under [scheduler.options]).\n\n");
  for (const auto& info : builtin_schedulers().all()) {
    fmt::print("{}: {}\n  reference: {}\n", info.name, info.summary, info.reference);
    for (const auto& o : info.options)
      fmt::print("  option {} ({}, default {}): {}\n", o.name, o.type, o.default_value, o.meaning);
    fmt::print("\n");
  }
}

} // namespace

void add_describe_command(CLI::App& app) {
  auto topic = std::make_shared<std::string>();
  auto* cmd = app.add_subcommand("describe",
                                 "Describe the model zoo, device specs, config keys or schedulers");
  cmd->add_option("topic", *topic, "What to describe")
      ->required()
      ->check(CLI::IsMember({"models", "devices", "config", "schedulers"}));
  cmd->callback([topic] {
    if (*topic == "models")
      describe_models();
    else if (*topic == "devices")
      describe_devices();
    else if (*topic == "config")
      std::cout << describe_config();
    else
      describe_schedulers();
  });
}

} // namespace tandem::cli
