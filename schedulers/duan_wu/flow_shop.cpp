#include "schedulers/duan_wu/flow_shop.hpp"

#include <algorithm>
#include <numeric>
#include <queue>

namespace tandem::duan_wu {

bool johnson_before(const Job& x, const Job& y) {
  const bool x_first = x.a <= x.b, y_first = y.a <= y.b;
  if (x_first != y_first)
    return x_first;
  return x_first ? x.a < y.a : x.b > y.b;
}

Job compose(const Job& first, const Job& second) {
  const Seconds m = std::min(first.b, second.a);
  return {first.a + second.a - m, first.b + second.b - m};
}

Seconds makespan(const std::vector<Job>& jobs, const std::vector<std::uint32_t>& order) {
  Seconds c1 = 0, c2 = 0;
  for (auto j : order) {
    c1 += jobs[j].a;
    c2 = std::max(c2, c1) + jobs[j].b;
  }
  return std::max(c1, c2);
}

std::vector<std::uint32_t> johnson_order(const std::vector<Job>& jobs) {
  std::vector<std::uint32_t> order(jobs.size());
  std::iota(order.begin(), order.end(), 0u);
  std::stable_sort(order.begin(), order.end(), [&](std::uint32_t x, std::uint32_t y) {
    return johnson_before(jobs[x], jobs[y]);
  });
  return order;
}

std::vector<std::uint32_t> merge_out_forest(const std::vector<Job>& jobs,
                                            const std::vector<std::int32_t>& parent,
                                            const std::vector<std::uint32_t>& tie) {
  const auto n = static_cast<std::uint32_t>(jobs.size());
  constexpr std::uint32_t kNone = ~0u;
  // A composite is named by its head: the one node whose parent lies outside it.
  std::vector<Job> composite(jobs);
  std::vector<std::uint32_t> owner(n), next(n, kNone), tail(n), version(n, 0);
  std::iota(owner.begin(), owner.end(), 0u);
  std::iota(tail.begin(), tail.end(), 0u);
  auto find = [&](std::uint32_t v) {
    std::uint32_t r = v;
    while (owner[r] != r)
      r = owner[r];
    while (owner[v] != r) {
      const auto up = owner[v];
      owner[v] = r;
      v = up;
    }
    return r;
  };
  struct Entry {
    Job job;
    std::uint32_t head, version;
  };
  // priority_queue keeps the greatest on top: "less" means "goes after".
  auto after = [&](const Entry& x, const Entry& y) {
    if (johnson_before(y.job, x.job))
      return true;
    if (johnson_before(x.job, y.job))
      return false;
    return tie[x.head] > tie[y.head];
  };
  std::priority_queue<Entry, std::vector<Entry>, decltype(after)> heap(after);
  for (std::uint32_t v = 0; v < n; ++v)
    if (parent[v] >= 0)
      heap.push({composite[v], v, 0});
  while (!heap.empty()) {
    const auto e = heap.top();
    heap.pop();
    if (owner[e.head] != e.head || version[e.head] != e.version)
      continue; // merged away or changed since
    const auto k = e.head;
    const auto j = find(static_cast<std::uint32_t>(parent[k]));
    // Duan-Wu §2.3 (b): the child of highest priority follows its parent immediately.
    composite[j] = compose(composite[j], composite[k]);
    next[tail[j]] = k;
    tail[j] = tail[k];
    owner[k] = j;
    ++version[j];
    if (parent[j] >= 0)
      heap.push({composite[j], j, version[j]});
  }
  std::vector<std::uint32_t> roots;
  for (std::uint32_t v = 0; v < n; ++v)
    if (parent[v] < 0)
      roots.push_back(v);
  std::stable_sort(roots.begin(), roots.end(), [&](std::uint32_t x, std::uint32_t y) {
    if (johnson_before(composite[x], composite[y]))
      return true;
    if (johnson_before(composite[y], composite[x]))
      return false;
    return tie[x] < tie[y];
  });
  std::vector<std::uint32_t> order;
  order.reserve(n);
  for (auto r : roots)
    for (auto v = r; v != kNone; v = next[v])
      order.push_back(v);
  return order;
}

} // namespace tandem::duan_wu
