// Builds the throwaway PKI of test_pki.h with the openssl command line tool.
#include "tests/signer/test_pki.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>

namespace cmdm::signer::testing {

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
}

int shell(const std::string& command, std::string* output) {
  std::string cmd = command + " 2>&1";
  FILE* pipe = popen(cmd.c_str(), "r");
  if (!pipe) return -1;
  std::string text;
  char buf[4096];
  std::size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, pipe)) > 0) text.append(buf, n);
  const int status = pclose(pipe);
  if (output) *output = text;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

bool have_command(const std::string& name) {
  return shell("command -v " + name + " >/dev/null") == 0;
}

namespace {

const char* kConfig = R"([req]
distinguished_name = dn
prompt = no
[dn]
[ca_ext]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[leaf_ext]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[bare_ext]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
subjectKeyIdentifier = none
authorityKeyIdentifier = none
)";

// Makes every file of the PKI in `d`; false (with a test failure recorded) if a command failed.
bool generate(const std::string& d) {
  write_bytes(d + "/openssl.cnf", kConfig);
  bool ok = true;
  const std::string cfg = " -config " + d + "/openssl.cnf";
  auto run = [&](const std::string& cmd) {
    std::string out;
    if (shell("cd " + d + " && " + cmd, &out) != 0) {
      ADD_FAILURE() << "test PKI command failed: " << cmd << "\n" << out;
      ok = false;
    }
  };
  auto genkey = [&](const std::string& name, const std::string& alg) {
    run("openssl genpkey " + alg + " -out " + name + ".key");
  };
  const std::string p256 = "-algorithm EC -pkeyopt ec_paramgen_curve:P-256";
  genkey("root", p256);
  run("openssl req -new -x509" + cfg +
      " -key root.key -subj '/CN=cmdm Test Root' -days 3650 "
      "-set_serial 1 -extensions ca_ext -out root.pem");
  genkey("intermediate", p256);
  run("openssl req -new" + cfg + " -key intermediate.key -subj '/CN=cmdm Test CA' -out int.csr");
  run("openssl x509 -req -in int.csr -CA root.pem -CAkey root.key -set_serial 2 -days 3650 "
      "-extfile openssl.cnf -extensions ca_ext -out intermediate.pem");
  struct Leaf {
    const char* name;
    std::string alg;
  };
  int serial = 10;
  for (const Leaf& leaf :
       {Leaf{"p256", p256}, Leaf{"p384", "-algorithm EC -pkeyopt ec_paramgen_curve:P-384"},
        Leaf{"rsa2048", "-algorithm RSA -pkeyopt rsa_keygen_bits:2048"}}) {
    const std::string n = leaf.name;
    genkey(n, leaf.alg);
    run("openssl req -new" + cfg + " -key " + n + ".key -subj '/CN=cmdm " + n + " signer' -out " +
        n + ".csr");
    run("openssl x509 -req -in " + n +
        ".csr -CA intermediate.pem -CAkey intermediate.key "
        "-set_serial " +
        std::to_string(serial++) +
        " -days 3650 -extfile openssl.cnf "
        "-extensions leaf_ext -out " +
        n + ".pem");
  }
  // A leaf without subjectKeyIdentifier, to check that signing by key id says why it cannot.
  run("openssl x509 -req -in p256.csr -CA intermediate.pem -CAkey intermediate.key -set_serial 20 "
      "-days 3650 -extfile openssl.cnf -extensions bare_ext -out p256-noski.pem");
  // PKCS#12 bundles: modern (AES) and legacy (RC2/3DES, as older Keychain exports), both with the
  // intermediate, and an encrypted PKCS#8 key.
  write_bytes(d + "/p12.pass", "s3cret\n");
  run("openssl pkcs12 -export -inkey p256.key -in p256.pem -certfile intermediate.pem "
      "-passout pass:s3cret -out p256.p12");
  run("openssl pkcs12 -export -legacy -inkey rsa2048.key -in rsa2048.pem -certfile "
      "intermediate.pem -passout pass:s3cret -out rsa2048-legacy.p12");
  run("openssl pkcs8 -topk8 -in p256.key -passout pass:s3cret -out p256-encrypted.key");
  run("openssl x509 -in p256.pem -outform DER -out p256.der");
  run("openssl pkcs8 -topk8 -nocrypt -in p256.key -outform DER -out p256-key.der");
  return ok;
}

// A directory removed when the process exits.
std::string temp_dir(const char* prefix) {
  std::string tmpl = std::string("/tmp/") + prefix + "-XXXXXX";
  if (!mkdtemp(tmpl.data())) return "";
  // atexit handlers run after statics are destroyed, so the names live in a leaked vector.
  static auto* to_remove = new std::vector<std::string>;
  if (to_remove->empty()) {
    std::atexit([] {
      for (const std::string& dir : *to_remove) shell("rm -rf '" + dir + "'");
    });
  }
  to_remove->push_back(tmpl);
  return tmpl;
}

bool exists(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0;
}

// Key generation takes seconds and ctest runs every test in its own process, so the PKI is made
// once per build tree (CMDM_SIGNER_PKI_DIR) and moved into place with an atomic rename; a process
// that loses the race uses the winner's. Without that definition each process makes its own.
Pki build() {
  Pki p;
  if (!have_command("openssl")) return p;
#ifdef CMDM_SIGNER_PKI_DIR
  const std::string cache = CMDM_SIGNER_PKI_DIR;
  if (!exists(cache + "/ready")) {
    std::string tmpl = cache + ".tmp-XXXXXX";
    if (mkdtemp(tmpl.data()) && generate(tmpl)) {
      write_bytes(tmpl + "/ready", "");
      if (std::rename(tmpl.c_str(), cache.c_str()) != 0) shell("rm -rf '" + tmpl + "'");
    } else {
      shell("rm -rf '" + tmpl + "'");
    }
  }
  if (exists(cache + "/ready")) p.dir = cache;
#else
  const std::string dir = temp_dir("cmdm-signer-test");
  if (!dir.empty() && generate(dir)) p.dir = dir;
#endif
  if (!p.dir.empty()) {
    p.root_pem = p.path("root.pem");
    p.intermediate_pem = p.path("intermediate.pem");
  }
  return p;
}

}  // namespace

std::string scratch(const std::string& name) {
  static const std::string dir = temp_dir("cmdm-signer-scratch");
  return dir + "/" + name;
}

const Pki& pki() {
  static const Pki p = build();
  return p;
}

Identity load_leaf(const std::string& name) {
  IdentitySource source;
  source.key = read_bytes(pki().path(name + ".key"));
  source.cert = read_bytes(pki().path(name + ".pem"));
  source.chain = read_bytes(pki().intermediate_pem);
  Result<Identity> id = load_identity(source);
  if (!id) {
    ADD_FAILURE() << id.error().format();
    return Identity();
  }
  return *id;
}

std::string shared_dir() {
  const char* env = std::getenv("CMDM_SHARED");
  std::string dir = env && *env ? env : CMDM_SHARED_DIR;
  struct stat st {};
  if (stat((dir + "/corpus/dev").c_str(), &st) != 0) return "";
  return dir;
}

std::string sample_profile() {
  return read_bytes(std::string(CMDM_SOURCE_DIR) + "/testdata/signer/restrictions.mobileconfig");
}

}  // namespace cmdm::signer::testing
