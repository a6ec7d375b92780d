// Each source is read and optimized as `build` would for this one target; one that does not fit
// whole is split, and each part is routed by the same rule `build` uses.
#include "pipeline/check.h"

#include "optimizer/splitter.h"
#include "pipeline/routing.h"
#include "pipeline/source.h"
#include "plist/file_io.h"

namespace cmdm::pipeline {

namespace {

// How many parts the splitter makes, and how many of them cannot go through the MDM.
void count_parts(const plist::Value& profile, const CheckOptions& options, CheckRow& row) {
  optimizer::SplitOptions so;
  so.optimize = options.optimize;
  Result<optimizer::Split> split = optimizer::split(profile, so);
  if (!split) {
    row.error = split.error();
    return;
  }
  const emitters::Target& target = *options.optimize.target;
  row.parts = split->parts.size();
  for (const optimizer::SplitPart& p : split->parts) {
    std::string refusal = target.refusal ? target.refusal({p.optimized.profile}) : std::string();
    if (row.refusal.empty()) row.refusal = refusal;
    RouteDecision decision =
        route_part(target,
                   {.size = p.optimized.command_size,
                    .format = p.optimized.encoding.format,
                    .mdm_only = optimizer::mdm_only_type(p.payloads, options.optimize.schema),
                    .refusal = refusal},
                   {.limit = row.limit,
                    .local_allowed = options.local_allowed,
                    .level = options.optimize.level});
    row.undeliverable += decision.route != emitters::Route::kMdm;
  }
}

CheckRow check_one(const std::string& file, const CheckOptions& options) {
  CheckRow row;
  row.file = file;
  row.limit = optimizer::effective_limit(*options.optimize.target, options.optimize.limit);
  Result<std::string> bytes = read_file(file);
  if (!bytes) return row.error = bytes.error(), row;
  row.bytes_in = bytes->size();
  Result<Source> source = read_source(*bytes, file, options.context, options.sources);
  if (!source) return row.error = source.error(), row;
  row.warnings = std::move(source->warnings);
  const std::string* id = source->profile.get_string("PayloadIdentifier");
  row.identifier = id ? *id : "";
  row.line = source->identifier_line;
  Result<optimizer::Optimized> optimized = optimizer::optimize(source->profile, options.optimize);
  if (!optimized) return row.error = optimized.error(), row;
  row.bytes_out = optimized->bytes.size();
  row.command_size = optimized->command_size;
  row.limit = optimized->limit;
  row.fits = optimized->fits;
  row.parts = 1;
  if (!row.fits) {
    count_parts(source->profile, options, row);
  } else if (const emitters::Target& target = *options.optimize.target; target.refusal) {
    row.refusal = target.refusal({optimized->profile});
    row.undeliverable = row.refusal.empty() ? 0 : 1;
  }
  return row;
}

}  // namespace

std::vector<CheckRow> check(const std::vector<std::string>& files, const CheckOptions& options) {
  std::vector<CheckRow> rows;
  rows.reserve(files.size());
  for (const std::string& file : files) rows.push_back(check_one(file, options));
  return rows;
}

}  // namespace cmdm::pipeline
