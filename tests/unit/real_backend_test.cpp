// The real backend end to end in one process: a Server on a background thread, RealBackend driving
// the one Runtime. Models are model JSON files of opaque layers (the executor waits their measured
// time), so the tests need no oneDNN kernels. Checks: decisions and bytes as on the closed-form
// backend, paced transfer times, the server surviving garbage and oversized frames while it serves
// a well-behaved device, and a server lost mid-run (fallback on the device, or a BackendError).
#include <doctest/doctest.h>

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <future>
#include <mutex>
#include <set>
#include <thread>
#include <tuple>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <fmt/format.h>

#include "core/device_spec.hpp"
#include "core/error.hpp"
#include "core/model_json.hpp"
#include "core/runtime/analytic_backend.hpp"
#include "core/runtime/runtime.hpp"
#include "real/cpu_pinning.hpp"
#include "real/real_backend.hpp"
#include "real/server.hpp"
#include "real/wire.hpp"
#include "real/work_queue.hpp"

using namespace tandem;
using namespace tandem::real;
namespace asio = boost::asio;

namespace {

// input 100 kB -> a (40 kB; 4 ms device, 1 ms server) -> b (20 kB; 6, 2) -> c (1 kB; 3, 1)
const char* kChain =
    R"({"format": "tandem-model/1", "name": "chain", "input_bytes": 100000,
 "layers": [
  {"name": "a", "inputs": ["input"], "output_bytes": 40000, "device_ms": 4, "server_ms": 1},
  {"name": "b", "inputs": ["a"], "output_bytes": 20000, "device_ms": 6, "server_ms": 2},
  {"name": "c", "inputs": ["b"], "output_bytes": 1000, "device_ms": 3, "server_ms": 1}]})";

// A model file the server can load by path.
std::string write_model(const char* json, const std::string& name) {
  const auto path = std::filesystem::temp_directory_path() /
                    fmt::format("tandem-real-test-{}-{}.json", name, ::getpid());
  std::ofstream(path) << json;
  return path.string();
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

// A server on its own thread for the length of a test; its log lines are kept.
struct LocalServer {
  explicit LocalServer(int workers = 1) : server(options(workers, this)) {
    thread = std::thread([this] { server.run(); });
  }
  ~LocalServer() {
    server.stop();
    thread.join();
  }
  static ServerOptions options(int workers, LocalServer* self) {
    ServerOptions o;
    o.workers = workers;
    o.log = [self](const std::string& line) {
      std::lock_guard lock(self->log_mutex);
      self->log.push_back(line);
    };
    return o;
  }
  std::vector<std::string> log_lines() {
    std::lock_guard lock(log_mutex);
    return log;
  }
  std::mutex log_mutex;
  std::vector<std::string> log;
  Server server;
  std::thread thread;
};

struct Setup {
  explicit Setup(const char* json, const std::string& name)
      : path(write_model(json, name)), model(parse_model_json(json, path)),
        graph(TaskGraph::per_layer(model)),
        costs(CostTable::predict(model, {find_device_spec("rpi4"), 1},
                                 {find_device_spec("desktop-cpu"), 0})) {}
  ~Setup() { std::filesystem::remove(path); }
  TaskId task(const char* name) const { return task_id(index_of(*model.find(name))); }
  Plan split(std::initializer_list<const char*> on_server) const {
    auto p = Plan::all_on(Side::device, graph);
    for (auto n : on_server)
      p.placement[index_of(task(n))] = Side::server;
    return p;
  }
  RealBackendOptions backend_options(std::uint16_t port, BytesPerSecond up, BytesPerSecond down,
                                     int devices = 1) const {
    RealBackendOptions o;
    o.port = port;
    o.model = path;
    o.devices = devices;
    o.uplink.assign(static_cast<std::size_t>(devices), BandwidthTrace::constant(up));
    o.downlink.assign(static_cast<std::size_t>(devices), BandwidthTrace::constant(down));
    return o;
  }
  RuntimeSetup runtime_setup(Plan plan, int count, double fps, int devices = 1) const {
    RuntimeSetup s;
    s.graph = &graph;
    s.planning_costs = &costs;
    s.actual_costs = &costs;
    s.devices = devices;
    s.link_latency_s = 0.002;
    s.initial_uplink_bps = 1e6;
    s.initial_downlink_bps = 1e6;
    s.workload.kind = fps > 0 ? WorkloadKind::periodic : WorkloadKind::closed_loop;
    s.workload.fps = fps;
    s.workload.count = count;
    s.scheduler_name = "fixed";
    s.make_scheduler = [plan](int) { return std::make_unique<FixedScheduler>(plan); };
    return s;
  }
  std::string path;
  Model model;
  TaskGraph graph;
  CostTable costs;
};

using OpKey = std::tuple<int, std::uint64_t, std::string, int, int, std::string, Bytes>;
std::multiset<OpKey> op_keys(const std::vector<OpRecord>& ops) {
  std::multiset<OpKey> keys;
  for (const auto& op : ops)
    keys.emplace(op.device, op.inference, op.task_name, static_cast<int>(op.kind),
                 static_cast<int>(op.side), to_string(op.precision), op.bytes);
  return keys;
}

} // namespace

TEST_CASE("real backend: a split runs the same ops as the closed-form backend, paced exactly") {
  Setup s(kChain, "split");
  LocalServer server;
  auto plan = s.split({"b", "c"});
  plan.uplink_precision.assign(s.graph.size(), Precision::fp32());
  plan.uplink_precision[index_of(s.task("a"))] = Precision::int8(); // a goes up quantized
  const BytesPerSecond up = 2e6, down = 1e6;

  Collect analytic_ops;
  AnalyticBackend analytic({up}, {down});
  Runtime(s.runtime_setup(plan, 4, 20), analytic, {&analytic_ops}).run();

  Collect real_ops;
  RealBackend backend(s.graph, s.backend_options(server.server.port(), up, down));
  const auto stats = Runtime(s.runtime_setup(plan, 4, 20), backend, {&real_ops}).run();
  CHECK(stats.inferences == 4);
  CHECK(op_keys(real_ops.ops) == op_keys(analytic_ops.ops));
  REQUIRE(real_ops.inferences.size() == 4);
  for (const auto& r : real_ops.inferences)
    CHECK_FALSE(r.fallback);

  // Transfers take bytes / rate on the backend's clock (a's 40 kB at int8, 10008 B, at 2 MB/s;
  // c's 1000 B at 1 MB/s), unless the real path (encode, TCP, decode, thread wake-ups) took
  // longer, which a loaded machine can make happen for a small tensor.
  int exact = 0, transfers = 0;
  for (const auto& op : real_ops.ops) {
    if (op.kind != OpRecord::Kind::transfer)
      continue;
    const double rate = op.direction == Direction::uplink ? up : down;
    const double paced = static_cast<double>(op.bytes) / rate;
    const double took = op.end_s - op.start_s;
    CAPTURE(op.task_name);
    CHECK(took >= paced * (1 - 1e-9));
    CHECK(took <= paced + 0.05);
    ++transfers;
    exact += took <= paced * (1 + 1e-9);
  }
  MESSAGE(fmt::format("{} of {} transfers took exactly bytes / rate", exact, transfers));
  CHECK(exact >= transfers / 2);
  // Real compute takes at least the measured time the opaque layer waits.
  for (const auto& op : real_ops.ops)
    if (op.kind == OpRecord::Kind::compute && op.task_name == "a")
      CHECK(op.end_s - op.start_s >= 0.004);
  const auto lag = backend.lag();
  MESSAGE(fmt::format(
      "{} events, runtime learned of them {:.3f} ms late on average, {:.3f} ms at worst",
      lag.events, lag.mean_s() * 1e3, lag.max_s * 1e3));
  CHECK(lag.mean_s() < 0.01);
}

TEST_CASE("real backend: unpaced (the kernel shapes the link), the same ops run to the end") {
  Setup s(kChain, "unpaced");
  LocalServer server;
  const auto plan = s.split({"b", "c"});
  Collect analytic_ops;
  AnalyticBackend analytic({1e6}, {1e6});
  Runtime(s.runtime_setup(plan, 4, 20), analytic, {&analytic_ops}).run();

  auto o = s.backend_options(server.server.port(), 1e6, 1e6);
  o.pace = false; // uplinks complete when the server's TCP acknowledged them
  RealBackend backend(s.graph, o);
  Collect real_ops;
  const auto stats = Runtime(s.runtime_setup(plan, 4, 20), backend, {&real_ops}).run();
  CHECK(stats.inferences == 4);
  CHECK(op_keys(real_ops.ops) == op_keys(analytic_ops.ops));
}

TEST_CASE("real backend: pacing a 1 MB upload at 8 Mbit/s takes at least a second of wall time") {
  const char* json =
      R"({"format": "tandem-model/1", "name": "up", "input_bytes": 1000000,
    "layers": [{"name": "a", "inputs": ["input"], "output_bytes": 4, "device_ms": 1,
                "server_ms": 1}]})";
  Setup s(json, "pacing");
  LocalServer server;
  RealBackend backend(s.graph, s.backend_options(server.server.port(), 1e6, 1e6));
  Collect ops;
  const auto wall_start = std::chrono::steady_clock::now();
  Runtime(s.runtime_setup(s.split({"a"}), 1, 0), backend, {&ops}).run();
  const double wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  double upload = 0;
  for (const auto& op : ops.ops)
    if (op.kind == OpRecord::Kind::transfer && op.direction == Direction::uplink)
      upload = op.end_s - op.start_s;
  MESSAGE(fmt::format("1 MB at 1 MB/s: recorded {:.6f} s, wall for the whole inference {:.4f} s",
                      upload, wall));
  CHECK(upload == doctest::Approx(1.0).epsilon(1e-9));
  // A lower bound only: the pacer must never deliver faster than the trace; how much slower a
  // loaded machine makes the whole inference is not the pacer's correctness.
  CHECK(wall >= 1.0);
}

TEST_CASE("real backend: two devices share one server pool") {
  Setup s(kChain, "two");
  LocalServer server(2);
  {
    RealBackend backend(s.graph, s.backend_options(server.server.port(), 5e6, 5e6, 2));
    Collect ops;
    auto setup = s.runtime_setup(s.split({"a", "b", "c"}), 3, 30, 2);
    setup.server_workers = 2;
    const auto stats = Runtime(setup, backend, {&ops}).run();
    CHECK(stats.inferences == 6);
    std::set<int> devices;
    for (const auto& r : ops.inferences)
      devices.insert(r.device);
    CHECK(devices == std::set<int>{0, 1});
    CHECK(server.server.connections() == 2);
  }
  // The devices said bye: the server dropped both connections and their state.
  for (int i = 0; i < 200 && server.server.connections() > 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  CHECK(server.server.connections() == 0);
}

TEST_CASE("real backend: the server rejects garbage and oversized frames and keeps serving") {
  Setup s(kChain, "faults");
  LocalServer server(2);
  const auto port = server.server.port();
  std::atomic<bool> stop = false;
  std::atomic<int> rejected = 0;
  std::vector<std::string> errors;
  std::mutex errors_mutex;
  // Attackers: connect, misbehave, read the server's error, see the connection closed.
  auto attack = [&](std::vector<std::uint8_t> bytes) {
    asio::io_context context;
    asio::ip::tcp::socket socket(context);
    socket.connect({asio::ip::make_address("127.0.0.1"), port});
    asio::write(socket, asio::buffer(bytes));
    std::vector<std::uint8_t> reply(1 << 16);
    boost::system::error_code ec;
    std::size_t got = 0;
    for (;;) { // read until the server closes
      const auto n = socket.read_some(asio::buffer(reply.data() + got, reply.size() - got), ec);
      got += n;
      if (ec)
        break;
    }
    CHECK(ec == asio::error::eof);
    if (got < wire::kHeaderBytes)
      return;
    const auto header = wire::parse_header(std::span(reply).first(wire::kHeaderBytes), 1 << 16);
    CHECK(header.type == wire::MessageType::error);
    const auto message = wire::decode_payload(
        header.type, std::span(reply).subspan(wire::kHeaderBytes, header.payload_bytes));
    std::lock_guard lock(errors_mutex);
    errors.push_back(std::get<wire::Error>(message).message);
    ++rejected;
  };
  std::thread attacker([&] {
    const std::string http = "GET / HTTP/1.1\r\n\r\n";
    while (!stop) {
      attack(std::vector<std::uint8_t>(http.begin(), http.end()));
      // A valid header announcing 4 GiB.
      auto huge = wire::encode_frame(wire::Forget{1});
      huge[8] = huge[9] = huge[10] = huge[11] = 0xFF;
      attack(huge);
      // A tensor before any hello.
      attack(wire::encode_frame(wire::Tensor{0, 1, 1, Precision::fp32(), {1, 2, 3, 4}}));
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  });
  Collect ops;
  {
    RealBackend backend(s.graph, s.backend_options(port, 5e6, 5e6));
    const auto stats = Runtime(s.runtime_setup(s.split({"b", "c"}), 10, 30), backend, {&ops}).run();
    CHECK(stats.inferences == 10);
  }
  stop = true;
  attacker.join();
  CHECK(rejected >= 3);
  CHECK(std::any_of(errors.begin(), errors.end(),
                    [](auto& e) { return e.find("bad magic") != std::string::npos; }));
  CHECK(std::any_of(errors.begin(), errors.end(), [](auto& e) {
    return e.find("4294967295 bytes exceeds the 65536-byte limit") != std::string::npos;
  }));
  CHECK(std::any_of(errors.begin(), errors.end(), [](auto& e) {
    return e.find("before the server was ready") != std::string::npos;
  }));
  for (const auto& r : ops.inferences)
    CHECK_FALSE(r.fallback);
  // Each rejected connection was logged with its reason; the good device's was not an error.
  const auto log = server.log_lines();
  CHECK(std::count_if(log.begin(), log.end(), [](auto& l) {
          return l.find("closed: protocol error: bad magic") != std::string::npos;
        }) >= 1);
  CHECK(std::none_of(log.begin(), log.end(), [&](auto& l) {
    return l.find(fmt::format("'{}'", s.path)) != std::string::npos;
  }));
}

TEST_CASE("real backend: a device with an oversized tensor after hello is cut off alone") {
  Setup s(kChain, "oversized");
  LocalServer server;
  // A hand-made device: hello, then a tensor larger than any the model has.
  asio::io_context context;
  asio::ip::tcp::socket socket(context);
  socket.connect({asio::ip::make_address("127.0.0.1"), server.server.port()});
  asio::write(socket, asio::buffer(wire::encode_frame(wire::Hello{s.path, 1, 1, 1, 0, 9})));
  std::vector<std::uint8_t> header(wire::kHeaderBytes);
  asio::read(socket, asio::buffer(header));
  auto ready = wire::parse_header(header, 1 << 16);
  REQUIRE(ready.type == wire::MessageType::ready);
  std::vector<std::uint8_t> payload(ready.payload_bytes);
  asio::read(socket, asio::buffer(payload));
  CHECK(std::get<wire::Ready>(wire::decode_payload(ready.type, payload)).fingerprint ==
        wire::model_fingerprint(s.model));
  const auto limit = wire::max_payload_for(s.model);
  auto frame = wire::encode_frame(wire::Tensor{0, 1, 1, Precision::fp32(), {}});
  const std::uint32_t too_big = limit + 1;
  for (int i = 0; i < 4; ++i)
    frame[8 + static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(too_big >> (8 * i));
  asio::write(socket, asio::buffer(frame));
  // Meanwhile a real device runs fine.
  RealBackend backend(s.graph, s.backend_options(server.server.port(), 5e6, 5e6));
  Collect ops;
  CHECK(Runtime(s.runtime_setup(s.split({"c"}), 3, 30), backend, {&ops}).run().inferences == 3);
  asio::read(socket, asio::buffer(header));
  const auto error = wire::parse_header(header, 1 << 16);
  REQUIRE(error.type == wire::MessageType::error);
  payload.resize(error.payload_bytes);
  asio::read(socket, asio::buffer(payload));
  CHECK(std::get<wire::Error>(wire::decode_payload(error.type, payload)).message ==
        fmt::format("protocol error: a tensor message of {} bytes exceeds the {}-byte limit",
                    too_big, limit));
  boost::system::error_code ec;
  asio::read(socket, asio::buffer(header), ec);
  CHECK(ec == asio::error::eof);
}

TEST_CASE("real backend: a wrong tensor size or an unknown task closes that connection") {
  Setup s(kChain, "badtensor");
  LocalServer server;
  // A hand-made device: hello, wait for ready, then one bad message; returns the server's error.
  auto exchange = [&](const wire::Message& bad) {
    asio::io_context context;
    asio::ip::tcp::socket socket(context);
    socket.connect({asio::ip::make_address("127.0.0.1"), server.server.port()});
    auto receive = [&] {
      std::vector<std::uint8_t> header(wire::kHeaderBytes);
      asio::read(socket, asio::buffer(header));
      const auto h = wire::parse_header(header, 1 << 20);
      std::vector<std::uint8_t> payload(h.payload_bytes);
      asio::read(socket, asio::buffer(payload));
      return wire::decode_payload(h.type, payload);
    };
    asio::write(socket, asio::buffer(wire::encode_frame(wire::Hello{s.path, 1, 1, 1, 0, 0})));
    CHECK(std::holds_alternative<wire::Ready>(receive()));
    asio::write(socket, asio::buffer(wire::encode_frame(bad)));
    const auto reply = receive();
    return std::holds_alternative<wire::Error>(reply) ? std::get<wire::Error>(reply).message
                                                      : std::string("no error");
  };
  CHECK(exchange(wire::Tensor{0, 1, 1, Precision::fp32(), std::vector<std::uint8_t>(10)}) ==
        "protocol error: tensor of task 'a' at fp32: 10 data bytes, expected 40000");
  CHECK(exchange(wire::Compute{1, 1, 99, 0}) ==
        "protocol error: a compute message names task 99, but the model has 4");
  CHECK(exchange(wire::Compute{1, 1, 2, 0}) ==
        "compute of 'b' for inference 1: its input 'a' is not on the server");
}

// Each test case is its own process, so this one's oneDNN has not created a primitive before the
// cap (the in-process server builds its model only when the device says hello).
TEST_CASE("real backend: the emulation knobs reach the device's executor, oneDNN and threads") {
  Setup s(kChain, "emulation");
  LocalServer server;
  auto o = s.backend_options(server.server.port(), 1e6, 1e6);
  const int cpu = allowed_cpus().back();
  o.device_isa = "sse41";
  o.device_slowdown = 3;
  o.device_cpus = {cpu};
  RealBackend backend(s.graph, o);
  const auto e = backend.emulation(0);
  CHECK(e.cpu_isa == "sse41");
  CHECK(e.slowdown == 3);
  CHECK(e.threads == 1);
  CHECK(e.cpus == std::vector<int>{cpu});
}

TEST_CASE("real backend: too few CPUs to pin every device's threads is a BackendError") {
  Setup s(kChain, "fewcpus");
  LocalServer server;
  auto o = s.backend_options(server.server.port(), 1e6, 1e6, 2);
  o.device_threads = 2;
  o.device_cpus = {0, 1};
  try {
    RealBackend backend(s.graph, o);
    FAIL("expected a BackendError");
  } catch (const BackendError& e) {
    CHECK(std::string(e.what()) ==
          "real backend: 2 devices of 2 threads need 4 CPUs to be pinned to, got 2 (0-1)");
  }
}

TEST_CASE("real backend: a server that refuses the model is a BackendError naming it") {
  Setup s(kChain, "refused");
  LocalServer server;
  auto o = s.backend_options(server.server.port(), 1e6, 1e6);
  o.model = "no-such-model";
  try {
    RealBackend backend(s.graph, o);
    FAIL("expected a BackendError");
  } catch (const BackendError& e) {
    CHECK(std::string(e.what()).find("cannot set up model 'no-such-model'") != std::string::npos);
  }
  o.port = 1; // nothing listens there
  CHECK_THROWS_AS(RealBackend(s.graph, o), BackendError);
}

namespace {

// Stops the server after the n-th op: a server that dies mid-run.
struct KillAfter : RunObserver {
  KillAfter(Server& s, std::size_t n) : server(s), after(n) {}
  void on_op(const OpRecord&) override {
    if (++seen == after)
      server.stop();
  }
  Server& server;
  std::size_t after;
  std::size_t seen = 0;
};

} // namespace

TEST_CASE("real backend: a server lost mid-run: the device finishes the work (fallback = 1)") {
  Setup s(kChain, "fallback");
  LocalServer server;
  RealBackend backend(s.graph, s.backend_options(server.server.port(), 5e6, 5e6));
  Collect ops;
  KillAfter kill(server.server, 8); // during the second inference
  const auto stats =
      Runtime(s.runtime_setup(s.split({"b", "c"}), 5, 20), backend, {&ops, &kill}).run();
  CHECK(stats.inferences == 5);
  CHECK(backend.server_lost(0));
  REQUIRE(ops.inferences.size() == 5);
  CHECK_FALSE(ops.inferences.front().fallback);
  CHECK(ops.inferences.back().fallback);
  // The records say where work really ran: an inference that fell back computed c on the device
  // (or had it downloaded before the loss), and the last ones ran whole on the device.
  for (const auto& r : ops.inferences) {
    bool c_on_device = false;
    for (const auto& op : ops.ops)
      if (op.inference == r.inference && op.task_name == "c")
        c_on_device |= op.side == Side::device;
    CHECK(c_on_device);
  }
  for (const auto& op : ops.ops)
    if (op.inference == 4)
      CHECK((op.kind == OpRecord::Kind::compute && op.side == Side::device));
}

TEST_CASE("real backend: a server lost mid-run without fallback is a BackendError") {
  Setup s(kChain, "nofallback");
  LocalServer server;
  auto o = s.backend_options(server.server.port(), 5e6, 5e6);
  o.fallback_to_device = false;
  RealBackend backend(s.graph, o);
  KillAfter kill(server.server, 8);
  try {
    Runtime(s.runtime_setup(s.split({"b", "c"}), 5, 20), backend, {&kill}).run();
    FAIL("expected a BackendError");
  } catch (const BackendError& e) {
    CHECK(std::string(e.what()).find("device 0 lost the server") != std::string::npos);
  }
}

TEST_CASE("real work queue: run_on_each reaches every thread once, before later jobs") {
  WorkQueue queue(3);
  std::mutex m;
  std::set<std::thread::id> ids;
  std::atomic<int> later = 0;
  // Keep one thread busy for a while: run_on_each still gets a copy onto it (after that job).
  std::promise<void> release;
  auto released = release.get_future().share();
  queue.post([released] { released.wait(); });
  std::thread releaser([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    release.set_value();
  });
  CHECK(queue.run_on_each([&] {
    std::lock_guard lock(m);
    ids.insert(std::this_thread::get_id());
    CHECK(later == 0);
  }));
  releaser.join();
  CHECK(ids.size() == 3);
  for (int i = 0; i < 10; ++i)
    queue.post([&] { ++later; });
  queue.stop();
  CHECK_FALSE(queue.run_on_each([] {}));
}
