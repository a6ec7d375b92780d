// Optimizing one profile at each level for Workspace ONE, and checking the whole dev corpus.
#include <benchmark/benchmark.h>

#include <filesystem>
#include <string>
#include <vector>

#include "emitters/targets.h"
#include "optimizer/optimizer.h"
#include "pipeline/source.h"
#include "plist/file_io.h"

namespace {

using namespace cmdm;

// A profile shaped like the corpus median: a handful of payloads with descriptions and settings.
plist::Value synthetic_profile(int payloads) {
  plist::Dict root;
  root.set("PayloadDisplayName", "Benchmark profile");
  root.set("PayloadDescription", "Settings for the benchmark");
  root.set("PayloadIdentifier", "com.example.bench");
  root.set("PayloadUUID", "6F1D2A4E-4E3F-4B8A-9C1D-0A1B2C3D4E5F");
  root.set("PayloadType", "Configuration");
  root.set("PayloadVersion", 1);
  plist::Array content;
  for (int i = 0; i < payloads; ++i) {
    plist::Dict p;
    p.set("PayloadType", "com.example.settings" + std::to_string(i % 3));
    p.set("PayloadIdentifier", "com.example.bench.p" + std::to_string(i));
    char uuid[40];
    std::snprintf(uuid, sizeof uuid, "6F1D2A4E-4E3F-4B8A-9C1D-%012d", i);
    p.set("PayloadUUID", uuid);
    p.set("PayloadVersion", 1);
    p.set("PayloadDisplayName", "Payload " + std::to_string(i));
    p.set("Enabled", true);
    p.set("Server", "https://server" + std::to_string(i) + ".example.com/path");
    content.push_back(plist::Value(std::move(p)));
  }
  root.set("PayloadContent", std::move(content));
  return plist::Value(std::move(root));
}

void BM_Optimize(benchmark::State& state) {
  const emitters::Target* target = *emitters::find_target("workspaceone");
  plist::Value profile = synthetic_profile(5);
  optimizer::OptimizeOptions o;
  o.level = static_cast<optimizer::Level>(state.range(0));
  o.target = target;
  for (auto _ : state) {
    Result<optimizer::Optimized> r = optimizer::optimize(profile, o);
    benchmark::DoNotOptimize(r);
  }
  state.SetLabel(std::string(optimizer::level_name(o.level)));
}
BENCHMARK(BM_Optimize)->Arg(0)->Arg(1)->Arg(2);

// The work of `cmdm check` over the dev corpus, without process start-up: read, unwrap, parse,
// optimize, measure.
void BM_CheckCorpus(benchmark::State& state) {
  namespace fs = std::filesystem;
  fs::path corpus = fs::path(CMDM_SHARED_DIR) / "corpus" / "dev";
  std::vector<std::pair<std::string, std::string>> files;
  std::error_code ec;
  for (const auto& e : fs::recursive_directory_iterator(corpus, ec)) {
    if (e.path().extension() != ".mobileconfig") continue;
    Result<std::string> bytes = read_file(e.path().string());
    if (bytes) files.emplace_back(e.path().string(), std::move(bytes.value()));
  }
  if (files.empty()) {
    state.SkipWithError("no corpus");
    return;
  }
  const emitters::Target* target = *emitters::find_target("workspaceone");
  optimizer::OptimizeOptions o;
  o.level = static_cast<optimizer::Level>(state.range(0));
  o.target = target;
  for (auto _ : state) {
    std::size_t fit = 0;
    for (const auto& [name, bytes] : files) {
      Result<pipeline::Source> s = pipeline::read_source(bytes, name);
      if (!s) continue;
      Result<optimizer::Optimized> r = optimizer::optimize(std::move(s->profile), o);
      fit += r.ok() && r->fits;
    }
    benchmark::DoNotOptimize(fit);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(files.size()));
}
BENCHMARK(BM_CheckCorpus)->Arg(0)->Arg(2)->Unit(benchmark::kMillisecond);

}  // namespace
