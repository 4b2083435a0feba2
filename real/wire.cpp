#include "real/wire.hpp"

#include <algorithm>
#include <bit>
#include <concepts>
#include <limits>
#include <type_traits>
#include <utility>

#include <fmt/format.h>

namespace tandem::real::wire {
namespace {

// --- little-endian writer and bounds-checked reader ---------------------------------------------

// Fixed-width numbers on the wire: every integer width a message uses, and doubles as u64 bits.
template <class T>
concept WireNumber = std::same_as<T, std::uint8_t> || std::same_as<T, std::uint16_t> ||
    std::same_as<T, std::uint32_t> || std::same_as<T, std::uint64_t> ||
    std::same_as<T, std::int32_t> || std::same_as<T, double>;

// How a reader's errors name a field of this width.
template <class T> constexpr const char* width_name() {
  switch (sizeof(T)) {
  case 1:
    return "u8";
  case 2:
    return "u16";
  case 4:
    return "u32";
  default:
    return "u64";
  }
}

// The Writer and the Reader offer the same calls (num, str, precision, rest), so each message's
// fields are listed once, in `fields` below, and serve both directions.
class Writer {
public:
  explicit Writer(std::vector<std::uint8_t>& out) : out_(out) {}
  template <WireNumber T> void num(T v) {
    if constexpr (std::is_floating_point_v<T>)
      put(std::bit_cast<std::uint64_t>(v), 8);
    else
      put(static_cast<std::make_unsigned_t<T>>(v), sizeof(T));
  }
  void str(const std::string& s, const char* /*field*/) {
    if (s.size() > kMaxStringBytes)
      throw ProtocolError(
          fmt::format("a string of {} bytes exceeds the {}-byte limit", s.size(), kMaxStringBytes));
    num(static_cast<std::uint32_t>(s.size()));
    out_.insert(out_.end(), s.begin(), s.end());
  }
  void precision(Precision p) {
    num(static_cast<std::uint8_t>(p.format()));
    num(static_cast<std::uint8_t>(p.bits()));
  }
  // The rest of the payload: raw bytes, no length (the frame header has it).
  void rest(const std::vector<std::uint8_t>& b) { out_.insert(out_.end(), b.begin(), b.end()); }

private:
  void put(std::uint64_t v, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i)
      out_.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
  }
  std::vector<std::uint8_t>& out_;
};

class Reader {
public:
  Reader(std::span<const std::uint8_t> in, MessageType type) : in_(in), type_(type) {}
  template <WireNumber T> void num(T& v) {
    const auto bits = get(sizeof(T), width_name<T>());
    if constexpr (std::is_floating_point_v<T>)
      v = std::bit_cast<T>(bits);
    else
      v = static_cast<T>(static_cast<std::make_unsigned_t<T>>(bits));
  }
  void str(std::string& s, const char* field) {
    std::uint32_t n = 0;
    num(n);
    if (n > kMaxStringBytes)
      fail(fmt::format("{}: a string of {} bytes exceeds the {}-byte limit", field, n,
                       kMaxStringBytes));
    need(n, field);
    s.assign(reinterpret_cast<const char*>(in_.data() + pos_), n);
    pos_ += n;
  }
  void precision(Precision& p) {
    std::uint8_t format = 0, bits = 0;
    num(format);
    num(bits);
    switch (format) {
    case static_cast<std::uint8_t>(Precision::Format::fp32):
      if (bits == 32)
        return void(p = Precision::fp32());
      break;
    case static_cast<std::uint8_t>(Precision::Format::fp16):
      if (bits == 16)
        return void(p = Precision::fp16());
      break;
    case static_cast<std::uint8_t>(Precision::Format::uniform):
      if (bits >= 1 && bits <= 16)
        return void(p = Precision::uniform(bits));
      break;
    default:
      break;
    }
    fail(fmt::format("invalid precision (format {}, {} bits)", format, bits));
  }
  void rest(std::vector<std::uint8_t>& v) {
    v.assign(in_.begin() + static_cast<std::ptrdiff_t>(pos_), in_.end());
    pos_ = in_.size();
  }
  void finish() const {
    if (pos_ != in_.size())
      fail(fmt::format("{} bytes left over after the last field", in_.size() - pos_));
  }
  [[noreturn]] void fail(const std::string& what) const {
    throw ProtocolError(fmt::format("malformed {} message: {}", to_string(type_), what));
  }

private:
  void need(std::size_t n, const char* what) const {
    if (in_.size() - pos_ < n)
      fail(fmt::format("payload ends inside a {} at byte {} of {}", what, pos_, in_.size()));
  }
  std::uint64_t get(std::size_t n, const char* what) {
    need(n, what);
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < n; ++i)
      v |= static_cast<std::uint64_t>(in_[pos_ + i]) << (8 * i);
    pos_ += n;
    return v;
  }
  std::span<const std::uint8_t> in_;
  MessageType type_;
  std::size_t pos_ = 0;
};

// Each message's fields in wire order, written once for both directions: `io` is a Writer (and
// `m` const) or a Reader (and `m` filled in).
template <class T, class M>
concept Is = std::same_as<std::remove_const_t<T>, M>;

void fields(auto& io, Is<Hello> auto& m) {
  io.str(m.model, "model");
  io.num(m.batch);
  io.num(m.seq_len);
  io.num(m.weight_seed);
  io.num(m.threads);
  io.num(m.device);
}
void fields(auto& io, Is<Ready> auto& m) {
  io.str(m.model_name, "model_name");
  io.num(m.layers);
  io.num(m.fingerprint);
}
void fields(auto& io, Is<Tensor> auto& m) {
  io.num(m.tag);
  io.num(m.inference);
  io.num(m.task);
  io.precision(m.precision);
  io.rest(m.data);
}
void fields(auto& io, Is<Compute> auto& m) {
  io.num(m.tag);
  io.num(m.inference);
  io.num(m.task);
  io.num(m.worker);
}
void fields(auto& io, Is<ComputeDone> auto& m) {
  io.num(m.tag);
  io.num(m.inference);
  io.num(m.task);
  io.num(m.compute_s);
}
void fields(auto& io, Is<Fetch> auto& m) {
  io.num(m.tag);
  io.num(m.inference);
  io.num(m.task);
  io.precision(m.precision);
}
void fields(auto& io, Is<Forget> auto& m) {
  io.num(m.inference);
}
void fields(auto& io, Is<Error> auto& m) {
  io.str(m.message, "message");
}
void fields(auto&, Is<Bye> auto&) {}

// Reads a message of the variant's alternative I (type number I + 1).
template <std::size_t I> Message read_message(Reader& r) {
  std::variant_alternative_t<I, Message> m;
  fields(r, m);
  return m;
}

template <std::size_t... I>
Message read_any(std::size_t index, Reader& r, std::index_sequence<I...>) {
  using Read = Message (*)(Reader&);
  static constexpr Read readers[] = {&read_message<I>...};
  return readers[index](r);
}

std::size_t payload_hint(const Message& m) {
  if (const auto* t = std::get_if<Tensor>(&m))
    return kTensorFieldBytes + t->data.size();
  return 64;
}

} // namespace

MessageType type_of(const Message& message) {
  return static_cast<MessageType>(message.index() + 1); // variant order == type numbers
}

std::string_view to_string(MessageType type) {
  switch (type) {
  case MessageType::hello:
    return "hello";
  case MessageType::ready:
    return "ready";
  case MessageType::tensor:
    return "tensor";
  case MessageType::compute:
    return "compute";
  case MessageType::compute_done:
    return "compute_done";
  case MessageType::fetch:
    return "fetch";
  case MessageType::forget:
    return "forget";
  case MessageType::error:
    return "error";
  case MessageType::bye:
    return "bye";
  }
  return "unknown";
}

Header parse_header(std::span<const std::uint8_t> bytes, std::uint32_t max_payload) {
  if (bytes.size() != kHeaderBytes)
    throw ProtocolError(fmt::format("a header has {} bytes, not {}", kHeaderBytes, bytes.size()));
  auto le = [&](std::size_t at, int n) {
    std::uint64_t v = 0;
    for (int i = 0; i < n; ++i)
      v |= static_cast<std::uint64_t>(bytes[at + static_cast<std::size_t>(i)]) << (8 * i);
    return v;
  };
  const auto magic = static_cast<std::uint32_t>(le(0, 4));
  if (magic != kMagic)
    throw ProtocolError(
        fmt::format("bad magic 0x{:08x} (expected 0x{:08x}, \"TNDM\")", magic, kMagic));
  const auto version = static_cast<std::uint16_t>(le(4, 2));
  if (version != kVersion)
    throw ProtocolError(fmt::format("protocol version {} is not supported (this side speaks {})",
                                    version, kVersion));
  const auto type = static_cast<std::uint16_t>(le(6, 2));
  if (type < static_cast<std::uint16_t>(MessageType::hello) ||
      type > static_cast<std::uint16_t>(MessageType::bye))
    throw ProtocolError(fmt::format("unknown message type {}", type));
  const auto length = static_cast<std::uint32_t>(le(8, 4));
  if (length > max_payload)
    throw ProtocolError(fmt::format("a {} message of {} bytes exceeds the {}-byte limit",
                                    to_string(static_cast<MessageType>(type)), length,
                                    max_payload));
  return Header{static_cast<MessageType>(type), length};
}

std::vector<std::uint8_t> encode_frame(const Message& message) {
  std::vector<std::uint8_t> out;
  out.reserve(kHeaderBytes + payload_hint(message));
  Writer w(out);
  w.num(kMagic);
  w.num(kVersion);
  w.num(static_cast<std::uint16_t>(type_of(message)));
  w.num(std::uint32_t{0}); // patched below
  std::visit([&](const auto& m) { fields(w, m); }, message);
  const auto payload = out.size() - kHeaderBytes;
  if (payload > std::numeric_limits<std::uint32_t>::max())
    throw ProtocolError(fmt::format("a {} message of {} bytes is too large for a frame",
                                    to_string(type_of(message)), payload));
  for (int i = 0; i < 4; ++i)
    out[8 + static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(payload >> (8 * i));
  return out;
}

Message decode_payload(MessageType type, std::span<const std::uint8_t> payload) {
  Reader r(payload, type);
  const auto number = static_cast<std::size_t>(type);
  if (number < 1 || number > std::variant_size_v<Message>)
    r.fail("unknown type");
  auto m = read_any(number - 1, r, std::make_index_sequence<std::variant_size_v<Message>>{});
  if (const auto* h = std::get_if<Hello>(&m)) {
    if (h->model.empty())
      r.fail("empty model name");
    if (h->batch < 1 || h->seq_len < 1 || h->threads < 0)
      r.fail(fmt::format("batch {}, seq_len {}, threads {} out of range", h->batch, h->seq_len,
                         h->threads));
  }
  r.finish();
  return m;
}

std::uint32_t max_payload_for(const Model& model) {
  std::uint64_t largest = 0;
  for (const auto& l : model.layers()) {
    // fp32 is the largest precision except for tiny tensors, where a quantized tensor's header
    // dominates; round shapeless sizes up to whole fp32 elements.
    const std::uint64_t fp32 = (l.output_bytes_fp32 + 3) / 4 * 4;
    largest = std::max(largest, fp32 + kQuantizationHeaderBytes);
  }
  const std::uint64_t limit = largest + kTensorFieldBytes;
  return static_cast<std::uint32_t>(std::clamp<std::uint64_t>(
      limit, kHandshakeMaxPayload, std::numeric_limits<std::uint32_t>::max()));
}

std::uint64_t model_fingerprint(const Model& model) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  auto byte = [&](std::uint8_t b) {
    h ^= b;
    h *= 0x100000001b3ULL;
  };
  auto number = [&](std::uint64_t v) { // little-endian, whatever the host
    for (int i = 0; i < 8; ++i)
      byte(static_cast<std::uint8_t>(v >> (8 * i)));
  };
  for (const auto& l : model.layers()) {
    number(l.name.size());
    for (char c : l.name)
      byte(static_cast<std::uint8_t>(c));
    number(static_cast<std::uint64_t>(l.kind()));
    number(l.output_bytes_fp32);
    for (auto in : l.inputs)
      number(index_of(in));
  }
  return h;
}

TensorShape transfer_shape(const TaskGraph& graph, TaskId task) {
  const auto& t = graph.task(task);
  const auto& layer = graph.model().layer(t.layer);
  if (t.tiles != 1)
    throw BackendError(fmt::format("task '{}' is a tile; the real backend sends whole layers",
                                   graph.task_name(task)));
  if (layer.output_shape.rank() > 0)
    return layer.output_shape;
  // As the executor makes it (executor.cpp shape_or_flat): whole fp32 values of the stated size.
  return TensorShape{{static_cast<std::int64_t>(layer.output_bytes_fp32 / 4)}};
}

Bytes tensor_payload_bytes(const TaskGraph& graph, TaskId task, Precision p) {
  return tensor_bytes(transfer_shape(graph, task).elements(), p);
}

} // namespace tandem::real::wire
