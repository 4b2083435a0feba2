#pragma once
// What oneDNN runs on here, and the instruction-set cap that makes this machine's CPU act like a
// weaker one (an emulation knob of the real backend; off on real hardware).
#include <string>
#include <string_view>

namespace tandem::real {

struct OneDnnInfo {
  std::string version; // "2.6.3"
  std::string cpu_isa; // the ISA oneDNN dispatches to, e.g. "avx512_core_amx"
};

OneDnnInfo onednn_info();

// Caps oneDNN's instruction set: "sse41", "avx", "avx2", "avx512_core" or "all". Must run before
// the first primitive is created. Throws InputError for an unknown name and BackendError when oneDNN
// refuses (too late, or the ISA is above what this CPU has).
void cap_cpu_isa(std::string_view name);

} // namespace tandem::real
