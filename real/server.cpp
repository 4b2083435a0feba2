#include "real/server.hpp"

#include <chrono>
#include <iostream>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include <boost/asio/post.hpp>
#include <fmt/format.h>

#include "core/model_source.hpp"
#include "core/runtime/task_graph.hpp"
#include "real/channel.hpp"
#include "real/executor.hpp"
#include "real/quantize.hpp"
#include "real/work_queue.hpp"

namespace tandem::real {
namespace {

using Key = std::pair<std::uint64_t, std::uint32_t>; // (inference, task)

// A tensor as it arrived (encoded, decoded on first use by a worker) or as computed here.
struct Stored {
  std::shared_ptr<const Tensor> tensor;
  std::shared_ptr<const wire::Tensor> encoded;
};

struct Session {
  int id = 0;
  std::shared_ptr<Channel> channel;
  bool hello_seen = false; // io thread only
  std::atomic<bool> ready = false;
  std::atomic<bool> closed = false;
  int device = 0;
  // Set once by the set-up job before `ready`; read-only afterwards.
  std::unique_ptr<Model> model;
  std::unique_ptr<TaskGraph> graph;
  std::unique_ptr<Executor> executor;
  // Executor::run may be called from several workers at once (runs of one layer serialize inside
  // it), so a device's independent branches use the pool in parallel.
  std::mutex store_mutex;
  std::map<Key, Stored> store;
};

using SessionPtr = std::shared_ptr<Session>;

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

} // namespace

void warm_up(Executor& executor) {
  const auto& model = executor.model();
  std::vector<std::optional<Tensor>> out(model.size());
  for (auto id : model.topological_order()) {
    const auto& layer = model.layer(id);
    auto& slot = out[index_of(id)];
    if (layer.kind() == OpKind::input) {
      slot = executor.make_input(0);
    } else if (layer.kind() == OpKind::opaque) {
      const auto elements = layer.output_shape.rank() > 0
                                ? layer.output_shape.elements()
                                : static_cast<std::int64_t>(layer.output_bytes_fp32 / 4);
      slot = Tensor{layer.output_shape, std::vector<float>(static_cast<std::size_t>(elements))};
    } else {
      std::vector<const Tensor*> operands;
      for (auto in : layer.inputs)
        operands.push_back(&*out[index_of(in)]);
      slot = executor.run(id, operands);
    }
  }
}

struct Server::Impl {
  ServerOptions options;
  asio::io_context context;
  asio::ip::tcp::acceptor acceptor{context};
  WorkQueue pool;
  WorkQueue setup{1}; // model builds, apart from the pool and the io thread
  WorkQueue codec{1}; // encoding fetched tensors
  mutable std::mutex sessions_mutex;
  std::set<SessionPtr> sessions;
  std::mutex log_mutex;
  int next_id = 1;

  explicit Impl(ServerOptions o) : options(std::move(o)), pool(std::max(1, options.workers)) {
    if (!options.log)
      options.log = [](const std::string& line) { std::cerr << "tandem serve: " << line << '\n'; };
  }

  void log(const std::string& line) {
    std::lock_guard lock(log_mutex);
    options.log(line);
  }

  void listen() {
    boost::system::error_code ec;
    const auto address = asio::ip::make_address(options.host, ec);
    if (ec)
      throw BackendError(fmt::format("serve: '{}' is not an IP address", options.host));
    const asio::ip::tcp::endpoint endpoint(address, options.port);
    acceptor.open(endpoint.protocol(), ec);
    if (!ec)
      acceptor.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec)
      acceptor.bind(endpoint, ec);
    if (!ec)
      acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec)
      throw BackendError(fmt::format("serve: cannot listen on {}:{}: {}", options.host,
                                     options.port, ec.message()));
  }

  void accept() {
    // Handlers hold `this`: they only run inside context, which dies with this Impl.
    acceptor.async_accept([this](boost::system::error_code ec, asio::ip::tcp::socket socket) {
      if (!acceptor.is_open())
        return;
      if (ec)
        log(fmt::format("accept failed: {}", ec.message()));
      else
        open(std::move(socket));
      accept();
    });
  }

  void open(asio::ip::tcp::socket socket) {
    auto session = std::make_shared<Session>();
    session->id = next_id++;
    session->channel = Channel::create(std::move(socket), wire::kHandshakeMaxPayload);
    {
      std::lock_guard lock(sessions_mutex);
      sessions.insert(session);
    }
    if (options.verbose)
      log(fmt::format("connection {} from {}", session->id, session->channel->peer()));
    // The closures hold the session until the channel closes (it drops them then).
    session->channel->start(
        [this, session](wire::Message&& m) { on_message(session, std::move(m)); },
        [this, session](const std::string& reason) { on_close(session, reason); });
  }

  void on_close(const SessionPtr& s, const std::string& reason) {
    s->closed = true;
    {
      std::lock_guard lock(sessions_mutex);
      sessions.erase(s);
    }
    std::lock_guard lock(s->store_mutex);
    s->store.clear();
    const bool normal = reason == "the device said bye" || reason == "server stopping";
    if (!normal || options.verbose)
      log(fmt::format("connection {} ({}, device {}) closed: {}", s->id, s->channel->peer(),
                      s->device, reason));
  }

  // --- messages, on the io thread ----------------------------------------------------------------

  void on_message(const SessionPtr& s, wire::Message&& message) {
    const auto type = wire::type_of(message);
    if (auto* hello = std::get_if<wire::Hello>(&message))
      return on_hello(s, std::move(*hello));
    if (std::holds_alternative<wire::Bye>(message))
      return s->channel->close("the device said bye");
    if (auto* error = std::get_if<wire::Error>(&message))
      return s->channel->close(fmt::format("the device reported: {}", error->message));
    if (!s->ready)
      throw wire::ProtocolError(
          fmt::format("a {} message before the server was ready (send hello and wait for ready)",
                      wire::to_string(type)));
    if (auto* t = std::get_if<wire::Tensor>(&message))
      return on_tensor(s, std::move(*t));
    if (auto* c = std::get_if<wire::Compute>(&message))
      return on_compute(s, *c);
    if (auto* f = std::get_if<wire::Fetch>(&message))
      return on_fetch(s, *f);
    if (auto* f = std::get_if<wire::Forget>(&message)) {
      std::lock_guard lock(s->store_mutex);
      auto it = s->store.lower_bound(Key{f->inference, 0});
      while (it != s->store.end() && it->first.first == f->inference)
        it = s->store.erase(it);
      return;
    }
    throw wire::ProtocolError(
        fmt::format("a {} message is never sent by a device", wire::to_string(type)));
  }

  void on_hello(const SessionPtr& s, wire::Hello hello) {
    if (s->hello_seen)
      throw wire::ProtocolError("a second hello on one connection");
    s->hello_seen = true;
    s->device = hello.device;
    const int default_threads =
        options.threads > 0 ? options.threads
                            : std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
    setup.post([s, hello = std::move(hello), default_threads, this] {
      if (s->closed)
        return;
      try {
        const auto start = std::chrono::steady_clock::now();
        ZooParams params;
        params.batch = hello.batch;
        params.seq_len = hello.seq_len;
        s->model = std::make_unique<Model>(
            load_model(hello.model, params, SourceLocation{"hello from the device", 0, 0}));
        s->graph = std::make_unique<TaskGraph>(TaskGraph::per_layer(*s->model));
        ExecutorOptions eo;
        eo.threads = hello.threads > 0 ? hello.threads : default_threads;
        eo.weight_seed = hello.weight_seed;
        eo.side = Side::server;
        s->executor = std::make_unique<Executor>(*s->model, eo);
        // On the threads that will compute: oneDNN's first run on a thread is slow.
        std::exception_ptr warm_up_error;
        std::mutex error_mutex;
        const bool warmed = pool.run_on_each([&] {
          try {
            warm_up(*s->executor);
          } catch (...) {
            std::lock_guard lock(error_mutex);
            warm_up_error = std::current_exception();
          }
        });
        if (!warmed)
          return; // the server is stopping
        if (warm_up_error)
          std::rethrow_exception(warm_up_error);
        s->channel->set_max_payload(wire::max_payload_for(*s->model));
        s->ready = true;
        s->channel->send(wire::Ready{s->model->name(), static_cast<std::uint32_t>(s->model->size()),
                                     wire::model_fingerprint(*s->model)});
        if (options.verbose)
          log(fmt::format(
              "connection {}: device {} runs {} ({} layers, {} threads), ready in {:.2f} s", s->id,
              hello.device, s->model->name(), s->model->size(), eo.threads, seconds_since(start)));
      } catch (const std::exception& e) {
        s->channel->fail(fmt::format("cannot set up model '{}': {}", hello.model, e.what()));
      }
    });
  }

  TaskId checked_task(const SessionPtr& s, std::uint32_t task, wire::MessageType type) const {
    if (task >= s->graph->size())
      throw wire::ProtocolError(fmt::format("a {} message names task {}, but the model has {}",
                                            wire::to_string(type), task, s->graph->size()));
    return task_id(task);
  }

  void on_tensor(const SessionPtr& s, wire::Tensor t) {
    const auto task = checked_task(s, t.task, wire::MessageType::tensor);
    const auto expected = wire::tensor_payload_bytes(*s->graph, task, t.precision);
    if (t.data.size() != expected)
      throw wire::ProtocolError(fmt::format("tensor of task '{}' at {}: {} data bytes, expected {}",
                                            s->graph->task_name(task), to_string(t.precision),
                                            t.data.size(), expected));
    const Key key{t.inference, t.task};
    std::lock_guard lock(s->store_mutex);
    s->store[key] = Stored{nullptr, std::make_shared<const wire::Tensor>(std::move(t))};
  }

  void on_compute(const SessionPtr& s, const wire::Compute& c) {
    const auto task = checked_task(s, c.task, wire::MessageType::compute);
    if (s->graph->task(task).is_input)
      throw wire::ProtocolError("a compute request for the model input");
    pool.post([this, s, c, task] { compute(s, c, task); });
  }

  void on_fetch(const SessionPtr& s, const wire::Fetch& f) {
    const auto task = checked_task(s, f.task, wire::MessageType::fetch);
    auto job = [this, s, f, task] {
      if (s->closed)
        return;
      try {
        const auto tensor = tensor_of(s, Key{f.inference, f.task}, task);
        if (!tensor)
          return s->channel->fail(fmt::format("fetch of '{}' for inference {}: not on the server",
                                              s->graph->task_name(task), f.inference));
        wire::Tensor reply{f.tag, f.inference, f.task, f.precision, encode(*tensor, f.precision)};
        s->channel->send(reply);
      } catch (const std::exception& e) {
        s->channel->fail(fmt::format("fetch of '{}' for inference {} failed: {}",
                                     s->graph->task_name(task), f.inference, e.what()));
      }
    };
    if (wire::tensor_payload_bytes(*s->graph, task, f.precision) <= wire::kInlineCodecBytes)
      job();
    else
      codec.post(std::move(job));
  }

  // --- work, off the io thread -------------------------------------------------------------------

  // The tensor under `key`, decoded (and kept decoded) if it arrived encoded; null if absent.
  std::shared_ptr<const Tensor> tensor_of(const SessionPtr& s, Key key, TaskId task) {
    std::shared_ptr<const wire::Tensor> encoded;
    {
      std::lock_guard lock(s->store_mutex);
      auto it = s->store.find(key);
      if (it == s->store.end())
        return nullptr;
      if (it->second.tensor)
        return it->second.tensor;
      encoded = it->second.encoded;
    }
    auto tensor = std::make_shared<const Tensor>(
        decode(encoded->data, encoded->precision, wire::transfer_shape(*s->graph, task)));
    std::lock_guard lock(s->store_mutex);
    auto it = s->store.find(key);
    if (it != s->store.end() && it->second.encoded == encoded)
      it->second = Stored{tensor, nullptr};
    return tensor;
  }

  void compute(const SessionPtr& s, const wire::Compute& c, TaskId task) {
    if (s->closed)
      return;
    const auto& graph = *s->graph;
    try {
      const auto& t = graph.task(task);
      std::vector<std::shared_ptr<const Tensor>> inputs;
      std::vector<const Tensor*> operands;
      for (auto in : t.inputs) {
        auto tensor = tensor_of(s, Key{c.inference, static_cast<std::uint32_t>(index_of(in))}, in);
        if (!tensor)
          return s->channel->fail(
              fmt::format("compute of '{}' for inference {}: its input '{}' is not on the server",
                          graph.task_name(task), c.inference, graph.task_name(in)));
        operands.push_back(tensor.get());
        inputs.push_back(std::move(tensor));
      }
      const auto start = std::chrono::steady_clock::now();
      auto out = std::make_shared<const Tensor>(s->executor->run(t.layer, operands));
      const double elapsed = seconds_since(start);
      {
        std::lock_guard lock(s->store_mutex);
        if (s->closed)
          return;
        s->store[Key{c.inference, c.task}] = Stored{std::move(out), nullptr};
      }
      s->channel->send(wire::ComputeDone{c.tag, c.inference, c.task, elapsed});
    } catch (const std::exception& e) {
      s->channel->fail(fmt::format("compute of '{}' for inference {} failed: {}",
                                   graph.task_name(task), c.inference, e.what()));
    }
  }

  void close_all(const std::string& reason) {
    boost::system::error_code ec;
    acceptor.close(ec);
    std::set<SessionPtr> open;
    {
      std::lock_guard lock(sessions_mutex);
      open = sessions;
    }
    for (const auto& s : open)
      s->channel->close(reason);
  }

  void stop() {
    asio::post(context, [this] {
      close_all("server stopping");
      asio::post(context, [this] { context.stop(); }); // after the closes ran
    });
  }
};

Server::Server(ServerOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {
  impl_->listen();
  impl_->accept();
}

Server::~Server() {
  // No job may touch a session from here on; then close everything and let the io_context run the
  // closes, so no socket outlives it. run() must have returned (stop() and join first).
  impl_->pool.stop();
  impl_->setup.stop();
  impl_->codec.stop();
  impl_->close_all("server stopping");
  impl_->context.restart();
  impl_->context.poll();
}

std::uint16_t Server::port() const {
  return impl_->acceptor.local_endpoint().port();
}

void Server::run() {
  impl_->context.run();
}

void Server::stop() {
  impl_->stop();
}

std::size_t Server::connections() const {
  std::lock_guard lock(impl_->sessions_mutex);
  return impl_->sessions.size();
}

} // namespace tandem::real
