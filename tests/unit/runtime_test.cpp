// The runtime on the closed-form AnalyticBackend: hand-computed schedules, pipelining across a
// stream, the server pool, plan validation and revisions while an inference runs.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <set>
#include <string>

#include "core/device_spec.hpp"
#include "core/error.hpp"
#include "core/model_json.hpp"
#include "core/runtime/analytic_backend.hpp"
#include "core/runtime/bandwidth_estimator.hpp"
#include "core/runtime/runtime.hpp"
#include "core/runtime/single_inference.hpp"

using namespace tandem;

namespace {

// input 1000 B -> a (500 B; 10 ms device, 1 ms server) -> b (200 B; 20, 2) -> c (100 B; 5, 0.5)
const char* kChain =
    R"({"format": "tandem-model/1", "name": "chain3", "input_bytes": 1000, "layers": [
  {"name": "a", "inputs": ["input"], "output_bytes": 500, "device_ms": 10, "server_ms": 1},
  {"name": "b", "inputs": ["a"], "output_bytes": 200, "device_ms": 20, "server_ms": 2},
  {"name": "c", "inputs": ["b"], "output_bytes": 100, "device_ms": 5, "server_ms": 0.5}]})";

// input -> {left, right} -> join: two branches the server pool can run side by side.
const char* kDiamond =
    R"({"format": "tandem-model/1", "name": "diamond", "input_bytes": 1000, "layers": [
  {"name": "left", "inputs": ["input"], "output_bytes": 100, "device_ms": 10, "server_ms": 4},
  {"name": "right", "inputs": ["input"], "output_bytes": 100, "device_ms": 10, "server_ms": 4},
  {"name": "join", "inputs": ["left", "right"], "output_bytes": 10, "device_ms": 1, "server_ms": 1}]})";

struct Fixture {
  explicit Fixture(const char* json)
      : model(parse_model_json(json, "test.json")), graph(TaskGraph::per_layer(model)),
        costs(CostTable::predict(model, {find_device_spec("rpi4"), 1},
                                 {find_device_spec("desktop-cpu"), 0})) {}
  TaskId task(const char* name) const { return task_id(index_of(*model.find(name))); }
  Plan split(std::initializer_list<const char*> on_server) const {
    auto p = Plan::all_on(Side::device, graph);
    for (auto n : on_server)
      p.placement[index_of(task(n))] = Side::server;
    return p;
  }
  Model model;
  TaskGraph graph;
  CostTable costs;
};

constexpr double kBps = 1e6; // 1 MB/s: 1 byte = 1 us
bool close(double a, double b) {
  return std::abs(a - b) <= 1e-9 * std::max(1.0, std::abs(b));
}

class FixedScheduler : public Scheduler {
public:
  explicit FixedScheduler(Plan p) : plan_(std::move(p)) {}
  Plan plan(const SystemView&) override { return plan_; }

private:
  Plan plan_;
};

struct Collect : RunObserver {
  void on_op(const OpRecord& op) override { ops.push_back(op); }
  void on_inference(const InferenceRecord& r) override { inferences.push_back(r); }
  std::vector<OpRecord> ops;
  std::vector<InferenceRecord> inferences;
};

Collect run_stream(const Fixture& f, const Plan& plan, WorkloadConfig workload, int workers = 1,
                   Seconds latency = 0) {
  RuntimeSetup s;
  s.graph = &f.graph;
  s.planning_costs = s.actual_costs = &f.costs;
  s.server_workers = workers;
  s.link_latency_s = latency;
  s.initial_uplink_bps = s.initial_downlink_bps = kBps;
  s.workload = workload;
  s.scheduler_name = "fixed";
  s.make_scheduler = [plan](int) { return std::make_unique<FixedScheduler>(plan); };
  AnalyticBackend backend({kBps}, {kBps});
  Collect c;
  Runtime(s, backend, {&c}).run();
  return c;
}

} // namespace

TEST_CASE("device-only latency is the sum of device times") {
  Fixture f(kChain);
  const auto r =
      run_plan(f.graph, f.costs, Plan::all_on(Side::device, f.graph), {kBps, kBps, 0.004});
  CHECK(close(r.latency_s(), 0.035));
  CHECK(r.record.uplink_bytes == 0);
  CHECK(r.record.device_tasks == 3);
}

TEST_CASE("server-only latency is upload + latency + server sum + download + latency") {
  Fixture f(kChain);
  const Seconds L = 0.004;
  const auto r = run_plan(f.graph, f.costs, Plan::all_on(Side::server, f.graph), {kBps, kBps, L});
  CHECK(close(r.latency_s(), 1000 / kBps + L + 0.0035 + 100 / kBps + L));
  CHECK(r.record.uplink_bytes == 1000);
  CHECK(r.record.downlink_bytes == 100);
}

TEST_CASE("a split is device prefix + tensor/bandwidth + latency + server suffix + download") {
  Fixture f(kChain);
  const Seconds L = 0.002;
  const auto r = run_plan(f.graph, f.costs, f.split({"b", "c"}), {kBps, 2 * kBps, L});
  CHECK(close(r.latency_s(), 0.010 + 500 / kBps + L + 0.0025 + 100 / (2 * kBps) + L));
}

TEST_CASE("a tensor goes up once however many server consumers read it") {
  Fixture f(kDiamond);
  const auto r = run_plan(f.graph, f.costs, f.split({"left", "right", "join"}), {kBps, kBps, 0});
  CHECK(r.record.uplink_bytes == 1000);
  CHECK(r.record.transfers == 2); // the input up, join's output down
}

TEST_CASE("two server workers run independent branches side by side") {
  Fixture f(kDiamond);
  const auto plan = f.split({"left", "right", "join"});
  WorkloadConfig one;
  const auto serial = run_stream(f, plan, one, 1);
  const auto parallel = run_stream(f, plan, one, 2);
  const Seconds up = 1000 / kBps, down = 10 / kBps;
  CHECK(close(serial.inferences.at(0).finish_s, up + 0.004 + 0.004 + 0.001 + down));
  CHECK(close(parallel.inferences.at(0).finish_s, up + 0.004 + 0.001 + down));
}

TEST_CASE("a closed loop starts each inference when the previous one finishes") {
  Fixture f(kChain);
  WorkloadConfig w;
  w.kind = WorkloadKind::closed_loop;
  w.count = 4;
  const auto c = run_stream(f, Plan::all_on(Side::device, f.graph), w);
  REQUIRE(c.inferences.size() == 4);
  for (int k = 0; k < 4; ++k) {
    CHECK(close(c.inferences[k].arrival_s, 0.035 * k));
    CHECK(close(c.inferences[k].finish_s, 0.035 * (k + 1)));
  }
}

TEST_CASE("a periodic stream pipelines device and server work across inferences") {
  // Split after a: device 10 ms, upload 0.5 ms, server 2.5 ms, download 0.1 ms. At 50 fps (20 ms
  // period) nothing queues, so every inference takes the single-inference latency.
  Fixture f(kChain);
  WorkloadConfig w;
  w.kind = WorkloadKind::periodic;
  w.fps = 50;
  w.count = 5;
  const auto c = run_stream(f, f.split({"b", "c"}), w);
  REQUIRE(c.inferences.size() == 5);
  for (const auto& r : c.inferences)
    CHECK(close(r.finish_s - r.arrival_s, 0.010 + 0.0005 + 0.0025 + 0.0001));
  // At 200 fps (5 ms period) the device is the bottleneck: inference k starts computing at 10k ms.
  w.fps = 200;
  const auto q = run_stream(f, f.split({"b", "c"}), w);
  for (std::size_t k = 0; k < q.inferences.size(); ++k)
    CHECK(close(q.inferences[k].finish_s, 0.010 * (k + 1) + 0.0005 + 0.0025 + 0.0001));
}

TEST_CASE("the same run twice gives the same records") {
  Fixture f(kDiamond);
  WorkloadConfig w;
  w.kind = WorkloadKind::poisson;
  w.rate_per_s = 80;
  w.count = 30;
  const auto a = run_stream(f, f.split({"right", "join"}), w, 2, 0.001);
  const auto b = run_stream(f, f.split({"right", "join"}), w, 2, 0.001);
  REQUIRE(a.ops.size() == b.ops.size());
  for (std::size_t i = 0; i < a.ops.size(); ++i) {
    CHECK(a.ops[i].start_s == b.ops[i].start_s);
    CHECK(a.ops[i].task_name == b.ops[i].task_name);
  }
}

TEST_CASE("a plan that puts the input on the server is a PlanError naming scheduler and layer") {
  Fixture f(kChain);
  auto p = Plan::all_on(Side::server, f.graph);
  p.placement[index_of(f.graph.input())] = Side::server;
  CHECK_THROWS_WITH_AS(validate(p, f.graph, "bad-one"),
                       "scheduler 'bad-one' made an invalid plan at layer 'input': the model input "
                       "lives on the device, but the plan places it on the server",
                       PlanError);
  p.placement.pop_back();
  CHECK_THROWS_AS(validate(p, f.graph, "bad-one"), PlanError);
}

namespace {
// Offloads the rest of the chain once the first device task is done (a dynamic decision).
class OffloadAfterFirst : public Scheduler {
public:
  explicit OffloadAfterFirst(bool move_started) : move_started_(move_started) {}
  Plan plan(const SystemView& v) override { return Plan::all_on(Side::device, *v.graph); }
  bool wants_progress() const override { return true; }
  std::optional<Plan> on_progress(const SystemView& v, const ProgressEvent& e) override {
    if (e.kind != ProgressEvent::Kind::task_done || v.graph->task(e.task).is_input || done_)
      return std::nullopt;
    done_ = true;
    auto p = Plan::all_on(Side::server, *v.graph);
    if (!move_started_)
      p.placement[index_of(e.task)] = Side::device;
    return p;
  }

private:
  bool move_started_;
  bool done_ = false;
};
} // namespace

TEST_CASE("a revised plan moves tasks that have not started") {
  Fixture f(kChain);
  OffloadAfterFirst s(false);
  const auto r = run_single_inference(f.graph, f.costs, s, {kBps, kBps, 0});
  CHECK(close(r.latency_s(), 0.010 + 500 / kBps + 0.0025 + 100 / kBps));
  OffloadAfterFirst bad(true);
  CHECK_THROWS_AS(run_single_inference(f.graph, f.costs, bad, {kBps, kBps, 0}), PlanError);
}

TEST_CASE("a transfer's size comes from its precision: q4 sends ceil(n/2) + 8 bytes") {
  Fixture f(kChain);
  auto p = f.split({"b", "c"});
  p.uplink_precision.assign(f.graph.size(), Precision::fp32());
  p.uplink_precision[index_of(f.task("a"))] = Precision::uniform(4);
  p.downlink_precision.assign(f.graph.size(), Precision::fp16());
  const auto r = run_plan(f.graph, f.costs, p, {kBps, kBps, 0});
  const Bytes up = tensor_bytes(125, Precision::uniform(4)); // a: 500 B at fp32 = 125 elements
  CHECK(up == 63 + 8);
  CHECK(r.record.uplink_bytes == up);
  CHECK(r.record.downlink_bytes == 50); // c: 25 elements at fp16
  CHECK(close(r.latency_s(), 0.010 + up / kBps + 0.0025 + 50 / kBps));
}

TEST_CASE("a stream with a duration stops arriving at that time") {
  Fixture f(kChain);
  WorkloadConfig w;
  w.kind = WorkloadKind::periodic;
  w.fps = 10;
  w.count = 1000;
  w.duration_s = 0.45; // arrivals at 0, 0.1, ..., 0.4
  const auto c = run_stream(f, Plan::all_on(Side::device, f.graph), w);
  CHECK(c.inferences.size() == 5);
}

TEST_CASE("Poisson arrivals depend on the seed only, and have the configured mean rate") {
  WorkloadConfig w;
  w.kind = WorkloadKind::poisson;
  w.rate_per_s = 50;
  w.count = 20000;
  ArrivalProcess a(w, 3, 0), b(w, 3, 0), other(w, 4, 0);
  Seconds ta = *a.first(), tb = *b.first(), to = *other.first();
  bool differs = false;
  for (int i = 1; i < w.count; ++i) {
    ta = *a.next(ta);
    tb = *b.next(tb);
    to = *other.next(to);
    differs |= ta != to;
    REQUIRE(ta == tb);
  }
  CHECK(differs);
  CHECK(std::abs(ta / (w.count - 1) - 1.0 / 50) < 0.03 / 50); // mean gap within 3%
}

TEST_CASE("the bandwidth estimator is an EWMA of observed throughput") {
  BandwidthEstimator e(1000, 0.25);
  e.observe(4000, 1.0); // sample 4000 B/s
  CHECK(close(e.estimate_bps(), 0.25 * 4000 + 0.75 * 1000));
  e.observe(0, 1.0); // an empty transfer says nothing
  CHECK(e.samples() == 1);
  CHECK_THROWS_AS(BandwidthEstimator(0, 0.5), std::invalid_argument);
}

namespace {

// An AnalyticBackend whose server dies at `loss_s`: from then on every server compute and transfer,
// running or new, is reported abandoned at once, as the real backend does when its connection
// drops.
class LosingBackend : public Backend {
public:
  LosingBackend(Seconds loss_s) : inner_({kBps}, {kBps}), loss_s_(loss_s) {}
  Seconds now() const override { return now_; }
  void start_compute(ActivityId id, const ComputeRequest& r) override {
    if (r.side == Side::server && !take_server(id))
      return;
    inner_.start_compute(id, r);
  }
  void start_transfer(ActivityId id, const TransferRequest& r) override {
    if (take_server(id))
      inner_.start_transfer(id, r);
  }
  std::vector<ActivityId> wait_until(Seconds deadline) override {
    last_.clear();
    if (!abandon_.empty())
      return report_abandoned();
    if (!lost_ && deadline >= loss_s_) {
      auto done = inner_.wait_until(loss_s_);
      if (!done.empty())
        return finished(std::move(done));
      lost_ = true;
      now_ = loss_s_;
      abandon_.assign(server_.begin(), server_.end());
      ignored_ = server_;
      if (!abandon_.empty())
        return report_abandoned();
    }
    for (;;) {
      auto done = inner_.wait_until(deadline);
      const bool any = !done.empty();
      std::erase_if(done, [&](ActivityId id) { return ignored_.count(id) > 0; });
      if (!done.empty() || !any)
        return finished(std::move(done));
    }
  }
  bool abandoned(ActivityId id) const override { return last_.count(id) > 0; }

private:
  bool take_server(ActivityId id) { // false: abandoned
    if (lost_)
      abandon_.push_back(id);
    else
      server_.insert(id);
    return !lost_;
  }
  std::vector<ActivityId> report_abandoned() {
    std::vector<ActivityId> out;
    out.swap(abandon_);
    std::sort(out.begin(), out.end());
    last_.insert(out.begin(), out.end());
    return out;
  }
  std::vector<ActivityId> finished(std::vector<ActivityId> done) {
    for (auto id : done)
      server_.erase(id);
    now_ = inner_.now();
    return done;
  }
  AnalyticBackend inner_;
  Seconds loss_s_;
  Seconds now_ = 0;
  bool lost_ = false;
  std::set<ActivityId> server_, ignored_, last_;
  std::vector<ActivityId> abandon_;
};

// `count` periodic inferences at `fps` planned by `make_scheduler`, the server lost at loss_s.
Collect run_losing(const Fixture& f, std::string scheduler_name,
                   decltype(RuntimeSetup::make_scheduler) make_scheduler, double fps, int count,
                   Seconds loss_s) {
  RuntimeSetup s;
  s.graph = &f.graph;
  s.planning_costs = s.actual_costs = &f.costs;
  s.initial_uplink_bps = s.initial_downlink_bps = kBps;
  s.workload.kind = WorkloadKind::periodic;
  s.workload.fps = fps;
  s.workload.count = count;
  s.scheduler_name = std::move(scheduler_name);
  s.make_scheduler = std::move(make_scheduler);
  LosingBackend backend(loss_s);
  Collect c;
  Runtime(s, backend, {&c}).run();
  return c;
}

Collect run_losing(const Fixture& f, const Plan& plan, Seconds loss_s) {
  return run_losing(
      f, "fixed", [plan](int) { return std::make_unique<FixedScheduler>(plan); }, 20, 5, loss_s);
}

// "a@device", "a>server" (a transfer of a to the server), in record order, for one inference.
std::vector<std::string> op_trail(const Collect& c, std::uint64_t inference) {
  std::vector<std::string> out;
  for (const auto& op : c.ops)
    if (op.inference == inference)
      out.push_back(op.task_name + (op.kind == OpRecord::Kind::compute ? "@" : ">") +
                    std::string(to_string(op.side)));
  return out;
}

} // namespace

// Inference 2 of a 20 fps stream: a on the device 0.100-0.110, its output up 0.110-0.1105, b on
// the server 0.1105-0.1125, c 0.1125-0.113, c's output down 0.113-0.1131.
TEST_CASE("a server lost during a server task: the device redoes it, and the records say so") {
  Fixture f(kChain);
  const auto c = run_losing(f, f.split({"b", "c"}), 0.1115);
  REQUIRE(c.inferences.size() == 5);
  using V = std::vector<std::string>;
  CHECK(op_trail(c, 1) == V{"a@device", "a>server", "b@server", "c@server", "c>device"});
  CHECK(op_trail(c, 2) == V{"a@device", "a>server", "b@device", "c@device"});
  CHECK(op_trail(c, 3) == V{"a@device", "b@device", "c@device"});
  CHECK(!c.inferences[1].fallback);
  for (std::size_t i = 2; i < 5; ++i) {
    CHECK(c.inferences[i].fallback);
    CHECK(c.inferences[i].server_tasks == 0);
    CHECK(c.inferences[i].device_tasks == 3);
  }
  CHECK(close(c.inferences[2].finish_s, 0.1115 + 0.020 + 0.005));
  CHECK(close(c.inferences[3].finish_s, 0.150 + 0.035));
}

TEST_CASE("a server lost during a download: what only the server held is recomputed") {
  Fixture f(kChain);
  const auto c = run_losing(f, f.split({"b", "c"}), 0.11305);
  REQUIRE(c.inferences.size() == 5);
  using V = std::vector<std::string>;
  // b and c really ran on the server; their outputs are lost with it, so the device runs both.
  CHECK(op_trail(c, 2) ==
        V{"a@device", "a>server", "b@server", "c@server", "b@device", "c@device"});
  CHECK(c.inferences[2].fallback);
  CHECK(c.inferences[2].downlink_bytes == 0);
  CHECK(close(c.inferences[2].finish_s, 0.11305 + 0.020 + 0.005));
}

TEST_CASE("a backend that never abandons leaves every record as it was") {
  Fixture f(kChain);
  const auto c = run_losing(f, f.split({"b", "c"}), 100.0);
  WorkloadConfig w;
  w.kind = WorkloadKind::periodic;
  w.fps = 20;
  w.count = 5;
  const auto plain = run_stream(f, f.split({"b", "c"}), w);
  REQUIRE(c.inferences.size() == plain.inferences.size());
  for (std::size_t i = 0; i < plain.inferences.size(); ++i) {
    CHECK(c.inferences[i].finish_s == plain.inferences[i].finish_s);
    CHECK(!c.inferences[i].fallback);
  }
  CHECK(c.ops.size() == plain.ops.size());
}

namespace {

// Even inferences all on the device, odd ones split after a.
class Alternating : public Scheduler {
public:
  explicit Alternating(const Fixture& f) : f_(f) {}
  Plan plan(const SystemView& v) override {
    return v.inference % 2 == 0 ? Plan::all_on(Side::device, f_.graph) : f_.split({"b", "c"});
  }

private:
  const Fixture& f_;
};

} // namespace

TEST_CASE("losing the server marks only inferences that had server work, and loses none") {
  Fixture f(kChain);
  const Seconds loss = 0.06;
  const auto c = run_losing(
      f, "alternating", [&f](int) { return std::make_unique<Alternating>(f); }, 40, 8, loss);
  REQUIRE(c.inferences.size() == 8);
  for (const auto& r : c.inferences) {
    CAPTURE(r.inference);
    if (r.inference % 2 == 0)
      CHECK(!r.fallback);
    else if (r.arrival_s >= loss)
      CHECK(r.fallback);
    if (r.arrival_s >= loss)
      CHECK(r.server_tasks == 0);
  }
  for (const auto& op : c.ops)
    if (op.start_s >= loss)
      CHECK((op.kind == OpRecord::Kind::compute && op.side == Side::device));
}
