// Format detection and the read() dispatch: binary, XML, and CMS-signed input.
#include "plist/reader.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "plist/file_io.h"

namespace cmdm::plist {
namespace {

using namespace std::string_literals;

// plistlib.dumps({"a": 1}, fmt=FMT_BINARY)
const std::string kBinaryDict =
    "bplist00\xd1\x01\x02\x51\x61\x10\x01\x08\x0b\x0d\x00\x00\x00\x00\x00\x00\x01\x01\x00\x00\x00"
    "\x00\x00\x00\x00\x03\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x0f"s;

// ContentInfo headers: SEQUENCE (DER long-form length, or BER indefinite), then the OID.
const std::string kDerSignedData =
    "\x30\x82\x08\xcf\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x07\x02\xa0"s;
const std::string kBerSignedData = "\x30\x80\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x07\x02\xa0\x80"s;
const std::string kDerPkcs7Data =
    "\x30\x82\x08\xcf\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x07\x01\xa0"s;

TEST(Reader, NamesFormats) {
  EXPECT_EQ(format_name(Format::kXml), "xml");
  EXPECT_EQ(format_name(Format::kBinary), "binary");
  EXPECT_EQ(format_name(Format::kCmsSigned), "cms-signed");
  EXPECT_EQ(format_name(Format::kUnknown), "unknown");
}

TEST(Reader, SniffsTheFormatFromTheLeadingBytes) {
  EXPECT_EQ(sniff_format(kBinaryDict), Format::kBinary);
  EXPECT_EQ(sniff_format(kDerSignedData), Format::kCmsSigned);
  EXPECT_EQ(sniff_format(kBerSignedData), Format::kCmsSigned);
  EXPECT_EQ(sniff_format("\x30\x0d\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x07\x02"s),
            Format::kCmsSigned);                         // short-form length
  EXPECT_EQ(sniff_format(kDerPkcs7Data), Format::kXml);  // not SignedData: left to the XML reader
  EXPECT_EQ(sniff_format("<?xml version=\"1.0\"?><plist/>"), Format::kXml);
  EXPECT_EQ(sniff_format(""), Format::kXml);
  EXPECT_EQ(sniff_format("\x30"s), Format::kXml);
  EXPECT_EQ(sniff_format("\x30\x82\x08"s), Format::kXml);
}

TEST(Reader, ReadsXmlAndBinaryByTheirBytes) {
  Result<Document> xml = read("<plist><dict><key>a</key><integer>1</integer></dict></plist>");
  ASSERT_TRUE(xml) << xml.error().format();
  EXPECT_EQ(xml->format, Format::kXml);
  Result<Document> binary = read(kBinaryDict);
  ASSERT_TRUE(binary) << binary.error().format();
  EXPECT_EQ(binary->format, Format::kBinary);
  EXPECT_EQ(binary->root, xml->root);
}

TEST(Reader, RejectsCmsSignedInputAndSaysHowToUnwrapIt) {
  ReadOptions options;
  options.file_name = "signed.mobileconfig";
  Result<Document> doc = read(kDerSignedData, options);
  ASSERT_FALSE(doc);
  EXPECT_EQ(doc.error().code, ExitCode::kDataError);
  EXPECT_EQ(doc.error().format(),
            "signed.mobileconfig: error: this is a CMS-signed profile (PKCS#7 SignedData); unwrap "
            "it first with 'cmdm unwrap'\n");
}

TEST(ReaderCorpus, SniffsEveryDevCorpusFileAsIndexed) {
  const std::string dir = std::string(CMDM_SHARED_DIR) + "/corpus/dev";
  if (!std::filesystem::exists(dir + "/INDEX.tsv")) {
    GTEST_SKIP() << "no corpus at " << dir << " (set CMDM_SHARED_DIR to the shared directory)";
  }
  std::ifstream index(dir + "/INDEX.tsv");
  std::string line;
  std::getline(index, line);
  int signed_files = 0;
  while (std::getline(index, line)) {
    std::stringstream cells(line);
    std::string path, bytes, sha, format;
    std::getline(cells, path, '\t');
    std::getline(cells, bytes, '\t');
    std::getline(cells, sha, '\t');
    std::getline(cells, format, '\t');
    Result<std::string> data = read_file(dir + "/" + path);
    ASSERT_TRUE(data) << data.error().format();
    Format sniffed = sniff_format(*data);
    if (format == "cms-der") {
      ++signed_files;
      EXPECT_EQ(sniffed, Format::kCmsSigned) << path;
      Result<Document> doc = read(*data);
      ASSERT_FALSE(doc) << path;
      EXPECT_NE(doc.error().format().find("unwrap it first"), std::string::npos);
    } else {
      EXPECT_EQ(sniffed, Format::kXml) << path;
    }
  }
  EXPECT_EQ(signed_files, 63);
}

}  // namespace
}  // namespace cmdm::plist
