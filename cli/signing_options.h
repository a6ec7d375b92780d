// What `cmdm sign` and `cmdm build` share about signing: reading the identity that options name,
// and the signing time SOURCE_DATE_EPOCH fixes.
#pragma once

#include <cstdint>
#include <optional>

#include "cli/command.h"
#include "signer/signer.h"

namespace cmdm::cli {

// The option names one command uses for an identity; nullptr for an option it does not have.
struct IdentityOptionNames {
  const char* key;
  const char* cert;
  const char* p12;
  const char* chain;
  const char* password_file;
  const char* password_env;
};

// The identity the options name, or nullopt when none of key, cert and p12 is given. Files are
// read here; the password comes from a file (first line) or an environment variable, never from
// argv, so it does not show in `ps` or shell history. An unset variable is a usage error.
Result<std::optional<signer::Identity>> load_named_identity(const po::variables_map& vm,
                                                            const IdentityOptionNames& names);

// SOURCE_DATE_EPOCH (reproducible builds) as seconds, or nullopt when unset; anything but a
// non-negative decimal number is a usage error.
Result<std::optional<std::int64_t>> source_date_epoch();

}  // namespace cmdm::cli
