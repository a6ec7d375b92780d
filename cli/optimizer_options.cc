// Shared options of the optimizer commands.
#include "cli/optimizer_options.h"

#include <cstdint>

namespace cmdm::cli {

void add_optimizer_options(po::options_description& options, OptimizerArgs& args,
                           const char* target_help) {
  optimizer::Settings& s = args.settings;
  options.add_options()
      ("target,t", po::value(&s.target), target_help)
      ("level,l", po::value(&s.level)->default_value("lossless"), "lossless | safe | aggressive")
      ("limit", po::value<std::int64_t>()->notifier([&s](std::int64_t limit) {
         // Parsed as signed so that "-5" is refused instead of wrapping to a huge limit.
         if (limit < 0) {
           throw po::error("--limit cannot be negative: " + std::to_string(limit));
         }
         s.limit = static_cast<std::size_t>(limit);
       }),
       "override the target's limit (characters or bytes it counts)")
      ("pass", po::value(&s.enable)->composing(), "also run this pass (repeatable)")
      ("no-pass", po::value(&s.disable)->composing(), "never run this pass (repeatable)")
      ("schemas", po::value(&s.schemas), "Apple device-management schema folder (or CMDM_SCHEMAS)")
      ("var", po::value(&args.vars)->composing(), "template variable name=value (repeatable)")
      ("vars", po::value(&args.vars_files)->composing(),
       "template variables file (plist, JSON, YAML)")
      ("facts", po::value(&args.facts_files)->composing(), "device facts file for templates");
}

}  // namespace cmdm::cli
