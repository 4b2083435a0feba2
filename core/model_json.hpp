#pragma once
// The model JSON format, `"format": "tandem-model/1"` (contract in design.md). A layer either names
// an operator with attributes ("op": "conv", "attrs": {...}), whose shape and FLOPs Tandem derives,
// or is opaque: known by its output size and measured costs alone:
//   {"name": "conv1", "inputs": ["input"], "output_bytes": 802816, "flops": 118013952,
//    "device_ms": 12.5, "server_ms": 0.4}
// "input" names the model input; `input_bytes` (or `input_shape`) gives its size.
#include <filesystem>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "core/model.hpp"

namespace tandem {

inline constexpr std::string_view kModelJsonFormat = "tandem-model/1";

// Throws InputError naming the file and the layer (or the JSON line for syntax errors).
Model read_model_json(const std::filesystem::path& file);
Model parse_model_json(const std::string& text, const std::string& source);

nlohmann::json model_to_json(const Model& model);
void write_model_json(const Model& model, const std::filesystem::path& file);

} // namespace tandem
