// The optimizer's facts about payload types (optimizer/schema.h), read from a checkout of Apple's
// device-management schema through the compiler's schema model, which the validator also uses, so
// both read Apple's YAML the same way.
#pragma once

#include <memory>
#include <string>

#include "optimizer/schema.h"
#include "plist/diagnostic.h"

namespace cmdm::pipeline {

// Loads DIR/mdm/profiles/*.yaml (or DIR/*.yaml when DIR is that folder itself).
Result<optimizer::SchemaFacts> load_schema_facts(const std::string& dir);

}  // namespace cmdm::pipeline
