// Throughput (MB/s) of the plist readers and writers, over the dev corpus held in memory and over
// a generated large profile. Parse figures count input bytes; write figures count output bytes.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "plist/reader.h"
#include "plist/writer.h"

namespace {

using cmdm::plist::Value;

std::string slurp(const std::filesystem::path& path) {
  std::ifstream f(path, std::ios::binary);
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// The unsigned XML files of the dev corpus that cmdm reads, as bytes and as parsed values.
struct Corpus {
  std::vector<std::string> xml;
  std::vector<std::string> binary;
  std::vector<Value> values;
  std::size_t xml_bytes = 0;
  std::size_t binary_bytes = 0;
  std::string error;
};

const Corpus& corpus() {
  static const Corpus c = [] {
    Corpus c;
    const char* env = std::getenv("CMDM_SHARED");
    std::filesystem::path dir = std::filesystem::path(env ? env : CMDM_SHARED_DIR) / "corpus/dev";
    if (!std::filesystem::is_directory(dir)) {
      c.error = "corpus not found at " + dir.string() + " (set CMDM_SHARED)";
      return c;
    }
    for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
      if (!entry.is_regular_file() || entry.path().extension() != ".mobileconfig") continue;
      std::string bytes = slurp(entry.path());
      cmdm::Result<cmdm::plist::Document> doc = cmdm::plist::read(bytes);
      if (!doc.ok()) continue;  // CMS-signed files and the corpus's deliberately broken ones
      cmdm::Result<std::string> bin = cmdm::plist::write_binary(doc->root);
      if (!bin.ok()) continue;
      c.xml_bytes += bytes.size();
      c.binary_bytes += bin->size();
      c.xml.push_back(std::move(bytes));
      c.binary.push_back(std::move(*bin));
      c.values.push_back(std::move(doc->root));
    }
    return c;
  }();
  return c;
}

// A profile with many payloads of every type, a few megabytes of XML.
const Value& large_profile() {
  static const Value v = [] {
    using namespace cmdm::plist;
    Array payloads;
    for (int i = 0; i < 3000; ++i) {
      Dict p;
      p.append("PayloadType", Value("com.apple.ManagedClient.preferences"));
      p.append("PayloadIdentifier", Value("com.example.payload." + std::to_string(i)));
      p.append("PayloadUUID", Value("6F9C1D3A-2B4E-4C5D-9E8F-" + std::to_string(100000000000 + i)));
      p.append("PayloadVersion", Value(1));
      p.append("PayloadEnabled", Value(i % 2 == 0));
      p.append("PayloadDisplayName",
               Value("Settings & <limits> for caf\xC3\xA9 #" + std::to_string(i)));
      p.append("Ratio", Value(0.125 * i));
      p.append("Installed", Value(Date::from_unix(1700000000 + i)));
      p.append("Blob", Value(Data(256, static_cast<std::uint8_t>(i))));
      Array list;
      for (int j = 0; j < 8; ++j) list.emplace_back("item " + std::to_string(j));
      p.append("List", Value(std::move(list)));
      payloads.emplace_back(std::move(p));
    }
    Dict root;
    root.append("PayloadContent", Value(std::move(payloads)));
    root.append("PayloadType", Value("Configuration"));
    root.append("PayloadIdentifier", Value("com.example.large"));
    return Value(std::move(root));
  }();
  return v;
}

const std::string& large_xml() {
  static const std::string s = cmdm::plist::write_pretty_xml(large_profile());
  return s;
}

const std::string& large_binary() {
  static const std::string s = *cmdm::plist::write_binary(large_profile());
  return s;
}

bool need_corpus(benchmark::State& state) {
  if (!corpus().error.empty()) {
    state.SkipWithError(corpus().error.c_str());
    return false;
  }
  return true;
}

void BM_ParseXmlCorpus(benchmark::State& state) {
  if (!need_corpus(state)) return;
  for (auto _ : state) {
    for (const std::string& bytes : corpus().xml) {
      auto doc = cmdm::plist::read(bytes);
      benchmark::DoNotOptimize(doc);
    }
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * corpus().xml_bytes));
}
BENCHMARK(BM_ParseXmlCorpus);

void BM_ParseBinaryCorpus(benchmark::State& state) {
  if (!need_corpus(state)) return;
  for (auto _ : state) {
    for (const std::string& bytes : corpus().binary) {
      auto doc = cmdm::plist::read(bytes);
      benchmark::DoNotOptimize(doc);
    }
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * corpus().binary_bytes));
}
BENCHMARK(BM_ParseBinaryCorpus);

template <typename Write>
void write_corpus(benchmark::State& state, Write write) {
  if (!need_corpus(state)) return;
  std::size_t bytes = 0;
  for (auto _ : state) {
    for (const Value& v : corpus().values) {
      std::string out = write(v);
      bytes += out.size();
      benchmark::DoNotOptimize(out);
    }
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(bytes));
}

void BM_WriteMinimalCorpus(benchmark::State& state) {
  write_corpus(state, [](const Value& v) { return cmdm::plist::write_minimal_xml(v); });
}
BENCHMARK(BM_WriteMinimalCorpus);

void BM_WritePrettyCorpus(benchmark::State& state) {
  write_corpus(state, [](const Value& v) { return cmdm::plist::write_pretty_xml(v); });
}
BENCHMARK(BM_WritePrettyCorpus);

void BM_WriteBinaryCorpus(benchmark::State& state) {
  write_corpus(state, [](const Value& v) { return *cmdm::plist::write_binary(v); });
}
BENCHMARK(BM_WriteBinaryCorpus);

void BM_ParseXmlLarge(benchmark::State& state) {
  const std::string& bytes = large_xml();
  for (auto _ : state) {
    auto doc = cmdm::plist::read(bytes);
    benchmark::DoNotOptimize(doc);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * bytes.size()));
}
BENCHMARK(BM_ParseXmlLarge)->Unit(benchmark::kMillisecond);

void BM_ParseBinaryLarge(benchmark::State& state) {
  const std::string& bytes = large_binary();
  for (auto _ : state) {
    auto doc = cmdm::plist::read(bytes);
    benchmark::DoNotOptimize(doc);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * bytes.size()));
}
BENCHMARK(BM_ParseBinaryLarge)->Unit(benchmark::kMillisecond);

template <typename Write>
void write_large(benchmark::State& state, Write write) {
  std::size_t bytes = 0;
  for (auto _ : state) {
    std::string out = write(large_profile());
    bytes += out.size();
    benchmark::DoNotOptimize(out);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(bytes));
}

void BM_WriteMinimalLarge(benchmark::State& state) {
  write_large(state, [](const Value& v) { return cmdm::plist::write_minimal_xml(v); });
}
BENCHMARK(BM_WriteMinimalLarge)->Unit(benchmark::kMillisecond);

void BM_WritePrettyLarge(benchmark::State& state) {
  write_large(state, [](const Value& v) { return cmdm::plist::write_pretty_xml(v); });
}
BENCHMARK(BM_WritePrettyLarge)->Unit(benchmark::kMillisecond);

void BM_WriteBinaryLarge(benchmark::State& state) {
  write_large(state, [](const Value& v) { return *cmdm::plist::write_binary(v); });
}
BENCHMARK(BM_WriteBinaryLarge)->Unit(benchmark::kMillisecond);

}  // namespace
