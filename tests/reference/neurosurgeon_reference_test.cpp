// Neurosurgeon against brute force: every split of a random chain MEASURED through the runtime
// (AnalyticBackend, constant link); the scheduler must reach the best of them, and its prediction
// of every split must equal what the runtime measures.
#include <doctest/doctest.h>

#include <limits>

#include "schedulers/neurosurgeon/neurosurgeon.hpp"
#include "tests/reference/reference_support.hpp"

using namespace tandem;
using namespace tandem::reference;

TEST_CASE("reference: neurosurgeon equals the best measured split on random chains") {
  Draw d(20240611);
  constexpr int kInstances = 3000;
  int splits_measured = 0, interior_wins = 0;
  for (int i = 0; i < kInstances; ++i) {
    const auto inst = random_chain(d, d.integer(1, 12));
    const auto view = inst->view();
    const auto prediction = neurosurgeon_predictions(view);
    const auto n = inst->graph.size();
    REQUIRE(prediction.size() == n + 1);
    CHECK(prediction[0] == std::numeric_limits<double>::infinity());

    Seconds best = std::numeric_limits<double>::infinity();
    std::size_t best_k = 0;
    for (std::size_t k = 1; k <= n; ++k) {
      const auto measured =
          run_plan(inst->graph, inst->costs, neurosurgeon_split_plan(inst->graph, k), inst->link)
              .latency_s();
      ++splits_measured;
      INFO("instance ", i, ", split ", k, " of ", n);
      CHECK(close(prediction[k], measured));
      if (measured < best) {
        best = measured;
        best_k = k;
      }
    }
    interior_wins += best_k > 1 && best_k < n;

    NeurosurgeonScheduler scheduler;
    const auto run = run_single_inference(inst->graph, inst->costs, scheduler, inst->link);
    INFO("instance ", i);
    CHECK(close(run.latency_s(), best));
    CHECK(close(scheduler.last_predicted_s(), best));
  }
  MESSAGE(kInstances, " chains, ", splits_measured, " splits measured, ", interior_wins,
          " won by an interior split");
  CHECK(interior_wins > kInstances / 20); // the instances exercise more than the two baselines
}

TEST_CASE("reference: on random DAGs every neurosurgeon prediction bounds the measured latency "
          "from above") {
  // The prediction serializes device, uplink, server and downlink; the runtime overlaps them, and
  // its device never waits (the prefix is closed under predecessors), so it can only be faster.
  // The all-device split has no overlap to gain and is exact.
  Draw d(77);
  for (int i = 0; i < 300; ++i) {
    const auto inst = random_dag(d, d.integer(1, 10));
    const auto prediction = neurosurgeon_predictions(inst->view());
    const auto n = inst->graph.size();
    for (std::size_t k = 1; k <= n; ++k) {
      const auto measured =
          run_plan(inst->graph, inst->costs, neurosurgeon_split_plan(inst->graph, k), inst->link)
              .latency_s();
      INFO("instance ", i, ", split ", k);
      CHECK(measured <= prediction[k] * (1 + 1e-9));
      if (k == n)
        CHECK(close(measured, prediction[k]));
    }
    NeurosurgeonScheduler scheduler;
    const auto plan = scheduler.plan(inst->view());
    CHECK_NOTHROW(validate(plan, inst->graph, "neurosurgeon"));
    CHECK(scheduler.last_predicted_s() == *std::min_element(prediction.begin(), prediction.end()));
  }
}
