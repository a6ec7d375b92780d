// Checks a pass's output against the input it was given: the rules of DESIGN.md's level table as
// code, so a pass that breaks one is named at once rather than found on a device.
#include "optimizer/invariants.h"

#include <algorithm>
#include <set>
#include <string>

#include "optimizer/passes.h"

namespace cmdm::optimizer {

namespace {

bool in(std::string_view key, const std::string_view* begin, const std::string_view* end) {
  return std::find(begin, end, key) != end;
}

Error broken(std::string_view pass, const plist::KeyPath& path, const std::string& what) {
  Diagnostic d;
  d.key_path = path.str();
  d.message = "pass '" + std::string(pass) + "' broke an invariant: " + what;
  return Error(ExitCode::kInternal, d);
}

// Compares one dict's keys: gone keys must be droppable, present ones equal (except `mutable_key`),
// none added.
template <typename MayDrop>
Status compare_dict(const plist::Dict& before, const plist::Dict& after, const plist::KeyPath& path,
                    std::string_view pass, MayDrop may_drop, std::string_view mutable_key,
                    std::string_view skip_key) {
  for (const plist::DictEntry& e : before) {
    const plist::Value* now = after.find(e.key);
    if (!now) {
      if (!may_drop(e.key)) return broken(pass, path.key(e.key), "removed a key its level keeps");
      continue;
    }
    if (e.key == skip_key) continue;
    if (e.key == mutable_key) {
      if (!now->is_string() || now->as_string().empty()) {
        return broken(pass, path.key(e.key),
                      "replaced a payload UUID with a non-string or empty value");
      }
      continue;
    }
    if (!(*now == e.value)) return broken(pass, path.key(e.key), "changed a value");
  }
  for (const plist::DictEntry& e : after) {
    if (!before.contains(e.key)) return broken(pass, path.key(e.key), "added a key");
  }
  return Ok{};
}

}  // namespace

Status check_invariants(const plist::Value& original, const plist::Value& current, Level level,
                        const SchemaFacts* schema, bool mdm_target, std::string_view pass) {
  plist::KeyPath root;
  if (!original.is_dict()) {
    if (!(original == current)) return broken(pass, root, "changed a profile that is not a dict");
    return Ok{};
  }
  if (!current.is_dict()) return broken(pass, root, "the profile is no longer a dict");
  for (const char* key : {"PayloadIdentifier", "PayloadUUID"}) {
    const plist::Value* a = original.get(key);
    const plist::Value* b = current.get(key);
    if ((a == nullptr) != (b == nullptr) || (a && !(*a == *b))) {
      return broken(pass, root.key(key), "changed the profile's " + std::string(key));
    }
  }
  const bool safe = level >= Level::kSafe;
  const bool aggressive = level >= Level::kAggressive;
  auto top_may_drop = [&](std::string_view key) {
    return (safe && in(key, std::begin(kCosmeticTopLevelKeys), std::end(kCosmeticTopLevelKeys))) ||
           (aggressive && mdm_target && key == "ConsentText");
  };
  Status top = compare_dict(original.as_dict(), current.as_dict(), root, pass, top_may_drop, "",
                            "PayloadContent");
  if (!top) return top;

  const plist::Value* before = original.get("PayloadContent");
  const plist::Value* after = current.get("PayloadContent");
  if (!before || !before->is_array()) return Ok{};
  plist::KeyPath content_path = root.key("PayloadContent");
  if (!after || !after->is_array() || after->as_array().size() != before->as_array().size()) {
    return broken(pass, content_path, "added or removed payloads");
  }
  std::set<std::string> uuids_before, uuids_after;
  bool unique_before = true, unique_after = true;
  for (std::size_t i = 0; i < before->as_array().size(); ++i) {
    const plist::Value& p = before->as_array()[i];
    const plist::Value& q = after->as_array()[i];
    plist::KeyPath path = content_path.index(i);
    if (!p.is_dict()) {
      if (!(p == q)) return broken(pass, path, "changed a payload that is not a dict");
      continue;
    }
    if (!q.is_dict()) return broken(pass, path, "a payload is no longer a dict");
    const std::string* type = p.get_string("PayloadType");
    const bool closed = schema && type && schema->kind(*type) == SchemaFacts::Kind::kClosed;
    auto may_drop = [&](std::string_view key) {
      if (safe && in(key, std::begin(kCosmeticPayloadKeys), std::end(kCosmeticPayloadKeys)))
        return true;
      return aggressive && closed && !is_common_payload_key(key) && !schema->knows_key(*type, key);
    };
    Status s = compare_dict(p.as_dict(), q.as_dict(), path, pass, may_drop,
                            aggressive ? "PayloadUUID" : "", "");
    if (!s) return s;
    if (const std::string* u = p.get_string("PayloadUUID"))
      unique_before &= uuids_before.insert(*u).second;
    if (const std::string* u = q.get_string("PayloadUUID"))
      unique_after &= uuids_after.insert(*u).second;
  }
  if (unique_before && !unique_after)
    return broken(pass, content_path, "payload UUIDs are no longer unique");
  return Ok{};
}

}  // namespace cmdm::optimizer
