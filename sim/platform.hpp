#pragma once
// The simulated machines of one run, described in C++ with SimGrid's NetZone API (no XML file):
// hosts device0..N-1, server and server-worker0..W-1 in one star zone, a split-duplex link per
// device (link{i}_UP to the server, link{i}_DOWN back), or one link `uplink` that every device's
// up-route crosses.
//
// The server's compute pool is one single-core host per worker slot rather than one host with W
// cores: the runtime gives each server task its slot, each slot runs one task at a time at full
// speed either way, and separate hosts keep SimGrid's cost per event constant (every exec on a
// W-core host shares one max-min constraint, which SimGrid re-solves, with all W execs on it,
// whenever one starts or ends: O(W) per event, measured 4.4 vs 1.0 us per activity at W = 100).
//
// Links have zero latency (the runtime adds propagation latency itself) and replay the
// BandwidthTraces as SimGrid bandwidth profiles (trace_profile.hpp), so a transfer takes exactly
// bytes / bandwidth, or the integral under the trace. Hosts run one task per core at kHostSpeed, so
// a compute task of d seconds is an exec of d * kHostSpeed flops and takes exactly d.
//
// An XML platform file is not supported: the runtime needs to know which host and link plays which
// role, which the spec states and a free-form XML file would not.
#include <vector>

#include <simgrid/forward.h>

#include "core/units.hpp"
#include "traces/bandwidth_trace.hpp"

namespace tandem::sim {

struct PlatformSpec {
  int devices = 1;
  int server_workers = 1; // server compute slots; each runs one task at a time
  bool shared_uplink = false;
  std::vector<BandwidthTrace> uplink;   // one per device; exactly one when shared_uplink
  std::vector<BandwidthTrace> downlink; // one per device
};

// Throws std::invalid_argument when the counts do not fit (a programming error: configs are
// checked when they are read).
void validate(const PlatformSpec& spec);

// Flop/s of every core: a power of two, so that duration * kHostSpeed / kHostSpeed == duration
// exactly and SimGrid charges a compute task exactly the time the cost table gives it.
inline constexpr double kHostSpeed = 1073741824.0; // 2^30

// One simplex link and the trace it replays.
struct PlatformLink {
  simgrid::s4u::Link* link = nullptr;
  const BandwidthTrace* trace = nullptr; // points into the PlatformSpec, which must outlive it
  BytesPerSecond peak_bps = 0;           // the trace's highest rate
  bool varies = false;                   // the link carries a bandwidth profile
};

struct Platform {
  simgrid::s4u::Host* server = nullptr;            // link endpoint, runs the runtime actor
  std::vector<simgrid::s4u::Host*> server_workers; // compute, one per worker slot
  std::vector<simgrid::s4u::Host*> devices;
  std::vector<PlatformLink> uplinks; // one per device, or one when the uplink is shared
  std::vector<PlatformLink> downlinks;
  bool shared_uplink = false;

  const PlatformLink& uplink_of(int device) const {
    return uplinks.at(shared_uplink ? 0 : static_cast<std::size_t>(device));
  }
  const PlatformLink& downlink_of(int device) const {
    return downlinks.at(static_cast<std::size_t>(device));
  }
};

// Sets the SimGrid configuration under which transfer times are closed forms (debian-stack.md
// §3.4): CM02 without cross-traffic (no ACK bytes on the reverse path, weight-S = 0, which also
// avoids 3.32's profile-during-latency bug) and no TCP window cap. Call once the engine exists and
// before the platform is built: SimGrid creates its models then.
void pin_network_model();

// Builds the platform in the current engine (call pin_network_model() first). `spec` must outlive
// the returned Platform.
Platform build_platform(const PlatformSpec& spec);

} // namespace tandem::sim
