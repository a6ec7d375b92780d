// "Did you mean": the candidates closest to a misspelt name, by edit distance.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace cmdm {

// Levenshtein distance (insertions, deletions, substitutions; each costs 1).
std::size_t edit_distance(std::string_view a, std::string_view b);

// Up to `max` candidates within a distance of max(2, |name|/3), closest first, ties in input order.
std::vector<std::string> closest_matches(std::string_view name,
                                         const std::vector<std::string>& candidates,
                                         std::size_t max = 3);

}  // namespace cmdm
