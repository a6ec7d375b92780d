// Explains a profile's size by measuring it with and without each part, in the optimized encoding.
#include "optimizer/explain.h"

#include <algorithm>

namespace cmdm::optimizer {

namespace {

Result<std::size_t> counted(const plist::Value& v, const Encoding& e, const emitters::Target& t) {
  Result<std::string> bytes = encode(v, e);
  if (!bytes) return bytes.error();
  return t.command_size(*bytes);
}

void sort_largest_first(std::vector<Share>& shares) {
  std::stable_sort(shares.begin(), shares.end(),
                   [](const Share& a, const Share& b) { return a.chars > b.chars; });
}

std::size_t minus(std::size_t a, std::size_t b) { return a > b ? a - b : 0; }

}  // namespace

Result<Explanation> explain(const plist::Value& profile, const OptimizeOptions& options,
                            const ExplainInput& input) {
  Result<Optimized> optimized = optimize(profile, options);
  if (!optimized) return optimized.error();
  Explanation ex;
  ex.result = std::move(optimized.value());
  ex.input_command_size = input.stored_command_size;
  const emitters::Target& target = *options.target;
  const Optimized& r = ex.result;
  const std::size_t full = r.command_size;

  if (r.profile.is_dict()) {
    Result<std::size_t> empty = counted(plist::Value(plist::Dict()), r.encoding, target);
    if (!empty) return empty.error();
    ex.envelope = *empty;
    for (const plist::DictEntry& e : r.profile.as_dict()) {
      if (e.key == "PayloadContent" && e.value.is_array()) continue;
      plist::Value without = r.profile;
      without.as_dict().erase(e.key);
      Result<std::size_t> size = counted(without, r.encoding, target);
      if (!size) return size.error();
      ex.top_level.push_back({e.key, minus(full, *size), {}});
    }
    sort_largest_first(ex.top_level);
    if (const plist::Value* content = r.profile.get("PayloadContent"); content && content->is_array()) {
      const plist::Array& payloads = content->as_array();
      for (std::size_t i = 0; i < payloads.size(); ++i) {
        plist::Value without = r.profile;
        plist::Array& a = without.get("PayloadContent")->as_array();
        a.erase(a.begin() + static_cast<std::ptrdiff_t>(i));
        Result<std::size_t> size = counted(without, r.encoding, target);
        if (!size) return size.error();
        Share share;
        const std::string* type = payloads[i].get_string("PayloadType");
        const std::string* id = payloads[i].get_string("PayloadIdentifier");
        share.what = "PayloadContent[" + std::to_string(i) + "] " + (type ? *type : "?") +
                     (id ? " (" + *id + ")" : "");
        share.chars = minus(full, *size);
        if (payloads[i].is_dict()) {
          for (const plist::DictEntry& e : payloads[i].as_dict()) {
            plist::Value less = r.profile;
            less.get("PayloadContent")->as_array()[i].as_dict().erase(e.key);
            Result<std::size_t> s = counted(less, r.encoding, target);
            if (!s) return s.error();
            share.keys.push_back({e.key, minus(full, *s), {}});
          }
          sort_largest_first(share.keys);
        }
        ex.payloads.push_back(std::move(share));
      }
      sort_largest_first(ex.payloads);
    }
  }

  for (Level level : {Level::kLossless, Level::kSafe, Level::kAggressive}) {
    if (level == options.level) {
      ex.levels.push_back({level, r.command_size, r.fits});
      continue;
    }
    OptimizeOptions at = options;
    at.level = level;
    at.validate_each_pass = false;
    Result<Optimized> o = optimize(profile, at);
    if (!o) return o.error();
    ex.levels.push_back({level, o->command_size, o->fits});
  }

  if (r.fits) {
    ex.next_steps.push_back(r.limit ? "fits: " + std::to_string(r.limit - r.command_size) +
                                          " characters to spare"
                                    : "fits: " + std::string(target.name) + " has no limit");
  } else {
    ex.next_steps.push_back("does not fit: " + std::to_string(r.command_size) + " > " +
                            std::to_string(r.limit) + " (over by " +
                            std::to_string(r.command_size - r.limit) + ")");
    bool level_fits = false;
    for (const Explanation::AtLevel& l : ex.levels) {
      if (l.level > options.level && l.fits) {
        ex.next_steps.push_back("use --level " + std::string(level_name(l.level)) + ": " +
                                std::to_string(l.command_size) + " characters fits");
        level_fits = true;
        break;
      }
    }
    if (!level_fits) {
      std::string step = "split it into parts (`cmdm split`)";
      if (!ex.payloads.empty()) {
        step += ": the largest payload costs " + std::to_string(ex.payloads.front().chars) +
                " characters, the envelope " + std::to_string(ex.envelope);
        if (ex.payloads.front().chars + ex.envelope > r.limit) {
          step += "; that payload cannot fit alone, so it needs the local route or splitting by key";
        }
      }
      ex.next_steps.push_back(step);
    }
  }
  if (input.source_signed) {
    ex.next_steps.push_back(
        "the source is signed (" + std::to_string(input.stored_bytes) + " bytes, " +
        std::to_string(input.stored_command_size) +
        " characters as a command); these figures are for the unsigned profile: signing again adds "
        "the signature and certificate chain, so send it unsigned to " + std::string(target.name) +
        (target.accepts_signed ? " or let the MDM sign it" : ", which takes only unsigned profiles"));
  }
  return ex;
}

}  // namespace cmdm::optimizer
