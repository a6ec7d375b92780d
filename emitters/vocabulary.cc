// One table per kind: the enum value and its name. Names and parsers are both read off the table.
#include "emitters/vocabulary.h"

#include <array>
#include <string>
#include <utility>

#include "plist/suggest.h"

namespace cmdm::emitters {

namespace {

template <typename T, std::size_t N>
using NameTable = std::array<std::pair<T, std::string_view>, N>;

constexpr NameTable<Level, 3> kLevels = {{
    {Level::kLossless, "lossless"},
    {Level::kSafe, "safe"},
    {Level::kAggressive, "aggressive"},
}};
constexpr NameTable<Route, 3> kRoutes = {{
    {Route::kMdm, "mdm"},
    {Route::kLocal, "local"},
    {Route::kUndeliverable, "undeliverable"},
}};
constexpr NameTable<Format, 2> kFormats = {{
    {Format::kXml, "xml"},
    {Format::kBinary, "binary"},
}};

template <typename T, std::size_t N>
std::string_view name_in(const NameTable<T, N>& table, T value) {
  for (const auto& [v, name] : table) {
    if (v == value) return name;
  }
  return table.front().second;
}

// "(a, b, c)"
template <typename T, std::size_t N>
std::string listing(const NameTable<T, N>& table) {
  std::string out = "(";
  for (const auto& [v, name] : table) out += (out.size() > 1 ? ", " : "") + std::string(name);
  return out + ")";
}

template <typename T, std::size_t N>
Result<T> parse_in(const NameTable<T, N>& table, std::string_view what, std::string_view name) {
  std::vector<std::string> names;
  for (const auto& [v, n] : table) {
    if (n == name) return v;
    names.emplace_back(n);
  }
  return unknown_name(what, name, names, listing(table));
}

}  // namespace

const std::vector<PolicyInfo>& signing_policies() {
  static const std::vector<PolicyInfo> kPolicies = {
      {.policy = SigningPolicy::kPreferSigned,
       .name = "prefer-signed",
       .description =
           "send signed if it fits; else unsigned if that fits; else split or route local"},
      {.policy = SigningPolicy::kRequireSigned,
       .name = "require-signed",
       .description =
           "send signed if it fits; else split (every part signed); never drop the signature"},
      {.policy = SigningPolicy::kUnsigned,
       .name = "unsigned",
       .description = "never sign; send unsigned if it fits, else split"},
  };
  return kPolicies;
}

std::string_view level_name(Level level) { return name_in(kLevels, level); }
std::string_view route_name(Route route) { return name_in(kRoutes, route); }
std::string_view format_name(Format format) { return name_in(kFormats, format); }

std::string_view policy_name(SigningPolicy policy) {
  for (const PolicyInfo& p : signing_policies()) {
    if (p.policy == policy) return p.name;
  }
  return signing_policies().front().name;
}

Result<Level> parse_level(std::string_view name) { return parse_in(kLevels, "level", name); }
Result<Route> parse_route(std::string_view name) { return parse_in(kRoutes, "route", name); }
Result<Format> parse_format(std::string_view name) { return parse_in(kFormats, "encoding", name); }

Result<SigningPolicy> parse_signing_policy(std::string_view name) {
  std::vector<std::string> names;
  for (const PolicyInfo& p : signing_policies()) {
    if (p.name == name) return p.policy;
    names.emplace_back(p.name);
  }
  return unknown_name("signing policy", name, names, "(prefer-signed, require-signed, unsigned)");
}

}  // namespace cmdm::emitters
