// Binary property lists (bplist00). The reader is our own bounds-checked decoder, because
// libplist 2.2's parser recurses without limit (a 200,000-deep nested array crashes it) and
// its API loses negative fractional dates and the sign of 16-byte integers; the writer builds
// a libplist tree and lets libplist encode it.
#include <plist/plist.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "plist/reader.h"
#include "plist/writer.h"

namespace cmdm::plist {

namespace {

// ---------------------------------------------------------------------------------------------
// Reading

constexpr std::string_view kMagic = "bplist00";
constexpr std::size_t kTrailerSize = 32;
// Shared references let a few bytes stand for a huge tree (an array that lists the same array
// twice, 100 levels deep). Each decoded value costs one reference in the file, so a tree with
// more values than the file has bytes, or more string/data bytes than this, is hostile.
constexpr std::uint64_t kMaxDecodedBytes = 256u * 1024 * 1024;

class BinaryReader {
 public:
  BinaryReader(std::string_view bytes, int max_depth) : b_(bytes), max_depth_(max_depth) {}

  // Returns false with message() set when the input is malformed.
  bool read(Value* root) {
    if (!parse_trailer()) return false;
    return parse_object(top_object_, 0, root);
  }
  const std::string& message() const { return message_; }
  // Set when the input is a well-formed bplist that holds what cmdm refuses (a NUL in a string or
  // key); the message then says so instead of calling the file malformed.
  bool refused() const { return refused_; }
  const std::string& key_path() const { return key_path_; }

 private:
  // One step of the key path to the value being read: a dict key or an array index.
  struct Step {
    const std::string* key;
    std::size_t index;
  };

  bool fail(std::string message) {
    message_ = std::move(message);
    return false;
  }

  // Refuses a string or key holding U+0000 (plist/reader.h says why), naming its path and the
  // byte offset of its object. `key` is the refused key itself, or null for a string value.
  bool refuse_nul(std::size_t object_offset, const std::string* key) {
    KeyPath path;
    for (const Step& step : steps_) {
      path = step.key ? path.key(printable_key(*step.key)) : path.index(step.index);
    }
    if (key) path = path.key(printable_key(*key));
    key_path_ = path.str();
    refused_ = true;
    return fail(nul_character_message(key != nullptr) + " (object at byte " +
                std::to_string(object_offset) + ")");
  }

  std::uint64_t read_be(std::size_t pos, unsigned size) const {
    std::uint64_t v = 0;
    for (unsigned i = 0; i < size; ++i) v = (v << 8) | static_cast<unsigned char>(b_[pos + i]);
    return v;
  }

  bool parse_trailer() {
    if (b_.starts_with("bplist") && b_.size() >= kMagic.size() && !b_.starts_with(kMagic)) {
      return fail("version '" + std::string(b_.substr(0, kMagic.size())) +
                  "' is not supported (only bplist00)");
    }
    if (b_.size() < kMagic.size() + kTrailerSize + 1 || !b_.starts_with(kMagic)) {
      return fail("not a bplist00 file");
    }
    std::size_t t = b_.size() - kTrailerSize;
    offset_size_ = static_cast<unsigned char>(b_[t + 6]);
    ref_size_ = static_cast<unsigned char>(b_[t + 7]);
    num_objects_ = read_be(t + 8, 8);
    top_object_ = read_be(t + 16, 8);
    offset_table_ = read_be(t + 24, 8);
    if (offset_size_ < 1 || offset_size_ > 8 || ref_size_ < 1 || ref_size_ > 8) {
      return fail("bad offset or reference size in the trailer");
    }
    if (num_objects_ == 0 || top_object_ >= num_objects_) {
      return fail("bad object count or top object in the trailer");
    }
    if (offset_table_ < kMagic.size() + 1 || offset_table_ > t ||
        num_objects_ > (t - offset_table_) / offset_size_) {
      return fail("offset table lies outside the file");
    }
    if (ref_size_ < 8 && num_objects_ > (std::uint64_t{1} << (8 * ref_size_))) {
      return fail("more objects than the reference size can address");
    }
    node_budget_ = b_.size() + 16;
    return true;
  }

  // Where object `ref` starts; objects live between the header and the offset table.
  bool object_offset(std::uint64_t ref, std::size_t* pos) {
    if (ref >= num_objects_)
      return fail("object reference " + std::to_string(ref) + " out of range");
    std::uint64_t off = read_be(offset_table_ + ref * offset_size_, offset_size_);
    if (off < kMagic.size() || off >= offset_table_) {
      return fail("object " + std::to_string(ref) + " has an offset outside the object area");
    }
    *pos = static_cast<std::size_t>(off);
    return true;
  }

  // Bytes from pos up to the offset table.
  std::uint64_t room(std::size_t pos) const { return offset_table_ - pos; }

  // The count in a marker's low nibble, or the integer object that follows when it is 0xF.
  bool read_count(std::size_t* pos, unsigned low, std::uint64_t* count) {
    if (low != 0xF) {
      *count = low;
      return true;
    }
    if (room(*pos) < 1) return fail("truncated length");
    unsigned char m = static_cast<unsigned char>(b_[*pos]);
    if ((m & 0xF0) != 0x10 || (m & 0x0F) > 3) return fail("bad length marker");
    unsigned size = 1u << (m & 0x0F);
    if (room(*pos + 1) < size) return fail("truncated length");
    *count = read_be(*pos + 1, size);
    *pos += 1 + size;
    return true;
  }

  bool take_node() {
    if (node_budget_ == 0)
      return fail("shared references expand to more values than the file holds");
    --node_budget_;
    return true;
  }

  bool take_bytes(std::uint64_t n) {
    if (n > decoded_budget_) return fail("decoded strings and data exceed 256 MiB");
    decoded_budget_ -= n;
    return true;
  }

  bool parse_string(std::size_t pos, unsigned char marker, std::string* out) {
    std::uint64_t count;
    if (!read_count(&pos, marker & 0x0F, &count)) return false;
    if ((marker & 0xF0) == 0x50) {
      if (count > room(pos)) return fail("string runs past the object area");
      if (!take_bytes(count)) return false;
      std::string_view s = b_.substr(pos, count);
      for (unsigned char c : s) {
        if (c >= 0x80) return fail("non-ASCII byte in an ASCII string");
      }
      out->assign(s);
      return true;
    }
    // UTF-16 big endian, count in code units.
    if (count > room(pos) / 2) return fail("string runs past the object area");
    if (!take_bytes(count * 3)) return false;
    out->clear();
    out->reserve(count * 3);
    for (std::uint64_t i = 0; i < count; ++i) {
      std::uint32_t c = static_cast<std::uint32_t>(read_be(pos + 2 * i, 2));
      if (c >= 0xD800 && c <= 0xDBFF) {
        std::uint32_t lo =
            i + 1 < count ? static_cast<std::uint32_t>(read_be(pos + 2 * i + 2, 2)) : 0;
        if (lo < 0xDC00 || lo > 0xDFFF) return fail("unpaired surrogate in a UTF-16 string");
        c = 0x10000 + ((c - 0xD800) << 10) + (lo - 0xDC00);
        ++i;
      } else if (c >= 0xDC00 && c <= 0xDFFF) {
        return fail("unpaired surrogate in a UTF-16 string");
      }
      if (c < 0x80) {
        out->push_back(static_cast<char>(c));
      } else if (c < 0x800) {
        out->push_back(static_cast<char>(0xC0 | (c >> 6)));
        out->push_back(static_cast<char>(0x80 | (c & 0x3F)));
      } else if (c < 0x10000) {
        out->push_back(static_cast<char>(0xE0 | (c >> 12)));
        out->push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
        out->push_back(static_cast<char>(0x80 | (c & 0x3F)));
      } else {
        out->push_back(static_cast<char>(0xF0 | (c >> 18)));
        out->push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
        out->push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
        out->push_back(static_cast<char>(0x80 | (c & 0x3F)));
      }
    }
    return true;
  }

  bool parse_key(std::uint64_t ref, std::string* key) {
    std::size_t pos;
    if (!object_offset(ref, &pos)) return false;
    if (!take_node()) return false;
    unsigned char marker = static_cast<unsigned char>(b_[pos]);
    if ((marker & 0xF0) != 0x50 && (marker & 0xF0) != 0x60)
      return fail("dictionary key is not a string");
    if (!parse_string(pos + 1, marker, key)) return false;
    if (key->find('\0') != std::string::npos) return refuse_nul(pos, key);
    return true;
  }

  bool parse_object(std::uint64_t ref, int depth, Value* out) {
    std::size_t pos;
    if (!object_offset(ref, &pos)) return false;
    if (!take_node()) return false;
    unsigned char marker = static_cast<unsigned char>(b_[pos]);
    unsigned low = marker & 0x0F;
    ++pos;
    switch (marker & 0xF0) {
      case 0x00:
        if (marker == 0x08 || marker == 0x09) {
          *out = Value(marker == 0x09);
          return true;
        }
        return fail("null and fill objects are not property list values");
      case 0x10: {
        if (low > 4) return fail("integer wider than 16 bytes");
        unsigned size = 1u << low;
        if (room(pos) < size) return fail("truncated integer");
        if (size < 8) {  // 1, 2 and 4-byte integers are unsigned
          *out = Value(Integer(static_cast<std::int64_t>(read_be(pos, size))));
        } else if (size == 8) {  // 8-byte integers are signed
          *out = Value(Integer(static_cast<std::int64_t>(read_be(pos, 8))));
        } else {  // 16 bytes: CoreFoundation writes UINT64 values above INT64_MAX this way
          std::uint64_t high = read_be(pos, 8), low64 = read_be(pos + 8, 8);
          if (high == 0) {
            *out = Value(Integer::from_unsigned(low64));
          } else if (high == UINT64_MAX && (low64 >> 63) != 0) {
            *out = Value(Integer(static_cast<std::int64_t>(low64)));
          } else {
            return fail("integer outside the 64-bit range");
          }
        }
        return true;
      }
      case 0x20: {
        if (low == 2) {
          if (room(pos) < 4) return fail("truncated real");
          std::uint32_t bits = static_cast<std::uint32_t>(read_be(pos, 4));
          float f;
          std::memcpy(&f, &bits, sizeof f);
          *out = Value(static_cast<double>(f));
          return true;
        }
        if (low == 3) {
          if (room(pos) < 8) return fail("truncated real");
          std::uint64_t bits = read_be(pos, 8);
          double d;
          std::memcpy(&d, &bits, sizeof d);
          *out = Value(d);
          return true;
        }
        return fail("real that is neither 4 nor 8 bytes");
      }
      case 0x30: {
        if (marker != 0x33 || room(pos) < 8) return fail("bad date");
        std::uint64_t bits = read_be(pos, 8);
        double d;
        std::memcpy(&d, &bits, sizeof d);
        if (!std::isfinite(d)) return fail("date is not a finite number");
        // Years 0001-9999: what an XML <date> can say, so every date read can be written back.
        if (d < -63113904000.0 || d >= 252423993600.0)
          return fail("date outside the years 0001-9999");
        *out = Value(Date{d});
        return true;
      }
      case 0x40: {
        std::uint64_t count;
        if (!read_count(&pos, low, &count)) return false;
        if (count > room(pos)) return fail("data runs past the object area");
        if (!take_bytes(count)) return false;
        const auto* p = reinterpret_cast<const std::uint8_t*>(b_.data() + pos);
        *out = Value(Data(p, p + count));
        return true;
      }
      case 0x50:
      case 0x60: {
        std::string s;
        if (!parse_string(pos, marker, &s)) return false;
        if (s.find('\0') != std::string::npos) return refuse_nul(pos - 1, nullptr);
        *out = Value(std::move(s));
        return true;
      }
      case 0x80:
        return fail("UID objects (keyed archives) are not property list values");
      case 0xA0: {
        if (!enter_container(ref, depth)) return false;
        std::uint64_t count;
        if (!read_count(&pos, low, &count)) return false;
        if (count > room(pos) / ref_size_) return fail("array runs past the object area");
        Array items;
        items.reserve(count);
        for (std::uint64_t i = 0; i < count; ++i) {
          items.emplace_back();
          steps_.push_back({nullptr, static_cast<std::size_t>(i)});
          if (!parse_object(read_be(pos + i * ref_size_, ref_size_), depth + 1, &items.back())) {
            return false;
          }
          steps_.pop_back();
        }
        *out = Value(std::move(items));
        path_.pop_back();
        return true;
      }
      case 0xD0: {
        if (!enter_container(ref, depth)) return false;
        std::uint64_t count;
        if (!read_count(&pos, low, &count)) return false;
        if (count > room(pos) / ref_size_ / 2) return fail("dictionary runs past the object area");
        Dict dict;
        dict.entries().reserve(count);
        std::size_t values = pos + count * ref_size_;
        for (std::uint64_t i = 0; i < count; ++i) {
          std::string key;
          if (!parse_key(read_be(pos + i * ref_size_, ref_size_), &key)) return false;
          Value v;
          steps_.push_back({&key, 0});
          if (!parse_object(read_be(values + i * ref_size_, ref_size_), depth + 1, &v))
            return false;
          steps_.pop_back();
          dict.set(std::move(key), std::move(v));  // a repeated key: the later value wins, as in CF
        }
        *out = Value(std::move(dict));
        path_.pop_back();
        return true;
      }
      default:
        return fail("unknown object type 0x" + hex(marker));
    }
  }

  // Containers on the path from the root: a container that refers back to one of them would
  // nest forever. The path is at most max_depth long, so a linear scan is cheap.
  bool enter_container(std::uint64_t ref, int depth) {
    if (depth + 1 > max_depth_) {
      return fail("nesting deeper than " + std::to_string(max_depth_) + " levels");
    }
    for (std::uint64_t r : path_) {
      if (r == ref)
        return fail("object " + std::to_string(ref) + " contains itself (a reference cycle)");
    }
    path_.push_back(ref);
    return true;
  }

  static std::string hex(unsigned char c) {
    const char* digits = "0123456789abcdef";
    return {digits[c >> 4], digits[c & 15]};
  }

  std::string_view b_;
  int max_depth_;
  std::string message_;
  bool refused_ = false;
  std::string key_path_;
  std::vector<Step> steps_;
  std::vector<std::uint64_t> path_;
  unsigned offset_size_ = 0;
  unsigned ref_size_ = 0;
  std::uint64_t num_objects_ = 0;
  std::uint64_t top_object_ = 0;
  std::uint64_t offset_table_ = 0;
  std::uint64_t node_budget_ = 0;
  std::uint64_t decoded_budget_ = kMaxDecodedBytes;
};

// ---------------------------------------------------------------------------------------------
// Writing

struct PlistFree {
  void operator()(void* p) const { plist_free(static_cast<plist_t>(p)); }
};
using PlistPtr = std::unique_ptr<void, PlistFree>;

// libplist 2.2 holds an integer as a uint64 plus a width; plist_new_uint always picks the 8-byte
// (signed) width, which a reader takes for a negative number when the value is above INT64_MAX.
// Only its XML parser makes the 16-byte width CoreFoundation uses for those, so we go through it.
plist_t new_big_unsigned(std::uint64_t v) {
  std::string xml = "<plist version=\"1.0\"><integer>" + std::to_string(v) + "</integer></plist>";
  plist_t parsed = nullptr;
  plist_from_xml(xml.data(), static_cast<std::uint32_t>(xml.size()), &parsed);
  if (parsed == nullptr) return nullptr;
  plist_t copy = plist_copy(parsed);  // a parsed root cannot be attached to a container directly
  plist_free(parsed);
  return copy;
}

// libplist 2.2 takes C strings, so a NUL inside a string cannot be passed through.
bool has_nul(const std::string& s) { return s.find('\0') != std::string::npos; }

class BinaryWriter {
 public:
  bool build(const Value& v, const KeyPath& path, plist_t* out) {
    switch (v.type()) {
      case Type::kString:
        if (has_nul(v.as_string())) return fail(path, "a string with a NUL character");
        *out = plist_new_string(v.as_string().c_str());
        return true;
      case Type::kInteger: {
        Integer i = v.as_integer();
        *out =
            i.is_big_unsigned() ? new_big_unsigned(i.as_uint64()) : plist_new_uint(i.as_uint64());
        return *out != nullptr || fail(path, "an integer libplist would not encode");
      }
      case Type::kReal:
        *out = plist_new_real(v.as_real());
        return true;
      case Type::kBoolean:
        *out = plist_new_bool(v.as_bool() ? 1 : 0);
        return true;
      case Type::kDate: {
        // libplist 2.2 takes whole seconds (int32) and microseconds since 2001.
        double d = v.as_date().seconds_since_2001;
        double whole = std::trunc(d);
        if (!(whole >= INT32_MIN && whole <= INT32_MAX)) {
          return fail(path,
                      "a date outside 1933-12-13 .. 2069-01-19 (" + v.as_date().to_iso8601() + ")");
        }
        auto sec = static_cast<std::int32_t>(whole);
        auto usec = static_cast<std::int32_t>(std::llround((d - whole) * 1e6));
        *out = plist_new_date(sec, usec);
        return true;
      }
      case Type::kData: {
        const Data& data = v.as_data();
        *out = plist_new_data(reinterpret_cast<const char*>(data.data()), data.size());
        return true;
      }
      case Type::kArray: {
        PlistPtr array(plist_new_array());
        std::size_t i = 0;
        for (const Value& item : v.as_array()) {
          plist_t child = nullptr;
          if (!build(item, path.index(i++), &child)) return false;
          plist_array_append_item(array.get(), child);
        }
        *out = array.release();
        return true;
      }
      case Type::kDict: {
        PlistPtr dict(plist_new_dict());
        for (const DictEntry& e : v.as_dict()) {
          if (has_nul(e.key)) return fail(path.key(e.key), "a key with a NUL character");
          plist_t child = nullptr;
          if (!build(e.value, path.key(e.key), &child)) return false;
          plist_dict_set_item(dict.get(), e.key.c_str(), child);
        }
        *out = dict.release();
        return true;
      }
    }
    return fail(path, "an unknown value type");
  }

  Diagnostic diagnostic;

 private:
  bool fail(const KeyPath& path, std::string what) {
    diagnostic.key_path = path.str();
    diagnostic.message = "cannot write " + what + " as a binary plist";
    return false;
  }
};

}  // namespace

Result<Document> read_binary(std::string_view bytes, const ReadOptions& options) {
  std::string name = source_name(options);
  if (bytes.size() > options.max_bytes) {
    return Error::make(ExitCode::kDataError, name,
                       "input is " + std::to_string(bytes.size()) + " bytes, over the limit of " +
                           std::to_string(options.max_bytes) + " bytes");
  }
  Document doc;
  BinaryReader reader(bytes, options.max_depth);
  if (!reader.read(&doc.root)) {
    if (!reader.refused()) {
      return Error::make(ExitCode::kDataError, name, "malformed binary plist: " + reader.message());
    }
    Diagnostic d;
    d.file = name;
    d.key_path = reader.key_path();
    d.message = reader.message();
    return Error(ExitCode::kDataError, std::move(d));
  }
  doc.format = Format::kBinary;
  // Binary input has no lines to point into; diagnostics name the file and the key path.
  doc.source = std::make_shared<SourceText>(name, std::string());
  return doc;
}

Result<std::string> write_binary(const Value& root) {
  BinaryWriter writer;
  plist_t tree = nullptr;
  if (!writer.build(root, KeyPath(), &tree)) {
    return Error(ExitCode::kDataError, writer.diagnostic);
  }
  PlistPtr owner(tree);
  char* bytes = nullptr;
  std::uint32_t length = 0;
  plist_to_bin(tree, &bytes, &length);
  if (bytes == nullptr) {
    return Error::make(ExitCode::kInternal, "", "libplist could not encode the binary plist");
  }
  std::string out(bytes, length);
  plist_to_bin_free(bytes);
  return out;
}

}  // namespace cmdm::plist
