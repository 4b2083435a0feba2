#include "core/model_source.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/error.hpp"
#include "core/model_json.hpp"

namespace tandem {

Model load_model(const std::string& name_or_path, const ZooParams& params,
                 const SourceLocation& where) {
  const std::filesystem::path path(name_or_path);
  if (path.extension() == ".json")
    return read_model_json(path);
  if (path.extension() == ".onnx")
    throw InputError(where, "model",
                     "a zoo model or a model JSON file (ONNX import is not built yet)",
                     fmt::format("'{}'", name_or_path));
  if (const auto* entry = find_zoo_model(name_or_path))
    return entry->build(params);
  std::vector<std::string_view> names;
  for (const auto& e : zoo_models())
    names.push_back(e.name);
  throw InputError(where, "model",
                   fmt::format("a zoo model ({}) or a .json file", fmt::join(names, ", ")),
                   fmt::format("'{}'", name_or_path));
}

} // namespace tandem
