// Turns the names a user types (target, level, pass ids, schema folder) into OptimizeOptions,
// shared by `cmdm check`, `cmdm explain`, `cmdm optimize` and `cmdm split`.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "optimizer/optimizer.h"

namespace cmdm::optimizer {

struct Settings {
  std::string target;
  std::string level = "lossless";
  std::size_t limit = 0;
  std::vector<std::string> enable;
  std::vector<std::string> disable;
  std::string schemas;  // empty: $CMDM_SCHEMAS, else none
};

struct Prepared {
  OptimizeOptions options;
  std::shared_ptr<const Schema> schema;  // options.schema points here
};

// Resolves every name (unknown ones get "did you mean", ExitCode::kUsage). The schema is loaded
// only when a pass that uses it will run.
Result<Prepared> prepare(const Settings& settings);

}  // namespace cmdm::optimizer
