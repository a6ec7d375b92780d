// Runs the selected passes over a profile, measuring after each, until a whole round no longer
// shrinks what the target counts (binaryen's --converge). A pass that makes it bigger is undone.
#include "optimizer/optimizer.h"

#include <algorithm>
#include <set>

#include "optimizer/invariants.h"
#include "plist/suggest.h"

namespace cmdm::optimizer {

std::size_t effective_limit(const emitters::Target& target, std::size_t limit_override) {
  return limit_override ? limit_override : target.default_limit;
}

namespace {

struct Measured {
  std::string bytes;
  std::size_t size = 0;  // what the target counts
};

Result<Measured> measure(const plist::Value& profile, const Encoding& encoding,
                         const emitters::Target& target) {
  Result<std::string> bytes = encode(profile, encoding);
  if (!bytes) return bytes.error();
  Measured m;
  m.size = target.command_size(*bytes);
  m.bytes = std::move(bytes.value());
  return m;
}

Result<std::vector<const PassInfo*>> select_passes(const OptimizeOptions& options) {
  std::set<std::string_view> enable, disable;
  for (const std::string& id : options.enable) {
    Result<const PassInfo*> p = find_pass(id);
    if (!p) return p.error();
    enable.insert((*p)->id);
  }
  for (const std::string& id : options.disable) {
    Result<const PassInfo*> p = find_pass(id);
    if (!p) return p.error();
    disable.insert((*p)->id);
  }
  std::vector<const PassInfo*> selected;
  for (const PassInfo& p : passes()) {
    if ((p.level <= options.level || enable.count(p.id)) && !disable.count(p.id))
      selected.push_back(&p);
  }
  return selected;
}

}  // namespace

Result<Optimized> optimize(plist::Value profile, const OptimizeOptions& options) {
  if (!options.target) return Error::make(ExitCode::kInternal, "", "optimize: no target given");
  const emitters::Target& target = *options.target;
  Result<std::vector<const PassInfo*>> selected = select_passes(options);
  if (!selected) return selected.error();

  // The highest level among the passes that run decides what the invariants allow.
  Level allowed = options.level;
  for (const PassInfo* p : *selected) allowed = std::max(allowed, p->level);

  Optimized out;
  out.level = options.level;
  out.limit = effective_limit(target, options.limit);
  PassContext context{options.level, &target, options.schema, out.limit};

  Result<Measured> current = measure(profile, out.encoding, target);
  if (!current) return current.error();
  out.baseline_bytes = current->bytes.size();
  out.baseline_command_size = current->size;
  const plist::Value original = options.validate_each_pass ? profile : plist::Value();

  for (const PassInfo* p : *selected) out.savings.push_back({std::string(p->id), 0, 0});
  std::set<std::string> seen_notes;
  for (int round = 0; round < std::max(1, options.max_rounds); ++round) {
    out.rounds = round + 1;
    const std::size_t round_start = current->size;
    for (std::size_t i = 0; i < selected->size(); ++i) {
      const PassInfo& info = *(*selected)[i];
      plist::Value candidate = profile;
      Encoding encoding = out.encoding;
      std::vector<std::string> notes;
      Status ran = info.factory()->run(candidate, encoding, context, notes);
      if (!ran) return ran.error();
      for (std::string& n : notes) {
        if (seen_notes.insert(n).second) out.notes.push_back(std::move(n));
      }
      if (options.validate_each_pass) {
        Status valid =
            check_invariants(original, candidate, allowed, options.schema, target.is_mdm, info.id);
        if (!valid) return valid.error();
      }
      Result<Measured> after = measure(candidate, encoding, target);
      if (!after) return after.error();
      if (after->size > current->size) continue;  // undone: this pass does not pay here
      out.savings[i].chars +=
          static_cast<long long>(current->size) - static_cast<long long>(after->size);
      out.savings[i].bytes += static_cast<long long>(current->bytes.size()) -
                              static_cast<long long>(after->bytes.size());
      profile = std::move(candidate);
      out.encoding = encoding;
      current = std::move(after);
    }
    if (current->size >= round_start) break;
  }
  out.profile = std::move(profile);
  out.bytes = std::move(current->bytes);
  out.command_size = current->size;
  out.fits = out.limit == 0 || out.command_size <= out.limit;
  return out;
}

}  // namespace cmdm::optimizer
