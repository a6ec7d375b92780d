// Requests to `cmdm relay serve` (dispatcher/relay_client.h).
#include "dispatcher/relay_client.h"

#include <regex>

#include "plist/file_io.h"
#include "plist/hash.h"

namespace cmdm::dispatcher {
namespace {

// JSON string text for values that are identifiers and hex digests (escaped all the same).
std::string quoted(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string string_field(const std::string& body, const char* name) {
  const std::regex re("\"" + std::string(name) + "\"\\s*:\\s*\"((?:[^\"\\\\]|\\\\.)*)\"");
  std::smatch m;
  return std::regex_search(body, m, re) ? m[1].str() : std::string();
}

}  // namespace

Result<std::string> manifest_sha256(const std::string& out_dir) {
  Result<std::string> bytes = read_file(out_dir + "/manifest.json");
  if (!bytes) return bytes.error();
  return plist::sha256_hex(*bytes);
}

Result<Sent> send_to_relay(const DispatcherConfig& config, const RelayChange& change,
                           Transport& transport) {
  const bool remove = change.action == "remove";
  std::string base = config.server_url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  HttpRequest http{.method = "POST", .url = base + (remove ? "/v1/remove" : "/v1/install")};
  http.headers.emplace_back("Content-Type", "application/json");
  http.headers.emplace_back("Idempotency-Key", change.idempotency_key);
  http.body = remove ? "{\"identifier\":" + quoted(change.identifier) + "}"
                     : "{\"action\":" + quoted(change.action) +
                           ",\"manifest_sha256\":" + quoted(change.manifest_sha256) +
                           ",\"identifier\":" + quoted(change.identifier) +
                           ",\"digest\":" + quoted(change.digest) + "}";
  // The key makes a retry safe: the relay answers it from its record.
  http.idempotent = true;
  Result<HttpResponse> response = transport.send(http);
  if (!response) return response.error();
  if (response->status == 200) {
    return Sent{.status = 200, .command_uuid = string_field(response->body, "command_uuid")};
  }
  std::string code = string_field(response->body, "code");
  std::string message = string_field(response->body, "message");
  if (code.empty()) code = string_field(response->body, "state");
  if (message.empty()) message = printable_text(response->body.substr(0, 300));
  if (response->status == 502) message = string_field(response->body, "reason");
  return Error::make(ExitCode::kDataError, "",
                     "the relay " + url_for_display(http.url) + " answered " +
                         std::to_string(response->status) + (code.empty() ? "" : " " + code) +
                         ": " + message);
}

}  // namespace cmdm::dispatcher
