// The libcurl transport: one easy handle per Transport (connections are reused between
// requests), TLS verification forced on, no redirects followed (a redirect could carry the
// Authorization header to another host), and the retry loop of transport.h.
#include <curl/curl.h>

#include <ctime>
#include <mutex>
#include <random>
#include <thread>

#include "dispatcher/transport.h"

namespace cmdm::dispatcher {

namespace {

// What one attempt produced.
struct Attempt {
  CURLcode code = CURLE_OK;
  HttpResponse response;
  bool too_large = false;
  std::string curl_message;
};

struct Receiver {
  Attempt* attempt;
  std::size_t limit;
};

std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user) {
  auto* receiver = static_cast<Receiver*>(user);
  const std::size_t n = size * count;
  std::string& body = receiver->attempt->response.body;
  if (body.size() + n > receiver->limit) {
    receiver->attempt->too_large = true;
    return 0;  // makes curl stop with CURLE_WRITE_ERROR
  }
  body.append(data, n);
  return n;
}

std::size_t on_header(char* data, std::size_t size, std::size_t count, void* user) {
  auto* receiver = static_cast<Receiver*>(user);
  const std::size_t n = size * count;
  std::string_view line(data, n);
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
  HttpHeaders& headers = receiver->attempt->response.headers;
  // A new status line (after 100 Continue) starts the headers of another response.
  if (line.starts_with("HTTP/")) headers.clear();
  const std::size_t colon = line.find(':');
  if (colon == std::string_view::npos || colon == 0) return n;
  std::string_view value = line.substr(colon + 1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  headers.emplace_back(std::string(line.substr(0, colon)), std::string(value));
  return n;
}

// A CR, LF or NUL in a header would end it early and let the rest of the value (text from a
// configuration or a server) become headers of its own.
Status check_headers(const HttpRequest& request) {
  auto bad = [](std::string_view text) {
    return text.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos;
  };
  for (const auto& [name, value] : request.headers) {
    if (bad(name) || bad(value) || name.find(':') != std::string::npos) {
      return Error::make(ExitCode::kDataError, url_for_display(request.url),
                         "the header '" + printable_text(name) +
                             "' has a line break or a NUL in it, or a colon in its name");
    }
  }
  for (const auto& [name, value] : request.secret_headers) {
    if (bad(name) || bad(value.reveal()) || name.find(':') != std::string::npos) {
      return Error::make(ExitCode::kDataError, url_for_display(request.url),
                         "the credential header '" + printable_text(name) +
                             "' has a line break or a NUL in it, or a colon in its name");
    }
  }
  return Ok{};
}

// Failures after which the request certainly did not reach the server.
bool never_sent(CURLcode code) {
  return code == CURLE_COULDNT_CONNECT || code == CURLE_COULDNT_RESOLVE_HOST ||
         code == CURLE_COULDNT_RESOLVE_PROXY;
}

// Network failures worth another attempt (the server or the path may recover).
bool transient(CURLcode code) {
  switch (code) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
      return true;
    default:
      return false;
  }
}

// Certificate problems: retrying cannot fix them, and they may mean an attack.
bool tls_verification(CURLcode code) {
  return code == CURLE_PEER_FAILED_VERIFICATION || code == CURLE_SSL_CACERT_BADFILE ||
         code == CURLE_SSL_CERTPROBLEM || code == CURLE_SSL_ISSUER_ERROR ||
         code == CURLE_SSL_CRL_BADFILE;
}

// The verdict on one attempt.
struct Verdict {
  enum Kind { kDone, kRetry, kFail } kind = kDone;
  std::string problem;  // what went wrong, for the log and the final error
  ExitCode code = ExitCode::kUnavailable;
  std::optional<std::chrono::seconds> retry_after;
};

std::string describe(const Attempt& attempt) {
  if (attempt.code == CURLE_OK) {
    return "the server answered " + std::to_string(attempt.response.status);
  }
  std::string text = curl_easy_strerror(attempt.code);
  if (!attempt.curl_message.empty()) text += " (" + attempt.curl_message + ")";
  return text;
}

Verdict judge_status(const HttpRequest& request, const Attempt& attempt, std::int64_t now) {
  const int status = attempt.response.status;
  if (status != 429 && status < 500) return {};
  // 429 and 503 say the server did not act on the request; other 5xx may come after it did.
  if (!request.idempotent && status != 429 && status != 503) {
    return {.kind = Verdict::kFail, .problem = describe(attempt)};
  }
  Verdict verdict{.kind = Verdict::kRetry, .problem = describe(attempt)};
  if (std::optional<std::string> after = attempt.response.header("Retry-After")) {
    verdict.retry_after = parse_retry_after(*after, now);
  }
  return verdict;
}

Verdict judge(const HttpRequest& request, const Attempt& attempt, std::int64_t now) {
  if (attempt.code == CURLE_OK) return judge_status(request, attempt, now);
  if (attempt.too_large || attempt.code == CURLE_FILESIZE_EXCEEDED) {
    return {.kind = Verdict::kFail,
            .problem = "the response is over the limit",
            .code = ExitCode::kDataError};
  }
  if (tls_verification(attempt.code)) {
    return {.kind = Verdict::kFail, .problem = "TLS verification failed: " + describe(attempt)};
  }
  if (attempt.code == CURLE_URL_MALFORMAT || attempt.code == CURLE_UNSUPPORTED_PROTOCOL) {
    return {.kind = Verdict::kFail, .problem = describe(attempt), .code = ExitCode::kUsage};
  }
  if (transient(attempt.code) && (request.idempotent || never_sent(attempt.code))) {
    return {.kind = Verdict::kRetry, .problem = describe(attempt)};
  }
  return {.kind = Verdict::kFail, .problem = describe(attempt)};
}

// The request's header list; secret values are wiped before the list is freed.
class HeaderList {
 public:
  explicit HeaderList(const HttpRequest& request) {
    for (const auto& [name, value] : request.headers) add(name + ": " + value);
    for (const auto& [name, value] : request.secret_headers) {
      Secret line(name + ": " + value.reveal());
      add(line.reveal());
    }
    add("Expect:");  // no 100-continue round trip before a body
  }
  ~HeaderList() {
    for (curl_slist* item = list_; item != nullptr; item = item->next) {
      volatile char* p = item->data;
      while (*p != 0) *p++ = 0;
    }
    curl_slist_free_all(list_);
  }
  HeaderList(const HeaderList&) = delete;
  HeaderList& operator=(const HeaderList&) = delete;
  curl_slist* get() const { return list_; }
  bool ok() const { return ok_; }

 private:
  void add(const std::string& line) {
    curl_slist* grown = curl_slist_append(list_, line.c_str());
    if (grown == nullptr) {
      ok_ = false;
    } else {
      list_ = grown;
    }
  }
  curl_slist* list_ = nullptr;
  bool ok_ = true;
};

class CurlTransport final : public Transport {
 public:
  explicit CurlTransport(TransportOptions options);
  ~CurlTransport() override { curl_easy_cleanup(curl_); }
  Result<HttpResponse> send(const HttpRequest& request) override;

 private:
  Attempt attempt_once(const HttpRequest& request);
  void set_tls_and_limits();
  void set_method_and_body(const HttpRequest& request);
  Result<std::chrono::milliseconds> wait_before_retry(const HttpRequest& request,
                                                      const Verdict& verdict, int retry);
  Error failure(const HttpRequest& request, const std::string& problem, ExitCode code,
                int attempts) const;
  void log(const HttpRequest& request, const std::string& outcome, int attempt,
           std::chrono::steady_clock::time_point started) const;

  TransportOptions options_;
  CURL* curl_;
  std::mt19937_64 engine_;
};

CurlTransport::CurlTransport(TransportOptions options)
    : options_(std::move(options)), curl_(curl_easy_init()), engine_(std::random_device{}()) {
  if (!options_.sleep) {
    options_.sleep = [](std::chrono::milliseconds d) { std::this_thread::sleep_for(d); };
  }
  if (!options_.random) options_.random = [this] { return engine_(); };
  if (!options_.now) options_.now = [] { return static_cast<std::int64_t>(std::time(nullptr)); };
  if (options_.retry.max_attempts < 1) options_.retry.max_attempts = 1;
}

void CurlTransport::set_tls_and_limits() {
  curl_easy_setopt(curl_, CURLOPT_NOSIGNAL, 1L);  // no SIGALRM for timeouts: threads are safe
  curl_easy_setopt(curl_, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(curl_, CURLOPT_SSL_VERIFYHOST, 2L);
  if (!options_.ca_bundle.empty()) {
    curl_easy_setopt(curl_, CURLOPT_CAINFO, options_.ca_bundle.c_str());
  }
  if (!options_.client_certificate.empty()) {
    curl_easy_setopt(curl_, CURLOPT_SSLCERT, options_.client_certificate.c_str());
    curl_easy_setopt(curl_, CURLOPT_SSLKEY, options_.client_key.c_str());
  }
  curl_easy_setopt(curl_, CURLOPT_FOLLOWLOCATION, 0L);
#if LIBCURL_VERSION_NUM >= 0x075500  // 7.85 replaced the bit mask with a string
  curl_easy_setopt(curl_, CURLOPT_PROTOCOLS_STR, "http,https");
#else
  curl_easy_setopt(curl_, CURLOPT_PROTOCOLS, static_cast<long>(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
  curl_easy_setopt(curl_, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(options_.connect_timeout.count()));
  curl_easy_setopt(curl_, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.timeout.count()));
  curl_easy_setopt(curl_, CURLOPT_MAXFILESIZE_LARGE,
                   static_cast<curl_off_t>(options_.max_response_bytes));
}

void CurlTransport::set_method_and_body(const HttpRequest& request) {
  if (request.method == "HEAD") {
    curl_easy_setopt(curl_, CURLOPT_NOBODY, 1L);
  } else if (request.method == "GET" && request.body.empty()) {
    curl_easy_setopt(curl_, CURLOPT_HTTPGET, 1L);
  } else {
    curl_easy_setopt(curl_, CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(request.body.size()));
    curl_easy_setopt(curl_, CURLOPT_POSTFIELDS, request.body.data());
    if (request.method != "POST") {
      curl_easy_setopt(curl_, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    }
  }
}

Attempt CurlTransport::attempt_once(const HttpRequest& request) {
  Attempt attempt;
  curl_easy_reset(curl_);  // keeps the connection cache
  HeaderList headers(request);
  if (!headers.ok()) return {.code = CURLE_OUT_OF_MEMORY};
  Receiver receiver{&attempt, options_.max_response_bytes};
  char message[CURL_ERROR_SIZE] = {};
  set_tls_and_limits();
  set_method_and_body(request);
  curl_easy_setopt(curl_, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(curl_, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(curl_, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(curl_, CURLOPT_WRITEDATA, &receiver);
  curl_easy_setopt(curl_, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(curl_, CURLOPT_HEADERDATA, &receiver);
  curl_easy_setopt(curl_, CURLOPT_ERRORBUFFER, message);
  attempt.code = curl_easy_perform(curl_);
  long status = 0;
  curl_easy_getinfo(curl_, CURLINFO_RESPONSE_CODE, &status);
  attempt.response.status = static_cast<int>(status);
  attempt.curl_message = message;
  curl_easy_setopt(curl_, CURLOPT_ERRORBUFFER, nullptr);  // `message` goes out of scope
  return attempt;
}

Result<HttpResponse> CurlTransport::send(const HttpRequest& request) {
  if (curl_ == nullptr) return Error::make(ExitCode::kInternal, "", "cannot initialize libcurl");
  if (Status url = check_server_url(request.url); !url) return url.error();
  if (Status headers = check_headers(request); !headers) return headers.error();
  const int attempts = options_.retry.max_attempts;
  for (int attempt = 1;; ++attempt) {
    const auto started = std::chrono::steady_clock::now();
    Attempt result = attempt_once(request);
    const Verdict verdict = judge(request, result, options_.now());
    if (verdict.kind == Verdict::kDone) {
      log(request, describe(result), attempt, started);
      return std::move(result.response);
    }
    log(request, verdict.problem, attempt, started);
    if (verdict.kind == Verdict::kFail) {
      return failure(request, verdict.problem, verdict.code, attempt);
    }
    if (attempt == attempts) {
      return failure(request, verdict.problem, ExitCode::kUnavailable, attempt);
    }
    Result<std::chrono::milliseconds> wait = wait_before_retry(request, verdict, attempt);
    if (!wait) return wait.error();
    options_.sleep(*wait);
  }
}

// Never sooner than the server asked; and a server asking for longer than max_delay is not
// waited for (the next run will try again) rather than holding the device's run for hours.
Result<std::chrono::milliseconds> CurlTransport::wait_before_retry(const HttpRequest& request,
                                                                   const Verdict& verdict,
                                                                   int retry) {
  const std::chrono::milliseconds jittered =
      backoff_delay(options_.retry, retry, options_.random());
  if (!verdict.retry_after) return jittered;
  if (*verdict.retry_after > options_.retry.max_delay) {
    return failure(request,
                   verdict.problem + " and asked to retry after " +
                       std::to_string(verdict.retry_after->count()) + " s, over the limit of " +
                       std::to_string(options_.retry.max_delay.count()) + " ms",
                   ExitCode::kUnavailable, retry);
  }
  return std::max<std::chrono::milliseconds>(jittered, *verdict.retry_after);
}

Error CurlTransport::failure(const HttpRequest& request, const std::string& problem, ExitCode code,
                             int attempts) const {
  std::string message = request.method + " " + url_for_display(request.url) + ": " + problem +
                        " (" + std::to_string(attempts) +
                        (attempts == 1 ? " attempt)" : " attempts)");
  for (const auto& [name, value] : request.secret_headers) message = redact(message, value);
  return Error::make(code, "", printable_text(message));
}

void CurlTransport::log(const HttpRequest& request, const std::string& outcome, int attempt,
                        std::chrono::steady_clock::time_point started) const {
  if (!options_.log) return;
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                  started)
                .count();
  std::string line = request.method + " " + url_for_display(request.url) + " -> " + outcome + " (" +
                     std::to_string(ms) + " ms, attempt " + std::to_string(attempt) + " of " +
                     std::to_string(options_.retry.max_attempts) + ")";
  for (const auto& [name, value] : request.secret_headers) line = redact(line, value);
  options_.log(printable_text(line));
}

}  // namespace

std::unique_ptr<Transport> make_curl_transport(TransportOptions options) {
  // curl_global_init is not thread-safe in older libcurl: once, before the first handle.
  static std::once_flag initialized;
  std::call_once(initialized, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  return std::make_unique<CurlTransport>(std::move(options));
}

}  // namespace cmdm::dispatcher
