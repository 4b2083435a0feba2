#pragma once
// The predicted compute time of every layer on each side: what schedulers plan with and what the
// simulator charges. Each entry comes, by precedence, from a measured profile CSV, from the model
// JSON's device_ms/server_ms, or from the cost model.
#include <filesystem>
#include <optional>
#include <string_view>
#include <vector>

#include "core/device_spec.hpp"
#include "core/model.hpp"
#include "core/side.hpp"

namespace tandem {

enum class CostSource { cost_model, model_file, profile };
std::string_view to_string(CostSource source);

struct SideCost {
  const DeviceSpec* spec = nullptr;
  int threads = 1; // 0 = every core of the spec
};

class CostTable {
public:
  // Times from the model (its own measured times where present) and the cost model.
  static CostTable predict(const Model& model, SideCost device, SideCost server);

  Seconds time(LayerId layer, Side side) const { return entry(layer, side).time_s; }
  CostSource source(LayerId layer, Side side) const { return entry(layer, side).source; }
  // Replaces one entry with a measured time.
  void set_measured(LayerId layer, Side side, Seconds time_s);

  // Sum over all layers on one side: the device-only / server-only compute time.
  Seconds total(Side side) const;
  std::size_t size() const { return device_.size(); }

private:
  struct Entry {
    Seconds time_s = 0;
    CostSource source = CostSource::cost_model;
  };
  const Entry& entry(LayerId layer, Side side) const {
    return (side == Side::device ? device_ : server_).at(index_of(layer));
  }
  std::vector<Entry> device_, server_;
};

} // namespace tandem
