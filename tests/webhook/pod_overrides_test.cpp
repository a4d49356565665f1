#include "webhook/pod_overrides.hpp"

#include <gtest/gtest.h>

#include "test_json.hpp"
#include "webhook/quantity.hpp"

namespace trove::webhook {
namespace {

using test_json::json;

std::string error_for(const std::string& key, const std::string& value) {
  auto annotations = json("{}");
  annotations.AddMember(
      rapidjson::Value(key.c_str(), annotations.GetAllocator()),
      rapidjson::Value(value.c_str(), static_cast<rapidjson::SizeType>(value.size()),
                       annotations.GetAllocator()),
      annotations.GetAllocator());
  auto parsed = parse_pod_overrides(&annotations);
  const auto* error = std::get_if<OverrideError>(&parsed);
  return error != nullptr ? error->message : "";
}

TEST(Quantity, AcceptsTheApiServerGrammar) {
  for (const char* q :
       {"1", "250m", "0.5", ".5", "1.", "512Mi", "1Gi", "2e3", "1E+2", "3k", "+1"}) {
    EXPECT_TRUE(is_valid_quantity(q)) << q;
  }
  for (const char* q : {"", "-1", "1GB", "m", "1.2.3", "1 Gi", "Gi", "1e", "1e+", "1Ki2", "0x10",
                        "12345678901234567890123456789012345"}) {
    EXPECT_FALSE(is_valid_quantity(q)) << q;
  }
}

TEST(PodOverrides, NoAnnotationsNoOverrides) {
  auto parsed = parse_pod_overrides(nullptr);
  ASSERT_TRUE(std::holds_alternative<PodOverrides>(parsed));
  EXPECT_FALSE(std::get<PodOverrides>(parsed).workers);
  auto other = json(R"({"trove.dev/admin-port":"9999","unrelated":"x"})");
  EXPECT_TRUE(std::holds_alternative<PodOverrides>(parse_pod_overrides(&other)));
}

TEST(PodOverrides, ReadsEveryAnnotation) {
  auto a = json(R"({"trove.dev/workers":"4","trove.dev/arena-mib":"512","trove.dev/epoch-ms":"33",
    "trove.dev/image":"registry.example/trove-server@sha256:abc","trove.dev/cpu-request":"100m",
    "trove.dev/cpu-limit":"2","trove.dev/memory-request":"64Mi","trove.dev/memory-limit":"2Gi"})");
  auto parsed = parse_pod_overrides(&a);
  ASSERT_TRUE(std::holds_alternative<PodOverrides>(parsed));
  const auto& o = std::get<PodOverrides>(parsed);
  EXPECT_EQ(*o.workers, 4u);
  EXPECT_EQ(*o.arena_mib, 512u);
  EXPECT_EQ(*o.epoch_ms, 33u);
  EXPECT_EQ(*o.image, "registry.example/trove-server@sha256:abc");
  EXPECT_EQ(*o.memory_limit, "2Gi");
}

TEST(PodOverrides, BadValuesNameTheAnnotationAndTheRange) {
  EXPECT_EQ(error_for("trove.dev/workers", "lots"),
            "trove.dev/workers: \"lots\" is not an integer in [0, 256]");
  EXPECT_NE(error_for("trove.dev/workers", "257").find("[0, 256]"), std::string::npos);
  EXPECT_NE(error_for("trove.dev/workers", "").find("trove.dev/workers"), std::string::npos);
  EXPECT_NE(error_for("trove.dev/workers", "-1").find("trove.dev/workers"), std::string::npos);
  EXPECT_NE(error_for("trove.dev/workers", "4 ").find("trove.dev/workers"), std::string::npos);
  EXPECT_NE(error_for("trove.dev/arena-mib", "0").find("[1, 65536]"), std::string::npos);
  EXPECT_NE(error_for("trove.dev/arena-mib", "99999999999999999999999").find("arena-mib"),
            std::string::npos);
  EXPECT_NE(error_for("trove.dev/epoch-ms", "10001").find("[1, 10000]"), std::string::npos);
  EXPECT_NE(error_for("trove.dev/image", "evil image; rm -rf").find("not an image reference"),
            std::string::npos);
  EXPECT_NE(error_for("trove.dev/image", "").find("trove.dev/image"), std::string::npos);
  EXPECT_NE(error_for("trove.dev/memory-limit", "1GB").find("not a resource quantity"),
            std::string::npos);
  EXPECT_NE(error_for("trove.dev/cpu-request", "-1").find("trove.dev/cpu-request"),
            std::string::npos);
}

TEST(PodOverrides, HostileValuesAreShownBoundedAndPrintable) {
  const std::string message = error_for("trove.dev/workers", std::string(100000, 'x') + "\n\x01");
  EXPECT_LT(message.size(), 200u);
  EXPECT_NE(message.find("..."), std::string::npos);
  const std::string control = error_for("trove.dev/image", std::string("a\x01\n\"b", 5));
  EXPECT_EQ(control.find('\n'), std::string::npos);
  EXPECT_EQ(control.find('\x01'), std::string::npos);
  EXPECT_NE(error_for("trove.dev/image", std::string(kMaxImageBytes + 1, 'a')).find("512"),
            std::string::npos);
}

TEST(PodOverrides, ApplyReplacesFlagsAndSetsImageAndResources) {
  auto container = json(R"({"name":"trove","image":"old","args":["--arena-mib=128","--port=8080"],
    "resources":{"requests":{"cpu":"250m"}}})");
  PodOverrides o;
  o.arena_mib = 512;
  o.workers = 2;
  o.image = "new:1";
  o.cpu_request = "100m";
  o.memory_limit = "2Gi";
  apply_pod_overrides(o, container, container.GetAllocator());
  const auto& args = container["args"];
  ASSERT_EQ(args.Size(), 3u);
  EXPECT_STREQ(args[0].GetString(), "--arena-mib=512");
  EXPECT_STREQ(args[1].GetString(), "--port=8080");
  EXPECT_STREQ(args[2].GetString(), "--workers=2");
  EXPECT_STREQ(container["image"].GetString(), "new:1");
  EXPECT_STREQ(container["resources"]["requests"]["cpu"].GetString(), "100m");
  EXPECT_STREQ(container["resources"]["limits"]["memory"].GetString(), "2Gi");
}

TEST(PodOverrides, ApplyBuildsMissingArgsAndResources) {
  auto container = json(R"({"name":"trove","resources":"not an object"})");
  PodOverrides o;
  o.epoch_ms = 8;
  o.cpu_limit = "1";
  apply_pod_overrides(o, container, container.GetAllocator());
  EXPECT_STREQ(container["args"][0].GetString(), "--epoch-ms=8");
  EXPECT_STREQ(container["resources"]["limits"]["cpu"].GetString(), "1");
}

}  // namespace
}  // namespace trove::webhook
