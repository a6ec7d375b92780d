// Templates on the parsed tree: placeholders, typed placeholders, cmdm:if / cmdm:each /
// cmdm:value in XML, JSON and YAML, pass-through of MDM variables, and error positions.
#include "compiler/template.h"

#include <gtest/gtest.h>

#include "compiler/compiler.h"
#include "plist/reader.h"

namespace cmdm::compiler {
namespace {

Context vars() {
  Context c;
  c.set("team_ids",
        plist::Value(plist::Array{plist::Value("ABCDE12345"), plist::Value("FGHIJ67890")}));
  c.set("n", plist::Value(7));
  c.set("digits", plist::Value("42"));
  c.set("org", plist::Value("Example & Co"));
  c.set("facts.os_version", plist::Value("10.13.6"));
  plist::Dict prefs;
  prefs.set("autohide", plist::Value(true));
  prefs.set("tilesize", plist::Value(48));
  c.set("dock", plist::Value(std::move(prefs)));
  return c;
}

std::string plist_xml(const std::string& body) {
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<plist version=\"1.0\">\n" + body +
         "\n</plist>\n";
}

Result<CompiledProfile> compile(const std::string& text, const std::string& name = "t.mobileconfig",
                                const Context& context = vars()) {
  CompileOptions o;
  o.fill_identity = false;
  return compile_bytes(text, name, context, o);
}

plist::Value ok(const std::string& text, const std::string& name = "t.mobileconfig") {
  Result<CompiledProfile> r = compile(text, name);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().format());
  return r.ok() ? r->profile : plist::Value();
}

std::string error_text(const std::string& text, const std::string& name = "t.mobileconfig",
                       const Context& context = vars()) {
  Result<CompiledProfile> r = compile(text, name, context);
  EXPECT_FALSE(r.ok());
  return r.ok() ? "" : r.error().format();
}

TEST(Template, PlaceholderInStringAndKeyText) {
  plist::Value v =
      ok(plist_xml("<dict><key>Org</key><string>by {{ org }}, n={{ n }}</string>"
                   "<key>k_{{ n }}</key><true/></dict>"));
  EXPECT_EQ(*v.get_string("Org"), "by Example & Co, n=7");
  EXPECT_EQ(*v.get("k_7"), plist::Value(true));
}

TEST(Template, WholePlaceholderTakesTheElementType) {
  plist::Value v =
      ok(plist_xml("<dict><key>a</key><integer>{{ n }}</integer>"
                   "<key>b</key><integer> {{ digits }} </integer>"
                   "<key>c</key><real>{{ n }}</real>"
                   "<key>d</key><string>{{ n }}</string>"
                   "<key>e</key><date>{{ '2026-01-01T00:00:00Z' }}</date>"
                   "<key>f</key><data>{{ 'aGk=' }}</data>"
                   "<key>g</key><integer>1{{ n }}</integer></dict>"));
  EXPECT_EQ(*v.get("a"), plist::Value(7));
  EXPECT_EQ(*v.get("b"), plist::Value(42));
  EXPECT_EQ(*v.get("c"), plist::Value(7.0));
  EXPECT_EQ(*v.get("d"), plist::Value("7"));
  EXPECT_EQ(v.get("e")->as_date().to_iso8601(), "2026-01-01T00:00:00Z");
  EXPECT_EQ(*v.get("f"), plist::Value(plist::Data{'h', 'i'}));
  EXPECT_EQ(*v.get("g"), plist::Value(17));
}

TEST(Template, IfOnKeyDropsTheKeyAndItsValue) {
  std::string src = plist_xml(
      "<dict><key>Always</key><true/>"
      "<key cmdm:if=\"facts.os_version &gt;= '10.13.4'\">SkipPrivacySetup</key><true/>"
      "<key cmdm:if=\"facts.os_version &lt; '10.13'\">Old</key><dict><key>x</key><true/></dict>"
      "</dict>");
  plist::Value v = ok(src);
  EXPECT_TRUE(v.get("SkipPrivacySetup"));
  EXPECT_FALSE(v.get("Old"));
  EXPECT_EQ(v.as_dict().size(), 2u);
  Context older = vars();
  older.set("facts.os_version", plist::Value("10.13.3"));
  Result<CompiledProfile> r = compile(src, "t.mobileconfig", older);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->profile.get("SkipPrivacySetup"));
}

TEST(Template, IfOnArrayElementsAndPayloadDicts) {
  plist::Value v = ok(plist_xml(
      "<dict><key>PayloadContent</key><array>"
      "<dict cmdm:if=\"n &gt; 5\"><key>PayloadType</key><string>com.apple.dock</string></dict>"
      "<dict cmdm:if=\"n &gt; 50\"><key>PayloadType</key><string>com.apple.finder</string></dict>"
      "</array><key>L</key><array><string cmdm:if=\"false\">x</string><string>y</string></array>"
      "</dict>"));
  ASSERT_EQ(v.get("PayloadContent")->as_array().size(), 1u);
  EXPECT_EQ(*v.get("PayloadContent")->as_array()[0].get_string("PayloadType"), "com.apple.dock");
  EXPECT_EQ(*v.get("L"), plist::Value(plist::Array{plist::Value("y")}));
}

TEST(Template, EachRepeatsAnArrayElementPerItem) {
  plist::Value v =
      ok(plist_xml("<dict><key>AllowedTeamIdentifiers</key><array>"
                   "<string>FIRST</string>"
                   "<string cmdm:each=\"t in team_ids\">{{ t }}</string>"
                   "<dict cmdm:each=\"t in team_ids\" cmdm:if=\"t != "
                   "'FGHIJ67890'\"><key>id</key><string>{{ t }}</string></dict>"
                   "</array></dict>"));
  const plist::Array& a = v.get("AllowedTeamIdentifiers")->as_array();
  ASSERT_EQ(a.size(), 4u);
  EXPECT_EQ(a[1], plist::Value("ABCDE12345"));
  EXPECT_EQ(a[2], plist::Value("FGHIJ67890"));
  EXPECT_EQ(*a[3].get_string("id"), "ABCDE12345");
}

TEST(Template, ValueReplacesAnElementWithATypedValue) {
  plist::Value v =
      ok(plist_xml("<dict><key>Teams</key><array cmdm:value=\"team_ids\"/>"
                   "<key>Dock</key><dict cmdm:value=\"dock\"/>"
                   "<key>N</key><string cmdm:value=\"n\"/></dict>"));
  EXPECT_EQ(v.get("Teams")->as_array().size(), 2u);
  EXPECT_EQ(*v.get("Dock")->get("tilesize"), plist::Value(48));
  EXPECT_EQ(*v.get("N"), plist::Value(7));
}

TEST(Template, MdmVariablesPassThroughUntouched) {
  std::string body =
      "<dict><key>User</key><string>$USERNAME</string>"
      "<key>Serial</key><string>%SerialNumber%</string>"
      "<key>Fleet</key><string>$FLEET_VAR_HOST_END_USER_EMAIL_IDP</string>"
      "<key>Braces</key><string>${DEVICE_SERIAL} and {{ n }}</string></dict>";
  plist::Value v = ok(plist_xml(body));
  EXPECT_EQ(*v.get_string("User"), "$USERNAME");
  EXPECT_EQ(*v.get_string("Serial"), "%SerialNumber%");
  EXPECT_EQ(*v.get_string("Fleet"), "$FLEET_VAR_HOST_END_USER_EMAIL_IDP");
  EXPECT_EQ(*v.get_string("Braces"), "${DEVICE_SERIAL} and 7");
}

TEST(Template, SourceWithoutTemplateSyntaxCompilesToItself) {
  std::string src = plist_xml(
      "<dict><key>A</key><string>$USERNAME %x% ${y}</string><key>B</key><integer>5</integer>"
      "<key>C</key><array><real>1.5</real><date>2026-01-01T00:00:00Z</date></array></dict>");
  Result<plist::Document> doc = plist::read(src);
  ASSERT_TRUE(doc.ok());
  Result<CompiledProfile> r = compile(src);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->templated);
  EXPECT_EQ(r->profile, doc->root);
}

TEST(Template, ExpressionErrorsPointAtTheCharacterInTheSource) {
  std::string src =
      plist_xml("<dict>\n  <key>A</key>\n  <string>x &amp; {{ n +  }}</string>\n</dict>");
  EXPECT_EQ(error_text(src),
            "t.mobileconfig:5:24: error: unexpected character '+' (at A)\n"
            "  <string>x &amp; {{ n +  }}</string>\n"
            "                       ^\n");
  std::string undefined =
      plist_xml("<dict>\n<key cmdm:if=\"facts.os_vers &gt; '1'\">A</key><true/>\n</dict>");
  EXPECT_EQ(error_text(undefined),
            "t.mobileconfig:4:15: error: undefined name 'facts.os_vers'; did you mean "
            "'facts.os_version'? (at A)\n"
            "<key cmdm:if=\"facts.os_vers &gt; '1'\">A</key><true/>\n"
            "              ^\n");
}

TEST(Template, StructuralErrorsAreReported) {
  EXPECT_NE(error_text(plist_xml("<dict><key>A</key><string>{{ n </string></dict>"))
                .find("unterminated placeholder"),
            std::string::npos);
  EXPECT_NE(error_text(plist_xml("<dict><key>A</key><string cmdm:iff=\"n\">x</string></dict>"))
                .find("unknown directive 'cmdm:iff'; did you mean 'cmdm:if'?"),
            std::string::npos);
  EXPECT_NE(
      error_text(
          plist_xml("<dict><key>A</key><string cmdm:each=\"t in team_ids\">x</string></dict>"))
          .find("cannot be used on a dict value"),
      std::string::npos);
  EXPECT_NE(error_text(plist_xml("<dict><key>A</key><integer>{{ org }}</integer></dict>"))
                .find("malformed <integer> \"Example & Co\": expected decimal digits"),
            std::string::npos);
  EXPECT_NE(error_text(plist_xml("<dict><key>A</key><string>{{ team_ids }}</string></dict>"))
                .find("cannot use an array as <string>"),
            std::string::npos);
  EXPECT_NE(error_text(plist_xml("<array><string cmdm:each=\"t in n\">x</string></array>"))
                .find("cmdm:each needs an array"),
            std::string::npos);
}

TEST(Template, JsonKeepsIntegersAndRealsAndTypedPlaceholders) {
  plist::Value v = ok(R"({
    "I": 5, "R": 5.0, "B": true, "S": "x",
    "Teams": "{{ team_ids }}", "N": "{{ n }}", "Text": "n={{ n }}",
    "D": {"$data": "aGk="}, "T": {"$date": "2026-01-01T00:00:00Z"}
  })",
                      "p.json");
  EXPECT_EQ(*v.get("I"), plist::Value(5));
  EXPECT_EQ(*v.get("R"), plist::Value(5.0));
  EXPECT_EQ(*v.get("B"), plist::Value(true));
  EXPECT_EQ(v.get("Teams")->as_array().size(), 2u);
  EXPECT_EQ(*v.get("N"), plist::Value(7));
  EXPECT_EQ(*v.get("Text"), plist::Value("n=7"));
  EXPECT_EQ(*v.get("D"), plist::Value(plist::Data{'h', 'i'}));
  EXPECT_TRUE(v.get("T")->is_date());
}

TEST(Template, JsonDirectives) {
  plist::Value v = ok(R"({
    "Skip": {"cmdm:if": "facts.os_version >= '10.13.4'", "cmdm:item": true},
    "Gone": {"cmdm:if": "false", "cmdm:item": 1},
    "Teams": [{"cmdm:each": "t in team_ids", "cmdm:item": "{{ t }}"}, "LAST"],
    "Dock": {"cmdm:value": "dock"},
    "Payloads": [{"cmdm:if": "n > 5", "PayloadType": "com.apple.dock"}]
  })",
                      "p.json");
  EXPECT_EQ(*v.get("Skip"), plist::Value(true));
  EXPECT_FALSE(v.get("Gone"));
  EXPECT_EQ(v.get("Teams")->as_array().size(), 3u);
  EXPECT_EQ(*v.get("Dock")->get("autohide"), plist::Value(true));
  EXPECT_EQ(v.get("Payloads")->as_array()[0].as_dict().size(), 1u);
}

TEST(Template, JsonErrorsCarryLineAndColumn) {
  EXPECT_EQ(error_text("{\n  \"a\": 1,\n  \"b\": \"{{ nn }}\"\n}\n", "p.json"),
            "p.json:3:12: error: undefined name 'nn'; did you mean 'n'? (at b)\n"
            "  \"b\": \"{{ nn }}\"\n"
            "           ^\n");
  std::string malformed = error_text("{\n  \"a\": 1,\n}\n", "p.json");
  EXPECT_EQ(malformed.substr(0, 30), "p.json:3:1: error: malformed J");
  EXPECT_NE(error_text("{\"a\": null}", "p.json").find("null has no property-list"),
            std::string::npos);
}

TEST(Template, ChefOsxProfileHashCompilesAsIs) {
  // What Chef's osx_profile resource gets from `profile` as a Ruby hash, serialised with to_json.
  plist::Value v =
      ok(R"({"PayloadIdentifier":"com.example.screensaver","PayloadType":"Configuration",
    "PayloadVersion":1,"PayloadUUID":"8B1B8DA4-2F4C-4E4B-9A36-3E7E3E1F0C11",
    "PayloadContent":[{"PayloadType":"com.apple.screensaver","PayloadVersion":1,
      "PayloadIdentifier":"com.example.screensaver.1","PayloadUUID":"D4B9E3E2-7A3A-4D8C-8E3C-1F2B3C4D5E6F",
      "idleTime":600,"askForPassword":true}]})",
         "chef.json");
  EXPECT_EQ(*v.get("PayloadContent")->as_array()[0].get("idleTime"), plist::Value(600));
}

TEST(Template, YamlFollowsTheCoreSchemaForPlainScalars) {
  plist::Value v =
      ok("I: 5\nR: 5.5\nB: true\nV: 10.13.4\nQ: '10'\nS: hello\nH: 0x1F\n"
         "Teams: '{{ team_ids }}'\nN: '{{ n }}'\n"
         "Items:\n  - cmdm:each: t in team_ids\n    cmdm:item: '{{ t }}'\n"
         "Skip:\n  cmdm:if: facts.os_version >= '10.13.4'\n  cmdm:item: false\n"
         "D: {$data: aGk=}\n",
         "p.yaml");
  EXPECT_EQ(*v.get("I"), plist::Value(5));
  EXPECT_EQ(*v.get("R"), plist::Value(5.5));
  EXPECT_EQ(*v.get("B"), plist::Value(true));
  EXPECT_EQ(*v.get("V"), plist::Value("10.13.4"));
  EXPECT_EQ(*v.get("Q"), plist::Value("10"));
  EXPECT_EQ(*v.get("S"), plist::Value("hello"));
  EXPECT_EQ(*v.get("H"), plist::Value(31));
  EXPECT_EQ(v.get("Teams")->as_array().size(), 2u);
  EXPECT_EQ(*v.get("N"), plist::Value(7));
  EXPECT_EQ(v.get("Items")->as_array().size(), 2u);
  EXPECT_EQ(*v.get("Skip"), plist::Value(false));
  EXPECT_EQ(*v.get("D"), plist::Value(plist::Data{'h', 'i'}));
}

TEST(Template, YamlErrorsCarryLineAndColumn) {
  EXPECT_EQ(error_text("A: 1\nB: '{{ m }}'\n", "p.yaml"),
            "p.yaml:2:8: error: undefined name 'm'; did you mean 'n'? (at B)\n"
            "B: '{{ m }}'\n"
            "       ^\n");
  std::string malformed = error_text("A: [1, 2\nB: 3\n", "p.yaml");
  EXPECT_NE(malformed.find("malformed YAML"), std::string::npos);
}

TEST(Template, YamlAliasBombIsRefused) {
  std::string doc = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n";
  for (int i = 1; i < 7; ++i) {
    doc += "a" + std::to_string(i) + ": &a" + std::to_string(i) + " [";
    for (int j = 0; j < 10; ++j) doc += std::string(j ? ", " : "") + "*a" + std::to_string(i - 1);
    doc += "]\n";
  }
  EXPECT_NE(error_text(doc, "bomb.yaml").find("expands to more than"), std::string::npos);
}

// XML cannot write U+0000, so a NUL read from JSON or YAML would become a profile that neither
// cmdm nor CoreFoundation reads back: each reader refuses it, with the key path.
TEST(Template, JsonAndYamlRefuseANulInAStringOrKey) {
  EXPECT_EQ(error_text("{\"A\": {\"B\": [\"x\", \"a\\u0000b\"]}}", "s.json"),
            "s.json:1:21: error: a string holds a NUL character (U+0000), which an XML property "
            "list cannot hold (at A.B[1])\n"
            "{\"A\": {\"B\": [\"x\", \"a\\u0000b\"]}}\n"
            "                    ^\n");
  EXPECT_EQ(error_text("{\"A\": [{\"k\\u0000\": 1}]}", "k.json"),
            "k.json:1:11: error: a key holds a NUL character (U+0000), which an XML property list "
            "cannot hold (at A[0].k\\0)\n"
            "{\"A\": [{\"k\\u0000\": 1}]}\n"
            "          ^\n");
  EXPECT_EQ(error_text("A:\n  - x\n  - \"a\\0b\"\n", "s.yaml"),
            "s.yaml:3:5: error: a string holds a NUL character (U+0000), which an XML property "
            "list cannot hold (at A[1])\n"
            "  - \"a\\0b\"\n"
            "    ^\n");
  EXPECT_EQ(error_text("A:\n  \"k\\0\": 1\n", "k.yaml"),
            "k.yaml:2:3: error: a key holds a NUL character (U+0000), which an XML property list "
            "cannot hold (at A.k\\0)\n"
            "  \"k\\0\": 1\n"
            "  ^\n");
}

// The template loader makes the plain reader's character checks, so bytes and references XML
// forbids (a NUL, raw or as &#0;) get the reader's error whether or not the file uses templates.
TEST(Template, ForbiddenBytesGetThePlainReadersErrorAlsoWithTemplates) {
  for (std::string bad : {std::string("a\x01"
                                      "b"),
                          std::string("a\xFF"
                                      "b"),
                          std::string("a\0b", 3), std::string("a&#0;b"), std::string("a&#x1;b"),
                          std::string("a&copy;b"), std::string("a&b")}) {
    std::string plain = plist_xml("<dict><key>A</key><string>" + bad + "</string></dict>");
    std::string templated =
        plist_xml("<dict><key>A</key><string>" + bad + " {{ n }}</string></dict>");
    Result<plist::Document> doc = plist::read_xml(plain, {.file_name = "t.mobileconfig"});
    ASSERT_FALSE(doc.ok());
    // The position and message. The echoed source lines differ by the placeholder, and the
    // template loader checks references before it knows the key path, so that is left out.
    std::string reader_error = doc.error().format();
    reader_error = reader_error.substr(0, reader_error.find('\n'));
    reader_error = reader_error.substr(0, reader_error.find(" (at A)"));
    std::string template_error = error_text(templated);
    EXPECT_EQ(template_error.substr(0, template_error.find('\n')), reader_error);
    EXPECT_NE(reader_error.find("t.mobileconfig:3:28: error: "), std::string::npos) << reader_error;
  }
}

// Expands an XML template with the given limits; the error text, or "(expanded)".
std::string expansion_error(const std::string& xml, const ExpandLimits& limits,
                            const Context& context = vars()) {
  auto source = std::make_shared<const SourceText>("t.mobileconfig", xml);
  Result<TemplateSource> t = load_xml_template(source);
  if (!t) return t.error().format();
  Result<plist::Value> v = expand(*t, context.values, limits);
  return v ? "(expanded)" : v.error().format();
}

Context ten_items() {
  Context c = vars();
  plist::Array ten;
  for (int i = 0; i < 10; ++i) ten.push_back(plist::Value(i));
  c.set("l", plist::Value(std::move(ten)));
  c.set("s", plist::Value(std::string(1000, 's')));
  return c;
}

TEST(Template, NestedEachStopsAtTheValueLimitWhereItRunsOut) {
  std::string src = plist_xml(
      "<array><array cmdm:each=\"a in l\"><array cmdm:each=\"b in l\">\n"
      "<string cmdm:each=\"c in l\">x</string></array></array></array>");
  // 1,000 strings, 110 arrays and the root: 1,111 values.
  EXPECT_EQ(expansion_error(src, {.max_values = 1111}, ten_items()), "(expanded)");
  // Each inner array is counted once its strings are: the 1,001st value is [9][0][1].
  EXPECT_EQ(expansion_error(src, {.max_values = 1000}, ten_items()),
            "t.mobileconfig:4:1: error: the template expands to more than 1000 values (cmdm:each "
            "repeated too often) (at [9][0][1])\n"
            "<string cmdm:each=\"c in l\">x</string></array></array></array>\n"
            "^\n");
}

TEST(Template, LargeValueRepeatedStopsAtTheByteLimitWhereItRunsOut) {
  // One text with many placeholders is checked as it grows, before it is finished.
  std::string one_text = plist_xml("<dict><key>K</key>\n<string>" + std::string(40, '-') +
                                   "{{ s }}{{ s }}{{ s }}</string></dict>");
  EXPECT_EQ(expansion_error(one_text, {.max_bytes = 3041}, ten_items()), "(expanded)");
  EXPECT_EQ(
      expansion_error(one_text, {.max_bytes = 2500}, ten_items()),
      "t.mobileconfig:4:63: error: the template expands to more than 2500 bytes of text "
      "and data (a large value inserted too often) (at K)\n"
      "<string>----------------------------------------{{ s }}{{ s }}{{ s }}</string></dict>\n"
      "                                                              ^\n");
  // Many values, each under the limit, add up.
  std::string each = plist_xml("<array><string cmdm:each=\"i in l\">{{ s }}</string></array>");
  EXPECT_EQ(expansion_error(each, {.max_bytes = 10000}, ten_items()), "(expanded)");
  EXPECT_EQ(expansion_error(each, {.max_bytes = 9999}, ten_items()),
            "t.mobileconfig:3:35: error: the template expands to more than 9999 bytes of text "
            "and data (a large value inserted too often) (at [9])\n"
            "<array><string cmdm:each=\"i in l\">{{ s }}</string></array>\n"
            "                                  ^\n");
  // cmdm:value inserts a whole value: its items and bytes count too.
  std::string value = plist_xml("<array><array cmdm:each=\"i in l\" cmdm:value=\"l\"/></array>");
  EXPECT_EQ(expansion_error(value, {.max_values = 111}, ten_items()), "(expanded)");
  EXPECT_EQ(expansion_error(value, {.max_values = 100}, ten_items()),
            "t.mobileconfig:3:8: error: the template expands to more than 100 values (cmdm:each "
            "repeated too often) (at [9])\n"
            "<array><array cmdm:each=\"i in l\" cmdm:value=\"l\"/></array>\n"
            "       ^\n");
}

TEST(Template, DefaultLimitsLeaveRealProfilesAlone) {
  ExpandLimits defaults;
  EXPECT_EQ(defaults.max_values, 2000000u);
  EXPECT_EQ(defaults.max_bytes, 64u * 1024 * 1024);
  // 10^4 strings of 1,000 bytes: 10 MB, well inside.
  std::string src = plist_xml(
      "<array><array cmdm:each=\"a in l\"><array cmdm:each=\"b in l\"><array cmdm:each=\"c in l\">"
      "<string cmdm:each=\"d in l\">{{ s }}</string></array></array></array></array>");
  EXPECT_EQ(expansion_error(src, defaults, ten_items()), "(expanded)");
}

TEST(Template, YamlNestedPastTheParsersOwnLimitSaysHowDeep) {
  // yaml-cpp refuses this itself, before the builder's 128-level check, with "bad file".
  std::string doc = "a: " + std::string(5000, '[') + std::string(5000, ']') + "\n";
  std::string text = error_text(doc, "deep.yaml");
  EXPECT_NE(text.find("error: nesting deeper than 128 levels"), std::string::npos) << text;
  EXPECT_EQ(text.find("bad file"), std::string::npos) << text;
}

}  // namespace
}  // namespace cmdm::compiler
