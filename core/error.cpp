#include "core/error.hpp"

#include <fmt/format.h>

namespace tandem {

std::string format_location(const SourceLocation& where) {
  if (where.line > 0 && where.column > 0)
    return fmt::format("{}:{}:{}", where.file, where.line, where.column);
  if (where.line > 0)
    return fmt::format("{}:{}", where.file, where.line);
  return where.file;
}

InputError::InputError(SourceLocation where, std::string field, std::string expected,
                       std::string found)
    : Error(fmt::format("{}: {}: expected {}, found {}", format_location(where), field, expected,
                        found)),
      where_(std::move(where)), field_(std::move(field)) {}

InputError::InputError(SourceLocation where, std::string message)
    : Error(fmt::format("{}: {}", format_location(where), message)), where_(std::move(where)) {}

PlanError::PlanError(std::string scheduler, std::string layer, std::string problem)
    : Error(fmt::format("scheduler '{}' made an invalid plan at layer '{}': {}", scheduler, layer,
                        problem)),
      scheduler_(std::move(scheduler)), layer_(std::move(layer)) {}

} // namespace tandem
