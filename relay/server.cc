// Boost.Beast over Boost.Asio with OpenSSL (relay/server.h). Why Beast and not cpp-httplib:
// cpp-httplib serves each connection on a thread of a fixed pool and blocks in read, so as many
// slow clients as it has threads stop everyone else; Beast's asynchronous reads hold no thread
// while a client is slow, and a per-connection deadline (tcp_stream::expires_after) bounds how
// long any one of them may take (docs/relay.md "Why Boost.Beast").
#include "relay/server.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <atomic>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <ctime>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace cmdm::relay {

namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = boost::asio::ip::tcp;

namespace {

std::string openssl_error() {
  unsigned long code = ERR_get_error();
  char text[256] = "unknown OpenSSL error";
  if (code != 0) ERR_error_string_n(code, text, sizeof text);
  ERR_clear_error();
  return text;
}

// A device id goes into SQL parameters, slots and log lines: a conservative alphabet.
bool acceptable_identity(std::string_view id) {
  return !id.empty() && id.size() <= 128 && std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '-' || c == '_' || c == ':';
  });
}

// Subject CN, or the first DNS subjectAltName; "" when the certificate has none acceptable.
std::string identity_of(X509* cert, IdentitySource source) {
  if (cert == nullptr) return "";
  std::string id;
  if (source == IdentitySource::kSubjectCn) {
    X509_NAME* name = X509_get_subject_name(cert);
    const int at = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
    // Two CNs would make the rule ambiguous: refused.
    if (at < 0 || X509_NAME_get_index_by_NID(name, NID_commonName, at) >= 0) return "";
    ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, at));
    id.assign(reinterpret_cast<const char*>(ASN1_STRING_get0_data(data)),
              static_cast<std::size_t>(ASN1_STRING_length(data)));
  } else {
    auto* names =
        static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
    for (int i = 0; names != nullptr && i < sk_GENERAL_NAME_num(names) && id.empty(); ++i) {
      const GENERAL_NAME* n = sk_GENERAL_NAME_value(names, i);
      if (n->type != GEN_DNS) continue;
      id.assign(reinterpret_cast<const char*>(ASN1_STRING_get0_data(n->d.dNSName)),
                static_cast<std::size_t>(ASN1_STRING_length(n->d.dNSName)));
    }
    GENERAL_NAMES_free(names);
  }
  return acceptable_identity(id) ? id : "";
}

Status load_crl(SSL_CTX* ctx, const std::string& path) {
  BIO* bio = BIO_new_file(path.c_str(), "r");
  if (bio == nullptr) return Error::make(ExitCode::kIoError, path, "cannot read the DeviceCRL");
  X509_STORE* store = SSL_CTX_get_cert_store(ctx);
  int count = 0;
  while (X509_CRL* crl = PEM_read_bio_X509_CRL(bio, nullptr, nullptr, nullptr)) {
    X509_STORE_add_crl(store, crl);
    X509_CRL_free(crl);
    ++count;
  }
  BIO_free(bio);
  ERR_clear_error();  // the loop ends on "no start line"
  if (count == 0) return Error::make(ExitCode::kDataError, path, "no PEM CRL in the DeviceCRL");
  // Checked for the leaf (the device); the CRL must be current, or every device is refused.
  X509_STORE_set_flags(store, X509_V_FLAG_CRL_CHECK);
  return Ok{};
}

Result<std::shared_ptr<ssl::context>> make_tls(const RelayConfig& config) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  SSL_CTX* native = ctx->native_handle();
  SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
  SSL_CTX_set_options(native, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
  auto fail = [](const std::string& path, const std::string& what) {
    return Error::make(ExitCode::kDataError, path, what + ": " + openssl_error());
  };
  if (SSL_CTX_use_certificate_chain_file(native, config.server_certificate.c_str()) != 1) {
    return fail(config.server_certificate, "cannot load the ServerCertificate");
  }
  if (SSL_CTX_use_PrivateKey_file(native, config.server_key.c_str(), SSL_FILETYPE_PEM) != 1 ||
      SSL_CTX_check_private_key(native) != 1) {
    return fail(config.server_key,
                "cannot load the ServerKey (or it does not match the certificate)");
  }
  if (SSL_CTX_load_verify_locations(native, config.device_ca.c_str(), nullptr) != 1) {
    return fail(config.device_ca, "cannot load the DeviceCA");
  }
  if (STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(config.device_ca.c_str())) {
    SSL_CTX_set_client_CA_list(native, names);
  }
  if (!config.device_crl.empty()) {
    if (Status s = load_crl(native, config.device_crl); !s) return s.error();
  }
  SSL_CTX_set_verify(native, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
  static const unsigned char kSessionContext[] = "cmdm-relay";
  SSL_CTX_set_session_id_context(native, kSessionContext, sizeof kSessionContext - 1);
  return ctx;
}

std::string utc_now() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace

struct Server::Impl {
  Impl(const RelayConfig& config, Service& s, Metrics& m, std::function<void(std::string_view)> l)
      : service(s),
        metrics(m),
        log(std::move(l)),
        limits(config.limits),
        identity(config.identity),
        ioc(config.limits.threads),
        acceptor(net::make_strand(ioc)),
        pool(static_cast<std::size_t>(config.limits.forward_threads)) {}

  void accept();
  void say(const std::string& line) {
    if (log) log(line);
  }

  // Declared before the io_context: sessions it destroys last still count themselves out.
  std::atomic<std::size_t> connections{0};
  std::atomic<std::size_t> in_flight{0};
  std::atomic<bool> draining{false};
  bool stopped = false;
  int port = 0;
  Service& service;
  Metrics& metrics;
  std::function<void(std::string_view)> log;

  std::mutex mutex;  // guards tls, limits, identity
  std::shared_ptr<ssl::context> tls;
  Limits limits;
  IdentitySource identity;

  net::io_context ioc;
  tcp::acceptor acceptor;
  net::thread_pool pool;
  std::vector<std::thread> threads;
};

namespace {

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket&& socket, std::shared_ptr<ssl::context> tls, Limits limits,
          IdentitySource identity, Server::Impl& server)
      : tls_(std::move(tls)),
        stream_(std::move(socket), *tls_),
        limits_(limits),
        identity_(identity),
        server_(server) {
    beast::error_code ec;
    tcp::endpoint peer = beast::get_lowest_layer(stream_).socket().remote_endpoint(ec);
    peer_ = ec ? "?" : peer.address().to_string();
  }
  ~Session() { --server_.connections; }

  void run() {
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->handshake(); });
  }

 private:
  void handshake() {
    beast::get_lowest_layer(stream_).expires_after(limits_.handshake_timeout);
    stream_.async_handshake(
        ssl::stream_base::server,
        [self = shared_from_this()](beast::error_code ec) { self->on_handshake(ec); });
  }

  void on_handshake(beast::error_code ec) {
    if (ec) {
      // Another CA, expired, revoked, no certificate, or not TLS at all: no request is read.
      const long verify = SSL_get_verify_result(stream_.native_handle());
      std::string why = verify != X509_V_OK ? X509_verify_cert_error_string(verify) : ec.message();
      server_.metrics.connection_refused("tls");
      server_.say(utc_now() + " relay peer=" + peer_ + " tls refused: " + why);
      return;
    }
    X509* cert = SSL_get1_peer_certificate(stream_.native_handle());
    device_ = identity_of(cert, identity_);
    X509_free(cert);
    read();
  }

  void read() {
    parser_.emplace();
    parser_->body_limit(limits_.max_request_bytes);
    parser_->header_limit(16 * 1024);
    // One deadline for the whole request: a client trickling bytes cannot keep extending it.
    beast::get_lowest_layer(stream_).expires_after(limits_.read_timeout);
    http::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
  }

  void on_read(beast::error_code ec) {
    if (ec == http::error::end_of_stream || ec == net::error::eof ||
        ec == ssl::error::stream_truncated) {
      return shutdown();
    }
    if (ec == http::error::body_limit || ec == http::error::header_limit) {
      const bool body = ec == http::error::body_limit;
      return answer_now(body ? 413 : 431, body ? "request_too_large" : "headers_too_large",
                        body ? "the body is over the relay's MaxRequestBytes"
                             : "the request headers are over 16 KiB");
    }
    if (ec) {
      const bool timeout = ec == beast::error::timeout;
      server_.metrics.connection_refused(timeout ? "read_timeout" : "bad_request");
      server_.say(utc_now() + " relay peer=" + peer_ + " device=" + shown_device() +
                  (timeout ? " closed: the request was not read within ReadTimeout"
                           : " closed: " + ec.message()));
      return;  // the stream closes with the session
    }
    if (device_.empty()) {
      return answer_now(403, "no_identity",
                        "the client certificate carries no device identity the relay accepts");
    }
    dispatch(parser_->release());
  }

  // Runs the Service on the forwarding pool; the answer is written back on this connection's
  // strand.
  void dispatch(http::request<http::string_body> request) {
    started_ = std::chrono::steady_clock::now();
    keep_alive_ = request.keep_alive();
    ServiceRequest sreq{.method = std::string(request.method_string()),
                        .target = std::string(request.target()),
                        .body = std::move(request.body())};
    if (auto it = request.find("Idempotency-Key"); it != request.end()) {
      sreq.idempotency_key = std::string(it->value());
    }
    method_ = sreq.method;
    path_ = sreq.target.substr(0, sreq.target.find('?'));
    beast::get_lowest_layer(stream_).expires_never();
    ++server_.in_flight;
    net::post(server_.pool, [self = shared_from_this(), sreq = std::move(sreq)] {
      ServiceResponse response = self->server_.service.handle(self->device_, sreq);
      net::post(self->stream_.get_executor(), [self, response = std::move(response)]() mutable {
        self->write(std::move(response));
      });
    });
  }

  void answer_now(int status, const std::string& code, const std::string& message) {
    started_ = std::chrono::steady_clock::now();
    keep_alive_ = false;
    method_ = "-";
    path_ = "-";
    ++server_.in_flight;
    server_.metrics.refusal(code);
    write({.status = status,
           .body = "{\"error\":{\"code\":\"" + code + "\",\"message\":\"" + message + "\"}}\n",
           .route = "unknown",
           .outcome = "refused",
           .reason = code});
  }

  void write(ServiceResponse response) {
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
    server_.metrics.observe(response.route, response.status, response.outcome, seconds);
    char ms[32];
    std::snprintf(ms, sizeof ms, "%.1fms", seconds * 1000);
    server_.say(utc_now() + " relay device=" + shown_device() + " " + method_ + " " + path_ + " " +
                std::to_string(response.status) + " " + response.outcome +
                (response.reason.empty() ? "" : " reason=" + response.reason) + " " + ms);
    response_.emplace(static_cast<http::status>(response.status), 11);
    response_->set(http::field::server, "cmdm-relay");
    response_->set(http::field::content_type, response.content_type);
    for (const auto& [name, value] : response.headers) response_->set(name, value);
    response_->body() = std::move(response.body);
    const bool keep = keep_alive_ && !server_.draining;
    response_->keep_alive(keep);
    response_->prepare_payload();
    beast::get_lowest_layer(stream_).expires_after(limits_.write_timeout);
    http::async_write(stream_, *response_,
                      [self = shared_from_this(), keep](beast::error_code ec, std::size_t) {
                        --self->server_.in_flight;
                        if (ec) return;
                        if (keep) return self->read();
                        self->shutdown();
                      });
  }

  void shutdown() {
    beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(2));
    stream_.async_shutdown([self = shared_from_this()](beast::error_code) {});
  }

  std::string shown_device() const { return device_.empty() ? "-" : device_; }

  std::shared_ptr<ssl::context> tls_;  // outlives the stream that uses it
  beast::ssl_stream<beast::tcp_stream> stream_;
  Limits limits_;
  IdentitySource identity_;
  Server::Impl& server_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::optional<http::response<http::string_body>> response_;
  std::string peer_, device_, method_, path_;
  bool keep_alive_ = false;
  std::chrono::steady_clock::time_point started_;
};

}  // namespace

void Server::Impl::accept() {
  acceptor.async_accept(net::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
    if (ec == net::error::operation_aborted || !acceptor.is_open()) return;
    if (!ec) {
      std::shared_ptr<ssl::context> ctx;
      Limits l;
      IdentitySource id;
      {
        std::lock_guard lock(mutex);
        ctx = tls;
        l = limits;
        id = identity;
      }
      if (++connections > l.max_connections) {
        --connections;
        metrics.connection_refused("max_connections");
        beast::error_code ignored;
        socket.close(ignored);
      } else {
        std::make_shared<Session>(std::move(socket), std::move(ctx), l, id, *this)->run();
      }
    }
    accept();
  });
}

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Server::~Server() { drain(std::chrono::milliseconds(0)); }

Result<std::unique_ptr<Server>> Server::start(const RelayConfig& config, Service& service,
                                              Metrics& metrics,
                                              std::function<void(std::string_view)> log) {
  Result<std::shared_ptr<ssl::context>> tls = make_tls(config);
  if (!tls) return tls.error();
  auto impl = std::make_unique<Impl>(config, service, metrics, std::move(log));
  impl->tls = std::move(*tls);
  beast::error_code ec;
  const std::string where = config.listen_host + ":" + std::to_string(config.listen_port);
  net::ip::address address = net::ip::make_address(config.listen_host, ec);
  if (ec) return Error::make(ExitCode::kUsage, config.file, "Listen: bad address " + where);
  tcp::endpoint endpoint(address, static_cast<unsigned short>(config.listen_port));
  impl->acceptor.open(endpoint.protocol(), ec);
  if (!ec) impl->acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) impl->acceptor.bind(endpoint, ec);
  if (!ec) impl->acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    return Error::make(ExitCode::kUnavailable, config.file,
                       "cannot listen on " + where + ": " + ec.message());
  }
  impl->port = impl->acceptor.local_endpoint().port();
  impl->accept();
  for (int i = 0; i < config.limits.threads; ++i) {
    impl->threads.emplace_back([io = &impl->ioc] { io->run(); });
  }
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

int Server::port() const { return impl_->port; }

Status Server::reload(const RelayConfig& config) {
  Result<std::shared_ptr<ssl::context>> tls = make_tls(config);
  if (!tls) return tls.error();
  std::lock_guard lock(impl_->mutex);
  impl_->tls = std::move(*tls);
  impl_->limits = config.limits;
  impl_->identity = config.identity;
  return Ok{};
}

void Server::drain(std::chrono::milliseconds timeout) {
  if (impl_->stopped) return;
  impl_->stopped = true;
  impl_->draining = true;
  net::post(impl_->acceptor.get_executor(), [impl = impl_.get()] {
    beast::error_code ignored;
    impl->acceptor.close(ignored);
  });
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (impl_->in_flight > 0 && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  impl_->ioc.stop();
  for (std::thread& t : impl_->threads) t.join();
  impl_->pool.join();
}

Result<std::string> certificate_identity(std::string_view pem, IdentitySource source) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  X509* cert = bio != nullptr ? PEM_read_bio_X509(bio, nullptr, nullptr, nullptr) : nullptr;
  BIO_free(bio);
  std::string id = identity_of(cert, source);
  X509_free(cert);
  if (id.empty()) {
    return Error::make(ExitCode::kDataError, "",
                       "the certificate has no " + std::string(identity_source_name(source)) +
                           " identity of 1 to 128 characters [A-Za-z0-9._:-]");
  }
  return id;
}

}  // namespace cmdm::relay
