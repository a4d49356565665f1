#include "webhook/admission_review.hpp"

#include <gtest/gtest.h>

#include "review_builder.hpp"
#include "test_json.hpp"

namespace trove::webhook {
namespace {

using test_json::json;

std::string error_of(std::string_view body) {
  auto decoded = decode_admission_review(body);
  const auto* error = std::get_if<ReviewError>(&decoded);
  return error != nullptr ? error->message : "";
}

TEST(AdmissionReview, DecodesTheRequestFields) {
  auto decoded = decode_admission_review(test::pod_review(R"({"metadata":{"name":"p"}})"));
  ASSERT_TRUE(std::holds_alternative<AdmissionRequest>(decoded))
      << error_of(test::pod_review("{}"));
  const auto& r = std::get<AdmissionRequest>(decoded);
  EXPECT_EQ(r.uid, "705ab4f5-6393-11e8-b7cc-42010a800002");
  EXPECT_EQ(r.kind, "Pod");
  EXPECT_EQ(r.version, "v1");
  EXPECT_EQ(r.group, "");
  EXPECT_EQ(r.resource, "pods");
  EXPECT_EQ(r.operation, "CREATE");
  EXPECT_EQ(r.namespace_, "games");
  ASSERT_NE(r.object, nullptr);
  EXPECT_STREQ((*r.object)["metadata"]["name"].GetString(), "p");
}

TEST(AdmissionReview, NullObjectIsAbsent) {
  auto decoded = decode_admission_review(test::pod_review("null", "DELETE"));
  EXPECT_EQ(std::get<AdmissionRequest>(decoded).object, nullptr);
}

TEST(AdmissionReview, RefusesMalformedEnvelopes) {
  EXPECT_NE(error_of("").find("not JSON"), std::string::npos);
  EXPECT_NE(error_of("{").find("not JSON"), std::string::npos);
  EXPECT_NE(error_of("[1]").find("not JSON"), std::string::npos);
  EXPECT_NE(error_of(R"({"apiVersion":"admission.k8s.io/v1beta1","kind":"AdmissionReview"})")
                .find("apiVersion"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"apiVersion":"admission.k8s.io/v1","kind":"Pod"})").find("kind"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview"})")
                .find("request is missing"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview",
                         "request":{"uid":"","kind":{},"operation":"CREATE"}})")
                .find("uid"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview",
                         "request":{"uid":7,"kind":{},"operation":"CREATE"}})")
                .find("uid"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview",
                         "request":{"uid":"u","kind":"Pod","operation":"CREATE"}})")
                .find("request.kind"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview",
                         "request":{"uid":"u","kind":{}}})")
                .find("operation"),
            std::string::npos);
}

TEST(AdmissionReview, RefusesHostileBodies) {
  std::string oversized = test::pod_review("{}");
  oversized.append(kMaxReviewBytes, ' ');
  EXPECT_NE(error_of(oversized).find("limit"), std::string::npos);
  // Nesting far deeper than any recursive parser's stack: parsed iteratively,
  // no crash; unbalanced, it is refused.
  constexpr std::size_t kDepth = 1'000'000;
  const std::string deep = std::string(kDepth, '[') + std::string(kDepth, ']');
  auto decoded = decode_admission_review(test::pod_review(deep));
  ASSERT_TRUE(std::holds_alternative<AdmissionRequest>(decoded));
  EXPECT_TRUE(std::get<AdmissionRequest>(decoded).object->IsArray());
  EXPECT_NE(error_of(test::pod_review(std::string(kDepth, '['))).find("not JSON"),
            std::string::npos);
  std::string long_uid = test::pod_review("{}");
  long_uid.replace(long_uid.find("705ab4f5"), 8, std::string(kMaxUidBytes, 'u'));
  EXPECT_NE(error_of(long_uid).find("uid"), std::string::npos);
  EXPECT_NE(error_of(std::string("{\"apiVersion\":\"admission.k8s.io/v1\0\"}", 36)).size(), 0u);
  EXPECT_NE(error_of("\xff\xfe{}").find("not JSON"), std::string::npos);
}

TEST(AdmissionReview, EncodesAllowedWithPatch) {
  AdmissionDecision d{AdmissionDecision::Result::kInjected, {}, R"([{"op":"add"}])"};
  auto doc = json(encode_admission_response("uid-1", d));
  EXPECT_STREQ(doc["apiVersion"].GetString(), "admission.k8s.io/v1");
  EXPECT_STREQ(doc["kind"].GetString(), "AdmissionReview");
  EXPECT_STREQ(doc["response"]["uid"].GetString(), "uid-1");
  EXPECT_TRUE(doc["response"]["allowed"].GetBool());
  EXPECT_STREQ(doc["response"]["patchType"].GetString(), "JSONPatch");
  EXPECT_STREQ(doc["response"]["patch"].GetString(), "W3sib3AiOiJhZGQifV0=");
  EXPECT_FALSE(doc["response"].HasMember("status"));
}

TEST(AdmissionReview, EncodesSkippedWithoutPatchAndRefusedWithMessage) {
  auto skipped =
      json(encode_admission_response("u", {AdmissionDecision::Result::kSkipped, "x", {}}));
  EXPECT_TRUE(skipped["response"]["allowed"].GetBool());
  EXPECT_FALSE(skipped["response"].HasMember("patch"));
  auto refused = json(encode_admission_response(
      "u", {AdmissionDecision::Result::kRefused, "bad \"quote\"\n", "ignored"}));
  EXPECT_FALSE(refused["response"]["allowed"].GetBool());
  EXPECT_FALSE(refused["response"].HasMember("patch"));
  EXPECT_EQ(refused["response"]["status"]["code"].GetInt(), 400);
  EXPECT_STREQ(refused["response"]["status"]["message"].GetString(), "bad \"quote\"\n");
  EXPECT_EQ(result_label(AdmissionDecision::Result::kRefused), "refused");
  EXPECT_EQ(result_label(AdmissionDecision::Result::kInjected), "injected");
  EXPECT_EQ(result_label(AdmissionDecision::Result::kSkipped), "skipped");
}

}  // namespace
}  // namespace trove::webhook
