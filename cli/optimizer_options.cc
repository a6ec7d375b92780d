// Shared options of the optimizer commands.
#include "cli/optimizer_options.h"

#include <cstdint>

#include "compiler/compiler.h"
#include "compiler/expr.h"

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

bool LocalInstallArgs::local_allowed() const {
  // "10.15.7" is before "11": every 10.x release still installs profiles without a person.
  return allow_local || (os == "macOS" && !os_version.empty() &&
                         compiler::compare_versions(os_version, "11") < 0);
}

void add_local_install_options(po::options_description& options, LocalInstallArgs& args) {
  options.add_options()
      ("allow-local", po::bool_switch(&args.allow_local),
       "route a part too large for the MDM even alone to local install (.mobileconfig) whatever "
       "the OS; without it only --os macOS:10.15 or older allows that")
      ("os", po::value<std::string>()->notifier([&args](const std::string& text) {
         compiler::ValidateOptions parsed;
         if (Status s = compiler::parse_os(text, parsed); !s) {
           throw po::error(s.error().diagnostics[0].message);
         }
         args.os = parsed.os;
         args.os_version = parsed.os_version;
       }),
       "platform and version of the devices, e.g. macOS:10.15 (default: macOS, any version); "
       "macOS older than 11 allows local install");
}

}  // namespace cmdm::cli
