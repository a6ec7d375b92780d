// A credential (password, token, API key, Authorization value) that prints as "[redacted]":
// streaming, formatting or logging one never shows its value. Only the code that puts it on the
// wire calls reveal().
#pragma once

#include <ostream>
#include <string>
#include <string_view>

namespace cmdm::dispatcher {

class Secret {
 public:
  Secret() = default;
  explicit Secret(std::string value) : value_(std::move(value)) {}
  Secret(const Secret&) = default;
  Secret& operator=(const Secret&) = default;
  Secret(Secret&&) noexcept = default;
  Secret& operator=(Secret&&) noexcept = default;
  ~Secret();  // overwrites the value before its memory is freed

  bool empty() const { return value_.empty(); }
  const std::string& reveal() const { return value_; }
  static constexpr std::string_view kRedacted = "[redacted]";

  friend std::ostream& operator<<(std::ostream& out, const Secret&) { return out << kRedacted; }
  friend bool operator==(const Secret&, const Secret&) = default;

 private:
  std::string value_;
};

// `text` with every occurrence of `secret`'s value replaced by "[redacted]": the last guard on
// a message built from text a server or a tool sent back, which may echo a credential.
std::string redact(std::string text, const Secret& secret);

// "Basic base64(user:password)" and "Bearer token" as Authorization values.
Secret basic_authorization(std::string_view user, const Secret& password);
Secret bearer_authorization(const Secret& token);

}  // namespace cmdm::dispatcher
