#pragma once
// Turns what a user wrote for a model (a zoo name, a model JSON path) into a Model.
#include <filesystem>
#include <string>

#include "core/error.hpp"
#include "core/model.hpp"
#include "core/zoo/zoo.hpp"

namespace tandem {

// `name_or_path` ending in .json is read as a model JSON file; anything else names a zoo model.
// Unknown names and unreadable files throw InputError; `where` says who asked (a config line, a
// flag).
Model load_model(const std::string& name_or_path, const ZooParams& params,
                 const SourceLocation& where);

} // namespace tandem
