// The real backend's transport: the wire format (round trips, exact little-endian bytes, every way
// a header or payload can be wrong), the link shaper's finish times, and Channel over loopback TCP
// (messages both ways, a tensor-sized frame, an oversized length and garbage closing the channel).
#include <doctest/doctest.h>

#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>

#include "core/model_json.hpp"
#include "real/channel.hpp"
#include "real/token_bucket.hpp"
#include "real/wire.hpp"

using namespace tandem;
using namespace tandem::real;

namespace {

wire::Message round_trip(const wire::Message& m, std::uint32_t max_payload = 1u << 30) {
  const auto frame = wire::encode_frame(m);
  const auto header = wire::parse_header(std::span(frame).first(wire::kHeaderBytes), max_payload);
  CHECK(header.type == wire::type_of(m));
  CHECK(header.payload_bytes == frame.size() - wire::kHeaderBytes);
  return wire::decode_payload(header.type, std::span(frame).subspan(wire::kHeaderBytes));
}

std::vector<std::uint8_t> header_bytes(std::uint32_t magic, std::uint16_t version,
                                       std::uint16_t type, std::uint32_t length) {
  std::vector<std::uint8_t> h;
  for (int i = 0; i < 4; ++i)
    h.push_back(static_cast<std::uint8_t>(magic >> (8 * i)));
  for (int i = 0; i < 2; ++i)
    h.push_back(static_cast<std::uint8_t>(version >> (8 * i)));
  for (int i = 0; i < 2; ++i)
    h.push_back(static_cast<std::uint8_t>(type >> (8 * i)));
  for (int i = 0; i < 4; ++i)
    h.push_back(static_cast<std::uint8_t>(length >> (8 * i)));
  return h;
}

std::string header_error(const std::vector<std::uint8_t>& h, std::uint32_t max_payload = 1000) {
  try {
    wire::parse_header(h, max_payload);
  } catch (const wire::ProtocolError& e) {
    return e.what();
  }
  return "";
}

std::string payload_error(wire::MessageType type, const std::vector<std::uint8_t>& payload) {
  try {
    wire::decode_payload(type, payload);
  } catch (const wire::ProtocolError& e) {
    return e.what();
  }
  return "";
}

} // namespace

TEST_CASE("real wire: every message survives a round trip") {
  const std::vector<wire::Message> messages{
      wire::Hello{"../models/tiny.json", 2, 64, 42, 3, 7},
      wire::Ready{"tiny", 3, 0x0123456789abcdefULL},
      wire::Tensor{9, 5, 2, Precision::uniform(4), {1, 2, 3, 255, 0}},
      wire::Tensor{0, 1ULL << 40, 7, Precision::fp16(), {}},
      wire::Compute{11, 5, 2, 1},
      wire::ComputeDone{11, 5, 2, 0.0125},
      wire::Fetch{12, 5, 3, Precision::int8()},
      wire::Forget{5},
      wire::Error{"something broke"},
      wire::Bye{},
  };
  for (const auto& m : messages) {
    CAPTURE(wire::to_string(wire::type_of(m)));
    CHECK(round_trip(m) == m);
  }
}

TEST_CASE("real wire: frames are little-endian with the documented layout") {
  const auto frame = wire::encode_frame(wire::Forget{0x0102030405060708ULL});
  const std::vector<std::uint8_t> expected{
      'T', 'N', 'D', 'M', 1, 0, 7, 0, 8, 0, 0, 0, // magic, version 1, type 7, 8 payload bytes
      8,   7,   6,   5,   4, 3, 2, 1};            // the inference, least significant byte first
  CHECK(frame == expected);
  const auto tensor = wire::encode_frame(wire::Tensor{1, 2, 3, Precision::uniform(4), {0xAA}});
  REQUIRE(tensor.size() == wire::kHeaderBytes + wire::kTensorFieldBytes + 1);
  CHECK(tensor[wire::kHeaderBytes + 20] == static_cast<std::uint8_t>(Precision::Format::uniform));
  CHECK(tensor[wire::kHeaderBytes + 21] == 4);
  CHECK(tensor.back() == 0xAA);
}

TEST_CASE("real wire: a bad header names what is wrong") {
  const auto ok = header_bytes(wire::kMagic, wire::kVersion, 3, 1000);
  CHECK(header_error(ok) == "");
  CHECK(header_error(header_bytes(0x50545448, 1, 3, 10)).find("bad magic 0x50545448") !=
        std::string::npos);
  CHECK(header_error(header_bytes(wire::kMagic, 2, 3, 10)).find("version 2 is not supported") !=
        std::string::npos);
  CHECK(header_error(header_bytes(wire::kMagic, 1, 0, 10)).find("unknown message type 0") !=
        std::string::npos);
  CHECK(header_error(header_bytes(wire::kMagic, 1, 99, 10)).find("unknown message type 99") !=
        std::string::npos);
  CHECK(header_error(header_bytes(wire::kMagic, 1, 3, 1001)) ==
        "a tensor message of 1001 bytes exceeds the 1000-byte limit");
  CHECK(header_error(header_bytes(wire::kMagic, 1, 3, 0xFFFFFFFFu)).find("exceeds") !=
        std::string::npos);
}

TEST_CASE("real wire: a malformed payload is a ProtocolError, never a crash") {
  auto payload_of = [](const wire::Message& m) {
    auto f = wire::encode_frame(m);
    return std::vector<std::uint8_t>(f.begin() + wire::kHeaderBytes, f.end());
  };
  // Truncated at every length.
  const auto compute = payload_of(wire::Compute{1, 2, 3, 4});
  for (std::size_t n = 0; n < compute.size(); ++n) {
    CAPTURE(n);
    CHECK(payload_error(wire::MessageType::compute,
                        std::vector<std::uint8_t>(compute.begin(), compute.begin() + n))
              .find("payload ends inside") != std::string::npos);
  }
  // Bytes left over.
  auto longer = compute;
  longer.push_back(0);
  CHECK(payload_error(wire::MessageType::compute, longer) ==
        "malformed compute message: 1 bytes left over after the last field");
  CHECK(payload_error(wire::MessageType::bye, {0}).find("left over") != std::string::npos);
  // A precision that does not exist.
  auto fetch = payload_of(wire::Fetch{1, 2, 3, Precision::fp16()});
  fetch[20] = 1;  // fp16 format...
  fetch[21] = 32; // ...with 32 bits
  CHECK(payload_error(wire::MessageType::fetch, fetch).find("invalid precision") !=
        std::string::npos);
  fetch[20] = 2;
  fetch[21] = 17;
  CHECK(payload_error(wire::MessageType::fetch, fetch).find("invalid precision") !=
        std::string::npos);
  // A string length beyond the limit, and one beyond the payload.
  auto error = payload_of(wire::Error{"abc"});
  error[0] = 0xFF;
  error[1] = 0xFF;
  CHECK(payload_error(wire::MessageType::error, error).find("exceeds the 4096-byte limit") !=
        std::string::npos);
  error[0] = 10;
  error[1] = 0;
  CHECK(payload_error(wire::MessageType::error, error).find("payload ends inside") !=
        std::string::npos);
  // Hello values out of range.
  CHECK(payload_error(wire::MessageType::hello, payload_of(wire::Hello{"m", 0, 1, 1, 0, 0}))
            .find("out of range") != std::string::npos);
  CHECK(payload_error(wire::MessageType::hello, payload_of(wire::Hello{"", 1, 1, 1, 0, 0}))
            .find("empty model name") != std::string::npos);
  CHECK_THROWS_AS(wire::encode_frame(wire::Error{std::string(5000, 'x')}), wire::ProtocolError);
}

TEST_CASE("real wire: payload limits and shapes follow the model") {
  const auto model = parse_model_json(R"({"format": "tandem-model/1", "name": "m",
    "input_bytes": 1000000, "layers": [
    {"name": "a", "inputs": ["input"], "output_bytes": 4000001, "device_ms": 1, "server_ms": 1},
    {"name": "b", "inputs": ["a"], "output_bytes": 8, "device_ms": 1, "server_ms": 1}]})",
                                      "m.json");
  const auto graph = TaskGraph::per_layer(model);
  // The largest tensor, rounded up to whole fp32 elements, + the quantization header + fields.
  CHECK(wire::max_payload_for(model) ==
        4000004 + kQuantizationHeaderBytes + wire::kTensorFieldBytes);
  const auto a = task_id(index_of(*model.find("a")));
  CHECK(wire::transfer_shape(graph, a) == TensorShape{{1000000}}); // whole floats, as executed
  CHECK(wire::tensor_payload_bytes(graph, a, Precision::fp32()) == 4000000);
  CHECK(wire::tensor_payload_bytes(graph, a, Precision::int8()) == 1000000 + 8);
  CHECK(wire::model_fingerprint(model) == wire::model_fingerprint(model));
  const auto other = parse_model_json(R"({"format": "tandem-model/1", "name": "m",
    "input_bytes": 1000000, "layers": [
    {"name": "a", "inputs": ["input"], "output_bytes": 4000001, "device_ms": 1, "server_ms": 1},
    {"name": "b", "inputs": ["a"], "output_bytes": 12, "device_ms": 1, "server_ms": 1}]})",
                                      "m.json");
  CHECK(wire::model_fingerprint(model) != wire::model_fingerprint(other));
}

TEST_CASE("real shaper: finish times replay the trace, transfers queue FIFO") {
  TokenBucket constant(BandwidthTrace::constant(1e6)); // 1 MB/s
  CHECK(constant.finish_time(2.0, 500000) == doctest::Approx(2.5));
  CHECK(constant.finish_time(2.0, 0) == 2.0);
  CHECK(constant.reserve(1.0, 1000000) == doctest::Approx(2.0));
  // Started before the link is free: it waits for the previous transfer.
  CHECK(constant.reserve(1.5, 1000000) == doctest::Approx(3.0));
  CHECK(constant.reserve(10.0, 250000) == doctest::Approx(10.25));
  // 1 MB/s for a second, then nothing for a second, then 2 MB/s, looping every 3 s.
  TokenBucket steps(BandwidthTrace({{0, 1e6}, {1, 0}, {2, 2e6}}, 3, true, "test"));
  CHECK(steps.finish_time(0.5, 1000000) == doctest::Approx(2.25));
  CHECK(steps.finish_time(0, 1000000) == doctest::Approx(1.0));
  CHECK(steps.finish_time(2.5, 2000000) == doctest::Approx(4.0)); // 1 MB by 3, 1 MB in the loop
  BackendClock clock;
  const auto t = clock.now();
  CHECK(t >= 0);
  CHECK(t < 1);
  CHECK(clock.at(1.0) - clock.at(0.0) == std::chrono::seconds(1));
}

namespace {

// Both ends of one loopback TCP connection, each a Channel on a shared io thread.
struct Loopback {
  IoThread io;
  std::shared_ptr<Channel> server, client;
  std::mutex mutex;
  std::condition_variable cv;
  std::vector<wire::Message> at_server, at_client;
  std::string server_closed, client_closed;

  explicit Loopback(std::uint32_t server_limit = wire::kHandshakeMaxPayload,
                    bool client_channel = true) {
    asio::ip::tcp::acceptor acceptor(io.context(), {asio::ip::make_address("127.0.0.1"), 0});
    auto accepted = std::async(std::launch::async, [&] { return acceptor.accept(); });
    if (client_channel)
      client =
          Channel::connect(io.context(), "127.0.0.1", acceptor.local_endpoint().port(), 1u << 30);
    else
      raw.connect(acceptor.local_endpoint());
    server = Channel::create(accepted.get(), server_limit);
    server->start([this](wire::Message&& m) { add(at_server, std::move(m)); },
                  [this](const std::string& r) { closed(server_closed, r); });
    if (client)
      client->start([this](wire::Message&& m) { add(at_client, std::move(m)); },
                    [this](const std::string& r) { closed(client_closed, r); });
  }
  ~Loopback() {
    if (client)
      client->close("test over");
    server->close("test over");
    wait([&] { return !server_closed.empty() && (!client || !client_closed.empty()); });
    io.stop();
  }
  void add(std::vector<wire::Message>& to, wire::Message&& m) {
    std::lock_guard lock(mutex);
    to.push_back(std::move(m));
    cv.notify_all();
  }
  void closed(std::string& to, const std::string& reason) {
    std::lock_guard lock(mutex);
    to = reason;
    cv.notify_all();
  }
  template <class Pred> bool wait(Pred pred) {
    std::unique_lock lock(mutex);
    return cv.wait_for(lock, std::chrono::seconds(10), pred);
  }

  asio::ip::tcp::socket raw{io.context()};
};

} // namespace

TEST_CASE("real channel: messages both ways, in order, a large tensor included") {
  Loopback link(64u << 20);
  std::vector<std::uint8_t> big(20u << 20);
  for (std::size_t i = 0; i < big.size(); ++i)
    big[i] = static_cast<std::uint8_t>(i * 7);
  std::promise<bool> written;
  link.client->send(wire::Hello{"tiny", 1, 1, 1, 0, 0});
  link.client->send(wire::Tensor{0, 1, 2, Precision::fp32(), big},
                    [&](bool ok) { written.set_value(ok); });
  link.client->send(wire::Compute{3, 1, 2, 0});
  link.server->send(wire::Ready{"tiny", 2, 5});
  REQUIRE(link.wait([&] { return link.at_server.size() == 3 && link.at_client.size() == 1; }));
  CHECK(written.get_future().get());
  CHECK(std::get<wire::Hello>(link.at_server[0]).model == "tiny");
  CHECK(std::get<wire::Tensor>(link.at_server[1]).data == big);
  CHECK(std::get<wire::Compute>(link.at_server[2]).tag == 3);
  CHECK(std::get<wire::Ready>(link.at_client[0]).fingerprint == 5);
  CHECK(link.server_closed.empty());
}

TEST_CASE("real channel: an oversized length closes the channel before its payload is read") {
  Loopback link(1000);
  link.client->send(wire::Tensor{0, 1, 2, Precision::fp32(), std::vector<std::uint8_t>(2000)});
  REQUIRE(link.wait([&] { return !link.server_closed.empty() && !link.client_closed.empty(); }));
  CHECK(link.server_closed == "protocol error: a tensor message of 2022 bytes exceeds the "
                              "1000-byte limit");
  // The client heard why before the close.
  REQUIRE(link.at_client.size() == 1);
  CHECK(std::get<wire::Error>(link.at_client[0]).message == link.server_closed);
  CHECK(link.at_server.empty());
}

TEST_CASE("real channel: garbage bytes close the channel with the reason") {
  Loopback link(wire::kHandshakeMaxPayload, false);
  const std::string garbage = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
  asio::write(link.raw, asio::buffer(garbage));
  REQUIRE(link.wait([&] { return !link.server_closed.empty(); }));
  CHECK(link.server_closed.find("protocol error: bad magic") == 0);
  CHECK(link.at_server.empty());
}

TEST_CASE("real channel: a peer that goes away is reported, pending writes fail") {
  Loopback link;
  link.client->close("client gone");
  REQUIRE(link.wait([&] { return !link.server_closed.empty(); }));
  CHECK(link.server_closed == "the peer closed the connection");
  CHECK(link.client_closed == "client gone");
  std::promise<bool> written;
  link.client->send(wire::Bye{}, [&](bool ok) { written.set_value(ok); });
  CHECK_FALSE(written.get_future().get());
}
