#pragma once
// Reading bandwidth traces from files (design.md, contract — traces). Three formats:
//
// mbps-two-column: one sample per line, "seconds Mbit/s" separated by spaces or tabs, as in
//   ../shared/traces/norway-3g and fcc. Times strictly increase; the first one may be anything
//   >= 0 and is moved to 0. A sample's rate holds until the next sample. The last sample has no
//   end in the file, so it lasts one median sample interval: the period (the loop length) is
//   last time + median interval (1 s if there is a single sample).
// mahimahi: one integer per line, a millisecond timestamp at which one 1500-byte packet may be
//   delivered (repeats mean several packets in that millisecond), non-decreasing. Mahimahi loops
//   the file with a period equal to its last timestamp, and so do we. Packets are counted in bins
//   of TraceOptions::mahimahi_bin_s (100 ms by default; see traces/README.md for why), each bin's
//   rate being its packets' bytes over its width; the last bin ends at the period and may be
//   shorter. A timestamp equal to the period is the next pass's time 0 and is counted in the first
//   bin. So every bin carries exactly its packets' bytes and the mean rate is mahimahi's.
// csv: a header line "time_s,mbps" (or "time_s,uplink_mbps", "time_s,downlink_mbps"), then one
//   "seconds,Mbit/s" row per sample; same meaning as mbps-two-column (shift to 0, hold until the
//   next row, period = last time + median interval). Spaces around fields are allowed.
//
// In every format, blank lines are skipped and '#' starts a comment that runs to the end of the
// line. Every bad input throws InputError naming the file, the line and column where known, the
// field, what was expected and what was found.
#include <array>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/config/experiment_config.hpp"
#include "core/units.hpp"
#include "traces/bandwidth_trace.hpp"

namespace tandem {

// TraceFormat and to_string(TraceFormat) live with the config (core/config/experiment_config.hpp),
// which names the format of a [link] trace; the readers below implement each one.
// std::nullopt for an unknown name (the caller knows where the name came from, for the error).
std::optional<TraceFormat> trace_format_from_string(std::string_view name);

struct TraceOptions {
  double scale = 1;             // every rate multiplied by this (> 0)
  Seconds offset_s = 0;         // start reading this far into the trace (>= 0)
  bool loop = true;             // repeat after the period; if false, the last rate holds
  Seconds mahimahi_bin_s = 0.1; // mahimahi only: width of the bins packets are counted in
};

// Reads `file`; the trace's source() is the file's path as given.
BandwidthTrace read_trace(const std::filesystem::path& file, TraceFormat format,
                          const TraceOptions& options = {});

// The same from text in memory; `source` names it in errors and in the trace's source().
BandwidthTrace parse_trace(std::string_view text, const std::string& source, TraceFormat format,
                           const TraceOptions& options = {});

// The two-column and csv period rule, shared with the generators and the writer so that what they
// produce reads back identically: last time + median interval (mean of the two middle intervals
// when their count is even), or last time + 1 s for a single sample. times must be increasing.
Seconds inferred_period_s(const std::vector<Seconds>& times_s);

} // namespace tandem
