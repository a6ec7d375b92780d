// Splits a profile into parts that fit: reference-connected payloads stay together, payloads of
// mergeable types that cannot fit alone are divided by key or entry, and the pieces are packed
// first-fit-decreasing, each candidate part measured as its real optimized command.
#include "optimizer/splitter.h"

#include <algorithm>
#include <functional>
#include <map>
#include <memory>
#include <numeric>
#include <set>
#include <unordered_map>

#include "optimizer/mdm_only.h"
#include "optimizer/passes.h"
#include "optimizer/size_delta.h"
#include "plist/hash.h"
#include "plist/uuid.h"

namespace cmdm::optimizer {

const std::vector<MergeableType>& mergeable_types() {
  static const std::vector<MergeableType> kTable = {
      {"com.apple.ManagedClient.preferences", Division::kCustomSettings,
       "managed preferences from several profiles are combined per domain and key",
       "Apple Platform Deployment: custom settings (com.apple.ManagedClient.preferences); schema "
       "macOS multiple: true"},
      {"com.apple.TCC.configuration-profile-policy", Division::kPrivacyPreferences,
       "privacy preferences from several profiles are combined; conflicts resolve to the most "
       "restrictive",
       "apple/device-management mdm/profiles/com.apple.TCC.configuration-profile-policy.yaml"},
      {"com.apple.applicationaccess", Division::kByKey,
       "several restrictions payloads combine into the most restrictive setting per key",
       "Apple Developer: Restrictions (com.apple.applicationaccess); schema macOS multiple: true"},
      {"com.apple.mobiledevice.passwordpolicy", Division::kByKey,
       "several passcode policies combine into the most restrictive one",
       "Apple Developer: Passcode (com.apple.mobiledevice.passwordpolicy); schema multiple: true"},
      {"com.apple.security.firewall", Division::kByKey,
       "firewall settings from several payloads combine, the most restrictive winning",
       "Apple Developer: Firewall (com.apple.security.firewall)"},
      {"", Division::kByKey,
       "an app's preference domain: managed keys from several profiles are combined per key",
       "Apple Platform Deployment: managed preferences for apps (PayloadType = the app's domain)"},
  };
  return kTable;
}

const MergeableType* find_mergeable(std::string_view type, const SchemaFacts* schema) {
  for (const MergeableType& m : mergeable_types()) {
    if (!m.payload_type.empty() && m.payload_type == type) return &m;
  }
  // An app's domain: reverse-DNS, not Apple's, and not a type the schema describes.
  const bool app_domain = type.find('.') != std::string_view::npos &&
                          !type.starts_with("com.apple.") &&
                          (!schema || schema->kind(type) == SchemaFacts::Kind::kUnknown);
  return app_domain ? &mergeable_types().back() : nullptr;
}

bool Split::all_fit() const {
  return std::all_of(parts.begin(), parts.end(),
                     [](const SplitPart& p) { return p.optimized.fits; });
}

namespace {

// Part and piece UUIDs are version 5 UUIDs of their seed under this namespace (fixed, random).
constexpr plist::UuidBytes kPartNamespace = {0x3C, 0x5E, 0x91, 0x0B, 0x7A, 0x44, 0x4F, 0x2D,
                                             0x9E, 0x61, 0x58, 0xC3, 0x0D, 0xA7, 0x2B, 0x86};

std::string hex8(const std::string& seed) {
  std::string h = plist::digest_hex(plist::Value(seed)).substr(0, 8);
  for (char& c : h) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return h;
}

// A UUID derived from `seed`: stable across runs, a proper RFC 4122 version 5 UUID.
std::string derived_uuid(const std::string& seed) {
  return plist::format_uuid(plist::uuid_v5(kPartNamespace, seed));
}

void collect_strings(const plist::Value& v, std::set<std::string>* out) {
  if (v.is_string()) out->insert(v.as_string());
  if (v.is_array())
    for (const plist::Value& e : v.as_array()) collect_strings(e, out);
  if (v.is_dict())
    for (const plist::DictEntry& e : v.as_dict()) collect_strings(e.value, out);
}

bool is_simple_domain(const plist::Value& domain) {
  if (!domain.is_dict() || domain.as_dict().size() != 1) return false;
  const plist::Value* forced = domain.get("Forced");
  if (!forced || !forced->is_array() || forced->as_array().size() != 1) return false;
  const plist::Value& f = forced->as_array()[0];
  return f.is_dict() && f.as_dict().size() == 1 && f.get("mcx_preference_settings") &&
         f.get("mcx_preference_settings")->is_dict();
}

const plist::Dict& simple_settings(const plist::Value& domain) {
  return domain.get("Forced")->as_array()[0].get("mcx_preference_settings")->as_dict();
}

// The key of a payload that holds what is divided (custom settings' domains, privacy services).
std::string_view container_key(Division division) {
  return division == Division::kCustomSettings ? "PayloadContent" : "Services";
}

// One piece a payload of a mergeable type divides into: a key (by key), one setting of a custom-
// settings domain, one privacy entry of a service, or a whole domain or service that does not
// divide further. Fragments of one group (domain, service) share the group's wrapper.
struct Fragment {
  std::string name;       // for identity: "Key", "domain\nKey", "service\n#3", "domain"
  std::size_t group = 0;  // index in Divided::groups
  std::size_t entry = 0;  // by key: entry index in the payload; else index in the group's container
  bool whole_group = false;
};

struct Group {
  std::size_t entry = 0;  // index of the domain or service in the divided container
  bool whole = false;     // not divided further (one fragment is the whole group)
};

// A payload of a mergeable type taken apart, with its fragments in source order.
struct Divided {
  std::size_t payload = 0;
  Division division = Division::kByKey;
  std::vector<Group> groups;
  std::vector<Fragment> fragments;
  std::vector<std::size_t> common;  // by key: entry indices of the keys every piece keeps
};

Divided divide(const plist::Value& payload, std::size_t index, Division division) {
  Divided d;
  d.payload = index;
  d.division = division;
  if (!payload.is_dict()) return d;
  const std::vector<plist::DictEntry>& entries = payload.as_dict().entries();
  if (division == Division::kByKey) {
    d.groups.push_back({});
    for (std::size_t i = 0; i < entries.size(); ++i) {
      if (is_common_payload_key(entries[i].key)) {
        d.common.push_back(i);
      } else {
        d.fragments.push_back({entries[i].key, 0, i, false});
      }
    }
    return d;
  }
  const plist::Value* c = payload.get(container_key(division));
  if (!c || !c->is_dict()) return d;
  const std::vector<plist::DictEntry>& members = c->as_dict().entries();
  for (std::size_t g = 0; g < members.size(); ++g) {
    const plist::DictEntry& m = members[g];
    const bool divisible =
        division == Division::kCustomSettings ? is_simple_domain(m.value) : m.value.is_array();
    d.groups.push_back({g, !divisible});
    if (!divisible) {
      d.fragments.push_back({m.key, d.groups.size() - 1, 0, true});
      continue;
    }
    if (division == Division::kCustomSettings) {
      const std::vector<plist::DictEntry>& keys = simple_settings(m.value).entries();
      for (std::size_t k = 0; k < keys.size(); ++k) {
        d.fragments.push_back({m.key + "\n" + keys[k].key, d.groups.size() - 1, k, false});
      }
    } else {
      for (std::size_t k = 0; k < m.value.as_array().size(); ++k) {
        d.fragments.push_back({m.key + "\n#" + std::to_string(k), d.groups.size() - 1, k, false});
      }
    }
  }
  return d;
}

// The payload restricted to the selected fragments (indices in source order) and every key that
// is not divided. Costs the size of the piece, not of the whole payload.
plist::Value build_piece(const plist::Value& payload, const Divided& d,
                         const std::vector<std::size_t>& sel) {
  const std::vector<plist::DictEntry>& entries = payload.as_dict().entries();
  plist::Dict out;
  if (d.division == Division::kByKey) {
    // Merge the kept keys and the selected ones, both in payload order.
    std::size_t c = 0, f = 0;
    while (c < d.common.size() || f < sel.size()) {
      const bool take_common =
          f == sel.size() || (c < d.common.size() && d.common[c] < d.fragments[sel[f]].entry);
      const plist::DictEntry& e =
          entries[take_common ? d.common[c++] : d.fragments[sel[f++]].entry];
      out.append(e.key, e.value);
    }
    return plist::Value(std::move(out));
  }
  const std::string_view divided_key = container_key(d.division);
  for (const plist::DictEntry& e : entries) {
    if (e.key != divided_key || !e.value.is_dict()) {
      out.append(e.key, e.value);
      continue;
    }
    const std::vector<plist::DictEntry>& members = e.value.as_dict().entries();
    plist::Dict container;
    for (std::size_t i = 0; i < sel.size();) {
      const Fragment& first = d.fragments[sel[i]];
      const plist::DictEntry& member = members[d.groups[first.group].entry];
      std::size_t j = i;
      while (j < sel.size() && d.fragments[sel[j]].group == first.group) ++j;
      if (first.whole_group) {
        container.append(member.key, member.value);
      } else if (d.division == Division::kCustomSettings) {
        const std::vector<plist::DictEntry>& keys = simple_settings(member.value).entries();
        plist::Dict settings;
        for (std::size_t k = i; k < j; ++k) {
          const plist::DictEntry& s = keys[d.fragments[sel[k]].entry];
          settings.append(s.key, s.value);
        }
        plist::Dict forced;
        forced.append("mcx_preference_settings", std::move(settings));
        plist::Dict domain;
        domain.append("Forced", plist::Array{plist::Value(std::move(forced))});
        container.append(member.key, std::move(domain));
      } else {
        plist::Array picked;
        for (std::size_t k = i; k < j; ++k)
          picked.push_back(member.value.as_array()[d.fragments[sel[k]].entry]);
        container.append(member.key, std::move(picked));
      }
      i = j;
    }
    out.append(e.key, std::move(container));
  }
  return plist::Value(std::move(out));
}

// Whether optimize() runs the binary-plist pass with these options (by the registry's level,
// --pass and --no-pass) for a target that accepts binary profiles.
bool runs_binary_plist(const OptimizeOptions& o) {
  const auto has = [](const std::vector<std::string>& ids) {
    return std::find(ids.begin(), ids.end(), "binary-plist") != ids.end();
  };
  Result<const PassInfo*> pass = find_pass("binary-plist");
  if (!pass || !o.target || !o.target->accepts_binary || has(o.disable)) return false;
  return (*pass)->level <= o.level || has(o.enable);
}

// What a bin holds: whole payloads, or one fragment of a divided payload.
struct Unit {
  std::vector<std::size_t> whole;  // payload indices
  std::size_t divided = SIZE_MAX;  // index in Packer::divided_ of a fragment unit
  std::size_t fragment = 0;
  std::size_t alone = 0;   // planned measure of a part holding only this unit
  std::size_t cost = 0;    // whole: measure it adds to any part; fragment: its entry's
  bool fits_alone = true;  // by the plan, or failing that by the real encoding
  std::string type;
  std::string label;  // for identity
};

// Per divided payload: the measure a part gains from its first piece of the payload (`skeleton`,
// the payload's own keys) and from its first fragment of each group (the group's wrapper).
struct DividedCosts {
  std::size_t skeleton = 0;
  std::vector<std::size_t> wrapper;  // per group
};

struct Bin {
  std::vector<const Unit*> units;
  std::set<std::string> types;
  std::set<std::size_t> divided;                         // divided payloads with a piece here
  std::set<std::pair<std::size_t, std::size_t>> groups;  // (divided payload, group) present
  std::size_t measure = 0;                               // the plan's, for the XML form
  std::size_t rejections = 0;  // units turned down in a row by the real encoding
};

// Measures parts and packs units. Every candidate is sized by the incremental model
// (size_delta.h) from measures taken once per unit, group and payload; real encodings are made
// only for those, for units that may fit only as binary, and for the finished parts.
class Packer {
 public:
  Packer(const plist::Value& profile, const SplitOptions& options, CountedLength count)
      : profile_(profile),
        options_(options),
        count_(std::move(count)),
        payloads_(profile.get("PayloadContent")->as_array()) {
    const std::string* id = profile.get_string("PayloadIdentifier");
    const std::string* uuid = profile.get_string("PayloadUUID");
    id_ = id ? *id : "profile";
    uuid_ = uuid ? *uuid : id_;
    part_uuid_ = derived_uuid(uuid_);  // every candidate part is measured with it
    planned_ = options.optimize;
    // The plan measures the XML form; a part that the optimizer then writes as binary is smaller.
    planned_.disable.emplace_back("binary-plist");
    planned_.validate_each_pass = false;
    limit_ = effective_limit(*options.optimize.target, options.optimize.limit);
    binary_possible_ = runs_binary_plist(options.optimize);
  }

  // Whether the optimizer may write a part as binary, smaller than the XML the plan measures.
  bool binary_possible() const { return binary_possible_; }

  const std::string& id() const { return id_; }
  const std::string& uuid() const { return uuid_; }
  std::size_t work() const { return work_; }

  bool plan_fits(std::size_t measure) const {
    return limit_ == 0 || count_.command_size(measure) <= limit_;
  }
  std::size_t planned_size(std::size_t measure) const { return count_.command_size(measure); }

  // Charges `units` of work; an error once the budget is spent.
  Status charge(std::size_t units) {
    work_ += units;
    if (work_ <= options_.work_budget) return Ok{};
    return Error::make(ExitCode::kDataError, "",
                       id_ + ": splitting needs more than its work budget of " +
                           std::to_string(options_.work_budget) +
                           " units (bytes encoded to measure parts, plus packing trials); it "
                           "holds too many pieces for the limit of " +
                           std::to_string(limit_) + ": divide the source into several profiles");
  }

  // Divided payloads are added, measured, and dropped again when dividing does not help.
  std::size_t add_divided(Divided d) {
    divided_.push_back(std::move(d));
    return divided_.size() - 1;
  }
  void drop_last_divided() {
    divided_.pop_back();
    if (costs_.size() > divided_.size()) costs_.pop_back();
  }
  const Divided& divided(std::size_t i) const { return divided_[i]; }
  const DividedCosts& costs(std::size_t i) const { return costs_[i]; }

  // The part profile for a set of units, and its payload list. A piece of a divided payload is
  // always renamed, even when it holds every fragment, so its size never depends on that.
  plist::Value build(const std::vector<const Unit*>& units, std::vector<PartPayload>* list) const {
    std::map<std::size_t, std::vector<std::size_t>>
        take;  // payload -> selected fragments (or none)
    std::map<std::size_t, std::size_t> divided_of;
    for (const Unit* u : units) {
      for (std::size_t i : u->whole) take[i];
      if (u->divided != SIZE_MAX) {
        const std::size_t p = divided_[u->divided].payload;
        take[p].push_back(u->fragment);
        divided_of[p] = u->divided;
      }
    }
    plist::Array content;
    for (auto& [i, sel] : take) {
      const plist::Value& p = payloads_[i];
      const std::string* pid = p.get_string("PayloadIdentifier");
      const std::string* ptype = p.get_string("PayloadType");
      const std::string* puuid = p.get_string("PayloadUUID");
      PartPayload pp{
          pid ? *pid : "", ptype ? *ptype : "", pid ? *pid : "", puuid ? *puuid : "", i, false};
      auto d = divided_of.find(i);
      if (d == divided_of.end()) {
        content.push_back(p);
      } else {
        const Divided& div = divided_[d->second];
        std::sort(sel.begin(), sel.end());
        plist::Value piece = build_piece(p, div, sel);
        std::vector<std::string_view> names;
        for (std::size_t f : sel) names.push_back(div.fragments[f].name);
        std::sort(names.begin(), names.end());
        std::string joined;
        for (std::string_view n : names) (joined += n) += '\n';
        pp.identifier = pp.origin_identifier + "." + hex8(joined);
        pp.piece = true;
        piece.as_dict().set("PayloadIdentifier", pp.identifier);
        piece.as_dict().set("PayloadUUID", derived_uuid(pp.origin_uuid + "\n" + joined));
        content.push_back(std::move(piece));
      }
      if (list) list->push_back(pp);
    }
    plist::Dict root;
    for (const plist::DictEntry& e : profile_.as_dict()) {
      root.append(e.key, e.key == "PayloadContent" ? plist::Value(std::move(content)) : e.value);
    }
    // The part's identity has a fixed length (".part-" + 8 hex digits, a 36-character UUID), so a
    // placeholder of that length measures exactly what the named part will.
    root.set("PayloadIdentifier", id_ + ".part-00000000");
    root.set("PayloadUUID", part_uuid_);
    return plist::Value(std::move(root));
  }

  // The plan's measure of a part holding `units`: its optimized XML, really encoded.
  Result<std::size_t> measure_xml(const std::vector<const Unit*>& units) {
    Result<Optimized> m = optimize(build(units, nullptr), planned_);
    if (!m) return m.error();
    if (Status s = charge(m->baseline_bytes); !s) return s.error();
    return count_.measure(m->bytes);
  }

  // Whether a part holding `units` fits in its real encoding. Only asked when the XML plan says
  // no and the part may become binary: binary-plist is the registry's last pass and runs only
  // after the value passes, so the part's real form is the plan's optimized value as binary.
  Result<bool> fits_really(const std::vector<const Unit*>& units) {
    Result<Optimized> m = optimize(build(units, nullptr), planned_);
    if (!m) return m.error();
    if (Status s = charge(m->baseline_bytes); !s) return s.error();
    if (m->fits) return true;
    Encoding binary;
    binary.format = Encoding::Format::kBinary;
    Result<std::string> bytes = encode(m->profile, binary);
    if (!bytes) return bytes.error();
    return limit_ == 0 || options_.optimize.target->command_size(*bytes) <= limit_;
  }

  // The envelope: a part's measure with a non-empty PayloadContent and nothing in it.
  Status measure_envelope() {
    Result<std::size_t> empty = measure_xml({});
    if (!empty) return empty.error();
    envelope_ = *empty - count_.measure(empty_form(plist::Type::kArray)) +
                count_.measure(open_close_form(plist::Type::kArray));
    return Ok{};
  }
  std::size_t envelope() const { return envelope_; }

  // Costs of a divided payload: entries from the optimized whole payload (passes may drop keys of
  // closed types), the skeleton and group wrappers from parts holding one or two fragments.
  Status measure_divided(std::size_t index, std::vector<Unit>* fragments);

 private:
  const plist::Value& profile_;
  const SplitOptions& options_;
  CountedLength count_;
  const plist::Array& payloads_;
  OptimizeOptions planned_;
  std::size_t limit_ = 0;
  bool binary_possible_ = false;
  std::string id_, uuid_, part_uuid_;
  std::size_t envelope_ = 0;
  std::size_t work_ = 0;
  std::vector<Divided> divided_;
  std::vector<DividedCosts> costs_;
};

// The entry measure of every fragment, read from the optimized piece holding all of them.
Result<std::vector<std::size_t>> entry_measures(const Divided& d, const plist::Value& optimized,
                                                const CountedLength& count) {
  std::unordered_map<std::string, std::size_t> by_name;
  const plist::Value* content = optimized.get("PayloadContent");
  if (!content || !content->is_array() || content->as_array().size() != 1) {
    return Error::make(ExitCode::kInternal, "",
                       "splitter: a divided payload's piece did not survive optimizing");
  }
  const plist::Value& payload = content->as_array()[0];
  if (d.division == Division::kByKey) {
    for (const plist::DictEntry& e : payload.as_dict()) {
      if (!is_common_payload_key(e.key)) by_name[e.key] = count.measure(xml_entry(e.key, e.value));
    }
  } else if (const plist::Value* c = payload.get(container_key(d.division)); c && c->is_dict()) {
    for (const plist::DictEntry& m : c->as_dict()) {
      if (d.division == Division::kCustomSettings && is_simple_domain(m.value)) {
        for (const plist::DictEntry& k : simple_settings(m.value)) {
          by_name[m.key + "\n" + k.key] = count.measure(xml_entry(k.key, k.value));
        }
      } else if (d.division == Division::kPrivacyPreferences && m.value.is_array()) {
        for (std::size_t k = 0; k < m.value.as_array().size(); ++k) {
          by_name[m.key + "\n#" + std::to_string(k)] =
              count.measure(xml_element(m.value.as_array()[k]));
        }
      }
    }
  }
  std::vector<std::size_t> out;
  out.reserve(d.fragments.size());
  // A fragment the passes removed costs nothing; a whole group's cost is all in its wrapper.
  for (const Fragment& f : d.fragments) {
    auto it = f.whole_group ? by_name.end() : by_name.find(f.name);
    out.push_back(it == by_name.end() ? 0 : it->second);
  }
  return out;
}

Status Packer::measure_divided(std::size_t index, std::vector<Unit>* units) {
  const Divided& d = divided_[index];
  std::vector<Unit>& us = *units;
  // Entry measures, from the piece that holds every fragment.
  std::vector<const Unit*> all;
  for (const Unit& u : us) all.push_back(&u);
  Result<Optimized> whole = optimize(build(all, nullptr), planned_);
  if (!whole) return whole.error();
  if (Status s = charge(whole->baseline_bytes); !s) return s;
  Result<std::vector<std::size_t>> entries = entry_measures(d, whole->profile, count_);
  if (!entries) return entries.error();
  for (std::size_t f = 0; f < us.size(); ++f) us[f].cost = (*entries)[f];
  // The first fragment of each group alone: envelope + skeleton + wrapper + its entry.
  std::vector<std::size_t> first(d.groups.size(), SIZE_MAX), alone(d.groups.size(), 0);
  for (std::size_t f = 0; f < d.fragments.size(); ++f) {
    std::size_t g = d.fragments[f].group;
    if (first[g] != SIZE_MAX) continue;
    first[g] = f;
    Result<std::size_t> m = measure_xml({&us[f]});
    if (!m) return m.error();
    alone[g] = *m;
  }
  auto wrong = [&](const std::string& what) {
    return Error::make(ExitCode::kInternal, "",
                       id_ + ": the incremental size model does not add up (" + what +
                           "); please report this profile");
  };
  DividedCosts c;
  c.wrapper.resize(d.groups.size());
  std::vector<std::size_t> present;  // groups with fragments (an empty one is left out of pieces)
  for (std::size_t g = 0; g < d.groups.size(); ++g) {
    if (first[g] != SIZE_MAX) present.push_back(g);
  }
  if (present.size() >= 2) {
    // Two groups together: the skeleton counted once instead of twice. With one group, the
    // skeleton is part of that group's wrapper.
    const std::size_t a = present[0], b = present[1];
    Result<std::size_t> both = measure_xml({&us[first[a]], &us[first[b]]});
    if (!both) return both.error();
    if (alone[a] + alone[b] < *both + envelope_) return wrong("skeleton");
    c.skeleton = alone[a] + alone[b] - *both - envelope_;
  }
  for (std::size_t g = 0; g < d.groups.size(); ++g) {
    if (first[g] == SIZE_MAX) continue;
    if (alone[g] < envelope_ + c.skeleton + us[first[g]].cost) return wrong("group wrapper");
    c.wrapper[g] = alone[g] - envelope_ - c.skeleton - us[first[g]].cost;
  }
  for (Unit& u : us) {
    u.alone = envelope_ + c.skeleton + c.wrapper[d.fragments[u.fragment].group] + u.cost;
  }
  costs_.push_back(std::move(c));
  return Ok{};
}

}  // namespace

std::string mdm_only_type(const std::vector<PartPayload>& payloads, const SchemaFacts* schema) {
  for (const PartPayload& p : payloads) {
    if (is_mdm_only(p.type, schema)) return p.type;
  }
  return "";
}

namespace {

// Payloads listed as a part holds them, whole and in source order.
std::vector<PartPayload> source_payloads(const plist::Value* content) {
  std::vector<PartPayload> out;
  if (!content || !content->is_array()) return out;
  for (std::size_t i = 0; i < content->as_array().size(); ++i) {
    const plist::Value& p = content->as_array()[i];
    const std::string* pid = p.get_string("PayloadIdentifier");
    const std::string* pt = p.get_string("PayloadType");
    const std::string* pu = p.get_string("PayloadUUID");
    out.push_back({pid ? *pid : "", pt ? *pt : "", pid ? *pid : "", pu ? *pu : "", i, false});
  }
  return out;
}

// The source as one part with its own identifier and UUID: it fits whole, or it does not divide
// into more than one part (then the pipeline routes it off the MDM whole).
Split unsplit(const plist::Value& profile, Optimized whole, const std::string& why) {
  Split out;
  const std::string* id = profile.get_string("PayloadIdentifier");
  const std::string* uuid = profile.get_string("PayloadUUID");
  out.identifier = id ? *id : "";
  out.uuid = uuid ? *uuid : "";
  out.whole_fits = whole.fits;
  SplitPart part;
  part.identifier = out.identifier;
  part.uuid = out.uuid;
  part.payloads = source_payloads(profile.get("PayloadContent"));
  part.planned_size = whole.command_size;
  part.optimized = std::move(whole);
  if (!part.optimized.fits) {
    const std::string size = std::to_string(part.optimized.command_size);
    const std::string limit = std::to_string(part.optimized.limit);
    part.reason = why.empty() ? "needs " + size + " characters alone, over the limit of " + limit
                              : why + " and needs " + size + " > " + limit;
  }
  out.parts.push_back(std::move(part));
  return out;
}

// Reference groups: a payload whose strings include another's PayloadUUID stays with it.
std::map<std::size_t, std::vector<std::size_t>> reference_groups(const plist::Array& payloads) {
  const std::size_t n = payloads.size();
  std::vector<std::size_t> parent(n);
  std::iota(parent.begin(), parent.end(), 0);
  auto find = [&](std::size_t x) {
    while (parent[x] != x) x = parent[x] = parent[parent[x]];
    return x;
  };
  std::map<std::string, std::size_t> by_uuid;
  for (std::size_t i = 0; i < n; ++i) {
    if (const std::string* u = payloads[i].get_string("PayloadUUID")) by_uuid.emplace(*u, i);
  }
  for (std::size_t i = 0; i < n; ++i) {
    std::set<std::string> strings;
    collect_strings(payloads[i], &strings);
    const std::string* own = payloads[i].get_string("PayloadUUID");
    for (const std::string& s : strings) {
      if (own && s == *own) continue;
      if (auto it = by_uuid.find(s); it != by_uuid.end()) parent[find(i)] = find(it->second);
    }
  }
  std::map<std::size_t, std::vector<std::size_t>> groups;
  for (std::size_t i = 0; i < n; ++i) groups[find(i)].push_back(i);
  return groups;
}

// Sets whether a unit fits alone: by the plan, or else in its real encoding (binary may fit where
// the XML plan does not).
Status settle_fit(Packer& packer, Unit& u) {
  if (packer.plan_fits(u.alone)) return Ok{};
  Result<bool> real = packer.binary_possible() ? packer.fits_really({&u}) : Result<bool>(false);
  if (!real) return real.error();
  u.fits_alone = *real;
  return Ok{};
}

// The fragments of a payload that cannot fit alone, as units, when at least one of them can go
// through the MDM; none otherwise (the payload then leaves the MDM route whole rather than as
// several pieces). The smallest fragment decides.
Result<std::vector<Unit>> divide_payload(Packer& packer, const plist::Value& payload,
                                         std::size_t index, const MergeableType& mergeable,
                                         const Unit& whole, const std::string& label) {
  Divided d = divide(payload, index, mergeable.division);
  if (d.fragments.size() < 2) return std::vector<Unit>();
  std::vector<Unit> pieces(d.fragments.size());
  for (std::size_t f = 0; f < pieces.size(); ++f) {
    pieces[f].fragment = f;
    pieces[f].type = whole.type;
    pieces[f].label = label + "\n" + d.fragments[f].name + "\n";
  }
  const std::size_t divided = packer.add_divided(std::move(d));
  for (Unit& piece : pieces) piece.divided = divided;
  if (Status s = packer.measure_divided(divided, &pieces); !s) return s.error();
  const Unit* smallest = &*std::min_element(
      pieces.begin(), pieces.end(), [](const Unit& a, const Unit& b) { return a.alone < b.alone; });
  Result<bool> any_fits = packer.plan_fits(smallest->alone) ? Result<bool>(true)
                          : packer.binary_possible()        ? packer.fits_really({smallest})
                                                            : Result<bool>(false);
  if (!any_fits) return any_fits.error();
  if (!*any_fits) {
    packer.drop_last_divided();
    return std::vector<Unit>();
  }
  for (Unit& piece : pieces) {
    if (Status s = settle_fit(packer, piece); !s) return s.error();
  }
  return pieces;
}

// The units to pack: reference groups whole, and a mergeable payload that cannot fit alone
// divided into its fragments (divide_payload).
Result<std::vector<std::unique_ptr<Unit>>> make_units(Packer& packer, const plist::Array& payloads,
                                                      const SplitOptions& options) {
  std::vector<std::unique_ptr<Unit>> units;
  auto label_of = [&](std::size_t i) {
    const std::string* pid = payloads[i].get_string("PayloadIdentifier");
    return pid ? *pid : "#" + std::to_string(i);
  };
  for (auto& [root, members] : reference_groups(payloads)) {
    auto unit = std::make_unique<Unit>();
    unit->whole = members;
    const std::string* t = payloads[members.front()].get_string("PayloadType");
    unit->type = t ? *t : std::string();
    for (std::size_t m : members) unit->label += label_of(m) + "\n";
    Result<std::size_t> alone = packer.measure_xml({unit.get()});
    if (!alone) return alone.error();
    unit->alone = *alone;
    unit->cost = *alone - packer.envelope();
    if (Status s = settle_fit(packer, *unit); !s) return s.error();
    const MergeableType* mergeable =
        members.size() == 1 ? find_mergeable(unit->type, options.optimize.schema) : nullptr;
    Result<std::vector<Unit>> pieces =
        unit->fits_alone || !mergeable
            ? Result<std::vector<Unit>>(std::vector<Unit>())
            : divide_payload(packer, payloads[members.front()], members.front(), *mergeable, *unit,
                             label_of(members.front()));
    if (!pieces) return pieces.error();
    if (pieces->empty()) units.push_back(std::move(unit));
    for (Unit& piece : *pieces) units.push_back(std::make_unique<Unit>(std::move(piece)));
  }
  return units;
}

// The measure `u` adds to `bin`: a whole payload its own, a fragment its entry plus the wrapper of
// its group and the skeleton of its payload when the bin does not hold them yet.
std::size_t increment(const Packer& packer, const Bin& bin, const Unit& u) {
  if (u.divided == SIZE_MAX) return u.cost;
  const DividedCosts& c = packer.costs(u.divided);
  const std::size_t group = packer.divided(u.divided).fragments[u.fragment].group;
  std::size_t add = u.cost;
  if (!bin.groups.count({u.divided, group})) add += c.wrapper[group];
  if (!bin.divided.count(u.divided)) add += c.skeleton;
  return add;
}

void place(const Packer& packer, Bin& bin, const Unit& u, std::size_t add) {
  bin.units.push_back(&u);
  bin.types.insert(u.type);
  bin.measure += add;
  if (u.divided != SIZE_MAX) {
    bin.divided.insert(u.divided);
    bin.groups.insert({u.divided, packer.divided(u.divided).fragments[u.fragment].group});
  }
}

// First-fit decreasing by the planned size alone; among the open bins, those already holding the
// unit's PayloadType first. The plan is exact for XML. Where the part may become binary (smaller),
// a unit the plan turns away is tried on the real encoding, as many as kRealTrials bins per unit;
// a bin that turns down kRejectionsToClose units in a row by its real encoding is closed. Without
// binary, a bin closes when not even the smallest unit's entry fits any more.
constexpr std::size_t kRealTrials = 16;
constexpr std::size_t kRejectionsToClose = 8;

Result<std::vector<Bin>> pack(Packer& packer, const std::vector<std::unique_ptr<Unit>>& units) {
  std::vector<const Unit*> order;
  std::size_t smallest = SIZE_MAX;
  for (const auto& u : units) {
    order.push_back(u.get());
    smallest = std::min(smallest, u->cost);
  }
  std::stable_sort(order.begin(), order.end(),
                   [](const Unit* a, const Unit* b) { return a->alone > b->alone; });
  const bool binary = packer.binary_possible();
  std::vector<Bin> bins;
  std::vector<std::size_t> open;  // indices of open bins, ascending
  std::vector<std::size_t> closing;
  for (const Unit* u : order) {
    std::size_t chosen = SIZE_MAX, trials = 0, real_trials = 0;
    for (int same_type = 1; u->fits_alone && same_type >= 0 && chosen == SIZE_MAX; --same_type) {
      for (std::size_t b : open) {
        Bin& bin = bins[b];
        if (static_cast<bool>(bin.types.count(u->type)) != static_cast<bool>(same_type)) continue;
        ++trials;
        const std::size_t add = increment(packer, bin, *u);
        bool fits = packer.plan_fits(bin.measure + add);
        if (!fits && binary && real_trials < kRealTrials) {
          ++real_trials;
          std::vector<const Unit*> trial = bin.units;
          trial.push_back(u);
          Result<bool> real = packer.fits_really(trial);
          if (!real) return real.error();
          fits = *real;
          bin.rejections = fits ? 0 : bin.rejections + 1;
          if (bin.rejections >= kRejectionsToClose) closing.push_back(b);
        }
        if (fits) {
          chosen = b;
          place(packer, bin, *u, add);
          break;
        }
      }
    }
    if (Status s = packer.charge(trials); !s) return s.error();
    if (chosen == SIZE_MAX) {
      bins.emplace_back();
      chosen = bins.size() - 1;
      place(packer, bins.back(), *u, u->alone);
      if (u->fits_alone) open.push_back(chosen);
    }
    if (!binary && u->fits_alone && !packer.plan_fits(bins[chosen].measure + smallest))
      closing.push_back(chosen);
    for (std::size_t b : closing) {
      if (auto it = std::find(open.begin(), open.end(), b); it != open.end()) open.erase(it);
    }
    closing.clear();
  }
  return bins;
}

// Display names of the parts of one split source: "Name (2 of 3)", distinct and stable, so a
// vendor that keys profiles by display name (Fleet: unique per team) and a person reading System
// Settings tell the parts apart. Parts are packed with the widest suffix this allows, and each
// part's plan is reduced by what its real, shorter name saves: the plan stays exact.
class PartNames {
 public:
  static constexpr std::size_t kMaxParts = 99999;

  explicit PartNames(const plist::Value& profile) {
    const std::string* name = profile.get_string("PayloadDisplayName");
    if (name == nullptr) return;
    base_ = *name;
    reserved_ = with_suffix(kMaxParts, kMaxParts);
  }
  bool named() const { return !reserved_.empty(); }
  const std::string& reserved() const { return reserved_; }
  void set_count(std::size_t count) { count_ = count; }
  std::string name(std::size_t index) const { return with_suffix(index + 1, count_); }

  // The source profile with the reserved name, which the packer measures.
  plist::Value planned(const plist::Value& profile) const {
    plist::Value out = profile;
    if (named()) out.as_dict().set("PayloadDisplayName", reserved_);
    return out;
  }

 private:
  std::string with_suffix(std::size_t i, std::size_t n) const {
    return base_ + " (" + std::to_string(i) + " of " + std::to_string(n) + ")";
  }
  std::string base_;
  std::string reserved_;
  std::size_t count_ = 0;
};

// The position of a bin's first payload in the source: parts are numbered in source order.
std::size_t first_origin(const Packer& packer, const Bin& bin) {
  std::size_t best = SIZE_MAX;
  for (const Unit* u : bin.units) {
    for (std::size_t i : u->whole) best = std::min(best, i);
    if (u->divided != SIZE_MAX) best = std::min(best, packer.divided(u->divided).payload);
  }
  return best;
}

// The part for a bin: named from its content, optimized and measured for real, and checked against
// the plan (the encoded XML must count exactly what the plan said; binary only less).
Result<SplitPart> name_part(Packer& packer, const Bin& bin, const SplitOptions& options,
                            const PartNames& names, std::size_t index) {
  SplitPart part;
  std::vector<std::string> labels;
  for (const Unit* u : bin.units) labels.push_back(u->label);
  std::sort(labels.begin(), labels.end());
  std::string seed;
  for (const std::string& l : labels) seed += l;
  const std::string suffix = "part-" + hex8(seed);
  part.identifier = packer.id() + "." + suffix;
  part.uuid = derived_uuid(packer.uuid() + "\n" + suffix);
  plist::Value p = packer.build(bin.units, &part.payloads);
  p.as_dict().set("PayloadIdentifier", part.identifier);
  p.as_dict().set("PayloadUUID", part.uuid);
  std::size_t shorter = 0;  // how much the real display name is shorter than the planned one
  if (names.named()) {
    std::string name = names.name(index);
    shorter = names.reserved().size() - name.size();
    p.as_dict().set("PayloadDisplayName", std::move(name));
  }
  Result<Optimized> m = optimize(std::move(p), options.optimize);
  if (!m) return m.error();
  if (Status s = packer.charge(m->baseline_bytes); !s) return s.error();
  part.optimized = std::move(m.value());
  part.planned_size = packer.planned_size(bin.measure - shorter);
  const bool xml = part.optimized.encoding.format == Encoding::Format::kXml;
  if ((xml && part.optimized.command_size != part.planned_size) ||
      part.optimized.command_size > part.planned_size) {
    return Error::make(
        ExitCode::kInternal, "",
        packer.id() + ": the incremental size model planned " + std::to_string(part.planned_size) +
            " for " + part.identifier + ", the encoded part counts " +
            std::to_string(part.optimized.command_size) + "; please report this profile");
  }
  // A bin whose first unit fits took more only where the plan or the real encoding said it fits.
  if (bin.units.front()->fits_alone && !part.optimized.fits) {
    return Error::make(ExitCode::kInternal, "",
                       packer.id() + ": " + part.identifier + " was packed to fit and counts " +
                           std::to_string(part.optimized.command_size) + " > " +
                           std::to_string(part.optimized.limit) + "; please report this profile");
  }
  if (!part.optimized.fits) {
    part.reason = "needs " + std::to_string(part.optimized.command_size) +
                  " characters alone, over the limit of " + std::to_string(part.optimized.limit);
  }
  return part;
}

}  // namespace

Result<Split> split(const plist::Value& profile, const SplitOptions& options) {
  Result<Optimized> whole = optimize(profile, options.optimize);
  if (!whole) return whole.error();
  const plist::Value* content = profile.get("PayloadContent");
  if (whole->fits) return unsplit(profile, std::move(whole.value()), "");
  if (!content || !content->is_array() || content->as_array().empty()) {
    return unsplit(profile, std::move(whole.value()), "the profile has no payloads to divide");
  }
  Result<CountedLength> count = CountedLength::for_target(*options.optimize.target);
  if (!count) return count.error();
  PartNames names(profile);
  const plist::Value planned = names.planned(profile);
  Packer packer(planned, options, std::move(count.value()));
  if (Status s = packer.charge(whole->baseline_bytes); !s) return s.error();
  if (Status s = packer.measure_envelope(); !s) return s.error();
  Result<std::vector<std::unique_ptr<Unit>>> units =
      make_units(packer, content->as_array(), options);
  if (!units) return units.error();
  Result<std::vector<Bin>> bins = pack(packer, *units);
  if (!bins) return bins.error();
  // Only a source that really becomes several parts gets part identifiers.
  if (bins->size() == 1) {
    Split out = unsplit(profile, std::move(whole.value()), "");
    out.work = packer.work();
    return out;
  }
  Split out;
  out.identifier =
      profile.get_string("PayloadIdentifier") ? *profile.get_string("PayloadIdentifier") : "";
  out.uuid = profile.get_string("PayloadUUID") ? *profile.get_string("PayloadUUID") : "";
  // Parts in the order of their first payload in the source, so output reads like the source.
  std::stable_sort(bins->begin(), bins->end(), [&](const Bin& a, const Bin& b) {
    return first_origin(packer, a) < first_origin(packer, b);
  });
  if (bins->size() > PartNames::kMaxParts) {
    return Error::make(ExitCode::kDataError, "",
                       packer.id() + ": would become more than " +
                           std::to_string(PartNames::kMaxParts) +
                           " parts; divide the source into several profiles");
  }
  names.set_count(bins->size());
  for (std::size_t i = 0; i < bins->size(); ++i) {
    Result<SplitPart> part = name_part(packer, (*bins)[i], options, names, i);
    if (!part) return part.error();
    out.parts.push_back(std::move(part.value()));
  }
  out.work = packer.work();
  return out;
}

plist::Array merge_back(const Split& split) {
  std::map<std::size_t, plist::Value> merged;  // by position in the source
  for (const SplitPart& part : split.parts) {
    const plist::Value* content = part.optimized.profile.get("PayloadContent");
    if (!content || !content->is_array()) continue;
    for (std::size_t i = 0; i < content->as_array().size() && i < part.payloads.size(); ++i) {
      const PartPayload& pp = part.payloads[i];
      plist::Value p = content->as_array()[i];
      if (pp.piece) {
        p.as_dict().set("PayloadIdentifier", pp.origin_identifier);
        p.as_dict().set("PayloadUUID", pp.origin_uuid);
      }
      auto it = merged.find(pp.origin_index);
      if (it == merged.end()) {
        merged.emplace(pp.origin_index, std::move(p));
        continue;
      }
      // Union by the type's rule: dicts merge key by key (domains, services, settings), arrays of
      // privacy entries concatenate, the Forced wrapper of custom settings merges its one dict.
      std::function<void(plist::Value&, const plist::Value&)> unite = [&](plist::Value& a,
                                                                          const plist::Value& b) {
        if (a.is_dict() && b.is_dict()) {
          for (const plist::DictEntry& e : b.as_dict()) {
            plist::Value* have = a.as_dict().find(e.key);
            if (!have)
              a.as_dict().append(e.key, e.value);
            else if (!(*have == e.value))
              unite(*have, e.value);
          }
        } else if (a.is_array() && b.is_array()) {
          if (a.as_array().size() == 1 && b.as_array().size() == 1 && a.as_array()[0].is_dict() &&
              a.as_array()[0].get("mcx_preference_settings")) {
            unite(a.as_array()[0], b.as_array()[0]);
          } else {
            for (const plist::Value& v : b.as_array()) a.as_array().push_back(v);
          }
        }
      };
      unite(it->second, p);
    }
  }
  plist::Array out;
  for (auto& [index, payload] : merged) out.push_back(std::move(payload));
  return out;
}

}  // namespace cmdm::optimizer
