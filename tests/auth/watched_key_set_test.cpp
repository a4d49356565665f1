#include "auth/watched_key_set.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "auth/client_auth.hpp"
#include "token_helpers.hpp"

namespace trove::auth {
namespace {

namespace fs = std::filesystem;

class WatchedKeySetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("trove-keys-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
    path_ = (dir_ / "jwks.json").string();
  }
  void TearDown() override { fs::remove_all(dir_); }
  // Write then rename, as a Secret update swaps the file.
  void write(const std::string& text) {
    const auto tmp = path_ + ".tmp";
    std::ofstream(tmp) << text;
    fs::rename(tmp, path_);
  }

  fs::path dir_;
  std::string path_;
};

TEST_F(WatchedKeySetTest, AMissingOrBadFileAtStartIsAnErrorNamingIt) {
  EXPECT_THROW(WatchedKeySet{path_}, KeyFileError);
  write("{\"keys\":[]}");
  try {
    WatchedKeySet keys(path_);
    FAIL() << "a key file without keys was accepted";
  } catch (const KeyFileError& e) {
    EXPECT_NE(std::string(e.what()).find(path_), std::string::npos) << e.what();
  }
}

TEST_F(WatchedKeySetTest, ARewrittenFileIsReloadedWithANewGeneration) {
  write(testing::hs_jwks("old"));
  WatchedKeySet keys(path_, std::chrono::milliseconds(0));
  const auto first = keys.current();
  EXPECT_NE(first->set.find("old"), nullptr);
  write(testing::hs_jwks("new"));
  const auto second = keys.current();
  EXPECT_NE(second->set.find("new"), nullptr);
  EXPECT_EQ(second->generation, first->generation + 1);
  EXPECT_EQ(keys.reloads(), 1U);
  // The old snapshot stays whole for whoever still holds it.
  EXPECT_NE(first->set.find("old"), nullptr);
}

TEST_F(WatchedKeySetTest, ABadNewFileKeepsTheOldKeysAndIsCountedOnce) {
  write(testing::hs_jwks("old"));
  WatchedKeySet keys(path_, std::chrono::milliseconds(0));
  write("{not json");
  EXPECT_NE(keys.current()->set.find("old"), nullptr);
  EXPECT_NE(keys.current()->set.find("old"), nullptr);
  EXPECT_EQ(keys.reload_failures(), 1U);
  fs::remove(path_);
  EXPECT_NE(keys.current()->set.find("old"), nullptr);
  write(testing::hs_jwks("fixed"));
  EXPECT_NE(keys.current()->set.find("fixed"), nullptr);
}

TEST_F(WatchedKeySetTest, TheFileIsLookedAtAtMostOncePerInterval) {
  write(testing::hs_jwks("old"));
  WatchedKeySet keys(path_, std::chrono::hours(1));
  write(testing::hs_jwks("new"));
  EXPECT_NE(keys.current()->set.find("old"), nullptr);
  EXPECT_EQ(keys.reloads(), 0U);
}

TEST_F(WatchedKeySetTest, ClientAuthAnswersARepeatedTokenFromTheCacheUntilTheKeysChange) {
  write(testing::hs_jwks("hs1"));
  ClientAuth auth({path_, {}, std::chrono::milliseconds(0)});
  VerifiedTokenCache cache;
  const auto token = testing::hs_token(R"({"alg":"HS256","kid":"hs1"})",
                                       R"({"exp":4000000000,"trove":{"hunts":["*"]}})");
  const auto now = unix_now();
  EXPECT_EQ(auth.authenticate(token, cache, now).error, AuthError::kNone);
  EXPECT_EQ(auth.authenticate(token, cache, now).error, AuthError::kNone);
  // The second call was answered from the cache: one verification counted.
  EXPECT_EQ(auth.results(AuthError::kNone), 1U);
  // The same kid with another secret: the cached token is verified again.
  write(testing::hs_jwks("hs1", "another secret of thirty-two byte"));
  EXPECT_EQ(auth.authenticate(token, cache, now).error, AuthError::kBadSignature);
  EXPECT_EQ(auth.authenticate("", cache, now).error, AuthError::kMissingToken);
  EXPECT_EQ(auth.results(AuthError::kMissingToken), 1U);
}

}  // namespace
}  // namespace trove::auth
