#include "schedulers/jointdnn/jointdnn.hpp"

#include <array>

#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/dijkstra_shortest_paths.hpp>
#include <fmt/format.h>

#include "core/error.hpp"
#include "schedulers/common/link_costs.hpp"

namespace tandem {
namespace {

constexpr std::array<Side, 2> kSides{Side::device, Side::server};

// Bytes live across the boundary after each position of the topological order: produced at or
// before it, read after it. Integers, so every path sees the same exact sum.
std::vector<Bytes> live_bytes(const TaskGraph& graph) {
  const auto last_use = last_use_positions(graph);
  // Unsigned: a decrement wraps and the running sum unwraps it exactly.
  std::vector<Bytes> diff(graph.size() + 1, 0);
  for (const auto& task : graph.tasks()) {
    const auto p = graph.position(task.id);
    const auto l = last_use[index_of(task.id)];
    if (l > p) { // live across boundaries p .. l-1
      diff[p] += graph.output_bytes(task.id, Precision::fp32());
      diff[l] -= graph.output_bytes(task.id, Precision::fp32());
    }
  }
  std::vector<Bytes> live(graph.size(), 0);
  Bytes running = 0;
  for (std::size_t p = 0; p < graph.size(); ++p)
    live[p] = running += diff[p];
  return live;
}

// The model input never runs on the server.
bool allowed(const TaskGraph& graph, TaskId t, Side side) {
  return side == Side::device || !graph.task(t).is_input;
}

// Computing task t on `side`, its output's return included when it is a model output.
// ASSUMPTION(jointdnn): outputs computed on the server come back to the device, as in Tandem's
// runtime; JointDNN's result is a label whose return it does not model.
Seconds step_cost(const SystemView& view, TaskId t, Side side) {
  Seconds c = view.task_time(t, side);
  if (side == Side::server && view.graph->task(t).is_output)
    c += view.link_latency_s + serialization_s(view.graph->output_bytes(t, Precision::fp32()),
                                               view.downlink_estimate_bps);
  return c;
}

// Moving from side a after position p to side b: one latency, every live tensor serialized.
// ASSUMPTION(jointdnn): on a DAG a switch moves all live tensors (those on the side being left in
// a chain); tensors pipeline on the link, so the latency is paid once per switch.
Seconds switch_cost(const SystemView& view, Bytes live, Side from, Side to) {
  if (from == to)
    return 0;
  return view.link_latency_s + serialization_s(live, to == Side::server
                                                         ? view.uplink_estimate_bps
                                                         : view.downlink_estimate_bps);
}

} // namespace

Seconds jointdnn_cost(const SystemView& view, const std::vector<Side>& placement) {
  const auto& graph = *view.graph;
  if (placement.size() != graph.size())
    throw Error(fmt::format("jointdnn_cost: {} placement entries for {} tasks", placement.size(),
                            graph.size()));
  if (placement[index_of(graph.input())] != Side::device)
    throw Error("jointdnn_cost: the model input must be on the device");
  const auto& order = graph.topological_order();
  const auto live = live_bytes(graph);
  Seconds total = 0;
  for (std::size_t p = 0; p < order.size(); ++p) {
    const Side side = placement[index_of(order[p])];
    if (p > 0)
      total += switch_cost(view, live[p - 1], placement[index_of(order[p - 1])], side);
    total += step_cost(view, order[p], side);
  }
  return total;
}

JointDnnPath jointdnn_shortest_path(const SystemView& view) {
  const auto& graph = *view.graph;
  const auto& order = graph.topological_order();
  const std::size_t n = order.size();
  // ASSUMPTION(jointdnn): with no usable estimate nothing can be sent: everything on the device.
  if (!link_usable(view)) {
    JointDnnPath all_device{std::vector<Side>(n, Side::device), 0};
    all_device.cost_s = jointdnn_cost(view, all_device.placement);
    return all_device;
  }

  // JointDNN (shortest-path formulation): node 2p + s is "v_p computed on side s"; an edge into it
  // carries v_p's compute time on s plus, when the side changes, the transfer. Source and sink
  // close the path.
  using WeightedGraph =
      boost::adjacency_list<boost::vecS, boost::vecS, boost::directedS, boost::no_property,
                            boost::property<boost::edge_weight_t, double>>;
  const std::size_t source = 2 * n, sink = 2 * n + 1;
  auto node = [](std::size_t p, Side s) { return 2 * p + (s == Side::server ? 1 : 0); };
  const auto live = live_bytes(graph);
  WeightedGraph g(2 * n + 2);
  for (auto s : kSides)
    if (n > 0 && allowed(graph, order[0], s))
      boost::add_edge(source, node(0, s), step_cost(view, order[0], s), g);
  for (std::size_t p = 0; p + 1 < n; ++p)
    for (auto a : kSides)
      for (auto b : kSides)
        if (allowed(graph, order[p], a) && allowed(graph, order[p + 1], b))
          boost::add_edge(node(p, a), node(p + 1, b),
                          switch_cost(view, live[p], a, b) + step_cost(view, order[p + 1], b), g);
  for (auto s : kSides)
    if (n > 0 && allowed(graph, order[n - 1], s))
      boost::add_edge(node(n - 1, s), sink, 0.0, g);

  // ASSUMPTION(jointdnn): latency is the only goal (no energy, no ILP constraints); among equally
  // short paths the one Boost's Dijkstra settles first (deterministic for a given graph).
  std::vector<std::size_t> predecessor(boost::num_vertices(g));
  std::vector<double> distance(boost::num_vertices(g));
  boost::dijkstra_shortest_paths(
      g, source, boost::predecessor_map(predecessor.data()).distance_map(distance.data()));

  JointDnnPath path{std::vector<Side>(n, Side::device), distance[sink]};
  for (std::size_t v = predecessor[sink]; v != source; v = predecessor[v]) {
    const auto p = v / 2;
    path.placement[index_of(order[p])] = v % 2 == 1 ? Side::server : Side::device;
  }
  return path;
}

Plan JointDnnScheduler::plan(const SystemView& view) {
  const auto& graph = *view.graph;
  const auto path = jointdnn_shortest_path(view);
  last_predicted_s_ = path.cost_s;
  Plan plan = Plan::all_on(Side::device, graph);
  plan.placement = path.placement;
  int switches = 0;
  const auto& order = graph.topological_order();
  for (std::size_t p = 1; p < order.size(); ++p)
    switches += path.placement[index_of(order[p])] != path.placement[index_of(order[p - 1])];
  plan.note = fmt::format("jointdnn: {} side switch{} (predicted {:.3f} ms)", switches,
                          switches == 1 ? "" : "es", s_to_ms(path.cost_s));
  return plan;
}

} // namespace tandem
