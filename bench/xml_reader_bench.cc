// Throughput of the XML reader (read_xml) on the dev corpus and on generated profiles, pretty and
// minified, so a change to the parse path shows up as MB/s.
#include <benchmark/benchmark.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "plist/file_io.h"
#include "plist/reader.h"

namespace {

std::vector<std::string> corpus_xml_files() {
  std::vector<std::string> files;
  const std::string dir = std::string(CMDM_SHARED_DIR) + "/corpus/dev";
  std::ifstream index(dir + "/INDEX.tsv");
  std::string line;
  std::getline(index, line);
  while (std::getline(index, line)) {
    std::stringstream cells(line);
    std::string path, bytes, sha, format;
    std::getline(cells, path, '\t');
    std::getline(cells, bytes, '\t');
    std::getline(cells, sha, '\t');
    std::getline(cells, format, '\t');
    if (format != "xml") continue;
    cmdm::Result<std::string> data = cmdm::read_file(dir + "/" + path);
    if (data) files.push_back(std::move(*data));
  }
  return files;
}

// A profile with `payloads` custom-settings payloads, Apple-style indentation or none.
std::string generated_profile(int payloads, bool pretty) {
  const char* nl = pretty ? "\n" : "";
  auto indent = [&](int n) { return pretty ? std::string(static_cast<std::size_t>(n), '\t') : ""; };
  std::string s = std::string("<?xml version=\"1.0\" encoding=\"UTF-8\"?>") + nl +
                  "<plist version=\"1.0\">" + nl + "<dict>" + nl + indent(1) +
                  "<key>PayloadContent</key>" + nl + indent(1) + "<array>" + nl;
  for (int i = 0; i < payloads; ++i) {
    std::string n = std::to_string(i);
    s += indent(2) + "<dict>" + nl;
    s += indent(3) + "<key>PayloadIdentifier</key>" + nl + indent(3) +
         "<string>com.example.settings." + n + "</string>" + nl;
    s += indent(3) + "<key>PayloadType</key>" + nl + indent(3) +
         "<string>com.apple.ManagedClient.preferences</string>" + nl;
    s += indent(3) + "<key>PayloadUUID</key>" + nl + indent(3) +
         "<string>3F2B8C1E-5D4A-4E8B-9A7C-" + std::string(12 - n.size(), '0') + n + "</string>" +
         nl;
    s += indent(3) + "<key>PayloadVersion</key>" + nl + indent(3) + "<integer>1</integer>" + nl;
    s += indent(3) + "<key>Enabled</key>" + nl + indent(3) + "<true/>" + nl;
    s += indent(3) + "<key>Note</key>" + nl + indent(3) +
         "<string>Caf\xC3\xA9 &amp; r\xC3\xA9sum\xC3\xA9 settings for the team</string>" + nl;
    s += indent(3) + "<key>Blob</key>" + nl + indent(3) +
         "<data>AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=</data>" + nl;
    s += indent(2) + "</dict>" + nl;
  }
  s += indent(1) + "</array>" + nl + "</dict>" + nl + "</plist>" + nl;
  return s;
}

void run(benchmark::State& state, const std::vector<std::string>& inputs) {
  std::size_t bytes = 0;
  for (const std::string& in : inputs) bytes += in.size();
  for (auto _ : state) {
    for (const std::string& in : inputs) {
      cmdm::Result<cmdm::plist::Document> doc = cmdm::plist::read_xml(in);
      if (!doc) {
        state.SkipWithError(doc.error().format().c_str());
        return;
      }
      benchmark::DoNotOptimize(doc->root);
    }
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * bytes));
}

void BM_ReadXmlDevCorpus(benchmark::State& state) {
  static const std::vector<std::string> files = corpus_xml_files();
  if (files.empty()) {
    state.SkipWithError("no dev corpus under CMDM_SHARED_DIR/corpus/dev");
    return;
  }
  // The one malformed sample in the corpus is left out: this measures successful parses.
  std::vector<std::string> good;
  for (const std::string& f : files) {
    if (cmdm::plist::read_xml(f)) good.push_back(f);
  }
  run(state, good);
}
BENCHMARK(BM_ReadXmlDevCorpus);

void BM_ReadXmlGeneratedPretty(benchmark::State& state) {
  run(state, {generated_profile(static_cast<int>(state.range(0)), true)});
}
BENCHMARK(BM_ReadXmlGeneratedPretty)->Arg(10)->Arg(1000);

void BM_ReadXmlGeneratedMinified(benchmark::State& state) {
  run(state, {generated_profile(static_cast<int>(state.range(0)), false)});
}
BENCHMARK(BM_ReadXmlGeneratedMinified)->Arg(10)->Arg(1000);

}  // namespace
