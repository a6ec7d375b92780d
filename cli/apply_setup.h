// The real device, transport and facts an apply runs with, wired from the configuration: shared
// by `cmdm apply` and the `profiles` front end (`cmdm profiles`), so both reach the MDM alike.
#pragma once

#include <string>

#include "dispatcher/apply.h"
#include "dispatcher/config.h"
#include "dispatcher/device.h"
#include "dispatcher/ledger.h"
#include "frontend/runtime.h"
#include "pipeline/context.h"

namespace cmdm::cli {

// The configuration's path and the tools it names, as the `profiles` front end finds them
// (frontend/runtime.h).
using frontend::config_path;
using frontend::tools_for;

// The template context for sources compiled on the device: the facts gathered by the macOS
// tools, with --vars/--facts/--var on top. Where the tools cannot run (not a Mac: tests, CI),
// only the given inputs are used, with a note on stderr.
Result<compiler::Context> device_template_context(const dispatcher::DispatcherConfig& config,
                                                  const pipeline::TemplateInputs& inputs);

// How a run reports while it works: with `json` false, a progress line per part on a terminal;
// with `verbose`, one line per HTTP attempt on stderr (method, URL without query, status,
// milliseconds, attempt; the transport scrubs credentials from it).
struct ApplyReporting {
  bool json = false;
  bool verbose = false;
};

// Runs one apply against the real device tools and the configured MDM (options.config must be
// set). Fills what the device provides: its facts (read once, on first need: DeviceIdentity,
// User parts, local parts), the local installer, and, unless it is a dry run, the device id
// (DeviceID, else the fact DeviceIdentity names, else the vendor's lookup, cached in the ledger).
Result<dispatcher::ApplySummary> run_configured_apply(dispatcher::ApplyOptions options,
                                                      dispatcher::Ledger& ledger,
                                                      ApplyReporting reporting = {.json = true});

}  // namespace cmdm::cli
