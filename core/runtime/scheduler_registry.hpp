#pragma once
// The scheduler registry (Vidur style: one line per scheduler, with its own typed options). The
// builtin schedulers register themselves in schedulers/builtin.cpp; `tandem describe schedulers`
// prints this table, so the documentation cannot drift from the code.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/config/scheduler_options.hpp"
#include "core/error.hpp"
#include "core/runtime/scheduler.hpp"

namespace tandem {

struct SchedulerOptionSpec {
  std::string name;          // key under [scheduler.options]
  std::string type;          // "bool", "int", "float", "string"
  std::string default_value; // as written in TOML
  std::string meaning;
};

struct SchedulerInfo {
  std::string name;      // kebab-case, as in configs: "neurosurgeon"
  std::string summary;   // one line
  std::string reference; // the paper it implements, or "baseline"
  std::vector<SchedulerOptionSpec> options;
  std::function<std::unique_ptr<Scheduler>(const SchedulerOptions&)> make;
};

class SchedulerRegistry {
public:
  void add(SchedulerInfo info);
  const SchedulerInfo* find(std::string_view name) const;
  const std::vector<SchedulerInfo>& all() const { return infos_; }
  std::vector<std::string> names() const;

  // Creates a scheduler, rejecting an unknown name (InputError at `where`, listing the known ones)
  // and options the scheduler does not declare (InputError at the option's own location).
  std::unique_ptr<Scheduler> create(std::string_view name, const SchedulerOptions& options,
                                    const SourceLocation& where) const;

private:
  std::vector<SchedulerInfo> infos_;
};

} // namespace tandem
