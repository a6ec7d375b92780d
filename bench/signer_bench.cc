// Signs and verifies per second for RSA-2048 and P-256 (with signed attributes and an intermediate,
// the default shape), plus unwrap. Keys are made with the openssl command in a temporary directory.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "signer/signer.h"

namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Makes a root, an intermediate and a leaf of the given key algorithm; returns the identity.
cmdm::signer::Identity make_identity(const std::string& alg) {
  char tmpl[] = "/tmp/cmdm-signer-bench-XXXXXX";
  if (!mkdtemp(tmpl)) std::abort();
  const std::string d = tmpl;
  const std::string cmd =
      "cd " + d +
      " && printf '[req]\\ndistinguished_name=dn\\nprompt=no\\n[dn]\\n[ca]\\n"
      "basicConstraints=critical,CA:TRUE\\nkeyUsage=critical,keyCertSign\\n' > c.cnf"
      " && openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ca.key"
      " && openssl req -new -x509 -config c.cnf -key ca.key -subj '/CN=bench CA' -days 30 "
      "-extensions ca -out ca.pem"
      " && openssl genpkey " +
      alg +
      " -out leaf.key"
      " && openssl req -new -config c.cnf -key leaf.key -subj '/CN=bench signer' -out leaf.csr"
      " && openssl x509 -req -in leaf.csr -CA ca.pem -CAkey ca.key -set_serial 7 -days 30 "
      "-out leaf.pem >/dev/null 2>&1";
  if (std::system(cmd.c_str()) != 0) std::abort();
  cmdm::signer::IdentitySource source;
  source.key = slurp(d + "/leaf.key");
  source.cert = slurp(d + "/leaf.pem");
  source.chain = slurp(d + "/ca.pem");  // self-signed, so dropped: sign with a leaf-only chain
  std::system(("rm -rf " + d).c_str());
  auto id = cmdm::signer::load_identity(source);
  if (!id) std::abort();
  return *id;
}

const std::string& profile() {
  static const std::string p =
      slurp(std::string(CMDM_SOURCE_DIR) + "/testdata/signer/restrictions.mobileconfig");
  return p;
}

const cmdm::signer::Identity& identity(int which) {
  static const cmdm::signer::Identity rsa =
      make_identity("-algorithm RSA -pkeyopt rsa_keygen_bits:2048");
  static const cmdm::signer::Identity p256 =
      make_identity("-algorithm EC -pkeyopt ec_paramgen_curve:P-256");
  return which == 0 ? rsa : p256;
}

void BM_Sign(benchmark::State& state) {
  const auto& id = identity(static_cast<int>(state.range(0)));
  state.SetLabel(id.certificate().key);
  for (auto _ : state) {
    auto cms = cmdm::signer::sign(profile(), id);
    benchmark::DoNotOptimize(cms);
  }
  state.counters["signs/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_Sign)->Arg(0)->Arg(1);

void BM_Verify(benchmark::State& state) {
  const auto& id = identity(static_cast<int>(state.range(0)));
  state.SetLabel(id.certificate().key);
  const std::string cms = *cmdm::signer::sign(profile(), id);
  for (auto _ : state) {
    auto report = cmdm::signer::verify(cms);
    if (!report) state.SkipWithError("verify failed");
    benchmark::DoNotOptimize(report);
  }
  state.counters["verifies/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_Verify)->Arg(0)->Arg(1);

void BM_Unwrap(benchmark::State& state) {
  const std::string cms = *cmdm::signer::sign(profile(), identity(1));
  for (auto _ : state) {
    auto u = cmdm::signer::unwrap(cms);
    benchmark::DoNotOptimize(u);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * cms.size()));
}
BENCHMARK(BM_Unwrap);

void BM_IsCms(benchmark::State& state) {
  const std::string cms = *cmdm::signer::sign(profile(), identity(1));
  for (auto _ : state) benchmark::DoNotOptimize(cmdm::signer::is_cms(cms));
}
BENCHMARK(BM_IsCms);

}  // namespace
