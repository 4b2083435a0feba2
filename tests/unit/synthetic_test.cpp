// Synthetic DAG generators: determinism per seed, the structure each generator promises, and cost
// ranges.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/cost_table.hpp"
#include "core/error.hpp"
#include "core/model_json.hpp"
#include "core/zoo/synthetic.hpp"

using namespace tandem;
using namespace tandem::synthetic;

namespace {

void check_same(const Model& a, const Model& b) {
  REQUIRE(a.size() == b.size());
  CHECK(a.name() == b.name());
  for (std::size_t i = 0; i < a.size(); ++i) {
    const auto& x = a.layers()[i];
    const auto& y = b.layers()[i];
    CHECK(x.name == y.name);
    CHECK(x.inputs == y.inputs);
    CHECK(x.output_bytes_fp32 == y.output_bytes_fp32);
    CHECK(x.flops == y.flops);
    CHECK(x.device_time_s == y.device_time_s);
    CHECK(x.server_time_s == y.server_time_s);
  }
}

// Every layer can be reached from the input.
bool all_reachable(const Model& m) {
  std::vector<bool> seen(m.size());
  std::vector<LayerId> stack{m.input()};
  seen[index_of(m.input())] = true;
  while (!stack.empty()) {
    const auto id = stack.back();
    stack.pop_back();
    for (auto s : m.successors(id))
      if (!seen[index_of(s)]) {
        seen[index_of(s)] = true;
        stack.push_back(s);
      }
  }
  return std::all_of(seen.begin(), seen.end(), [](bool b) { return b; });
}

// Each edge goes forward in the model's topological order (which Model::create computed after its
// own cycle check): the graph is acyclic.
bool edges_go_forward(const Model& m) {
  std::vector<std::size_t> position(m.size());
  for (std::size_t i = 0; i < m.size(); ++i)
    position[index_of(m.topological_order()[i])] = i;
  for (const auto& l : m.layers())
    for (auto p : l.inputs)
      if (position[index_of(p)] >= position[index_of(l.id)])
        return false;
  return true;
}

void check_costs_in_range(const Model& m, const SyntheticOptions& o) {
  for (const auto& l : m.layers()) {
    if (l.kind() == OpKind::input) {
      CHECK(l.output_bytes_fp32 == o.input_bytes);
      continue;
    }
    CAPTURE(l.name);
    CHECK(l.kind() == OpKind::opaque);
    REQUIRE(l.device_time_s.has_value());
    REQUIRE(l.server_time_s.has_value());
    CHECK(*l.device_time_s >= ms_to_s(o.device_ms.min));
    CHECK(*l.device_time_s <= ms_to_s(o.device_ms.max));
    CHECK(*l.server_time_s >= ms_to_s(o.server_ms.min));
    CHECK(*l.server_time_s <= ms_to_s(o.server_ms.max));
    CHECK(static_cast<double>(l.output_bytes_fp32) >= o.output_bytes.min);
    CHECK(static_cast<double>(l.output_bytes_fp32) <= o.output_bytes.max);
    CHECK(l.flops == doctest::Approx(*l.device_time_s * o.device_gflops * 1e9));
  }
}

} // namespace

TEST_CASE("synthetic models: the same seed gives the same model, another seed another") {
  SyntheticOptions o{.seed = 7, .n = 12};
  check_same(chain(o), chain(o));
  check_same(out_tree(o), out_tree(o));
  check_same(random_dag(o, 0.3), random_dag(o, 0.3));
  check_same(independent_paths(o, {2, 3}, PathJoin::join),
             independent_paths(o, {2, 3}, PathJoin::join));

  auto other = o;
  other.seed = 8;
  const auto a = random_dag(o, 0.3);
  const auto b = random_dag(other, 0.3);
  CHECK(a.layers()[1].device_time_s != b.layers()[1].device_time_s);
}

TEST_CASE("synthetic draws come from raw mt19937_64 words, not std distributions") {
  // The engine's output is fixed by the standard and the arithmetic on it is ours, so these values
  // are the same with every standard library.
  const auto m = chain(
      {.seed = 42, .n = 2, .device_ms = {0, 100}, .server_ms = {0, 10}, .output_bytes = {1, 1e6}});
  const auto& l1 = m.layers()[1];
  MESSAGE("l1: device " << *l1.device_time_s << " s, server " << *l1.server_time_s << " s, "
                        << l1.output_bytes_fp32 << " bytes");
  // mt19937_64 seeded with 42 starts 13930160852258120406, 11788048577503494824,
  // 13874630024467741450 (fixed by the standard); l1 takes them for device, server, bytes.
  CHECK(*l1.device_time_s ==
        doctest::Approx(ms_to_s(100 * (13930160852258120406ull >> 11) * 0x1.0p-53)));
  CHECK(*l1.server_time_s ==
        doctest::Approx(ms_to_s(10 * (11788048577503494824ull >> 11) * 0x1.0p-53)));
  CHECK(l1.output_bytes_fp32 ==
        static_cast<Bytes>(std::round(1 + 999999 * ((13874630024467741450ull >> 11) * 0x1.0p-53))));
}

TEST_CASE("chain: each layer reads the one before") {
  const SyntheticOptions o{.seed = 3, .n = 10};
  const auto m = chain(o);
  REQUIRE(m.size() == 11);
  for (std::size_t i = 1; i < m.size(); ++i) {
    REQUIRE(m.layers()[i].inputs.size() == 1);
    CHECK(index_of(m.layers()[i].inputs[0]) == i - 1);
  }
  REQUIRE(m.outputs().size() == 1);
  CHECK(m.layer(m.outputs()[0]).name == "l10");
  check_costs_in_range(m, o);
}

TEST_CASE("independent paths: k paths from the input, joined or left as k outputs") {
  const SyntheticOptions o{.seed = 5};
  const std::vector<int> lengths{3, 1, 4};
  for (const auto join : {PathJoin::join, PathJoin::separate_outputs}) {
    CAPTURE(static_cast<int>(join));
    const auto m = independent_paths(o, lengths, join);
    CHECK(m.size() == 1 + 8 + (join == PathJoin::join ? 1 : 0));
    // Every path layer has one input and one successor, but for an unjoined path's end.
    std::vector<LayerId> ends;
    for (std::size_t p = 0; p < lengths.size(); ++p) {
      auto prev = m.input();
      for (int i = 1; i <= lengths[p]; ++i) {
        const auto id = m.find(fmt::format("p{}_{}", p + 1, i));
        REQUIRE(id.has_value());
        const auto& l = m.layer(*id);
        REQUIRE(l.inputs.size() == 1);
        CHECK(l.inputs[0] == prev);
        const bool last = i == lengths[p];
        CHECK(m.successors(*id).size() == (last && join == PathJoin::separate_outputs ? 0u : 1u));
        prev = *id;
      }
      ends.push_back(prev);
    }
    CHECK(m.successors(m.input()).size() == lengths.size());
    if (join == PathJoin::join) {
      REQUIRE(m.outputs().size() == 1);
      const auto& j = m.layer(m.outputs()[0]);
      CHECK(j.name == "join");
      CHECK(j.inputs == ends);
    } else {
      CHECK(m.outputs() == ends);
    }
    check_costs_in_range(m, o);
  }
}

TEST_CASE("out-tree: every layer reads exactly one earlier layer, all reachable from the input") {
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    const SyntheticOptions o{.seed = seed, .n = 30};
    const auto m = out_tree(o);
    REQUIRE(m.size() == 31);
    std::size_t edges = 0;
    for (const auto& l : m.layers()) {
      if (l.kind() == OpKind::input)
        continue;
      REQUIRE(l.inputs.size() == 1);
      CHECK(index_of(l.inputs[0]) < index_of(l.id));
      ++edges;
    }
    CHECK(edges == m.size() - 1); // a tree: one edge fewer than vertices, and connected
    CHECK(all_reachable(m));
    // Outputs are exactly the leaves.
    for (const auto& l : m.layers())
      if (l.kind() != OpKind::input)
        CHECK(m.successors(l.id).empty() ==
              (std::find(m.outputs().begin(), m.outputs().end(), l.id) != m.outputs().end()));
    check_costs_in_range(m, o);
  }
  // Over many seeds the trees differ in shape, not only in costs.
  CHECK(out_tree({.seed = 1, .n = 30}).outputs() != out_tree({.seed = 2, .n = 30}).outputs());
}

TEST_CASE("random DAG: acyclic, one input, everything reachable; p = 0 and p = 1 at the extremes") {
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    const SyntheticOptions o{.seed = seed, .n = 25};
    const auto m = random_dag(o, 0.2);
    REQUIRE(m.size() == 26);
    int inputs = 0;
    for (const auto& l : m.layers())
      if (l.kind() == OpKind::input)
        ++inputs;
    CHECK(inputs == 1);
    CHECK(edges_go_forward(m));
    CHECK(all_reachable(m));
    check_costs_in_range(m, o);
  }
  const auto independent = random_dag({.n = 6}, 0.0);
  for (const auto& l : independent.layers())
    if (l.kind() != OpKind::input)
      CHECK(l.inputs == std::vector<LayerId>{independent.input()});
  CHECK(independent.outputs().size() == 6);
  const auto complete = random_dag({.n = 6}, 1.0);
  for (std::size_t j = 2; j < complete.size(); ++j)
    CHECK(complete.layers()[j].inputs.size() == j - 1);
  CHECK(complete.outputs().size() == 1);
}

TEST_CASE("synthetic costs: zero server time is allowed and the cost table takes the given times") {
  const SyntheticOptions o{.seed = 9, .n = 5, .server_ms = {0, 0}};
  const auto m = random_dag(o, 0.5);
  check_costs_in_range(m, o);
  const auto table =
      CostTable::predict(m, {find_device_spec("rpi4"), 1}, {find_device_spec("desktop-cpu"), 0});
  for (const auto& l : m.layers()) {
    if (l.kind() == OpKind::input)
      continue;
    CHECK(table.source(l.id, Side::device) == CostSource::model_file);
    CHECK(table.time(l.id, Side::device) == *l.device_time_s);
    CHECK(table.time(l.id, Side::server) == 0.0);
  }
}

TEST_CASE("synthetic models survive a model JSON round trip") {
  const auto m = random_dag({.seed = 11, .n = 15}, 0.3);
  const auto back = parse_model_json(model_to_json(m).dump(), "round-trip.json");
  REQUIRE(back.size() == m.size());
  for (std::size_t i = 0; i < m.size(); ++i) {
    const auto& x = m.layers()[i];
    const auto& y = back.layers()[i];
    CHECK(x.name == y.name);
    CHECK(x.inputs == y.inputs);
    CHECK(x.output_bytes_fp32 == y.output_bytes_fp32);
    if (x.device_time_s) {
      CHECK(*y.device_time_s == doctest::Approx(*x.device_time_s).epsilon(1e-12));
      CHECK(*y.server_time_s == doctest::Approx(*x.server_time_s).epsilon(1e-12));
    }
  }
}

TEST_CASE("bad synthetic options are input errors naming the field") {
  CHECK_THROWS_AS(chain({.n = 0}), InputError);
  CHECK_THROWS_AS(chain({.device_ms = {5, 1}}), InputError);
  CHECK_THROWS_AS(chain({.server_ms = {-1, 1}}), InputError);
  CHECK_THROWS_AS(chain({.output_bytes = {0, 10}}), InputError);
  CHECK_THROWS_AS(random_dag({}, 1.5), InputError);
  CHECK_THROWS_AS(independent_paths({}, {}, PathJoin::join), InputError);
  CHECK_THROWS_AS(independent_paths({}, {2, 0}, PathJoin::separate_outputs), InputError);
  try {
    random_dag({}, -0.1);
    FAIL("expected an InputError");
  } catch (const InputError& e) {
    CHECK(e.field() == "edge_probability");
  }
}
