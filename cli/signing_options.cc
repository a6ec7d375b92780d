// Identity and signing-time options shared by `cmdm sign` and `cmdm build`.
#include "cli/signing_options.h"

#include <cerrno>
#include <cstdlib>
#include <string>

#include "plist/file_io.h"

namespace cmdm::cli {

namespace {

bool given(const po::variables_map& vm, const char* option) {
  return option != nullptr && vm.count(option) > 0;
}

Result<std::optional<std::string>> read_password(const po::variables_map& vm,
                                                 const IdentityOptionNames& names) {
  if (given(vm, names.password_file)) {
    Result<std::string> text = read_file(vm[names.password_file].as<std::string>());
    if (!text) return text.error();
    std::string p = *text;
    if (const std::size_t nl = p.find_first_of("\r\n"); nl != std::string::npos) p.resize(nl);
    return std::optional<std::string>(p);
  }
  if (given(vm, names.password_env)) {
    const std::string name = vm[names.password_env].as<std::string>();
    const char* value = std::getenv(name.c_str());
    if (!value) {
      return Error::make(ExitCode::kUsage, "", "environment variable " + name + " is not set");
    }
    return std::optional<std::string>(value);
  }
  return std::optional<std::string>();
}

}  // namespace

Result<std::optional<signer::Identity>> load_named_identity(const po::variables_map& vm,
                                                            const IdentityOptionNames& names) {
  if (!given(vm, names.key) && !given(vm, names.cert) && !given(vm, names.p12)) {
    return std::optional<signer::Identity>();
  }
  // Which files make an identity is a question of the command line, answered before any is read.
  const std::string key = names.key ? std::string("--") + names.key : "";
  const std::string cert = names.cert ? std::string("--") + names.cert : "";
  const std::string p12 = names.p12 ? std::string("--") + names.p12 : "";
  if (given(vm, names.p12) && (given(vm, names.key) || given(vm, names.cert))) {
    return Error::make(ExitCode::kUsage, "",
                       p12 +
                           " holds key and certificate; give it alone, or "
                           "give " +
                           key + " with " + cert);
  }
  if (given(vm, names.key) != given(vm, names.cert) && !given(vm, names.p12)) {
    return Error::make(ExitCode::kUsage, "",
                       (given(vm, names.key) ? key + " needs " + cert : cert + " needs " + key) +
                           " (or give " + p12 + " alone)");
  }
  signer::IdentitySource source;
  auto slurp = [&](const char* option, std::string* bytes, std::string* name) -> Status {
    if (!given(vm, option)) return Ok{};
    *name = vm[option].as<std::string>();
    Result<std::string> r = read_file(*name);
    if (!r) return r.error();
    *bytes = std::move(*r);
    return Ok{};
  };
  for (Status s : {slurp(names.key, &source.key, &source.key_name),
                   slurp(names.cert, &source.cert, &source.cert_name),
                   slurp(names.p12, &source.pkcs12, &source.pkcs12_name),
                   slurp(names.chain, &source.chain, &source.chain_name)}) {
    if (!s) return s.error();
  }
  Result<std::optional<std::string>> password = read_password(vm, names);
  if (!password) return password.error();
  source.password = *password;
  Result<signer::Identity> identity = signer::load_identity(source);
  if (!identity) return identity.error();
  return std::optional<signer::Identity>(std::move(*identity));
}

Result<std::optional<std::int64_t>> source_date_epoch() {
  const char* epoch = std::getenv("SOURCE_DATE_EPOCH");
  if (!epoch || !*epoch) return std::optional<std::int64_t>();
  char* end = nullptr;
  errno = 0;  // strtoll reports overflow only through errno (and clamps to LLONG_MAX)
  const long long value = std::strtoll(epoch, &end, 10);
  if (*end != '\0' || value < 0 || errno == ERANGE) {
    return Error::make(
        ExitCode::kUsage, "",
        std::string("SOURCE_DATE_EPOCH is not a number of seconds: '") + epoch + "'");
  }
  return std::optional<std::int64_t>(value);
}

}  // namespace cmdm::cli
