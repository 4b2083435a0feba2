#include "core/cost_table.hpp"

#include "core/cost_model.hpp"

namespace tandem {

std::string_view to_string(CostSource source) {
  switch (source) {
  case CostSource::cost_model:
    return "cost-model";
  case CostSource::model_file:
    return "model-file";
  case CostSource::profile:
    return "profile";
  }
  return "?";
}

CostTable CostTable::predict(const Model& model, SideCost device, SideCost server) {
  CostTable t;
  for (const auto& side : {Side::device, Side::server}) {
    const auto& cost = side == Side::device ? device : server;
    const int threads = cost.threads > 0 ? cost.threads : cost.spec->cores;
    auto& entries = side == Side::device ? t.device_ : t.server_;
    entries.reserve(model.size());
    for (const auto& l : model.layers()) {
      const auto& measured = side == Side::device ? l.device_time_s : l.server_time_s;
      if (measured)
        entries.push_back({*measured, CostSource::model_file});
      else
        entries.push_back(
            {predict_layer_time(model, l, *cost.spec, threads), CostSource::cost_model});
    }
  }
  return t;
}

void CostTable::set_measured(LayerId layer, Side side, Seconds time_s) {
  (side == Side::device ? device_ : server_).at(index_of(layer)) = {time_s, CostSource::profile};
}

Seconds CostTable::total(Side side) const {
  Seconds sum = 0;
  for (const auto& e : side == Side::device ? device_ : server_)
    sum += e.time_s;
  return sum;
}

} // namespace tandem
