// The splitter: divides a profile whose command does not fit the target's limit into parts that
// each fit, measuring every candidate part as its real encoded command (DESIGN.md "Splitting").
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "emitters/manifest.h"
#include "optimizer/optimizer.h"

namespace cmdm::optimizer {

// Payload types the OS combines across profiles, so one payload may be divided by key or entry.
// Nothing outside this table is split inside.
enum class Division { kByKey, kCustomSettings, kPrivacyPreferences };
struct MergeableType {
  std::string_view
      payload_type;  // "" for the app-domain row (any PayloadType that is an app's domain)
  Division division;
  std::string_view reason;
  std::string_view reference;
};
const std::vector<MergeableType>& mergeable_types();
// The row for a payload type, or nullptr. App preference domains (types the schema does not know
// and that are not com.apple.*) take the app-domain row.
const MergeableType* find_mergeable(std::string_view payload_type, const SchemaFacts* schema);

// One payload of a part: a whole source payload, or a piece of one (some of its keys or entries).
struct PartPayload {
  std::string identifier;  // in the part
  std::string type;
  std::string origin_identifier;  // the source payload it came from
  std::string origin_uuid;
  std::size_t origin_index = 0;  // position in the source's PayloadContent
  bool piece = false;
};

struct SplitPart {
  std::string identifier;  // "<profile id>.<suffix>", or the profile's own when not split
  std::string uuid;
  std::vector<PartPayload> payloads;
  Optimized optimized;  // the part's profile, encoded and measured
  // What the packer's incremental model counted for the part in its XML form: equal to
  // optimized.command_size when the part is XML, more when the optimizer chose binary. For a
  // source that stays one part, its optimized command size.
  std::size_t planned_size = 0;
  // Why the part does not fit the limit even alone ("needs 2500 characters alone, over the limit of
  // 2000"); empty when optimized.fits. Where such a part goes is the pipeline's routing rule.
  std::string reason;
};

struct Split {
  std::string identifier;  // the source profile's
  std::string uuid;
  bool whole_fits = false;       // no split needed
  std::vector<SplitPart> parts;  // one part with the source's identity unless it really divides
  std::size_t work = 0;          // work units spent (SplitOptions::work_budget)
  bool all_fit() const;          // every part fits the limit
};

inline constexpr std::size_t kDefaultSplitWorkBudget = std::size_t{1} << 30;

struct SplitOptions {
  OptimizeOptions optimize;
  // Work units the splitter may spend on one profile: one per byte of XML encoded to measure a
  // part (its size before passes) and one per packing trial. Measuring is incremental, so real
  // profiles stay far below (a 5,000-key custom-settings payload needs about 1.5 million); past the
  // budget, split() fails with a data error naming the profile instead of running for hours.
  std::size_t work_budget = kDefaultSplitWorkBudget;
};

Result<Split> split(const plist::Value& profile, const SplitOptions& options);

// The first payload type of `part` that macOS installs only through an MDM (optimizer/mdm_only.h:
// by `schema` when given, else by the built-in list), or empty. Such a part is never routed
// `local`.
std::string mdm_only_type(const std::vector<PartPayload>& payloads, const SchemaFacts* schema);

// Merges parts' payloads back by the OS's rule for their types (whole payloads as they are; pieces
// of one payload united key by key, entry by entry), in source order. Used to check a split.
plist::Array merge_back(const Split& split);

}  // namespace cmdm::optimizer
