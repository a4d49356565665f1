#include "webhook/injector.hpp"

#include <gtest/gtest.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "apply_patch.hpp"
#include "review_builder.hpp"
#include "sample_template.hpp"
#include "test_json.hpp"

namespace trove::webhook {
namespace {

using Result = AdmissionDecision::Result;
using test_json::json;

std::string to_text(const rapidjson::Value& v) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  v.Accept(writer);
  return buffer.GetString();
}

constexpr const char* kPlainPod =
    R"({"metadata":{"name":"game","labels":{"app":"game","trove.dev/inject":"true"}},
  "spec":{"containers":[{"name":"app","image":"game:1"}]}})";

class Injector : public ::testing::Test {
 protected:
  void use_template(const std::string& native) {
    sidecar_ = std::get<SidecarTemplate>(parse_sidecar_template(test::sample_template(native)));
  }

  AdmissionDecision decide(const std::string& pod, bool server_native = true,
                           const std::string& operation = "CREATE") {
    auto decoded = decode_admission_review(test::pod_review(pod, operation));
    EXPECT_TRUE(std::holds_alternative<AdmissionRequest>(decoded)) << pod;
    if (!std::holds_alternative<AdmissionRequest>(decoded)) return {};
    return decide_injection(std::get<AdmissionRequest>(decoded), {&sidecar_, server_native});
  }

  // The pod as the API server stores it after applying the decision's patch.
  rapidjson::Document patched(const std::string& pod, bool server_native = true) {
    const auto d = decide(pod, server_native);
    EXPECT_EQ(d.result, Result::kInjected) << d.message;
    auto doc = json(pod);
    test::apply_patch(doc, d.patch);
    return doc;
  }

  SidecarTemplate sidecar_ =
      std::get<SidecarTemplate>(parse_sidecar_template(test::sample_template()));
};

TEST_F(Injector, NativeSidecarGoesFirstAmongInitContainers) {
  const std::string pod = R"({"metadata":{"name":"g"},"spec":{
    "initContainers":[{"name":"migrate"}],"containers":[{"name":"app"}]}})";
  auto doc = patched(pod, true);
  const auto& init = doc["spec"]["initContainers"];
  ASSERT_EQ(init.Size(), 2u);
  EXPECT_STREQ(init[0]["name"].GetString(), "trove");
  EXPECT_STREQ(init[0]["restartPolicy"].GetString(), "Always");
  EXPECT_TRUE(init[0].HasMember("startupProbe"));
  EXPECT_STREQ(init[1]["name"].GetString(), "migrate");
  EXPECT_EQ(doc["spec"]["containers"].Size(), 1u);
}

TEST_F(Injector, PlainSidecarBelow129GoesLastAmongContainers) {
  auto doc = patched(kPlainPod, false);
  const auto& containers = doc["spec"]["containers"];
  ASSERT_EQ(containers.Size(), 2u);
  EXPECT_STREQ(containers[1]["name"].GetString(), "trove");
  EXPECT_FALSE(containers[1].HasMember("restartPolicy"));
  EXPECT_FALSE(doc["spec"].HasMember("initContainers"));
}

TEST_F(Injector, NativeWithoutInitContainersCreatesTheList) {
  auto doc = patched(kPlainPod, true);
  ASSERT_EQ(doc["spec"]["initContainers"].Size(), 1u);
  EXPECT_STREQ(doc["spec"]["initContainers"][0]["name"].GetString(), "trove");
}

TEST_F(Injector, TemplateModeWinsOverTheServerVersion) {
  use_template("false");
  EXPECT_FALSE(patched(kPlainPod, true)["spec"].HasMember("initContainers"));
  use_template("true");
  EXPECT_TRUE(patched(kPlainPod, false)["spec"].HasMember("initContainers"));
}

TEST_F(Injector, AddsLabelVolumesAndPullSecretsEscapingTheLabelKey) {
  auto doc = patched(kPlainPod);
  EXPECT_STREQ(doc["metadata"]["labels"]["trove.dev/sidecar"].GetString(), "true");
  EXPECT_STREQ(doc["metadata"]["labels"]["app"].GetString(), "game");
  EXPECT_STREQ(doc["spec"]["volumes"][0]["name"].GetString(), "trove-admin-token");
  EXPECT_STREQ(doc["spec"]["imagePullSecrets"][0]["name"].GetString(), "regcred");
}

TEST_F(Injector, PodWithoutLabelsOrMetadataGetsThem) {
  auto doc = patched(R"({"spec":{"containers":[{"name":"app"}]}})");
  EXPECT_STREQ(doc["metadata"]["labels"]["trove.dev/sidecar"].GetString(), "true");
}

TEST_F(Injector, KeepsThePodsOwnVolumesAndPullSecrets) {
  auto doc = patched(R"({"metadata":{},"spec":{"containers":[{"name":"app"}],
    "volumes":[{"name":"data","emptyDir":{}},{"name":"trove-admin-token","secret":{"secretName":"mine"}}],
    "imagePullSecrets":[{"name":"other"}]}})");
  ASSERT_EQ(doc["spec"]["volumes"].Size(), 2u);
  EXPECT_STREQ(doc["spec"]["volumes"][1]["secret"]["secretName"].GetString(), "mine");
  ASSERT_EQ(doc["spec"]["imagePullSecrets"].Size(), 2u);
  EXPECT_STREQ(doc["spec"]["imagePullSecrets"][1]["name"].GetString(), "regcred");
}

TEST_F(Injector, SecondAdmissionOfThePatchedPodIsSkipped) {
  for (const bool native : {true, false}) {
    auto doc = patched(kPlainPod, native);
    const auto again = decide(to_text(doc), native);
    EXPECT_EQ(again.result, Result::kSkipped);
    EXPECT_TRUE(again.patch.empty());
  }
}

TEST_F(Injector, PodThatIncludesTheTemplateItselfIsSkipped) {
  EXPECT_EQ(decide(R"({"spec":{"containers":[{"name":"app"},{"name":"trove"}]}})").result,
            Result::kSkipped);
  EXPECT_EQ(decide(R"({"spec":{"initContainers":[{"name":"trove"}],"containers":[]}})").result,
            Result::kSkipped);
  EXPECT_EQ(
      decide(R"({"metadata":{"labels":{"trove.dev/sidecar":"true"}},"spec":{"containers":[]}})")
          .result,
      Result::kSkipped);
}

TEST_F(Injector, OptOutAndOtherOperationsAreSkipped) {
  EXPECT_EQ(decide(R"({"metadata":{"labels":{"trove.dev/inject":"false"}},"spec":{}})").result,
            Result::kSkipped);
  EXPECT_EQ(decide(kPlainPod, true, "UPDATE").result, Result::kSkipped);
  auto decoded = decode_admission_review(test::pod_review(kPlainPod, "CREATE", "Deployment"));
  EXPECT_EQ(decide_injection(std::get<AdmissionRequest>(decoded), {&sidecar_, true}).result,
            Result::kSkipped);
}

TEST_F(Injector, AnnotationsOverrideTheInjectedContainer) {
  auto doc = patched(R"({"metadata":{"annotations":{"trove.dev/arena-mib":"512",
    "trove.dev/image":"mirror/trove-server:2","trove.dev/memory-limit":"2Gi"}},
    "spec":{"containers":[{"name":"app"}]}})");
  const auto& sidecar = doc["spec"]["initContainers"][0];
  EXPECT_STREQ(sidecar["args"][1].GetString(), "--arena-mib=512");
  EXPECT_STREQ(sidecar["image"].GetString(), "mirror/trove-server:2");
  EXPECT_STREQ(sidecar["resources"]["limits"]["memory"].GetString(), "2Gi");
  EXPECT_STREQ(sidecar["resources"]["requests"]["cpu"].GetString(), "250m");
  // The template itself is untouched for the next pod.
  EXPECT_STREQ((*sidecar_.native_container)["args"][1].GetString(), "--arena-mib=128");
}

TEST_F(Injector, BadAnnotationRefusesWithItsName) {
  const auto d = decide(R"({"metadata":{"annotations":{"trove.dev/epoch-ms":"fast"}},
    "spec":{"containers":[{"name":"app"}]}})");
  EXPECT_EQ(d.result, Result::kRefused);
  EXPECT_EQ(
      d.message,
      "trove sidecar injection: trove.dev/epoch-ms: \"fast\" is not an integer in [1, 10000]");
  EXPECT_TRUE(d.patch.empty());
}

TEST_F(Injector, ObjectThatIsNotAPodIsRefused) {
  EXPECT_EQ(decide("null").result, Result::kRefused);
  EXPECT_EQ(decide("[1,2]").result, Result::kRefused);
  EXPECT_EQ(decide(R"({"spec":"x"})").result, Result::kRefused);
  EXPECT_EQ(decide(R"({"metadata":"x","spec":{}})").result, Result::kRefused);
}

}  // namespace
}  // namespace trove::webhook
