// What Apple's device-management schema says about payload types: which keys a type knows, whether
// it is closed (a fixed key set) or open (custom settings: any key), and which keys name another
// payload by its PayloadUUID. Built by the pipeline from Apple's schema (pipeline/schema_facts.h),
// so the optimizer reads no YAML and does not link the compiler.
#pragma once

#include <map>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cmdm::optimizer {

class SchemaFacts {
 public:
  enum class Kind {
    kUnknown,  // the schema does not describe this PayloadType (an app's preference domain, ...)
    kOpen,     // described, but takes keys it does not list (a top-level `ANY` key)
    kClosed,   // described with a fixed set of keys
  };

  // What the schema says about one payload type.
  struct Type {
    std::set<std::string> keys;
    bool open = false;
    bool macos_multiple = false;
    bool macos_manual_install = true;
  };
  void add_type(const std::string& payload_type, Type type) {
    types_[payload_type] = std::move(type);
  }
  void add_common_key(const std::string& key) { common_keys_.insert(key); }
  void add_reference_key(const std::string& key) { reference_keys_.insert(key); }

  Kind kind(std::string_view payload_type) const;
  // Whether `key` is one of the type's own keys or a key common to every payload.
  bool knows_key(std::string_view payload_type, std::string_view key) const;
  // Keys (at any depth) whose value is the PayloadUUID of another payload in the same profile.
  const std::set<std::string>& reference_keys() const { return reference_keys_; }
  // The schema's macOS `multiple` flag: several payloads of this type may be installed at once.
  bool macos_multiple(std::string_view payload_type) const;
  // False when the schema says macOS installs the type only through an MDM
  // (`allowmanualinstall: false`: privacy preferences, system extensions, ...); true otherwise,
  // also for types it does not describe.
  bool macos_manual_install(std::string_view payload_type) const;
  std::size_t type_count() const { return types_.size(); }
  // Every described type whose macos_manual_install() is false, sorted.
  std::vector<std::string> mdm_only_types() const;

 private:
  std::map<std::string, Type, std::less<>> types_;
  std::set<std::string, std::less<>> common_keys_;
  std::set<std::string> reference_keys_;
};

}  // namespace cmdm::optimizer
