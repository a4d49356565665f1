#include "controller/pod_view.hpp"

#include <gtest/gtest.h>

#include "test_json.hpp"

namespace trove::controller {
namespace {

using test_json::json;

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

// A pod as the chart renders it: the game container and the trove sidecar
// (a plain container, or a native sidecar among the init containers), each
// with its current instance in the status.
std::string chart_pod(const std::string& uid, const std::string& sidecar_section,
                      const std::string& sidecar_id, int sidecar_restarts, int game_restarts) {
  const std::string statuses =
      sidecar_section == "initContainers" ? "initContainerStatuses" : "containerStatuses";
  const std::string sidecar =
      R"({"name":"trove","ports":[{"name":"trove-data","containerPort":8080},)"
      R"({"name":"trove-admin","containerPort":9090}]})";
  const std::string sidecar_status = R"({"name":"trove","containerID":")" + sidecar_id +
                                     R"(","restartCount":)" + std::to_string(sidecar_restarts) +
                                     "}";
  const std::string game = R"({"name":"game","ports":[{"containerPort":7777}]})";
  const std::string game_status = R"({"name":"game","containerID":"containerd://g)" +
                                  std::to_string(game_restarts) + R"(","restartCount":)" +
                                  std::to_string(game_restarts) + "}";
  std::string spec = R"("containers":[)" + game;
  std::string status = R"("containerStatuses":[)" + game_status;
  if (sidecar_section == "containers") {
    spec += "," + sidecar + "]";
    status += "," + sidecar_status + "]";
  } else {
    spec += R"(],"initContainers":[)" + sidecar + "]";
    status += R"(],")" + statuses + R"(":[)" + sidecar_status + "]";
  }
  return R"({"metadata":{"name":"p","uid":")" + uid + R"("},"spec":{)" + spec +
         R"(},"status":{"phase":"Running",)" + status + "}}";
}

std::string instance_of(const std::string& pod_json, int port = 9090) {
  return read_pod(json(pod_json)).sidecar_instance(port);
}

TEST(PodView, SidecarInstanceChangesWhenTheSidecarContainerIsReplaced) {
  for (const char* section : {"containers", "initContainers"}) {
    const std::string first = instance_of(chart_pod("u1", section, "containerd://a", 0, 0));
    EXPECT_EQ(first, instance_of(chart_pod("u1", section, "containerd://a", 0, 0))) << section;
    EXPECT_NE(first, instance_of(chart_pod("u1", section, "containerd://b", 1, 0)))
        << section << ": a sidecar restarted in place is another instance";
    EXPECT_NE(first, instance_of(chart_pod("u2", section, "containerd://a", 0, 0)))
        << section << ": a pod recreated under its name is another instance";
    EXPECT_EQ(first, instance_of(chart_pod("u1", section, "containerd://a", 0, 3)))
        << section << ": the game container's restarts are not the sidecar's";
  }
}

TEST(PodView, WithoutADeclaredAdminPortEveryContainerCounts) {
  // The operator talks to another port than the pod declares (an annotation
  // naming an undeclared port): it cannot tell which container serves it.
  const std::string first =
      instance_of(chart_pod("u1", "containers", "containerd://a", 0, 0), 19090);
  EXPECT_NE(first, instance_of(chart_pod("u1", "containers", "containerd://b", 1, 0), 19090));
  EXPECT_NE(first, instance_of(chart_pod("u1", "containers", "containerd://a", 0, 1), 19090));
  // A container status without an ID still changes with its restart count.
  auto restarted = [](int n) {
    return instance_of(R"({"metadata":{"uid":"u"},"spec":{"containers":[{"name":"trove"}]},
        "status":{"containerStatuses":[{"name":"trove","restartCount":)" +
                       std::to_string(n) + "}]}}");
  };
  EXPECT_NE(restarted(0), restarted(1));
}

TEST(PodView, HostileContainerListsReadAsNoPortsAndNoInstance) {
  for (const char* text :
       {R"({"spec":{"containers":7},"status":{"containerStatuses":{}}})",
        R"({"spec":{"containers":[1,{"ports":"x"},{"ports":[{"containerPort":"9090"}]}]}})",
        R"({"status":{"containerStatuses":[null,{"containerID":5,"restartCount":"1"}]}})"}) {
    const PodView p = read_pod(json(text));
    for (const auto& c : p.containers) {
      EXPECT_TRUE(c.ports.empty()) << text;
      EXPECT_EQ(c.instance, "") << text;
    }
  }
}

TEST(PodView, SignatureChangesWhenAContainerIsReplaced) {
  EXPECT_NE(read_pod(json(chart_pod("u1", "containers", "containerd://a", 0, 0))).signature(),
            read_pod(json(chart_pod("u1", "containers", "containerd://b", 1, 0))).signature())
      << "a replaced sidecar may be another version: reconcile at once";
}

}  // namespace
}  // namespace trove::controller
