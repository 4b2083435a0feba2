// The Duan-Wu schedulers against brute force under the paper's model (server time 0, no link
// latency, results returned over a downlink too fast to matter): duan-path on independent paths
// and duan-tree on out-trees reach the minimum over every valid device set and every compute order
// (and, through the flow-shop recurrence, every uplink order). On general instances every
// prediction is what run_plan measures, and duan-topo's gap to the exact scheduler meets the goals
// (mean <= 3%, max <= 10%) on five seeds of 2000 random DAGs.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <limits>

#include "schedulers/dads/dads.hpp"
#include "schedulers/duan_wu/duan_path.hpp"
#include "schedulers/duan_wu/duan_topo.hpp"
#include "schedulers/duan_wu/duan_tree.hpp"
#include "schedulers/exact/exact.hpp"
#include "schedulers/exact/plan_evaluator.hpp"
#include "schedulers/neurosurgeon/neurosurgeon.hpp"
#include "tests/reference/reference_support.hpp"

using namespace tandem;
using namespace tandem::reference;
using namespace tandem::duan_wu;

namespace {

constexpr Seconds kInf = std::numeric_limits<Seconds>::infinity();

// The paper's model: no server time, no latency, and a downlink so fast (1e24 B/s) that the
// returned outputs cost under 1e-16 s, far below the 1e-9 relative comparisons.
ConstantLink paper_link(Draw& d) {
  return {d.log_uniform(1e5, 1e9), 1e24, 0.0};
}

synthetic::SyntheticOptions paper_options(Draw& d, int layers) {
  auto o = random_options(d, layers);
  o.server_ms = {0, 0};
  return o;
}

std::unique_ptr<Instance> paper_paths(Draw& d, int layers) {
  const auto o = paper_options(d, layers);
  const bool join = layers >= 2 && d.unit() < 0.5;
  std::vector<int> lengths;
  for (int left = join ? layers - 1 : layers; left > 0;) {
    const int len = std::min(left, d.integer(1, 4));
    lengths.push_back(len);
    left -= len;
  }
  return std::make_unique<Instance>(
      synthetic::independent_paths(
          o, lengths, join ? synthetic::PathJoin::join : synthetic::PathJoin::separate_outputs),
      paper_link(d));
}

std::unique_ptr<Instance> paper_tree(Draw& d, int layers) {
  return std::make_unique<Instance>(synthetic::out_tree(paper_options(d, layers)), paper_link(d));
}

// Brute force under the paper's model: for every valid device set M, every compute order of M,
// the runtime's latency is the two-machine flow-shop makespan (the uplink sends each cut tensor
// once, as soon as it is computed and the link is free; the server adds nothing). The minimum over
// the orders is a dynamic program over the ideals S of M (C1 of S is the device time of S whatever
// the order, and a larger C2 never helps):
//   C2(S) = min over j last in S of max(C2(S - j), C1(S)) + b_j.
struct PaperBrute {
  Seconds best = kInf;
  Plan plan; // device set and compute order of the minimum
  std::size_t sets = 0, orders = 0;
};

PaperBrute paper_brute_force(const Instance& inst) {
  const auto problem = exact::Problem::from_view(inst.view());
  const auto n = problem.size();
  REQUIRE(n <= 16);
  const std::uint32_t full = (1u << n) - 1;
  std::vector<std::uint32_t> in_mask(n, 0), out_mask(n, 0);
  for (std::uint32_t t = 0; t < n; ++t) {
    for (auto i : problem.inputs[t])
      in_mask[t] |= 1u << i;
    for (auto c : problem.consumers[t])
      out_mask[t] |= 1u << c;
  }
  std::vector<bool> ideal(full + 1, true);
  std::vector<Seconds> c1(full + 1, 0);
  for (std::uint32_t s = 1; s <= full; ++s) {
    const auto low = static_cast<std::uint32_t>(__builtin_ctz(s));
    c1[s] = c1[s & (s - 1)] + problem.device_s[low];
    for (std::uint32_t t = 0; t < n; ++t)
      if ((s >> t & 1u) && (in_mask[t] & ~s))
        ideal[s] = false;
  }
  PaperBrute out;
  std::vector<Seconds> c2(full + 1);
  std::vector<std::uint32_t> last(full + 1);
  std::vector<Seconds> b(n);
  for (std::uint32_t m = 1; m <= full; ++m) {
    if (!ideal[m] || !(m >> problem.input & 1u))
      continue;
    ++out.sets;
    for (std::uint32_t t = 0; t < n; ++t)
      b[t] = (out_mask[t] & ~m) ? problem.uplink_s[t] : 0.0;
    // Sub-ideals of m in increasing order, so S - j is done before S.
    c2[0] = 0;
    for (std::uint32_t s = (0 - m) & m; s != 0; s = (s - m) & m) {
      c2[s] = kInf;
      if (!ideal[s])
        continue;
      for (std::uint32_t j = 0; j < n; ++j) {
        if (!(s >> j & 1u) || (out_mask[j] & s))
          continue; // j must be last: nothing in S reads it
        const auto prev = s ^ (1u << j);
        if (prev != 0 && !ideal[prev])
          continue;
        ++out.orders;
        const Seconds v = std::max(c2[prev], c1[s]) + b[j];
        if (v < c2[s]) {
          c2[s] = v;
          last[s] = j;
        }
      }
    }
    if (c2[m] < out.best) {
      out.best = c2[m];
      Plan plan = Plan::all_on(Side::server, inst.graph);
      plan.priority.assign(n, static_cast<int>(n));
      std::vector<std::uint32_t> order;
      for (auto s = m; s != 0; s ^= 1u << last[s])
        order.push_back(last[s]);
      std::reverse(order.begin(), order.end());
      for (std::size_t k = 0; k < order.size(); ++k) {
        plan.placement[order[k]] = Side::device;
        plan.priority[order[k]] = static_cast<int>(k);
      }
      out.plan = std::move(plan);
    }
  }
  return out;
}

// The literal brute force: every valid device set, every compute order (a permutation that is a
// topological order), every uplink order, each measured with run_plan.
Seconds literal_brute_force(const Instance& inst, std::size_t& runs) {
  const auto& graph = inst.graph;
  const auto n = graph.size();
  Seconds best = kInf;
  for (std::uint32_t m = 0; m < (1u << n); ++m) {
    if (!(m >> index_of(graph.input()) & 1u))
      continue;
    bool closed = true;
    for (const auto& task : graph.tasks())
      for (auto in : task.inputs)
        closed &= !(m >> index_of(task.id) & 1u) || (m >> index_of(in) & 1u);
    if (!closed)
      continue;
    std::vector<std::uint32_t> device, cut;
    Plan plan = Plan::all_on(Side::server, graph);
    for (std::uint32_t t = 0; t < n; ++t) {
      if (!(m >> t & 1u))
        continue;
      plan.placement[t] = Side::device;
      device.push_back(t);
      const auto& task = graph.task(task_id(t));
      if (std::any_of(task.consumers.begin(), task.consumers.end(),
                      [&](TaskId c) { return !(m >> index_of(c) & 1u); }))
        cut.push_back(t);
    }
    plan.priority.assign(n, 0);
    plan.transfer_priority.assign(n, 0);
    std::sort(device.begin(), device.end());
    do {
      std::vector<bool> seen(n, false);
      bool topological = true;
      for (auto t : device) {
        for (auto in : graph.task(task_id(t)).inputs)
          topological &= seen[index_of(in)];
        seen[t] = true;
      }
      if (!topological)
        continue;
      for (std::size_t k = 0; k < device.size(); ++k)
        plan.priority[device[k]] = static_cast<int>(k);
      auto up = cut;
      std::sort(up.begin(), up.end());
      do {
        for (std::size_t k = 0; k < up.size(); ++k)
          plan.transfer_priority[up[k]] = static_cast<int>(k);
        best = std::min(best, run_plan(graph, inst.costs, plan, inst.link).latency_s());
        ++runs;
      } while (std::next_permutation(up.begin(), up.end()));
    } while (std::next_permutation(device.begin(), device.end()));
  }
  return best;
}

template <class Make, class Schedule>
void check_against_brute_force(const char* what, Draw& d, int instances, Make make,
                               Schedule schedule) {
  std::size_t sets = 0, orders = 0;
  int split = 0;
  for (int i = 0; i < instances; ++i) {
    const auto inst = make(d, d.integer(1, 10));
    const auto brute = paper_brute_force(*inst);
    sets += brute.sets;
    orders += brute.orders;
    const DuanResult r = schedule(inst->view());
    INFO(what, " instance ", i, " (", inst->model.name(), ", ", inst->graph.size(),
         " tasks): ", r.plan.note);
    CHECK(!r.fell_back);
    CHECK(r.searched_all);
    CHECK(close(r.predicted_s, brute.best));
    CHECK_NOTHROW(validate(r.plan, inst->graph, what));
    CHECK(close(run_plan(inst->graph, inst->costs, r.plan, inst->link).latency_s(), r.predicted_s));
    // The brute force's own optimum, run through the runtime: the model it minimised is the
    // runtime's.
    CHECK(
        close(run_plan(inst->graph, inst->costs, brute.plan, inst->link).latency_s(), brute.best));
    const auto device = std::count(r.plan.placement.begin(), r.plan.placement.end(), Side::device);
    split += device > 1 && device < static_cast<long>(inst->graph.size());
  }
  MESSAGE(std::string(what), ": ", instances, " instances of 1-10 layers, ", sets,
          " valid device sets, ", orders,
          " (device set, ideal, last layer) steps of the order enumeration; ", split,
          " optima strictly between device-only and server-only");
  CHECK(split > instances / 10);
}

} // namespace

TEST_CASE("reference: duan-path equals brute force on independent paths under the paper's model") {
  Draw d(2021);
  check_against_brute_force("duan-path", d, 3000, paper_paths,
                            [](const SystemView& v) { return duan_path_schedule(v); });
}

TEST_CASE("reference: duan-tree equals brute force on out-trees under the paper's model") {
  Draw d(1979);
  check_against_brute_force("duan-tree", d, 3000, paper_tree,
                            [](const SystemView& v) { return duan_tree_schedule(v); });
}

TEST_CASE("reference: duan-tree also equals brute force on independent paths (they are trees)") {
  Draw d(7);
  for (int i = 0; i < 500; ++i) {
    const auto inst = paper_paths(d, d.integer(1, 10));
    if (inst->model.name().find("joined") != std::string::npos)
      continue;
    INFO("instance ", i);
    CHECK(close(duan_tree_schedule(inst->view()).predicted_s, paper_brute_force(*inst).best));
  }
}

TEST_CASE("reference: the order dynamic program equals every order and uplink order run") {
  // Validates the brute force above on small instances: every topological order of every device
  // set, with every uplink order, measured with run_plan.
  Draw d(11);
  std::size_t runs = 0;
  for (int i = 0; i < 400; ++i) {
    const auto inst = i % 2 ? paper_tree(d, d.integer(1, 6)) : paper_paths(d, d.integer(1, 6));
    INFO("instance ", i, " (", inst->model.name(), ")");
    CHECK(close(literal_brute_force(*inst, runs), paper_brute_force(*inst).best));
  }
  MESSAGE("400 instances of 1-6 layers, ", runs, " plans run");
}

TEST_CASE("reference: duan-wu predictions are what run_plan measures on general instances") {
  // Server times, link latency, slow downlinks, any DAG shape (duan-path and duan-tree fall back to
  // duan-topo outside their class).
  Draw d(4096);
  for (int i = 0; i < 600; ++i) {
    const auto inst = random_dag(d, d.integer(1, 12));
    const auto view = inst->view();
    INFO("instance ", i, " (", inst->model.name(), ")");
    for (const auto& r :
         {duan_path_schedule(view), duan_tree_schedule(view), duan_topo_schedule(view)}) {
      CHECK_NOTHROW(validate(r.plan, inst->graph, "duan-wu"));
      CHECK(
          close(run_plan(inst->graph, inst->costs, r.plan, inst->link).latency_s(), r.predicted_s));
    }
  }
}

namespace {

// duan-topo against the exact scheduler on 2000 random DAGs of 1-12 layers from `seed` (server
// times, link latency and downloads on: the general model); with `baselines`, also how much the
// pipelined plans gain over the split baselines (measured with run_single_inference).
struct GapStats {
  double mean = 0, worst = 0;
  int optimal = 0;
  std::string worst_name;
};

GapStats topo_gap(std::uint64_t seed, bool baselines) {
  Draw d(seed);
  constexpr int kInstances = 2000;
  GapStats g;
  double gain_sum = 0, gain_max = 0;
  int gains = 0;
  for (int i = 0; i < kInstances; ++i) {
    auto options = random_options(d, d.integer(1, 12));
    const auto link = random_link(d);
    Instance inst(synthetic::random_dag(options, d.uniform(0.1, 0.8)), link);
    const auto view = inst.view();
    const auto topo = duan_topo_schedule(view);
    const auto best = exact::solve_exact(view);
    INFO("seed ", seed, " instance ", i, " (", inst.model.name(), ")");
    CHECK(best.latency_s <= topo.predicted_s * (1 + 1e-9));
    const double gap = topo.predicted_s / best.latency_s - 1;
    g.mean += gap / kInstances;
    g.optimal += gap <= 1e-9;
    if (gap > g.worst) {
      g.worst = gap;
      g.worst_name = inst.model.name();
    }
    if (!baselines)
      continue;
    NeurosurgeonScheduler neurosurgeon;
    DadsScheduler dads;
    const auto split =
        std::min(run_single_inference(inst.graph, inst.costs, neurosurgeon, inst.link).latency_s(),
                 run_single_inference(inst.graph, inst.costs, dads, inst.link).latency_s());
    const double gain = split / topo.predicted_s;
    gain_sum += gain;
    gain_max = std::max(gain_max, gain);
    gains += gain > 1 + 1e-9;
  }
  MESSAGE("seed ", seed, ": duan-topo vs exact on ", kInstances,
          " random DAGs of 1-12 layers: mean gap ", 100 * g.mean, "%, max gap ", 100 * g.worst,
          "% (", g.worst_name, "), optimal on ", g.optimal);
  if (baselines)
    MESSAGE("duan-topo vs the better of neurosurgeon and dads (measured): mean speed-up ",
            gain_sum / kInstances, ", max ", gain_max, ", faster on ", gains, " of ", kInstances);
  return g;
}

} // namespace

// The goals: mean gap <= 3%, max gap <= 10%.
TEST_CASE("reference: duan-topo gap to the exact scheduler on random DAGs of up to 12 layers") {
  const auto g = topo_gap(1234, true);
  CHECK(g.mean <= 0.03);
  CHECK(g.worst <= 0.10);
}

TEST_CASE("reference: duan-topo gap to the exact scheduler on four more seeds") {
  // The seeds on which an earlier duan-topo missed the 10% goal (9.3%, 11.3%, 17.0%, 33.9%).
  for (std::uint64_t seed : {1, 7, 10, 42}) {
    const auto g = topo_gap(seed, false);
    CHECK(g.mean <= 0.03);
    CHECK(g.worst <= 0.10);
  }
}

TEST_CASE("reference: duan-wu schedulers plan a 300-layer model exactly (times printed)") {
  Draw d(300);
  auto options = random_options(d, 300);
  options.server_ms = {0.0, 0.5};
  const auto link = random_link(d);
  struct Shape {
    const char* name;
    Model model;
  };
  std::vector<Shape> shapes;
  shapes.push_back({"random DAG p=0.01", synthetic::random_dag(options, 0.01)});
  shapes.push_back({"random DAG p=0.05", synthetic::random_dag(options, 0.05)});
  shapes.push_back({"out-tree", synthetic::out_tree(options)});
  shapes.push_back({"chain", synthetic::chain(options)});
  shapes.push_back(
      {"20 paths of 15, joined",
       synthetic::independent_paths(options, std::vector<int>(20, 15), synthetic::PathJoin::join)});
  for (auto& s : shapes) {
    Instance inst(std::move(s.model), link);
    const auto view = inst.view();
    auto time = [&](auto&& f) {
      const auto t0 = std::chrono::steady_clock::now();
      const DuanResult r = f(view);
      const double ms =
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
      CHECK(close(run_plan(inst.graph, inst.costs, r.plan, inst.link).latency_s(), r.predicted_s));
      return std::pair{ms, r};
    };
    const auto [path_ms, path] = time([](const SystemView& v) { return duan_path_schedule(v); });
    const auto [tree_ms, tree] = time([](const SystemView& v) { return duan_tree_schedule(v); });
    const auto [topo_ms, topo] = time([](const SystemView& v) { return duan_topo_schedule(v); });
    auto how = [](const DuanResult& r) {
      return std::string(r.fell_back
                             ? "fell back to duan-topo"
                             : (r.searched_all ? "search complete" : "search budget reached"));
    };
    MESSAGE(std::string(s.name), " (", inst.graph.size() - 1, " layers): duan-path ", path_ms,
            " ms (", how(path), "), duan-tree ", tree_ms, " ms (", how(tree), "), duan-topo ",
            topo_ms, " ms (", topo.evaluations, " evaluations)");
    // Speed is a benchmark figure, never a test verdict (DEVELOPERS.md): the times are only
    // printed.
  }
}
