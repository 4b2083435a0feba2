#include "schedulers/neurosurgeon/neurosurgeon.hpp"

#include <fmt/format.h>

#include "schedulers/common/link_costs.hpp"

namespace tandem {

std::vector<Seconds> neurosurgeon_predictions(const SystemView& view) {
  const auto& graph = *view.graph;
  const auto& order = graph.topological_order();
  const std::size_t n = order.size();
  const auto last_use = last_use_positions(graph);

  // Neurosurgeon (latency goal): device prefix + upload of the split tensor + server suffix. The
  // sums run over exact integer byte counts, so a split's transfer term does not depend on how the
  // sweep accumulated it.
  // ASSUMPTION(neurosurgeon): on a DAG the candidate splits are the prefixes of the model's
  // topological order (definition order where the graph allows), not every cut.
  // ASSUMPTION(neurosurgeon): on a DAG every tensor crossing the cut is sent once (several server
  // consumers share it) and their uploads add up; the paper only splits chains.
  // Difference array over k; unsigned, a decrement wraps and the running sum unwraps it exactly.
  std::vector<Bytes> crossing(n + 2, 0);
  for (const auto& task : graph.tasks()) {
    const auto p = graph.position(task.id);
    const auto l = last_use[index_of(task.id)];
    if (l > p) { // crosses for every k in (p, l]
      crossing[p + 1] += graph.output_bytes(task.id, Precision::fp32());
      crossing[l + 1] -= graph.output_bytes(task.id, Precision::fp32());
    }
  }
  // ASSUMPTION(neurosurgeon): results come back (the paper's server returns a label of negligible
  // size); Tandem's outputs have a size, so every output computed on the server is downloaded.
  std::vector<Seconds> device_prefix(n + 1, 0), server_suffix(n + 1, 0);
  std::vector<Bytes> output_suffix(n + 1, 0);
  for (std::size_t k = 0; k < n; ++k)
    device_prefix[k + 1] = device_prefix[k] + view.task_time(order[k], Side::device);
  for (std::size_t k = n; k-- > 0;) {
    server_suffix[k] = server_suffix[k + 1] + view.task_time(order[k], Side::server);
    output_suffix[k] =
        output_suffix[k + 1] +
        (graph.task(order[k]).is_output ? graph.output_bytes(order[k], Precision::fp32()) : 0);
  }

  // ASSUMPTION(neurosurgeon): the paper's formula has no link latency; Tandem's link has one, paid
  // once on the way up (the crossing tensors pipeline) and once on the way back.
  // ASSUMPTION(neurosurgeon): no server-load term: the server is taken as idle (one inference in
  // flight), so the suffix costs its cost-table times; the paper scales them by measured load.
  // ASSUMPTION(neurosurgeon): with no usable estimate only device-only is predicted (finite).
  const auto input_position = graph.position(graph.input());
  std::vector<Seconds> prediction(n + 1, kNever);
  Bytes crossing_bytes = 0;
  for (std::size_t k = 0; k <= n; ++k) {
    crossing_bytes += crossing[k];
    if (k <= input_position)
      continue;
    if (k == n) {
      prediction[k] = device_prefix[n];
      continue;
    }
    if (!link_usable(view))
      continue;
    prediction[k] = device_prefix[k] + serialization_s(crossing_bytes, view.uplink_estimate_bps) +
                    view.link_latency_s + server_suffix[k] +
                    serialization_s(output_suffix[k], view.downlink_estimate_bps) +
                    view.link_latency_s;
  }
  return prediction;
}

Plan neurosurgeon_split_plan(const TaskGraph& graph, std::size_t k) {
  Plan plan = Plan::all_on(Side::server, graph);
  const auto& order = graph.topological_order();
  for (std::size_t p = 0; p < k && p < order.size(); ++p)
    plan.placement[index_of(order[p])] = Side::device;
  return plan;
}

Plan NeurosurgeonScheduler::plan(const SystemView& view) {
  const auto& graph = *view.graph;
  const auto prediction = neurosurgeon_predictions(view);
  const std::size_t n = graph.size();
  // ASSUMPTION(neurosurgeon): ties go to the split with more layers on the device (less reliance on
  // the server and the link); device-only (k = n) is always finite, so a best split exists.
  std::size_t best = n;
  for (std::size_t k = n; k-- > 0;)
    if (prediction[k] < prediction[best])
      best = k;
  last_predicted_s_ = prediction[best];

  Plan plan = neurosurgeon_split_plan(graph, best);
  const auto& order = graph.topological_order();
  const auto input_position = graph.position(graph.input());
  if (best == n)
    plan.note = "neurosurgeon: all on device";
  else if (best == input_position + 1)
    plan.note = "neurosurgeon: all on server";
  else
    plan.note = fmt::format("neurosurgeon: split after {}", graph.task_name(order[best - 1]));
  plan.note += fmt::format(" (predicted {:.3f} ms)", s_to_ms(last_predicted_s_));
  return plan;
}

} // namespace tandem
