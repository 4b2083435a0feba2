#pragma once
// link.shaper = "tc": the kernel shapes the link instead of the sender's token bucket. The spawned
// server runs in its own network namespace behind a veth pair; a tbf qdisc on each end carries one
// direction (uplink: the device end's egress; downlink: the namespace end's egress), and a thread
// steps both rates through the same BandwidthTraces the simulator replays. Only the rate is shaped:
// the runtime still adds the one-way latency itself, as with the token bucket (no netem delay, so
// it is never added twice). The pair sends one TCP segment per packet (no GSO), so each tbf burst
// is 10 ms at its rate; the sender does not pace (RealBackendOptions::pace = false) and an uplink
// completes when the server's TCP acknowledged its last byte.
//
// Needs root and iproute2 (`ip`, `tc`). Names are unique per process (the pid), and everything is
// removed again when the shaper is destroyed, including after an error half-way through set-up;
// a process killed with SIGKILL leaves its namespace behind (`ip netns del tandem-PID`).
//
// Every rate applied is a row of a CSV (tc_rate_columns(), core/output/columns.hpp): the trace time
// it belongs to, the direction, the rate, and how late the thread applied it.
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "traces/bandwidth_trace.hpp"

namespace tandem::real {

class TcShaper {
public:
  // Creates the namespace, the veth pair with addresses, and both qdiscs at the traces' rates at
  // t = 0 (logged). Throws BackendError when not root, when `ip` or `tc` is missing, or when a
  // command fails (with its stderr). `run` is the run index written in each log row.
  TcShaper(BandwidthTrace uplink, BandwidthTrace downlink, std::filesystem::path log_csv, int run);
  ~TcShaper();
  TcShaper(const TcShaper&) = delete;
  TcShaper& operator=(const TcShaper&) = delete;

  // The namespace's name and the server's address in it.
  const std::string& netns() const;
  const std::string& server_host() const;
  // `ip netns exec NETNS`: the prefix that starts a program inside the namespace.
  std::vector<std::string> exec_prefix() const;
  // Starts stepping the rates through the traces, trace time 0 being now (the backend's clock
  // start).
  void start();

private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

} // namespace tandem::real
