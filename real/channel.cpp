#include "real/channel.hpp"

#include <linux/sockios.h>
#include <sys/ioctl.h>

#include <algorithm>

#include <boost/asio/connect.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <fmt/format.h>

namespace tandem::real {

IoThread::IoThread()
    : guard_(asio::make_work_guard(context_)), thread_([this] { context_.run(); }) {}

IoThread::~IoThread() {
  stop();
}

void IoThread::stop() {
  guard_.reset();
  context_.stop();
  if (thread_.joinable())
    thread_.join();
}

namespace {

std::string describe(const asio::ip::tcp::socket& socket) {
  boost::system::error_code ec;
  const auto ep = socket.remote_endpoint(ec);
  return ec ? std::string("?") : fmt::format("{}:{}", ep.address().to_string(), ep.port());
}

} // namespace

Channel::Channel(asio::ip::tcp::socket socket, std::uint32_t max_payload)
    : socket_(std::move(socket)), linger_(socket_.get_executor()), peer_(describe(socket_)),
      max_payload_(max_payload), ack_timer_(socket_.get_executor()) {
  boost::system::error_code ec;
  socket_.set_option(asio::ip::tcp::no_delay(true), ec); // control messages are small
}

std::shared_ptr<Channel> Channel::create(asio::ip::tcp::socket socket, std::uint32_t max_payload) {
  return std::shared_ptr<Channel>(new Channel(std::move(socket), max_payload));
}

std::shared_ptr<Channel> Channel::connect(asio::io_context& context, const std::string& host,
                                          std::uint16_t port, std::uint32_t max_payload) {
  asio::ip::tcp::socket socket(context);
  boost::system::error_code ec;
  asio::ip::tcp::resolver resolver(context);
  const auto endpoints = resolver.resolve(host, std::to_string(port), ec);
  if (!ec)
    asio::connect(socket, endpoints, ec);
  if (ec)
    throw BackendError(
        fmt::format("cannot connect to the server at {}:{}: {}", host, port, ec.message()));
  return create(std::move(socket), max_payload);
}

void Channel::start(MessageHandler on_message, CloseHandler on_close) {
  on_message_ = std::move(on_message);
  on_close_ = std::move(on_close);
  asio::post(socket_.get_executor(), [self = shared_from_this()] {
    if (!self->closed_ && !self->reading_stopped_)
      self->read_header();
  });
}

// Every read handler starts here: true when the handler must stop (closed, or no longer reading
// messages: then an error ends the close, data is discarded while draining).
bool Channel::read_done(const boost::system::error_code& ec) {
  read_pending_ = false;
  if (closed_)
    return true;
  if (!reading_stopped_)
    return false;
  if (ec)
    do_close(closing_reason_);
  else if (draining_)
    drain_more();
  return true;
}

void Channel::read_header() {
  read_pending_ = true;
  asio::async_read(socket_, asio::buffer(header_),
                   [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
                     if (self->read_done(ec))
                       return;
                     if (ec) {
                       self->do_close(ec == asio::error::eof
                                          ? std::string("the peer closed the connection")
                                          : fmt::format("read failed: {}", ec.message()));
                       return;
                     }
                     wire::Header header;
                     try {
                       header = wire::parse_header(self->header_, self->max_payload_);
                     } catch (const std::exception& e) {
                       self->fail(fmt::format("protocol error: {}", e.what()));
                       return;
                     }
                     self->read_payload(header);
                   });
}

void Channel::read_payload(wire::Header header) {
  payload_.resize(header.payload_bytes);
  read_pending_ = true;
  asio::async_read(
      socket_, asio::buffer(payload_),
      [self = shared_from_this(), header](boost::system::error_code ec, std::size_t) {
        if (self->read_done(ec))
          return;
        if (ec) {
          self->do_close(ec == asio::error::eof
                             ? fmt::format("the peer closed the connection inside a {} message",
                                           wire::to_string(header.type))
                             : fmt::format("read failed: {}", ec.message()));
          return;
        }
        wire::Message message;
        try {
          message = wire::decode_payload(header.type, self->payload_);
        } catch (const std::exception& e) {
          self->fail(fmt::format("protocol error: {}", e.what()));
          return;
        }
        if (self->payload_.capacity() > wire::kHandshakeMaxPayload)
          std::vector<std::uint8_t>().swap(self->payload_); // do not keep a large buffer around
        try {
          self->on_message_(std::move(message));
        } catch (const wire::ProtocolError& e) {
          self->fail(fmt::format("protocol error: {}", e.what()));
          return;
        } catch (const std::exception& e) {
          self->fail(e.what());
          return;
        }
        if (!self->closed_ && !self->reading_stopped_)
          self->read_header();
      });
}

void Channel::send(const wire::Message& message, Written written) {
  send_frame(wire::encode_frame(message), std::move(written));
}

void Channel::send_frame(std::vector<std::uint8_t> frame, Written written) {
  asio::post(socket_.get_executor(), [self = shared_from_this(), frame = std::move(frame),
                                      written = std::move(written)]() mutable {
    if (self->closed_ || self->reading_stopped_) {
      if (written)
        written(false);
      return;
    }
    self->queue_.push_back(Outgoing{std::move(frame), std::move(written)});
    if (!self->writing_)
      self->write_next();
  });
}

void Channel::write_next() {
  if (queue_.empty() || closed_) {
    writing_ = false;
    return;
  }
  writing_ = true;
  asio::async_write(socket_, asio::buffer(queue_.front().frame),
                    [self = shared_from_this()](boost::system::error_code ec, std::size_t n) {
                      if (self->queue_.empty())
                        return; // closed meanwhile; do_close reported the frames
                      auto done = std::move(self->queue_.front());
                      self->queue_.pop_front();
                      self->bytes_written_ += n;
                      if (done.written && !ec && self->when_acked_)
                        self->wait_for_ack(std::move(done.written));
                      else if (done.written)
                        done.written(!ec);
                      if (ec) {
                        self->do_close(fmt::format("write failed: {}", ec.message()));
                        return;
                      }
                      self->write_next();
                    });
}

void Channel::close_after_frame(std::vector<std::uint8_t> frame, std::string reason) {
  asio::post(socket_.get_executor(), [self = shared_from_this(), frame = std::move(frame),
                                      reason = std::move(reason)]() mutable {
    if (self->closed_ || self->reading_stopped_)
      return;
    self->reading_stopped_ = true; // nothing more is handled or queued
    self->closing_reason_ = reason;
    self->queue_.push_back(Outgoing{std::move(frame), [self, reason](bool ok) {
                                      if (ok)
                                        self->drain();
                                      else
                                        self->do_close(reason);
                                    }});
    if (!self->writing_)
      self->write_next();
    // A peer that does not read must not keep the connection open.
    self->linger_.expires_after(std::chrono::seconds(1));
    self->linger_.async_wait([self, reason](boost::system::error_code ec) {
      if (!ec)
        self->do_close(reason);
    });
  });
}

// After our last frame: send FIN and discard what the peer still sends until it closes too, so the
// close is orderly (closing with unread bytes would reset the connection, and the peer could lose
// the frame). The linger timer bounds the wait.
void Channel::drain() {
  if (closed_)
    return;
  draining_ = true;
  boost::system::error_code ec;
  socket_.shutdown(asio::ip::tcp::socket::shutdown_send, ec);
  if (!read_pending_)
    drain_more();
}

void Channel::drain_more() {
  read_pending_ = true;
  socket_.async_read_some(asio::buffer(scratch_),
                          [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
                            self->read_done(ec);
                          });
}

void Channel::fail(std::string reason) {
  auto frame = wire::encode_frame(wire::Error{reason.substr(0, wire::kMaxStringBytes)});
  close_after_frame(std::move(frame), std::move(reason));
}

void Channel::say_goodbye(std::string reason) {
  close_after_frame(wire::encode_frame(wire::Bye{}), std::move(reason));
}

void Channel::close(std::string reason) {
  asio::post(socket_.get_executor(),
             [self = shared_from_this(), reason = std::move(reason)] { self->do_close(reason); });
}

void Channel::set_written_when_acked(bool on) {
  when_acked_ = on;
}

void Channel::wait_for_ack(Written written) {
  unacked_.emplace_back(bytes_written_, std::move(written));
  if (unacked_.size() == 1)
    poll_acks();
}

void Channel::poll_acks() {
  if (closed_)
    return;
  int outstanding = 0; // bytes in the send queue: not sent yet, or sent and not acknowledged
  if (::ioctl(socket_.native_handle(), SIOCOUTQ, &outstanding) != 0)
    outstanding = 0; // cannot tell: take TCP's word that it has the bytes
  const auto acked = bytes_written_ - static_cast<std::uint64_t>(std::max(outstanding, 0));
  while (!unacked_.empty() && unacked_.front().first <= acked) {
    auto written = std::move(unacked_.front().second);
    unacked_.pop_front();
    written(true);
  }
  if (unacked_.empty())
    return;
  ack_timer_.expires_after(std::chrono::microseconds(500));
  ack_timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
    if (!ec)
      self->poll_acks();
  });
}

void Channel::do_close(const std::string& reason) {
  if (closed_.exchange(true))
    return;
  boost::system::error_code ec;
  linger_.cancel();
  ack_timer_.cancel();
  auto unacked = std::move(unacked_);
  unacked_.clear();
  for (auto& entry : unacked)
    entry.second(false);
  socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ec);
  socket_.close(ec);
  auto queue = std::move(queue_);
  queue_.clear();
  for (auto& o : queue)
    if (o.written)
      o.written(false);
  if (on_close_) {
    auto handler = std::move(on_close_);
    on_close_ = nullptr;
    on_message_ = nullptr; // break reference cycles through captured owners
    handler(reason);
  }
}

} // namespace tandem::real
