// The additive size model the splitter and `explain` measure with (see size_delta.h). Every
// figure it gives is checked against the fully encoded artifact by the splitter and the tests.
#include "optimizer/size_delta.h"

#include "plist/writer.h"

namespace cmdm::optimizer {

namespace {

constexpr plist::XmlOptions kBare{.declaration = false, .doctype = false, .plist_element = false};

}  // namespace

Result<CountedLength> CountedLength::for_target(const emitters::Target& target) {
  CountedLength c(target);
  c.empty_ = target.command_size("");
  // Markup characters that an XML or JSON wrapper might escape, against plain ones.
  const std::string markup = "<&>\r\"'\\\x7f\xc3\xa9", plain(markup.size(), 'a');
  bool by_length = true, per_byte = true;
  for (std::size_t n : {1u, 3u, 7u, 64u, 1001u}) {
    std::string a, b;
    for (std::size_t i = 0; i < n; ++i) {
      a += markup[i % markup.size()];
      b += plain[i % plain.size()];
    }
    by_length &= target.command_size(a) == target.command_size(b);
    per_byte &=
        target.command_size(a + b) + c.empty_ == target.command_size(a) + target.command_size(b);
  }
  if (by_length) return c;
  if (!per_byte) {
    return Error::make(ExitCode::kInternal, "",
                       "target " + std::string(target.name) +
                           " counts a profile neither by its length nor byte by byte; the "
                           "incremental size model cannot measure for it");
  }
  c.by_length_ = false;
  return c;
}

std::size_t CountedLength::measure(std::string_view bytes) const {
  return by_length_ ? bytes.size() : target_->command_size(bytes) - empty_;
}

std::size_t CountedLength::command_size(std::size_t m) const {
  if (!by_length_) return empty_ + m;
  if (blank_.size() < m) blank_.resize(m, ' ');
  return target_->command_size(std::string_view(blank_.data(), m));
}

std::string xml_entry(const std::string& key, const plist::Value& value) {
  plist::Dict one;
  one.append(key, value);
  std::string text = plist::write_minimal_xml(plist::Value(std::move(one)), kBare);
  const std::string_view open = "<dict>", close = "</dict>";
  return text.substr(open.size(), text.size() - open.size() - close.size());
}

std::string xml_element(const plist::Value& value) {
  return plist::write_minimal_xml(value, kBare);
}

std::string_view empty_form(plist::Type container) {
  return container == plist::Type::kDict ? "<dict/>" : "<array/>";
}

std::string_view open_close_form(plist::Type container) {
  return container == plist::Type::kDict ? "<dict></dict>" : "<array></array>";
}

}  // namespace cmdm::optimizer
