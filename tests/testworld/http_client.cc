#include "tests/testworld/http_client.h"

#include <httplib.h>

#include "plist/base64.h"

namespace cmdm::testworld::testing {

HttpReply http(int port, const HttpCall& call) {
  httplib::Client client("127.0.0.1", port);
  client.set_connection_timeout(call.timeout_ms / 1000, (call.timeout_ms % 1000) * 1000);
  client.set_read_timeout(call.timeout_ms / 1000, (call.timeout_ms % 1000) * 1000);
  client.set_write_timeout(call.timeout_ms / 1000, (call.timeout_ms % 1000) * 1000);
  httplib::Headers headers;
  for (const auto& [k, v] : call.headers) headers.emplace(k, v);
  httplib::Result r = call.method == "GET" ? client.Get(call.path, headers)
                      : call.method == "PUT"
                          ? client.Put(call.path, headers, call.body, call.content_type.c_str())
                      : call.method == "DELETE"
                          ? client.Delete(call.path, headers)
                          : client.Post(call.path, headers, call.body, call.content_type.c_str());
  HttpReply reply;
  if (!r) {
    reply.error = httplib::to_string(r.error());
    return reply;
  }
  reply.status = r->status;
  reply.body = r->body;
  for (const auto& [k, v] : r->headers) reply.headers[k] = v;
  return reply;
}

std::string basic_auth(const std::string& user, const std::string& password) {
  return "Basic " + plist::base64_encode(user + ":" + password);
}

}  // namespace cmdm::testworld::testing
