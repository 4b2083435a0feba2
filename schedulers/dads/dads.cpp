#include "schedulers/dads/dads.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <deque>

#include <boost/graph/adjacency_list.hpp>
// g++ 12 reports a false -Wmaybe-uninitialized inside Boost's adjacency_list edge iterator (a
// boost::optional it never reads unset) when the max-flow walks all edges.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <boost/graph/boykov_kolmogorov_max_flow.hpp>
#pragma GCC diagnostic pop
#include <fmt/format.h>

#include "core/error.hpp"
#include "schedulers/common/link_costs.hpp"

namespace tandem {
namespace {

std::vector<TaskId> distinct_consumers(const Task& task) {
  auto c = task.consumers;
  std::sort(c.begin(), c.end());
  c.erase(std::unique(c.begin(), c.end()), c.end());
  return c;
}

// DADS (DSL) charges T_tx(u) = size(u) / bandwidth on a cut data edge.
// ASSUMPTION(dads): plus the one-way latency, once per tensor: a cut can only price tensors one by
// one, and without a latency term server-only would look free of it.
// ASSUMPTION(dads): tensors travel at fp32 (DADS does not compress).
Seconds upload_s(const SystemView& view, TaskId t) {
  return view.link_latency_s +
         serialization_s(view.graph->output_bytes(t, Precision::fp32()), view.uplink_estimate_bps);
}

Seconds download_s(const SystemView& view, TaskId t) {
  return view.link_latency_s + serialization_s(view.graph->output_bytes(t, Precision::fp32()),
                                               view.downlink_estimate_bps);
}

using Traits = boost::adjacency_list_traits<boost::vecS, boost::vecS, boost::directedS>;
using FlowGraph = boost::adjacency_list<
    boost::vecS, boost::vecS, boost::directedS, boost::no_property,
    boost::property<
        boost::edge_capacity_t, std::int64_t,
        boost::property<boost::edge_residual_capacity_t, std::int64_t,
                        boost::property<boost::edge_reverse_t, Traits::edge_descriptor>>>>;

struct Arc {
  std::size_t from = 0, to = 0;
  Seconds cost = 0; // kNever: may never be cut
};

} // namespace

Seconds dads_objective(const SystemView& view, const std::vector<bool>& on_device) {
  const auto& graph = *view.graph;
  if (on_device.size() != graph.size())
    throw Error(fmt::format("dads_objective: {} placement entries for {} tasks", on_device.size(),
                            graph.size()));
  if (!on_device[index_of(graph.input())])
    throw Error("dads_objective: the model input must be on the device");
  Seconds total = 0;
  for (const auto& task : graph.tasks()) {
    const auto i = index_of(task.id);
    if (!on_device[i]) {
      total += view.task_time(task.id, Side::server);
      if (task.is_output)
        total += download_s(view, task.id);
      continue;
    }
    total += view.task_time(task.id, Side::device);
    for (auto in : task.inputs)
      if (!on_device[index_of(in)])
        throw Error(fmt::format("dads_objective: '{}' is on the device but its input '{}' is on "
                                "the server (DADS sends nothing back but the model outputs)",
                                graph.task_name(task.id), graph.task_name(in)));
    const bool crosses = std::any_of(task.consumers.begin(), task.consumers.end(),
                                     [&](TaskId c) { return !on_device[index_of(c)]; });
    if (crosses)
      total += upload_s(view, task.id);
  }
  return total;
}

DadsPartition dads_min_cut(const SystemView& view) {
  const auto& graph = *view.graph;
  const std::size_t n = graph.size();
  DadsPartition all_device{std::vector<bool>(n, true), 0};
  all_device.objective_s = dads_objective(view, all_device.on_device);
  // ASSUMPTION(dads): with no usable estimate nothing can be sent, so everything stays on the
  // device.
  if (!link_usable(view) || all_device.objective_s <= 0)
    return all_device;

  // DADS (DSL) cut graph. Source = the device side, sink = the server side: a task left on the
  // source side pays its arc to the sink (its device time), one on the sink side pays its arc from
  // the source (its server time).
  const std::size_t source = 2 * n, sink = 2 * n + 1;
  auto aux = [n](TaskId t) { return n + index_of(t); };
  std::vector<Arc> arcs;
  for (const auto& task : graph.tasks()) {
    const auto v = index_of(task.id);
    if (task.is_input) {
      arcs.push_back({source, v, kNever}); // the input lives on the device
    } else {
      // ASSUMPTION(dads): outputs computed on the server come back; DADS returns a small result,
      // here its download is part of running the output layer on the server.
      // ASSUMPTION(dads): server layers add up (no parallel branches on a server pool), as in the
      // paper's light-load model.
      Seconds server_cost = view.task_time(task.id, Side::server);
      if (task.is_output)
        server_cost += download_s(view, task.id);
      arcs.push_back({source, v, server_cost});
      arcs.push_back({v, sink, view.task_time(task.id, Side::device)});
    }
    const auto consumers = distinct_consumers(task);
    if (consumers.empty())
      continue;
    // DADS (DSL): an auxiliary node so a tensor read by several server layers is uploaded once. The
    // arc u -> aux carries the upload; aux -> consumer is uncuttable, so aux joins the server side
    // as soon as any consumer does.
    arcs.push_back({v, aux(task.id), upload_s(view, task.id)});
    for (auto c : consumers) {
      arcs.push_back({aux(task.id), index_of(c), kNever});
      // Uncuttable reverse arc: a consumer on the device forces its producer onto the device, so
      // the device set is closed under predecessors and nothing returns but the outputs.
      arcs.push_back({index_of(c), v, kNever});
    }
  }

  // Integer capacities so the max-flow is exact and terminates. A finite arc dearer than twice the
  // device-only cut can never be in a minimum cut, so clamping it there changes nothing and bounds
  // the range; the rest are scaled so their sum is 2^60 and rounded (the cut found is optimal to
  // within one unit per arc, about 1e-15 of that sum each).
  const Seconds clamp = 2 * all_device.objective_s;
  Seconds finite_sum = 0;
  for (auto& a : arcs)
    if (a.cost != kNever)
      finite_sum += std::min(a.cost, clamp);
  const double scale = std::ldexp(1.0, 60) / finite_sum;
  const std::int64_t infinite = std::int64_t{1} << 62;

  FlowGraph g(2 * n + 2);
  auto capacity = boost::get(boost::edge_capacity, g);
  auto reverse = boost::get(boost::edge_reverse, g);
  auto residual = boost::get(boost::edge_residual_capacity, g);
  for (const auto& a : arcs) {
    const std::int64_t c =
        a.cost == kNever ? infinite : std::llround(std::min(a.cost, clamp) * scale);
    if (c <= 0)
      continue;
    const auto e = boost::add_edge(a.from, a.to, g).first;
    const auto r = boost::add_edge(a.to, a.from, g).first;
    capacity[e] = c;
    capacity[r] = 0;
    reverse[e] = r;
    reverse[r] = e;
  }
  const auto vertices = boost::num_vertices(g);
  std::vector<boost::default_color_type> color(vertices);
  std::vector<std::int64_t> distance(vertices);
  std::vector<Traits::edge_descriptor> predecessor(vertices);
  const auto index = boost::get(boost::vertex_index, g);
  boost::boykov_kolmogorov_max_flow(
      g, capacity, residual, reverse, boost::make_iterator_property_map(predecessor.begin(), index),
      boost::make_iterator_property_map(color.begin(), index),
      boost::make_iterator_property_map(distance.begin(), index), index, source, sink);

  // The minimum cut whose server side is what still reaches the sink in the residual graph: of
  // all minimum cuts, the one with the largest device set.
  // ASSUMPTION(dads): ties go to the device (as in our Neurosurgeon), which leans on the server and
  // the link least. Every arc was added with its reverse, so the arcs into w are the reverses of
  // w's out-arcs.
  std::vector<bool> reaches_sink(vertices, false);
  std::deque<std::size_t> frontier{sink};
  reaches_sink[sink] = true;
  while (!frontier.empty()) {
    const auto w = frontier.front();
    frontier.pop_front();
    for (auto [r, end] = boost::out_edges(w, g); r != end; ++r) {
      const auto into_w = reverse[*r];
      const auto u = boost::source(into_w, g);
      if (residual[into_w] > 0 && !reaches_sink[u]) {
        reaches_sink[u] = true;
        frontier.push_back(u);
      }
    }
  }
  std::vector<bool> on_device(n);
  for (std::size_t i = 0; i < n; ++i)
    on_device[i] = !reaches_sink[i];
  DadsPartition best{std::move(on_device), 0};
  best.objective_s = dads_objective(view, best.on_device);
  // Rounding could only make the cut worse than device-only by a few quanta; keep the better.
  return best.objective_s < all_device.objective_s ? best : all_device;
}

Plan DadsScheduler::plan(const SystemView& view) {
  const auto& graph = *view.graph;
  const auto cut = dads_min_cut(view);
  last_predicted_s_ = cut.objective_s;
  Plan plan = Plan::all_on(Side::device, graph);
  std::size_t on_server = 0;
  for (const auto& task : graph.tasks())
    if (!cut.on_device[index_of(task.id)]) {
      plan.placement[index_of(task.id)] = Side::server;
      ++on_server;
    }
  plan.note = fmt::format("dads: {} tasks on the device, {} on the server (predicted {:.3f} ms)",
                          graph.size() - on_server, on_server, s_to_ms(cut.objective_s));
  return plan;
}

} // namespace tandem
