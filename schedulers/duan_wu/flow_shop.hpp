#pragma once
// Two-machine flow shop arithmetic behind the Duan-Wu schedulers (Duan-Wu §2.2): machine 1 is the
// device's compute unit, machine 2 its uplink. A job is a layer kept on the device: `a` its device
// time, `b` the time its output holds the uplink (0 when no consumer runs on the server).
#include <cstdint>
#include <vector>

#include "core/units.hpp"

namespace tandem::duan_wu {

struct Job {
  Seconds a = 0; // machine 1: device compute
  Seconds b = 0; // machine 2: uplink serialization (0: nothing sent)
};

// Johnson's rule (Johnson 1954) as a total preorder: jobs with a <= b first by increasing a, then
// the others by decreasing b. True when x goes strictly before y.
bool johnson_before(const Job& x, const Job& y);

// The composite job of `first` immediately followed by `second` (Duan-Wu §2.3 (b); Mitten,
// Johnson): a' = a1 + a2 - m, b' = b1 + b2 - m with m = min(b1, a2). Every sequence holding the
// pair adjacent has the makespan of the same sequence with the composite, plus m.
Job compose(const Job& first, const Job& second);

// Makespan of jobs processed in this order on both machines: C1 += a; C2 = max(C2, C1) + b.
Seconds makespan(const std::vector<Job>& jobs, const std::vector<std::uint32_t>& order);

// Johnson's order of independent jobs (ties by index).
std::vector<std::uint32_t> johnson_order(const std::vector<Job>& jobs);

// The optimal sequence of an out-forest of jobs for F2 || Cmax with the forest as precedence
// (Duan-Wu §2.3 (b); Sidney 1979, series-parallel precedence): repeatedly merge the non-root
// composite of highest Johnson priority into the composite holding its parent. `parent[i]` is an
// index or -1 for a root; `tie[i]` breaks ties between equal priorities (lower first). With several
// roots the root composites come last in Johnson order. O(n log n).
std::vector<std::uint32_t> merge_out_forest(const std::vector<Job>& jobs,
                                            const std::vector<std::int32_t>& parent,
                                            const std::vector<std::uint32_t>& tie);

} // namespace tandem::duan_wu
