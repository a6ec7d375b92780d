// Edit distance and "did you mean" suggestions.
#include "plist/suggest.h"

#include <algorithm>
#include <numeric>

namespace cmdm {

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  std::iota(row.begin(), row.end(), 0);
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diag = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

std::vector<std::string> closest_matches(std::string_view name,
                                         const std::vector<std::string>& candidates,
                                         std::size_t max) {
  std::size_t limit = std::max<std::size_t>(2, name.size() / 3);
  std::vector<std::pair<std::size_t, std::size_t>> scored;  // distance, index
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    std::size_t d = edit_distance(name, candidates[i]);
    if (d <= limit) scored.emplace_back(d, i);
  }
  std::stable_sort(scored.begin(), scored.end(),
                   [](const auto& x, const auto& y) { return x.first < y.first; });
  std::vector<std::string> out;
  for (const auto& [d, i] : scored) {
    if (out.size() >= max) break;
    out.push_back(candidates[i]);
  }
  return out;
}

Error unknown_name(std::string_view what, std::string_view name,
                   const std::vector<std::string>& candidates, std::string_view listing) {
  std::string message = "unknown " + std::string(what) + " '" + std::string(name) + "'";
  std::vector<std::string> close = closest_matches(name, candidates, 1);
  if (!close.empty()) message += "; did you mean '" + close.front() + "'?";
  if (!listing.empty()) message += " " + std::string(listing);
  return Error::make(ExitCode::kUsage, "", message);
}

}  // namespace cmdm
