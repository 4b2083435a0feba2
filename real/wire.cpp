#include "real/wire.hpp"

#include <algorithm>
#include <bit>
#include <limits>

#include <fmt/format.h>

namespace tandem::real::wire {
namespace {

// --- little-endian writer and bounds-checked reader ---------------------------------------------

class Writer {
public:
  explicit Writer(std::vector<std::uint8_t>& out) : out_(out) {}
  void u8(std::uint8_t v) { out_.push_back(v); }
  void u16(std::uint16_t v) { put(v, 2); }
  void u32(std::uint32_t v) { put(v, 4); }
  void u64(std::uint64_t v) { put(v, 8); }
  void i32(std::int32_t v) { u32(static_cast<std::uint32_t>(v)); }
  void f64(double v) { u64(std::bit_cast<std::uint64_t>(v)); }
  void str(const std::string& s) {
    if (s.size() > kMaxStringBytes)
      throw ProtocolError(
          fmt::format("a string of {} bytes exceeds the {}-byte limit", s.size(), kMaxStringBytes));
    u32(static_cast<std::uint32_t>(s.size()));
    out_.insert(out_.end(), s.begin(), s.end());
  }
  void precision(Precision p) {
    u8(static_cast<std::uint8_t>(p.format()));
    u8(static_cast<std::uint8_t>(p.bits()));
  }
  void bytes(std::span<const std::uint8_t> b) { out_.insert(out_.end(), b.begin(), b.end()); }

private:
  void put(std::uint64_t v, int n) {
    for (int i = 0; i < n; ++i)
      out_.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
  }
  std::vector<std::uint8_t>& out_;
};

class Reader {
public:
  Reader(std::span<const std::uint8_t> in, MessageType type) : in_(in), type_(type) {}
  std::uint8_t u8() { return static_cast<std::uint8_t>(get(1, "u8")); }
  std::uint16_t u16() { return static_cast<std::uint16_t>(get(2, "u16")); }
  std::uint32_t u32() { return static_cast<std::uint32_t>(get(4, "u32")); }
  std::uint64_t u64() { return get(8, "u64"); }
  std::int32_t i32() { return static_cast<std::int32_t>(u32()); }
  double f64() { return std::bit_cast<double>(u64()); }
  std::string str(const char* field) {
    const auto n = u32();
    if (n > kMaxStringBytes)
      fail(fmt::format("{}: a string of {} bytes exceeds the {}-byte limit", field, n,
                       kMaxStringBytes));
    need(n, field);
    std::string s(reinterpret_cast<const char*>(in_.data() + pos_), n);
    pos_ += n;
    return s;
  }
  Precision precision() {
    const auto format = u8();
    const auto bits = u8();
    switch (format) {
    case static_cast<std::uint8_t>(Precision::Format::fp32):
      if (bits == 32)
        return Precision::fp32();
      break;
    case static_cast<std::uint8_t>(Precision::Format::fp16):
      if (bits == 16)
        return Precision::fp16();
      break;
    case static_cast<std::uint8_t>(Precision::Format::uniform):
      if (bits >= 1 && bits <= 16)
        return Precision::uniform(bits);
      break;
    default:
      break;
    }
    fail(fmt::format("invalid precision (format {}, {} bits)", format, bits));
  }
  std::vector<std::uint8_t> rest() {
    std::vector<std::uint8_t> v(in_.begin() + static_cast<std::ptrdiff_t>(pos_), in_.end());
    pos_ = in_.size();
    return v;
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
  std::uint64_t get(int n, const char* what) {
    need(static_cast<std::size_t>(n), what);
    std::uint64_t v = 0;
    for (int i = 0; i < n; ++i)
      v |= static_cast<std::uint64_t>(in_[pos_ + static_cast<std::size_t>(i)]) << (8 * i);
    pos_ += static_cast<std::size_t>(n);
    return v;
  }
  std::span<const std::uint8_t> in_;
  MessageType type_;
  std::size_t pos_ = 0;
};

void write_payload(Writer& w, const Hello& m) {
  w.str(m.model);
  w.i32(m.batch);
  w.i32(m.seq_len);
  w.u64(m.weight_seed);
  w.i32(m.threads);
  w.i32(m.device);
}
void write_payload(Writer& w, const Ready& m) {
  w.str(m.model_name);
  w.u32(m.layers);
  w.u64(m.fingerprint);
}
void write_payload(Writer& w, const Tensor& m) {
  w.u64(m.tag);
  w.u64(m.inference);
  w.u32(m.task);
  w.precision(m.precision);
  w.bytes(m.data);
}
void write_payload(Writer& w, const Compute& m) {
  w.u64(m.tag);
  w.u64(m.inference);
  w.u32(m.task);
  w.u32(m.worker);
}
void write_payload(Writer& w, const ComputeDone& m) {
  w.u64(m.tag);
  w.u64(m.inference);
  w.u32(m.task);
  w.f64(m.compute_s);
}
void write_payload(Writer& w, const Fetch& m) {
  w.u64(m.tag);
  w.u64(m.inference);
  w.u32(m.task);
  w.precision(m.precision);
}
void write_payload(Writer& w, const Forget& m) {
  w.u64(m.inference);
}
void write_payload(Writer& w, const Error& m) {
  w.str(m.message);
}
void write_payload(Writer&, const Bye&) {}

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
  w.u32(kMagic);
  w.u16(kVersion);
  w.u16(static_cast<std::uint16_t>(type_of(message)));
  w.u32(0); // patched below
  std::visit([&](const auto& m) { write_payload(w, m); }, message);
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
  Message m;
  switch (type) {
  case MessageType::hello: {
    Hello h;
    h.model = r.str("model");
    h.batch = r.i32();
    h.seq_len = r.i32();
    h.weight_seed = r.u64();
    h.threads = r.i32();
    h.device = r.i32();
    if (h.model.empty())
      r.fail("empty model name");
    if (h.batch < 1 || h.seq_len < 1 || h.threads < 0)
      r.fail(fmt::format("batch {}, seq_len {}, threads {} out of range", h.batch, h.seq_len,
                         h.threads));
    m = std::move(h);
    break;
  }
  case MessageType::ready: {
    Ready rd;
    rd.model_name = r.str("model_name");
    rd.layers = r.u32();
    rd.fingerprint = r.u64();
    m = std::move(rd);
    break;
  }
  case MessageType::tensor: {
    Tensor t;
    t.tag = r.u64();
    t.inference = r.u64();
    t.task = r.u32();
    t.precision = r.precision();
    t.data = r.rest();
    m = std::move(t);
    break;
  }
  case MessageType::compute: {
    Compute c;
    c.tag = r.u64();
    c.inference = r.u64();
    c.task = r.u32();
    c.worker = r.u32();
    m = c;
    break;
  }
  case MessageType::compute_done: {
    ComputeDone d;
    d.tag = r.u64();
    d.inference = r.u64();
    d.task = r.u32();
    d.compute_s = r.f64();
    m = d;
    break;
  }
  case MessageType::fetch: {
    Fetch f;
    f.tag = r.u64();
    f.inference = r.u64();
    f.task = r.u32();
    f.precision = r.precision();
    m = f;
    break;
  }
  case MessageType::forget:
    m = Forget{r.u64()};
    break;
  case MessageType::error:
    m = Error{r.str("message")};
    break;
  case MessageType::bye:
    m = Bye{};
    break;
  default:
    r.fail("unknown type");
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
