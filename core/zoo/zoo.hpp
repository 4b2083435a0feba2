#pragma once
// The built-in model zoo. Every model is built from layer definitions with ModelBuilder; shapes and
// FLOPs are computed, never typed in.
#include <span>
#include <string_view>

#include "core/model.hpp"

namespace tandem {

struct ZooParams {
  int batch = 1;
  int seq_len = 128;  // transformer models only
  int image_size = 0; // input height = width of image models; 0 = the model's default
};

struct ZooEntry {
  std::string_view name;    // "resnet50"
  std::string_view summary; // one line for `tandem describe models`
  Model (*build)(const ZooParams&);
};

// All zoo models, in a fixed order.
std::span<const ZooEntry> zoo_models();
const ZooEntry* find_zoo_model(std::string_view name);

} // namespace tandem
