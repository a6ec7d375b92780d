// The optimizer: levels, the pass registry, and optimize(), which runs the level's passes until the
// size the target counts stops shrinking. Sizes are measured by encoding the real artifact.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "emitters/targets.h"
#include "emitters/vocabulary.h"
#include "optimizer/encoding.h"
#include "optimizer/schema.h"
#include "plist/diagnostic.h"
#include "plist/value.h"

namespace cmdm::optimizer {

// DESIGN.md "Optimizer levels" (emitters/vocabulary.h holds the kind and its names).
using emitters::Level;
using emitters::level_name;
using emitters::parse_level;

// What a pass may look at besides the profile.
struct PassContext {
  Level level = Level::kLossless;
  const emitters::Target* target = nullptr;
  const SchemaFacts* schema = nullptr;  // null: no schema given
  std::size_t limit = 0;                // the limit being aimed at (0 = none)
};

// One reduction. A pass changes the profile, its encoding, or both, and may leave a note (why it
// did nothing, for example). Passes see only the model: no files, clock or randomness.
class Pass {
 public:
  virtual ~Pass() = default;
  virtual Status run(plist::Value& profile, Encoding& encoding, const PassContext& context,
                     std::vector<std::string>& notes) = 0;
};

// One row of the pass registry (optimizer/registry.cc), in the order passes run.
struct PassInfo {
  std::string_view id;
  std::string_view description;
  Level level;  // the lowest level that runs it
  std::unique_ptr<Pass> (*factory)();
};
const std::vector<PassInfo>& passes();
// Finds a pass by id; an unknown id gets an Error with "did you mean".
Result<const PassInfo*> find_pass(std::string_view id);

struct OptimizeOptions {
  Level level = Level::kLossless;
  const emitters::Target* target = nullptr;  // required
  std::size_t limit = 0;                     // overrides the target's limit when not 0
  std::vector<std::string> enable;           // --pass ID: run these too, whatever their level
  std::vector<std::string> disable;          // --no-pass ID: never run these
  const SchemaFacts* schema = nullptr;
  // Check the invariants (optimizer/invariants.h) after every pass; tests turn it on.
  bool validate_each_pass = false;
  int max_rounds = 8;
};

// What one pass saved over all rounds, in the target's counted characters and in profile bytes.
struct PassSaving {
  std::string id;
  long long chars = 0;
  long long bytes = 0;
};

struct Optimized {
  plist::Value profile;
  Encoding encoding;
  std::string bytes;             // the optimized profile, encoded
  std::size_t command_size = 0;  // what the target counts for `bytes`
  std::size_t limit = 0;         // 0 = no limit
  bool fits = true;
  Level level = Level::kLossless;
  // Before any pass: the profile as minimal XML with declaration and DOCTYPE.
  std::size_t baseline_bytes = 0;
  std::size_t baseline_command_size = 0;
  std::vector<PassSaving> savings;  // one row per pass that ran, registry order
  std::vector<std::string> notes;   // "id: why it did nothing", ...
  int rounds = 0;
};

// The limit in force: the override when not 0, else the target's default (0 = no limit).
std::size_t effective_limit(const emitters::Target& target, std::size_t limit_override);

// Optimizes one profile (the top-level dict of a .mobileconfig).
Result<Optimized> optimize(plist::Value profile, const OptimizeOptions& options);

}  // namespace cmdm::optimizer
