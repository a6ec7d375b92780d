// Redaction and the Authorization values built from credentials.
#include "dispatcher/secret.h"

#include "plist/base64.h"

namespace cmdm::dispatcher {

Secret::~Secret() {
  // Overwrite through a volatile pointer so the store is not optimized away; the heap block
  // would otherwise keep the credential until it is reused.
  volatile char* p = value_.data();
  for (std::size_t i = 0; i < value_.size(); ++i) p[i] = 0;
}

std::string redact(std::string text, const Secret& secret) {
  if (secret.empty()) return text;
  const std::string& value = secret.reveal();
  for (std::size_t at = text.find(value); at != std::string::npos;
       at = text.find(value, at + Secret::kRedacted.size())) {
    text.replace(at, value.size(), Secret::kRedacted);
  }
  return text;
}

Secret basic_authorization(std::string_view user, const Secret& password) {
  const Secret pair(std::string(user) + ":" + password.reveal());  // wiped when it goes
  return Secret("Basic " + plist::base64_encode(pair.reveal()));
}

Secret bearer_authorization(const Secret& token) { return Secret("Bearer " + token.reveal()); }

}  // namespace cmdm::dispatcher
