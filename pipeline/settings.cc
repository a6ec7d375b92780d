// Resolves user-facing names into optimizer options, loading Apple's schema only when needed.
#include "pipeline/settings.h"

#include "pipeline/schema_facts.h"

namespace cmdm::pipeline {

Result<Prepared> prepare(const Settings& settings) {
  Prepared p;
  if (settings.target.empty()) return Error::make(ExitCode::kUsage, "", "no --target given");
  Result<const emitters::Target*> target = emitters::find_target(settings.target);
  if (!target) {
    Error e = target.error();
    e.code = ExitCode::kUsage;
    return e;
  }
  Result<optimizer::Level> level = optimizer::parse_level(settings.level);
  if (!level) return level.error();
  p.options.target = *target;
  p.options.level = *level;
  p.options.limit = settings.limit;
  p.options.enable = settings.enable;
  p.options.disable = settings.disable;
  for (const std::vector<std::string>* ids : {&settings.enable, &settings.disable}) {
    for (const std::string& id : *ids) {
      Result<const optimizer::PassInfo*> pass = optimizer::find_pass(id);
      if (!pass) return pass.error();
    }
  }
  // The schema is read whenever one is given or $CMDM_SCHEMAS names one, as `build` does: besides
  // the aggressive passes, the routing rule learns from it which payload types only an MDM may
  // install, and every command must route a part alike.
  std::string dir = settings.schemas.empty() ? settings.default_schemas : settings.schemas;
  if (!dir.empty()) {
    Result<optimizer::SchemaFacts> schema = load_schema_facts(dir);
    if (!schema) return schema.error();
    p.schema = std::make_shared<const optimizer::SchemaFacts>(std::move(schema.value()));
    p.options.schema = p.schema.get();
  }
  return p;
}

}  // namespace cmdm::pipeline
