// Paths, query encoding, timestamps and objects.
#include <gtest/gtest.h>

#include "kube/object.hpp"
#include "kube/resource.hpp"
#include "kube/time_format.hpp"

namespace trove::kube {
namespace {

TEST(ResourcePaths, CoreGroupAndNamedGroups) {
  EXPECT_EQ(pods_type().collection_path("ns"), "/api/v1/namespaces/ns/pods");
  EXPECT_EQ(pods_type().collection_path(""), "/api/v1/pods");
  EXPECT_EQ(treasure_hunts_type().item_path("g", "h1", "status"),
            "/apis/trove.dev/v1alpha1/namespaces/g/treasurehunts/h1/status");
  ResourceType nodes{"", "v1", "nodes", false};
  EXPECT_EQ(nodes.item_path("ignored", "n1"), "/api/v1/nodes/n1");
}

TEST(ResourcePaths, HostileNamesCannotEscapeThePath) {
  for (const char* bad : {"", "..", ".", "a/b", "a?watch=true", "a#x", "a b", "%2e%2e"}) {
    EXPECT_THROW(pods_type().item_path("ns", bad), std::invalid_argument) << bad;
    EXPECT_THROW(pods_type().collection_path(bad[0] ? bad : "/"), std::invalid_argument) << bad;
  }
}

TEST(Query, EncodesSelectorsAndSkipsEmpty) {
  Query q;
  q.add("labelSelector", "app in (a,b),tier!=x").add("continue", "").add("limit", "500");
  EXPECT_EQ(q.str(), "?labelSelector=app%20in%20%28a%2Cb%29%2Ctier%21%3Dx&limit=500");
  EXPECT_EQ(Query().str(), "");
}

TEST(TimeFormat, MicroTimeRoundTrips) {
  const auto t = std::chrono::system_clock::time_point{} + std::chrono::seconds{1700000000} +
                 std::chrono::microseconds{123456};
  EXPECT_EQ(format_micro_time(t), "2023-11-14T22:13:20.123456Z");
  EXPECT_EQ(format_time(t), "2023-11-14T22:13:20Z");
  EXPECT_EQ(parse_time("2023-11-14T22:13:20.123456Z"), t);
  EXPECT_EQ(parse_time("2023-11-14T22:13:20Z"), t - std::chrono::microseconds{123456});
}

TEST(TimeFormat, RejectsMalformed) {
  for (const char* bad :
       {"", "2023-11-14", "2023-11-14T22:13:20", "2023-13-14T22:13:20Z", "2023-11-14T25:13:20Z",
        "2023-11-14T22:13:20.Z", "2023-11-14T22:13:20.12aZ", "xxxx-11-14T22:13:20Z",
        "2023-11-14T22:13:20+01:00"}) {
    EXPECT_EQ(parse_time(bad), std::nullopt) << bad;
  }
}

TEST(KubeObject, AccessorsAndRejects) {
  auto o = KubeObject::parse(
      R"({"kind":"Pod","metadata":{"name":"p","namespace":"n","uid":"u","resourceVersion":"3","generation":4}})");
  EXPECT_EQ(o.kind(), "Pod");
  EXPECT_EQ(o.uid(), "u");
  EXPECT_EQ(o.generation(), 4);
  EXPECT_EQ(o.clone().to_json(), o.to_json());
  EXPECT_THROW(KubeObject::parse("[]"), std::invalid_argument);
  EXPECT_THROW(KubeObject::parse("{"), std::invalid_argument);
  auto weird = KubeObject::parse(R"({"metadata":{"name":5}})");
  EXPECT_EQ(weird.name(), "") << "wrong types read as absent";
}

}  // namespace
}  // namespace trove::kube
