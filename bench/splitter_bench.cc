// Splitting a 50-payload profile for Workspace ONE: every candidate part is encoded and measured.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <string>

#include "emitters/targets.h"
#include "optimizer/splitter.h"

namespace {

using namespace cmdm;

plist::Value fifty_payloads() {
  plist::Dict root;
  root.set("PayloadDisplayName", "Fifty payloads");
  root.set("PayloadIdentifier", "com.example.fifty");
  root.set("PayloadUUID", "6F1D2A4E-4E3F-4B8A-9C1D-0A1B2C3D4E5F");
  root.set("PayloadType", "Configuration");
  root.set("PayloadVersion", 1);
  plist::Array content;
  for (int i = 0; i < 50; ++i) {
    plist::Dict p;
    p.set("PayloadType", i % 2 ? "com.apple.dnsSettings.managed" : "com.example.app" + std::to_string(i % 5));
    p.set("PayloadIdentifier", "com.example.fifty.p" + std::to_string(i));
    char uuid[40];
    std::snprintf(uuid, sizeof uuid, "6F1D2A4E-4E3F-4B8A-9C1D-%012d", i);
    p.set("PayloadUUID", uuid);
    p.set("PayloadVersion", 1);
    p.set("Setting", std::string(40 + (i * 37) % 300, 'x'));
    content.push_back(plist::Value(std::move(p)));
  }
  root.set("PayloadContent", std::move(content));
  return plist::Value(std::move(root));
}

void BM_Split50(benchmark::State& state) {
  plist::Value profile = fifty_payloads();
  optimizer::SplitOptions o;
  o.optimize.target = *emitters::find_target("workspaceone");
  o.optimize.level = static_cast<optimizer::Level>(state.range(0));
  std::size_t parts = 0;
  for (auto _ : state) {
    Result<optimizer::Split> s = optimizer::split(profile, o);
    parts = s.ok() ? s->parts.size() : 0;
    benchmark::DoNotOptimize(parts);
  }
  state.SetLabel(std::string(optimizer::level_name(o.optimize.level)) + ", " + std::to_string(parts) +
                 " parts");
}
BENCHMARK(BM_Split50)->Arg(0)->Arg(2)->Unit(benchmark::kMillisecond);

}  // namespace
