#include "traces/trace_writer.hpp"

#include <cmath>
#include <fstream>
#include <limits>

#include <fmt/format.h>

#include "core/error.hpp"
#include "traces/trace_readers.hpp"

namespace tandem {
namespace {

// The shortest Mbit/s decimal whose bytes/s (as the readers convert it) is exactly `rate`. The
// conversions each round once, so the candidate nearest 8 * rate / 1e6 may miss by an ulp or two;
// the neighbours within a few ulps are tried, and among those that hit, the shortest text wins
// (so 4.123 is written as "4.123", not "4.123000000000001").
std::string mbps_text(BytesPerSecond rate) {
  const double nearest = bytes_per_s_to_mbps(rate);
  std::string best;
  double best_distance = 0;
  double below = nearest;
  double above = nearest;
  for (int i = 0; i < 4; ++i) {
    below = std::nextafter(below, -std::numeric_limits<double>::infinity());
    above = std::nextafter(above, std::numeric_limits<double>::infinity());
  }
  for (double m = below; m <= above;
       m = std::nextafter(m, std::numeric_limits<double>::infinity())) {
    if (m < 0 || mbps_to_bytes_per_s(m) != rate)
      continue;
    auto text = fmt::format("{}", m);
    const double distance = std::abs(m - nearest);
    if (best.empty() || text.size() < best.size() ||
        (text.size() == best.size() && distance < best_distance)) {
      best = std::move(text);
      best_distance = distance;
    }
  }
  return best.empty() ? fmt::format("{}", nearest) : best;
}

std::string one_line(std::string text) {
  for (auto& c : text)
    if (c == '\n' || c == '\r')
      c = ' ';
  return text;
}

} // namespace

std::string two_column_text(const BandwidthTrace& trace) {
  std::vector<Seconds> times;
  times.reserve(trace.steps().size());
  for (const auto& s : trace.steps())
    times.push_back(s.start_s);
  const Seconds inferred = inferred_period_s(times);
  if (inferred != trace.period_s())
    throw Error(fmt::format(
        "cannot write '{}' as a two-column trace: its period is {} s, but the format can only "
        "say last time + median interval = {} s",
        trace.source(), trace.period_s(), inferred));
  std::string text = fmt::format("# {}\n# seconds Mbit/s; each rate holds until the next line; "
                                 "one pass lasts {} s\n",
                                 one_line(trace.source()), trace.period_s());
  for (const auto& s : trace.steps())
    text += fmt::format("{}\t{}\n", s.start_s, mbps_text(s.bytes_per_s));
  return text;
}

void write_two_column(const BandwidthTrace& trace, const std::filesystem::path& file) {
  const auto text = two_column_text(trace);
  std::ofstream out(file, std::ios::binary);
  out << text;
  out.close();
  if (!out)
    throw InputError(SourceLocation{file.string()}, "output file", "a writable path",
                     "a path that cannot be written");
}

} // namespace tandem
