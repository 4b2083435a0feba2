#include "core/emulation.hpp"

#include <algorithm>
#include <charconv>

namespace tandem {
namespace {

constexpr int kMaxCpu = 1023; // CPU_SETSIZE - 1 on Linux

std::optional<int> parse_cpu(std::string_view text) {
  int value = -1;
  const auto* last = text.data() + text.size();
  const auto [end, ec] = std::from_chars(text.data(), last, value);
  if (text.empty() || ec != std::errc() || end != last || value < 0 || value > kMaxCpu)
    return std::nullopt;
  return value;
}

} // namespace

std::optional<std::vector<int>> parse_cpu_list(std::string_view text) {
  std::vector<int> cpus;
  while (true) {
    const auto comma = text.find(',');
    const auto item = text.substr(0, comma);
    const auto dash = item.find('-');
    const auto first = parse_cpu(item.substr(0, dash));
    const auto last = dash == std::string_view::npos ? first : parse_cpu(item.substr(dash + 1));
    if (!first || !last || *last < *first)
      return std::nullopt;
    for (int cpu = *first; cpu <= *last; ++cpu) {
      if (std::find(cpus.begin(), cpus.end(), cpu) != cpus.end())
        return std::nullopt;
      cpus.push_back(cpu);
    }
    if (comma == std::string_view::npos)
      return cpus;
    text.remove_prefix(comma + 1);
  }
}

} // namespace tandem
