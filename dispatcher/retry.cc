// The transport's rules that need no network: backoff with full jitter, Retry-After, which URLs
// may be used, and how a URL is shown; kept apart from libcurl so they are tested on their own.
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstring>

#include "dispatcher/transport.h"
#include "plist/calendar.h"

namespace cmdm::dispatcher {

namespace {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

int month_number(const char* name) {
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  for (int i = 0; i < 12; ++i) {
    if (std::strcmp(name, kMonths[i]) == 0) return i + 1;
  }
  return 0;
}

// The three forms RFC 9110 section 5.6.7 requires a recipient to accept.
std::optional<std::int64_t> parse_http_date(const std::string& s) {
  char wday[16], mon[4];
  int day = 0, year = 0, hour = 0, minute = 0, second = 0, end = 0;
  const int size = static_cast<int>(s.size());
  const bool imf = std::sscanf(s.c_str(), "%15[A-Za-z], %2d %3[A-Za-z] %4d %2d:%2d:%2d GMT%n", wday,
                               &day, mon, &year, &hour, &minute, &second, &end) == 7 &&
                   end == size;
  const bool rfc850 = !imf &&
                      std::sscanf(s.c_str(), "%15[A-Za-z], %2d-%3[A-Za-z]-%2d %2d:%2d:%2d GMT%n",
                                  wday, &day, mon, &year, &hour, &minute, &second, &end) == 7 &&
                      end == size;
  const bool asctime = !imf && !rfc850 &&
                       std::sscanf(s.c_str(), "%3[A-Za-z] %3[A-Za-z] %2d %2d:%2d:%2d %4d%n", wday,
                                   mon, &day, &hour, &minute, &second, &year, &end) == 7 &&
                       end == size;
  if (!imf && !rfc850 && !asctime) return std::nullopt;
  if (rfc850) year += year < 70 ? 2000 : 1900;
  const int month = month_number(mon);
  if (month == 0 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) {
    return std::nullopt;
  }
  return plist::unix_seconds_of(year, static_cast<unsigned>(month), static_cast<unsigned>(day),
                                static_cast<unsigned>(hour), static_cast<unsigned>(minute),
                                static_cast<unsigned>(second));
}

bool is_loopback_host(std::string_view host) {
  return host == "localhost" || host == "[::1]" || host.starts_with("127.");
}

}  // namespace

Status check_server_url(const std::string& url) {
  if (url.starts_with("https://")) return Ok{};
  if (url.starts_with("http://")) {
    std::string_view authority = std::string_view(url).substr(7);
    authority = authority.substr(0, authority.find_first_of("/?#"));
    if (const std::size_t at = authority.rfind('@'); at != std::string_view::npos) {
      authority.remove_prefix(at + 1);
    }
    const std::size_t port = authority.rfind(':');
    const std::string_view host =
        port != std::string_view::npos && authority.find(']', port) == std::string_view::npos
            ? authority.substr(0, port)
            : authority;
    if (is_loopback_host(host)) return Ok{};
  }
  return Error::make(ExitCode::kUsage, url_for_display(url),
                     "the URL must start with https:// (plain http:// is allowed only to "
                     "127.0.0.1, [::1] or localhost)");
}

std::optional<std::string> HttpResponse::header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (iequals(key, name)) return value;
  }
  return std::nullopt;
}

std::chrono::milliseconds backoff_delay(const RetryPolicy& policy, int retry,
                                        std::uint64_t random) {
  // Doubling stops at max_delay; the shift is bounded so it cannot overflow.
  std::int64_t ceiling = policy.base_delay.count();
  for (int i = 1; i < retry && ceiling < policy.max_delay.count(); ++i) ceiling *= 2;
  ceiling = std::min<std::int64_t>(ceiling, policy.max_delay.count());
  if (ceiling <= 0) return std::chrono::milliseconds(0);
  return std::chrono::milliseconds(
      static_cast<std::int64_t>(random % (static_cast<std::uint64_t>(ceiling) + 1)));
}

std::optional<std::chrono::seconds> parse_retry_after(std::string_view value, std::int64_t now) {
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
  if (value.empty()) return std::nullopt;
  if (std::all_of(value.begin(), value.end(),
                  [](char c) { return std::isdigit(static_cast<unsigned char>(c)); })) {
    // More than ten digits is over three centuries: hold it at that rather than overflow.
    if (value.size() > 10) return std::chrono::seconds(9'999'999'999);
    return std::chrono::seconds(std::stoll(std::string(value)));
  }
  const std::optional<std::int64_t> at = parse_http_date(std::string(value));
  if (!at) return std::nullopt;
  return std::chrono::seconds(std::max<std::int64_t>(0, *at - now));
}

std::string url_for_display(std::string_view url) {
  std::string_view rest = url;
  std::string out;
  if (const std::size_t scheme = url.find("://"); scheme != std::string_view::npos) {
    out = url.substr(0, scheme + 3);
    rest = url.substr(scheme + 3);
    const std::size_t authority_end = rest.find_first_of("/?#");
    const std::size_t at = rest.substr(0, authority_end).rfind('@');
    if (at != std::string_view::npos) rest.remove_prefix(at + 1);
  }
  out += rest.substr(0, rest.find_first_of("?#"));
  return printable_text(out);
}

}  // namespace cmdm::dispatcher
