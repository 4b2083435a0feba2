#include "real/cpu_isa.hpp"

#include <array>
#include <utility>

#include <fmt/format.h>
#include <oneapi/dnnl/dnnl.hpp>

#include "core/emulation.hpp"
#include "core/error.hpp"

namespace tandem::real {
namespace {

// In the order of kCpuIsaNames (core/emulation.hpp), which the config checks values against.
constexpr std::array<dnnl::cpu_isa, 10> kIsaValues{dnnl::cpu_isa::all,
                                                   dnnl::cpu_isa::sse41,
                                                   dnnl::cpu_isa::avx,
                                                   dnnl::cpu_isa::avx2,
                                                   dnnl::cpu_isa::avx2_vnni,
                                                   dnnl::cpu_isa::avx512_core,
                                                   dnnl::cpu_isa::avx512_core_vnni,
                                                   dnnl::cpu_isa::avx512_core_bf16,
                                                   dnnl::cpu_isa::avx512_core_amx,
                                                   dnnl::cpu_isa::avx512_mic};
static_assert(kIsaValues.size() == kCpuIsaNames.size());

} // namespace

OneDnnInfo onednn_info() {
  const auto* v = dnnl::version();
  OneDnnInfo info;
  info.version = fmt::format("{}.{}.{}", v->major, v->minor, v->patch);
  const auto isa = dnnl::get_effective_cpu_isa();
  info.cpu_isa = "unknown";
  for (std::size_t i = 0; i < kIsaValues.size(); ++i)
    if (kIsaValues[i] == isa)
      info.cpu_isa = kCpuIsaNames[i];
  return info;
}

void cap_cpu_isa(std::string_view name) {
  for (std::size_t i = 0; i < kIsaValues.size(); ++i) {
    if (kCpuIsaNames[i] != name)
      continue;
    try {
      dnnl::set_max_cpu_isa(kIsaValues[i]);
    } catch (const dnnl::error& e) {
      throw BackendError(fmt::format("oneDNN refused the ISA cap '{}': {}", name, e.what()));
    }
    return;
  }
  throw InputError({"real backend"}, "cpu_isa", "one of all, sse41, avx, avx2, avx512_core, ...",
                   fmt::format("'{}'", name));
}

} // namespace tandem::real
