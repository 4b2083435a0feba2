#pragma once
// The TOML spellings of the config's enums, shared by the schema (parsing, docs) and to_string.
#include <array>
#include <span>
#include <string_view>

#include "core/config/experiment_config.hpp"

namespace tandem {

template <class E> struct EnumName {
  E value;
  std::string_view name;
};

inline constexpr std::array<EnumName<BackendKind>, 2> kBackendNames{{
    {BackendKind::sim, "sim"},
    {BackendKind::real, "real"},
}};
inline constexpr std::array<EnumName<TraceFormat>, 3> kTraceFormatNames{{
    {TraceFormat::mbps_two_column, "mbps-two-column"},
    {TraceFormat::mahimahi, "mahimahi"},
    {TraceFormat::csv, "csv"},
}};
inline constexpr std::array<EnumName<WorkloadKind>, 4> kWorkloadKindNames{{
    {WorkloadKind::single, "single"},
    {WorkloadKind::periodic, "periodic"},
    {WorkloadKind::poisson, "poisson"},
    {WorkloadKind::closed_loop, "closed-loop"},
}};
inline constexpr std::array<EnumName<ShaperKind>, 2> kShaperNames{{
    {ShaperKind::token_bucket, "token-bucket"},
    {ShaperKind::tc, "tc"},
}};

// Overloads chosen by the enum type, so templates can find an enum's table.
inline std::span<const EnumName<BackendKind>> enum_names(BackendKind) {
  return kBackendNames;
}
inline std::span<const EnumName<TraceFormat>> enum_names(TraceFormat) {
  return kTraceFormatNames;
}
inline std::span<const EnumName<WorkloadKind>> enum_names(WorkloadKind) {
  return kWorkloadKindNames;
}
inline std::span<const EnumName<ShaperKind>> enum_names(ShaperKind) {
  return kShaperNames;
}

} // namespace tandem
