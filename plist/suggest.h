// "Did you mean": the candidates closest to a misspelt name, by edit distance.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "plist/diagnostic.h"

namespace cmdm {

// Levenshtein distance (insertions, deletions, substitutions; each costs 1).
std::size_t edit_distance(std::string_view a, std::string_view b);

// Up to `max` candidates within a distance of max(2, |name|/3), closest first, ties in input order.
std::vector<std::string> closest_matches(std::string_view name,
                                         const std::vector<std::string>& candidates,
                                         std::size_t max = 3);

// The one wording of an unknown name in a table (level, target, pass, signing policy, route):
// "unknown <what> '<name>'; did you mean '<closest>'? <listing>", ExitCode::kUsage. `listing`
// says where the names are, e.g. "(lossless, safe, aggressive)" or "(`cmdm targets` lists them)".
Error unknown_name(std::string_view what, std::string_view name,
                   const std::vector<std::string>& candidates, std::string_view listing);

}  // namespace cmdm
