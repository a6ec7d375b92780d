// A small HTTP client for the testworld tests (cpp-httplib's, kept out of the test sources).
#pragma once

#include <map>
#include <string>

namespace cmdm::testworld::testing {

struct HttpReply {
  int status = 0;     // 0 when there was no answer
  std::string error;  // why there was no answer ("Read", "Connection", ...)
  std::string body;
  std::map<std::string, std::string> headers;
};

struct HttpCall {
  std::string method = "POST";
  std::string path;  // with the query string
  std::string body;
  std::string content_type = "application/json";
  std::map<std::string, std::string> headers;
  int timeout_ms = 5000;
};

// One request to http://127.0.0.1:port, on a fresh connection.
HttpReply http(int port, const HttpCall& call);

// "Basic base64(user:password)".
std::string basic_auth(const std::string& user, const std::string& password);

}  // namespace cmdm::testworld::testing
