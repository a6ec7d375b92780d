// The curl transport against real servers on 127.0.0.1: cpp-httplib (plain and TLS) for HTTP
// behaviour, and a raw socket for connections that reset or never answer.
#include "dispatcher/transport.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <regex>
#include <thread>

#include "dispatcher/process.h"

namespace cmdm::dispatcher {
namespace {

using namespace std::chrono_literals;

constexpr char kToken[] = "s3cr3t-T0KEN-value";

// A cpp-httplib server on an ephemeral loopback port, run on its own thread.
class LoopbackServer {
 public:
  explicit LoopbackServer(
      std::unique_ptr<httplib::Server> server = std::make_unique<httplib::Server>())
      : server_(std::move(server)) {}
  ~LoopbackServer() {
    server_->stop();
    if (thread_.joinable()) thread_.join();
  }
  httplib::Server& routes() { return *server_; }
  // Binds (the port accepts connections from here on) and serves in the background.
  int start() {
    port_ = server_->bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_->listen_after_bind(); });
    // stop() does nothing to a server that has not started running yet.
    while (!server_->is_running()) std::this_thread::sleep_for(1ms);
    return port_;
  }
  std::string url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }

 private:
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
};

// A TCP listener that accepts connections and either resets them after reading the request or
// holds them open without answering.
class RawServer {
 public:
  enum class Mode { kReset, kSilent };
  explicit RawServer(Mode mode) : mode_(mode) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    ::listen(fd_, 16);
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~RawServer() {
    stopping_ = true;
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    thread_.join();
    for (int c : held_) ::close(c);
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/"; }
  int connections() const { return connections_; }

 private:
  void serve() {
    while (!stopping_) {
      const int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      ++connections_;
      char buf[4096];
      (void)::read(c, buf, sizeof buf);
      if (mode_ == Mode::kSilent) {
        held_.push_back(c);
        continue;
      }
      linger reset{.l_onoff = 1, .l_linger = 0};  // close with RST instead of FIN
      ::setsockopt(c, SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
      ::close(c);
    }
  }
  Mode mode_;
  int fd_ = -1;
  int port_ = 0;
  std::thread thread_;
  std::atomic<bool> stopping_{false};
  std::atomic<int> connections_{0};
  std::vector<int> held_;
};

class TransportTest : public ::testing::Test {
 protected:
  TransportOptions options() {
    return {.connect_timeout = 2s,
            .timeout = 5s,
            .retry = {.max_attempts = 4, .base_delay = 100ms, .max_delay = 10s},
            .sleep = [this](std::chrono::milliseconds d) { sleeps_.push_back(d); },
            .random = [] { return std::uint64_t{7}; },
            .now = [] { return std::int64_t{784111777}; },
            .log = [this](std::string_view line) { log_.emplace_back(line); }};
  }
  HttpRequest authorized(const std::string& url) {
    HttpRequest request{.url = url};
    request.secret_headers.emplace_back("Authorization", bearer_authorization(Secret(kToken)));
    return request;
  }
  void expect_no_token_anywhere(const Error& error) {
    EXPECT_EQ(error.format().find(kToken), std::string::npos) << error.format();
    for (const std::string& line : log_) EXPECT_EQ(line.find(kToken), std::string::npos) << line;
  }

  std::vector<std::chrono::milliseconds> sleeps_;
  std::vector<std::string> log_;
};

TEST_F(TransportTest, SendsMethodHeadersAndBodyAndReturnsTheResponse) {
  LoopbackServer server;
  std::string seen;
  server.routes().Put("/commands", [&](const httplib::Request& req, httplib::Response& res) {
    seen = req.method + " " + req.get_header_value("X-Device") + " " +
           req.get_header_value("Authorization") + " " + req.body;
    res.set_header("X-Queue", "3");
    res.set_content("queued", "text/plain");
    res.status = 201;
  });
  server.start();
  HttpRequest request = authorized(server.url("/commands"));
  request.method = "PUT";
  request.headers = {{"X-Device", "C02XL0GZJGH5"}};
  request.body = "<plist/>";
  Result<HttpResponse> response = make_curl_transport(options())->send(request);
  ASSERT_TRUE(response) << response.error().format();
  EXPECT_EQ(response->status, 201);
  EXPECT_EQ(response->body, "queued");
  EXPECT_EQ(response->header("x-queue"), "3");
  EXPECT_EQ(seen, std::string("PUT C02XL0GZJGH5 Bearer ") + kToken + " <plist/>");
  ASSERT_EQ(log_.size(), 1u);
  std::smatch line;
  ASSERT_TRUE(std::regex_match(
      log_[0], line,
      std::regex("PUT (.*) -> the server answered 201 \\(([0-9]+) ms, attempt 1 of 4\\)")))
      << log_[0];
  EXPECT_EQ(line[1].str(), server.url("/commands"));
}

TEST_F(TransportTest, RetriesA500ThenSucceeds) {
  LoopbackServer server;
  std::atomic<int> calls{0};
  server.routes().Get("/", [&](const httplib::Request&, httplib::Response& res) {
    res.status = ++calls < 3 ? 500 : 200;
  });
  server.start();
  Result<HttpResponse> response = make_curl_transport(options())->send({.url = server.url("/")});
  ASSERT_TRUE(response) << response.error().format();
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(calls, 3);
  // Full jitter with random() = 7: 7 % (100 + 1) and 7 % (200 + 1).
  EXPECT_EQ(sleeps_, (std::vector<std::chrono::milliseconds>{7ms, 7ms}));
}

TEST_F(TransportTest, WaitsAsLongAsRetryAfterSaysInSecondsOrAsADate) {
  LoopbackServer server;
  std::atomic<int> calls{0};
  server.routes().Get("/", [&](const httplib::Request&, httplib::Response& res) {
    ++calls;
    if (calls == 1) {
      res.status = 429;
      res.set_header("Retry-After", "2");
    } else if (calls == 2) {
      res.status = 503;
      res.set_header("Retry-After", "Sun, 06 Nov 1994 08:49:40 GMT");  // now + 3 s
    } else {
      res.status = 200;
    }
  });
  server.start();
  Result<HttpResponse> response = make_curl_transport(options())->send({.url = server.url("/")});
  ASSERT_TRUE(response) << response.error().format();
  EXPECT_EQ(sleeps_, (std::vector<std::chrono::milliseconds>{2000ms, 3000ms}));
}

TEST_F(TransportTest, GivesUpWhenRetryAfterIsLongerThanTheMaximumDelay) {
  LoopbackServer server;
  server.routes().Get("/", [&](const httplib::Request&, httplib::Response& res) {
    res.status = 429;
    res.set_header("Retry-After", "3600");
  });
  server.start();
  Result<HttpResponse> response = make_curl_transport(options())->send({.url = server.url("/")});
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().code, ExitCode::kUnavailable);
  EXPECT_EQ(response.error().diagnostics[0].message,
            "GET " + server.url("/") +
                ": the server answered 429 and asked to retry after 3600 s, over the limit of "
                "10000 ms (1 attempt)");
  EXPECT_TRUE(sleeps_.empty());
}

TEST_F(TransportTest, StopsAfterTheLastAttemptWithUnavailable) {
  LoopbackServer server;
  std::atomic<int> calls{0};
  server.routes().Get("/", [&](const httplib::Request&, httplib::Response& res) {
    ++calls;
    res.status = 502;
  });
  server.start();
  Result<HttpResponse> response = make_curl_transport(options())->send({.url = server.url("/")});
  ASSERT_FALSE(response);
  EXPECT_EQ(calls, 4);
  EXPECT_EQ(sleeps_.size(), 3u);
  EXPECT_EQ(response.error().code, ExitCode::kUnavailable);
  EXPECT_EQ(response.error().format(),
            "error: GET " + server.url("/") + ": the server answered 502 (4 attempts)\n");
}

TEST_F(TransportTest, ReturnsA404WithoutRetrying) {
  LoopbackServer server;
  std::atomic<int> calls{0};
  server.routes().Get("/", [&](const httplib::Request&, httplib::Response& res) {
    ++calls;
    res.status = 404;
    res.set_content("no such device", "text/plain");
  });
  server.start();
  Result<HttpResponse> response = make_curl_transport(options())->send({.url = server.url("/")});
  ASSERT_TRUE(response) << response.error().format();
  EXPECT_EQ(response->status, 404);
  EXPECT_EQ(response->body, "no such device");
  EXPECT_EQ(calls, 1);
  EXPECT_TRUE(sleeps_.empty());
}

TEST_F(TransportTest, DoesNotRetryANonIdempotentRequestAfterA500ButDoesAfterA503) {
  LoopbackServer server;
  std::atomic<int> calls{0};
  server.routes().Post("/500", [&](const httplib::Request&, httplib::Response& res) {
    ++calls;
    res.status = 500;
  });
  server.routes().Post("/503", [&](const httplib::Request&, httplib::Response& res) {
    res.status = ++calls < 3 ? 503 : 200;
  });
  server.start();
  auto transport = make_curl_transport(options());
  EXPECT_FALSE(transport->send({.method = "POST", .url = server.url("/500"), .idempotent = false}));
  EXPECT_EQ(calls, 1);
  calls = 0;
  EXPECT_TRUE(transport->send({.method = "POST", .url = server.url("/503"), .idempotent = false}));
  EXPECT_EQ(calls, 3);
}

TEST_F(TransportTest, DoesNotFollowRedirects) {
  LoopbackServer server;
  server.routes().Get("/", [&](const httplib::Request&, httplib::Response& res) {
    res.set_redirect("http://127.0.0.2:1/elsewhere");
  });
  server.start();
  Result<HttpResponse> response = make_curl_transport(options())->send(authorized(server.url("/")));
  ASSERT_TRUE(response) << response.error().format();
  EXPECT_EQ(response->status, 302);
}

TEST_F(TransportTest, TimesOutASilentServerAndRetries) {
  RawServer silent(RawServer::Mode::kSilent);
  TransportOptions o = options();
  o.timeout = 200ms;
  o.retry.max_attempts = 2;
  const auto start = std::chrono::steady_clock::now();
  Result<HttpResponse> response = make_curl_transport(o)->send(authorized(silent.url()));
  ASSERT_FALSE(response);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
  EXPECT_EQ(silent.connections(), 2);
  EXPECT_EQ(response.error().code, ExitCode::kUnavailable);
  EXPECT_NE(response.error().diagnostics[0].message.find("Timeout was reached"), std::string::npos)
      << response.error().format();
  expect_no_token_anywhere(response.error());
}

TEST_F(TransportTest, RetriesAConnectionTheServerResets) {
  RawServer reset(RawServer::Mode::kReset);
  Result<HttpResponse> response = make_curl_transport(options())->send(authorized(reset.url()));
  ASSERT_FALSE(response);
  EXPECT_EQ(reset.connections(), 4);
  EXPECT_EQ(response.error().code, ExitCode::kUnavailable);
  expect_no_token_anywhere(response.error());
}

TEST_F(TransportTest, RetriesARefusedConnection) {
  // A port that was bound and released: nothing listens on it.
  const int probe = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  ASSERT_EQ(::bind(probe, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ::getsockname(probe, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(probe);
  const int port = ntohs(addr.sin_port);
  Result<HttpResponse> response = make_curl_transport(options())->send(
      authorized("http://127.0.0.1:" + std::to_string(port) + "/?token=" + kToken));
  ASSERT_FALSE(response);
  EXPECT_EQ(sleeps_.size(), 3u);
  EXPECT_EQ(response.error().code, ExitCode::kUnavailable);
  expect_no_token_anywhere(response.error());
}

TEST_F(TransportTest, RefusesAnOversizedResponseWithOrWithoutItsLength) {
  LoopbackServer server;
  server.routes().Get("/sized", [&](const httplib::Request&, httplib::Response& res) {
    res.set_content(std::string(200'000, 'x'), "text/plain");
  });
  server.routes().Get("/chunked", [&](const httplib::Request&, httplib::Response& res) {
    res.set_chunked_content_provider("text/plain", [](std::size_t, httplib::DataSink& sink) {
      const std::string chunk(10'000, 'y');
      for (int i = 0; i < 20; ++i) sink.write(chunk.data(), chunk.size());
      sink.done();
      return true;
    });
  });
  server.start();
  TransportOptions o = options();
  o.max_response_bytes = 100'000;
  auto transport = make_curl_transport(o);
  for (const char* path : {"/sized", "/chunked"}) {
    Result<HttpResponse> response = transport->send({.url = server.url(path)});
    ASSERT_FALSE(response) << path;
    EXPECT_EQ(response.error().code, ExitCode::kDataError) << path;
    EXPECT_EQ(response.error().diagnostics[0].message,
              "GET " + server.url(path) + ": the response is over the limit (1 attempt)");
  }
  EXPECT_TRUE(sleeps_.empty());
}

TEST_F(TransportTest, NeverPutsTheTokenInAnErrorOrALogLineEvenWhenTheServerEchoesIt) {
  LoopbackServer server;
  std::string received;
  server.routes().Get("/", [&](const httplib::Request& req, httplib::Response& res) {
    received = req.get_header_value("Authorization");
    res.status = 500;
    res.set_header("X-Echo", received);
    res.set_content("you sent " + received, "text/plain");
  });
  server.start();
  Result<HttpResponse> response = make_curl_transport(options())->send(authorized(server.url("/")));
  ASSERT_FALSE(response);
  EXPECT_EQ(received, std::string("Bearer ") + kToken);  // it did travel
  EXPECT_EQ(log_.size(), 4u);
  expect_no_token_anywhere(response.error());
}

TEST_F(TransportTest, RefusesPlainHttpToAnythingButLoopback) {
  Result<HttpResponse> response =
      make_curl_transport(options())->send(authorized("http://mdm.example.com/api"));
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().code, ExitCode::kUsage);
  EXPECT_EQ(response.error().format(),
            "http://mdm.example.com/api: error: the URL must start with https:// (plain http:// "
            "is allowed only to 127.0.0.1, [::1] or localhost)\n");
  EXPECT_TRUE(log_.empty());
}

TEST_F(TransportTest, RefusesAHeaderThatWouldSplitIntoTwo) {
  HttpRequest request = authorized("http://127.0.0.1:1/");
  request.headers = {{"X-Device", "C02\r\nX-Injected: 1"}};
  Result<HttpResponse> response = make_curl_transport(options())->send(request);
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().diagnostics[0].message,
            "the header 'X-Device' has a line break or a NUL in it, or a colon in its name");
  HttpRequest secret = authorized("http://127.0.0.1:1/");
  secret.secret_headers[0].second = Secret(std::string("Bearer a\nb"));
  response = make_curl_transport(options())->send(secret);
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().diagnostics[0].message,
            "the credential header 'Authorization' has a line break or a NUL in it, or a colon in "
            "its name");
  EXPECT_TRUE(log_.empty());  // nothing was sent
}

// TLS against a server whose certificate `openssl req` makes for this test.
class TlsTransportTest : public TransportTest {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/cmdm-tls-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    Result<ProcessOutput> made = make_posix_process_runner()->run(
        {.argv = {"/usr/bin/openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                  "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", dir_ + "/key.pem", "-out",
                  dir_ + "/cert.pem", "-days", "1", "-subj", "/CN=127.0.0.1", "-addext",
                  "subjectAltName=IP:127.0.0.1"}});
    if (!made || made->exit_status != 0) GTEST_SKIP() << "cannot make a certificate with openssl";
    server_ = std::make_unique<LoopbackServer>(std::make_unique<httplib::SSLServer>(
        (dir_ + "/cert.pem").c_str(), (dir_ + "/key.pem").c_str()));
    server_->routes().Get("/", [](const httplib::Request&, httplib::Response& res) {
      res.set_content("over tls", "text/plain");
    });
    port_ = server_->start();
  }
  void TearDown() override {
    server_.reset();
    std::filesystem::remove_all(dir_);
  }
  std::string url() const { return "https://127.0.0.1:" + std::to_string(port_) + "/"; }

  std::string dir_;
  std::unique_ptr<LoopbackServer> server_;
  int port_ = 0;
};

TEST_F(TlsTransportTest, TrustsAServerSignedByTheConfiguredCaBundle) {
  TransportOptions o = options();
  o.ca_bundle = dir_ + "/cert.pem";
  Result<HttpResponse> response = make_curl_transport(o)->send({.url = url()});
  ASSERT_TRUE(response) << response.error().format();
  EXPECT_EQ(response->body, "over tls");
}

TEST_F(TlsTransportTest, RefusesAnUntrustedCertificateAtOnce) {
  Result<HttpResponse> response = make_curl_transport(options())->send(authorized(url()));
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().code, ExitCode::kUnavailable);
  EXPECT_TRUE(sleeps_.empty());  // retrying cannot make a certificate trusted
  EXPECT_EQ(response.error().diagnostics[0].message.rfind(
                "GET " + url() + ": TLS verification failed: ", 0),
            0u)
      << response.error().format();
  expect_no_token_anywhere(response.error());
}

}  // namespace
}  // namespace cmdm::dispatcher
