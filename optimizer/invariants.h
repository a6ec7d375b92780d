// The invariants every pass keeps, checked between passes in tests: what a level may change and
// what it never changes (DESIGN.md "Optimizer levels").
#pragma once

#include <string_view>

#include "optimizer/optimizer.h"

namespace cmdm::optimizer {

// OK when `current` differs from `original` only as `level` allows: the profile's
// PayloadIdentifier and top-level PayloadUUID unchanged, payload UUIDs still unique, no key added,
// every remaining value equal (payload UUIDs may be shortened at aggressive), and only the keys the
// level may drop gone. Otherwise an internal Error that names `pass` and the key path.
Status check_invariants(const plist::Value& original, const plist::Value& current, Level level,
                        const SchemaFacts* schema, bool mdm_target, std::string_view pass);

}  // namespace cmdm::optimizer
