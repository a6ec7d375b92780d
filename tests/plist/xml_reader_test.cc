// The XML reader: every accepted form, and every rejection with its exact diagnostic text.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>

#include "plist/file_io.h"
#include "plist/reader.h"

namespace cmdm::plist {
namespace {

const char kHeader[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" "
    "\"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n";

Result<Document> parse(std::string_view text, ReadOptions options = {}) {
  if (options.file_name.empty()) options.file_name = "t.plist";
  return read_xml(text, options);
}

Value parse_ok(std::string_view text) {
  Result<Document> doc = parse(text);
  if (!doc) {
    ADD_FAILURE() << doc.error().format();
    return Value();
  }
  EXPECT_EQ(doc->format, Format::kXml);
  return std::move(doc->root);
}

std::string error_of(std::string_view text, ReadOptions options = {}) {
  Result<Document> doc = parse(text, options);
  if (doc) {
    ADD_FAILURE() << "expected an error for: " << text;
    return "";
  }
  EXPECT_EQ(doc.error().code, ExitCode::kDataError);
  return doc.error().format();
}

std::string plist(std::string_view body) {
  return std::string("<plist>") + std::string(body) + "</plist>";
}

// ---- Accepted forms ----

TEST(XmlReader, ReadsEveryValueType) {
  std::string text =
      std::string(kHeader) +
      "<plist version=\"1.0\">\n"
      "<dict>\n"
      "\t<key>s</key>\n\t<string>hello</string>\n"
      "\t<key>i</key>\n\t<integer>-42</integer>\n"
      "\t<key>r</key>\n\t<real>2.5</real>\n"
      "\t<key>t</key>\n\t<true/>\n"
      "\t<key>f</key>\n\t<false/>\n"
      "\t<key>d</key>\n\t<date>2026-01-01T00:00:00Z</date>\n"
      "\t<key>b</key>\n\t<data>AAEC/w==</data>\n"
      "\t<key>a</key>\n\t<array>\n\t\t<integer>1</integer>\n\t\t<dict/>\n\t</array>\n"
      "</dict>\n"
      "</plist>\n";
  Value v = parse_ok(text);
  ASSERT_TRUE(v.is_dict());
  const Dict& d = v.as_dict();
  ASSERT_EQ(d.size(), 8u);
  EXPECT_EQ(*v.get_string("s"), "hello");
  EXPECT_EQ(v.get("i")->as_integer(), Integer(-42));
  EXPECT_EQ(v.get("r")->as_real(), 2.5);
  EXPECT_TRUE(v.get("t")->as_bool());
  EXPECT_FALSE(v.get("f")->as_bool());
  EXPECT_EQ(v.get("d")->as_date(), Date::from_unix(1767225600));
  EXPECT_EQ(v.get("b")->as_data(), (Data{0, 1, 2, 255}));
  const Array& a = v.get("a")->as_array();
  ASSERT_EQ(a.size(), 2u);
  EXPECT_EQ(a[0].as_integer(), Integer(1));
  EXPECT_TRUE(a[1].as_dict().empty());
  std::vector<std::string> keys;
  for (const DictEntry& e : d) keys.push_back(e.key);
  EXPECT_EQ(keys, (std::vector<std::string>{"s", "i", "r", "t", "f", "d", "b", "a"}));
}

TEST(XmlReader, AcceptsBareRootElementWithoutPlist) {
  EXPECT_EQ(parse_ok("<dict><key>k</key><string>v</string></dict>").get_string("k")[0], "v");
  EXPECT_EQ(parse_ok("<string>alone</string>").as_string(), "alone");
  EXPECT_EQ(parse_ok("<array/>").as_array().size(), 0u);
}

TEST(XmlReader, AcceptsOptionalDeclarationDoctypeBomAndLeadingWhitespace) {
  const std::string body = "<plist version=\"1.0\"><string>x</string></plist>";
  for (std::string prefix :
       {std::string(), std::string(kHeader), "\xEF\xBB\xBF" + std::string(kHeader),
        std::string("\xEF\xBB\xBF"), " " + std::string(kHeader), "\n\n\t" + std::string(kHeader),
        std::string("<?xml version=\"1.0\"?>"), std::string("<!DOCTYPE plist>")}) {
    Value v = parse_ok(prefix + body);
    EXPECT_EQ(v, Value("x")) << prefix;
  }
}

TEST(XmlReader, DecodesEntitiesAndCharacterReferences) {
  Value v =
      parse_ok(plist("<string>&lt;a&gt; &amp; &quot;&apos; &#65;&#x42;&#xe9;&#x1F600;</string>"));
  EXPECT_EQ(v.as_string(), "<a> & \"' AB\xC3\xA9\xF0\x9F\x98\x80");
  EXPECT_EQ(parse_ok(plist("<string>a&#13;b&#10;c&#9;</string>")).as_string(), "a\rb\nc\t");
  Value k = parse_ok(plist("<dict><key>&amp;k</key><true/></dict>"));
  EXPECT_EQ(k.as_dict().entries()[0].key, "&k");
}

TEST(XmlReader, KeepsCdataLiteralAlsoMixedWithText) {
  EXPECT_EQ(parse_ok(plist("<string><![CDATA[<b>&amp;]]></string>")).as_string(), "<b>&amp;");
  EXPECT_EQ(parse_ok(plist("<string>a &amp; <![CDATA[<b>]]> c</string>")).as_string(), "a & <b> c");
  EXPECT_EQ(parse_ok(plist("<data><![CDATA[AAEC]]>/w==</data>")).as_data(), (Data{0, 1, 2, 255}));
}

TEST(XmlReader, SkipsCommentsAnywhere) {
  Value v = parse_ok(
      "<!-- before -->\n<plist><!-- a --><dict><!-- b --><key>k<!-- c --></key><!-- between -->\n"
      "<string>x<!-- inside -->y</string><key>n</key><!-- d --><integer><!-- e -->5</integer>"
      "<key>a</key><array><!-- f --></array></dict><!-- g --></plist><!-- after -->\n");
  EXPECT_EQ(*v.get_string("k"), "xy");
  EXPECT_EQ(v.get("n")->as_integer(), Integer(5));
  EXPECT_TRUE(v.get("a")->as_array().empty());
}

TEST(XmlReader, KeepsWhitespaceInsideTextExactly) {
  EXPECT_EQ(parse_ok(plist("<string>  a </string>")).as_string(), "  a ");
  EXPECT_EQ(parse_ok(plist("<string> </string>")).as_string(), " ");
  EXPECT_EQ(parse_ok(plist("<string>\n\t</string>")).as_string(), "\n\t");
  EXPECT_EQ(parse_ok(plist("<string> <!-- c --> </string>")).as_string(), "  ");
  EXPECT_EQ(parse_ok(plist("<string>  <![CDATA[x]]></string>")).as_string(), "  x");
  EXPECT_EQ(parse_ok(plist("<string> <?pi x?> </string>")).as_string(), "  ");
  EXPECT_EQ(parse_ok("<?xml version=\"1.0\"?>" + plist("<string> <?pi?> </string>")).as_string(),
            "  ");
  Value d = parse_ok(plist("<dict>\n  <key> spaced key </key>\n  <string></string>\n</dict>"));
  EXPECT_EQ(d.as_dict().entries()[0].key, " spaced key ");
  EXPECT_EQ(d.as_dict().entries()[0].value.as_string(), "");
}

TEST(XmlReader, NormalisesCrlfAndCrLineEndsToLf) {
  std::string text =
      "<?xml version=\"1.0\"?>\r\n<plist>\r\n<dict>\r\n<key>k</key>\r\n"
      "<string>a\r\nb\rc</string>\r\n</dict>\r\n</plist>\r\n";
  EXPECT_EQ(*parse_ok(text).get_string("k"), "a\nb\nc");
  EXPECT_EQ(parse_ok(plist("<string><![CDATA[a\r\nb]]></string>")).as_string(), "a\nb");
  // After the first line end or entity, plain runs of every length are copied whole.
  const std::string x20(20, 'x'), y40(40, 'y'), z17(17, 'z');
  EXPECT_EQ(parse_ok(plist("<string>" + x20 + "\r\n" + y40 + "&amp;" + z17 + "\r" + "w\r\r\n" +
                           "&lt;" + x20 + "</string>"))
                .as_string(),
            x20 + "\n" + y40 + "&" + z17 + "\nw\n\n<" + x20);
}

TEST(XmlReader, IgnoresNulBytesAndWhitespaceAfterTheEnd) {
  std::string text = plist("<string>x</string>") + std::string("\n\0\0\0\n\0", 6);
  EXPECT_EQ(parse_ok(text), Value("x"));
}

TEST(XmlReader, ReadsEmptyElements) {
  Value v = parse_ok(
      plist("<dict><key/><string/><key>d</key><data/><key>a</key><array></array><key>t</key><true>"
            "</true><key>s</key><string></string><key>e</key><dict></dict></dict>"));
  const Dict& d = v.as_dict();
  EXPECT_EQ(d.entries()[0].key, "");
  EXPECT_EQ(d.entries()[0].value, Value(""));
  EXPECT_TRUE(v.get("d")->as_data().empty());
  EXPECT_TRUE(v.get("a")->as_array().empty());
  EXPECT_TRUE(v.get("t")->as_bool());
  EXPECT_EQ(*v.get_string("s"), "");
  EXPECT_TRUE(v.get("e")->as_dict().empty());
}

TEST(XmlReader, ReadsIntegersOverTheFullSignedAndUnsignedRange) {
  auto integer = [](std::string_view text) {
    return parse_ok(plist("<integer>" + std::string(text) + "</integer>")).as_integer();
  };
  EXPECT_EQ(integer("0"), Integer(0));
  EXPECT_EQ(integer("-0"), Integer(0));
  EXPECT_EQ(integer("+17"), Integer(17));
  EXPECT_EQ(integer(" 42\n"), Integer(42));
  EXPECT_EQ(integer("007"), Integer(7));
  EXPECT_EQ(integer("-9223372036854775808"), Integer(INT64_MIN));
  EXPECT_EQ(integer("9223372036854775807"), Integer(INT64_MAX));
  EXPECT_EQ(integer("9223372036854775808"), Integer::from_unsigned(9223372036854775808u));
  EXPECT_EQ(integer("18446744073709551615"), Integer::from_unsigned(UINT64_MAX));
  EXPECT_EQ(integer("0x10"), Integer(16));
  EXPECT_EQ(integer("0XfF"), Integer(255));
  EXPECT_EQ(integer("-0x10"), Integer(-16));
  EXPECT_EQ(integer("0xFFFFFFFFFFFFFFFF"), Integer::from_unsigned(UINT64_MAX));
  EXPECT_EQ(integer("-0x8000000000000000"), Integer(INT64_MIN));
}

TEST(XmlReader, ReadsRealsAsCoreFoundationAndPlistlibDo) {
  auto real = [](std::string_view text) {
    return parse_ok(plist("<real>" + std::string(text) + "</real>")).as_real();
  };
  EXPECT_EQ(real("1.5"), 1.5);
  EXPECT_EQ(real("-2"), -2.0);
  EXPECT_EQ(real("+.5"), 0.5);
  EXPECT_EQ(real("5."), 5.0);
  EXPECT_EQ(real("1e3"), 1000.0);
  EXPECT_EQ(real("-1.25E-2"), -0.0125);
  EXPECT_EQ(real(" 3.0 "), 3.0);
  EXPECT_EQ(real("0.1"), 0.1);
  EXPECT_TRUE(std::isnan(real("nan")));
  EXPECT_TRUE(std::isnan(real("NaN")));
  EXPECT_EQ(real("inf"), INFINITY);
  EXPECT_EQ(real("+inf"), INFINITY);
  EXPECT_EQ(real("-inf"), -INFINITY);
  EXPECT_EQ(real("-Infinity"), -INFINITY);
  EXPECT_EQ(real("1e999"), INFINITY);
  EXPECT_EQ(real("1e-999"), 0.0);
  EXPECT_TRUE(std::signbit(real("-0.0")));
}

TEST(XmlReader, ReadsDatesAlsoWithTheTimeCutShortAsPlistlibDoes) {
  auto date = [](std::string_view text) {
    return parse_ok(plist("<date>" + std::string(text) + "</date>")).as_date();
  };
  EXPECT_EQ(date("2001-01-01T00:00:00Z"), Date{0});
  EXPECT_EQ(date("2026-01-01T00:00:00Z"), Date::from_unix(1767225600));
  EXPECT_EQ(date("1970-01-01T00:00:01Z"), Date::from_unix(1));
  EXPECT_EQ(date("2024-02-29T23:59:59Z"), Date::from_unix(1709251199));
  EXPECT_EQ(date("0001-01-01T00:00:00Z"), Date::from_unix(-62135596800));
  EXPECT_EQ(date("2020-06-15Z"), Date::from_unix(1592179200));
  EXPECT_EQ(date("2020-06-15T10Z"), Date::from_unix(1592179200 + 36000));
  EXPECT_EQ(date("2020-06-15T10:30Z"), Date::from_unix(1592179200 + 37800));
}

TEST(XmlReader, ReadsBase64WithLineBreaksAndIndentation) {
  Value v = parse_ok(plist("<data>\n\tSGVs\n\tbG8=\n\t</data>"));
  EXPECT_EQ(v.as_data(), (Data{'H', 'e', 'l', 'l', 'o'}));
}

TEST(XmlReader, IgnoresAttributes) {
  Value v = parse_ok(
      "<plist version=\"9.9\" x='1'><dict a=\"b\"><key id=\"1\">k</key>"
      "<string lang=\"en\">v</string></dict></plist>");
  EXPECT_EQ(*v.get_string("k"), "v");
}

TEST(XmlReader, RecordsOffsetsOfElementsInTheOriginalBytes) {
  // The BOM and the leading newline must not shift offsets.
  std::string text =
      "\xEF\xBB\xBF\n<plist><dict><key>k</key><array><integer>1</integer></array>"
      "</dict></plist>\n";
  Result<Document> doc = parse(text);
  ASSERT_TRUE(doc) << doc.error().format();
  const Value& root = doc->root;
  EXPECT_EQ(root.offset(), text.find("<dict>"));
  const DictEntry& e = root.as_dict().entries()[0];
  EXPECT_EQ(e.key_offset, text.find("<key>"));
  EXPECT_EQ(e.value.offset(), text.find("<array>"));
  EXPECT_EQ(e.value.as_array()[0].offset(), text.find("<integer>"));
  SourceText::Position p = doc->source->position(e.value.offset());
  EXPECT_EQ(p.line, 2);
  EXPECT_EQ(doc->source->text(), text);
  EXPECT_EQ(doc->source->name(), "t.plist");
}

TEST(XmlReader, NamesStandardInputInDiagnostics) {
  ReadOptions options;
  options.file_name = "-";
  Result<Document> doc = read_xml("<plist><bogus/></plist>", options);
  ASSERT_FALSE(doc);
  EXPECT_EQ(doc.error().diagnostics[0].file, "<stdin>");
}

TEST(XmlReader, WarnsOnDuplicateKeyAndKeepsTheLaterValueInTheFirstPlace) {
  std::string text =
      "<plist>\n<dict>\n\t<key>A</key>\n\t<string>first</string>\n\t<key>B</key>\n\t<true/>\n"
      "\t<key>A</key>\n\t<string>second</string>\n</dict>\n</plist>\n";
  Result<Document> doc = parse(text);
  ASSERT_TRUE(doc) << doc.error().format();
  const Dict& d = doc->root.as_dict();
  ASSERT_EQ(d.size(), 2u);
  EXPECT_EQ(d.entries()[0].key, "A");
  EXPECT_EQ(d.entries()[0].value, Value("second"));
  EXPECT_EQ(d.entries()[1].key, "B");
  ASSERT_EQ(doc->warnings.size(), 1u);
  EXPECT_EQ(doc->warnings[0].severity, Severity::kWarning);
  EXPECT_EQ(
      doc->warnings[0].format(),
      "t.plist:7:2: warning: duplicate key \"A\" (first at 3:2); the later value wins (at A)\n"
      "\t<key>A</key>\n"
      "\t^\n");
}

TEST(XmlReader, FindsDuplicateKeysInLargeDicts) {
  std::string body = "<dict>";
  for (int i = 0; i < 40; ++i) {
    body += "<key>k" + std::to_string(i) + "</key><integer>" + std::to_string(i) + "</integer>";
  }
  body += "<key>k3</key><integer>-3</integer><key>k39</key><integer>-39</integer>";
  body += "<key>k40</key><integer>40</integer></dict>";
  Result<Document> doc = parse(plist("<dict><key>Outer</key>" + body + "</dict>"));
  ASSERT_TRUE(doc) << doc.error().format();
  const Value& inner = *doc->root.get("Outer");
  EXPECT_EQ(inner.as_dict().size(), 41u);
  EXPECT_EQ(inner.get("k3")->as_integer(), Integer(-3));
  EXPECT_EQ(inner.get("k39")->as_integer(), Integer(-39));
  EXPECT_EQ(inner.as_dict().entries()[3].key, "k3");
  ASSERT_EQ(doc->warnings.size(), 2u);
  EXPECT_EQ(doc->warnings[0].key_path, "Outer.k3");
  EXPECT_EQ(doc->warnings[1].key_path, "Outer.k39");
}

// Small documents are parsed in a buffer on the stack, larger ones on the heap: read documents
// on both sides of that size, with an error near the end of each to check the offsets too.
TEST(XmlReader, ReadsDocumentsOfEverySizeAroundTheParseBufferLimit) {
  for (std::size_t size : {1000u, 16 * 1024u - 100, 16 * 1024u - 40, 16 * 1024u - 17,
                           16 * 1024u - 16, 16 * 1024u, 16 * 1024u + 1, 40000u}) {
    std::string text(size, 'x');
    EXPECT_EQ(parse_ok("<string>" + text + "</string>"), Value(text)) << size;
    std::string error = error_of("<string>" + text + "</string><x/>");
    std::string expected =
        "t.plist:1:" + std::to_string(size + 18) + ": error: more than one root element";
    EXPECT_EQ(error.substr(0, expected.size()), expected) << size;
  }
}

TEST(XmlReader, AcceptsNestingUpToTheLimit) {
  ReadOptions options;
  options.max_depth = 3;
  EXPECT_TRUE(parse("<array><array><array><string/></array></array></array>", options));
}

// ---- Rejections, with the exact diagnostic ----

TEST(XmlReaderErrors, EmptyInput) {
  EXPECT_EQ(error_of(""), "t.plist: error: empty input: expected a property list\n");
  EXPECT_EQ(error_of(" \n\t\n"), "t.plist: error: empty input: expected a property list\n");
  EXPECT_EQ(error_of(std::string("\xEF\xBB\xBF\n\0", 5)),
            "t.plist: error: empty input: expected a property list\n");
}

TEST(XmlReaderErrors, InputOverTheSizeLimit) {
  ReadOptions options;
  options.max_bytes = 16;
  EXPECT_EQ(error_of("<plist><string>0123456789</string></plist>", options),
            "t.plist: error: input is 42 bytes, over the limit of 16 bytes\n");
  EXPECT_EQ(kMaxInputBytes, 64u * 1024 * 1024);
}

TEST(XmlReaderErrors, InvalidUtf8AtTheExactByteWithTheLineShownAsText) {
  EXPECT_EQ(error_of("<plist>\n<string>caf\xE9</string>\n</plist>"),
            "t.plist:2:12: error: invalid UTF-8: byte 0xE9 must be followed by a continuation "
            "byte, not 0x3C\n"
            "<string>caf?</string>\n"
            "           ^\n");
  EXPECT_EQ(error_of("<string>\x80</string>"),
            "t.plist:1:9: error: invalid UTF-8: unexpected continuation byte 0x80\n"
            "<string>?</string>\n"
            "        ^\n");
  EXPECT_EQ(error_of("<string>\xC0\xAF</string>"),
            "t.plist:1:9: error: invalid UTF-8: byte 0xC0 never occurs in UTF-8\n"
            "<string>\?\?</string>\n"
            "        ^\n");
  EXPECT_EQ(error_of("<string>\xED\xA0\x80</string>"),
            "t.plist:1:9: error: invalid UTF-8: a UTF-16 surrogate\n"
            "<string>\?\?\?</string>\n"
            "        ^\n");
  EXPECT_EQ(error_of("<string>\xE0\x80\x80</string>"),
            "t.plist:1:9: error: invalid UTF-8: an overlong encoding\n"
            "<string>\?\?\?</string>\n"
            "        ^\n");
  EXPECT_EQ(error_of("<string>\xF4\x90\x80\x80</string>"),
            "t.plist:1:9: error: invalid UTF-8: a code point above U+10FFFF\n"
            "<string>\?\?\?\?</string>\n"
            "        ^\n");
  EXPECT_EQ(error_of("<string>x</string>\xF0\x9F"),
            "t.plist:1:19: error: invalid UTF-8: the input ends inside a character\n"
            "<string>x</string>\?\?\n"
            "                  ^\n");
}

// The character check skips plain ASCII 32 bytes at a time and jumps to the byte its mask
// points at: put a bad byte, and a valid two-byte character, at every position around those
// blocks, and a bad byte at every distance from the end of the input.
TEST(XmlReaderErrors, FindsABadByteAtEveryPositionOfTheBlockScan) {
  for (std::size_t len = 1; len <= 80; ++len) {
    for (std::size_t pos = 0; pos < len; ++pos) {
      std::string text(len, 'x');
      text[pos] = '\x01';
      std::string expected = "t.plist:1:" + std::to_string(9 + pos) +
                             ": error: control character U+0001 is not allowed in XML";
      std::string error = error_of("<string>" + text + "</string>");
      ASSERT_EQ(error.substr(0, expected.size()), expected) << "len " << len << " pos " << pos;

      std::string utf8(len, 'x');
      utf8.replace(pos, 1, "\xC3\xA9");
      ASSERT_EQ(parse_ok("<string>" + utf8 + "</string>"), Value(utf8))
          << "len " << len << " pos " << pos;
    }
  }
  for (std::size_t spaces = 0; spaces <= 40; ++spaces) {
    std::string expected = "t.plist:1:" + std::to_string(19 + spaces) +
                           ": error: invalid UTF-8: unexpected continuation byte 0x80";
    std::string error = error_of("<string>x</string>" + std::string(spaces, ' ') + "\x80");
    ASSERT_EQ(error.substr(0, expected.size()), expected) << "spaces " << spaces;
  }
}

TEST(XmlReaderErrors, Utf16InputIsNamed) {
  EXPECT_EQ(error_of(std::string("\xFF\xFE<\0p\0", 6)),
            "t.plist: error: UTF-16 input is not supported: convert it to UTF-8 (plutil -convert "
            "xml1)\n");
}

TEST(XmlReaderErrors, ControlCharactersAndInnerNulBytes) {
  EXPECT_EQ(error_of("<plist>\n  <string>a\x01</string>\n</plist>"),
            "t.plist:2:12: error: control character U+0001 is not allowed in XML (binary content "
            "goes in <data>)\n"
            "  <string>a?</string>\n"
            "           ^\n");
  EXPECT_EQ(error_of(std::string("<string>a\0b</string>", 20)),
            "t.plist:1:10: error: NUL byte inside the document (allowed only after the end)\n"
            "<string>a?b</string>\n"
            "         ^\n");
}

TEST(XmlReaderErrors, UnclosedElementIsNamedAtItsStartTag) {
  EXPECT_EQ(error_of("<plist>\n<dict>\n  <key>a</key>\n  <string>x</string>\n</plist>\n"),
            "t.plist:5:1: error: malformed XML: found </plist>, expected </dict> to close <dict> "
            "at 2:1\n"
            "</plist>\n"
            "^\n");
  EXPECT_EQ(error_of("<plist>\n<dict>\n  <key>a</key>\n"),
            "t.plist:2:1: error: malformed XML: <dict> is never closed (expected </dict>)\n"
            "<dict>\n"
            "^\n");
}

TEST(XmlReaderErrors, MistypedEndTagPointsAtTheOpenElement) {
  // The Chrome sample in the corpus has "/string>" for "</string>".
  EXPECT_EQ(error_of("<plist>\n<dict>\n  <key>a</key>\n  <string>x/string>\n</dict>\n</plist>\n"),
            "t.plist:5:1: error: malformed XML: found </dict>, expected </string> to close "
            "<string> at 4:3\n"
            "</dict>\n"
            "^\n");
}

TEST(XmlReaderErrors, OtherMarkupErrors) {
  EXPECT_EQ(error_of("<plist>\n<!-- open\n<string/>\n</plist>\n"),
            "t.plist:2:1: error: malformed XML: bad comment (expected <!-- ... -->)\n"
            "<!-- open\n"
            "^\n");
  EXPECT_EQ(error_of("<plist><string a=>x</string></plist>"),
            "t.plist:1:18: error: malformed XML: bad attribute (expected name=\"value\")\n"
            "<plist><string a=>x</string></plist>\n"
            "                 ^\n");
  EXPECT_EQ(error_of("<plist><string>a < b</string></plist>"),
            "t.plist:1:18: error: malformed XML: '<' does not start a tag (write it as &lt; in "
            "text)\n"
            "<plist><string>a < b</string></plist>\n"
            "                 ^\n");
  EXPECT_EQ(error_of("<plist><string>x</string></plist"),
            "t.plist:1:26: error: malformed XML: bad end tag (expected </name>)\n"
            "<plist><string>x</string></plist\n"
            "                         ^\n");
}

TEST(XmlReaderErrors, KeyWithoutValue) {
  EXPECT_EQ(
      error_of("<plist>\n<dict>\n\t<key>A</key>\n\t<key>B</key>\n\t<true/>\n</dict>\n</plist>"),
      "t.plist:3:2: error: <key> without a value (at A)\n"
      "\t<key>A</key>\n"
      "\t^\n");
  EXPECT_EQ(error_of("<plist>\n<dict>\n\t<key>A</key>\n</dict>\n</plist>"),
            "t.plist:3:2: error: <key> without a value (at A)\n"
            "\t<key>A</key>\n"
            "\t^\n");
}

TEST(XmlReaderErrors, ValueWithoutKey) {
  EXPECT_EQ(
      error_of("<plist>\n<dict>\n\t<key>A</key>\n\t<true/>\n\t<string>x</string>\n</dict>\n"
               "</plist>"),
      "t.plist:5:2: error: <string> without a <key> (each value in a <dict> follows its key)\n"
      "\t<string>x</string>\n"
      "\t^\n");
}

TEST(XmlReaderErrors, UnknownElementsWithSuggestion) {
  EXPECT_EQ(
      error_of("<plist>\n<dict>\n\t<key>N</key>\n\t<interger>1</interger>\n</dict>\n</plist>"),
      "t.plist:4:2: error: unknown element <interger>; did you mean <integer>? (at N)\n"
      "\t<interger>1</interger>\n"
      "\t^\n");
  EXPECT_EQ(error_of("<plist><array><bogus/></array></plist>"),
            "t.plist:1:15: error: unknown element <bogus>: expected <dict>, <array>, <string>, "
            "<integer>, <real>, <true/>, <false/>, <date> or <data> (at [0])\n"
            "<plist><array><bogus/></array></plist>\n"
            "              ^\n");
  EXPECT_EQ(error_of("<html><body/></html>"),
            "t.plist:1:1: error: unknown element <html>: expected <plist> or a value element\n"
            "<html><body/></html>\n"
            "^\n");
  EXPECT_EQ(error_of("<plist><dict><bogus/></dict></plist>"),
            "t.plist:1:14: error: unknown element <bogus>: expected <dict>, <array>, <string>, "
            "<integer>, <real>, <true/>, <false/>, <date> or <data>\n"
            "<plist><dict><bogus/></dict></plist>\n"
            "             ^\n");
}

TEST(XmlReaderErrors, KeyOutsideADict) {
  EXPECT_EQ(error_of("<plist><array><key>k</key></array></plist>"),
            "t.plist:1:15: error: <key> outside a <dict> (at [0])\n"
            "<plist><array><key>k</key></array></plist>\n"
            "              ^\n");
  EXPECT_EQ(error_of("<plist><key>k</key></plist>"),
            "t.plist:1:8: error: <key> outside a <dict>\n"
            "<plist><key>k</key></plist>\n"
            "       ^\n");
}

TEST(XmlReaderErrors, PlistElementInsideAValue) {
  EXPECT_EQ(error_of("<plist><array><plist/></array></plist>"),
            "t.plist:1:15: error: <plist> inside a value (it is allowed only as the root element) "
            "(at [0])\n"
            "<plist><array><plist/></array></plist>\n"
            "              ^\n");
}

TEST(XmlReaderErrors, IntegersOutOfRangeOrMalformed) {
  EXPECT_EQ(error_of("<plist><integer>18446744073709551616</integer></plist>"),
            "t.plist:1:17: error: <integer> \"18446744073709551616\" is out of range "
            "(-9223372036854775808 to 18446744073709551615)\n"
            "<plist><integer>18446744073709551616</integer></plist>\n"
            "                ^\n");
  EXPECT_EQ(error_of("<plist><integer> -9223372036854775809</integer></plist>"),
            "t.plist:1:18: error: <integer> \"-9223372036854775809\" is out of range "
            "(-9223372036854775808 to 18446744073709551615)\n"
            "<plist><integer> -9223372036854775809</integer></plist>\n"
            "                 ^\n");
  EXPECT_EQ(error_of("<plist><integer>12a</integer></plist>"),
            "t.plist:1:19: error: malformed <integer> \"12a\": expected decimal digits or 0x and "
            "hex digits, with an optional sign\n"
            "<plist><integer>12a</integer></plist>\n"
            "                  ^\n");
  EXPECT_EQ(error_of("<plist><integer>1.0</integer></plist>"),
            "t.plist:1:18: error: malformed <integer> \"1.0\": expected decimal digits or 0x and "
            "hex digits, with an optional sign\n"
            "<plist><integer>1.0</integer></plist>\n"
            "                 ^\n");
  EXPECT_EQ(error_of("<plist><integer>0x</integer></plist>"),
            "t.plist:1:19: error: malformed <integer> \"0x\": expected decimal digits or 0x and "
            "hex digits, with an optional sign\n"
            "<plist><integer>0x</integer></plist>\n"
            "                  ^\n");
  EXPECT_EQ(error_of("<plist><integer/></plist>"),
            "t.plist:1:8: error: empty <integer>: expected a number\n"
            "<plist><integer/></plist>\n"
            "       ^\n");
}

TEST(XmlReaderErrors, MalformedReals) {
  EXPECT_EQ(error_of("<plist><real>1.2.3</real></plist>"),
            "t.plist:1:17: error: malformed <real> \"1.2.3\": expected a decimal number (1.5, "
            "-2e10), nan or inf\n"
            "<plist><real>1.2.3</real></plist>\n"
            "                ^\n");
  EXPECT_EQ(error_of("<plist><real>0x1p3</real></plist>"),
            "t.plist:1:15: error: malformed <real> \"0x1p3\": expected a decimal number (1.5, "
            "-2e10), nan or inf\n"
            "<plist><real>0x1p3</real></plist>\n"
            "              ^\n");
  EXPECT_EQ(error_of("<plist><real>1e</real></plist>"),
            "t.plist:1:16: error: malformed <real> \"1e\": expected a decimal number (1.5, "
            "-2e10), nan or inf\n"
            "<plist><real>1e</real></plist>\n"
            "               ^\n");
  EXPECT_EQ(error_of("<plist><real></real></plist>"),
            "t.plist:1:8: error: empty <real>: expected a number\n"
            "<plist><real></real></plist>\n"
            "       ^\n");
}

TEST(XmlReaderErrors, MalformedDates) {
  EXPECT_EQ(error_of("<plist><date>2026-01-01 00:00:00</date></plist>"),
            "t.plist:1:24: error: malformed <date> \"2026-01-01 00:00:00\": expected "
            "YYYY-MM-DDTHH:MM:SSZ (UTC)\n"
            "<plist><date>2026-01-01 00:00:00</date></plist>\n"
            "                       ^\n");
  EXPECT_EQ(error_of("<plist><date>2026-01-01T00:00:00Zjunk</date></plist>"),
            "t.plist:1:34: error: malformed <date> \"2026-01-01T00:00:00Zjunk\": expected "
            "YYYY-MM-DDTHH:MM:SSZ (UTC)\n"
            "<plist><date>2026-01-01T00:00:00Zjunk</date></plist>\n"
            "                                 ^\n");
  EXPECT_EQ(error_of("<plist><date>2026-01Z</date></plist>"),
            "t.plist:1:21: error: malformed <date> \"2026-01Z\": expected YYYY-MM-DDTHH:MM:SSZ "
            "(UTC)\n"
            "<plist><date>2026-01Z</date></plist>\n"
            "                    ^\n");
  EXPECT_EQ(error_of("<plist><date>2023-02-29T00:00:00Z</date></plist>"),
            "t.plist:1:22: error: <date> \"2023-02-29T00:00:00Z\" is not a valid date and time: "
            "day 29 is not 01 to 28 (February 2023)\n"
            "<plist><date>2023-02-29T00:00:00Z</date></plist>\n"
            "                     ^\n");
  EXPECT_EQ(error_of("<plist><date>2023-01-01T24:00:00Z</date></plist>"),
            "t.plist:1:25: error: <date> \"2023-01-01T24:00:00Z\" is not a valid date and time: "
            "hour 24 is not 00 to 23\n"
            "<plist><date>2023-01-01T24:00:00Z</date></plist>\n"
            "                        ^\n");
  EXPECT_EQ(error_of("<plist><date/></plist>"),
            "t.plist:1:8: error: empty <date>: expected YYYY-MM-DDTHH:MM:SSZ (UTC)\n"
            "<plist><date/></plist>\n"
            "       ^\n");
}

TEST(XmlReaderErrors, MalformedBase64PointsAtTheBadCharacter) {
  EXPECT_EQ(error_of("<plist>\n<data>\n\tAAEC\n\tA*==\n</data>\n</plist>"),
            "t.plist:4:3: error: malformed <data>: invalid character in base64 data\n"
            "\tA*==\n"
            "\t ^\n");
  // With an entity in the text the offsets no longer match: point at the element.
  EXPECT_EQ(error_of("<plist><data>&#65;*</data></plist>"),
            "t.plist:1:8: error: malformed <data>: invalid character in base64 data\n"
            "<plist><data>&#65;*</data></plist>\n"
            "       ^\n");
}

TEST(XmlReaderErrors, NestingDeeperThanTheLimit) {
  ReadOptions options;
  options.max_depth = 2;
  EXPECT_EQ(error_of("<plist><dict><key>a</key><array><array/></array></dict></plist>", options),
            "t.plist:1:33: error: nesting deeper than 2 levels of <dict> and <array> (at a[0])\n"
            "<plist><dict><key>a</key><array><array/></array></dict></plist>\n"
            "                                ^\n");
  std::string deep;
  for (int i = 0; i < kMaxDepth + 1; ++i) deep += "<array>";
  for (int i = 0; i < kMaxDepth + 1; ++i) deep += "</array>";
  std::string message = error_of(deep);
  EXPECT_EQ(message.substr(0, message.find('\n')),
            "t.plist:1:897: error: nesting deeper than 128 levels of <dict> and <array> (at "
            "[0][0][0][0][0][0] ... [0][0][0][0][0][0])");
}

TEST(XmlReaderErrors, TextInsideContainers) {
  EXPECT_EQ(error_of("<plist>\n<dict>\n\tstray\n</dict>\n</plist>"),
            "t.plist:3:2: error: unexpected text in <dict>: expected <key> and value elements\n"
            "\tstray\n"
            "\t^\n");
  EXPECT_EQ(error_of("<plist><array><true/>x</array></plist>"),
            "t.plist:1:22: error: unexpected text in <array>: expected value elements\n"
            "<plist><array><true/>x</array></plist>\n"
            "                     ^\n");
  EXPECT_EQ(error_of("<plist>x<true/></plist>"),
            "t.plist:1:8: error: unexpected text in <plist>: expected one value element\n"
            "<plist>x<true/></plist>\n"
            "       ^\n");
  EXPECT_EQ(error_of("<plist><true>yes</true></plist>"),
            "t.plist:1:14: error: unexpected text in <true/>: expected an empty element\n"
            "<plist><true>yes</true></plist>\n"
            "             ^\n");
}

TEST(XmlReaderErrors, ElementsInsideScalars) {
  EXPECT_EQ(
      error_of("<plist><dict><key>k</key><string>a<b/>c</string></dict></plist>"),
      "t.plist:1:35: error: unexpected element <b> inside <string>: expected text only (at k)\n"
      "<plist><dict><key>k</key><string>a<b/>c</string></dict></plist>\n"
      "                                  ^\n");
  EXPECT_EQ(error_of("<plist><dict><key>k<string/></key><true/></dict></plist>"),
            "t.plist:1:20: error: unexpected element <string> inside <key>: expected text only\n"
            "<plist><dict><key>k<string/></key><true/></dict></plist>\n"
            "                   ^\n");
}

TEST(XmlReaderErrors, MoreThanOneRootValue) {
  EXPECT_EQ(error_of("<plist>\n<dict/>\n<dict/>\n</plist>"),
            "t.plist:3:1: error: more than one value in <plist> (a plist holds one root value)\n"
            "<dict/>\n"
            "^\n");
  EXPECT_EQ(error_of("<plist><dict/></plist>\n<plist><dict/></plist>"),
            "t.plist:2:1: error: more than one root element (the plist ends at </plist>)\n"
            "<plist><dict/></plist>\n"
            "^\n");
  EXPECT_EQ(error_of("<plist>\n</plist>"),
            "t.plist:1:1: error: empty <plist>: expected one value element\n"
            "<plist>\n"
            "^\n");
}

TEST(XmlReaderErrors, TextOutsideTheRootElement) {
  EXPECT_EQ(error_of("This is not a plist.\n"),
            "t.plist:1:1: error: not a property list: expected XML with <plist> or a value "
            "element\n"
            "This is not a plist.\n"
            "^\n");
  EXPECT_EQ(error_of("junk <plist><true/></plist>"),
            "t.plist:1:1: error: text before the root element (expected '<')\n"
            "junk <plist><true/></plist>\n"
            "^\n");
  EXPECT_EQ(error_of("<plist><true/></plist>\ntrailing\n"),
            "t.plist:2:1: error: text after the root element </plist>\n"
            "trailing\n"
            "^\n");
  EXPECT_EQ(error_of("<?xml version=\"1.0\"?>\n<!-- nothing -->\n"),
            "t.plist: error: no root element: expected <plist> or a value element\n");
}

TEST(XmlReaderErrors, EntitiesXmlDoesNotDefine) {
  EXPECT_EQ(error_of("<plist><string>&nbsp;</string></plist>"),
            "t.plist:1:16: error: unknown entity &nbsp; (plists know only &lt; &gt; &amp; &quot; "
            "&apos; and &#N;)\n"
            "<plist><string>&nbsp;</string></plist>\n"
            "               ^\n");
  EXPECT_EQ(error_of("<plist><string>R&D</string></plist>"),
            "t.plist:1:17: error: '&' must be written as &amp; in text\n"
            "<plist><string>R&D</string></plist>\n"
            "                ^\n");
  EXPECT_EQ(error_of("<plist><string>a&#1;</string></plist>"),
            "t.plist:1:17: error: character reference &#1; is not a character XML allows (binary "
            "content goes in <data>)\n"
            "<plist><string>a&#1;</string></plist>\n"
            "                ^\n");
  EXPECT_EQ(error_of("<plist><string>&#0;</string></plist>"),
            "t.plist:1:16: error: character reference &#0; is not a character XML allows (binary "
            "content goes in <data>)\n"
            "<plist><string>&#0;</string></plist>\n"
            "               ^\n");
  EXPECT_EQ(error_of("<plist><string>&#xZZ;</string></plist>"),
            "t.plist:1:16: error: malformed character reference &#xZZ; (expected &#DIGITS; or "
            "&#xHEX;)\n"
            "<plist><string>&#xZZ;</string></plist>\n"
            "               ^\n");
}

TEST(XmlReaderErrors, KeyPathLeadsToTheBadValue) {
  std::string text = std::string(kHeader) +
                     "<plist version=\"1.0\">\n<dict>\n\t<key>PayloadContent</key>\n\t<array>\n"
                     "\t\t<dict/>\n\t\t<dict>\n\t\t\t<key>PayloadVersion</key>\n"
                     "\t\t\t<integer>one</integer>\n\t\t</dict>\n\t</array>\n</dict>\n</plist>\n";
  EXPECT_EQ(error_of(text),
            "t.plist:10:13: error: malformed <integer> \"one\": expected decimal digits or 0x and "
            "hex digits, with an optional sign (at PayloadContent[1].PayloadVersion)\n"
            "\t\t\t<integer>one</integer>\n"
            "\t\t\t         ^\n");
}

// ---- Robustness ----

TEST(XmlReaderRobustness, MutatedInputsGiveAValueOrADiagnosticNeverACrash) {
  const std::string seed = std::string(kHeader) +
                           "<plist version=\"1.0\">\n<dict>\n\t<key>A</key>\n\t<string>x &amp; y"
                           "</string>\n\t<key>B</key>\n\t<array>\n\t\t<integer>-5</integer>\n"
                           "\t\t<real>1.5e3</real>\n\t\t<date>2020-01-01T00:00:00Z</date>\n"
                           "\t\t<data>AAEC</data>\n\t\t<true/>\n\t</array>\n\t<!-- c -->\n"
                           "\t<key>C</key>\n\t<string><![CDATA[<z>]]>\xC3\xA9</string>\n"
                           "</dict>\n</plist>\n";
  using namespace std::string_literals;  // the alphabet holds a NUL
  const std::string alphabet = "<>/!?-[]&;#x\"'= \n\r\t\0\x80\xC3\xFF"s + "abkeydictarystring";
  std::mt19937 rng(20261128);
  int ok = 0, rejected = 0;
  for (int round = 0; round < 3000; ++round) {
    std::string text = seed;
    int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits && !text.empty(); ++e) {
      std::size_t at = rng() % text.size();
      switch (rng() % 4) {
        case 0:
          text[at] = alphabet[rng() % alphabet.size()];
          break;
        case 1:
          text.insert(at, 1, alphabet[rng() % alphabet.size()]);
          break;
        case 2:
          text.erase(at, 1 + rng() % 8);
          break;
        default:
          text.resize(at);
          break;
      }
    }
    Result<Document> doc = read_xml(text, {});
    if (doc) {
      ++ok;
      continue;
    }
    ++rejected;
    ASSERT_EQ(doc.error().code, ExitCode::kDataError) << text;
    ASSERT_FALSE(doc.error().diagnostics.empty()) << text;
    EXPECT_FALSE(doc.error().diagnostics[0].message.empty()) << text;
    EXPECT_FALSE(doc.error().format().empty());
  }
  EXPECT_GT(ok, 0);
  EXPECT_GT(rejected, 0);
}

// ---- The dev corpus ----

std::vector<std::vector<std::string>> read_index(const std::string& path) {
  std::vector<std::vector<std::string>> rows;
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    std::vector<std::string> cells;
    std::stringstream ss(line);
    std::string cell;
    while (std::getline(ss, cell, '\t')) cells.push_back(cell);
    while (cells.size() < 7) cells.emplace_back();
    rows.push_back(cells);
  }
  return rows;
}

TEST(XmlReaderCorpus, ParsesEveryXmlProfileAndRejectsTheRestCleanly) {
  const std::string dir = std::string(CMDM_SHARED_DIR) + "/corpus/dev";
  if (!std::filesystem::exists(dir + "/INDEX.tsv")) {
    GTEST_SKIP() << "no corpus at " << dir << " (set CMDM_SHARED_DIR to the shared directory)";
  }
  int parsed = 0, rejected = 0;
  for (const std::vector<std::string>& row : read_index(dir + "/INDEX.tsv")) {
    const std::string& path = row[0];
    const std::string& format = row[3];
    const std::string& flags = row[6];
    Result<std::string> bytes = read_file(dir + "/" + path);
    ASSERT_TRUE(bytes) << bytes.error().format();
    ReadOptions options;
    options.file_name = path;
    Result<Document> doc = read_xml(*bytes, options);
    bool plistlib_rejects = flags.find("plist-parse-error") != std::string::npos;
    // plistlib rejects NUL padding and whitespace before <?xml; CoreFoundation, and cmdm, accept.
    bool we_accept = flags.find("nul-bytes") != std::string::npos ||
                     flags.find("leading-ws") != std::string::npos;
    if (format == "xml" && (!plistlib_rejects || we_accept)) {
      EXPECT_TRUE(doc) << doc.error().format();
      if (doc) {
        EXPECT_TRUE(doc->root.is_dict()) << path;
        EXPECT_EQ(doc->root.offset() == kNoOffset, false) << path;
      }
    } else {
      EXPECT_FALSE(doc) << path;
    }
    if (doc) {
      ++parsed;
    } else {
      ++rejected;
      ASSERT_FALSE(doc.error().diagnostics.empty());
      const Diagnostic& d = doc.error().diagnostics[0];
      EXPECT_EQ(doc.error().code, ExitCode::kDataError);
      EXPECT_GT(d.line, 0) << path;
      EXPECT_EQ(d.file, path);
    }
  }
  EXPECT_EQ(parsed, 155);
  EXPECT_EQ(rejected, 65);  // 63 CMS-signed (not XML), one plain text, one malformed XML
}

}  // namespace
}  // namespace cmdm::plist
