// The cache's deltas: a relist must report exactly what changed against the
// old cache, so callbacks see no missed and no duplicated final state.
#include "kube/store.hpp"

#include <gtest/gtest.h>

namespace trove::kube {
namespace {

ObjectPtr pod(const std::string& name, const std::string& rv, const std::string& node = "n1",
              const std::string& uid = "") {
  return std::make_shared<KubeObject>(KubeObject::parse(
      R"({"metadata":{"name":")" + name + R"(","namespace":"ns","resourceVersion":")" + rv +
      R"(","uid":")" + (uid.empty() ? name : uid) + R"("},"spec":{"nodeName":")" + node + "\"}}"));
}

std::map<std::string, Delta::Kind> kinds(const std::vector<Delta>& deltas) {
  std::map<std::string, Delta::Kind> out;
  for (const auto& d : deltas)
    out[std::string(d.object->name())] = d.kind;
  return out;
}

TEST(Store, UpsertAddsThenUpdatesAndIgnoresReplays) {
  Store s;
  auto d = s.upsert(pod("a", "1"));
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].kind, Delta::Kind::kAdded);
  EXPECT_TRUE(s.upsert(pod("a", "1")).empty()) << "same resourceVersion is no change";
  d = s.upsert(pod("a", "2"));
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].kind, Delta::Kind::kUpdated);
  EXPECT_EQ(d[0].old_object->resource_version(), "1");
  EXPECT_EQ(s.get("ns/a")->resource_version(), "2");
}

TEST(Store, RemoveReportsFinalStateOnce) {
  Store s;
  s.upsert(pod("a", "1"));
  auto d = s.remove(pod("a", "3"));
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].kind, Delta::Kind::kDeleted);
  EXPECT_EQ(d[0].object->resource_version(), "3");
  EXPECT_TRUE(s.remove(pod("a", "3")).empty()) << "a second delete is not reported";
  EXPECT_EQ(s.size(), 0u);
}

TEST(Store, ReplaceDiffsAgainstOldCache) {
  Store s;
  s.upsert(pod("keep", "1"));
  s.upsert(pod("change", "1"));
  s.upsert(pod("gone", "1"));
  s.upsert(pod("recreated", "1", "n1", "uid-old"));
  auto unchanged = s.get("ns/keep");
  auto d = s.replace({pod("keep", "1"), pod("change", "5"), pod("new", "6"),
                      pod("recreated", "1", "n1", "uid-new")});
  auto k = kinds(d);
  EXPECT_EQ(k.size(), 4u) << "'keep' is unchanged and must not be reported";
  EXPECT_EQ(k["change"], Delta::Kind::kUpdated);
  EXPECT_EQ(k["new"], Delta::Kind::kAdded);
  EXPECT_EQ(k["gone"], Delta::Kind::kDeleted);
  EXPECT_EQ(k["recreated"], Delta::Kind::kUpdated) << "same name, new uid is a change";
  EXPECT_EQ(s.size(), 4u);
  EXPECT_EQ(s.get("ns/keep"), unchanged) << "unchanged objects keep their instance";
  EXPECT_EQ(s.get("ns/gone"), nullptr);
}

TEST(Store, IndexesFollowUpdatesDeletesAndReplace) {
  Store s;
  s.add_indexer("node", [](const KubeObject& o) {
    const auto* n = o.at("/spec/nodeName");
    return std::vector<std::string>{n ? n->GetString() : ""};
  });
  s.upsert(pod("a", "1", "n1"));
  s.upsert(pod("b", "1", "n1"));
  EXPECT_EQ(s.by_index("node", "n1").size(), 2u);
  s.upsert(pod("a", "2", "n2"));
  EXPECT_EQ(s.by_index("node", "n1").size(), 1u);
  EXPECT_EQ(s.by_index("node", "n2").size(), 1u);
  s.remove(pod("b", "3"));
  EXPECT_TRUE(s.by_index("node", "n1").empty());
  s.replace({pod("c", "4", "n3")});
  EXPECT_TRUE(s.by_index("node", "n2").empty());
  EXPECT_EQ(s.by_index("node", "n3").size(), 1u);
  EXPECT_TRUE(s.by_index("nope", "n3").empty());
}

TEST(Store, ClusterScopedKeyIsTheName) {
  auto o = KubeObject::parse(R"({"metadata":{"name":"node-1","resourceVersion":"1"}})");
  EXPECT_EQ(o.key(), "node-1");
}

}  // namespace
}  // namespace trove::kube
