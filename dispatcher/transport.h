// HTTPS to the MDM or the relay: one request in, one response out, with TLS verification always
// on, explicit timeouts, a cap on the response, and retries with exponential backoff and full
// jitter on network errors, 429 and 5xx (honouring Retry-After). Credentials travel as Secret
// header values and never appear in an error message or a log line. libcurl stays in
// transport.cc.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "dispatcher/secret.h"
#include "plist/diagnostic.h"

namespace cmdm::dispatcher {

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

struct HttpRequest {
  std::string method = "GET";
  std::string url;  // https://, or http:// to a loopback address only
  HttpHeaders headers;
  // Headers whose values are credentials (Authorization, X-API-Key, ...).
  std::vector<std::pair<std::string, Secret>> secret_headers;
  std::string body;
  // False when sending the request twice could do the change twice (a POST without an
  // idempotency key): then only failures that prove the server never got it are retried
  // (connection refused, name not found, 429, 503).
  bool idempotent = true;
};

struct HttpResponse {
  int status = 0;
  HttpHeaders headers;  // of the final response, names as the server wrote them
  std::string body;
  // The first header named `name` (ASCII case-insensitive).
  std::optional<std::string> header(std::string_view name) const;
};

struct RetryPolicy {
  int max_attempts = 4;  // 1: no retry
  std::chrono::milliseconds base_delay{500};
  std::chrono::milliseconds max_delay{30'000};
};

struct TransportOptions {
  std::string ca_bundle;           // PEM file of trusted CAs; empty: the system's trust store
  std::string client_certificate;  // PEM certificate for mutual TLS (the relay); may be empty
  std::string client_key;          // its PEM private key
  std::chrono::milliseconds connect_timeout{10'000};
  std::chrono::milliseconds timeout{60'000};  // the whole of one attempt
  std::size_t max_response_bytes = 16u * 1024 * 1024;
  RetryPolicy retry;
  // Injected for tests; the defaults sleep, draw from std::random_device and read the clock.
  std::function<void(std::chrono::milliseconds)> sleep;
  std::function<std::uint64_t()> random;
  std::function<std::int64_t()> now;  // Unix seconds, for Retry-After dates
  // One line per attempt (method, URL without query, status or error, attempt); never a secret.
  std::function<void(std::string_view)> log;
};

// Sends requests one at a time (not thread-safe; reuses connections between calls). A response
// with any status is a value, except 429 and 5xx still failing after the last attempt: those,
// and network errors after the last attempt, are ExitCode::kUnavailable. A TLS verification
// failure is kUnavailable at once (retrying cannot fix it); a response over the cap is
// kDataError; a URL that is neither https:// nor http:// to loopback is kUsage.
class Transport {
 public:
  virtual ~Transport() = default;
  virtual Result<HttpResponse> send(const HttpRequest& request) = 0;
};

std::unique_ptr<Transport> make_curl_transport(TransportOptions options);

// The wait before attempt `retry` + 1 (retry counts from 1): a uniform draw from
// [0, min(max_delay, base_delay * 2^(retry-1))] ("full jitter"), so a fleet that failed together
// does not retry together.
std::chrono::milliseconds backoff_delay(const RetryPolicy& policy, int retry, std::uint64_t random);

// Retry-After as delta-seconds or an HTTP-date (IMF-fixdate, RFC 850 or asctime form), as the
// number of seconds to wait from `now` (never negative); nullopt when it is neither.
std::optional<std::chrono::seconds> parse_retry_after(std::string_view value, std::int64_t now);

// A server URL the transport accepts: https://, or http:// to 127.0.0.1, [::1] or localhost
// (plain HTTP would carry credentials in the clear). ExitCode::kUsage otherwise.
Status check_server_url(const std::string& url);

// The URL as messages show it: without user information, query or fragment, which may hold
// credentials.
std::string url_for_display(std::string_view url);

}  // namespace cmdm::dispatcher
