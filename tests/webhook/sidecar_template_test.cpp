#include "webhook/sidecar_template.hpp"

#include <gtest/gtest.h>

#include "sample_template.hpp"

namespace trove::webhook {
namespace {

std::string error_of(const std::string& text) {
  auto parsed = parse_sidecar_template(text);
  const auto* error = std::get_if<TemplateError>(&parsed);
  return error != nullptr ? error->message : "";
}

std::string replaced(std::string text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  return text.replace(at, from.size(), to);
}

TEST(SidecarTemplate, ParsesTheChartShape) {
  auto parsed = parse_sidecar_template(test::sample_template("true"));
  ASSERT_TRUE(std::holds_alternative<SidecarTemplate>(parsed)) << error_of(test::sample_template());
  const auto& t = std::get<SidecarTemplate>(parsed);
  EXPECT_EQ(t.native_mode, NativeMode::kAlways);
  EXPECT_EQ(t.container_name, "trove");
  EXPECT_EQ(t.volumes->Size(), 1u);
  EXPECT_STREQ((*t.pod_labels)["trove.dev/sidecar"].GetString(), "true");
  auto never = parse_sidecar_template(test::sample_template("false"));
  EXPECT_EQ(std::get<SidecarTemplate>(never).native_mode, NativeMode::kNever);
}

TEST(SidecarTemplate, RefusesEveryBrokenPart) {
  const auto ok = test::sample_template();
  EXPECT_NE(error_of("{").find("offset"), std::string::npos);
  EXPECT_NE(error_of("[]").find("object"), std::string::npos);
  EXPECT_NE(error_of(test::sample_template("maybe")).find("native"), std::string::npos);
  EXPECT_NE(error_of(replaced(ok, R"("restartPolicy":"Always",)", "")).find("restartPolicy"),
            std::string::npos);
  EXPECT_NE(error_of(replaced(ok, R"("plain":{"name":"trove")", R"("plain":{"name":"other")"))
                .find("different names"),
            std::string::npos);
  EXPECT_NE(error_of(replaced(ok, R"({"name":"trove-admin-token",)", "{")).find("volumes"),
            std::string::npos);
  EXPECT_NE(error_of(replaced(ok, R"({"trove.dev/sidecar":"true"})", "{}")).find("podLabels"),
            std::string::npos);
  EXPECT_NE(error_of(replaced(ok, R"("imagePullSecrets":[{"name":"regcred"}])",
                              R"("imagePullSecrets":{})"))
                .find("imagePullSecrets"),
            std::string::npos);
}

TEST(SidecarTemplate, RefusesAnOversizedFile) {
  std::string big = test::sample_template();
  big.append(kMaxTemplateBytes, ' ');
  EXPECT_NE(error_of(big).find("limit"), std::string::npos);
}

}  // namespace
}  // namespace trove::webhook
