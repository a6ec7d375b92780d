#include "plist/settings_reader.h"

#include <algorithm>
#include <cmath>

#include "plist/suggest.h"

namespace cmdm::plist {

Error SettingsReader::error(const Value& at, const KeyPath& path,
                            const std::string& message) const {
  Diagnostic d = at.offset() == kNoOffset || !doc_.source
                     ? Diagnostic{.file = file_, .message = message}
                     : Diagnostic::at(*doc_.source, at.offset(), message);
  d.key_path = path.str();
  return Error(ExitCode::kDataError, std::move(d));
}

Status SettingsReader::check_keys(const Value& dict, const KeyPath& path,
                                  const std::vector<std::string>& keys) const {
  for (const DictEntry& entry : dict.as_dict()) {
    if (std::find(keys.begin(), keys.end(), entry.key) != keys.end()) continue;
    std::string message =
        unknown_name("key", entry.key, keys, options_.key_listing).diagnostics[0].message;
    Diagnostic d = entry.key_offset == kNoOffset || !doc_.source
                       ? Diagnostic{.file = file_, .message = std::move(message)}
                       : Diagnostic::at(*doc_.source, entry.key_offset, std::move(message));
    d.key_path = path.key(entry.key).str();
    return Error(ExitCode::kDataError, std::move(d));
  }
  return Ok{};
}

std::string SettingsReader::a(Type type) {
  const std::string_view name = type_name(type);
  return (name[0] == 'a' || name[0] == 'i' ? "an " : "a ") + std::string(name);
}

std::string SettingsReader::wrong_type(std::string_view expected, const Value& found) const {
  std::string message = "expected " + std::string(expected);
  if (options_.name_found_type) message += ", found " + a(found.type());
  return message;
}

Result<const Value*> SettingsReader::typed(const Value& dict, const KeyPath& path,
                                           std::string_view key, Type type) const {
  const Value* v = dict.get(key);
  if (v == nullptr || v->type() == type) return v;
  return error(*v, path.key(key), wrong_type(a(type), *v));
}

Status SettingsReader::string(const Value& dict, const KeyPath& path, std::string_view key,
                              std::string* out) const {
  Result<const Value*> v = typed(dict, path, key, Type::kString);
  if (!v) return v.error();
  if (*v != nullptr) *out = (*v)->as_string();
  return Ok{};
}

Status SettingsReader::absolute_path(const Value& dict, const KeyPath& path, std::string_view key,
                                     std::string* out) const {
  if (Status s = string(dict, path, key, out); !s) return s;
  const Value* v = dict.get(key);
  if (v == nullptr || (!out->empty() && out->front() == '/')) return Ok{};
  return error(*v, path.key(key), "expected an absolute path");
}

Result<std::optional<double>> SettingsReader::number(const Value& dict, const KeyPath& path,
                                                     std::string_view key, double min, double max,
                                                     std::string_view what,
                                                     const std::string& out_of_range) const {
  const Value* v = dict.get(key);
  if (v == nullptr) return std::optional<double>();
  double d = 0;
  if (v->is_integer() && !v->as_integer().is_big_unsigned()) {
    d = static_cast<double>(v->as_integer().as_int64());
  } else if (v->is_real()) {
    d = v->as_real();
  } else {
    return error(*v, path.key(key), wrong_type(what, *v));
  }
  if (!std::isfinite(d) || d < min || d > max) return error(*v, path.key(key), out_of_range);
  return std::optional<double>(d);
}

Result<std::optional<std::int64_t>> SettingsReader::integer(const Value& dict, const KeyPath& path,
                                                            std::string_view key, std::int64_t min,
                                                            std::int64_t max,
                                                            const std::string& out_of_range) const {
  Result<const Value*> v = typed(dict, path, key, Type::kInteger);
  if (!v) return v.error();
  if (*v == nullptr) return std::optional<std::int64_t>();
  const Integer n = (*v)->as_integer();
  if (n.is_big_unsigned() || n.as_int64() < min || n.as_int64() > max) {
    return error(**v, path.key(key), out_of_range);
  }
  return std::optional<std::int64_t>(n.as_int64());
}

Result<std::size_t> SettingsReader::choice(const Value& dict, const KeyPath& path,
                                           std::string_view key, std::string_view what,
                                           const std::vector<std::string>& names,
                                           std::string_view listing) const {
  std::string value;
  if (Status s = string(dict, path, key, &value); !s) return s.error();
  const Value* v = dict.get(key);
  if (v == nullptr) return names.size();
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (names[i] == value) return i;
  }
  return error(*v, path.key(key), unknown_name(what, value, names, listing).diagnostics[0].message);
}

}  // namespace cmdm::plist
