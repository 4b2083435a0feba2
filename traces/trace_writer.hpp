#pragma once
// Writing a BandwidthTrace as an mbps-two-column file (see trace_readers.hpp for the format).
#include <filesystem>
#include <string>

#include "traces/bandwidth_trace.hpp"

namespace tandem {

// The file's text: two '#' lines (the trace's source, the columns and the period), then one
// "seconds<TAB>Mbit/s" line per step. Numbers are the shortest decimals that read back to the
// same doubles, so read_trace(TraceFormat::mbps_two_column) returns the same steps and period:
// times exactly, and rates exactly whenever the rate is the bytes/s of some Mbit/s double (all
// that the readers and generators produce); any other rate within one unit in the last place.
// The format has no period field: the reader infers last time + median interval, so a trace with
// another period (a shifted() one, say) cannot be written and throws tandem::Error.
std::string two_column_text(const BandwidthTrace& trace);

// Writes two_column_text(trace) to `file`; InputError if the file cannot be written.
void write_two_column(const BandwidthTrace& trace, const std::filesystem::path& file);

} // namespace tandem
