#include "dispatcher/sender.h"

#include <gtest/gtest.h>

#include "plist/base64.h"

namespace cmdm::dispatcher {
namespace {

// Records what would go out and answers with a fixed response (or error).
class RecordingTransport : public Transport {
 public:
  Result<HttpResponse> send(const HttpRequest& request) override {
    sent.push_back(request);
    return answer;
  }
  std::vector<HttpRequest> sent;
  Result<HttpResponse> answer = HttpResponse{.status = 200};
};

std::string header(const HttpRequest& r, std::string_view name) {
  for (const auto& [k, v] : r.headers) {
    if (k == name) return v;
  }
  for (const auto& [k, v] : r.secret_headers) {
    if (k == name) return v.reveal();
  }
  return "";
}

DispatcherConfig config_for(std::string target) {
  DispatcherConfig c;
  c.target = std::move(target);
  c.server_url = "http://127.0.0.1:9/";
  c.nanomdm_api_key = Secret("nano-key");
  c.micromdm_api_key = Secret("micro-key");
  c.fleet_token = Secret("fleet-token");
  c.workspace_one = WorkspaceOneCredentials{
      .username = "api", .password = Secret("wso-pass"), .tenant_code = Secret("tenant-code")};
  return c;
}

Outgoing nanomdm_install() {
  return {.target = "nanomdm",
          .method = "PUT",
          .path = "/v1/enqueue/{enrollment_id}",
          .content_type = "application/xml",
          .body = "<?xml?><CommandUUID>00000000-0000-0000-0000-0000000C0DE1</CommandUUID>",
          .success = {200},
          .slots = {{"enrollment_id", "path", "{enrollment_id}", "enrollment"},
                    {"command_uuid", "body", "00000000-0000-0000-0000-0000000C0DE1", "fresh"}}};
}

SlotValues values() {
  return {.command_uuid = "11111111-2222-4333-8444-555555555555",
          .device_id = "DEVICE-1",
          .enrollment_id = "DEVICE-1"};
}

TEST(Sender, FillsEverySlotAndAuthenticatesAsNanoMdm) {
  RecordingTransport t;
  Result<Sent> sent = send_request(config_for("nanomdm"), nanomdm_install(), values(), t);
  ASSERT_TRUE(sent) << sent.error().format();
  EXPECT_EQ(sent->command_uuid, "11111111-2222-4333-8444-555555555555");
  ASSERT_EQ(t.sent.size(), 1u);
  EXPECT_EQ(t.sent[0].url, "http://127.0.0.1:9/v1/enqueue/DEVICE-1");
  EXPECT_EQ(t.sent[0].method, "PUT");
  EXPECT_EQ(t.sent[0].body,
            "<?xml?><CommandUUID>11111111-2222-4333-8444-555555555555</CommandUUID>");
  EXPECT_EQ(header(t.sent[0], "Authorization"),
            "Basic " + plist::base64_encode(std::string_view("nanomdm:nano-key")));
  EXPECT_EQ(header(t.sent[0], "Content-Type"), "application/xml");
}

TEST(Sender, AuthenticatesEachVendorAsItsApiAsks) {
  RecordingTransport t;
  Outgoing o{.method = "POST", .path = "/x", .success = {200}};
  for (std::string target : {"workspaceone", "micromdm", "fleet"}) {
    o.target = target;
    ASSERT_TRUE(send_request(config_for(target), o, values(), t));
  }
  EXPECT_EQ(header(t.sent[0], "Authorization"),
            "Basic " + plist::base64_encode(std::string_view("api:wso-pass")));
  EXPECT_EQ(header(t.sent[0], "aw-tenant-code"), "tenant-code");
  EXPECT_EQ(header(t.sent[1], "Authorization"),
            "Basic " + plist::base64_encode(std::string_view("micromdm:micro-key")));
  EXPECT_EQ(header(t.sent[2], "Authorization"), "Bearer fleet-token");
}

TEST(Sender, RefusesToSendABodyWhosePlaceholderIsMissing) {
  RecordingTransport t;
  Outgoing o = nanomdm_install();
  o.body = "<?xml?><CommandUUID>already-filled</CommandUUID>";
  Result<Sent> sent = send_request(config_for("nanomdm"), o, values(), t);
  ASSERT_FALSE(sent);
  EXPECT_EQ(sent.error().code, ExitCode::kDataError);
  EXPECT_TRUE(t.sent.empty());
}

TEST(Sender, RefusesASlotItHasNoValueFor) {
  RecordingTransport t;
  SlotValues v = values();
  v.enrollment_id.clear();
  Result<Sent> sent = send_request(config_for("nanomdm"), nanomdm_install(), v, t);
  ASSERT_FALSE(sent);
  EXPECT_NE(sent.error().format().find("enrollment_id"), std::string::npos);
}

TEST(Sender, SaysInPlainWordsWhenWorkspaceOneFindsTheCommandTooLarge) {
  RecordingTransport t;
  t.answer =
      HttpResponse{.status = 422, .body = R"({"errorCode": 1012, "message": "CommandXml length"})"};
  Outgoing o{.target = "workspaceone",
             .method = "POST",
             .path = "/API?id={device_id}",
             .success = {202},
             .slots = {{"device_id", "path", "{device_id}", "udid"}},
             .size_error = emitters::SizeErrorInfo{422, "1012",
                                                   "errorCode 1012: CommandXml "
                                                   "length cannot be greater than 2000"}};
  Result<Sent> sent = send_request(config_for("workspaceone"), o, values(), t);
  ASSERT_FALSE(sent);
  EXPECT_EQ(sent.error().code, ExitCode::kDataError);
  std::string text = sent.error().format();
  EXPECT_NE(
      text.find("over workspaceone's limit of 2,000 characters of CommandXml (errorCode 1012"),
      std::string::npos)
      << text;
  EXPECT_EQ(text.find("wso-pass"), std::string::npos);
  EXPECT_EQ(t.sent[0].url, "http://127.0.0.1:9/API?id=DEVICE-1");
}

TEST(Sender, NamesTheVendorsAnswerToAnotherRefusal) {
  RecordingTransport t;
  t.answer = HttpResponse{.status = 404, .body = "device not found"};
  Result<Sent> sent = send_request(config_for("nanomdm"), nanomdm_install(), values(), t);
  ASSERT_FALSE(sent);
  EXPECT_NE(sent.error().format().find("answered 404: device not found"), std::string::npos)
      << sent.error().format();
}

TEST(Sender, RefusedCredentialsAreNoPermissionNamingTheKeyToCheck) {
  for (int status : {401, 403}) {
    RecordingTransport t;
    t.answer = HttpResponse{.status = status, .body = "Unauthorized\n"};
    Result<Sent> sent = send_request(config_for("nanomdm"), nanomdm_install(), values(), t);
    ASSERT_FALSE(sent);
    EXPECT_EQ(sent.error().code, ExitCode::kNoPermission);
    EXPECT_EQ(sent.error().format(),
              "error: nanomdm refused the credentials: PUT http://127.0.0.1:9/v1/enqueue/DEVICE-1 "
              "answered " +
                  std::to_string(status) +
                  ": Unauthorized\\n; check NanoMDM APIKey in the configuration\n");
  }
}

TEST(Sender, QuotesAVendorsAnswerWithControlCharactersVisibleAndBounded) {
  EXPECT_EQ(vendor_text("line one\nbell\x07 tab\t\x1b[2J del\x7f c1\xc2\x9b"),
            "line one\\nbell\\x07 tab\\t\\x1b[2J del\\x7f c1\\x9b");
  EXPECT_EQ(vendor_text("ééé", 3), "é…") << "never cut inside a character";
  EXPECT_EQ(vendor_text(std::string(500, 'x')).size(), 300u + std::string("…").size());
}

// A token service and a Workspace ONE that refuses `refuse_token` with 401.
class WorkspaceOneWithTokens : public Transport {
 public:
  Result<HttpResponse> send(const HttpRequest& request) override {
    urls.push_back(request.url);
    if (request.url.find("/connect/token") != std::string::npos) {
      return HttpResponse{.status = 200,
                          .body = "{\"access_token\":\"tok-" + std::to_string(++issued) +
                                  "\",\"expires_in\":3600}"};
    }
    authorizations.push_back(header(request, "Authorization"));
    return HttpResponse{
        .status = header(request, "Authorization") == "Bearer " + refuse_token ? 401 : 202};
  }
  std::vector<std::string> urls, authorizations;
  std::string refuse_token;
  int issued = 0;
};

DispatcherConfig oauth_config() {
  DispatcherConfig c = config_for("workspaceone");
  c.workspace_one = WorkspaceOneCredentials{.client_id = "client",
                                            .client_secret = Secret("client-secret"),
                                            .token_url = "http://127.0.0.1:9/connect/token"};
  return c;
}

Outgoing workspaceone_install() {
  return {.target = "workspaceone",
          .method = "POST",
          .path = "/API/mdm/devices/commands?id={device_id}",
          .success = {202},
          .slots = {{"device_id", "path", "{device_id}", "device"}}};
}

TEST(Sender, SendsTheWorkspaceOneBearerTokenAndRefreshesARefusedCachedOneOnce) {
  WorkspaceOneWithTokens t;
  OAuthTokens tokens({.client_id = "client",
                      .client_secret = Secret("client-secret"),
                      .token_url = "http://127.0.0.1:9/connect/token",
                      .config_section = "WorkspaceONE"},
                     "");
  ASSERT_TRUE(send_request(oauth_config(), workspaceone_install(), values(), t, &tokens));
  ASSERT_TRUE(send_request(oauth_config(), workspaceone_install(), values(), t, &tokens));
  EXPECT_EQ(t.issued, 1);
  EXPECT_EQ(t.authorizations, (std::vector<std::string>{"Bearer tok-1", "Bearer tok-1"}));

  t.refuse_token = "tok-1";  // revoked or expired early on the server
  Result<Sent> sent = send_request(oauth_config(), workspaceone_install(), values(), t, &tokens);
  ASSERT_TRUE(sent) << sent.error().format();
  EXPECT_EQ(t.issued, 2);
  EXPECT_EQ(t.authorizations.back(), "Bearer tok-2");

  t.refuse_token = "tok-3";  // the new token is refused too: no second refresh
  tokens.refused();
  sent = send_request(oauth_config(), workspaceone_install(), values(), t, &tokens);
  ASSERT_FALSE(sent);
  EXPECT_EQ(sent.error().code, ExitCode::kNoPermission);
  EXPECT_EQ(t.issued, 3);
  EXPECT_NE(sent.error().format().find("check WorkspaceONE ClientID and ClientSecret"),
            std::string::npos)
      << sent.error().format();
}

TEST(Sender, PassesOnAnUnreachableServer) {
  RecordingTransport t;
  t.answer = Error::make(ExitCode::kUnavailable, "", "connection refused");
  Result<Sent> sent = send_request(config_for("nanomdm"), nanomdm_install(), values(), t);
  ASSERT_FALSE(sent);
  EXPECT_EQ(sent.error().code, ExitCode::kUnavailable);
}

TEST(Sender, TakesTheCommandUuidTheVendorGenerated) {
  RecordingTransport t;
  t.answer = HttpResponse{
      .status = 201,
      .body = R"({"payload":{"command_uuid":"AAAAAAAA-BBBB-4CCC-8DDD-EEEEEEEEEEEE"}})"};
  Outgoing o{.target = "micromdm", .method = "POST", .path = "/v1/commands", .success = {201}};
  Result<Sent> sent = send_request(config_for("micromdm"), o, {.device_id = "D"}, t);
  ASSERT_TRUE(sent) << sent.error().format();
  EXPECT_EQ(sent->command_uuid, "AAAAAAAA-BBBB-4CCC-8DDD-EEEEEEEEEEEE");
}

TEST(Sender, BuildsARemoveForAPartTheBuildNoLongerHasFromTheRegistry) {
  Result<std::vector<Outgoing>> r = registry_remove_requests("nanomdm", "com.example.gone", false);
  ASSERT_TRUE(r) << r.error().format();
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].method, "PUT");
  EXPECT_NE((*r)[0].body.find("com.example.gone"), std::string::npos);
  EXPECT_NE((*r)[0].body.find("00000000-0000-0000-0000-0000000C0DE2"), std::string::npos);
  EXPECT_TRUE(needs_command_uuid(*r));
}

}  // namespace
}  // namespace cmdm::dispatcher
