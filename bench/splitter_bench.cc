// Splitting for Workspace ONE: a 50-payload profile, and one payload divided by key or entry
// (custom settings keys, privacy-preference entries) from 500 to 5,000 units, to show how the
// cost grows with the number of units. Fit log(time) against log(N) to get the growth exponent;
// the "work" counter is SplitOptions' work units for one split.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <string>

#include "emitters/targets.h"
#include "optimizer/splitter.h"

namespace {

using namespace cmdm;

plist::Value profile_of(plist::Array content, const std::string& name) {
  plist::Dict root;
  root.set("PayloadDisplayName", name);
  root.set("PayloadIdentifier", "com.example.bench");
  root.set("PayloadUUID", "6F1D2A4E-4E3F-4B8A-9C1D-0A1B2C3D4E5F");
  root.set("PayloadType", "Configuration");
  root.set("PayloadVersion", 1);
  root.set("PayloadContent", std::move(content));
  return plist::Value(std::move(root));
}

plist::Value fifty_payloads() {
  plist::Array content;
  for (int i = 0; i < 50; ++i) {
    plist::Dict p;
    p.set("PayloadType",
          i % 2 ? "com.apple.dnsSettings.managed" : "com.example.app" + std::to_string(i % 5));
    p.set("PayloadIdentifier", "com.example.fifty.p" + std::to_string(i));
    char uuid[40];
    std::snprintf(uuid, sizeof uuid, "6F1D2A4E-4E3F-4B8A-9C1D-%012d", i);
    p.set("PayloadUUID", uuid);
    p.set("PayloadVersion", 1);
    p.set("Setting", std::string(40 + (i * 37) % 300, 'x'));
    content.push_back(plist::Value(std::move(p)));
  }
  return profile_of(std::move(content), "Fifty payloads");
}

// One custom-settings payload whose single domain holds `keys` settings.
plist::Value custom_settings(int keys) {
  plist::Dict settings;
  for (int i = 0; i < keys; ++i)
    settings.append("Setting" + std::to_string(i), "value-" + std::to_string(i));
  plist::Dict forced;
  forced.set("mcx_preference_settings", std::move(settings));
  plist::Dict domain;
  domain.set("Forced", plist::Array{plist::Value(std::move(forced))});
  plist::Dict content;
  content.set("com.example.app", std::move(domain));
  plist::Dict p;
  p.set("PayloadType", "com.apple.ManagedClient.preferences");
  p.set("PayloadIdentifier", "com.example.bench.mcx");
  p.set("PayloadUUID", "6F1D2A4E-4E3F-4B8A-9C1D-000000000001");
  p.set("PayloadVersion", 1);
  p.set("PayloadContent", std::move(content));
  return profile_of(plist::Array{plist::Value(std::move(p))}, "Custom settings");
}

// One privacy-preferences payload with `entries` app entries under one service.
plist::Value privacy_preferences(int entries) {
  plist::Array apps;
  for (int i = 0; i < entries; ++i) {
    plist::Dict app;
    app.set("Identifier", "com.example.app" + std::to_string(i));
    app.set("IdentifierType", "bundleID");
    app.set("CodeRequirement",
            "identifier \"com.example.app" + std::to_string(i) + "\" and anchor apple generic");
    app.set("Allowed", true);
    apps.push_back(plist::Value(std::move(app)));
  }
  plist::Dict services;
  services.set("SystemPolicyAllFiles", std::move(apps));
  plist::Dict p;
  p.set("PayloadType", "com.apple.TCC.configuration-profile-policy");
  p.set("PayloadIdentifier", "com.example.bench.tcc");
  p.set("PayloadUUID", "6F1D2A4E-4E3F-4B8A-9C1D-000000000002");
  p.set("PayloadVersion", 1);
  p.set("Services", std::move(services));
  return profile_of(plist::Array{plist::Value(std::move(p))}, "Privacy preferences");
}

void run(benchmark::State& state, const plist::Value& profile, optimizer::Level level) {
  optimizer::SplitOptions o;
  o.optimize.target = *emitters::find_target("workspaceone");
  o.optimize.level = level;
  std::size_t parts = 0, work = 0;
  for (auto _ : state) {
    Result<optimizer::Split> s = optimizer::split(profile, o);
    if (!s) {
      state.SkipWithError(s.error().format().c_str());
      return;
    }
    parts = s->parts.size();
    work = s->work;
    benchmark::DoNotOptimize(parts);
  }
  state.counters["work"] = static_cast<double>(work);
  state.SetLabel(std::string(optimizer::level_name(level)) + ", " + std::to_string(parts) +
                 " parts");
}

void BM_Split50(benchmark::State& state) {
  run(state, fifty_payloads(), static_cast<optimizer::Level>(state.range(0)));
}
BENCHMARK(BM_Split50)->Arg(0)->Arg(2)->Unit(benchmark::kMillisecond);

void BM_SplitCustomSettingsKeys(benchmark::State& state) {
  run(state, custom_settings(static_cast<int>(state.range(0))), optimizer::Level::kLossless);
}
BENCHMARK(BM_SplitCustomSettingsKeys)
    ->Arg(500)
    ->Arg(1000)
    ->Arg(2000)
    ->Arg(3000)
    ->Arg(5000)
    ->Unit(benchmark::kMillisecond);

// At aggressive, parts may be binary: units the XML plan turns away are tried on the real encoding.
void BM_SplitCustomSettingsKeysAggressive(benchmark::State& state) {
  run(state, custom_settings(static_cast<int>(state.range(0))), optimizer::Level::kAggressive);
}
BENCHMARK(BM_SplitCustomSettingsKeysAggressive)
    ->Arg(500)
    ->Arg(1000)
    ->Arg(2000)
    ->Arg(3000)
    ->Arg(5000)
    ->Unit(benchmark::kMillisecond);

void BM_SplitPrivacyEntries(benchmark::State& state) {
  run(state, privacy_preferences(static_cast<int>(state.range(0))), optimizer::Level::kLossless);
}
BENCHMARK(BM_SplitPrivacyEntries)
    ->Arg(500)
    ->Arg(1000)
    ->Arg(2000)
    ->Arg(3000)
    ->Arg(5000)
    ->Unit(benchmark::kMillisecond);

}  // namespace
