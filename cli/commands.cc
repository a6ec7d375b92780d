// The subcommand table: one row per command, in the order `cmdm help` lists them (the order of
// the pipeline: build, its stages, then the tools for single files).
#include "cli/command.h"
#include "cli/commands_decl.h"

namespace cmdm::cli {

const std::vector<Command>& commands() {
  static const std::vector<Command> kCommands = {
      {"build", "build profiles, MDM command bodies and a manifest for targets", run_build},
      {"compile", "compile profile sources and templates into complete profiles", run_compile},
      {"validate", "check profiles against the rules and Apple's schema", run_validate},
      {"check", "check that profiles fit a target's size limit at a level", run_check},
      {"explain", "show where a profile's size goes and what would make it fit", run_explain},
      {"optimize", "write profiles as small as a level allows for a target", run_optimize},
      {"split", "divide profiles into parts that fit a target's limit, with a manifest", run_split},
      {"passes", "list the optimizer's passes and the level that runs each", run_passes},
      {"targets", "list MDM targets: wire formats, size limits and what they count", run_targets},
      {"sign", "sign profiles as compact CMS SignedData (RSA, ECDSA; PEM, DER, PKCS#12)", run_sign},
      {"verify", "check a signed profile's signature, content digest and chain", run_verify},
      {"unwrap", "take the profile out of a signed .mobileconfig (drops the signature)",
       run_unwrap},
      {"unbundle", "check a bundle.cmdm and write its files out", run_unbundle},
      {"apply", "make this Mac's profiles match a build, through the MDM's API", run_apply},
      {"profiles",
       "Apple's profiles command lines: listings as installed, installs through the MDM",
       run_profiles},
      {"relay", "serve, publish to and audit the relay that holds the MDM's credentials",
       run_relay},
      {"fmt", "rewrite plists as minimal XML, Apple-style pretty XML or binary", run_fmt},
      {"inspect", "show format, size, identifiers and payloads of profiles", run_inspect},
  };
  return kCommands;
}

}  // namespace cmdm::cli
