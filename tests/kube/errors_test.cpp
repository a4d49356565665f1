// Status answers become a closed set of typed errors.
#include "kube/errors.hpp"

#include <gtest/gtest.h>

namespace trove::kube {
namespace {

TEST(ApiErrors, NotFoundStatusIsTyped) {
  auto e = parse_api_error(404, R"({"kind":"Status","apiVersion":"v1","status":"Failure",
    "message":"pods \"x\" not found","reason":"NotFound","details":{"name":"x","kind":"pods"},"code":404})");
  EXPECT_EQ(e.kind(), ErrorKind::kNotFound);
  EXPECT_EQ(e.code(), 404);
  EXPECT_EQ(e.reason(), "NotFound");
  EXPECT_NE(std::string(e.what()).find("pods \"x\" not found"), std::string::npos) << e.what();
}

TEST(ApiErrors, Code409IsConflictOrAlreadyExistsByReason) {
  EXPECT_EQ(parse_api_error(409, R"({"reason":"Conflict","code":409})").kind(),
            ErrorKind::kConflict);
  EXPECT_EQ(parse_api_error(409, R"({"reason":"AlreadyExists","code":409})").kind(),
            ErrorKind::kAlreadyExists);
  EXPECT_EQ(parse_api_error(409, "").kind(), ErrorKind::kConflict);
}

TEST(ApiErrors, EveryCodeMapsToItsKind) {
  struct Case {
    int code;
    ErrorKind kind;
  };
  for (auto c : {Case{400, ErrorKind::kInvalid}, Case{401, ErrorKind::kUnauthorized},
                 Case{403, ErrorKind::kForbidden}, Case{404, ErrorKind::kNotFound},
                 Case{410, ErrorKind::kExpired}, Case{422, ErrorKind::kInvalid},
                 Case{429, ErrorKind::kTooManyRequests}, Case{500, ErrorKind::kServerError},
                 Case{503, ErrorKind::kServerError}, Case{418, ErrorKind::kServerError}}) {
    EXPECT_EQ(parse_api_error(c.code, "not json").kind(), c.kind) << c.code;
  }
}

TEST(ApiErrors, ExpiredAndGoneReasonsAreExpired) {
  EXPECT_EQ(parse_status_json(R"j({"kind":"Status","status":"Failure","reason":"Expired",
    "code":410,"message":"too old resource version: 1 (5)"})j")
                .kind(),
            ErrorKind::kExpired);
  EXPECT_EQ(parse_status_json(R"({"reason":"Gone","code":410})").kind(), ErrorKind::kExpired);
  EXPECT_EQ(parse_status_json(R"({"code":410})").kind(), ErrorKind::kExpired);
}

TEST(ApiErrors, TooManyRequestsCarriesRetryAfter) {
  auto e = parse_api_error(429, R"({"reason":"TooManyRequests","code":429})", "3");
  EXPECT_EQ(e.kind(), ErrorKind::kTooManyRequests);
  EXPECT_EQ(e.retry_after(), std::chrono::seconds{3});
  auto from_body =
      parse_api_error(429, R"({"reason":"TooManyRequests","details":{"retryAfterSeconds":7}})");
  EXPECT_EQ(from_body.retry_after(), std::chrono::seconds{7});
}

TEST(ApiErrors, HostileRetryAfterIsBounded) {
  EXPECT_EQ(parse_api_error(429, "", "junk").retry_after(), std::chrono::seconds{1});
  EXPECT_EQ(parse_api_error(429, "", "-5").retry_after(), std::chrono::seconds{1});
  EXPECT_EQ(parse_api_error(429, "", "99999999999999999999").retry_after(),
            std::chrono::seconds{1});
  EXPECT_EQ(parse_api_error(429, "", "86400").retry_after(), std::chrono::seconds{600});
  EXPECT_EQ(parse_api_error(429, "", "Wed, 21 Oct 2015 07:28:00 GMT").retry_after(),
            std::chrono::seconds{1});
}

TEST(ApiErrors, HugeOrBinaryBodyGivesShortPrintableMessage) {
  std::string body(1 << 20, '\x01');
  auto e = parse_api_error(500, body);
  EXPECT_EQ(e.kind(), ErrorKind::kServerError);
  EXPECT_LT(std::string(e.what()).size(), 1200u);
  EXPECT_EQ(std::string(e.what()).find('\x01'), std::string::npos);
}

TEST(ApiErrors, UnknownReasonFallsBackToCode) {
  EXPECT_EQ(parse_api_error(403, R"({"reason":"SomethingNew"})").kind(), ErrorKind::kForbidden);
  EXPECT_EQ(parse_api_error(404, R"({"reason":42})").kind(), ErrorKind::kNotFound);
  EXPECT_EQ(parse_api_error(404, R"([1,2])").kind(), ErrorKind::kNotFound);
}

TEST(ApiErrors, TransportErrorHasNoCode) {
  auto e = transport_error("connect: refused");
  EXPECT_EQ(e.kind(), ErrorKind::kTransport);
  EXPECT_EQ(e.code(), 0);
  EXPECT_EQ(to_string(e.kind()), "Transport");
}

}  // namespace
}  // namespace trove::kube
