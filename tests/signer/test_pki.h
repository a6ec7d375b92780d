// Test helper for tests/signer: a throwaway PKI (root → intermediate → RSA-2048, P-256 and P-384
// leaves, a PKCS#12) made with the `openssl` command in a temporary directory at test time, so no
// private key is committed. Also small file and shell helpers.
#pragma once

#include <string>

#include "signer/signer.h"

namespace cmdm::signer::testing {

struct Pki {
  std::string dir;  // holds every file below (read-only for tests; they write to scratch())
  std::string root_pem, intermediate_pem;
  // Leaves issued by the intermediate: <name>.key (PKCS#8 PEM) and <name>.pem.
  std::string path(const std::string& name) const { return dir + "/" + name; }
};

// Builds the PKI once per test binary; empty dir when the openssl command is missing.
const Pki& pki();

// A path in this process's own scratch directory (removed at exit), for files a test writes.
std::string scratch(const std::string& name);

std::string read_bytes(const std::string& path);
void write_bytes(const std::string& path, const std::string& bytes);
// Runs a shell command, returns its exit status; stdout+stderr go to `output` when given.
int shell(const std::string& command, std::string* output = nullptr);
bool have_command(const std::string& name);

// An identity from <name>.key + <name>.pem, with the intermediate as chain.
Identity load_leaf(const std::string& name);

// The shared corpus directory (CMDM_SHARED, else the CMDM_SHARED_DIR compile definition), or
// empty when it is absent.
std::string shared_dir();

// A typical single-payload profile from testdata/signer/.
std::string sample_profile();

}  // namespace cmdm::signer::testing
