// Explains a profile's size by measuring it with and without each part, in the optimized encoding,
// and what to do next, from the real optimizer and splitter at each level.
#include "optimizer/explain.h"

#include <algorithm>

#include "optimizer/size_delta.h"
#include "optimizer/splitter.h"

namespace cmdm::optimizer {

namespace {

void sort_largest_first(std::vector<Share>& shares) {
  std::stable_sort(shares.begin(), shares.end(),
                   [](const Share& a, const Share& b) { return a.chars > b.chars; });
}

std::size_t minus(std::size_t a, std::size_t b) { return a > b ? a - b : 0; }

std::string payload_label(std::size_t i, const plist::Value& payload) {
  const std::string* type = payload.get_string("PayloadType");
  const std::string* id = payload.get_string("PayloadIdentifier");
  return "PayloadContent[" + std::to_string(i) + "] " + (type ? *type : "?") +
         (id ? " (" + *id + ")" : "");
}

// "Size with the part minus without it", for every top-level key, payload and payload key.
// Shares differ only in what is left out, so one routine walks the profile and asks `without`.
class ShareWalker {
 public:
  virtual ~ShareWalker() = default;
  // The count without a top-level entry, a payload, or a payload's key.
  virtual Result<std::size_t> without_top(std::size_t entry) = 0;
  virtual Result<std::size_t> without_payload(std::size_t i) = 0;
  virtual Result<std::size_t> without_key(std::size_t i, std::size_t key) = 0;

  Status walk(const plist::Value& profile, std::size_t full, Explanation& ex) {
    const std::vector<plist::DictEntry>& top = profile.as_dict().entries();
    const plist::Array* payloads = nullptr;
    for (std::size_t e = 0; e < top.size(); ++e) {
      if (top[e].key == "PayloadContent" && top[e].value.is_array()) {
        payloads = &top[e].value.as_array();
        continue;
      }
      Result<std::size_t> size = without_top(e);
      if (!size) return size.error();
      ex.top_level.push_back({top[e].key, minus(full, *size), {}});
    }
    sort_largest_first(ex.top_level);
    if (!payloads) return Ok{};
    for (std::size_t i = 0; i < payloads->size(); ++i) {
      Result<std::size_t> size = without_payload(i);
      if (!size) return size.error();
      Share share{payload_label(i, (*payloads)[i]), minus(full, *size), {}};
      if ((*payloads)[i].is_dict()) {
        const std::vector<plist::DictEntry>& keys = (*payloads)[i].as_dict().entries();
        for (std::size_t k = 0; k < keys.size(); ++k) {
          Result<std::size_t> s = without_key(i, k);
          if (!s) return s.error();
          share.keys.push_back({keys[k].key, minus(full, *s), {}});
        }
        sort_largest_first(share.keys);
      }
      ex.payloads.push_back(std::move(share));
    }
    sort_largest_first(ex.payloads);
    return Ok{};
  }
};

// Minimal XML is the concatenation of its elements, so the profile without one element measures
// the profile's measure minus the element's (and an emptied container takes its short form).
class XmlShares final : public ShareWalker {
 public:
  XmlShares(const plist::Value& profile, const std::string& bytes, CountedLength count)
      : profile_(profile), count_(std::move(count)), measure_(count_.measure(bytes)) {}

  Result<std::size_t> without_top(std::size_t e) override {
    const plist::DictEntry& entry = profile_.as_dict().entries()[e];
    return shrunk(count_.measure(xml_entry(entry.key, entry.value)), profile_.as_dict().size(),
                  plist::Type::kDict);
  }
  Result<std::size_t> without_payload(std::size_t i) override {
    const plist::Array& payloads = profile_.get("PayloadContent")->as_array();
    return shrunk(count_.measure(xml_element(payloads[i])), payloads.size(), plist::Type::kArray);
  }
  Result<std::size_t> without_key(std::size_t i, std::size_t k) override {
    const plist::Dict& payload = profile_.get("PayloadContent")->as_array()[i].as_dict();
    const plist::DictEntry& entry = payload.entries()[k];
    return shrunk(count_.measure(xml_entry(entry.key, entry.value)), payload.size(),
                  plist::Type::kDict);
  }

 private:
  std::size_t shrunk(std::size_t element, std::size_t siblings, plist::Type container) const {
    std::size_t m = measure_ - element;
    if (siblings == 1)
      m = m - count_.measure(open_close_form(container)) + count_.measure(empty_form(container));
    return count_.command_size(m);
  }
  const plist::Value& profile_;
  CountedLength count_;
  std::size_t measure_;
};

// Binary plists share equal values and size their references by the object count, so there is
// no delta to add up: each share is a real encoding of the profile without the element, paid for
// from the work budget.
class EncodedShares final : public ShareWalker {
 public:
  EncodedShares(const Optimized& r, const emitters::Target& target, std::size_t budget)
      : r_(r), target_(target), budget_(budget) {}

  Result<std::size_t> without_top(std::size_t e) override {
    plist::Value without = r_.profile;
    auto& entries = without.as_dict().entries();
    entries.erase(entries.begin() + static_cast<std::ptrdiff_t>(e));
    return counted(without);
  }
  Result<std::size_t> without_payload(std::size_t i) override {
    plist::Value without = r_.profile;
    plist::Array& a = without.get("PayloadContent")->as_array();
    a.erase(a.begin() + static_cast<std::ptrdiff_t>(i));
    return counted(without);
  }
  Result<std::size_t> without_key(std::size_t i, std::size_t k) override {
    plist::Value without = r_.profile;
    auto& entries = without.get("PayloadContent")->as_array()[i].as_dict().entries();
    entries.erase(entries.begin() + static_cast<std::ptrdiff_t>(k));
    return counted(without);
  }

 private:
  Result<std::size_t> counted(const plist::Value& v) {
    work_ += r_.bytes.size();
    if (work_ > budget_) {
      const std::string* id = r_.profile.get_string("PayloadIdentifier");
      return Error::make(ExitCode::kDataError, "",
                         (id ? *id : std::string("profile")) + ": measuring each key as " +
                             r_.encoding.describe() + " needs more than the work budget of " +
                             std::to_string(budget_) +
                             " bytes encoded; explain it at --level safe, where keys are measured "
                             "incrementally");
    }
    Result<std::string> bytes = encode(v, r_.encoding);
    if (!bytes) return bytes.error();
    return target_.command_size(*bytes);
  }
  const Optimized& r_;
  const emitters::Target& target_;
  std::size_t budget_;
  std::size_t work_ = 0;
};

Status measure_shares(Explanation& ex, const emitters::Target& target, std::size_t budget) {
  const Optimized& r = ex.result;
  Result<std::string> empty = encode(plist::Value(plist::Dict()), r.encoding);
  if (!empty) return empty.error();
  ex.envelope = target.command_size(*empty);
  if (r.encoding.format == Encoding::Format::kXml) {
    Result<CountedLength> count = CountedLength::for_target(target);
    if (!count) return count.error();
    XmlShares shares(r.profile, r.bytes, std::move(count.value()));
    return shares.walk(r.profile, r.command_size, ex);
  }
  EncodedShares shares(r, target, budget);
  return shares.walk(r.profile, r.command_size, ex);
}

// The real split at the requested level and, while some part still does not fit, at each higher
// level (a lower level only makes parts larger): how many parts, and which still do not fit.
Status measure_splits(const plist::Value& profile, const OptimizeOptions& options,
                      std::size_t budget, Explanation& ex) {
  for (Level level : {Level::kLossless, Level::kSafe, Level::kAggressive}) {
    if (level < options.level) continue;
    SplitOptions o;
    o.optimize = options;
    o.optimize.level = level;
    o.optimize.validate_each_pass = false;
    o.work_budget = budget;
    Result<Split> s = split(profile, o);
    if (!s) return s.error();
    Explanation::SplitAtLevel at{level, s->parts.size(), {}};
    for (const SplitPart& p : s->parts) {
      if (p.optimized.fits) continue;
      std::string holds;
      for (const PartPayload& pp : p.payloads)
        holds += (holds.empty() ? "" : ", ") + pp.origin_identifier;
      at.too_large.push_back(holds);
    }
    ex.splits.push_back(std::move(at));
    if (ex.splits.back().too_large.empty()) break;
  }
  return Ok{};
}

std::string plural(std::size_t n, const std::string& one, const std::string& many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

// The advice when no level makes the whole profile fit, from the real split.
std::string split_advice(const Explanation& ex, Level level) {
  const Explanation::SplitAtLevel* here = nullptr;
  const Explanation::SplitAtLevel* lowest = nullptr;
  for (const Explanation::SplitAtLevel& s : ex.splits) {
    if (s.level == level) here = &s;
    if (!lowest && s.too_large.empty()) lowest = &s;
  }
  if (!here) return "split it into parts (`cmdm split`)";
  if (here->too_large.empty()) {
    return "split it into parts (`cmdm split`): " + plural(here->parts, "part", "parts") + " at " +
           std::string(level_name(level)) + ", each fits";
  }
  std::string step =
      "split it into parts (`cmdm split`): at " + std::string(level_name(level)) + " " +
      (here->parts == 1
           ? std::string("it stays 1 part, still too large (")
           : plural(here->parts, "part", "parts") + ", " + std::to_string(here->too_large.size()) +
                 " of them still too large (");
  for (std::size_t i = 0; i < here->too_large.size(); ++i)
    step += (i ? "; " : "") + here->too_large[i];
  step += here->too_large.size() == 1 ? ": it cannot fit alone and does not divide further)"
                                      : ": each cannot fit alone and does not divide further)";
  if (lowest) {
    step += "; every part fits at --level " + std::string(level_name(lowest->level)) + " (" +
            plural(lowest->parts, "part", "parts") + ")";
  } else {
    step +=
        "; no level makes every part fit: such a part needs the local route (--allow-local) or a "
        "smaller source";
  }
  return step;
}

void next_steps(Explanation& ex, const emitters::Target& target, Level level,
                const ExplainInput& input) {
  const Optimized& r = ex.result;
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
      if (l.level > level && l.fits) {
        ex.next_steps.push_back("use --level " + std::string(level_name(l.level)) + ": " +
                                std::to_string(l.command_size) + " characters fits");
        level_fits = true;
        break;
      }
    }
    if (!level_fits) ex.next_steps.push_back(split_advice(ex, level));
  }
  if (input.source_signed) {
    ex.next_steps.push_back(
        "the source is signed (" + std::to_string(input.stored_bytes) + " bytes, " +
        std::to_string(input.stored_command_size) +
        " characters as a command); these figures are for the unsigned profile: signing again adds "
        "the signature and certificate chain, so send it unsigned to " +
        std::string(target.name) +
        (target.accepts_signed ? " or let the MDM sign it"
                               : ", which takes only unsigned profiles"));
  }
}

}  // namespace

Result<Explanation> explain(const plist::Value& profile, const OptimizeOptions& options,
                            const ExplainInput& input) {
  Result<Optimized> optimized = optimize(profile, options);
  if (!optimized) return optimized.error();
  Explanation ex;
  ex.result = std::move(optimized.value());
  ex.input_command_size = input.stored_command_size;
  const emitters::Target& target = *options.target;
  if (ex.result.profile.is_dict()) {
    if (Status s = measure_shares(ex, target, input.work_budget); !s) return s.error();
  }
  for (Level level : {Level::kLossless, Level::kSafe, Level::kAggressive}) {
    if (level == options.level) {
      ex.levels.push_back({level, ex.result.command_size, ex.result.fits});
      continue;
    }
    OptimizeOptions at = options;
    at.level = level;
    at.validate_each_pass = false;
    Result<Optimized> o = optimize(profile, at);
    if (!o) return o.error();
    ex.levels.push_back({level, o->command_size, o->fits});
  }
  const bool some_level_fits = std::any_of(ex.levels.begin(), ex.levels.end(),
                                           [](const Explanation::AtLevel& l) { return l.fits; });
  if (!some_level_fits && ex.result.profile.is_dict()) {
    if (Status s = measure_splits(profile, options, input.work_budget, ex); !s) return s.error();
  }
  next_steps(ex, target, options.level, input);
  return ex;
}

}  // namespace cmdm::optimizer
