// The plist value model: every type a property list can hold, with dicts that keep key order.
#pragma once

#include <array>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace cmdm::plist {

enum class Type { kString, kInteger, kReal, kBoolean, kDate, kData, kArray, kDict };
std::string_view type_name(Type type);  // "string", "integer", ... as the XML element is named

// An integer over the whole signed and unsigned 64-bit range (CoreFoundation's range):
// -2^63 .. 2^64-1. Values above INT64_MAX are held as unsigned.
class Integer {
 public:
  constexpr Integer() = default;
  constexpr Integer(std::int64_t v)  // NOLINT: implicit from int64
      : bits_(static_cast<std::uint64_t>(v)), unsigned_(false) {}
  static constexpr Integer from_unsigned(std::uint64_t v) {
    Integer i;
    i.bits_ = v;
    i.unsigned_ = v > static_cast<std::uint64_t>(INT64_MAX);
    return i;
  }
  bool is_negative() const { return !unsigned_ && static_cast<std::int64_t>(bits_) < 0; }
  // True when the value does not fit int64 (above INT64_MAX).
  bool is_big_unsigned() const { return unsigned_; }
  std::int64_t as_int64() const { return static_cast<std::int64_t>(bits_); }  // wraps when big
  std::uint64_t as_uint64() const { return bits_; }                           // wraps when negative
  std::string to_string() const;
  friend bool operator==(const Integer& a, const Integer& b) {
    return a.bits_ == b.bits_ && a.is_negative() == b.is_negative();
  }

 private:
  std::uint64_t bits_ = 0;
  bool unsigned_ = false;
};

// A point in time as CoreFoundation holds it: seconds since 2001-01-01T00:00:00Z.
struct Date {
  double seconds_since_2001 = 0;
  static Date from_unix(std::int64_t unix_seconds);
  std::int64_t unix_seconds() const;  // rounded toward negative infinity
  // YYYY-MM-DDTHH:MM:SSZ (whole seconds, as XML plists write dates).
  std::string to_iso8601() const;
  friend bool operator==(const Date&, const Date&) = default;
};

using Data = std::vector<std::uint8_t>;

class Value;
struct DictEntry;

// A dictionary that keeps insertion order (writers emit keys in this order). Lookup is linear,
// which is fastest for the small dicts profiles hold; set() replaces an existing key in place.
class Dict {
 public:
  Dict();
  ~Dict();
  Dict(const Dict&);
  Dict(Dict&&) noexcept;
  Dict& operator=(const Dict&);
  Dict& operator=(Dict&&) noexcept;

  std::size_t size() const;
  bool empty() const;
  const Value* find(std::string_view key) const;
  Value* find(std::string_view key);
  bool contains(std::string_view key) const { return find(key) != nullptr; }
  // Sets key to value, keeping the key's position when it exists, appending otherwise.
  Value& set(std::string key, Value value);
  // Appends without checking for an existing key (readers use it after their own check).
  Value& append(std::string key, Value value);
  bool erase(std::string_view key);
  void clear();

  std::vector<DictEntry>& entries() { return entries_; }
  const std::vector<DictEntry>& entries() const { return entries_; }
  std::vector<DictEntry>::iterator begin();
  std::vector<DictEntry>::iterator end();
  std::vector<DictEntry>::const_iterator begin() const;
  std::vector<DictEntry>::const_iterator end() const;

  // Equality ignores key order, as CFDictionary and plistlib do.
  friend bool operator==(const Dict& a, const Dict& b);

 private:
  std::vector<DictEntry> entries_;
};

using Array = std::vector<Value>;

// Marks "no source position" in Value::offset().
inline constexpr std::uint32_t kNoOffset = UINT32_MAX;

// One plist value. Copyable and movable; carries the byte offset of the element it was read from
// (kNoOffset when built in memory) so later stages can point diagnostics at the source.
class Value {
 public:
  Value();  // an empty string
  ~Value();
  Value(const Value&);
  Value(Value&&) noexcept;
  Value& operator=(const Value&);
  Value& operator=(Value&&) noexcept;

  Value(std::string s);       // NOLINT
  Value(std::string_view s);  // NOLINT
  Value(const char* s);       // NOLINT
  Value(Integer i);           // NOLINT
  Value(int i);               // NOLINT
  Value(std::int64_t i);      // NOLINT
  Value(double d);            // NOLINT
  Value(bool b);              // NOLINT
  Value(Date d);              // NOLINT
  Value(Data d);              // NOLINT
  Value(Array a);             // NOLINT
  Value(Dict d);              // NOLINT

  Type type() const;
  bool is_string() const { return type() == Type::kString; }
  bool is_integer() const { return type() == Type::kInteger; }
  bool is_real() const { return type() == Type::kReal; }
  bool is_bool() const { return type() == Type::kBoolean; }
  bool is_date() const { return type() == Type::kDate; }
  bool is_data() const { return type() == Type::kData; }
  bool is_array() const { return type() == Type::kArray; }
  bool is_dict() const { return type() == Type::kDict; }

  // Accessors; calling the wrong one throws std::bad_variant_access (a programming error).
  const std::string& as_string() const;
  std::string& as_string();
  Integer as_integer() const;
  double as_real() const;
  bool as_bool() const;
  Date as_date() const;
  const Data& as_data() const;
  Data& as_data();
  const Array& as_array() const;
  Array& as_array();
  const Dict& as_dict() const;
  Dict& as_dict();

  // Convenience lookups: nullptr when this is not a dict or the key is absent / of another type.
  const Value* get(std::string_view key) const;
  Value* get(std::string_view key);
  const std::string* get_string(std::string_view key) const;

  std::uint32_t offset() const { return offset_; }
  void set_offset(std::uint32_t offset) { offset_ = offset; }

  // Deep equality: same types and values; dict key order ignored; reals compared bitwise-equal
  // or both NaN; dates by their instant. The source offset is not part of the value.
  friend bool operator==(const Value& a, const Value& b);

 private:
  std::variant<std::string, Integer, double, bool, Date, Data, Array, Dict> v_;
  std::uint32_t offset_ = kNoOffset;
};

struct DictEntry {
  std::string key;
  Value value;
  std::uint32_t key_offset = kNoOffset;  // byte offset of the <key> element, when read from XML
};

// A path to a value inside a plist, for diagnostics: PayloadContent[2].PayloadUUID.
class KeyPath {
 public:
  KeyPath() = default;
  KeyPath key(std::string_view k) const;
  KeyPath index(std::size_t i) const;
  bool empty() const { return text_.empty(); }
  const std::string& str() const { return text_; }

 private:
  std::string text_;
};

// Canonical digest: SHA-256 of a canonical binary encoding of the value. Dict keys are sorted
// (bytewise) before hashing, so key order does NOT change the digest: two values that compare
// equal have equal digests. Types are tagged, so the string "1" and the integer 1 differ.
std::array<std::uint8_t, 32> digest(const Value& value);
std::string digest_hex(const Value& value);

}  // namespace cmdm::plist
