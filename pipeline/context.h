// The template context (variables and device facts) from the three inputs every command that
// compiles sources takes: `--vars FILE`, `--facts FILE` and `--var NAME=VALUE`. One function builds
// it, so compile, validate, check, explain, optimize, split and build render a source alike.
#pragma once

#include <string>
#include <vector>

#include "compiler/compiler.h"
#include "plist/diagnostic.h"

namespace cmdm::pipeline {

struct TemplateInputs {
  std::vector<std::string> vars_files;   // --vars, merged at the top level, in order
  std::vector<std::string> facts_files;  // --facts, merged under `facts`, in order
  std::vector<std::string> vars;         // --var NAME=TEXT or NAME:=JSON, in order
};

// Precedence (docs/templates.md): files first (every --vars file, then every --facts file, later
// wins), --var assignments last, so the command line wins over any file, also for `facts.NAME`.
// A malformed --var is ExitCode::kUsage; unreadable or malformed files keep their own codes.
Result<compiler::Context> make_context(const TemplateInputs& inputs);

}  // namespace cmdm::pipeline
