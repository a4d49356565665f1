#include "controller/ownerless_sidecar.hpp"

#include <gtest/gtest.h>

namespace trove::controller {
namespace {

TEST(OwnerlessSidecar, OwnersAreTriedUntilAnInstanceRefusesOne) {
  OwnerlessSidecar s;
  s.serving("uid/trove=containerd://a#0");
  EXPECT_FALSE(s.owner_less()) << "every sidecar is first tried with an owner";
  s.refused_owner("uid/trove=containerd://a#0");
  EXPECT_TRUE(s.owner_less());
  for (int reconcile = 0; reconcile < 3; ++reconcile) {
    s.serving("uid/trove=containerd://a#0");
    s.reports_owner("");
    EXPECT_TRUE(s.owner_less()) << "the same old sidecar is not pushed an owner every reconcile";
  }
}

TEST(OwnerlessSidecar, AnotherInstanceIsTriedWithAnOwnerFirst) {
  OwnerlessSidecar s;
  s.refused_owner("uid/trove=containerd://a#0");
  // The container replaced in place by a current sidecar: it runs its start
  // tuning (owner "") and is asked with an owner again.
  s.serving("uid/trove=containerd://b#1");
  s.reports_owner("");
  EXPECT_FALSE(s.owner_less());
  // Still old (a crash of the old image): it refuses again, and that
  // instance is remembered.
  s.refused_owner("uid/trove=containerd://b#1");
  s.serving("uid/trove=containerd://b#1");
  EXPECT_TRUE(s.owner_less());
  // The pod recreated under its name.
  s.serving("uid2/trove=containerd://c#0");
  EXPECT_FALSE(s.owner_less());
}

TEST(OwnerlessSidecar, ASidecarReportingAnOwnerKnowsOwners) {
  OwnerlessSidecar s;
  s.refused_owner("i");
  s.serving("i");
  s.reports_owner("someone-else");
  EXPECT_FALSE(s.owner_less());
}

}  // namespace
}  // namespace trove::controller
