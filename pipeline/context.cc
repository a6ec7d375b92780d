// One builder of the template context, in the documented order: files, then the command line.
#include "pipeline/context.h"

namespace cmdm::pipeline {

Result<compiler::Context> make_context(const TemplateInputs& inputs) {
  compiler::Context context;
  for (const std::string& f : inputs.vars_files) {
    if (Status s = compiler::add_vars_file(context, f); !s) return s.error();
  }
  for (const std::string& f : inputs.facts_files) {
    if (Status s = compiler::add_facts_file(context, f); !s) return s.error();
  }
  for (const std::string& v : inputs.vars) {
    if (Status s = compiler::add_var_assignment(context, v); !s) return s.error();
  }
  return context;
}

}  // namespace cmdm::pipeline
