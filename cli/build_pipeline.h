// The `cmdm build` pipeline: compile → optimize → split → sign (policy) → emit, as library code so
// tests drive it in memory. It lives in cli/ because it ties every library together; emitters/
// must not depend on the optimizer or compiler (the optimizer links cmdm_emitters).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "emitters/layout.h"
#include "emitters/manifest.h"
#include "emitters/targets.h"
#include "compiler/compiler.h"
#include "optimizer/schema.h"
#include "plist/diagnostic.h"
#include "signer/policy.h"
#include "signer/signer.h"

namespace cmdm::cli {

struct BuildOptions {
  std::vector<const emitters::Target*> targets;  // at least one
  std::string level = "lossless";  // optimizer level: lossless, safe, aggressive
  // A part too large for an MDM target's limit even alone is routed `local` there (a
  // .mobileconfig installed on the device) only when this is set (`--allow-local`, or `--os`
  // naming macOS 10.15 or older); otherwise that route is `undeliverable`, as in `cmdm split`.
  bool local_allowed = false;
  // Apple's schema (`--schemas`), or null: tells which payload types only an MDM may install (never
  // routed `local`) and, at --level aggressive, which keys a payload type does not know.
  std::shared_ptr<const optimizer::Schema> schema;
  // Template variables and facts (`--var`, `--vars`, `--facts`).
  compiler::Context context;
  // Signing (`--sign-key/--sign-cert` or `--sign-p12`): null means unsigned output. The policy
  // decides per part from measured sizes (signer/policy.h).
  const signer::Identity* identity = nullptr;
  signer::SigningPolicy policy = signer::SigningPolicy::kPreferSigned;
  std::optional<std::int64_t> signing_time;  // SOURCE_DATE_EPOCH, for reproducible signatures
  // Fill every CommandUUID slot with a fresh random UUID at build time (`--command-uuid fresh`);
  // outputs then differ between builds by design. Needs `uuids`.
  bool fresh_command_uuids = false;
  emitters::UuidSource* uuids = nullptr;
  std::string generator = "cmdm";  // written into the manifest ("cmdm 0.1.0")
  // Skip sources that fail (and later sources reusing an identifier) instead of failing the
  // build: their diagnostics go to BuildOutput::skipped and the rest is emitted (`--keep-going`).
  bool keep_going = false;
  // Called before each source is processed: index (0-based), count, path.
  std::function<void(std::size_t, std::size_t, const std::string&)> progress;
};

// One source as bytes, with the name it was given by.
struct SourceInput {
  std::string path;
  std::string bytes;
};

// Everything a build produces, in memory: the manifest (also among the artifacts, as
// manifest.json, last) and every file of OUT, plus warnings that did not stop the build.
struct BuildOutput {
  emitters::Manifest manifest;
  std::vector<emitters::Artifact> artifacts;
  std::vector<Diagnostic> warnings;
  std::vector<Diagnostic> skipped;  // with keep_going: why sources were left out
  std::size_t skipped_sources = 0;
  std::size_t undeliverable = 0;  // routes that cannot reach the device at all
  std::size_t routed_local = 0;   // MDM routes that fell back to local install (local_allowed)
};

// Builds every source. Any source error fails the whole build (all diagnostics are returned) so
// that a failed run never leaves a partial output, unless options.keep_going.
Result<BuildOutput> build(const std::vector<SourceInput>& sources, const BuildOptions& options);

// Expands source arguments: a file stays itself, a directory lists its sources
// (compiler::expand_sources: *.mobileconfig, *.plist, *.json, *.yaml, *.yml; not recursive),
// sorted bytewise.
Result<std::vector<std::string>> expand_source_paths(const std::vector<std::string>& args);

struct BuildRun {
  BuildOutput output;
  emitters::WriteStats stats;
  bool bundle_written = false;
  std::size_t bundle_bytes = 0;
};

// Reads the sources, builds, and writes OUT (incrementally) and, with `bundle`, OUT/bundle.cmdm.
Result<BuildRun> run_build(const std::vector<std::string>& source_args, const std::string& out_dir,
                           bool bundle, const BuildOptions& options);

// Unpacks a bundle into `out_dir` (incrementally, atomically).
Result<emitters::WriteStats> unbundle(const std::string& bundle_path, const std::string& out_dir);

}  // namespace cmdm::cli
