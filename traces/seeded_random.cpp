#include "traces/seeded_random.hpp"

#include <cmath>

namespace tandem {

double SeededRandom::normal() {
  if (spare_) {
    const double value = *spare_;
    spare_.reset();
    return value;
  }
  double u = 0;
  double v = 0;
  double s = 0;
  do {
    u = 2 * uniform() - 1;
    v = 2 * uniform() - 1;
    s = u * u + v * v;
  } while (s >= 1 || s == 0);
  const double factor = std::sqrt(-2 * std::log(s) / s);
  spare_ = v * factor;
  return u * factor;
}

} // namespace tandem
