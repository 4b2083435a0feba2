#include "core/profile_csv.hpp"

#include <charconv>
#include <fstream>

#include <fmt/format.h>

#include "core/error.hpp"

namespace tandem {
namespace {

std::vector<std::string> split_commas(const std::string& line) {
  std::vector<std::string> cells;
  std::size_t start = 0;
  while (true) {
    const auto comma = line.find(',', start);
    auto cell = line.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    while (!cell.empty() && (cell.back() == ' ' || cell.back() == '\r'))
      cell.pop_back();
    while (!cell.empty() && cell.front() == ' ')
      cell.erase(cell.begin());
    cells.push_back(std::move(cell));
    if (comma == std::string::npos)
      return cells;
    start = comma + 1;
  }
}

template <typename T> bool parse_number(const std::string& text, T& out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size();
}

} // namespace

std::vector<ProfileRow> read_profile_csv(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in)
    throw InputError({file.string()}, "cannot open the profile CSV (missing or unreadable)");
  std::string line;
  int number = 0;
  std::vector<ProfileRow> rows;
  bool header_seen = false;
  while (std::getline(in, line)) {
    ++number;
    if (!line.empty() && line.back() == '\r')
      line.pop_back();
    if (line.empty() || line[0] == '#')
      continue;
    const SourceLocation where{file.string(), number};
    if (!header_seen) {
      if (line != kProfileCsvHeader)
        throw InputError(where, "header", fmt::format("'{}'", kProfileCsvHeader),
                         fmt::format("'{}'", line));
      header_seen = true;
      continue;
    }
    const auto cells = split_commas(line);
    if (cells.size() != 6)
      throw InputError(where, "row", "6 comma-separated cells", std::to_string(cells.size()));
    ProfileRow row;
    row.model = cells[0];
    row.layer = cells[1];
    row.line = number;
    const auto side = side_from_string(cells[2]);
    if (!side)
      throw InputError(where, "side", "'device' or 'server'", fmt::format("'{}'", cells[2]));
    row.side = *side;
    try {
      row.precision = Precision::parse(cells[3]);
    } catch (const std::invalid_argument&) {
      throw InputError(where, "precision", "fp32, fp16, int8 or q1..q16",
                       fmt::format("'{}'", cells[3]));
    }
    if (!parse_number(cells[4], row.threads) || row.threads < 1)
      throw InputError(where, "threads", "an integer >= 1", fmt::format("'{}'", cells[4]));
    double ms = 0;
    if (!parse_number(cells[5], ms) || !(ms >= 0))
      throw InputError(where, "time_ms", "a number >= 0", fmt::format("'{}'", cells[5]));
    row.time_s = ms_to_s(ms);
    if (row.model.empty() || row.layer.empty())
      throw InputError(where, "model,layer", "non-empty names", "an empty cell");
    rows.push_back(std::move(row));
  }
  if (!header_seen)
    throw InputError({file.string()}, "header", fmt::format("'{}'", kProfileCsvHeader),
                     "an empty file");
  return rows;
}

std::size_t apply_profile(CostTable& table, const Model& model, const std::vector<ProfileRow>& rows,
                          const std::filesystem::path& file, int device_threads,
                          int server_threads) {
  std::size_t applied = 0;
  for (const auto& row : rows) {
    if (row.model != model.name() || row.precision != Precision::fp32())
      continue;
    if (row.threads != (row.side == Side::device ? device_threads : server_threads))
      continue;
    const auto id = model.find(row.layer);
    if (!id)
      throw InputError({file.string(), row.line}, "layer",
                       fmt::format("a layer of model '{}'", model.name()),
                       fmt::format("'{}'", row.layer));
    table.set_measured(*id, row.side, row.time_s);
    ++applied;
  }
  return applied;
}

} // namespace tandem
