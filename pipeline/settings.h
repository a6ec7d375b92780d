// Turns the names a user types (target, level, pass ids, schema folder) into OptimizeOptions,
// shared by every command that optimizes: check, explain, optimize, split and build.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "optimizer/optimizer.h"

namespace cmdm::pipeline {

struct Settings {
  std::string target;
  std::string level = "lossless";
  std::size_t limit = 0;
  std::vector<std::string> enable;
  std::vector<std::string> disable;
  std::string schemas;          // --schemas
  std::string default_schemas;  // when --schemas is not given: $CMDM_SCHEMAS (read by cli/)
};

struct Prepared {
  optimizer::OptimizeOptions options;
  std::shared_ptr<const optimizer::SchemaFacts> schema;  // options.schema points here
};

// Resolves every name (unknown ones get "did you mean", ExitCode::kUsage) and loads the schema
// facts when a schema folder is named.
Result<Prepared> prepare(const Settings& settings);

}  // namespace cmdm::pipeline
