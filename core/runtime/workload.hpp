#pragma once
// When inferences arrive on a device (Batsim: *when* apart from *what*). Open-loop streams know
// every arrival in advance; a closed loop starts the next inference when the previous one finishes.
#include <cstdint>
#include <optional>
#include <string_view>

#include "core/config/experiment_config.hpp" // WorkloadConfig, WorkloadKind
#include "core/units.hpp"

namespace tandem {

class ArrivalProcess {
public:
  // Each device gets its own random stream, derived from (seed, device).
  ArrivalProcess(const WorkloadConfig& spec, std::uint64_t seed, int device);

  bool closed_loop() const { return spec_.kind == WorkloadKind::closed_loop; }
  // The first arrival (always at 0 s), or nothing for an empty stream.
  std::optional<Seconds> first();
  // The arrival after the one at `previous`; for a closed loop `previous` is the finish time of the
  // last inference. Nothing when the stream has ended.
  std::optional<Seconds> next(Seconds previous);

private:
  std::optional<Seconds> admit(Seconds t);
  WorkloadConfig spec_;
  std::uint64_t state_;
  int issued_ = 0;
};

} // namespace tandem
