// The size report shared by `cmdm explain` and `cmdm check`: one profile explained from its file,
// and the self-contained HTML page (`--html FILE`) that shows, per profile, the command size
// against the target's limit, a treemap of where the characters go, what each pass saved and
// what would make it fit.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "compiler/compiler.h"
#include "optimizer/explain.h"
#include "pipeline/source.h"
#include "plist/diagnostic.h"

namespace cmdm::cli {

struct ExplainedSource {
  optimizer::Explanation explanation;
  std::vector<Diagnostic> warnings;  // from reading the source
};

// Reads `file` as a source (templates, signed profiles) and explains it for `options`.
Result<ExplainedSource> explain_source(const std::string& file,
                                       const optimizer::OptimizeOptions& options,
                                       const compiler::Context& context,
                                       const pipeline::SourceOptions& sources);

// The profile's PayloadIdentifier, empty when it has none.
std::string identifier_of(const optimizer::Explanation& explanation);

// What would make the profile fit, from explain's next steps without the one that restates the
// excess ("does not fit: 4109 > 2000"); for a profile that fits, how much room is left.
std::vector<std::string> fix_steps(const optimizer::Explanation& explanation);

// One profile in the page: its explanation, or why there is none.
struct ReportEntry {
  std::string file;
  std::optional<optimizer::Explanation> explanation;
  std::string error;  // when there is no explanation
};

// One HTML page with inline CSS and SVG: no script, no external resource. Treemap areas are the
// measured shares of the encoded profile (optimizer::explain).
std::string html_report(const std::vector<ReportEntry>& entries, const std::string& target,
                        const std::string& title);

}  // namespace cmdm::cli
