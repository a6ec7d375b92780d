// Loading Apple's schema: payload keys and their rules, anchors, and the self-referencing files
// that would recurse forever if aliases were expanded.
#include "compiler/schema.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>

namespace cmdm::compiler {
namespace {

std::string schema_dir() {
  const char* env = std::getenv("CMDM_SHARED");
  std::string shared = env && *env ? env : CMDM_SHARED_DIR;
  return shared + "/apple-device-management";
}

#define REQUIRE_SCHEMA()                                                            \
  if (!std::filesystem::exists(schema_dir() + "/mdm/profiles")) {                   \
    GTEST_SKIP() << "Apple schema not found at " << schema_dir() << " (../shared)"; \
  }

TEST(SchemaYaml, SelfReferencingAliasBecomesACycle) {
  std::vector<std::unique_ptr<SchemaKeyList>> arena;
  const char* text =
      "payload:\n  payloadtype: com.example.tree\n"
      "payloadkeys:\n"
      "- key: Nodes\n  type: <array>\n  subkeys: &nodes\n"
      "  - key: Node\n    type: <dictionary>\n    subkeys:\n"
      "    - key: Children\n      type: <array>\n      subkeys: *nodes\n"
      "    - key: Kind\n      type: <string>\n      presence: required\n      rangelist: [a, b]\n";
  auto parsed = parse_schema_yaml(text, "tree.yaml", arena);
  ASSERT_TRUE(parsed.ok()) << parsed.error().format();
  const PayloadSchema& s = **parsed;
  EXPECT_EQ(s.payload_type, "com.example.tree");
  ASSERT_EQ(s.keys.size(), 1u);
  const SchemaKeyList* nodes = s.keys[0].subkeys;
  ASSERT_NE(nodes, nullptr);
  const SchemaKey& node = (*nodes)[0];
  ASSERT_NE(node.subkeys, nullptr);
  EXPECT_EQ((*node.subkeys)[0].subkeys, nodes);  // the alias points back at its anchor
  EXPECT_TRUE((*node.subkeys)[1].required);
  EXPECT_EQ((*node.subkeys)[1].rangelist.size(), 2u);
}

TEST(Schema, ReadsPayloadKeysAndRules) {
  REQUIRE_SCHEMA();
  auto schema = Schema::open(schema_dir());
  ASSERT_TRUE(schema.ok()) << schema.error().format();
  const PayloadSchema* dock = (*schema)->find("com.apple.dock");
  ASSERT_NE(dock, nullptr);
  const SchemaKey* tilesize = nullptr;
  const SchemaKey* orientation = nullptr;
  for (const SchemaKey& k : dock->keys) {
    if (k.key == "tilesize") tilesize = &k;
    if (k.key == "orientation") orientation = &k;
  }
  ASSERT_NE(tilesize, nullptr);
  EXPECT_EQ(tilesize->type, "integer");
  EXPECT_EQ(*tilesize->min, 16);
  EXPECT_EQ(*tilesize->max, 128);
  ASSERT_NE(orientation, nullptr);
  EXPECT_EQ(orientation->rangelist.size(), 3u);
  EXPECT_EQ(dock->support.at("macOS").multiple, false);
  EXPECT_FALSE(dock->support.at("iOS").available);
  EXPECT_EQ((*schema)->find("com.nonexistent.payload.type"), nullptr);
  const PayloadSchema* top = (*schema)->top_level();
  ASSERT_NE(top, nullptr);
  EXPECT_EQ(top->keys[2].rangelist.at(0), plist::Value("Configuration"));
}

TEST(Schema, LoadsTheSelfReferencingFilesWithoutRecursingForever) {
  REQUIRE_SCHEMA();
  auto schema = Schema::open(schema_dir());
  ASSERT_TRUE(schema.ok());
  const PayloadSchema* home = (*schema)->find("com.apple.homescreenlayout");
  ASSERT_NE(home, nullptr);
  // Dock → IconItem → Pages → PagesItem → IconItem again.
  const SchemaKeyList* icon_items = home->keys[0].subkeys;
  ASSERT_NE(icon_items, nullptr);
  const SchemaKey& icon = (*icon_items)[0];
  const SchemaKey* pages = nullptr;
  for (const SchemaKey& k : *icon.subkeys) {
    if (k.key == "Pages") pages = &k;
  }
  ASSERT_NE(pages, nullptr);
  EXPECT_EQ((*pages->subkeys)[0].subkeys, icon_items);
  EXPECT_NE((*schema)->find("com.apple.applicationaccess.new"), nullptr);
}

TEST(Schema, LoadsEveryFileQuickly) {
  REQUIRE_SCHEMA();
  auto start = std::chrono::steady_clock::now();
  auto schema = Schema::open(schema_dir());
  ASSERT_TRUE(schema.ok());
  std::size_t loaded = (*schema)->load_all();
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(loaded, (*schema)->payload_types().size());
  EXPECT_GE(loaded, 120u);
  EXPECT_TRUE((*schema)->load_errors().empty());
  EXPECT_LT(seconds, 10.0);
  std::printf("loaded %zu schema files in %.3f s\n", loaded, seconds);
}

}  // namespace
}  // namespace cmdm::compiler
