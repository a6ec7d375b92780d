// OAuth2 client credentials (RFC 6749 §4.4) for Workspace ONE: a bearer token from the token
// URL, kept until shortly before it expires, in memory for the run and in a private file beside
// the ledger for the next runs, so a fleet that applies every 15 minutes does not ask the token
// service for a token each time (docs/dispatcher.md "Workspace ONE OAuth2").
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "dispatcher/secret.h"
#include "dispatcher/transport.h"
#include "plist/diagnostic.h"

namespace cmdm::dispatcher {

struct OAuthClient {
  std::string client_id;
  Secret client_secret;
  std::string token_url;
  // The configuration keys the credentials came from, named in a refusal ("WorkspaceONE").
  std::string config_section;
};

// The token cache file of a ledger: `ledger_path` + ".oauth-token", in the ledger's private
// directory.
std::string token_cache_path(const std::string& ledger_path);

// A token is used until this many seconds before the server said it expires (a tenth of its
// lifetime when that is shorter), so a request never leaves with a token about to lapse.
inline constexpr std::int64_t kTokenExpiryMarginSeconds = 60;

class OAuthTokens {
 public:
  // `cache_path` empty: memory only. `now` (Unix seconds) is replaced in tests.
  OAuthTokens(OAuthClient client, std::string cache_path, std::function<std::int64_t()> now = {});

  // The token to send: the one in memory, else the one in the cache file, else a new one from
  // the token URL (then written to the cache file, created 0600 without following a symbolic
  // link). Errors: the token service refuses the client (kNoPermission, naming ClientID and
  // ClientSecret); it is unreachable (kUnavailable); its answer is not a token (kDataError).
  Result<Secret> token(Transport& transport);

  // The MDM refused the token token() returned last: forgets it (memory and file). True when it
  // had been cached (it may have expired or been revoked early), so a new token may help; false
  // when token() had just fetched it (then the credentials themselves are not allowed).
  bool refused();

  // Token requests sent to the token URL in this run.
  int requests() const { return requests_; }

 private:
  struct Cached {
    Secret token;
    std::int64_t expires_at = 0;  // when to stop using it (Unix seconds, margin applied)
  };
  std::optional<Cached> read_cache_file() const;
  void write_cache_file(const Cached& cached) const;
  void remove_cache_file() const;
  Result<Cached> fetch(Transport& transport);
  std::int64_t now() const;

  OAuthClient client_;
  std::string cache_path_;
  std::function<std::int64_t()> now_;
  std::optional<Cached> cached_;
  bool last_was_fetched_ = false;
  int requests_ = 0;
};

}  // namespace cmdm::dispatcher
