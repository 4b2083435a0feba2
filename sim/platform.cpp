#include "sim/platform.hpp"

#include <stdexcept>

#include <fmt/format.h>
#include <simgrid/s4u/Engine.hpp>
#include <simgrid/s4u/Host.hpp>
#include <simgrid/s4u/Link.hpp>
#include <simgrid/s4u/NetZone.hpp>

#include "sim/trace_profile.hpp"

namespace tandem::sim {
namespace sg4 = simgrid::s4u;

namespace {

// Gives `link` the trace: its first rate now, and a profile for the rest when the rate changes.
PlatformLink attach_trace(sg4::Link* link, const BandwidthTrace& trace) {
  PlatformLink out;
  out.link = link;
  out.trace = &trace;
  out.peak_bps = peak_rate(trace);
  out.varies = !is_constant(trace);
  link->set_bandwidth(simgrid_rate(trace.steps().front().bytes_per_s, out.peak_bps));
  // Profile names are global in SimGrid; the link name is unique in the platform.
  if (auto* profile = make_bandwidth_profile("tandem/" + link->get_name(), trace))
    link->set_bandwidth_profile(profile);
  return out;
}

} // namespace

void validate(const PlatformSpec& spec) {
  auto fail = [](const std::string& what) {
    throw std::invalid_argument(fmt::format("PlatformSpec: {}", what));
  };
  if (spec.devices < 1)
    fail(fmt::format("devices is {}, expected >= 1", spec.devices));
  if (spec.server_workers < 1)
    fail(fmt::format("server_workers is {}, expected >= 1", spec.server_workers));
  const std::size_t devices = static_cast<std::size_t>(spec.devices);
  const std::size_t uplinks = spec.shared_uplink ? 1 : devices;
  if (spec.uplink.size() != uplinks)
    fail(fmt::format("{} uplink trace(s) for {} device(s){}, expected {}", spec.uplink.size(),
                     spec.devices, spec.shared_uplink ? " on a shared uplink" : "", uplinks));
  if (spec.downlink.size() != devices)
    fail(fmt::format("{} downlink trace(s) for {} device(s), expected {}", spec.downlink.size(),
                     spec.devices, devices));
}

void pin_network_model() {
  sg4::Engine::set_config("network/model:CM02");
  sg4::Engine::set_config("network/crosstraffic", false);
  sg4::Engine::set_config("network/TCP-gamma", 0.0);
  // SimGrid finishes together every action due within surf/precision seconds of the current event
  // (default 1e-9 s: 1e-4 relative on a 10 us task). 1e-11 s keeps neighbouring completions apart
  // to 1e-8 relative on 1 ms tasks. It must stay > 0 and is best kept above the spacing of doubles
  // near the clock (1.5e-11 s at 1e5 s); SimGrid lands its clock exactly on the due date, so even
  // a 1e8 s task still ended on time in tests.
  sg4::Engine::set_config("surf/precision", 1e-11);
}

Platform build_platform(const PlatformSpec& spec) {
  validate(spec);
  Platform p;
  p.shared_uplink = spec.shared_uplink;
  // A star zone: a route is the source's up-links then the destination's down-links, so each
  // device needs two routes and the platform grows linearly with the number of devices.
  auto* zone = sg4::create_star_zone("tandem");
  p.server = zone->create_host("server", kHostSpeed)->seal();
  for (int w = 0; w < spec.server_workers; ++w)
    p.server_workers.push_back(
        zone->create_host(fmt::format("server-worker{}", w), kHostSpeed)->seal());
  sg4::Link* shared = nullptr;
  if (spec.shared_uplink) {
    shared = zone->create_link("uplink", 1.0); // the rate comes from the trace
    p.uplinks.push_back(attach_trace(shared, spec.uplink.front()));
  }
  for (int d = 0; d < spec.devices; ++d) {
    const auto i = static_cast<std::size_t>(d);
    auto* host = zone->create_host(fmt::format("device{}", d), kHostSpeed)->seal();
    p.devices.push_back(host);
    sg4::LinkInRoute up{shared};
    sg4::LinkInRoute down{nullptr};
    if (spec.shared_uplink) {
      auto* link = zone->create_link(fmt::format("link{}_DOWN", d), 1.0);
      p.downlinks.push_back(attach_trace(link, spec.downlink[i]));
      down = sg4::LinkInRoute(link);
    } else {
      auto* duplex = zone->create_split_duplex_link(fmt::format("link{}", d), 1.0);
      p.uplinks.push_back(attach_trace(duplex->get_link_up(), spec.uplink[i]));
      p.downlinks.push_back(attach_trace(duplex->get_link_down(), spec.downlink[i]));
      up = sg4::LinkInRoute(duplex, sg4::LinkInRoute::Direction::UP);
      down = sg4::LinkInRoute(duplex, sg4::LinkInRoute::Direction::DOWN);
    }
    // Star routes: from the device to the centre, and from the centre to the device. The server
    // has no links of its own, so device -> server is {up} and server -> device is {down}.
    zone->add_route(host->get_netpoint(), nullptr, nullptr, nullptr, {up}, false);
    zone->add_route(nullptr, host->get_netpoint(), nullptr, nullptr, {down}, false);
  }
  zone->seal(); // seals the links too (sealing them ourselves first breaks tracing, §3.6)
  return p;
}

} // namespace tandem::sim
