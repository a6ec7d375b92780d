#include "plist/diagnostic.h"

#include <gtest/gtest.h>

#include "plist/suggest.h"

namespace cmdm {
namespace {

TEST(Diagnostic, FormatsFileLineColumnAndCaret) {
  SourceText src("a.plist", "<plist>\r\n\t<bad/>\r\n</plist>");
  Diagnostic d = Diagnostic::at(src, 10, "unknown element <bad>");
  d.key_path = "PayloadContent[0]";
  EXPECT_EQ(d.format(),
            "a.plist:2:2: error: unknown element <bad> (at PayloadContent[0])\n"
            "\t<bad/>\n"
            "\t^\n");
}

TEST(Diagnostic, ColumnsCountCodePoints) {
  SourceText src("u.plist", "<string>\xc3\xa9t\xc3\xa9</strin>");
  SourceText::Position p = src.position(13);
  EXPECT_EQ(p.line, 1);
  EXPECT_EQ(p.column, 12);
}

TEST(Diagnostic, ByteOrderMarkIsNotAColumn) {
  SourceText src("b.plist", "\xEF\xBB\xBF<plist>");
  EXPECT_EQ(src.position(3).column, 1);
  EXPECT_EQ(src.position(4).column, 2);
}

TEST(Diagnostic, WithoutPositionPrintsMessageOnly) {
  Error e = Error::make(ExitCode::kIoError, "x.plist", "cannot open: No such file");
  EXPECT_EQ(e.format(), "x.plist: error: cannot open: No such file\n");
}

TEST(Suggest, FindsClosestNames) {
  std::vector<std::string> names = {"fmt", "inspect", "compile", "check"};
  EXPECT_EQ(closest_matches("inspct", names), std::vector<std::string>{"inspect"});
  EXPECT_TRUE(closest_matches("zzzzzzzz", names).empty());
}

}  // namespace
}  // namespace cmdm
