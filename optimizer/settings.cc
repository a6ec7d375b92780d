// Resolves user-facing names into optimizer options, loading Apple's schema only when needed.
#include "optimizer/settings.h"

#include <algorithm>

namespace cmdm::optimizer {

Result<Prepared> prepare(const Settings& settings) {
  Prepared p;
  if (settings.target.empty()) return Error::make(ExitCode::kUsage, "", "no --target given");
  Result<const emitters::Target*> target = emitters::find_target(settings.target);
  if (!target) {
    Error e = target.error();
    e.code = ExitCode::kUsage;
    return e;
  }
  Result<Level> level = parse_level(settings.level);
  if (!level) return level.error();
  p.options.target = *target;
  p.options.level = *level;
  p.options.limit = settings.limit;
  p.options.enable = settings.enable;
  p.options.disable = settings.disable;
  for (const std::vector<std::string>* ids : {&settings.enable, &settings.disable}) {
    for (const std::string& id : *ids) {
      Result<const PassInfo*> pass = find_pass(id);
      if (!pass) return pass.error();
    }
  }
  // A schema named on the command line is always read (the splitter also learns from it which
  // payload types only an MDM may install); one from $CMDM_SCHEMAS only when a pass needs it.
  const bool wants_schema =
      !settings.schemas.empty() ||
      ((*level >= Level::kAggressive ||
        std::count(settings.enable.begin(), settings.enable.end(), "drop-unknown-keys")) &&
       !std::count(settings.disable.begin(), settings.disable.end(), "drop-unknown-keys"));
  std::string dir = settings.schemas.empty() ? Schema::default_dir() : settings.schemas;
  if (wants_schema && !dir.empty()) {
    Result<Schema> schema = Schema::load(dir);
    if (!schema) return schema.error();
    p.schema = std::make_shared<const Schema>(std::move(schema.value()));
    p.options.schema = p.schema.get();
  }
  return p;
}

}  // namespace cmdm::optimizer
