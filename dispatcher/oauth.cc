// OAuth2 client credentials with a token cache (dispatcher/oauth.h).
#include "dispatcher/oauth.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <nlohmann/json.hpp>

#include "dispatcher/private_files.h"
#include "dispatcher/sender.h"

namespace cmdm::dispatcher {
namespace {

using json = nlohmann::json;

// application/x-www-form-urlencoded: every byte but the unreserved ones as %XX.
std::string form_encode(std::string_view text) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

// The token service's answer names the client as the problem: RFC 6749 §5.2 invalid_client and
// unauthorized_client (400 or 401), or the server refuses outright (401, 403).
bool refuses_client(const HttpResponse& response) {
  if (response.status == 401 || response.status == 403) return true;
  return response.status == 400 && (response.body.find("invalid_client") != std::string::npos ||
                                    response.body.find("unauthorized_client") != std::string::npos);
}

// When to stop using a token that lives `expires_in` seconds from `now`.
std::int64_t usable_until(std::int64_t now, std::int64_t expires_in) {
  std::int64_t margin = std::min(kTokenExpiryMarginSeconds, expires_in / 10);
  return now + expires_in - margin;
}

std::string read_all(int fd) {
  std::string bytes;
  char buffer[4096];
  ssize_t n;
  while ((n = ::read(fd, buffer, sizeof buffer)) > 0 && bytes.size() < 64 * 1024) {
    bytes.append(buffer, static_cast<std::size_t>(n));
  }
  return bytes;
}

}  // namespace

std::string token_cache_path(const std::string& ledger_path) {
  return ledger_path + ".oauth-token";
}

OAuthTokens::OAuthTokens(OAuthClient client, std::string cache_path,
                         std::function<std::int64_t()> now)
    : client_(std::move(client)), cache_path_(std::move(cache_path)), now_(std::move(now)) {}

std::int64_t OAuthTokens::now() const {
  if (now_) return now_();
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Result<Secret> OAuthTokens::token(Transport& transport) {
  if (!cached_ || cached_->expires_at <= now()) cached_ = read_cache_file();
  if (cached_ && cached_->expires_at > now()) {
    last_was_fetched_ = false;
    return cached_->token;
  }
  Result<Cached> fetched = fetch(transport);
  if (!fetched) return fetched.error();
  cached_ = std::move(*fetched);
  last_was_fetched_ = true;
  write_cache_file(*cached_);
  return cached_->token;
}

bool OAuthTokens::refused() {
  cached_.reset();
  remove_cache_file();
  return !last_was_fetched_;
}

// The cached token, when the file is this user's alone and is for this client and token URL. A
// file others could read is not trusted (its token may be known) and is replaced on the next
// write; a missing or unreadable one just means asking for a token.
std::optional<OAuthTokens::Cached> OAuthTokens::read_cache_file() const {
  if (cache_path_.empty()) return std::nullopt;
  int fd = ::open(cache_path_.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  struct stat st {};
  bool private_file = ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_uid == ::geteuid() &&
                      (st.st_mode & 077) == 0;
  std::string bytes = private_file ? read_all(fd) : std::string();
  ::close(fd);
  json j = json::parse(bytes, nullptr, false);
  if (!j.is_object() || j.value("client_id", "") != client_.client_id ||
      j.value("token_url", "") != client_.token_url || !j["access_token"].is_string() ||
      !j["expires_at"].is_number_integer()) {
    return std::nullopt;
  }
  return Cached{.token = Secret(j["access_token"].get<std::string>()),
                .expires_at = j["expires_at"].get<std::int64_t>()};
}

// Best effort: a cache that cannot be written costs a token request on the next run, nothing
// more, so it never fails the apply.
void OAuthTokens::write_cache_file(const Cached& cached) const {
  if (cache_path_.empty()) return;
  Result<int> fd = open_private_file(cache_path_);
  if (!fd) return;
  std::string bytes = json{{"client_id", client_.client_id},
                           {"token_url", client_.token_url},
                           {"access_token", cached.token.reveal()},
                           {"expires_at", cached.expires_at}}
                          .dump() +
                      "\n";
  bool ok = ::ftruncate(*fd, 0) == 0 &&
            ::write(*fd, bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size());
  if (ok) ::fsync(*fd);
  ::close(*fd);
  std::fill(bytes.begin(), bytes.end(), '\0');
  if (!ok) remove_cache_file();
}

void OAuthTokens::remove_cache_file() const {
  if (!cache_path_.empty()) ::unlink(cache_path_.c_str());
}

// POST token_url: grant_type=client_credentials with the client's id and secret, form-encoded in
// the body (where Workspace ONE's token service takes them); the answer is JSON with
// access_token and expires_in.
Result<OAuthTokens::Cached> OAuthTokens::fetch(Transport& transport) {
  std::string keys = client_.config_section + " ClientID and ClientSecret";
  HttpRequest http{.method = "POST", .url = client_.token_url};
  http.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
  http.headers.emplace_back("Accept", "application/json");
  http.body = "grant_type=client_credentials&client_id=" + form_encode(client_.client_id) +
              "&client_secret=" + form_encode(client_.client_secret.reveal());
  // Asking twice only gives a second token.
  http.idempotent = true;
  ++requests_;
  Result<HttpResponse> response = transport.send(http);
  std::fill(http.body.begin(), http.body.end(), '\0');
  if (!response) return response.error();
  std::string where = "the token URL " + url_for_display(client_.token_url);
  std::string answer = redact(vendor_text(response->body), client_.client_secret);
  if (refuses_client(*response)) {
    return Error::make(ExitCode::kNoPermission, "",
                       where + " refused the client credentials (" +
                           std::to_string(response->status) + ": " + answer + "); check " + keys);
  }
  if (response->status != 200) {
    return Error::make(ExitCode::kDataError, "",
                       where + " answered " + std::to_string(response->status) + ": " + answer);
  }
  json j = json::parse(response->body, nullptr, false);
  if (!j.is_object() || !j["access_token"].is_string() ||
      j["access_token"].get<std::string>().empty() || !j["expires_in"].is_number() ||
      j["expires_in"].get<double>() <= 0) {
    return Error::make(ExitCode::kDataError, "",
                       where + " answered without an access_token and a positive expires_in");
  }
  auto expires_in = static_cast<std::int64_t>(j["expires_in"].get<double>());
  return Cached{.token = Secret(j["access_token"].get<std::string>()),
                .expires_at = usable_until(now(), expires_in)};
}

}  // namespace cmdm::dispatcher
