#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <string>

#include "plist/reader.h"
#include "plist/writer.h"

namespace cmdm::plist {
namespace {

Value round_trip(const Value& v) {
  Result<std::string> bytes = write_binary(v);
  EXPECT_TRUE(bytes.ok()) << (bytes.ok() ? "" : bytes.error().format());
  if (!bytes.ok()) return Value();
  EXPECT_EQ(bytes->substr(0, 8), "bplist00");
  Result<Document> doc = read_binary(*bytes);
  EXPECT_TRUE(doc.ok()) << (doc.ok() ? "" : doc.error().format());
  if (!doc.ok()) return Value();
  EXPECT_EQ(doc->format, Format::kBinary);
  return doc->root;
}

std::string read_error(std::string_view bytes, ReadOptions options = {}) {
  Result<Document> doc = read_binary(bytes, options);
  if (doc.ok()) return "(accepted)";
  EXPECT_EQ(doc.error().code, ExitCode::kDataError);
  return doc.error().diagnostics.at(0).message;
}

TEST(Binary, RoundTripsEveryScalarType) {
  for (const Value& v : {Value("abc"),
                         Value(""),
                         Value(true),
                         Value(false),
                         Value(0),
                         Value(255),
                         Value(256),
                         Value(65536),
                         Value(-1),
                         Value(Integer(INT64_MIN)),
                         Value(Integer(INT64_MAX)),
                         Value(Integer::from_unsigned(UINT64_MAX)),
                         Value(Integer::from_unsigned(uint64_t{1} << 63)),
                         Value(1.5),
                         Value(0.1),
                         Value(-0.0),
                         Value(std::numeric_limits<double>::infinity()),
                         Value(Date{0}),
                         Value(Date{-99.5}),
                         Value(Date::from_unix(1700000000)),
                         Value(Data{}),
                         Value(Data{0, 1, 2, 255})}) {
    Value back = round_trip(v);
    EXPECT_EQ(back, v) << "type " << type_name(v.type());
  }
}

TEST(Binary, KeepsIntegerSignsAtTheEdgesOfTheRange) {
  Integer big = round_trip(Value(Integer::from_unsigned(UINT64_MAX))).as_integer();
  EXPECT_TRUE(big.is_big_unsigned());
  EXPECT_EQ(big.to_string(), "18446744073709551615");
  Integer min = round_trip(Value(Integer(INT64_MIN))).as_integer();
  EXPECT_TRUE(min.is_negative());
  EXPECT_EQ(min.to_string(), "-9223372036854775808");
}

TEST(Binary, RoundTripsNan) {
  Value back = round_trip(Value(std::nan("")));
  ASSERT_TRUE(back.is_real());
  EXPECT_TRUE(std::isnan(back.as_real()));
}

TEST(Binary, RoundTripsUnicodeStringsAndKeys) {
  Dict d;
  d.append("h\xC3\xA9llo", Value("\xF0\x9F\x98\x80 emoji, \xE4\xB8\xAD\xE6\x96\x87, caf\xC3\xA9"));
  d.append("plain", Value("ascii"));
  Value v(std::move(d));
  EXPECT_EQ(round_trip(v), v);
}

TEST(Binary, RoundTripsContainersKeepingKeyOrder) {
  Dict inner;
  inner.append("z", Value(1));
  inner.append("a", Value(Array{}));
  inner.append("m", Value(Dict{}));
  Dict d;
  d.append("PayloadContent", Value(Array{Value(inner), Value(inner), Value("x")}));
  d.append("Empty", Value(Array{}));
  Value v(std::move(d));
  Value back = round_trip(v);
  EXPECT_EQ(back, v);
  const Dict& first = back.get("PayloadContent")->as_array()[0].as_dict();
  ASSERT_EQ(first.size(), 3u);
  EXPECT_EQ(first.entries()[0].key, "z");
  EXPECT_EQ(first.entries()[1].key, "a");
  EXPECT_EQ(first.entries()[2].key, "m");
}

TEST(Binary, OutputIsByteIdenticalFromRunToRun) {
  Dict d;
  for (int i = 0; i < 50; ++i) d.append("key" + std::to_string(i), Value(i));
  Value v(std::move(d));
  Result<std::string> a = write_binary(v);
  Result<std::string> b = write_binary(v);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(*a, *b);
}

TEST(Binary, RefusesValuesLibplistCannotEncode) {
  Dict d;
  d.append("Bad", Value(std::string("a\0b", 3)));
  Result<std::string> out = write_binary(Value(std::move(d)));
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.error().diagnostics[0].key_path, "Bad");
  EXPECT_EQ(out.error().diagnostics[0].message,
            "cannot write a string with a NUL character as a binary plist");
  Result<std::string> far = write_binary(Value(Date::from_unix(4102444800)));  // 2100
  ASSERT_FALSE(far.ok());
}

// A hand-built bplist00: header, objects, offset table (1-byte offsets), trailer.
std::string bplist(const std::string& objects, const std::string& offsets, std::uint64_t count,
                   std::uint64_t top = 0, unsigned ref_size = 1) {
  std::string out = "bplist00" + objects;
  std::uint64_t table = out.size();
  out += offsets;
  std::string trailer(32, '\0');
  trailer[6] = 1;
  trailer[7] = static_cast<char>(ref_size);
  for (int i = 0; i < 8; ++i) {
    trailer[8 + i] = static_cast<char>(count >> (56 - 8 * i));
    trailer[16 + i] = static_cast<char>(top >> (56 - 8 * i));
    trailer[24 + i] = static_cast<char>(table >> (56 - 8 * i));
  }
  return out + trailer;
}

TEST(Binary, ReadsAHandBuiltFile) {
  // Object 0: dict {1: 2}; object 1: ASCII "k"; object 2: UTF-16 "é".
  std::string objects = std::string("\xD1\x01\x02", 3) + "\x51k" + std::string("\x61\x00\xE9", 3);
  Result<Document> doc = read_binary(bplist(objects, "\x08\x0B\x0D", 3));
  ASSERT_TRUE(doc.ok()) << doc.error().format();
  EXPECT_EQ(*doc->root.get_string("k"), "\xC3\xA9");
}

TEST(Binary, RejectsHostileInputWithAnErrorNotACrash) {
  EXPECT_EQ(read_error("bplist00"), "malformed binary plist: not a bplist00 file");
  EXPECT_EQ(read_error(std::string(64, '\0')), "malformed binary plist: not a bplist00 file");
  EXPECT_EQ(read_error("bplist15" + std::string(64, '\0')),
            "malformed binary plist: version 'bplist15' is not supported (only bplist00)");
  // Offset table pointing past the objects.
  EXPECT_EQ(read_error(bplist("\x09", "\x7F", 1)),
            "malformed binary plist: object 0 has an offset outside the object area");
  // Reference to an object that does not exist.
  EXPECT_EQ(read_error(bplist("\xA1\x05", "\x08", 1)),
            "malformed binary plist: object reference 5 out of range");
  // An array that claims more entries than the file holds.
  EXPECT_EQ(read_error(bplist("\xAF\x13\x7F\xFF\xFF\xFF\xFF\xFF\xFF\xFF", "\x08", 1)),
            "malformed binary plist: array runs past the object area");
  // A string that claims more bytes than the file holds.
  EXPECT_EQ(read_error(bplist("\x5F\x10\xFF", "\x08", 1)),
            "malformed binary plist: string runs past the object area");
  // An array that contains itself.
  EXPECT_EQ(read_error(bplist(std::string("\xA1\x00", 2), "\x08", 1)),
            "malformed binary plist: object 0 contains itself (a reference cycle)");
  // UID, null, non-string key, lone surrogate, bad trailer sizes, non-ASCII ASCII string.
  EXPECT_EQ(read_error(bplist("\x80\x01", "\x08", 1)),
            "malformed binary plist: UID objects (keyed archives) are not property list values");
  EXPECT_EQ(read_error(bplist(std::string("\x00", 1), "\x08", 1)),
            "malformed binary plist: null and fill objects are not property list values");
  EXPECT_EQ(read_error(bplist(std::string("\xD1\x01\x01\x10\x05", 5), "\x08\x0B", 2)),
            "malformed binary plist: dictionary key is not a string");
  EXPECT_EQ(read_error(bplist(std::string("\x61\xD8\x00", 3), "\x08", 1)),
            "malformed binary plist: unpaired surrogate in a UTF-16 string");
  EXPECT_EQ(read_error(bplist("\x51\xC3", "\x08", 1)),
            "malformed binary plist: non-ASCII byte in an ASCII string");
  EXPECT_EQ(read_error(bplist("\x09", "\x08", 1, 0, 9)),
            "malformed binary plist: bad offset or reference size in the trailer");
  EXPECT_EQ(read_error(bplist("\x09", "\x08", 1, 3)),
            "malformed binary plist: bad object count or top object in the trailer");
  EXPECT_EQ(read_error(bplist("\x09", "\x08", 1000)),
            "malformed binary plist: offset table lies outside the file");
}

// XML cannot write U+0000 in any spelling, so a string or key holding one would become a plist
// that nothing reads back: refused when read, with the key path and the object's byte offset.
TEST(Binary, RefusesANulInsideAStringOrKeyWithItsPath) {
  ReadOptions options;
  options.file_name = "nul.plist";
  // Object 0: dict {1: 2}; 1: ASCII "k"; 2: array [3]; 3: ASCII "a\0b" at byte 15.
  std::string objects = std::string("\xD1\x01\x02", 3) + "\x51k" + std::string("\xA1\x03", 2) +
                        std::string(
                            "\x53"
                            "a\0b",
                            4);
  Result<Document> in_string = read_binary(bplist(objects, "\x08\x0B\x0D\x0F", 4), options);
  ASSERT_FALSE(in_string.ok());
  EXPECT_EQ(in_string.error().code, ExitCode::kDataError);
  EXPECT_EQ(in_string.error().format(),
            "nul.plist: error: a string holds a NUL character (U+0000), which an XML property "
            "list cannot hold (object at byte 15) (at k[0])\n");
  // Object 0: dict {1: 2}; 1: UTF-16 key "a\0" at byte 11; 2: true.
  std::string key_objects =
      std::string("\xD1\x01\x02", 3) + std::string("\x62\x00\x61\x00\x00", 5) + "\x09";
  Result<Document> in_key = read_binary(bplist(key_objects, "\x08\x0B\x10", 3), options);
  ASSERT_FALSE(in_key.ok());
  EXPECT_EQ(in_key.error().format(),
            "nul.plist: error: a key holds a NUL character (U+0000), which an XML property list "
            "cannot hold (object at byte 11) (at a\\0)\n");
}

TEST(Binary, RejectsReferencesThatExpandExponentially) {
  // Object i is an array that lists object i+1 twice: 2^60 values from a few hundred bytes.
  std::string objects, offsets;
  const int n = 60;
  for (int i = 0; i < n; ++i) {
    offsets += static_cast<char>(8 + objects.size());
    if (i + 1 == n) {
      objects += "\x09";
    } else {
      objects += "\xA2";
      objects += static_cast<char>(i + 1);
      objects += static_cast<char>(i + 1);
    }
  }
  EXPECT_EQ(read_error(bplist(objects, offsets, n)),
            "malformed binary plist: shared references expand to more values than the file "
            "holds");
}

TEST(Binary, EnforcesTheDepthAndSizeLimits) {
  Value v(1);
  for (int i = 0; i < 10; ++i) v = Value(Array{v});
  Result<std::string> bytes = write_binary(v);
  ASSERT_TRUE(bytes.ok());
  ReadOptions shallow;
  shallow.max_depth = 9;
  EXPECT_EQ(read_error(*bytes, shallow), "malformed binary plist: nesting deeper than 9 levels");
  shallow.max_depth = 10;
  EXPECT_TRUE(read_binary(*bytes, shallow).ok());
  ReadOptions small;
  small.max_bytes = 10;
  EXPECT_NE(read_error(*bytes, small).find("over the limit of 10 bytes"), std::string::npos);
}

TEST(Binary, SurvivesEveryTruncationAndSingleByteCorruption) {
  Dict d;
  d.append("PayloadContent", Value(Array{Value("abc"), Value(1.5), Value(Data{1, 2, 3})}));
  d.append("PayloadUUID", Value("\xC3\xA9-unicode"));
  d.append("Date", Value(Date{12345}));
  Result<std::string> bytes = write_binary(Value(std::move(d)));
  ASSERT_TRUE(bytes.ok());
  for (std::size_t n = 0; n < bytes->size(); ++n) {
    (void)read_binary(std::string_view(*bytes).substr(0, n));
  }
  for (std::size_t i = 0; i < bytes->size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string copy = *bytes;
      copy[i] = static_cast<char>(copy[i] ^ (1 << bit));
      (void)read_binary(copy);
    }
  }
}

TEST(Binary, SurvivesRandomMultiByteCorruption) {
  Dict d;
  Array list;
  for (int i = 0; i < 20; ++i) {
    Dict item;
    item.append("Name" + std::to_string(i), Value("value \xE2\x82\xAC" + std::to_string(i)));
    item.append("N", Value(Integer(-i * 1000003)));
    item.append("Blob", Value(Data(static_cast<std::size_t>(i), 0x5A)));
    list.emplace_back(std::move(item));
  }
  d.append("PayloadContent", Value(std::move(list)));
  Result<std::string> bytes = write_binary(Value(std::move(d)));
  ASSERT_TRUE(bytes.ok());
  std::mt19937 rng(12345);
  int accepted = 0;
  for (int round = 0; round < 3000; ++round) {
    std::string copy = *bytes;
    int changes = 1 + static_cast<int>(rng() % 6);
    for (int c = 0; c < changes; ++c) {
      copy[rng() % copy.size()] = static_cast<char>(rng() & 0xFF);
    }
    accepted += read_binary(copy).ok() ? 1 : 0;
  }
  // Most corruptions land in string bytes and still decode; the point is that none crashes.
  EXPECT_GT(accepted, 0);
}

}  // namespace
}  // namespace cmdm::plist
