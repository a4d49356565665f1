#include "controller/pod_ownership.hpp"

#include <gtest/gtest.h>

namespace trove::controller {
namespace {

LabelSelector app(const std::string& v) {
  LabelSelector s;
  s.match_labels["app"] = v;
  return s;
}

TEST(PodOwnership, OlderHuntWinsRegardlessOfListOrder) {
  LabelSelector sel = app("game");
  std::vector<HuntClaim> claims{{"ns", "newer", "2026-01-02T00:00:00Z", &sel},
                                {"ns", "older", "2026-01-01T00:00:00Z", &sel}};
  EXPECT_EQ(owning_hunt(claims, "ns", {{"app", "game"}}), "older");
  std::swap(claims[0], claims[1]);
  EXPECT_EQ(owning_hunt(claims, "ns", {{"app", "game"}}), "older");
}

TEST(PodOwnership, TiesBrokenByName) {
  LabelSelector sel = app("game");
  std::vector<HuntClaim> claims{{"ns", "zeta", "2026-01-01T00:00:00Z", &sel},
                                {"ns", "alpha", "2026-01-01T00:00:00Z", &sel}};
  EXPECT_EQ(owning_hunt(claims, "ns", {{"app", "game"}}), "alpha");
}

TEST(PodOwnership, MissingTimestampCountsAsNewest) {
  LabelSelector sel = app("game");
  std::vector<HuntClaim> claims{{"ns", "aaa", "", &sel},
                                {"ns", "zzz", "2030-01-01T00:00:00Z", &sel}};
  EXPECT_EQ(owning_hunt(claims, "ns", {{"app", "game"}}), "zzz");
}

TEST(PodOwnership, OtherNamespacesNonMatchingAndInvalidHuntsNeverOwn) {
  LabelSelector sel = app("game");
  LabelSelector other = app("other");
  std::vector<HuntClaim> claims{{"elsewhere", "a", "2020-01-01T00:00:00Z", &sel},
                                {"ns", "b", "2020-01-01T00:00:00Z", nullptr},
                                {"ns", "c", "2020-01-01T00:00:00Z", &other}};
  EXPECT_EQ(owning_hunt(claims, "ns", {{"app", "game"}}), "");
  claims.push_back({"ns", "d", "2029-01-01T00:00:00Z", &sel});
  EXPECT_EQ(owning_hunt(claims, "ns", {{"app", "game"}}), "d");
}

}  // namespace
}  // namespace trove::controller
