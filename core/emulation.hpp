#pragma once
// The real backend's emulation knobs, as the config spells them: how this machine's CPU is made to
// act like a weaker device's (a Raspberry Pi's). On real hardware all are off. The config checks
// values against these; real/ applies them (real/cpu_isa.hpp, real/real_backend.hpp).
#include <array>
#include <optional>
#include <string_view>
#include <vector>

namespace tandem {

// oneDNN instruction-set caps, weakest first after "all" (no cap); real/cpu_isa.cpp maps each to
// its dnnl::cpu_isa in this order.
inline constexpr std::array<std::string_view, 10> kCpuIsaNames{"all",
                                                               "sse41",
                                                               "avx",
                                                               "avx2",
                                                               "avx2_vnni",
                                                               "avx512_core",
                                                               "avx512_core_vnni",
                                                               "avx512_core_bf16",
                                                               "avx512_core_amx",
                                                               "avx512_mic"};

// A Linux CPU list as taskset and /sys spell it: "0", "0,2", "0-3", "0-1,6". Returns the CPUs in
// the order written, or nullopt when the text is not such a list (empty, a repeat, a reversed
// range, a CPU above 1023).
std::optional<std::vector<int>> parse_cpu_list(std::string_view text);

} // namespace tandem
