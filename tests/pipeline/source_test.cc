// Reading sources for every command: arguments expanded, identity filled, problems located.
#include "pipeline/source.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "plist/file_io.h"

namespace cmdm::pipeline {
namespace {

const std::string kExamples = std::string(CMDM_SOURCE_DIR) + "/testdata/examples/";

const char* kNoUuid = R"(<?xml version="1.0" encoding="UTF-8"?>
<plist version="1.0">
<dict>
	<key>PayloadContent</key>
	<array/>
	<key>PayloadIdentifier</key>
	<string>com.example.no-uuid</string>
</dict>
</plist>
)";

TEST(Source, ACompleteProfileIsKeptExactlyAsWritten) {
  Result<std::string> bytes = read_file(kExamples + "safari-homepage.mobileconfig");
  ASSERT_TRUE(bytes.ok());
  Result<Source> source = read_source(*bytes, "safari.mobileconfig");
  ASSERT_TRUE(source.ok()) << source.error().format();
  EXPECT_EQ(*source->profile.get_string("PayloadUUID"), "C964F00E-043F-534B-9751-90318D146C43");
  EXPECT_EQ(source->stored_bytes, bytes->size());
  EXPECT_FALSE(source->was_signed);
  EXPECT_GT(source->identifier_line, 1);
}

TEST(Source, MissingIdentityIsFilledAsBuildFillsIt) {
  Result<Source> source = read_source(kNoUuid, "p.mobileconfig");
  ASSERT_TRUE(source.ok()) << source.error().format();
  const std::string* uuid = source->profile.get_string("PayloadUUID");
  ASSERT_NE(uuid, nullptr);
  EXPECT_EQ(uuid->size(), 36u);
  const plist::Value* version = source->profile.get("PayloadVersion");
  ASSERT_TRUE(version && version->is_integer());
}

TEST(Source, AProfileWithoutIdentifierIsADataErrorThatSaysSo) {
  Result<Source> source = read_source("<plist><dict><key>A</key><true/></dict></plist>", "p.plist");
  ASSERT_FALSE(source.ok());
  EXPECT_EQ(source.error().code, ExitCode::kDataError);
  EXPECT_NE(source.error().format().find("no PayloadIdentifier"), std::string::npos);
}

TEST(Source, ASignedSourceIsUnwrapped) {
  Result<std::string> bytes = read_file(kExamples + "timeserver-signed.mobileconfig");
  ASSERT_TRUE(bytes.ok());
  Result<Source> source = read_source(*bytes, "timeserver-signed.mobileconfig");
  ASSERT_TRUE(source.ok()) << source.error().format();
  EXPECT_TRUE(source->was_signed);
}

TEST(Source, ASignedSourceChangedAfterSigningIsRefusedUnlessAllowed) {
  Result<std::string> bytes = read_file(kExamples + "timeserver-signed.mobileconfig");
  ASSERT_TRUE(bytes.ok());
  std::string tampered = *bytes;
  tampered[tampered.find("time.example.com")] = 'T';
  Result<Source> refused = read_source(tampered, "tampered.mobileconfig");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ExitCode::kDataError);
  EXPECT_NE(refused.error().format().find("INVALID"), std::string::npos);
  SourceOptions options;
  options.allow_invalid_signature = true;
  Result<Source> allowed = read_source(tampered, "tampered.mobileconfig", {}, options);
  ASSERT_TRUE(allowed.ok()) << allowed.error().format();
  EXPECT_TRUE(allowed->was_signed);
  ASSERT_EQ(allowed->warnings.size(), 1u);
  EXPECT_NE(allowed->warnings[0].message.find("INVALID"), std::string::npos);
}

TEST(Source, ADirectoryArgumentListsItsSourcesInByteOrder) {
  Result<std::vector<std::string>> paths =
      expand_source_paths({kExamples, kExamples + "safari-homepage.mobileconfig"});
  ASSERT_TRUE(paths.ok());
  ASSERT_GE(paths->size(), 3u);
  EXPECT_TRUE(std::is_sorted(paths->begin(), paths->end() - 1));
  EXPECT_EQ(paths->back(), kExamples + "safari-homepage.mobileconfig");
  for (const std::string& p : *paths) EXPECT_NE(p.find('.'), std::string::npos);
}

}  // namespace
}  // namespace cmdm::pipeline
