#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/units.hpp"
#include "traces/trace_generators.hpp"
#include "traces/trace_readers.hpp"
#include "traces/trace_writer.hpp"

using namespace tandem;

namespace {

const std::string kData = TANDEM_SOURCE_DIR "/tests/data/";
const std::filesystem::path kShared = TANDEM_SHARED_DIR "/traces";

std::string error_of(const std::string& file, TraceFormat format,
                     const TraceOptions& options = {}) {
  try {
    read_trace(file, format, options);
  } catch (const InputError& e) {
    return e.what();
  }
  return "no error";
}

std::vector<std::filesystem::path> files_in(const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir))
    files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  return files;
}

// Time-weighted mean of a two-column file over [first time, last time + median interval), computed
// straight from the numbers in the file.
double file_mean_bps(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::vector<double> t;
  std::vector<double> mbps;
  double a = 0;
  double b = 0;
  while (in >> a >> b) {
    t.push_back(a);
    mbps.push_back(b);
  }
  std::vector<double> shifted;
  for (const double x : t)
    shifted.push_back(x - t.front());
  const double end = inferred_period_s(shifted) + t.front();
  double bits = 0;
  for (std::size_t i = 0; i < t.size(); ++i)
    bits += mbps[i] * 1e6 * ((i + 1 < t.size() ? t[i + 1] : end) - t[i]);
  return bits / 8 / (end - t.front());
}

} // namespace

TEST_CASE("trace format names") {
  CHECK(trace_format_from_string("mbps-two-column") == TraceFormat::mbps_two_column);
  CHECK(trace_format_from_string("mahimahi") == TraceFormat::mahimahi);
  CHECK(trace_format_from_string("csv") == TraceFormat::csv);
  CHECK_FALSE(trace_format_from_string("two-column").has_value());
  for (const auto f : {TraceFormat::mbps_two_column, TraceFormat::mahimahi, TraceFormat::csv})
    CHECK(trace_format_from_string(to_string(f)) == f);
}

TEST_CASE("two-column trace: shifted to 0, comments, blank lines, tabs and CRLF") {
  const auto trace = read_trace(kData + "trace-offset.txt", TraceFormat::mbps_two_column);
  CHECK(trace.steps() == std::vector<BandwidthStep>{{0, 250000}, {1, 500000}, {3, 125000}});
  // Intervals 1 s and 2 s: the last sample lasts their median, 1.5 s.
  CHECK(trace.period_s() == 4.5);
  CHECK(trace.loops());
  CHECK(trace.at(4.6) == 250000);
  CHECK(trace.source() == kData + "trace-offset.txt");

  const auto once =
      read_trace(kData + "trace-offset.txt", TraceFormat::mbps_two_column, {.loop = false});
  CHECK_FALSE(once.loops());
  CHECK(once.at(1000) == 125000);

  const auto scaled = read_trace(kData + "trace-offset.txt", TraceFormat::mbps_two_column,
                                 {.scale = 2, .offset_s = 1});
  CHECK(scaled.at(0) == 1e6);
  CHECK(scaled.at(2) == 250000);
  CHECK(scaled.source() == kData + "trace-offset.txt scaled by 2 from 1 s");
}

TEST_CASE("csv trace: header, spaces around fields, rows as two-column samples") {
  const auto trace = read_trace(kData + "trace-valid.csv", TraceFormat::csv);
  CHECK(trace.steps() == std::vector<BandwidthStep>{{0, 1e6}, {0.5, 0}, {1.5, 2e6}});
  CHECK(trace.period_s() == 2.25); // intervals 0.5 and 1: median 0.75
  CHECK(parse_trace("time_s,mbps\n3,1\n", "m.csv", TraceFormat::csv).steps() ==
        std::vector<BandwidthStep>{{0, 125000}});
}

TEST_CASE("mahimahi trace: packets counted in 100 ms bins, looping at the last timestamp") {
  // Packets at 0, 0, 50 (bin 0), 120 (bin 1) and 250 ms; 250 ms is the period, so that packet is
  // the next pass's packet at 0 and counts in bin 0. The last bin, [200, 250) ms, is 50 ms wide.
  const auto trace = read_trace(kData + "trace-mahimahi-small.txt", TraceFormat::mahimahi);
  CHECK(trace.steps() ==
        std::vector<BandwidthStep>{{0, 4 * 1500 / 0.1}, {0.1, 1500 / 0.1}, {0.2, 0}});
  CHECK(trace.period_s() == 0.25);
  CHECK(trace.mean_bps() == doctest::Approx(5 * 1500 / 0.25).epsilon(1e-15));
  // Mahimahi's README: a file holding just "1" is one packet per ms, 12 Mbit/s.
  const auto fixed = parse_trace("1\n", "one.txt", TraceFormat::mahimahi);
  CHECK(fixed.mean_bps() == doctest::Approx(mbps_to_bytes_per_s(12)).epsilon(1e-15));
  CHECK(fixed.at(123.4567) == doctest::Approx(mbps_to_bytes_per_s(12)).epsilon(1e-15));
  // Other bin widths.
  const auto fine = read_trace(kData + "trace-mahimahi-small.txt", TraceFormat::mahimahi,
                               {.mahimahi_bin_s = 0.05});
  CHECK(fine.steps().size() == 5);
  CHECK(fine.mean_bps() == doctest::Approx(trace.mean_bps()).epsilon(1e-15));
}

TEST_CASE("every trace in ../shared/traces reads, with the mean its numbers give") {
  if (!std::filesystem::exists(kShared)) {
    MESSAGE("skipped: no ", kShared.string());
    return;
  }
  int two_column = 0;
  for (const auto* folder : {"norway-3g", "fcc"}) {
    for (const auto& file : files_in(kShared / folder)) {
      INFO(file.string());
      const auto trace = read_trace(file, TraceFormat::mbps_two_column);
      CHECK(trace.mean_bps() > 0);
      CHECK(trace.mean_bps() == doctest::Approx(file_mean_bps(file)).epsilon(1e-9));
      // Spot-check the round trip on real data too.
      CHECK(parse_trace(two_column_text(trace), "again", TraceFormat::mbps_two_column) == trace);
      ++two_column;
    }
  }
  CHECK(two_column == 80 + 24);
  int mahimahi = 0;
  for (const auto& file : files_in(kShared / "mahimahi")) {
    if (file.extension() != ".up" && file.extension() != ".down")
      continue; // the README
    INFO(file.string());
    const auto trace = read_trace(file, TraceFormat::mahimahi);
    // The bins carry every packet, so the mean is mahimahi's: packets * 1500 B / last timestamp.
    std::ifstream in(file);
    long long packets = 0;
    long long last_ms = 0;
    for (long long ms = 0; in >> ms; ++packets)
      last_ms = ms;
    CHECK(trace.mean_bps() ==
          doctest::Approx(packets * 1500.0 / (last_ms / 1000.0)).epsilon(1e-12));
    CHECK(trace.period_s() == last_ms / 1000.0);
    ++mahimahi;
  }
  CHECK(mahimahi == 4);
}

TEST_CASE("write then read gives the same trace") {
  const auto walk = random_walk_trace({.seed = 7, .duration_s = 120, .interval_s = 0.1});
  CHECK(parse_trace(two_column_text(walk), "w.txt", TraceFormat::mbps_two_column) == walk);
  const auto steps = step_trace({10, 0, 3.3}, {0, 0.25, 1.75});
  const auto path = std::filesystem::temp_directory_path() / "tandem-trace-roundtrip.txt";
  write_two_column(steps, path);
  CHECK(read_trace(path, TraceFormat::mbps_two_column, {.loop = false}) == steps);
  std::filesystem::remove(path);
  // Rates that are not the bytes/s of a short Mbit/s decimal (mahimahi bins) come back exactly too.
  const auto bins = read_trace(kData + "trace-mahimahi-small.txt", TraceFormat::mahimahi,
                               {.mahimahi_bin_s = 0.05});
  const auto again = parse_trace(two_column_text(bins), "b.txt", TraceFormat::mbps_two_column);
  REQUIRE(again.steps().size() == bins.steps().size());
  for (std::size_t i = 0; i < bins.steps().size(); ++i)
    CHECK(again.steps()[i].bytes_per_s ==
          doctest::Approx(bins.steps()[i].bytes_per_s).epsilon(1e-15));
  // A period the format cannot say is refused rather than silently changed.
  CHECK_THROWS_AS(two_column_text(walk.shifted(0.05)), Error);
}

TEST_CASE("bad trace files name the file, line, field, what was expected and what was found") {
  const auto two = TraceFormat::mbps_two_column;
  CHECK(error_of(kData + "trace-does-not-exist.txt", two) ==
        kData + "trace-does-not-exist.txt: trace file: expected a readable file, found nothing at "
                "that path");
  CHECK(error_of(kData, two) ==
        kData + ": trace file: expected a readable file, found a directory");
  CHECK(error_of(kData + "trace-empty.txt", two) ==
        kData + "trace-empty.txt: trace: expected at least one sample, found an empty file");
  CHECK(error_of(kData + "trace-comments-only.txt", two) ==
        kData + "trace-comments-only.txt: trace: expected at least one sample, found only blank "
                "lines and comments");
  CHECK(error_of(kData + "trace-non-numeric.txt", two) ==
        kData + "trace-non-numeric.txt:3:3: mbps: expected a number of Mbit/s >= 0, found 'abc'");
  CHECK(error_of(kData + "trace-negative-bandwidth.txt", two) ==
        kData + "trace-negative-bandwidth.txt:3:5: mbps: expected a number of Mbit/s >= 0, found "
                "'-0.25'");
  CHECK(error_of(kData + "trace-decreasing-time.txt", two) ==
        kData + "trace-decreasing-time.txt:3:1: time_s: expected a time after 11 s (the previous "
                "sample, line 2), found '10.5'");
  CHECK(error_of(kData + "trace-all-zeros.txt", two) ==
        kData + "trace-all-zeros.txt: mbps: expected a rate above 0 in at least one sample, found "
                "0 in all 3 samples");
  CHECK(error_of(kData + "trace-three-columns.txt", two) ==
        kData + "trace-three-columns.txt:1: line: expected 2 columns (time_s mbps) separated by "
                "spaces or tabs, found 3 columns");
  // A mahimahi file is not a two-column one.
  CHECK(error_of(kData + "trace-mahimahi-small.txt", two) ==
        kData + "trace-mahimahi-small.txt:1: line: expected 2 columns (time_s mbps) separated by "
                "spaces or tabs, found 1 column");
}

TEST_CASE("bad csv and mahimahi traces") {
  CHECK(error_of(kData + "trace-bad-header.csv", TraceFormat::csv) ==
        kData + "trace-bad-header.csv:1:1: header: expected 'time_s,mbps' (or "
                "'time_s,uplink_mbps', 'time_s,downlink_mbps'), found 'time,mbps'");
  CHECK(error_of(kData + "trace-csv-fields.csv", TraceFormat::csv) ==
        kData + "trace-csv-fields.csv:3: line: expected 2 comma-separated fields (time_s,mbps), "
                "found 3 fields");
  CHECK(error_of(kData + "trace-csv-negative.csv", TraceFormat::csv) ==
        kData + "trace-csv-negative.csv:2:4: uplink_mbps: expected a number of Mbit/s >= 0, found "
                "'-1'");
  CHECK(error_of(kData + "trace-mahimahi-decreasing.txt", TraceFormat::mahimahi) ==
        kData + "trace-mahimahi-decreasing.txt:3:1: timestamp_ms: expected a timestamp at or "
                "after 5 ms (the previous line, 2), found '3'");
  CHECK(error_of(kData + "trace-mahimahi-non-integer.txt", TraceFormat::mahimahi) ==
        kData + "trace-mahimahi-non-integer.txt:2:1: timestamp_ms: expected an integer number of "
                "milliseconds >= 0, found '2.5'");
  CHECK(error_of(kData + "trace-mahimahi-zero-length.txt", TraceFormat::mahimahi) ==
        kData + "trace-mahimahi-zero-length.txt:2:1: timestamp_ms: expected a last timestamp "
                "above 0 (it is the length of the trace, which loops), found '0'");
  CHECK(error_of(kData + "trace-empty.txt", TraceFormat::mahimahi) ==
        kData + "trace-empty.txt: trace: expected at least one sample, found an empty file");
  CHECK(error_of(kData + "trace-offset.txt", TraceFormat::mbps_two_column, {.scale = 0}) ==
        kData + "trace-offset.txt: trace_scale: expected a number > 0, found 0");
  CHECK(error_of(kData + "trace-offset.txt", TraceFormat::mbps_two_column, {.offset_s = -1}) ==
        kData + "trace-offset.txt: trace_offset_s: expected a number of seconds >= 0, found -1");
}
