#pragma once
// The device <-> server protocol of the real backend: framed, versioned, little-endian messages.
//
// Frame: a 12-byte header, then `payload_bytes` of payload.
//   offset 0  u32  magic    0x4D444E54 (the bytes "TNDM")
//   offset 4  u16  version  kVersion; a peer speaking another version is refused
//   offset 6  u16  type     MessageType
//   offset 8  u32  payload_bytes, at most the receiver's current limit (checked before reading it)
// Payload fields are fixed-width little-endian integers, IEEE-754 doubles (as their u64 bits),
// strings as u32 length + bytes (at most kMaxStringBytes), precisions as u8 format + u8 bits.
// Every field is read with bounds checks; a payload with bytes left over is malformed too.
//
// Conversation (one TCP connection per device; the server answers in the order it finishes work):
//   device: hello                 server: ready (model built) | error
//   device: tensor (uplink)       stored under (inference, task)
//   device: compute               server: compute_done (tag echoed) | error
//   device: fetch (downlink)      server: tensor (tag echoed), encoded at the asked precision
//   device: forget                server frees every tensor of that inference
//   either: bye                   a polite close; error: the reason before a close
#include <cstdint>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "core/error.hpp"
#include "core/model.hpp"
#include "core/precision.hpp"
#include "core/runtime/task_graph.hpp"

namespace tandem::real::wire {

inline constexpr std::uint32_t kMagic = 0x4D444E54; // "TNDM" on the wire
inline constexpr std::uint16_t kVersion = 1;
inline constexpr std::size_t kHeaderBytes = 12;
// The limit before a hello set up a model: control messages only.
inline constexpr std::uint32_t kHandshakeMaxPayload = 64 * 1024;
inline constexpr std::uint32_t kMaxStringBytes = 4096;
// Tensors up to this many bytes are encoded and decoded on the thread that holds them; larger ones
// on a codec thread, so a big tensor never holds up the io thread. Each hand-off between threads
// costs a scheduler wake-up, which on a busy machine can be milliseconds.
inline constexpr std::size_t kInlineCodecBytes = 256 * 1024;
// Fixed fields of a tensor message before its data.
inline constexpr std::uint32_t kTensorFieldBytes = 8 + 8 + 4 + 2;

enum class MessageType : std::uint16_t {
  hello = 1,
  ready = 2,
  tensor = 3,
  compute = 4,
  compute_done = 5,
  fetch = 6,
  forget = 7,
  error = 8,
  bye = 9,
};

// A peer broke the protocol (bad magic, version, type, length, or a malformed payload).
class ProtocolError : public BackendError {
public:
  using BackendError::BackendError;
};

// device -> server: what to load. `model` is a zoo name or a model JSON path on the server.
struct Hello {
  std::string model;
  std::int32_t batch = 1;
  std::int32_t seq_len = 128;
  std::uint64_t weight_seed = 1;
  std::int32_t threads = 0; // oneDNN threads per layer on the server; 0: the server's default
  std::int32_t device = 0;  // for the server's log
  bool operator==(const Hello&) const = default;
};

// server -> device: the model is built; the fingerprint lets the device check both sides agree.
struct Ready {
  std::string model_name;
  std::uint32_t layers = 0;
  std::uint64_t fingerprint = 0;
  bool operator==(const Ready&) const = default;
};

// A task's output tensor, encoded at `precision` (real/quantize.hpp): an uplink (tag 0) or the
// answer to a fetch (the fetch's tag).
struct Tensor {
  std::uint64_t tag = 0;
  std::uint64_t inference = 0;
  std::uint32_t task = 0;
  Precision precision = Precision::fp32();
  std::vector<std::uint8_t> data;
  bool operator==(const Tensor&) const = default;
};

// device -> server: run `task` of `inference` (its inputs are on the server). `worker` is the
// runtime's slot, informative only: the server runs requests FIFO on its pool.
struct Compute {
  std::uint64_t tag = 0;
  std::uint64_t inference = 0;
  std::uint32_t task = 0;
  std::uint32_t worker = 0;
  bool operator==(const Compute&) const = default;
};

struct ComputeDone {
  std::uint64_t tag = 0;
  std::uint64_t inference = 0;
  std::uint32_t task = 0;
  double compute_s = 0; // measured on the server
  bool operator==(const ComputeDone&) const = default;
};

// device -> server: send me this task's output at `precision` (a downlink transfer).
struct Fetch {
  std::uint64_t tag = 0;
  std::uint64_t inference = 0;
  std::uint32_t task = 0;
  Precision precision = Precision::fp32();
  bool operator==(const Fetch&) const = default;
};

struct Forget {
  std::uint64_t inference = 0;
  bool operator==(const Forget&) const = default;
};

struct Error {
  std::string message;
  bool operator==(const Error&) const = default;
};

struct Bye {
  bool operator==(const Bye&) const = default;
};

using Message = std::variant<Hello, Ready, Tensor, Compute, ComputeDone, Fetch, Forget, Error, Bye>;

MessageType type_of(const Message& message);
std::string_view to_string(MessageType type);

struct Header {
  MessageType type = MessageType::bye;
  std::uint32_t payload_bytes = 0;
};

// Checks magic, version, type and `payload_bytes <= max_payload`; throws ProtocolError naming what
// was wrong.
Header parse_header(std::span<const std::uint8_t> bytes, std::uint32_t max_payload);

// The whole frame (header and payload) of a message.
std::vector<std::uint8_t> encode_frame(const Message& message);

// The message a payload of this type holds; throws ProtocolError when it is malformed.
Message decode_payload(MessageType type, std::span<const std::uint8_t> payload);

// The largest frame payload a conversation about this model can need: its largest tensor at fp32
// plus the tensor message's fields, and never below kHandshakeMaxPayload.
std::uint32_t max_payload_for(const Model& model);

// A hash of what both sides must agree on: layer names, kinds and output sizes (FNV-1a, 64 bits).
std::uint64_t model_fingerprint(const Model& model);

// The shape a task's output travels in: its layer's output shape, or for a shapeless (opaque,
// model JSON) layer a flat vector of the whole fp32 values its size holds, as the executor makes
// it. Throws BackendError for a tile (the real backend runs whole layers).
TensorShape transfer_shape(const TaskGraph& graph, TaskId task);
// The data bytes of a tensor message holding that output at precision p (quantize.hpp's encode
// produces exactly tensor_bytes of the elements).
Bytes tensor_payload_bytes(const TaskGraph& graph, TaskId task, Precision p);

} // namespace tandem::real::wire
