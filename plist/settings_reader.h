// Reading a settings plist (the dispatcher's and the relay's configuration, the relay's policy):
// unknown keys refused with "did you mean", typed getters, and every error a Diagnostic at the
// value's line and column with its key path, exit code 65. One home for that scaffolding so the
// three readers word and place their errors alike.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "plist/diagnostic.h"
#include "plist/reader.h"
#include "plist/value.h"

namespace cmdm::plist {

class SettingsReader {
 public:
  struct Options {
    // Where the known keys are listed, for "did you mean": "(docs/relay.md lists them)".
    std::string key_listing;
    // A wrong type reads "expected a string, found an integer" when set, "expected a string"
    // when not (the relay's wording).
    bool name_found_type = true;
  };

  SettingsReader(const Document& doc, std::string file, Options options)
      : doc_(doc), file_(std::move(file)), options_(std::move(options)) {}

  const std::string& file() const { return file_; }

  // A data error (65) at `at`'s line and column (just the file when `at` has no offset).
  Error error(const Value& at, const KeyPath& path, const std::string& message) const;

  // The first key of `dict` not in `keys`, as "unknown key 'X'; did you mean 'Y'? <listing>" at
  // the key.
  Status check_keys(const Value& dict, const KeyPath& path,
                    const std::vector<std::string>& keys) const;

  // The value at `key` when it has `type`; nullptr when absent; an error for another type.
  Result<const Value*> typed(const Value& dict, const KeyPath& path, std::string_view key,
                             Type type) const;

  // The getters leave `out` alone when the key is absent.
  Status string(const Value& dict, const KeyPath& path, std::string_view key,
                std::string* out) const;
  // A string starting with '/'.
  Status absolute_path(const Value& dict, const KeyPath& path, std::string_view key,
                       std::string* out) const;

  // An integer or a real within [min, max]; nullopt when absent. A wrong type reads "expected
  // <what>"; a value out of range reads `out_of_range`.
  Result<std::optional<double>> number(const Value& dict, const KeyPath& path, std::string_view key,
                                       double min, double max, std::string_view what,
                                       const std::string& out_of_range) const;

  // An integer within [min, max]; nullopt when absent.
  Result<std::optional<std::int64_t>> integer(const Value& dict, const KeyPath& path,
                                              std::string_view key, std::int64_t min,
                                              std::int64_t max,
                                              const std::string& out_of_range) const;

  // A string that must be one of `names` ("unknown <what> 'X'; did you mean 'Y'? <listing>");
  // its index, names.size() when absent.
  Result<std::size_t> choice(const Value& dict, const KeyPath& path, std::string_view key,
                             std::string_view what, const std::vector<std::string>& names,
                             std::string_view listing) const;

  // "a string", "an integer", ... for messages.
  static std::string a(Type type);

 private:
  std::string wrong_type(std::string_view expected, const Value& found) const;

  const Document& doc_;
  std::string file_;
  Options options_;
};

}  // namespace cmdm::plist
