// Reads through FakeApiServer::request: discovery, OpenAPI v3, LIST with
// paging and selectors, and Tables with printer columns.
#include <gtest/gtest.h>

#include <set>

#include "api_fixture.hpp"

namespace trove::fakeapi::testing {
namespace {

class ApiReads : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(
        server.request("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", kHuntCrd)
            .status,
        201);
  }
  void pod(const std::string& ns, const std::string& name, const std::string& labels_json) {
    auto r = server.request("POST", "/api/v1/namespaces/" + ns + "/pods",
                            R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":")" + name +
                                R"(","labels":)" + labels_json + "}}");
    ASSERT_EQ(r.status, 201) << r.body;
  }
  std::vector<std::string> names(const std::string& list) {
    std::vector<std::string> out;
    rapidjson::Document doc = parse(list);
    // Pointers, not operator[]: its missing-member path is a static
    // placement-new that clang-analyzer flags.
    const rapidjson::Value* items = rapidjson::Pointer("/items").Get(doc);
    if (items == nullptr || !items->IsArray()) {
      ADD_FAILURE() << "not a list: " << list;
      return out;
    }
    for (const auto& item : items->GetArray()) {
      const rapidjson::Value* name = rapidjson::Pointer("/metadata/name").Get(item);
      out.emplace_back(name != nullptr && name->IsString() ? name->GetString() : "<no name>");
    }
    return out;
  }
  FakeApiServer server;
};

TEST_F(ApiReads, VersionAndDiscovery) {
  EXPECT_EQ(at(server.request("GET", "/version").body, "/minor"), "33");
  auto core = server.request("GET", "/api/v1").body;
  EXPECT_NE(core.find(R"({"name":"pods","singularName":"pod","namespaced":true,"kind":"Pod")"),
            std::string::npos);
  EXPECT_NE(core.find(R"("name":"pods/status")"), std::string::npos);
  auto groups = server.request("GET", "/apis").body;
  EXPECT_NE(groups.find(R"("name":"test.trove.dev")"), std::string::npos)
      << "a CRD's group is served at once";
  EXPECT_NE(groups.find(R"("name":"coordination.k8s.io")"), std::string::npos);
  auto hunts = server.request("GET", "/apis/test.trove.dev/v1");
  ASSERT_EQ(hunts.status, 200);
  EXPECT_NE(hunts.body.find(R"("shortNames":["hu"],"categories":["trove"])"), std::string::npos)
      << hunts.body;
  EXPECT_NE(hunts.body.find(R"("name":"hunts/status")"), std::string::npos);
  EXPECT_EQ(server.request("GET", "/apis/nope.dev/v1").status, 404);
  EXPECT_EQ(server.request("GET", "/openapi/v2").status, 404);
  EXPECT_EQ(server.request("POST", "/version", "{}").status, 405);
}

TEST_F(ApiReads, OpenApiV3HashChangesWithCrds) {
  auto index = server.request("GET", "/openapi/v3");
  std::string url = at(index.body, "/paths/apis~1test.trove.dev~1v1/serverRelativeURL");
  ASSERT_EQ(url.rfind("/openapi/v3/apis/test.trove.dev/v1?hash=", 0), 0u) << index.body;
  EXPECT_NE(at(index.body, "/paths/apis~1apiextensions.k8s.io~1v1/serverRelativeURL"), "<absent>");
  auto doc = server.request("GET", url);
  ASSERT_EQ(doc.status, 200);
  EXPECT_NE(
      doc.body.find(
          R"("x-kubernetes-group-version-kind":{"group":"test.trove.dev","version":"v1","kind":"Hunt"})"),
      std::string::npos);
  EXPECT_NE(doc.body.find(R"("name":"fieldValidation")"), std::string::npos);
  std::string crd = kHuntCrd;
  crd.replace(crd.find("\"Boxes\""), 7, "\"Chests\"");
  ASSERT_EQ(
      server
          .request("PUT",
                   "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/hunts.test.trove.dev",
                   crd)
          .status,
      200);
  std::string after = at(server.request("GET", "/openapi/v3").body,
                         "/paths/apis~1test.trove.dev~1v1/serverRelativeURL");
  EXPECT_NE(after, url);
}

TEST_F(ApiReads, ListPagesWithLimitAndContinue) {
  for (int i = 0; i < 7; ++i)
    pod("default", "p" + std::to_string(i), "{}");
  std::set<std::string> seen;
  std::string cont;
  std::string first_rv;
  int pages = 0;
  do {
    auto r = server.request("GET", "/api/v1/namespaces/default/pods?limit=3" +
                                       (cont.empty() ? "" : "&continue=" + cont));
    ASSERT_EQ(r.status, 200);
    for (auto& n : names(r.body))
      EXPECT_TRUE(seen.insert(n).second) << "duplicate " << n;
    if (first_rv.empty()) first_rv = at(r.body, "/metadata/resourceVersion");
    EXPECT_EQ(at(r.body, "/metadata/resourceVersion"), first_rv)
        << "pages share the first page's version";
    cont = at(r.body, "/metadata/continue");
    if (cont == "<absent>") cont.clear();
    ++pages;
  } while (!cont.empty() && pages < 10);
  EXPECT_EQ(seen.size(), 7u);
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(server.request("GET", "/api/v1/pods?limit=2&continue=garbage").status, 400);
  EXPECT_EQ(server.request("GET", "/api/v1/pods?limit=-1").status, 400);
}

TEST_F(ApiReads, LabelSelectors) {
  pod("default", "a", R"({"app":"web","tier":"front"})");
  pod("default", "b", R"({"app":"db"})");
  pod("other", "c", R"({"app":"web"})");
  auto list = [&](const std::string& selector) {
    auto r = server.request("GET", "/api/v1/pods?labelSelector=" + selector);
    EXPECT_EQ(r.status, 200) << r.body;
    return names(r.body);
  };
  EXPECT_EQ(list("app%3Dweb"), (std::vector<std::string>{"a", "c"}));
  EXPECT_EQ(list("app%3D%3Dweb,tier"), (std::vector<std::string>{"a"}));
  EXPECT_EQ(list("app!%3Dweb"), (std::vector<std::string>{"b"}));
  EXPECT_EQ(list("app%20in%20(db,cache)"), (std::vector<std::string>{"b"}));
  EXPECT_EQ(list("app%20notin%20(db)"), (std::vector<std::string>{"a", "c"}));
  EXPECT_EQ(list("!tier"), (std::vector<std::string>{"b", "c"}));
  EXPECT_EQ(server.request("GET", "/api/v1/pods?labelSelector=app%20in%20(a").status, 400);
  EXPECT_EQ(server.request("GET", "/api/v1/pods?labelSelector=a%20between%20(x)").status, 400);
}

TEST_F(ApiReads, FieldSelectors) {
  pod("default", "a", "{}");
  pod("other", "b", "{}");
  server.request("PATCH", "/api/v1/namespaces/other/pods/b/status",
                 R"({"status":{"phase":"Running"}})", "application/merge-patch+json");
  auto names_for = [&](const std::string& selector) {
    return names(server.request("GET", "/api/v1/pods?fieldSelector=" + selector).body);
  };
  EXPECT_EQ(names_for("metadata.name%3Da"), (std::vector<std::string>{"a"}));
  EXPECT_EQ(names_for("metadata.namespace%3Dother"), (std::vector<std::string>{"b"}));
  EXPECT_EQ(names_for("status.phase%3DRunning"), (std::vector<std::string>{"b"}));
  EXPECT_EQ(names_for("status.phase!%3DRunning"), (std::vector<std::string>{"a"}));
  auto bad = server.request("GET", "/api/v1/pods?fieldSelector=spec.unknown%3Dx");
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.body.find("field label not supported"), std::string::npos);
  EXPECT_EQ(server.request("GET", std::string(kHunts) + "?fieldSelector=status.phase%3Dx").status,
            400)
      << "custom resources select on metadata only";
}

TEST_F(ApiReads, TableWithPrinterColumnsAndFilters) {
  server.request("POST", kHunts, hunt("h", 4));
  server.request(
      "PATCH", std::string(kHunts) + "/h/status",
      R"({"status":{"conditions":[{"type":"Synced","status":"False"},{"type":"Ready","status":"True"}]}})",
      "application/merge-patch+json");
  const char* kTable = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json";
  auto table = server.request("GET", kHunts, {}, "application/json", kTable);
  ASSERT_EQ(table.status, 200);
  EXPECT_EQ(at(table.body, "/kind"), "Table");
  EXPECT_EQ(at(table.body, "/columnDefinitions/0/name"), "Name");
  EXPECT_EQ(at(table.body, "/columnDefinitions/0/format"), "name");
  EXPECT_EQ(at(table.body, "/columnDefinitions/1/name"), "Boxes");
  EXPECT_EQ(at(table.body, "/columnDefinitions/3/name"), "Age");
  EXPECT_EQ(at(table.body, "/rows/0/cells/0"), "h");
  EXPECT_EQ(at(table.body, "/rows/0/cells/1"), "4");
  EXPECT_EQ(at(table.body, "/rows/0/cells/2"), "True") << "the [?(@.type==\"Ready\")] filter";
  EXPECT_NE(at(table.body, "/rows/0/cells/3").find('s'), std::string::npos) << "Age is a duration";
  EXPECT_EQ(at(table.body, "/rows/0/object/kind"), "PartialObjectMetadata");
  EXPECT_EQ(at(table.body, "/rows/0/object/metadata/name"), "h");
  auto one = server.request("GET", std::string(kHunts) + "/h", {}, "application/json", kTable);
  EXPECT_EQ(at(one.body, "/rows/0/cells/1"), "4");
  auto builtin = server.request("GET", "/api/v1/namespaces", {}, "application/json", kTable);
  EXPECT_EQ(at(builtin.body, "/columnDefinitions/1/name"), "Age") << "Name and Age without columns";
  auto list = server.request("GET", kHunts);
  EXPECT_EQ(at(list.body, "/kind"), "HuntList");
}

}  // namespace
}  // namespace trove::fakeapi::testing
