#include "traces/bandwidth_trace.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

#include <fmt/format.h>

#include "core/error.hpp"

namespace tandem {
namespace {

constexpr Seconds kInfinity = std::numeric_limits<Seconds>::infinity();
// Byte counts come from sums of rate * duration, so "the transfer ends exactly where a step ends"
// is decided up to a few units in the last place of the byte counts involved. Without this slack,
// a transfer of exactly the bytes before a zero-rate gap could end after the gap instead of
// before it, depending on rounding.
constexpr double kSlack = 16 * std::numeric_limits<double>::epsilon();

void require(bool condition, const std::string& source, const char* what) {
  if (!condition)
    throw std::invalid_argument(fmt::format("BandwidthTrace '{}': {}", source, what));
}

// Appends a step, dropping the previous one when rounding made it empty (equal starts), so that
// transformed traces keep strictly increasing starts.
void push_step(std::vector<BandwidthStep>& steps, Seconds start_s, BytesPerSecond rate) {
  if (!steps.empty() && start_s <= steps.back().start_s) {
    steps.back().bytes_per_s = rate;
    return;
  }
  steps.push_back({start_s, rate});
}

} // namespace

BandwidthTrace::BandwidthTrace(std::vector<BandwidthStep> steps, Seconds period_s, bool loop,
                               std::string source)
    : steps_(std::move(steps)), period_s_(period_s), loop_(loop), source_(std::move(source)) {
  require(!steps_.empty(), source_, "no steps");
  require(steps_.front().start_s == 0, source_, "the first step must start at 0");
  bool any_positive = false;
  for (std::size_t i = 0; i < steps_.size(); ++i) {
    const auto& s = steps_[i];
    require(std::isfinite(s.start_s), source_, "step start is not finite");
    require(i == 0 || s.start_s > steps_[i - 1].start_s, source_,
            "step starts must strictly increase");
    require(std::isfinite(s.bytes_per_s) && s.bytes_per_s >= 0, source_,
            "a rate must be finite and >= 0");
    any_positive = any_positive || s.bytes_per_s > 0;
  }
  require(std::isfinite(period_s_) && period_s_ > steps_.back().start_s, source_,
          "the period must be finite and end after the last step starts");
  if (!any_positive)
    throw InputError(SourceLocation{source_}, "bandwidth", "a positive rate somewhere in the trace",
                     "zero everywhere");
  cumulative_bytes_.reserve(steps_.size() + 1);
  double total = 0;
  for (std::size_t i = 0; i < steps_.size(); ++i) {
    cumulative_bytes_.push_back(total);
    const Seconds end = i + 1 < steps_.size() ? steps_[i + 1].start_s : period_s_;
    total += steps_[i].bytes_per_s * (end - steps_[i].start_s);
  }
  cumulative_bytes_.push_back(total);
  bytes_per_period_ = total;
}

BandwidthTrace BandwidthTrace::constant(BytesPerSecond rate, std::string source) {
  return BandwidthTrace({{0, rate}}, 1.0, false, std::move(source));
}

std::size_t BandwidthTrace::step_index(Seconds u) const {
  const auto after =
      std::upper_bound(steps_.begin(), steps_.end(), u,
                       [](Seconds t, const BandwidthStep& s) { return t < s.start_s; });
  return static_cast<std::size_t>(after - steps_.begin()) - 1;
}

double BandwidthTrace::cumulative(Seconds u) const {
  const auto i = step_index(u);
  return cumulative_bytes_[i] + steps_[i].bytes_per_s * (u - steps_[i].start_s);
}

BytesPerSecond BandwidthTrace::at(Seconds t) const {
  if (!(t >= 0) || !std::isfinite(t))
    throw std::invalid_argument(fmt::format("BandwidthTrace::at: time {} is not >= 0", t));
  return steps_[step_index(loop_ ? std::fmod(t, period_s_) : t)].bytes_per_s;
}

Seconds BandwidthTrace::step_end(std::size_t i) const {
  if (i + 1 < steps_.size())
    return steps_[i + 1].start_s;
  return loop_ ? period_s_ : kInfinity;
}

double BandwidthTrace::slack(double bytes) const {
  return kSlack * (bytes + bytes_per_period_);
}

Seconds BandwidthTrace::local_finish(Seconds u, double bytes) const {
  const std::size_t n = steps_.size();
  std::size_t i = step_index(u);
  // A zero-rate step sends nothing: the transfer waits for the next step.
  while (steps_[i].bytes_per_s == 0) {
    if (i + 1 == n)
      return loop_ ? period_s_ : kInfinity; // looping: only reachable through rounding
    ++i;
    u = steps_[i].start_s;
  }
  const double rate = steps_[i].bytes_per_s;
  const double before = cumulative(u);
  const double tolerance = slack(before + bytes);
  if (bytes <= rate * (step_end(i) - u) + tolerance)
    return std::min(u + bytes / rate, step_end(i)); // the common case, without cancellation
  const double target = before + bytes;
  // The first step at whose end the cumulative bytes reach target (within rounding): it has a
  // positive rate, since the step before it ended short of target.
  const auto first = cumulative_bytes_.begin() + static_cast<std::ptrdiff_t>(i) + 1;
  const auto last = cumulative_bytes_.begin() + static_cast<std::ptrdiff_t>(n); // excludes the end
  const auto k = static_cast<std::size_t>(std::lower_bound(first, last, target - tolerance) -
                                          cumulative_bytes_.begin());
  const std::size_t j = k - 1; // k == n: the last step
  const auto& s = steps_[j];
  if (s.bytes_per_s == 0)
    return loop_ ? period_s_ : kInfinity;
  const Seconds t = s.start_s + (target - cumulative_bytes_[j]) / s.bytes_per_s;
  return std::clamp(t, std::max(u, s.start_s), step_end(j));
}

Seconds BandwidthTrace::finish_time(Seconds start, double bytes) const {
  if (!(start >= 0) || !std::isfinite(start) || !(bytes >= 0) || !std::isfinite(bytes))
    throw std::invalid_argument(fmt::format(
        "BandwidthTrace::finish_time: start {} s and bytes {} must be >= 0", start, bytes));
  if (bytes == 0)
    return start;
  if (!loop_)
    return local_finish(start, bytes);
  // Work in the period's local time u and add durations to start, so a start far into the trace
  // loses no precision, and whole periods cost one division instead of a walk.
  const Seconds u = std::fmod(start, period_s_);
  const double left_in_pass = bytes_per_period_ - cumulative(u);
  const double tolerance = slack(bytes);
  if (bytes <= left_in_pass + tolerance)
    return start + (local_finish(u, bytes) - u);
  const double rest = bytes - left_in_pass;
  double full_periods = std::floor(rest / bytes_per_period_);
  double in_last = rest - full_periods * bytes_per_period_;
  // Ending on a period boundary (up to rounding) means ending inside the last full pass, at the
  // earliest time its bytes are all sent, before any trailing zero-rate steps.
  while (in_last <= tolerance && full_periods > 0) {
    full_periods -= 1;
    in_last += bytes_per_period_;
  }
  while (in_last > bytes_per_period_ + tolerance) {
    full_periods += 1;
    in_last -= bytes_per_period_;
  }
  return start + (period_s_ - u) + full_periods * period_s_ + local_finish(0, in_last);
}

double BandwidthTrace::bytes_between(Seconds t0, Seconds t1) const {
  if (!(t0 >= 0) || !(t1 >= t0) || !std::isfinite(t1))
    throw std::invalid_argument(
        fmt::format("BandwidthTrace::bytes_between: need 0 <= t0 <= t1, got {} and {}", t0, t1));
  if (!loop_)
    return cumulative(t1) - cumulative(t0);
  const Seconds u0 = std::fmod(t0, period_s_);
  const Seconds u1 = std::fmod(t1, period_s_);
  // t - u is a whole number of periods up to rounding; round() recovers the integer.
  const double passes = std::round((t1 - u1) / period_s_) - std::round((t0 - u0) / period_s_);
  return passes * bytes_per_period_ + cumulative(u1) - cumulative(u0);
}

Seconds BandwidthTrace::next_change_after(Seconds t) const {
  if (!(t >= 0) || !std::isfinite(t))
    throw std::invalid_argument(fmt::format("BandwidthTrace::next_change_after: time {}", t));
  const std::size_t n = steps_.size();
  if (!loop_) {
    for (std::size_t j = step_index(t) + 1; j < n; ++j)
      if (steps_[j].bytes_per_s != steps_[j - 1].bytes_per_s)
        return steps_[j].start_s;
    return kInfinity;
  }
  const Seconds u = std::fmod(t, period_s_);
  const Seconds base = t - u;
  const std::size_t i = step_index(u);
  // One full turn of boundaries: if none of them changes the rate, nothing ever will.
  for (std::size_t j = i + 1; j <= i + n; ++j) {
    const std::size_t index = j % n;
    const std::size_t previous = (j - 1) % n;
    if (steps_[index].bytes_per_s == steps_[previous].bytes_per_s)
      continue;
    const Seconds when = base + static_cast<double>(j / n) * period_s_ + steps_[index].start_s;
    if (when > t) // guards against rounding putting the boundary at or before t
      return when;
  }
  return kInfinity;
}

BandwidthTrace BandwidthTrace::scaled(double factor) const {
  if (!(factor > 0) || !std::isfinite(factor))
    throw std::invalid_argument(
        fmt::format("BandwidthTrace::scaled: factor {} is not > 0", factor));
  auto steps = steps_;
  for (auto& s : steps)
    s.bytes_per_s *= factor;
  return BandwidthTrace(std::move(steps), period_s_, loop_,
                        fmt::format("{} scaled by {}", source_, factor));
}

BandwidthTrace BandwidthTrace::shifted(Seconds offset_s) const {
  if (!(offset_s >= 0) || !std::isfinite(offset_s))
    throw std::invalid_argument(fmt::format("BandwidthTrace::shifted: offset {} s", offset_s));
  const std::string source = fmt::format("{} from {} s", source_, offset_s);
  const std::size_t n = steps_.size();
  std::vector<BandwidthStep> steps;
  if (!loop_) {
    const std::size_t i = step_index(offset_s);
    steps.push_back({0, steps_[i].bytes_per_s});
    for (std::size_t j = i + 1; j < n; ++j)
      push_step(steps, steps_[j].start_s - offset_s, steps_[j].bytes_per_s);
    // Past the recorded data the trace is its last rate: keep what remains of the span, or 1 s
    // after the last start (as constant() does) once nothing of it remains.
    const Seconds remaining = period_s_ - offset_s;
    const Seconds span = remaining > steps.back().start_s ? remaining : steps.back().start_s + 1.0;
    return BandwidthTrace(std::move(steps), span, false, source);
  }
  const Seconds o = std::fmod(offset_s, period_s_);
  const std::size_t i = step_index(o);
  steps.push_back({0, steps_[i].bytes_per_s});
  for (std::size_t j = i + 1; j < n; ++j)
    push_step(steps, steps_[j].start_s - o, steps_[j].bytes_per_s);
  // What came before the offset comes after, one period later.
  for (std::size_t j = 0; j <= i; ++j)
    if (steps_[j].start_s < o)
      push_step(steps, period_s_ - o + steps_[j].start_s, steps_[j].bytes_per_s);
  while (steps.size() > 1 && steps.back().start_s >= period_s_)
    steps.pop_back(); // a piece that rounding shrank to nothing at the very end
  return BandwidthTrace(std::move(steps), period_s_, true, source);
}

std::vector<ProfileEvent> profile_events(const BandwidthTrace& trace, Seconds horizon_s) {
  const auto& steps = trace.steps();
  std::vector<ProfileEvent> events{{0, steps.front().bytes_per_s}};
  const bool changes = std::any_of(steps.begin(), steps.end(), [&](const BandwidthStep& s) {
    return s.bytes_per_s != steps.front().bytes_per_s;
  });
  if (!changes)
    return events;
  // Dates are computed as pass * period + start, never accumulated, so they do not drift.
  for (double pass = 0;; ++pass) {
    const Seconds base = pass * trace.period_s();
    for (const auto& s : steps) {
      const Seconds date = base + s.start_s;
      if (date >= horizon_s)
        return events;
      if (s.bytes_per_s != events.back().bytes_per_s)
        events.push_back({date, s.bytes_per_s});
    }
    if (!trace.loops())
      return events;
  }
}

} // namespace tandem
