// Where a profile's counted characters go (per payload and per key), what each pass saved, and the
// next step that would make it fit. Every share is measured: the size with the part minus without.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "optimizer/optimizer.h"
#include "optimizer/splitter.h"

namespace cmdm::optimizer {

struct Share {
  std::string what;         // a key, or "PayloadContent[2] com.apple.TCC... (identifier)"
  std::size_t chars = 0;    // counted characters the part costs: size with it minus size without
  std::vector<Share> keys;  // for a payload: its keys, largest first
};

struct Explanation {
  Optimized result;                    // at the requested level
  std::size_t input_command_size = 0;  // the source as given (0 when unknown)
  std::vector<Share> top_level;        // top-level keys other than PayloadContent, largest first
  std::vector<Share> payloads;         // largest first
  std::size_t envelope = 0;            // the size of an empty dict in this encoding and wrapper
  struct AtLevel {
    Level level;
    std::size_t command_size = 0;
    bool fits = false;
  };
  std::vector<AtLevel> levels;  // the same profile at every level
  // When no level makes the whole profile fit: the real split at the requested level and at each
  // higher one up to the first where every part fits.
  struct SplitAtLevel {
    Level level;
    std::size_t parts = 0;
    std::vector<std::string> too_large;  // per part that still does not fit: the payloads it holds
  };
  std::vector<SplitAtLevel> splits;
  std::vector<std::string> next_steps;
};

struct ExplainInput {
  std::size_t stored_bytes = 0;  // the source file's size, 0 when not from a file
  std::size_t stored_command_size = 0;
  bool source_signed = false;  // the source was a signed profile (unwrapped for this)
  // Shares in binary are measured by encoding the profile without each element; that and the
  // splits spend at most this many work units (SplitOptions::work_budget).
  std::size_t work_budget = kDefaultSplitWorkBudget;
};

Result<Explanation> explain(const plist::Value& profile, const OptimizeOptions& options,
                            const ExplainInput& input = {});

}  // namespace cmdm::optimizer
