#pragma once
// A framed message channel over one TCP connection (Boost.Asio), used by both ends of the real
// backend. Every socket operation runs on one io_context thread (IoThread); the public calls are
// thread-safe and only post work to it. Reading never stops while the channel is open: each
// complete message goes to the message handler (on the io thread), so a long computation on the
// other side never blocks a reply. Writes are queued and go out in the order they were sent.
//
// A frame whose header is wrong (magic, version, type) or announces more than the channel's current
// payload limit is rejected before its payload is read; the channel then sends an error message
// and closes (orderly: FIN after the error, the peer's remaining bytes discarded, at most a
// second). A malformed payload, or an exception from the message handler, does the same; a
// handler's wire::ProtocolError reads "protocol error: ..." like the channel's own.
#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include "real/wire.hpp"

namespace tandem::real {

namespace asio = boost::asio;

// An io_context running on its own thread until stop() or destruction.
class IoThread {
public:
  IoThread();
  ~IoThread();
  IoThread(const IoThread&) = delete;
  IoThread& operator=(const IoThread&) = delete;
  asio::io_context& context() { return context_; }
  // Stops the loop and joins the thread (safe to call twice; not from the io thread itself).
  void stop();

private:
  asio::io_context context_;
  asio::executor_work_guard<asio::io_context::executor_type> guard_;
  std::thread thread_;
};

class Channel : public std::enable_shared_from_this<Channel> {
public:
  using MessageHandler = std::function<void(wire::Message&&)>;
  // Called once, on the io thread, when the channel closes for any reason (peer gone, protocol
  // error, close()); `reason` says which.
  using CloseHandler = std::function<void(const std::string& reason)>;
  // Called on the io thread once a frame was handed to TCP (true) or will never be (false).
  using Written = std::function<void(bool ok)>;

  static std::shared_ptr<Channel> create(asio::ip::tcp::socket socket, std::uint32_t max_payload);
  // Blocking connect; throws BackendError naming the address when it fails.
  static std::shared_ptr<Channel> connect(asio::io_context& context, const std::string& host,
                                          std::uint16_t port, std::uint32_t max_payload);

  // Starts reading. Handlers run on the io thread.
  void start(MessageHandler on_message, CloseHandler on_close);
  // Queues a message (encoded on the caller's thread).
  void send(const wire::Message& message, Written written = {});
  void send_frame(std::vector<std::uint8_t> frame, Written written = {});
  // From now on, a frame's Written(true) waits until the peer's TCP acknowledged its last byte
  // rather than until TCP took it: the sender's buffer would otherwise hide a link the kernel
  // shapes (link.shaper = "tc"). Polled every half millisecond on the io thread.
  void set_written_when_acked(bool on);
  // The largest payload accepted from now on.
  void set_max_payload(std::uint32_t bytes) { max_payload_ = bytes; }
  // Sends an error message carrying `reason`, then closes (after at most a second).
  void fail(std::string reason);
  // Sends bye, then closes.
  void say_goodbye(std::string reason);
  // Closes now; queued frames are dropped (their Written gets false).
  void close(std::string reason);
  bool closed() const { return closed_; }
  const std::string& peer() const { return peer_; }

private:
  Channel(asio::ip::tcp::socket socket, std::uint32_t max_payload);
  struct Outgoing {
    std::vector<std::uint8_t> frame;
    Written written;
  };
  void read_header();
  void read_payload(wire::Header header);
  void write_next();
  void close_after_frame(std::vector<std::uint8_t> frame, std::string reason);
  bool read_done(const boost::system::error_code& ec);
  void drain();
  void drain_more();
  void do_close(const std::string& reason);
  void wait_for_ack(Written written);
  void poll_acks();

  asio::ip::tcp::socket socket_;
  asio::steady_timer linger_;
  std::string peer_;
  std::atomic<std::uint32_t> max_payload_;
  std::atomic<bool> closed_ = false;
  bool reading_stopped_ = false; // after fail() or say_goodbye(): messages are not handled
  bool read_pending_ = false;
  bool draining_ = false;
  std::string closing_reason_;
  std::uint8_t scratch_[4096] = {};
  bool writing_ = false;
  std::deque<Outgoing> queue_;
  std::atomic<bool> when_acked_ = false;
  std::uint64_t bytes_written_ = 0;                       // handed to TCP, in all
  std::deque<std::pair<std::uint64_t, Written>> unacked_; // (bytes_written_ after it, callback)
  asio::steady_timer ack_timer_;
  std::uint8_t header_[wire::kHeaderBytes] = {};
  std::vector<std::uint8_t> payload_;
  MessageHandler on_message_;
  CloseHandler on_close_;
};

} // namespace tandem::real
