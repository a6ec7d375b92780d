// Plain-HTTP monitoring port (relay/monitor.h). One connection, one request: it is read under a
// deadline (a client that trickles bytes loses its connection, not the thread), answered, and
// closed. Only loopback addresses reach here, so there is no TLS and no identity.
#include "relay/monitor.h"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cstdint>
#include <thread>

namespace cmdm::relay {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = boost::asio::ip::tcp;

namespace {

constexpr std::chrono::seconds kDeadline{10};  // reading the request and writing the answer
constexpr std::uint32_t kMaxRequestBytes = 16 * 1024;

http::response<http::string_body> answer(const http::request<http::string_body>& request,
                                         Metrics& metrics) {
  http::response<http::string_body> response;
  response.version(request.version());
  response.keep_alive(false);
  const std::string_view target(request.target().data(), request.target().size());
  const bool known = target == "/healthz" || target == "/metrics";
  if (!known) {
    response.result(http::status::not_found);
    response.set(http::field::content_type, "application/json");
    response.body() =
        R"({"error": {"code": "not_found", "message": "this port serves /healthz and /metrics"}})";
  } else if (request.method() != http::verb::get) {
    response.result(http::status::method_not_allowed);
    response.set(http::field::allow, "GET");
    response.set(http::field::content_type, "application/json");
    response.body() = R"({"error": {"code": "method_not_allowed", "message": "only GET"}})";
  } else if (target == "/healthz") {
    response.result(http::status::ok);
    response.set(http::field::content_type, "application/json");
    response.body() = R"({"status": "ok"})";
  } else {
    response.result(http::status::ok);
    response.set(http::field::content_type, "text/plain; version=0.0.4");
    response.body() = metrics.prometheus();
  }
  response.prepare_payload();
  return response;
}

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(tcp::socket socket, Metrics& metrics) : stream_(std::move(socket)), metrics_(metrics) {
    parser_.header_limit(kMaxRequestBytes);
    parser_.body_limit(kMaxRequestBytes);
  }

  void run() {
    stream_.expires_after(kDeadline);
    http::async_read(stream_, buffer_, parser_,
                     [self = shared_from_this()](beast::error_code ec, std::size_t) {
                       if (ec) return self->close();
                       self->response_ = answer(self->parser_.get(), self->metrics_);
                       http::async_write(self->stream_, self->response_,
                                         [self](beast::error_code, std::size_t) { self->close(); });
                     });
  }

 private:
  void close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.close();
  }

  beast::tcp_stream stream_;
  Metrics& metrics_;
  beast::flat_buffer buffer_;
  http::request_parser<http::string_body> parser_;
  http::response<http::string_body> response_;
};

}  // namespace

struct MonitorServer::Impl {
  explicit Impl(Metrics& m) : metrics(m), acceptor(ioc) {}

  void accept() {
    acceptor.async_accept(ioc, [this](beast::error_code ec, tcp::socket socket) {
      if (ec == net::error::operation_aborted || !acceptor.is_open()) return;
      if (!ec) std::make_shared<Connection>(std::move(socket), metrics)->run();
      accept();
    });
  }

  Metrics& metrics;
  int port = 0;
  net::io_context ioc{1};
  tcp::acceptor acceptor;
  std::thread thread;
};

MonitorServer::MonitorServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

MonitorServer::~MonitorServer() {
  impl_->ioc.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
}

Result<std::unique_ptr<MonitorServer>> MonitorServer::start(const std::string& host, int port,
                                                            Metrics& metrics) {
  auto impl = std::make_unique<Impl>(metrics);
  const std::string where = host + ":" + std::to_string(port);
  beast::error_code ec;
  net::ip::address address = net::ip::make_address(host, ec);
  if (ec) return Error::make(ExitCode::kUsage, "MetricsListen", "bad address " + where);
  tcp::endpoint endpoint(address, static_cast<unsigned short>(port));
  impl->acceptor.open(endpoint.protocol(), ec);
  if (!ec) impl->acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) impl->acceptor.bind(endpoint, ec);
  if (!ec) impl->acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    return Error::make(ExitCode::kUnavailable, "MetricsListen",
                       "cannot listen on " + where + ": " + ec.message());
  }
  impl->port = impl->acceptor.local_endpoint().port();
  impl->accept();
  impl->thread = std::thread([io = &impl->ioc] { io->run(); });
  return std::unique_ptr<MonitorServer>(new MonitorServer(std::move(impl)));
}

int MonitorServer::port() const { return impl_->port; }

}  // namespace cmdm::relay
