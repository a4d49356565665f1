#include "controller/pod_view.hpp"

#include <gtest/gtest.h>

#include "test_json.hpp"

namespace trove::controller {
namespace {

using testing::json;

TEST(PodView, ReadsARunningReadyPod) {
  auto doc = json(R"({"metadata":{"name":"p","namespace":"ns","labels":{"app":"g"},
      "annotations":{"trove.dev/admin-port":"19090"}},
      "status":{"phase":"Running","podIP":"10.0.0.7",
                "conditions":[{"type":"PodScheduled","status":"True"},{"type":"Ready","status":"True"}]}})");
  PodView p = read_pod(doc);
  EXPECT_EQ(p.name, "p");
  EXPECT_EQ(p.ns, "ns");
  EXPECT_EQ(p.labels.at("app"), "g");
  EXPECT_EQ(p.ip, "10.0.0.7");
  EXPECT_TRUE(p.eligible());
  EXPECT_EQ(p.port_or(9090), 19090);
}

TEST(PodView, NotEligibleUnlessRunningReadyWithIpAndNotDeleting) {
  auto make = [](const std::string& extra, const std::string& phase, const std::string& ip,
                 const std::string& ready) {
    return read_pod(json(R"({"metadata":{"name":"p")" + extra + R"(},"status":{"phase":")" + phase +
                         R"(","podIP":")" + ip + R"(","conditions":[{"type":"Ready","status":")" +
                         ready + R"("}]}})"));
  };
  EXPECT_TRUE(make("", "Running", "1.2.3.4", "True").eligible());
  EXPECT_FALSE(make("", "Pending", "1.2.3.4", "True").eligible());
  EXPECT_FALSE(make("", "Running", "", "True").eligible());
  EXPECT_FALSE(make("", "Running", "1.2.3.4", "False").eligible());
  EXPECT_FALSE(make(R"(,"deletionTimestamp":"2026-01-01T00:00:00Z")", "Running", "1.2.3.4", "True")
                   .eligible());
}

TEST(PodView, HostilePodsReadAsIneligibleWithoutCrashing) {
  for (const char* text : {"{}", "[]", R"({"metadata":7,"status":"x"})",
                           R"({"status":{"conditions":{"type":"Ready"}}})",
                           R"({"status":{"conditions":[1,null,{"type":5}],"podIP":9}})"}) {
    PodView p = read_pod(json(text));
    EXPECT_FALSE(p.eligible()) << text;
  }
}

TEST(PodView, BadAdminPortAnnotationsFallBackToTheSpecPort) {
  for (const char* port : {"0", "65536", "-1", "80x", "", "99999999999999999999", " 80"}) {
    auto doc = json(std::string(R"({"metadata":{"annotations":{"trove.dev/admin-port":")") + port +
                    R"("}}})");
    EXPECT_EQ(read_pod(doc).port_or(9090), 9090) << port;
  }
}

TEST(PodView, SignatureChangesOnlyWithWhatAReconcileReads) {
  auto a = read_pod(json(R"({"metadata":{"name":"p","labels":{"x":"1"},"resourceVersion":"1"},
      "status":{"phase":"Running","podIP":"1.1.1.1","conditions":[{"type":"Ready","status":"True"}]}})"));
  auto b = read_pod(json(R"({"metadata":{"name":"p","labels":{"x":"1"},"resourceVersion":"2"},
      "status":{"phase":"Running","podIP":"1.1.1.1","conditions":[{"type":"Ready","status":"True"}],
      "startTime":"later"}})"));
  EXPECT_EQ(a.signature(), b.signature());
  auto c = read_pod(json(R"({"metadata":{"name":"p","labels":{"x":"2"}},
      "status":{"phase":"Running","podIP":"1.1.1.1","conditions":[{"type":"Ready","status":"True"}]}})"));
  EXPECT_NE(a.signature(), c.signature());
}

}  // namespace
}  // namespace trove::controller
