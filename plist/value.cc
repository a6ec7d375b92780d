// The plist value model, key paths and the canonical digest.
#include "plist/value.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <ctime>

#include "plist/calendar.h"
#include "plist/hash.h"

namespace cmdm::plist {

std::string_view type_name(Type type) {
  switch (type) {
    case Type::kString:
      return "string";
    case Type::kInteger:
      return "integer";
    case Type::kReal:
      return "real";
    case Type::kBoolean:
      return "boolean";
    case Type::kDate:
      return "date";
    case Type::kData:
      return "data";
    case Type::kArray:
      return "array";
    case Type::kDict:
      return "dict";
  }
  return "unknown";
}

std::string Integer::to_string() const {
  if (unsigned_) return std::to_string(bits_);
  return std::to_string(static_cast<std::int64_t>(bits_));
}

// 978307200 = seconds from 1970-01-01 to 2001-01-01.
constexpr std::int64_t kUnixTo2001 = 978307200;

Date Date::from_unix(std::int64_t unix_seconds) {
  return Date{static_cast<double>(unix_seconds - kUnixTo2001)};
}

std::int64_t Date::unix_seconds() const {
  return static_cast<std::int64_t>(std::floor(seconds_since_2001)) + kUnixTo2001;
}

std::string Date::to_iso8601() const { return format_utc(unix_seconds()); }

// ---- Dict ----

Dict::Dict() = default;
Dict::~Dict() = default;
Dict::Dict(const Dict&) = default;
Dict::Dict(Dict&&) noexcept = default;
Dict& Dict::operator=(const Dict&) = default;
Dict& Dict::operator=(Dict&&) noexcept = default;

std::size_t Dict::size() const { return entries_.size(); }
bool Dict::empty() const { return entries_.empty(); }

const Value* Dict::find(std::string_view key) const {
  for (const DictEntry& e : entries_) {
    if (e.key == key) return &e.value;
  }
  return nullptr;
}

Value* Dict::find(std::string_view key) {
  for (DictEntry& e : entries_) {
    if (e.key == key) return &e.value;
  }
  return nullptr;
}

Value& Dict::set(std::string key, Value value) {
  if (Value* v = find(key)) {
    *v = std::move(value);
    return *v;
  }
  return append(std::move(key), std::move(value));
}

Value& Dict::append(std::string key, Value value) {
  entries_.push_back(DictEntry{std::move(key), std::move(value), kNoOffset});
  return entries_.back().value;
}

bool Dict::erase(std::string_view key) {
  auto it = std::find_if(entries_.begin(), entries_.end(),
                         [&](const DictEntry& e) { return e.key == key; });
  if (it == entries_.end()) return false;
  entries_.erase(it);
  return true;
}

void Dict::clear() { entries_.clear(); }

std::vector<DictEntry>::iterator Dict::begin() { return entries_.begin(); }
std::vector<DictEntry>::iterator Dict::end() { return entries_.end(); }
std::vector<DictEntry>::const_iterator Dict::begin() const { return entries_.begin(); }
std::vector<DictEntry>::const_iterator Dict::end() const { return entries_.end(); }

bool operator==(const Dict& a, const Dict& b) {
  if (a.size() != b.size()) return false;
  // Fast path: same order.
  bool same_order = true;
  for (std::size_t i = 0; i < a.entries_.size(); ++i) {
    if (a.entries_[i].key != b.entries_[i].key) {
      same_order = false;
      break;
    }
  }
  if (same_order) {
    for (std::size_t i = 0; i < a.entries_.size(); ++i) {
      if (!(a.entries_[i].value == b.entries_[i].value)) return false;
    }
    return true;
  }
  for (const DictEntry& e : a.entries_) {
    const Value* other = b.find(e.key);
    if (other == nullptr || !(e.value == *other)) return false;
  }
  return true;
}

// ---- Value ----

Value::Value() = default;
Value::~Value() = default;
Value::Value(const Value&) = default;
Value::Value(Value&&) noexcept = default;
Value& Value::operator=(const Value&) = default;
Value& Value::operator=(Value&&) noexcept = default;

Value::Value(std::string s) : v_(std::move(s)) {}
Value::Value(std::string_view s) : v_(std::string(s)) {}
Value::Value(const char* s) : v_(std::string(s)) {}
Value::Value(Integer i) : v_(i) {}
Value::Value(int i) : v_(Integer(static_cast<std::int64_t>(i))) {}
Value::Value(std::int64_t i) : v_(Integer(i)) {}
Value::Value(double d) : v_(d) {}
Value::Value(bool b) : v_(b) {}
Value::Value(Date d) : v_(d) {}
Value::Value(Data d) : v_(std::move(d)) {}
Value::Value(Array a) : v_(std::move(a)) {}
Value::Value(Dict d) : v_(std::move(d)) {}

Type Value::type() const { return static_cast<Type>(v_.index()); }

const std::string& Value::as_string() const { return std::get<std::string>(v_); }
std::string& Value::as_string() { return std::get<std::string>(v_); }
Integer Value::as_integer() const { return std::get<Integer>(v_); }
double Value::as_real() const { return std::get<double>(v_); }
bool Value::as_bool() const { return std::get<bool>(v_); }
Date Value::as_date() const { return std::get<Date>(v_); }
const Data& Value::as_data() const { return std::get<Data>(v_); }
Data& Value::as_data() { return std::get<Data>(v_); }
const Array& Value::as_array() const { return std::get<Array>(v_); }
Array& Value::as_array() { return std::get<Array>(v_); }
const Dict& Value::as_dict() const { return std::get<Dict>(v_); }
Dict& Value::as_dict() { return std::get<Dict>(v_); }

const Value* Value::get(std::string_view key) const {
  const Dict* d = std::get_if<Dict>(&v_);
  return d ? d->find(key) : nullptr;
}

Value* Value::get(std::string_view key) {
  Dict* d = std::get_if<Dict>(&v_);
  return d ? d->find(key) : nullptr;
}

const std::string* Value::get_string(std::string_view key) const {
  const Value* v = get(key);
  return v && v->is_string() ? &v->as_string() : nullptr;
}

bool operator==(const Value& a, const Value& b) {
  if (a.v_.index() != b.v_.index()) return false;
  if (a.is_real()) {
    double x = a.as_real(), y = b.as_real();
    return x == y || (std::isnan(x) && std::isnan(y));
  }
  return a.v_ == b.v_;
}

// ---- KeyPath ----

KeyPath KeyPath::key(std::string_view k) const {
  KeyPath p = *this;
  if (!p.text_.empty()) p.text_ += '.';
  p.text_ += k;
  return p;
}

KeyPath KeyPath::index(std::size_t i) const {
  KeyPath p = *this;
  p.text_ += '[';
  p.text_ += std::to_string(i);
  p.text_ += ']';
  return p;
}

// ---- Digest ----

namespace {

// Canonical encoding: a type tag byte, then a length-prefixed (8 bytes, big endian) payload;
// containers list their children; dict entries are sorted by key bytes.
void put_u64(std::string& out, std::uint64_t v) {
  for (int i = 7; i >= 0; --i) out += static_cast<char>((v >> (i * 8)) & 0xFF);
}

void encode_canonical(const Value& v, std::string& out) {
  out += static_cast<char>('a' + static_cast<int>(v.type()));
  switch (v.type()) {
    case Type::kString:
      put_u64(out, v.as_string().size());
      out += v.as_string();
      break;
    case Type::kInteger: {
      Integer i = v.as_integer();
      out += i.is_negative() ? '-' : '+';
      put_u64(out, i.as_uint64());
      break;
    }
    case Type::kReal: {
      double d = v.as_real();
      if (std::isnan(d)) d = std::nan("");
      if (d == 0) d = 0;  // -0 and 0 compare equal, so they hash equal
      std::uint64_t bits;
      std::memcpy(&bits, &d, sizeof bits);
      put_u64(out, bits);
      break;
    }
    case Type::kBoolean:
      out += v.as_bool() ? '1' : '0';
      break;
    case Type::kDate: {
      double d = v.as_date().seconds_since_2001;
      if (d == 0) d = 0;
      std::uint64_t bits;
      std::memcpy(&bits, &d, sizeof bits);
      put_u64(out, bits);
      break;
    }
    case Type::kData:
      put_u64(out, v.as_data().size());
      out.append(reinterpret_cast<const char*>(v.as_data().data()), v.as_data().size());
      break;
    case Type::kArray:
      put_u64(out, v.as_array().size());
      for (const Value& item : v.as_array()) encode_canonical(item, out);
      break;
    case Type::kDict: {
      const Dict& d = v.as_dict();
      std::vector<const DictEntry*> sorted;
      sorted.reserve(d.size());
      for (const DictEntry& e : d) sorted.push_back(&e);
      std::sort(sorted.begin(), sorted.end(),
                [](const DictEntry* x, const DictEntry* y) { return x->key < y->key; });
      put_u64(out, sorted.size());
      for (const DictEntry* e : sorted) {
        put_u64(out, e->key.size());
        out += e->key;
        encode_canonical(e->value, out);
      }
      break;
    }
  }
}

}  // namespace

std::array<std::uint8_t, 32> digest(const Value& value) {
  std::string encoded;
  encode_canonical(value, encoded);
  return sha256(encoded);
}

std::string digest_hex(const Value& value) {
  const std::array<std::uint8_t, 32> d = digest(value);
  return hex(d.data(), d.size());
}

}  // namespace cmdm::plist
