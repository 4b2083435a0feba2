#pragma once
// Published whole-model inference times that the built-in device specs are calibrated against.
#include <span>
#include <string_view>

#include "core/units.hpp"

namespace tandem {

struct PublishedTime {
  std::string_view model;       // zoo name (of the network the source really measured)
  std::string_view device_spec; // built-in spec it calibrates
  int threads;
  int image_size; // input height = width the time was measured at
  Seconds time_s;
  double macs; // the source's own multiply-accumulate count, to check we built the same network
  std::string_view source;
};

std::span<const PublishedTime> published_times();

} // namespace tandem
