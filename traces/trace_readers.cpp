#include "traces/trace_readers.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <system_error>

#include <fmt/format.h>

#include "core/error.hpp"

namespace tandem {
namespace {

// Mahimahi's delivery opportunity is one MTU-sized packet (mahimahi's README).
constexpr double kMahimahiPacketBytes = 1500;

// A field of a line, with its 1-based column for error messages.
struct Token {
  std::string_view text;
  int column = 0;
};

struct Line {
  int number = 0;
  std::vector<Token> tokens;
};

std::string plural(std::size_t n, std::string_view word) {
  return fmt::format("{} {}{}", n, word, n == 1 ? "" : "s");
}

bool is_blank(char c) {
  return c == ' ' || c == '\t' || c == '\r';
}

// Splits text into its non-blank lines (comments removed). With separator ' ', fields are separated
// by runs of blanks; otherwise by `separator`, each field trimmed (and possibly empty).
std::vector<Line> split_lines(std::string_view text, char separator) {
  std::vector<Line> lines;
  int number = 0;
  std::size_t begin = 0;
  while (begin < text.size()) {
    auto end = text.find('\n', begin);
    if (end == std::string_view::npos)
      end = text.size();
    ++number;
    auto content = text.substr(begin, end - begin);
    begin = end + 1;
    if (const auto hash = content.find('#'); hash != std::string_view::npos)
      content = content.substr(0, hash);
    if (std::all_of(content.begin(), content.end(), is_blank))
      continue;
    Line line{number, {}};
    if (separator == ' ') {
      std::size_t i = 0;
      while (i < content.size()) {
        while (i < content.size() && is_blank(content[i]))
          ++i;
        const std::size_t start = i;
        while (i < content.size() && !is_blank(content[i]))
          ++i;
        if (i > start)
          line.tokens.push_back({content.substr(start, i - start), static_cast<int>(start) + 1});
      }
    } else {
      std::size_t start = 0;
      while (true) {
        const auto stop = std::min(content.find(separator, start), content.size());
        std::size_t first = start;
        std::size_t last = stop;
        while (first < last && is_blank(content[first]))
          ++first;
        while (last > first && is_blank(content[last - 1]))
          --last;
        line.tokens.push_back({content.substr(first, last - first), static_cast<int>(first) + 1});
        if (stop == content.size())
          break;
        start = stop + 1;
      }
    }
    lines.push_back(std::move(line));
  }
  return lines;
}

std::string in_quotes(std::string_view text) {
  return fmt::format("'{}'", text);
}

// A finite number >= 0, or an InputError naming `field` and what `unit` it holds.
double parse_non_negative(const Token& token, const SourceLocation& line, std::string_view field,
                          std::string_view unit) {
  double value = 0;
  const auto* first = token.text.data();
  const auto* last = first + token.text.size();
  const auto [end, ec] = std::from_chars(first, last, value);
  if (ec != std::errc() || end != last || !std::isfinite(value) || value < 0)
    throw InputError({line.file, line.line, token.column}, std::string(field),
                     fmt::format("a number of {} >= 0", unit), in_quotes(token.text));
  return value;
}

[[noreturn]] void reject_empty(std::string_view text, const std::string& source,
                               std::string_view what_else) {
  const bool empty = std::all_of(text.begin(), text.end(), [](char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
  });
  throw InputError(SourceLocation{source}, "trace", "at least one sample",
                   empty ? std::string("an empty file") : std::string(what_else));
}

struct Sample {
  Seconds time_s;
  double mbps;
};

// Two-column and csv rows share their meaning: shift to 0, hold until the next sample, period =
// last time + median interval.
BandwidthTrace from_samples(const std::vector<Sample>& samples, const std::string& source,
                            bool loop) {
  const Seconds t0 = samples.front().time_s;
  std::vector<Seconds> times;
  std::vector<BandwidthStep> steps;
  for (const auto& s : samples) {
    const Seconds t = s.time_s - t0;
    // Rounding in the shift may merge two very close samples; the later one wins.
    if (!steps.empty() && t <= steps.back().start_s) {
      steps.back().bytes_per_s = mbps_to_bytes_per_s(s.mbps);
      continue;
    }
    times.push_back(t);
    steps.push_back({t, mbps_to_bytes_per_s(s.mbps)});
  }
  return BandwidthTrace(std::move(steps), inferred_period_s(times), loop, source);
}

std::vector<Sample> read_rows(const std::vector<Line>& lines, std::size_t first_row,
                              const std::string& source, std::string_view rate_field,
                              std::string_view shape_message, std::string_view fields_word) {
  std::vector<Sample> samples;
  int previous_line = 0;
  bool any_positive = false;
  for (std::size_t r = first_row; r < lines.size(); ++r) {
    const auto& line = lines[r];
    const SourceLocation where{source, line.number};
    if (line.tokens.size() != 2)
      throw InputError(where, "line", std::string(shape_message),
                       plural(line.tokens.size(), fields_word));
    const double t = parse_non_negative(line.tokens[0], where, "time_s", "seconds");
    const double mbps = parse_non_negative(line.tokens[1], where, rate_field, "Mbit/s");
    if (!samples.empty() && !(t > samples.back().time_s))
      throw InputError({source, line.number, line.tokens[0].column}, "time_s",
                       fmt::format("a time after {} s (the previous sample, line {})",
                                   samples.back().time_s, previous_line),
                       in_quotes(line.tokens[0].text));
    samples.push_back({t, mbps});
    previous_line = line.number;
    any_positive = any_positive || mbps > 0;
  }
  if (!samples.empty() && !any_positive)
    throw InputError(SourceLocation{source}, std::string(rate_field),
                     "a rate above 0 in at least one sample",
                     fmt::format("0 in all {}", plural(samples.size(), "sample")));
  return samples;
}

BandwidthTrace parse_two_column(std::string_view text, const std::string& source, bool loop) {
  const auto lines = split_lines(text, ' ');
  const auto samples = read_rows(lines, 0, source, "mbps",
                                 "2 columns (time_s mbps) separated by spaces or tabs", "column");
  if (samples.empty())
    reject_empty(text, source, "only blank lines and comments");
  return from_samples(samples, source, loop);
}

BandwidthTrace parse_csv(std::string_view text, const std::string& source, bool loop) {
  const auto lines = split_lines(text, ',');
  if (lines.empty())
    reject_empty(text, source, "only blank lines and comments");
  const auto& header = lines.front();
  const bool header_ok =
      header.tokens.size() == 2 && header.tokens[0].text == "time_s" &&
      (header.tokens[1].text == "mbps" || header.tokens[1].text == "uplink_mbps" ||
       header.tokens[1].text == "downlink_mbps");
  if (!header_ok) {
    std::string found;
    for (const auto& t : header.tokens) {
      if (&t != &header.tokens.front())
        found += ',';
      found += t.text;
    }
    throw InputError({source, header.number, 1}, "header",
                     "'time_s,mbps' (or 'time_s,uplink_mbps', 'time_s,downlink_mbps')",
                     in_quotes(found));
  }
  const auto samples = read_rows(lines, 1, source, header.tokens[1].text,
                                 "2 comma-separated fields (time_s,mbps)", "field");
  if (samples.empty())
    reject_empty(text, source, "a header and no rows");
  return from_samples(samples, source, loop);
}

BandwidthTrace parse_mahimahi(std::string_view text, const std::string& source, bool loop,
                              Seconds bin_s) {
  const auto lines = split_lines(text, ' ');
  std::vector<std::uint64_t> stamps_ms;
  stamps_ms.reserve(lines.size());
  int previous_line = 0;
  for (const auto& line : lines) {
    const SourceLocation where{source, line.number};
    if (line.tokens.size() != 1)
      throw InputError(where, "line", "one timestamp in ms", plural(line.tokens.size(), "field"));
    const auto& token = line.tokens[0];
    std::uint64_t ms = 0;
    const auto* last = token.text.data() + token.text.size();
    const auto [end, ec] = std::from_chars(token.text.data(), last, ms);
    if (ec != std::errc() || end != last)
      throw InputError({source, line.number, token.column}, "timestamp_ms",
                       "an integer number of milliseconds >= 0", in_quotes(token.text));
    if (!stamps_ms.empty() && ms < stamps_ms.back())
      throw InputError({source, line.number, token.column}, "timestamp_ms",
                       fmt::format("a timestamp at or after {} ms (the previous line, {})",
                                   stamps_ms.back(), previous_line),
                       in_quotes(token.text));
    stamps_ms.push_back(ms);
    previous_line = line.number;
  }
  if (stamps_ms.empty())
    reject_empty(text, source, "only blank lines and comments");
  const std::uint64_t period_ms = stamps_ms.back();
  if (period_ms == 0)
    throw InputError({source, previous_line, lines.back().tokens[0].column}, "timestamp_ms",
                     "a last timestamp above 0 (it is the length of the trace, which loops)",
                     "'0'");
  const double bin_ms = bin_s * 1000;
  const auto bins = static_cast<std::size_t>(std::ceil(static_cast<double>(period_ms) / bin_ms));
  std::vector<double> packets(bins, 0);
  for (const auto ms : stamps_ms) {
    // A packet at the period is the next pass's packet at time 0.
    const double index = ms == period_ms ? 0 : std::floor(static_cast<double>(ms) / bin_ms);
    packets[std::min(static_cast<std::size_t>(index), bins - 1)] += 1;
  }
  std::vector<BandwidthStep> steps;
  steps.reserve(bins);
  for (std::size_t k = 0; k < bins; ++k) {
    // Bin edges from integers in ms, divided once, so they land on the nearest double.
    const double start_ms = static_cast<double>(k) * bin_ms;
    const double end_ms =
        std::min(static_cast<double>(k + 1) * bin_ms, static_cast<double>(period_ms));
    steps.push_back(
        {start_ms / 1000, packets[k] * kMahimahiPacketBytes * 1000 / (end_ms - start_ms)});
  }
  return BandwidthTrace(std::move(steps), static_cast<double>(period_ms) / 1000, loop, source);
}

} // namespace

std::optional<TraceFormat> trace_format_from_string(std::string_view name) {
  for (auto f : {TraceFormat::mbps_two_column, TraceFormat::mahimahi, TraceFormat::csv})
    if (to_string(f) == name)
      return f;
  return std::nullopt;
}

Seconds inferred_period_s(const std::vector<Seconds>& times_s) {
  if (times_s.empty())
    throw std::invalid_argument("inferred_period_s: no times");
  if (times_s.size() == 1)
    return times_s.back() + 1.0;
  std::vector<Seconds> intervals;
  intervals.reserve(times_s.size() - 1);
  for (std::size_t i = 1; i < times_s.size(); ++i)
    intervals.push_back(times_s[i] - times_s[i - 1]);
  std::sort(intervals.begin(), intervals.end());
  const std::size_t m = intervals.size() / 2;
  const Seconds median =
      intervals.size() % 2 == 1 ? intervals[m] : (intervals[m - 1] + intervals[m]) / 2;
  return times_s.back() + median;
}

BandwidthTrace parse_trace(std::string_view text, const std::string& source, TraceFormat format,
                           const TraceOptions& options) {
  const SourceLocation where{source};
  if (!(options.scale > 0) || !std::isfinite(options.scale))
    throw InputError(where, "trace_scale", "a number > 0", fmt::format("{}", options.scale));
  if (!(options.offset_s >= 0) || !std::isfinite(options.offset_s))
    throw InputError(where, "trace_offset_s", "a number of seconds >= 0",
                     fmt::format("{}", options.offset_s));
  if (!(options.mahimahi_bin_s > 0) || !std::isfinite(options.mahimahi_bin_s))
    throw InputError(where, "mahimahi_bin_s", "a number of seconds > 0",
                     fmt::format("{}", options.mahimahi_bin_s));
  auto trace = [&] {
    switch (format) {
    case TraceFormat::mbps_two_column:
      return parse_two_column(text, source, options.loop);
    case TraceFormat::mahimahi:
      return parse_mahimahi(text, source, options.loop, options.mahimahi_bin_s);
    case TraceFormat::csv:
      return parse_csv(text, source, options.loop);
    }
    throw std::invalid_argument("parse_trace: unknown TraceFormat");
  }();
  if (options.scale != 1)
    trace = trace.scaled(options.scale);
  if (options.offset_s != 0)
    trace = trace.shifted(options.offset_s);
  return trace;
}

BandwidthTrace read_trace(const std::filesystem::path& file, TraceFormat format,
                          const TraceOptions& options) {
  const std::string source = file.string();
  std::error_code ec;
  const auto status = std::filesystem::status(file, ec);
  if (!std::filesystem::exists(status))
    throw InputError(SourceLocation{source}, "trace file", "a readable file",
                     "nothing at that path");
  if (std::filesystem::is_directory(status))
    throw InputError(SourceLocation{source}, "trace file", "a readable file", "a directory");
  std::ifstream in(file, std::ios::binary);
  const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  if (!in.is_open() || in.bad())
    throw InputError(SourceLocation{source}, "trace file", "a readable file",
                     "a file that cannot be read");
  return parse_trace(text, source, format, options);
}

} // namespace tandem
