// The build pipeline: sources → compile → optimize → split → sign → route → emit, as library code
// so `cmdm build`, `cmdm split` and (next) the dispatcher and the relay run exactly the same
// stages, and tests drive it in memory. Files are read and written only in run_build/unbundle.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "compiler/compiler.h"
#include "emitters/bundle.h"
#include "emitters/layout.h"
#include "emitters/manifest.h"
#include "emitters/targets.h"
#include "emitters/vocabulary.h"
#include "optimizer/schema.h"
#include "pipeline/signing_policy.h"
#include "pipeline/source.h"
#include "plist/diagnostic.h"
#include "signer/signer.h"

namespace cmdm::pipeline {

struct BuildOptions {
  std::vector<const emitters::Target*> targets;  // at least one
  emitters::Level level = emitters::Level::kLossless;
  std::size_t limit = 0;             // overrides every target's limit when not 0 (`--limit`)
  std::vector<std::string> enable;   // passes to run whatever the level (`--pass`)
  std::vector<std::string> disable;  // passes never to run (`--no-pass`)
  // A part too large for an MDM target's limit even alone is routed `local` there (a
  // .mobileconfig installed on the device) only when this is set (`--allow-local`, or `--os`
  // naming macOS 10.15 or older); otherwise that route is `undeliverable` (pipeline/routing.h).
  bool local_allowed = false;
  // Apple's schema facts (`--schemas`), or null: tells which payload types only an MDM may install
  // (never routed `local`) and, at --level aggressive, which keys a payload type does not know.
  std::shared_ptr<const optimizer::SchemaFacts> schema;
  // Template variables and facts (pipeline/context.h).
  compiler::Context context;
  SourceOptions sources;  // how sources are read (`--allow-invalid-signature`)
  // Signing (`--sign-key/--sign-cert` or `--sign-p12`): null means unsigned output. The policy
  // decides per part from measured sizes (pipeline/signing_policy.h).
  const signer::Identity* identity = nullptr;
  SigningPolicy policy = SigningPolicy::kPreferSigned;
  std::optional<std::int64_t> signing_time;  // SOURCE_DATE_EPOCH, for reproducible signatures
  // Fill every CommandUUID slot with a fresh random UUID at build time (`--command-uuid fresh`);
  // outputs then differ between builds by design. Needs `uuids`, which must be thread-safe.
  bool fresh_command_uuids = false;
  emitters::UuidSource* uuids = nullptr;
  // Vendor object choices (`--jamf-scope`, `--fleet-team`, `--fleet-label`).
  emitters::VendorOptions vendor;
  // Write command bodies for MDM routes (`build`); `split` writes only the parts and manifest.
  bool emit_commands = true;
  std::string generator = "cmdm";  // written into the manifest ("cmdm 0.1.0")
  // Skip sources that fail (and later sources reusing an identifier) instead of failing the
  // build: their diagnostics go to BuildOutput::skipped and the rest is emitted (`--keep-going`).
  bool keep_going = false;
  // Sources processed at once (`-j`); the output is the same, byte for byte, for every value.
  unsigned jobs = 1;
  // Called once per source when it is done, from one thread at a time: sources done so far,
  // count, parts made so far, path.
  std::function<void(std::size_t, std::size_t, std::size_t, const std::string&)> progress;
};

// Everything a build produces, in memory: the manifest (also among the artifacts, as
// manifest.json, last) and every file of OUT, plus warnings that did not stop the build.
struct BuildOutput {
  emitters::Manifest manifest;
  std::vector<emitters::Artifact> artifacts;
  std::vector<Diagnostic> warnings;
  std::vector<Diagnostic> skipped;  // with keep_going: why sources were left out
  std::size_t skipped_sources = 0;
  ExitCode skipped_code = ExitCode::kOk;  // the worst code among skipped sources
  std::size_t undeliverable = 0;          // routes that cannot reach the device at all
  std::size_t routed_local = 0;  // MDM routes that fell back to local install (local_allowed)
};

// Checks options that no source can make right (no target; require-signed without an identity):
// ExitCode::kUsage with the fix.
Status check_options(const BuildOptions& options);

// Builds every source. Any source error fails the whole build (all diagnostics are returned, with
// the worst exit code among them) so that a failed run never leaves a partial output, unless
// options.keep_going.
Result<BuildOutput> build(const std::vector<SourceInput>& sources, const BuildOptions& options);

struct BuildRun {
  BuildOutput output;
  emitters::WriteStats stats;
  bool bundle_written = false;
  std::size_t bundle_bytes = 0;
};

// Reads the sources (arguments expanded: pipeline/source.h), builds, and writes OUT
// (incrementally) and, with `bundle`, OUT/bundle.cmdm.
Result<BuildRun> run_build(const std::vector<std::string>& source_args, const std::string& out_dir,
                           bool bundle, const BuildOptions& options);

// Unpacks a bundle into `out_dir` (incrementally, atomically), within `limits`. With trust
// `anchors` (CA certificates, PEM or DER), the bundle must carry a manifest signature that chains
// to one of them (pipeline/trust.h), or nothing is written.
Result<emitters::WriteStats> unbundle(const std::string& bundle_path, const std::string& out_dir,
                                      const emitters::BundleLimits& limits = {},
                                      const std::vector<std::string>& anchors = {});

}  // namespace cmdm::pipeline
