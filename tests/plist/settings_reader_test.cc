// The shared scaffolding of the settings readers: unknown keys, types, ranges and paths, each an
// error at the value's line and column with its key path.
#include "plist/settings_reader.h"

#include <gtest/gtest.h>

#include <string>

namespace cmdm::plist {
namespace {

// Line 4 holds <key>Limts</key>; line 6 <key>Nested</key>, whose dict holds the rest.
const std::string kSettings = R"(<?xml version="1.0" encoding="UTF-8"?>
<plist version="1.0">
<dict>
	<key>Limts</key>
	<integer>3</integer>
	<key>Nested</key>
	<dict>
		<key>Name</key>
		<integer>7</integer>
		<key>Timeout</key>
		<real>99.5</real>
		<key>Path</key>
		<string>relative/dir</string>
	</dict>
</dict>
</plist>
)";

class SettingsReaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<Document> doc = read(kSettings, {.file_name = "s.plist"});
    ASSERT_TRUE(doc) << doc.error().format();
    doc_ = std::move(*doc);
  }
  const Value& nested() const { return *doc_.root.get("Nested"); }

  Document doc_;
};

TEST_F(SettingsReaderTest, RefusesAnUnknownKeyWithItsSuggestionPathAndPosition) {
  const SettingsReader r(doc_, "s.plist", {.key_listing = "(docs/x.md lists them)"});
  Status s = r.check_keys(doc_.root, {}, {"Limits", "Nested"});
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, ExitCode::kDataError);
  const Diagnostic& d = s.error().diagnostics[0];
  EXPECT_EQ(d.message, "unknown key 'Limts'; did you mean 'Limits'? (docs/x.md lists them)");
  EXPECT_EQ(d.key_path, "Limts");
  EXPECT_EQ(d.file, "s.plist");
  EXPECT_EQ(d.line, 4);
  EXPECT_EQ(d.column, 2);
  EXPECT_TRUE(r.check_keys(nested(), KeyPath().key("Nested"), {"Name", "Timeout", "Path"}));
}

TEST_F(SettingsReaderTest, NamesTheTypeFoundUnlessToldNotTo) {
  std::string out = "unchanged";
  const SettingsReader r(doc_, "s.plist", {});
  Status s = r.string(nested(), KeyPath().key("Nested"), "Name", &out);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().diagnostics[0].message, "expected a string, found an integer");
  EXPECT_EQ(s.error().diagnostics[0].key_path, "Nested.Name");
  EXPECT_EQ(s.error().diagnostics[0].line, 9);
  EXPECT_EQ(out, "unchanged");

  const SettingsReader terse(doc_, "s.plist", {.name_found_type = false});
  Status t = terse.string(nested(), KeyPath().key("Nested"), "Name", &out);
  ASSERT_FALSE(t);
  EXPECT_EQ(t.error().diagnostics[0].message, "expected a string");
  EXPECT_TRUE(terse.string(nested(), {}, "Absent", &out));
  EXPECT_EQ(out, "unchanged");
}

TEST_F(SettingsReaderTest, RefusesANumberOutOfRange) {
  const SettingsReader r(doc_, "s.plist", {});
  const KeyPath path = KeyPath().key("Nested");
  Result<std::optional<double>> n =
      r.number(nested(), path, "Timeout", 0.1, 60, "seconds", "too long");
  ASSERT_FALSE(n);
  EXPECT_EQ(n.error().diagnostics[0].message, "too long");
  EXPECT_EQ(n.error().diagnostics[0].key_path, "Nested.Timeout");
  EXPECT_EQ(n.error().diagnostics[0].line, 11);

  Result<std::optional<double>> fits = r.number(nested(), path, "Timeout", 0.1, 100, "seconds", "");
  ASSERT_TRUE(fits);
  EXPECT_EQ(**fits, 99.5);
  Result<std::optional<std::int64_t>> i =
      r.integer(nested(), path, "Name", 1, 5, "expected 1 to 5");
  ASSERT_FALSE(i);
  EXPECT_EQ(i.error().diagnostics[0].message, "expected 1 to 5");
  Result<std::optional<double>> text = r.number(nested(), path, "Path", 0, 1, "seconds", "");
  ASSERT_FALSE(text);
  EXPECT_EQ(text.error().diagnostics[0].message, "expected seconds, found a string");
}

TEST_F(SettingsReaderTest, RefusesARelativePathWhereAnAbsoluteOneIsExpected) {
  const SettingsReader r(doc_, "s.plist", {});
  std::string out;
  Status s = r.absolute_path(nested(), KeyPath().key("Nested"), "Path", &out);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, ExitCode::kDataError);
  EXPECT_EQ(s.error().diagnostics[0].message, "expected an absolute path");
  EXPECT_EQ(s.error().diagnostics[0].key_path, "Nested.Path");
  EXPECT_EQ(s.error().diagnostics[0].line, 13);
}

TEST_F(SettingsReaderTest, SuggestsTheClosestChoice) {
  const SettingsReader r(doc_, "s.plist", {});
  Result<std::size_t> c = r.choice(nested(), KeyPath().key("Nested"), "Path", "mode",
                                   {"relative/dirs", "other"}, "(relative/dirs, other)");
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().diagnostics[0].message,
            "unknown mode 'relative/dir'; did you mean 'relative/dirs'? (relative/dirs, other)");
  Result<std::size_t> absent = r.choice(nested(), {}, "Absent", "mode", {"a", "b"}, "");
  ASSERT_TRUE(absent);
  EXPECT_EQ(*absent, 2u);
}

}  // namespace
}  // namespace cmdm::plist
