#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>

#include "plist/writer.h"

namespace cmdm::plist {
namespace {

constexpr XmlOptions kBare{false, false, false};

std::string bare(const Value& v) { return write_minimal_xml(v, kBare); }

Value dict(std::initializer_list<std::pair<const char*, Value>> entries) {
  Dict d;
  for (const auto& [k, v] : entries) d.append(k, v);
  return Value(std::move(d));
}

TEST(MinimalXml, WritesEachScalarInItsShortestForm) {
  EXPECT_EQ(bare(Value("abc")), "<string>abc</string>");
  EXPECT_EQ(bare(Value("")), "<string/>");
  EXPECT_EQ(bare(Value(true)), "<true/>");
  EXPECT_EQ(bare(Value(false)), "<false/>");
  EXPECT_EQ(bare(Value(0)), "<integer>0</integer>");
  EXPECT_EQ(bare(Value(-42)), "<integer>-42</integer>");
  EXPECT_EQ(bare(Value(Date::from_unix(0))), "<date>1970-01-01T00:00:00Z</date>");
  EXPECT_EQ(bare(Value(Date{0})), "<date>2001-01-01T00:00:00Z</date>");
  EXPECT_EQ(bare(Value(Data{0, 1, 2})), "<data>AAEC</data>");
}

TEST(MinimalXml, WritesTheWholeSignedAndUnsigned64BitRange) {
  EXPECT_EQ(bare(Value(Integer(INT64_MIN))), "<integer>-9223372036854775808</integer>");
  EXPECT_EQ(bare(Value(Integer(INT64_MAX))), "<integer>9223372036854775807</integer>");
  EXPECT_EQ(bare(Value(Integer::from_unsigned(UINT64_MAX))),
            "<integer>18446744073709551615</integer>");
}

TEST(MinimalXml, KeepsBothTagsForEmptyDataBecauseCoreFoundationRejectsDataSelfClosed) {
  EXPECT_EQ(bare(Value(Data{})), "<data></data>");
}

TEST(MinimalXml, WritesBase64WithoutLineBreaks) {
  std::string out = bare(Value(Data(200, 0xAB)));
  EXPECT_EQ(out.find('\n'), std::string::npos);
  EXPECT_EQ(out.size(), std::string("<data></data>").size() + 268);
}

TEST(MinimalXml, WritesRealsInShortestRoundTripForm) {
  EXPECT_EQ(bare(Value(1.0)), "<real>1</real>");
  EXPECT_EQ(bare(Value(0.1)), "<real>0.1</real>");
  EXPECT_EQ(bare(Value(-2.5)), "<real>-2.5</real>");
  EXPECT_EQ(bare(Value(100.0)), "<real>100</real>");
  EXPECT_EQ(bare(Value(1000.0)), "<real>1e3</real>");
  EXPECT_EQ(bare(Value(123456.0)), "<real>123456</real>");
  EXPECT_EQ(bare(Value(1e300)), "<real>1e300</real>");
  EXPECT_EQ(bare(Value(1.5e-7)), "<real>1.5e-7</real>");
  EXPECT_EQ(bare(Value(0.0)), "<real>0</real>");
  EXPECT_EQ(bare(Value(-0.0)), "<real>-0</real>");
  EXPECT_EQ(bare(Value(std::numeric_limits<double>::denorm_min())), "<real>5e-324</real>");
  EXPECT_EQ(bare(Value(0.30000000000000004)), "<real>0.30000000000000004</real>");
}

TEST(MinimalXml, SpellsNonFiniteRealsAsCoreFoundationAndPlistlibRead) {
  EXPECT_EQ(bare(Value(std::nan(""))), "<real>nan</real>");
  EXPECT_EQ(bare(Value(std::numeric_limits<double>::infinity())), "<real>inf</real>");
  EXPECT_EQ(bare(Value(-std::numeric_limits<double>::infinity())), "<real>-inf</real>");
}

TEST(MinimalXml, EscapesOnlyWhatXmlRequires) {
  EXPECT_EQ(bare(Value("a&b<c>d\"e'f")), "<string>a&amp;b&lt;c>d\"e'f</string>");
  EXPECT_EQ(bare(Value("x]]>y")), "<string>x]]&gt;y</string>");
  EXPECT_EQ(bare(Value("]>]]]>")), "<string>]>]]]&gt;</string>");
  EXPECT_EQ(bare(Value(">")), "<string>></string>");
}

// The escaper skips plain text 16 (SSE2) or eight bytes at a time; put each special at every
// position of strings a few blocks long and compare with a byte-by-byte reference.
TEST(MinimalXml, EscapesSpecialsAtEveryPositionOfTheWordScan) {
  auto reference = [](const std::string& text) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
      char c = text[i];
      if (c == '&') {
        out += "&amp;";
      } else if (c == '<') {
        out += "&lt;";
      } else if (c == '\r') {
        out += "&#13;";
      } else if (c == '>' && i >= 2 && text[i - 1] == ']' && text[i - 2] == ']') {
        out += "&gt;";
      } else {
        out += c;
      }
    }
    return out.empty() ? std::string("<string/>") : "<string>" + out + "</string>";
  };
  for (std::size_t len = 0; len <= 72; ++len) {
    for (std::size_t pos = 0; pos < len; ++pos) {
      for (const char* special : {"&", "<", ">", "\r", "]]>"}) {
        std::string text(len, 'x');
        text.replace(pos, std::min(std::strlen(special), len - pos), special);
        ASSERT_EQ(bare(Value(text)), reference(text)) << "len " << len << " pos " << pos;
      }
    }
  }
}

TEST(MinimalXml, PreservesCarriageReturnsAsCharacterReferences) {
  EXPECT_EQ(bare(Value("a\r\nb\rc\n")), "<string>a&#13;\nb&#13;c\n</string>");
}

TEST(MinimalXml, CopiesTabsNewlinesControlCharactersAndUtf8Raw) {
  EXPECT_EQ(bare(Value("\t\n\x01\x1f")), "<string>\t\n\x01\x1f</string>");
  EXPECT_EQ(bare(Value("h\xC3\xA9 \xF0\x9F\x98\x80")),
            "<string>h\xC3\xA9 \xF0\x9F\x98\x80</string>");
}

TEST(MinimalXml, WritesContainersWithoutWhitespace) {
  EXPECT_EQ(bare(Value(Array{})), "<array/>");
  EXPECT_EQ(bare(Value(Dict{})), "<dict/>");
  EXPECT_EQ(bare(Value(Array{Value(1), Value("x"), Value(Array{})})),
            "<array><integer>1</integer><string>x</string><array/></array>");
  EXPECT_EQ(bare(dict({{"b", Value(true)}, {"a", dict({})}, {"", Value("")}, {"<&>", Value(1)}})),
            "<dict><key>b</key><true/><key>a</key><dict/><key/><string/>"
            "<key>&lt;&amp;></key><integer>1</integer></dict>");
}

TEST(MinimalXml, KeepsDictKeyOrder) {
  EXPECT_EQ(bare(dict({{"z", Value(1)}, {"a", Value(2)}})),
            "<dict><key>z</key><integer>1</integer><key>a</key><integer>2</integer></dict>");
}

TEST(MinimalXml, WritesTheStandardHeaderByDefault) {
  EXPECT_EQ(write_minimal_xml(Value(true)),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
            "<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" "
            "\"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">"
            "<plist version=\"1.0\"><true/></plist>");
}

TEST(MinimalXml, LeavesOutEachPartOfTheHeaderOnRequest) {
  XmlOptions no_decl;
  no_decl.declaration = false;
  EXPECT_EQ(write_minimal_xml(Value(true), no_decl),
            "<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" "
            "\"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">"
            "<plist version=\"1.0\"><true/></plist>");
  XmlOptions plist_only{false, false, true};
  EXPECT_EQ(write_minimal_xml(Value(true), plist_only), "<plist version=\"1.0\"><true/></plist>");
  XmlOptions decl_only{true, false, false};
  EXPECT_EQ(write_minimal_xml(Value(Dict{}), decl_only),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><dict/>");
}

Value sample() {
  Dict inner;
  inner.append("PayloadType", Value("com.apple.dock"));
  inner.append("Enabled", Value(false));
  inner.append("Count", Value(Integer::from_unsigned(UINT64_MAX)));
  Dict d;
  d.append("PayloadContent", Value(Array{Value(inner), Value(Array{})}));
  d.append("Ratio", Value(0.1));
  d.append("Cert", Value(Data(100, 7)));
  d.append("When", Value(Date::from_unix(1700000000)));
  d.append("Text", Value("a < b & c > d\r\n"));
  d.append("Empty", Value(""));
  d.append("EmptyDict", Value(Dict{}));
  return Value(std::move(d));
}

// The writers grow one reused buffer, and drop it after a document over 1 MiB: write documents
// of growing size, one past that limit, then a small one again.
TEST(MinimalXml, WritesDocumentsOfEverySizeWithTheReusedBuffer) {
  for (std::size_t count : {0u, 1u, 100u, 1000u, 3000u, 1u}) {
    Array items;
    std::string expected = "<array>";
    for (std::size_t i = 0; i < count; ++i) {
      std::string text(400 + i % 7, static_cast<char>('a' + i % 26));
      text += "&<";
      items.emplace_back(text);
      expected += "<string>" + text.substr(0, text.size() - 2) + "&amp;&lt;</string>";
    }
    expected += "</array>";
    if (count == 0) expected = "<array/>";
    ASSERT_EQ(bare(Value(std::move(items))), expected) << count;
  }
}

TEST(MinimalXml, IsByteIdenticalFromRunToRun) {
  std::string first = write_minimal_xml(sample());
  for (int i = 0; i < 5; ++i) EXPECT_EQ(write_minimal_xml(sample()), first);
  EXPECT_EQ(write_minimal_xml(Value(sample())), first);
}

TEST(PrettyXml, WritesCoreFoundationsLayout) {
  Dict inner;
  inner.append("Name", Value("x"));
  inner.append("On", Value(true));
  Dict d;
  d.append("List", Value(Array{Value(1), Value(inner)}));
  d.append("None", Value(Array{}));
  d.append("Empty", Value(""));
  d.append("Blob", Value(Data{1, 2, 3}));
  d.append("NoBytes", Value(Data{}));
  d.append("R", Value(2.0));
  d.append("When", Value(Date{0}));
  d.append("Esc", Value("<&>"));
  EXPECT_EQ(write_pretty_xml(Value(std::move(d))),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" "
            "\"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n"
            "<plist version=\"1.0\">\n"
            "<dict>\n"
            "\t<key>List</key>\n"
            "\t<array>\n"
            "\t\t<integer>1</integer>\n"
            "\t\t<dict>\n"
            "\t\t\t<key>Name</key>\n"
            "\t\t\t<string>x</string>\n"
            "\t\t\t<key>On</key>\n"
            "\t\t\t<true/>\n"
            "\t\t</dict>\n"
            "\t</array>\n"
            "\t<key>None</key>\n"
            "\t<array/>\n"
            "\t<key>Empty</key>\n"
            "\t<string></string>\n"
            "\t<key>Blob</key>\n"
            "\t<data>\n"
            "\tAQID\n"
            "\t</data>\n"
            "\t<key>NoBytes</key>\n"
            "\t<data>\n"
            "\t</data>\n"
            "\t<key>R</key>\n"
            "\t<real>2</real>\n"
            "\t<key>When</key>\n"
            "\t<date>2001-01-01T00:00:00Z</date>\n"
            "\t<key>Esc</key>\n"
            "\t<string>&lt;&amp;&gt;</string>\n"
            "</dict>\n"
            "</plist>\n");
}

TEST(PrettyXml, WrapsDataLikeCoreFoundation) {
  // Level 3: lines of 76 - 8 * 3 = 52 characters (39 bytes), indented by three tabs.
  Value v(Array{Value(Array{Value(Array{Value(Data(40, 0))})})});
  std::string out = write_pretty_xml(v);
  std::string line52(52, 'A');
  EXPECT_NE(out.find("\t\t\t<data>\n\t\t\t" + line52 + "\n\t\t\tAA==\n\t\t\t</data>\n"),
            std::string::npos)
      << out;
  // Deeper than 8 levels the line stays at 12 characters and 8 tabs, as CoreFoundation caps it.
  Value deep(Data(9, 0));
  for (int i = 0; i < 10; ++i) deep = Value(Array{deep});
  out = write_pretty_xml(deep);
  EXPECT_NE(out.find(std::string(10, '\t') + "<data>\n" + std::string(8, '\t') +
                     std::string(12, 'A') + "\n" + std::string(10, '\t') + "</data>\n"),
            std::string::npos)
      << out;
}

TEST(PrettyXml, SpellsRealsLikeCoreFoundationWithShortestDigits) {
  auto real = [](double d) {
    std::string out = write_pretty_xml(Value(d));
    std::size_t b = out.find("<real>") + 6;
    return out.substr(b, out.find("</real>") - b);
  };
  EXPECT_EQ(real(1.0), "1");
  EXPECT_EQ(real(0.1), "0.1");
  EXPECT_EQ(real(100000.0), "100000");
  EXPECT_EQ(real(1e20), "1e+20");
  EXPECT_EQ(real(0.0), "0.0");
  EXPECT_EQ(real(std::nan("")), "nan");
  EXPECT_EQ(real(std::numeric_limits<double>::infinity()), "+infinity");
  EXPECT_EQ(real(-std::numeric_limits<double>::infinity()), "-infinity");
}

TEST(PrettyXml, PreservesCarriageReturnsAsCharacterReferences) {
  std::string out = write_pretty_xml(Value("a\rb"));
  EXPECT_NE(out.find("<string>a&#13;b</string>"), std::string::npos);
}

}  // namespace
}  // namespace cmdm::plist
