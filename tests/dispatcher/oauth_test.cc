#include "dispatcher/oauth.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace cmdm::dispatcher {
namespace {

// A token service: answers each token request with a new token ("token-1", "token-2", ...)
// living `expires_in`, or with `refusal` when set.
class TokenService : public Transport {
 public:
  Result<HttpResponse> send(const HttpRequest& request) override {
    sent.push_back(request);
    if (refusal) return *refusal;
    ++issued;
    return HttpResponse{.status = 200,
                        .body = "{\"access_token\":\"token-" + std::to_string(issued) +
                                "\",\"expires_in\":" + std::to_string(expires_in) +
                                ",\"token_type\":\"Bearer\"}"};
  }
  std::vector<HttpRequest> sent;
  std::optional<HttpResponse> refusal;
  int issued = 0;
  int expires_in = 3600;
};

class OAuthTokensTest : public testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/cmdm-oauth-test-XXXXXX";
    dir_ = ::mkdtemp(pattern);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  OAuthTokens tokens() {
    return OAuthTokens(client(), cache(), [this] { return now; });
  }
  static OAuthClient client() {
    return {.client_id = "client-1",
            .client_secret = Secret("s3cret&value"),
            .token_url = "http://127.0.0.1:9/connect/token",
            .config_section = "WorkspaceONE"};
  }
  std::string cache() const { return token_cache_path(dir_ + "/ledger.sqlite"); }
  std::string read_cache() const {
    std::ifstream in(cache());
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }

  std::string dir_;
  std::int64_t now = 1'700'000'000;
  TokenService service;
};

TEST_F(OAuthTokensTest, AsksOnceWithFormEncodedClientCredentialsAndKeepsTheToken) {
  OAuthTokens source = tokens();
  for (int i = 0; i < 5; ++i) {
    Result<Secret> token = source.token(service);
    ASSERT_TRUE(token) << token.error().format();
    EXPECT_EQ(token->reveal(), "token-1");
  }
  ASSERT_EQ(service.sent.size(), 1u);
  const HttpRequest& request = service.sent[0];
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.url, "http://127.0.0.1:9/connect/token");
  EXPECT_EQ(request.body,
            "grant_type=client_credentials&client_id=client-1&client_secret=s3cret%26value");
  EXPECT_EQ(request.headers[0], (std::pair<std::string, std::string>(
                                    "Content-Type", "application/x-www-form-urlencoded")));
}

TEST_F(OAuthTokensTest, ANextRunReusesTheTokenFromAPrivateCacheFile) {
  ASSERT_TRUE(tokens().token(service));
  struct stat st {};
  ASSERT_EQ(::stat(cache().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_NE(read_cache().find("token-1"), std::string::npos);
  EXPECT_EQ(read_cache().find("s3cret"), std::string::npos) << "the client secret is not cached";

  OAuthTokens next_run = tokens();
  Result<Secret> token = next_run.token(service);
  ASSERT_TRUE(token);
  EXPECT_EQ(token->reveal(), "token-1");
  EXPECT_EQ(service.sent.size(), 1u);
  EXPECT_EQ(next_run.requests(), 0);
}

TEST_F(OAuthTokensTest, AsksForANewTokenShortlyBeforeTheOldOneExpires) {
  OAuthTokens source = tokens();
  ASSERT_TRUE(source.token(service));
  now += 3600 - kTokenExpiryMarginSeconds - 1;
  EXPECT_EQ(source.token(service)->reveal(), "token-1");
  now += 1;
  EXPECT_EQ(source.token(service)->reveal(), "token-2");
  EXPECT_EQ(tokens().token(service)->reveal(), "token-2") << "the cache file holds the new one";
}

TEST_F(OAuthTokensTest, ARefusedCachedTokenIsForgottenAndReplaced) {
  ASSERT_TRUE(tokens().token(service));
  OAuthTokens next_run = tokens();
  ASSERT_EQ(next_run.token(service)->reveal(), "token-1");
  EXPECT_TRUE(next_run.refused()) << "a cached token may have lapsed: worth one new token";
  EXPECT_EQ(next_run.token(service)->reveal(), "token-2");
  EXPECT_FALSE(next_run.refused()) << "a token fetched just now: the credentials are the problem";
}

TEST_F(OAuthTokensTest, DoesNotFollowASymbolicLinkOrTrustAFileOthersCanRead) {
  std::string elsewhere = dir_ + "/elsewhere";
  std::ofstream(elsewhere) << "not a token\n";
  std::filesystem::create_symlink(elsewhere, cache());
  ASSERT_TRUE(tokens().token(service));
  std::ifstream in(elsewhere);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(text, "not a token\n") << "the token was written through the link";

  std::filesystem::remove(cache());
  ASSERT_TRUE(tokens().token(service));  // token-2, cached
  ASSERT_EQ(::chmod(cache().c_str(), 0644), 0);
  EXPECT_EQ(tokens().token(service)->reveal(), "token-3") << "a readable cache is not trusted";
  struct stat st {};
  ASSERT_EQ(::stat(cache().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST_F(OAuthTokensTest, AWrongClientSecretIsACredentialErrorNamingTheKeysNotTheSecret) {
  service.refusal = HttpResponse{
      .status = 400, .body = "{\"error\":\"invalid_client\",\"echo\":\"s3cret&value\"}"};
  Result<Secret> token = tokens().token(service);
  ASSERT_FALSE(token);
  EXPECT_EQ(token.error().code, ExitCode::kNoPermission);
  std::string message = token.error().format();
  EXPECT_NE(message.find("check WorkspaceONE ClientID and ClientSecret"), std::string::npos)
      << message;
  EXPECT_NE(message.find("invalid_client"), std::string::npos) << message;
  EXPECT_EQ(message.find("s3cret"), std::string::npos) << message;
}

TEST_F(OAuthTokensTest, AnAnswerWithoutATokenIsADataError) {
  service.refusal = HttpResponse{.status = 200, .body = "{\"token_type\":\"Bearer\"}"};
  Result<Secret> token = tokens().token(service);
  ASSERT_FALSE(token);
  EXPECT_EQ(token.error().code, ExitCode::kDataError);
}

}  // namespace
}  // namespace cmdm::dispatcher
