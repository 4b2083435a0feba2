#pragma once
// Each output's columns, declared once (name with its unit, meaning): the same table writes the CSV
// header, feeds `tandem describe outputs` and is checked by a test (style.md habit 7).
#include <span>
#include <string_view>

namespace tandem {

struct Column {
  std::string_view name;
  std::string_view meaning;
};

std::span<const Column> inference_columns();
std::span<const Column> op_columns();
// summary.csv: these, with one column per swept key inserted after `run`.
std::span<const Column> summary_columns();
// tc_rates.csv (real backend, link.shaper = "tc"): every rate the shaper applied.
std::span<const Column> tc_rate_columns();

} // namespace tandem
