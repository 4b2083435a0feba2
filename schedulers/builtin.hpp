#pragma once
// Every scheduler that ships with Tandem, registered in builtin.cpp (one line each).
#include "core/runtime/scheduler_registry.hpp"

namespace tandem {

// The registry with every builtin scheduler, built once.
const SchedulerRegistry& builtin_schedulers();

} // namespace tandem
