#include "real/token_bucket.hpp"

#include <algorithm>

namespace tandem::real {

Seconds TokenBucket::finish_time(Seconds start_s, Bytes bytes) const {
  const Seconds start = std::max(start_s, 0.0);
  if (bytes == 0)
    return start;
  return trace_.finish_time(start, static_cast<double>(bytes));
}

Seconds TokenBucket::reserve(Seconds start_s, Bytes bytes) {
  const Seconds end = finish_time(std::max(start_s, busy_until_s_), bytes);
  busy_until_s_ = end;
  return end;
}

} // namespace tandem::real
