// Splits a profile into parts that fit: reference-connected payloads stay together, payloads of
// mergeable types that cannot fit alone are divided by key or entry, and the pieces are packed
// first-fit-decreasing, each candidate part measured as its real optimized command.
#include "optimizer/splitter.h"

#include <algorithm>
#include <map>
#include <functional>
#include <memory>
#include <numeric>
#include <set>

#include "optimizer/passes.h"
#include "plist/hash.h"

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

const MergeableType* find_mergeable(std::string_view type, const Schema* schema) {
  for (const MergeableType& m : mergeable_types()) {
    if (!m.payload_type.empty() && m.payload_type == type) return &m;
  }
  // An app's domain: reverse-DNS, not Apple's, and not a type the schema describes.
  const bool app_domain = type.find('.') != std::string_view::npos && !type.starts_with("com.apple.") &&
                          (!schema || schema->kind(type) == Schema::Kind::kUnknown);
  return app_domain ? &mergeable_types().back() : nullptr;
}

bool Split::all_deliverable() const {
  return std::all_of(parts.begin(), parts.end(), [](const Part& p) { return p.route == Route::kMdm; });
}

namespace {

std::string hex8(const std::string& seed) {
  std::string h = plist::digest_hex(plist::Value(seed)).substr(0, 8);
  for (char& c : h) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return h;
}

// A UUID-shaped name (8-4-4-4-12, upper case) derived from `seed`: stable across runs.
std::string derived_uuid(const std::string& seed) {
  std::string h = plist::digest_hex(plist::Value(seed));
  for (char& c : h) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) + "-" +
         h.substr(20, 12);
}

void collect_strings(const plist::Value& v, std::set<std::string>* out) {
  if (v.is_string()) out->insert(v.as_string());
  if (v.is_array()) for (const plist::Value& e : v.as_array()) collect_strings(e, out);
  if (v.is_dict()) for (const plist::DictEntry& e : v.as_dict()) collect_strings(e.value, out);
}

bool is_simple_domain(const plist::Value& domain) {
  if (!domain.is_dict() || domain.as_dict().size() != 1) return false;
  const plist::Value* forced = domain.get("Forced");
  if (!forced || !forced->is_array() || forced->as_array().size() != 1) return false;
  const plist::Value& f = forced->as_array()[0];
  return f.is_dict() && f.as_dict().size() == 1 && f.get("mcx_preference_settings") &&
         f.get("mcx_preference_settings")->is_dict();
}

// The finest pieces a payload of a mergeable type divides into, by name.
std::vector<std::string> fragments(const plist::Value& payload, Division division) {
  std::vector<std::string> out;
  if (!payload.is_dict()) return out;
  switch (division) {
    case Division::kByKey:
      for (const plist::DictEntry& e : payload.as_dict()) {
        if (!is_common_payload_key(e.key)) out.push_back(e.key);
      }
      break;
    case Division::kCustomSettings:
      if (const plist::Value* c = payload.get("PayloadContent"); c && c->is_dict()) {
        for (const plist::DictEntry& d : c->as_dict()) {
          if (!is_simple_domain(d.value)) {
            out.push_back(d.key);
            continue;
          }
          const plist::Value& s = *d.value.get("Forced")->as_array()[0].get("mcx_preference_settings");
          for (const plist::DictEntry& k : s.as_dict()) out.push_back(d.key + "\n" + k.key);
        }
      }
      break;
    case Division::kPrivacyPreferences:
      if (const plist::Value* s = payload.get("Services"); s && s->is_dict()) {
        for (const plist::DictEntry& svc : s->as_dict()) {
          if (!svc.value.is_array()) {
            out.push_back(svc.key);
            continue;
          }
          for (std::size_t i = 0; i < svc.value.as_array().size(); ++i) {
            out.push_back(svc.key + "\n#" + std::to_string(i));
          }
        }
      }
      break;
  }
  return out;
}

// The payload restricted to the selected fragments (and every key that is not divided).
plist::Value build_piece(const plist::Value& payload, Division division, const std::set<std::string>& sel) {
  plist::Dict out;
  for (const plist::DictEntry& e : payload.as_dict()) {
    if (division == Division::kByKey) {
      if (is_common_payload_key(e.key) || sel.count(e.key)) out.append(e.key, e.value);
    } else if (division == Division::kCustomSettings && e.key == "PayloadContent" && e.value.is_dict()) {
      plist::Dict content;
      for (const plist::DictEntry& d : e.value.as_dict()) {
        if (sel.count(d.key)) {
          content.append(d.key, d.value);
          continue;
        }
        if (!is_simple_domain(d.value)) continue;
        plist::Dict settings;
        const plist::Value& s = *d.value.get("Forced")->as_array()[0].get("mcx_preference_settings");
        for (const plist::DictEntry& k : s.as_dict()) {
          if (sel.count(d.key + "\n" + k.key)) settings.append(k.key, k.value);
        }
        if (settings.empty()) continue;
        plist::Dict forced;
        forced.append("mcx_preference_settings", std::move(settings));
        plist::Dict domain;
        domain.append("Forced", plist::Array{plist::Value(std::move(forced))});
        content.append(d.key, std::move(domain));
      }
      out.append(e.key, std::move(content));
    } else if (division == Division::kPrivacyPreferences && e.key == "Services" && e.value.is_dict()) {
      plist::Dict services;
      for (const plist::DictEntry& svc : e.value.as_dict()) {
        if (sel.count(svc.key)) {
          services.append(svc.key, svc.value);
          continue;
        }
        if (!svc.value.is_array()) continue;
        plist::Array entries;
        for (std::size_t i = 0; i < svc.value.as_array().size(); ++i) {
          if (sel.count(svc.key + "\n#" + std::to_string(i))) entries.push_back(svc.value.as_array()[i]);
        }
        if (!entries.empty()) services.append(svc.key, std::move(entries));
      }
      out.append(e.key, std::move(services));
    } else {
      out.append(e.key, e.value);
    }
  }
  return plist::Value(std::move(out));
}

// What a bin holds: whole payloads, and for divided payloads the selected fragments.
struct Unit {
  std::vector<std::size_t> whole;  // payload indices
  std::size_t divided = SIZE_MAX;  // payload index of a fragment unit
  std::string fragment;
  std::size_t size = 0;            // measured alone
  std::string type;
  std::string label;               // for identity
};

struct Bin {
  std::vector<const Unit*> units;
  std::set<std::string> types;
};

class Packer {
 public:
  Packer(const plist::Value& profile, const SplitOptions& options)
      : profile_(profile), options_(options), payloads_(profile.get("PayloadContent")->as_array()) {
    const std::string* id = profile.get_string("PayloadIdentifier");
    const std::string* uuid = profile.get_string("PayloadUUID");
    id_ = id ? *id : "profile";
    uuid_ = uuid ? *uuid : id_;
    part_uuid_ = derived_uuid(uuid_);  // every candidate part is measured with it
  }

  // Builds the part profile for a set of units, and its payload list.
  plist::Value build(const std::vector<const Unit*>& units, std::vector<PartPayload>* list) const {
    std::set<std::size_t> whole;
    std::map<std::size_t, std::set<std::string>> pieces;
    for (const Unit* u : units) {
      whole.insert(u->whole.begin(), u->whole.end());
      if (u->divided != SIZE_MAX) pieces[u->divided].insert(u->fragment);
    }
    plist::Array content;
    for (std::size_t i = 0; i < payloads_.size(); ++i) {
      const plist::Value& p = payloads_[i];
      const std::string* pid = p.get_string("PayloadIdentifier");
      const std::string* ptype = p.get_string("PayloadType");
      const std::string* puuid = p.get_string("PayloadUUID");
      PartPayload pp{pid ? *pid : "", ptype ? *ptype : "", pid ? *pid : "", puuid ? *puuid : "", i, false};
      if (whole.count(i)) {
        content.push_back(p);
      } else if (auto it = pieces.find(i); it != pieces.end()) {
        const MergeableType* m = find_mergeable(pp.type, options_.optimize.schema);
        plist::Value piece = build_piece(p, m->division, it->second);
        if (it->second.size() != fragments(p, m->division).size()) {
          std::string names;
          for (const std::string& f : it->second) names += f + "\n";
          pp.identifier = pp.origin_identifier + "." + hex8(names);
          pp.piece = true;
          piece.as_dict().set("PayloadIdentifier", pp.identifier);
          piece.as_dict().set("PayloadUUID", derived_uuid(pp.origin_uuid + "\n" + names));
        }
        content.push_back(std::move(piece));
      } else {
        continue;
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

  Result<Optimized> measure(const std::vector<const Unit*>& units) const {
    return optimize(build(units, nullptr), options_.optimize);
  }

  const plist::Value& profile_;
  const SplitOptions& options_;
  const plist::Array& payloads_;
  std::string id_, uuid_, part_uuid_;
};

}  // namespace

std::string mdm_only_type(const std::vector<PartPayload>& payloads, const Schema* schema) {
  if (schema == nullptr) return "";
  for (const PartPayload& p : payloads) {
    if (!schema->macos_manual_install(p.type)) return p.type;
  }
  return "";
}

namespace {

// The route of a part that does not fit even alone, its reason already saying by how much.
void route_oversized(Part& part, const SplitOptions& options) {
  const std::string mdm_only = mdm_only_type(part.payloads, options.optimize.schema);
  if (!mdm_only.empty()) {
    part.route = Route::kUndeliverable;
    part.reason += "; " + mdm_only + " is installed only through an MDM, never locally";
  } else if (options.local_allowed) {
    part.route = Route::kLocal;
    part.reason += "; install it locally (macOS 10.15 and older)";
  } else {
    part.route = Route::kUndeliverable;
    part.reason += "; local installation is refused since macOS 11";
  }
}

}  // namespace

Result<Split> split(const plist::Value& profile, const SplitOptions& options) {
  Split out;
  Result<Optimized> whole = optimize(profile, options.optimize);
  if (!whole) return whole.error();
  const std::string* id = profile.get_string("PayloadIdentifier");
  const std::string* uuid = profile.get_string("PayloadUUID");
  out.identifier = id ? *id : "";
  out.uuid = uuid ? *uuid : "";
  const plist::Value* content = profile.get("PayloadContent");
  out.whole_fits = whole->fits;
  if (whole->fits || !content || !content->is_array() || content->as_array().empty()) {
    Part part;
    part.identifier = out.identifier;
    part.uuid = out.uuid;
    if (content && content->is_array()) {
      for (std::size_t i = 0; i < content->as_array().size(); ++i) {
        const plist::Value& p = content->as_array()[i];
        const std::string* pid = p.get_string("PayloadIdentifier");
        const std::string* pt = p.get_string("PayloadType");
        const std::string* pu = p.get_string("PayloadUUID");
        part.payloads.push_back({pid ? *pid : "", pt ? *pt : "", pid ? *pid : "", pu ? *pu : "", i, false});
      }
    }
    part.optimized = std::move(whole.value());
    if (!part.optimized.fits) {
      part.reason = "the profile has no payloads to divide and needs " +
                    std::to_string(part.optimized.command_size) + " > " + std::to_string(part.optimized.limit);
      route_oversized(part, options);
    }
    out.parts.push_back(std::move(part));
    return out;
  }

  Packer packer(profile, options);
  const plist::Array& payloads = content->as_array();
  const std::size_t n = payloads.size();
  // Reference groups: a payload whose strings include another's PayloadUUID stays with it.
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

  std::vector<std::unique_ptr<Unit>> units;
  auto label_of = [&](std::size_t i) {
    const std::string* pid = payloads[i].get_string("PayloadIdentifier");
    return pid ? *pid : "#" + std::to_string(i);
  };
  auto type_of = [&](std::size_t i) {
    const std::string* t = payloads[i].get_string("PayloadType");
    return t ? *t : std::string();
  };
  for (auto& [root, members] : groups) {
    auto unit = std::make_unique<Unit>();
    unit->whole = members;
    unit->type = type_of(members.front());
    for (std::size_t m : members) unit->label += label_of(m) + "\n";
    Result<Optimized> alone = packer.measure({unit.get()});
    if (!alone) return alone.error();
    unit->size = alone->command_size;
    const MergeableType* mergeable =
        members.size() == 1 ? find_mergeable(unit->type, options.optimize.schema) : nullptr;
    std::vector<std::string> frags =
        mergeable ? fragments(payloads[members.front()], mergeable->division) : std::vector<std::string>();
    if (alone->fits || frags.size() < 2) {
      units.push_back(std::move(unit));
      continue;
    }
    std::vector<std::unique_ptr<Unit>> pieces;
    bool any_fits = false;
    for (const std::string& f : frags) {
      auto piece = std::make_unique<Unit>();
      piece->divided = members.front();
      piece->fragment = f;
      piece->type = unit->type;
      piece->label = label_of(members.front()) + "\n" + f + "\n";
      Result<Optimized> m = packer.measure({piece.get()});
      if (!m) return m.error();
      piece->size = m->command_size;
      any_fits |= m->fits;
      pieces.push_back(std::move(piece));
    }
    // Dividing helps only when some piece can go through the MDM; otherwise the payload leaves
    // the MDM route whole rather than as several pieces.
    if (!any_fits) {
      units.push_back(std::move(unit));
      continue;
    }
    for (auto& piece : pieces) units.push_back(std::move(piece));
  }
  // First-fit decreasing; among the bins, those already holding the unit's PayloadType first.
  std::vector<const Unit*> order;
  for (const auto& u : units) order.push_back(u.get());
  std::stable_sort(order.begin(), order.end(), [](const Unit* a, const Unit* b) { return a->size > b->size; });
  std::vector<Bin> bins;
  for (const Unit* u : order) {
    std::vector<std::size_t> candidates;
    for (std::size_t b = 0; b < bins.size(); ++b) if (bins[b].types.count(u->type)) candidates.push_back(b);
    for (std::size_t b = 0; b < bins.size(); ++b) if (!bins[b].types.count(u->type)) candidates.push_back(b);
    bool placed = false;
    for (std::size_t b : candidates) {
      std::vector<const Unit*> trial = bins[b].units;
      trial.push_back(u);
      Result<Optimized> m = packer.measure(trial);
      if (!m) return m.error();
      if (m->fits) {
        bins[b].units = std::move(trial);
        bins[b].types.insert(u->type);
        placed = true;
        break;
      }
    }
    if (!placed) bins.push_back(Bin{{u}, {u->type}});
  }
  for (const Bin& bin : bins) {
    Part part;
    std::vector<std::string> labels;
    for (const Unit* u : bin.units) labels.push_back(u->label);
    std::sort(labels.begin(), labels.end());
    std::string seed;
    for (const std::string& l : labels) seed += l;
    const std::string suffix = "part-" + hex8(seed);
    part.identifier = packer.id_ + "." + suffix;
    part.uuid = derived_uuid(packer.uuid_ + "\n" + suffix);
    plist::Value p = packer.build(bin.units, &part.payloads);
    p.as_dict().set("PayloadIdentifier", part.identifier);
    p.as_dict().set("PayloadUUID", part.uuid);
    Result<Optimized> m = optimize(std::move(p), options.optimize);
    if (!m) return m.error();
    part.optimized = std::move(m.value());
    if (!part.optimized.fits) {
      part.reason = "needs " + std::to_string(part.optimized.command_size) + " characters alone, over the limit of " +
                    std::to_string(part.optimized.limit);
      route_oversized(part, options);
    }
    out.parts.push_back(std::move(part));
  }
  // Parts in the order of their first payload in the source, so output reads like the source.
  auto first = [&](const Part& p) {
    std::size_t best = SIZE_MAX;
    for (const PartPayload& pp : p.payloads) best = std::min(best, pp.origin_index);
    return best;
  };
  std::stable_sort(out.parts.begin(), out.parts.end(), [&](const Part& a, const Part& b) { return first(a) < first(b); });
  return out;
}

plist::Array merge_back(const Split& split) {
  std::map<std::size_t, plist::Value> merged;  // by position in the source
  for (const Part& part : split.parts) {
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
      std::function<void(plist::Value&, const plist::Value&)> unite = [&](plist::Value& a, const plist::Value& b) {
        if (a.is_dict() && b.is_dict()) {
          for (const plist::DictEntry& e : b.as_dict()) {
            plist::Value* have = a.as_dict().find(e.key);
            if (!have) a.as_dict().append(e.key, e.value);
            else if (!(*have == e.value)) unite(*have, e.value);
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
