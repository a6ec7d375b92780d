// Compile throughput (profiles per second) on a template-heavy source, plus JSON and YAML
// sources, validation, and loading Apple's whole schema.
#include <benchmark/benchmark.h>

#include <filesystem>
#include <string>

#include "compiler/compiler.h"

namespace {

using cmdm::compiler::Context;

// Ten payloads, each with placeholders in keys and values, typed placeholders, a cmdm:if on a
// key and on an element, and a cmdm:each over a 40-item list.
std::string template_heavy_xml() {
  std::string s =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<plist version=\"1.0\">\n<dict>\n"
      "<key>PayloadIdentifier</key><string>com.example.{{ site }}.bench</string>\n"
      "<key>PayloadDisplayName</key><string>Bench for {{ site }} ({{ facts.os_version "
      "}})</string>\n"
      "<key>PayloadContent</key><array>\n";
  for (int i = 0; i < 10; ++i) {
    std::string n = std::to_string(i);
    s += "<dict cmdm:if=\"facts.os_version &gt;= '10.13.4' or " + n +
         " &lt; 5\">\n"
         "<key>PayloadType</key><string>com.example.pref" +
         n +
         "</string>\n"
         "<key>Name_{{ site }}_" +
         n + "</key><string>{{ site }}-" + n +
         "-{{ default(role, 'none') }}</string>\n"
         "<key>Count</key><integer>{{ count }}</integer>\n"
         "<key>Ratio</key><real>{{ ratio }}</real>\n"
         "<key cmdm:if=\"'" +
         n +
         "' in enabled\">Enabled</key><true/>\n"
         "<key>Teams</key><array><string cmdm:each=\"t in team_ids\">{{ t }}</string></array>\n"
         "<key>Hosts</key><array><dict cmdm:each=\"t in team_ids\" cmdm:if=\"t != 'T0'\">"
         "<key>id</key><string>{{ t }}.{{ site }}</string></dict></array>\n"
         "</dict>\n";
  }
  s += "</array>\n</dict>\n</plist>\n";
  return s;
}

Context bench_context() {
  Context c;
  c.set("site", cmdm::plist::Value("HQ"));
  c.set("count", cmdm::plist::Value(12));
  c.set("ratio", cmdm::plist::Value(0.75));
  c.set("facts.os_version", cmdm::plist::Value("14.5"));
  cmdm::plist::Array teams, enabled;
  for (int i = 0; i < 40; ++i) teams.emplace_back("T" + std::to_string(i));
  for (int i = 0; i < 10; i += 2) enabled.emplace_back(std::to_string(i));
  c.set("team_ids", cmdm::plist::Value(std::move(teams)));
  c.set("enabled", cmdm::plist::Value(std::move(enabled)));
  return c;
}

void BM_CompileTemplateHeavyXml(benchmark::State& state) {
  std::string src = template_heavy_xml();
  Context c = bench_context();
  for (auto _ : state) {
    auto r = cmdm::compiler::compile_bytes(src, "bench.mobileconfig", c);
    if (!r.ok()) state.SkipWithError(r.error().format().c_str());
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations());  // items/s = profiles per second
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(src.size()));
}
BENCHMARK(BM_CompileTemplateHeavyXml);

void BM_CompileTemplateJson(benchmark::State& state) {
  std::string src = "{\"PayloadIdentifier\": \"com.example.{{ site }}\", \"PayloadContent\": [";
  for (int i = 0; i < 10; ++i) {
    if (i) src += ",";
    src += "{\"PayloadType\": \"com.example.p" + std::to_string(i) +
           "\", \"Count\": \"{{ count }}\", \"Teams\": \"{{ team_ids }}\","
           " \"Each\": [{\"cmdm:each\": \"t in team_ids\", \"cmdm:item\": \"{{ t }}-{{ site }}\"}],"
           " \"Maybe\": {\"cmdm:if\": \"facts.os_version >= '10.13.4'\", \"cmdm:item\": true}}";
  }
  src += "]}";
  Context c = bench_context();
  for (auto _ : state) {
    auto r = cmdm::compiler::compile_bytes(src, "bench.json", c);
    if (!r.ok()) state.SkipWithError(r.error().format().c_str());
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_CompileTemplateJson);

std::string schema_dir() { return std::string(CMDM_SHARED_DIR) + "/apple-device-management"; }

void BM_ValidateWithSchema(benchmark::State& state) {
  if (!std::filesystem::exists(schema_dir())) {
    state.SkipWithError("Apple schema not found (../shared)");
    return;
  }
  auto schema = cmdm::compiler::Schema::open(schema_dir());
  auto r =
      cmdm::compiler::compile_bytes(template_heavy_xml(), "bench.mobileconfig", bench_context());
  if (!schema.ok() || !r.ok()) {
    state.SkipWithError("setup failed");
    return;
  }
  for (auto _ : state) {
    auto report = cmdm::compiler::validate(r->profile, schema->get());
    benchmark::DoNotOptimize(report);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ValidateWithSchema);

void BM_LoadWholeSchema(benchmark::State& state) {
  if (!std::filesystem::exists(schema_dir())) {
    state.SkipWithError("Apple schema not found (../shared)");
    return;
  }
  for (auto _ : state) {
    auto schema = cmdm::compiler::Schema::open(schema_dir());
    benchmark::DoNotOptimize((*schema)->load_all());
  }
}
BENCHMARK(BM_LoadWholeSchema)->Unit(benchmark::kMillisecond);

}  // namespace
