#include "webhook/kube_version.hpp"

#include <gtest/gtest.h>

namespace trove::webhook {
namespace {

TEST(KubeVersion, ReadsMajorMinorWithProviderPlus) {
  const auto v = parse_kube_version(R"({"major":"1","minor":"29+","gitVersion":"v1.29.3-gke.1"})");
  ASSERT_TRUE(v);
  EXPECT_EQ(v->major, 1);
  EXPECT_EQ(v->minor, 29);
}

TEST(KubeVersion, FallsBackToGitVersion) {
  const auto v = parse_kube_version(R"({"major":"","minor":"","gitVersion":"v1.28.7"})");
  ASSERT_TRUE(v);
  EXPECT_EQ(v->minor, 28);
}

TEST(KubeVersion, RefusesWhatIsNotAVersion) {
  EXPECT_FALSE(parse_kube_version("not json"));
  EXPECT_FALSE(parse_kube_version("{}"));
  EXPECT_FALSE(parse_kube_version(R"({"major":"x","minor":"y","gitVersion":"1.29"})"));
  EXPECT_FALSE(parse_kube_version(R"({"gitVersion":"v1"})"));
  EXPECT_FALSE(parse_kube_version(R"({"major":"1","minor":"-3"})"));
  EXPECT_FALSE(parse_kube_version(R"({"major":"1","minor":"99999999999999999999"})"));
}

TEST(KubeVersion, NativeSidecarsFrom129) {
  EXPECT_FALSE(supports_native_sidecars({1, 28}));
  EXPECT_TRUE(supports_native_sidecars({1, 29}));
  EXPECT_TRUE(supports_native_sidecars({1, 31}));
  EXPECT_TRUE(supports_native_sidecars({2, 0}));
  EXPECT_FALSE(supports_native_sidecars({0, 99}));
}

}  // namespace
}  // namespace trove::webhook
