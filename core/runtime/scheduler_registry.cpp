#include "core/runtime/scheduler_registry.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace tandem {

void SchedulerRegistry::add(SchedulerInfo info) {
  infos_.push_back(std::move(info));
}

const SchedulerInfo* SchedulerRegistry::find(std::string_view name) const {
  for (const auto& i : infos_)
    if (i.name == name)
      return &i;
  return nullptr;
}

std::vector<std::string> SchedulerRegistry::names() const {
  std::vector<std::string> out;
  for (const auto& i : infos_)
    out.push_back(i.name);
  return out;
}

std::unique_ptr<Scheduler> SchedulerRegistry::create(std::string_view name,
                                                     const SchedulerOptions& options,
                                                     const SourceLocation& where) const {
  const auto* info = find(name);
  if (!info)
    throw InputError(where, "scheduler.name",
                     fmt::format("a registered scheduler ({})", fmt::join(names(), ", ")),
                     fmt::format("'{}'", name));
  for (const auto& [key, option] : options.entries()) {
    bool known = false;
    std::vector<std::string> keys;
    for (const auto& spec : info->options) {
      known |= spec.name == key;
      keys.push_back(spec.name);
    }
    if (!known)
      throw InputError(option.where, "scheduler.options." + key,
                       keys.empty()
                           ? fmt::format("no options ('{}' takes none)", name)
                           : fmt::format("an option of '{}' ({})", name, fmt::join(keys, ", ")),
                       "an unknown option");
  }
  return info->make(options);
}

} // namespace tandem
