// The public listener's access settings: the client-auth and origin knobs,
// the allowed-origin list, and the WebSocket auth op.
#include "net/client_access.hpp"

#include <gtest/gtest.h>

#include "auth/token_verifier.hpp"
#include "config/server_config.hpp"
#include "net/poll_protocol.hpp"

namespace trove::net {
namespace {

config::ServerConfig load(std::vector<const char*> args) {
  args.insert(args.begin(), "trove-server");
  return config::load_config(static_cast<int>(args.size()), args.data(),
                             [](const char*) -> const char* { return nullptr; })
      .config;
}

std::string error_of(std::vector<const char*> args) {
  try {
    load(std::move(args));
  } catch (const config::ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(ClientAuthKnobs, DefaultsLeaveReadsOpen) {
  const auto c = load({});
  EXPECT_EQ(c.client_auth_keys, "");
  EXPECT_EQ(c.client_auth_leeway_s, 5U);
  EXPECT_EQ(c.allowed_origins, "");
  const ClientAccess access(c);
  EXPECT_EQ(access.auth, nullptr);
  EXPECT_FALSE(access.origins.configured());
}

TEST(ClientAuthKnobs, FlagsAreReadAndBadValuesNamed) {
  const auto c = load({"--client-auth-leeway-s", "0", "--client-auth-audience", "trove",
                       "--client-auth-issuer", "https://id", "--allowed-origins",
                       "https://a.example,http://b.example:8080"});
  EXPECT_EQ(c.client_auth_leeway_s, 0U);
  EXPECT_EQ(c.client_auth_audience, "trove");
  EXPECT_EQ(c.client_auth_issuer, "https://id");
  EXPECT_NE(error_of({"--client-auth-leeway-s", "301"}).find("client_auth_leeway_s"),
            std::string::npos);
  EXPECT_NE(error_of({"--client-auth-leeway-s", "-1"}).find("client_auth_leeway_s"),
            std::string::npos);
  for (const char* bad : {"a.example", "https://a.example/", "https://", "://x",
                          "https://a.example,", "https://a b"}) {
    EXPECT_NE(error_of({"--allowed-origins", bad}).find("allowed_origins"), std::string::npos)
        << bad;
  }
}

TEST(ClientAuthKnobs, AMissingKeyFileStopsTheStart) {
  auto c = load({"--client-auth-keys", "/nonexistent/jwks.json"});
  EXPECT_THROW(ClientAccess{c}, auth::KeyFileError);
}

TEST(AllowedOrigins, MatchesWholeOriginsOrEverything) {
  const AllowedOrigins list("https://a.example,http://b.example:8080");
  EXPECT_TRUE(list.configured());
  EXPECT_TRUE(list.allows("https://a.example"));
  EXPECT_TRUE(list.allows("http://b.example:8080"));
  EXPECT_FALSE(list.allows("http://a.example"));
  EXPECT_FALSE(list.allows("https://a.example.evil"));
  EXPECT_FALSE(list.allows(""));
  const AllowedOrigins any("*");
  EXPECT_TRUE(any.any());
  EXPECT_TRUE(any.allows("https://whatever"));
  EXPECT_FALSE(AllowedOrigins("").configured());
}

TEST(WsAuthOp, CarriesTheTokenWithinItsBound) {
  const WsOp op = parse_ws_op(R"({"op":"auth","token":"a.b.c"})");
  EXPECT_EQ(op.kind, WsOp::Kind::kAuth);
  EXPECT_EQ(op.token, "a.b.c");
  for (const std::string& bad :
       {std::string(R"({"op":"auth"})"), std::string(R"({"op":"auth","token":7})"),
        std::string(R"({"op":"auth","token":""})"),
        R"({"op":"auth","token":")" + std::string(auth::kMaxTokenBytes + 1, 'a') + "\"}"}) {
    const WsOp refused = parse_ws_op(bad);
    EXPECT_EQ(refused.kind, WsOp::Kind::kInvalid) << bad.substr(0, 40);
    EXPECT_NE(refused.error.find("\"token\""), std::string::npos) << refused.error;
  }
}

TEST(AuthErrorBody, NamesCodeAndMessage) {
  std::string body;
  append_auth_error(body, auth::AuthError::kExpired);
  EXPECT_EQ(body, R"({"error":"the token has expired","code":"expired"})");
  std::string header;
  append_www_authenticate(header, auth::AuthError::kMissingToken);
  EXPECT_EQ(header, "WWW-Authenticate: Bearer realm=\"trove\"\r\n");
  header.clear();
  append_www_authenticate(header, auth::AuthError::kBadSignature);
  EXPECT_EQ(header,
            "WWW-Authenticate: Bearer realm=\"trove\", error=\"invalid_token\", "
            "error_description=\"bad_signature\"\r\n");
}

}  // namespace
}  // namespace trove::net
