#pragma once
// The scheduler plugin interface (WRENCH-style: a pure decision call; the runtime checks the
// answer). Schedulers include core/ only and never learn which backend runs them.
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/runtime/plan.hpp"
#include "core/runtime/system_view.hpp"

namespace tandem {

// What just happened in an inference, for schedulers that decide while it runs.
struct ProgressEvent {
  enum class Kind { task_done, transfer_done };
  Kind kind = Kind::task_done;
  TaskId task{};
  Side side = Side::device; // where the task ran, or where the transfer delivered
};

class Scheduler {
public:
  virtual ~Scheduler() = default;

  // Called once when an inference arrives on a device: the plan for all its tasks.
  virtual Plan plan(const SystemView& view) = 0;

  // Schedulers that decide while an inference runs (CoActo per tile, DynO/COACH when the estimate
  // moves) return true here and get on_progress after every task and transfer of their inferences.
  virtual bool wants_progress() const { return false; }
  // May return a revised plan for the running inference. Only tasks that have not started may move;
  // the runtime validates that and throws PlanError otherwise.
  virtual std::optional<Plan> on_progress(const SystemView&, const ProgressEvent&) {
    return std::nullopt;
  }
};

} // namespace tandem
