// The optimizer over the shared dev corpus with the Workspace ONE size model: how many profiles
// fit at each level, and the bounds a plain re-encoding in Python reaches on the same files.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>

#include "compiler/compiler.h"
#include "optimizer/optimizer.h"
#include "pipeline/schema_facts.h"
#include "plist/file_io.h"
#include "tests/optimizer/fake_target.h"

namespace cmdm::pipeline {
namespace {

namespace fs = std::filesystem;
using optimizer::Level;
using optimizer::Optimized;
using optimizer::OptimizeOptions;
using optimizer::SchemaFacts;
namespace testing = optimizer::testing;

std::string shared_dir() {
  const char* env = std::getenv("CMDM_SHARED");
  return env ? env : CMDM_SHARED_DIR;
}

// The corpus files plistlib parses (INDEX.tsv flags the others): the reference's 216.
std::vector<fs::path> parsable_corpus() {
  fs::path root = fs::path(shared_dir()) / "corpus" / "dev";
  std::ifstream index(root / "INDEX.tsv");
  std::vector<fs::path> files;
  std::string line;
  std::getline(index, line);  // header
  while (std::getline(index, line)) {
    std::istringstream row(line);
    std::string path, field, flags;
    std::getline(row, path, '\t');
    for (int i = 0; i < 6 && std::getline(row, field, '\t'); ++i) flags = field;
    if (flags.find("plist-parse-error") != std::string::npos) continue;
    files.push_back(root / path);
  }
  return files;
}

struct Totals {
  std::size_t profiles = 0, fit = 0, bytes_in = 0, bytes_out = 0;
};

Totals run_level(const std::vector<fs::path>& files, Level level, const SchemaFacts* schema) {
  Totals t;
  for (const fs::path& file : files) {
    Result<std::string> bytes = read_file(file.string());
    EXPECT_TRUE(bytes.ok()) << file;
    if (!bytes) continue;
    // The profiles as stored (signed ones unwrapped), identity not filled: the reference only
    // re-encodes, so this compares what each does to the same value. (`check` and `build` fill a
    // missing PayloadUUID or PayloadVersion first, which adds a few bytes to 9 of these files.)
    compiler::CompileOptions as_stored;
    as_stored.fill_identity = false;
    Result<compiler::CompiledProfile> source =
        compiler::compile_bytes(*bytes, file.string(), {}, as_stored);
    EXPECT_TRUE(source.ok()) << source.error().format();
    if (!source) continue;
    OptimizeOptions o;
    o.level = level;
    o.target = &testing::fake_workspaceone();
    o.schema = schema;
    o.validate_each_pass = true;
    Result<Optimized> r = optimizer::optimize(source->profile, o);
    EXPECT_TRUE(r.ok()) << file << ": " << r.error().format();
    if (!r) continue;
    ++t.profiles;
    t.bytes_in += bytes->size();
    t.bytes_out += r->bytes.size();
    t.fit += r->fits;
  }
  std::cout << "workspaceone " << optimizer::level_name(level) << ": " << t.fit << " of "
            << t.profiles << " fit; " << t.bytes_out << " of " << t.bytes_in << " input bytes ("
            << (t.bytes_in ? 1000 * t.bytes_out / t.bytes_in / 10.0 : 0) << "%)\n";
  return t;
}

class Corpus : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(fs::path(shared_dir()) / "corpus" / "dev" / "INDEX.tsv")) {
      GTEST_SKIP() << "no corpus at " << shared_dir() << "/corpus/dev";
    }
    files_ = parsable_corpus();
  }
  std::vector<fs::path> files_;
};

// Reference (Python re-encoding of the same 216 files): lossless 30 fit / 383,183 bytes; safe 60 /
// 352,943; binary without display-only keys 207 / 167,936.
TEST_F(Corpus, EveryLevelFitsAtLeastAsManyAsThePythonReferenceInNoMoreBytes) {
  ASSERT_EQ(files_.size(), 216u);
  Totals lossless = run_level(files_, Level::kLossless, nullptr);
  EXPECT_EQ(lossless.profiles, 216u);
  EXPECT_GE(lossless.fit, 30u);
  EXPECT_LE(lossless.bytes_out, 383183u);
  Totals safe = run_level(files_, Level::kSafe, nullptr);
  EXPECT_GE(safe.fit, 60u);
  EXPECT_LE(safe.bytes_out, 352943u);
  Totals aggressive = run_level(files_, Level::kAggressive, nullptr);
  EXPECT_GE(aggressive.fit, 207u);
  EXPECT_LE(aggressive.bytes_out, 167936u);
}

TEST_F(Corpus, AggressiveWithTheAppleSchemaDoesNoWorse) {
  fs::path dir = fs::path(shared_dir()) / "apple-device-management";
  if (!fs::exists(dir)) GTEST_SKIP() << "no schema at " << dir;
  Result<optimizer::SchemaFacts> schema = load_schema_facts(dir.string());
  ASSERT_TRUE(schema.ok()) << schema.error().format();
  Totals without = run_level(files_, Level::kAggressive, nullptr);
  Totals with = run_level(files_, Level::kAggressive, &schema.value());
  EXPECT_GE(with.fit, without.fit);
  EXPECT_LE(with.bytes_out, without.bytes_out);
}

}  // namespace
}  // namespace cmdm::pipeline
