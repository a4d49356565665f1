// The operator-owned admin token Secrets against the in-process fake API
// server: created when missing, read as they are, rotated on request only
// when they are the operator's own, and nothing written when not managing.
#include "controller/token_secret.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <set>

#include "kube/config.hpp"
#include "trove/fakeapi/fake_api_server.hpp"

namespace trove::controller {
namespace {

namespace fs = std::filesystem;

constexpr const char* kSecrets = "/api/v1/namespaces/games/secrets";

class TokenSecretTest : public ::testing::Test {
 protected:
  void SetUp() override {
    api_.start();
    kubeconfig_ = fs::temp_directory_path() /
                  ("trove-token-secret-" + std::to_string(::getpid()) + ".kubeconfig");
    api_.write_kubeconfig(kubeconfig_);
    client_ = std::make_unique<kube::Client>(kube::load_kubeconfig_file(kubeconfig_.string()));
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove(kubeconfig_, ec);
  }
  TokenSecretResult ensure(bool manage = true, const std::string& name = "trove-admin-token") {
    return ensure_token_secret(*client_, "games", name, "token", manage);
  }
  void annotate(const std::string& name, const std::string& key, const std::string& value) {
    auto r = api_.request("PATCH", std::string(kSecrets) + "/" + name,
                          R"({"metadata":{"annotations":{")" + key + R"(":")" + value + R"("}}})",
                          "application/merge-patch+json");
    ASSERT_EQ(r.status, 200) << r.body;
  }
  fakeapi::FakeApiServer api_;
  fs::path kubeconfig_;
  std::unique_ptr<kube::Client> client_;
};

TEST(RandomToken, IsSixtyFourHexDigitsAndDiffersEachTime) {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    std::string t = random_token();
    ASSERT_EQ(t.size(), 64u);
    EXPECT_EQ(t.find_first_not_of("0123456789abcdef"), std::string::npos) << t;
    seen.insert(t);
  }
  EXPECT_EQ(seen.size(), 100u);
}

TEST_F(TokenSecretTest, MissingSecretIsCreatedOnceAndThenKept) {
  auto first = ensure();
  ASSERT_TRUE(first.error.empty()) << first.error;
  EXPECT_EQ(first.action, TokenSecretAction::kCreated);
  EXPECT_EQ(first.token.size(), 64u);
  auto again = ensure();
  EXPECT_EQ(again.action, TokenSecretAction::kRead);
  EXPECT_EQ(again.token, first.token);
  auto stored = api_.request("GET", std::string(kSecrets) + "/trove-admin-token");
  EXPECT_NE(stored.body.find(R"("app.kubernetes.io/managed-by":"trove-operator")"),
            std::string::npos)
      << stored.body;
}

TEST_F(TokenSecretTest, EachNamespaceGetsItsOwnToken) {
  auto games = ensure();
  auto lobby = ensure_token_secret(*client_, "lobby", "trove-admin-token", "token", true);
  ASSERT_TRUE(lobby.error.empty()) << lobby.error;
  EXPECT_NE(games.token, lobby.token);
}

TEST_F(TokenSecretTest, RotateAnnotationReplacesTheTokenOnce) {
  auto first = ensure();
  annotate("trove-admin-token", kRotateAnnotation, "2026-12-07");
  auto rotated = ensure();
  ASSERT_TRUE(rotated.error.empty()) << rotated.error;
  EXPECT_EQ(rotated.action, TokenSecretAction::kRotated);
  EXPECT_NE(rotated.token, first.token);
  auto after = ensure();
  EXPECT_EQ(after.action, TokenSecretAction::kRead);
  EXPECT_EQ(after.token, rotated.token);
  auto stored = api_.request("GET", std::string(kSecrets) + "/trove-admin-token");
  EXPECT_NE(stored.body.find(R"("trove.dev/rotated":"2026-12-07")"), std::string::npos)
      << stored.body;
}

TEST_F(TokenSecretTest, UsersSecretIsReadButNeverRotated) {
  // "user-token\n" as `echo user-token | base64` writes it.
  auto made = api_.request("POST", kSecrets,
                           R"({"apiVersion":"v1","kind":"Secret","metadata":{"name":"mine"},)"
                           R"("data":{"token":"dXNlci10b2tlbgo="}})");
  ASSERT_EQ(made.status, 201) << made.body;
  annotate("mine", kRotateAnnotation, "now");
  auto r = ensure(true, "mine");
  EXPECT_EQ(r.action, TokenSecretAction::kRead);
  EXPECT_EQ(r.token, "user-token");
}

TEST_F(TokenSecretTest, WithoutManagingNothingIsWritten) {
  auto r = ensure(false);
  EXPECT_EQ(r.action, TokenSecretAction::kRead);
  EXPECT_TRUE(r.token.empty());
  EXPECT_NE(r.error.find("token secret games/trove-admin-token"), std::string::npos) << r.error;
  EXPECT_EQ(api_.request("GET", std::string(kSecrets) + "/trove-admin-token").status, 404);
}

TEST_F(TokenSecretTest, SecretWithoutTheKeyIsAnError) {
  ASSERT_EQ(api_.request("POST", kSecrets,
                         R"({"apiVersion":"v1","kind":"Secret","metadata":{"name":"odd"},)"
                         R"("data":{"other":"eA=="}})")
                .status,
            201);
  auto r = ensure(true, "odd");
  EXPECT_TRUE(r.token.empty());
  EXPECT_NE(r.error.find("has no data key token"), std::string::npos) << r.error;
}

}  // namespace
}  // namespace trove::controller
