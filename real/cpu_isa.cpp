#include "real/cpu_isa.hpp"

#include <array>
#include <utility>

#include <fmt/format.h>
#include <oneapi/dnnl/dnnl.hpp>

#include "core/error.hpp"

namespace tandem::real {
namespace {

constexpr std::array<std::pair<std::string_view, dnnl::cpu_isa>, 10> kIsaNames{{
    {"all", dnnl::cpu_isa::all},
    {"sse41", dnnl::cpu_isa::sse41},
    {"avx", dnnl::cpu_isa::avx},
    {"avx2", dnnl::cpu_isa::avx2},
    {"avx2_vnni", dnnl::cpu_isa::avx2_vnni},
    {"avx512_core", dnnl::cpu_isa::avx512_core},
    {"avx512_core_vnni", dnnl::cpu_isa::avx512_core_vnni},
    {"avx512_core_bf16", dnnl::cpu_isa::avx512_core_bf16},
    {"avx512_core_amx", dnnl::cpu_isa::avx512_core_amx},
    {"avx512_mic", dnnl::cpu_isa::avx512_mic},
}};

} // namespace

OneDnnInfo onednn_info() {
  const auto* v = dnnl::version();
  OneDnnInfo info;
  info.version = fmt::format("{}.{}.{}", v->major, v->minor, v->patch);
  const auto isa = dnnl::get_effective_cpu_isa();
  info.cpu_isa = "unknown";
  for (const auto& [name, value] : kIsaNames)
    if (value == isa)
      info.cpu_isa = name;
  return info;
}

void cap_cpu_isa(std::string_view name) {
  for (const auto& [n, value] : kIsaNames) {
    if (n != name)
      continue;
    try {
      dnnl::set_max_cpu_isa(value);
    } catch (const dnnl::error& e) {
      throw BackendError(fmt::format("oneDNN refused the ISA cap '{}': {}", name, e.what()));
    }
    return;
  }
  throw InputError({"real backend"}, "cpu_isa", "one of all, sse41, avx, avx2, avx512_core, ...",
                   fmt::format("'{}'", name));
}

} // namespace tandem::real
