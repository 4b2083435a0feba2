#include "traces/link_traces.hpp"

#include "traces/trace_readers.hpp"

namespace tandem {
namespace {

BandwidthTrace one_direction(const LinkConfig& link,
                             const std::optional<std::filesystem::path>& file, double mbps) {
  if (!file)
    return BandwidthTrace::constant(mbps_to_bytes_per_s(mbps));
  TraceOptions options;
  options.scale = link.trace_scale;
  options.offset_s = link.trace_offset_s;
  options.loop = link.trace_loop;
  return read_trace(*file, link.trace_format, options);
}

} // namespace

LinkTraces build_link_traces(const ExperimentConfig& config) {
  const auto& link = config.link;
  const auto up = one_direction(link, link.uplink_trace, link.uplink_mbps);
  const auto down = one_direction(link, link.downlink_trace, link.downlink_mbps);
  LinkTraces t;
  const int devices = config.device.count;
  t.uplink.assign(link.shared_uplink ? 1 : static_cast<std::size_t>(devices), up);
  t.downlink.assign(static_cast<std::size_t>(devices), down);
  return t;
}

} // namespace tandem
