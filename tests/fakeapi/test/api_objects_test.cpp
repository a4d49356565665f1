// Object semantics through FakeApiServer::request (no sockets): create,
// update, patches, status subresource, generation, finalizers, errors.
#include <gtest/gtest.h>

#include "api_fixture.hpp"

namespace trove::fakeapi::testing {
namespace {

class ApiObjects : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(
        server.request("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", kHuntCrd)
            .status,
        201);
  }
  DirectResponse create(const std::string& name, int boxes) {
    return server.request("POST", kHunts, hunt(name, boxes));
  }
  std::string path(const std::string& name) const { return std::string(kHunts) + "/" + name; }
  FakeApiServer server;
};

TEST_F(ApiObjects, CreateSetsServerFieldsAndSchemaDefaults) {
  auto r = create("a", 3);
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(at(r.body, "/metadata/generation"), "1");
  EXPECT_EQ(at(r.body, "/metadata/uid").size(), 36u);
  EXPECT_NE(at(r.body, "/metadata/creationTimestamp"), "<absent>");
  EXPECT_NE(at(r.body, "/metadata/resourceVersion"), "<absent>");
  EXPECT_EQ(at(r.body, "/spec/mode"), "poll");
  EXPECT_EQ(at(r.body, "/spec/tuning/epochMillis"), "250")
      << "defaults apply inside defaulted objects";
}

TEST_F(ApiObjects, CreateTwiceIsAlreadyExists) {
  ASSERT_EQ(create("a", 1).status, 201);
  auto r = create("a", 1);
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(at(r.body, "/reason"), "AlreadyExists");
}

TEST_F(ApiObjects, GetMissingIsNotFoundStatusWithDetails) {
  auto r = server.request("GET", path("nope"));
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(at(r.body, "/kind"), "Status");
  EXPECT_EQ(at(r.body, "/reason"), "NotFound");
  EXPECT_EQ(at(r.body, "/code"), "404");
  EXPECT_EQ(at(r.body, "/details/name"), "nope");
  EXPECT_EQ(at(r.body, "/details/group"), "test.trove.dev");
  EXPECT_EQ(at(r.body, "/details/kind"), "hunts");
}

TEST_F(ApiObjects, InvalidObjectsAre422) {
  auto r = server.request(
      "POST", kHunts,
      R"({"apiVersion":"test.trove.dev/v1","kind":"Hunt","metadata":{"name":"a"},"spec":{"mode":"push"}})");
  EXPECT_EQ(r.status, 422) << r.body;
  EXPECT_EQ(at(r.body, "/reason"), "Invalid");
  EXPECT_EQ(at(r.body, "/details/causes/0/field"), "spec.boxes");
  r = server.request(
      "POST", kHunts,
      R"({"apiVersion":"test.trove.dev/v1","kind":"Hunt","metadata":{"name":"a"},"spec":{"boxes":"many"}})");
  EXPECT_EQ(r.status, 422) << "wrong type";
  r = server.request(
      "POST", kHunts,
      R"({"apiVersion":"test.trove.dev/v1","kind":"Hunt","metadata":{"name":"a"},"spec":{"boxes":1,"mode":"pull"}})");
  EXPECT_EQ(r.status, 422) << "not in enum";
  r = server.request("POST", kHunts, hunt("Bad_Name", 1));
  EXPECT_EQ(r.status, 422) << "names are DNS subdomains";
  r = server.request(
      "POST", kHunts,
      R"({"apiVersion":"test.trove.dev/v1","kind":"Hunt","metadata":{},"spec":{"boxes":1}})");
  EXPECT_EQ(r.status, 422) << "no name";
}

TEST_F(ApiObjects, MalformedBodiesAre400) {
  EXPECT_EQ(server.request("POST", kHunts, "{not json").status, 400);
  EXPECT_EQ(server.request("POST", kHunts, "[1,2]").status, 400);
  EXPECT_EQ(server
                .request("POST", kHunts,
                         R"({"apiVersion":"other/v1","kind":"Hunt","metadata":{"name":"a"}})")
                .status,
            400);
  EXPECT_EQ(
      server
          .request("POST", kHunts,
                   R"({"apiVersion":"test.trove.dev/v1","kind":"Other","metadata":{"name":"a"}})")
          .status,
      400);
  std::string deep(5000, '[');
  EXPECT_EQ(server.request("POST", kHunts, deep).status, 400);
}

TEST_F(ApiObjects, UnknownFieldsArePrunedOrRefusedUnderStrictValidation) {
  std::string body =
      R"({"apiVersion":"test.trove.dev/v1","kind":"Hunt","metadata":{"name":"a"},"spec":{"boxes":1,"colour":"red","extra":{"kept":true}}})";
  auto strict = server.request("POST", std::string(kHunts) + "?fieldValidation=Strict", body);
  EXPECT_EQ(strict.status, 400);
  EXPECT_NE(strict.body.find("unknown field \\\"spec.colour\\\""), std::string::npos)
      << strict.body;
  auto r = server.request("POST", kHunts, body);
  ASSERT_EQ(r.status, 201);
  EXPECT_EQ(at(r.body, "/spec/colour"), "<absent>");
  EXPECT_EQ(at(r.body, "/spec/extra/kept"), "true") << "x-kubernetes-preserve-unknown-fields";
}

TEST_F(ApiObjects, PutWithStaleResourceVersionIsConflict) {
  auto created = create("a", 1);
  std::string rv = at(created.body, "/metadata/resourceVersion");
  std::string update =
      R"({"apiVersion":"test.trove.dev/v1","kind":"Hunt","metadata":{"name":"a","resourceVersion":")" +
      rv + R"("},"spec":{"boxes":2}})";
  auto first = server.request("PUT", path("a"), update);
  ASSERT_EQ(first.status, 200) << first.body;
  EXPECT_EQ(at(first.body, "/metadata/generation"), "2");
  auto second = server.request("PUT", path("a"), update);
  EXPECT_EQ(second.status, 409);
  EXPECT_EQ(at(second.body, "/reason"), "Conflict");
  EXPECT_EQ(server.request("PUT", path("missing"), hunt("missing", 1)).status, 404);
}

TEST_F(ApiObjects, NoOpWritesChangeNothing) {
  auto created = create("a", 1);
  std::uint64_t rv = server.resource_version();
  auto same =
      server.request("PATCH", path("a"), R"({"spec":{"boxes":1}})", "application/merge-patch+json");
  ASSERT_EQ(same.status, 200);
  EXPECT_EQ(at(same.body, "/metadata/resourceVersion"),
            at(created.body, "/metadata/resourceVersion"));
  EXPECT_EQ(server.resource_version(), rv);
}

TEST_F(ApiObjects, GenerationBumpsOnlyOnSpecChanges) {
  create("a", 1);
  auto labels = server.request("PATCH", path("a"), R"({"metadata":{"labels":{"x":"y"}}})",
                               "application/merge-patch+json");
  EXPECT_EQ(at(labels.body, "/metadata/generation"), "1") << "metadata is not spec";
  auto status = server.request("PATCH", path("a") + "/status", R"({"status":{"observed":1}})",
                               "application/merge-patch+json");
  EXPECT_EQ(at(status.body, "/metadata/generation"), "1") << "status is not spec";
  auto spec =
      server.request("PATCH", path("a"), R"({"spec":{"boxes":4}})", "application/merge-patch+json");
  EXPECT_EQ(at(spec.body, "/metadata/generation"), "2");
}

TEST_F(ApiObjects, StatusOnlyThroughItsSubresource) {
  create("a", 1);
  auto main = server.request("PATCH", path("a"), R"({"status":{"observed":7},"spec":{"boxes":2}})",
                             "application/merge-patch+json");
  EXPECT_EQ(at(main.body, "/status/observed"), "<absent>");
  EXPECT_EQ(at(main.body, "/spec/boxes"), "2");
  auto status = server.request("PATCH", path("a") + "/status",
                               R"({"status":{"observed":7},"spec":{"boxes":9}})",
                               "application/merge-patch+json");
  EXPECT_EQ(at(status.body, "/status/observed"), "7");
  EXPECT_EQ(at(status.body, "/spec/boxes"), "2") << "/status writes change only .status";
  auto put = server.request("PUT", path("a"), hunt("a", 3));
  EXPECT_EQ(at(put.body, "/status/observed"), "7") << "writes to the main resource keep .status";
  auto apply = server.request(
      "PATCH", path("a") + "/status?fieldManager=op&force=true",
      R"({"apiVersion":"test.trove.dev/v1","kind":"Hunt","metadata":{"name":"a"},"status":{"observed":8}})",
      "application/apply-patch+yaml");
  EXPECT_EQ(apply.status, 200) << apply.body;
  EXPECT_EQ(at(apply.body, "/status/observed"), "8");
  EXPECT_EQ(server.request("GET", "/api/v1/namespaces/default/configmaps/x/status").status, 404)
      << "no status subresource on configmaps";
}

TEST_F(ApiObjects, JsonPatchAndMergePatch) {
  create("a", 1);
  auto json = server.request(
      "PATCH", path("a"),
      R"([{"op":"replace","path":"/spec/boxes","value":5},{"op":"add","path":"/metadata/labels","value":{"k":"v"}}])",
      "application/json-patch+json");
  ASSERT_EQ(json.status, 200) << json.body;
  EXPECT_EQ(at(json.body, "/spec/boxes"), "5");
  EXPECT_EQ(at(json.body, "/metadata/labels/k"), "v");
  auto failed =
      server.request("PATCH", path("a"), R"([{"op":"test","path":"/spec/boxes","value":1}])",
                     "application/json-patch+json");
  EXPECT_EQ(failed.status, 422);
  auto not_array =
      server.request("PATCH", path("a"), R"({"op":"add"})", "application/json-patch+json");
  EXPECT_EQ(not_array.status, 422);
  auto merge = server.request("PATCH", path("a"), R"({"metadata":{"labels":{"k":null}}})",
                              "application/merge-patch+json");
  EXPECT_EQ(at(merge.body, "/metadata/labels/k"), "<absent>");
  auto stale = server.request("PATCH", path("a"),
                              R"({"metadata":{"resourceVersion":"1"},"spec":{"boxes":2}})",
                              "application/merge-patch+json");
  EXPECT_EQ(stale.status, 409) << "a resourceVersion in a patch is a precondition";
  EXPECT_EQ(server.request("PATCH", path("missing"), "{}", "application/merge-patch+json").status,
            404);
}

TEST_F(ApiObjects, StrategicMergeIs415OnCustomResourcesAndMergesBuiltIns) {
  create("a", 1);
  auto r = server.request("PATCH", path("a"), R"({"spec":{"boxes":2}})",
                          "application/strategic-merge-patch+json");
  EXPECT_EQ(r.status, 415);
  EXPECT_EQ(at(r.body, "/reason"), "UnsupportedMediaType");
  EXPECT_EQ(server.request("PATCH", path("a"), "{}", "text/plain").status, 415);

  const char* deployments = "/apis/apps/v1/namespaces/default/deployments";
  ASSERT_EQ(server
                .request("POST", deployments,
                         R"({"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d"},
    "spec":{"template":{"spec":{"containers":[{"name":"a","image":"a:1","env":[{"name":"X","value":"1"}]},{"name":"b","image":"b:1"}]}}}})")
                .status,
            201);
  auto smp = server.request(
      "PATCH", std::string(deployments) + "/d",
      R"({"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"a"},{"name":"b"}],"containers":[{"name":"b","image":"b:2"}]}}}})",
      "application/strategic-merge-patch+json");
  ASSERT_EQ(smp.status, 200) << smp.body;
  EXPECT_EQ(at(smp.body, "/spec/template/spec/containers/0/env/0/value"), "1")
      << "other containers untouched";
  EXPECT_EQ(at(smp.body, "/spec/template/spec/containers/1/image"), "b:2");
  EXPECT_EQ(smp.body.find("$setElementOrder"), std::string::npos) << "directives never stored";
  auto del = server.request(
      "PATCH", std::string(deployments) + "/d",
      R"({"spec":{"template":{"spec":{"containers":[{"name":"a","$patch":"delete"}]}}}})",
      "application/strategic-merge-patch+json");
  EXPECT_EQ(at(del.body, "/spec/template/spec/containers/0/name"), "b");
}

TEST_F(ApiObjects, ServerSideApplyCreatesThenMerges) {
  std::string target = path("s") + "?fieldManager=op";
  auto missing_manager =
      server.request("PATCH", path("s"), hunt("s", 1), "application/apply-patch+yaml");
  EXPECT_EQ(missing_manager.status, 400);
  auto created = server.request("PATCH", target, hunt("s", 1), "application/apply-patch+yaml");
  EXPECT_EQ(created.status, 201) << created.body;
  auto yaml = server.request("PATCH", target,
                             "apiVersion: test.trove.dev/v1\nkind: Hunt\nmetadata:\n  name: "
                             "s\nspec:\n  boxes: 2\n  mode: push\n",
                             "application/apply-patch+yaml");
  ASSERT_EQ(yaml.status, 200) << yaml.body;
  EXPECT_EQ(at(yaml.body, "/spec/boxes"), "2");
  EXPECT_EQ(at(yaml.body, "/spec/mode"), "push");
  EXPECT_EQ(at(yaml.body, "/metadata/generation"), "2");
  auto no_kind = server.request("PATCH", target, R"({"metadata":{"name":"s"}})",
                                "application/apply-patch+yaml");
  EXPECT_EQ(no_kind.status, 400) << "apply needs apiVersion and kind";
  auto bomb = server.request(
      "PATCH", target,
      "a: &a [x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, "
      "*b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, "
      "*d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]\ng: &g [*f, *f, *f, *f, *f, *f, *f, *f, "
      "*f]\nh: [*g, *g, *g, *g, *g, *g, *g, *g, *g]\n",
      "application/apply-patch+yaml");
  EXPECT_EQ(bomb.status, 400) << "alias expansion is bounded";
}

TEST_F(ApiObjects, FinalizersHoldDeletion) {
  create("a", 1);
  server.request("PATCH", path("a"), R"({"metadata":{"finalizers":["x/y"]}})",
                 "application/merge-patch+json");
  auto del = server.request("DELETE", path("a"), R"({"propagationPolicy":"Background"})");
  ASSERT_EQ(del.status, 200);
  EXPECT_NE(at(del.body, "/metadata/deletionTimestamp"), "<absent>");
  EXPECT_EQ(at(del.body, "/metadata/generation"), "2")
      << "setting deletionTimestamp bumps generation";
  EXPECT_EQ(server.request("GET", path("a")).status, 200) << "held by its finalizer";
  auto again = server.request("DELETE", path("a"));
  EXPECT_EQ(at(again.body, "/metadata/deletionTimestamp"),
            at(del.body, "/metadata/deletionTimestamp"));
  auto cleared = server.request("PATCH", path("a"), R"({"metadata":{"finalizers":null}})",
                                "application/merge-patch+json");
  EXPECT_EQ(cleared.status, 200);
  EXPECT_EQ(server.request("GET", path("a")).status, 404);
}

TEST_F(ApiObjects, DeleteWithoutFinalizersAndPreconditions) {
  auto created = create("a", 1);
  auto wrong = server.request("DELETE", path("a"), R"({"preconditions":{"uid":"other"}})");
  EXPECT_EQ(wrong.status, 409);
  auto del =
      server.request("DELETE", path("a"),
                     R"({"preconditions":{"uid":")" + at(created.body, "/metadata/uid") + R"("}})");
  EXPECT_EQ(del.status, 200);
  EXPECT_EQ(at(del.body, "/metadata/name"), "a");
  EXPECT_EQ(server.request("GET", path("a")).status, 404);
  EXPECT_EQ(server.request("DELETE", path("a")).status, 404);
  EXPECT_EQ(server.request("DELETE", path("b"), "{oops").status, 404) << "missing first";
  create("b", 1);
  EXPECT_EQ(server.request("DELETE", path("b"), "{oops").status, 400);
}

TEST_F(ApiObjects, DryRunStoresNothing) {
  auto r = server.request("POST", std::string(kHunts) + "?dryRun=All", hunt("dry", 1));
  EXPECT_EQ(r.status, 201);
  EXPECT_EQ(server.request("GET", path("dry")).status, 404);
}

TEST_F(ApiObjects, GenerateNameAndSecretsAndPods) {
  auto r = server.request(
      "POST", kHunts,
      R"({"apiVersion":"test.trove.dev/v1","kind":"Hunt","metadata":{"generateName":"gen-"},"spec":{"boxes":1}})");
  ASSERT_EQ(r.status, 201);
  EXPECT_EQ(at(r.body, "/metadata/name").rfind("gen-", 0), 0u);
  EXPECT_EQ(at(r.body, "/metadata/name").size(), 9u);
  auto secret = server.request(
      "POST", "/api/v1/namespaces/default/secrets",
      R"({"apiVersion":"v1","kind":"Secret","metadata":{"name":"s"},"stringData":{"k":"abc"}})");
  EXPECT_EQ(at(secret.body, "/data/k"), "YWJj");
  EXPECT_EQ(at(secret.body, "/stringData"), "<absent>");
  auto pod = server.request(
      "POST", "/api/v1/namespaces/default/pods",
      R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"status":{"phase":"Running"}})");
  EXPECT_EQ(at(pod.body, "/status/phase"), "Pending") << "status is the server's on create";
}

TEST_F(ApiObjects, NamespaceMismatchAndClusterScope) {
  auto r = server.request(
      "POST", kHunts,
      R"({"apiVersion":"test.trove.dev/v1","kind":"Hunt","metadata":{"name":"a","namespace":"other"},"spec":{"boxes":1}})");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(server.request("GET", "/api/v1/namespaces/default/nodes").status, 404)
      << "cluster-scoped kind under a namespace";
  EXPECT_EQ(server.request("GET", "/api/v1/nodes").status, 200);
  EXPECT_EQ(server
                .request("POST", "/api/v1/namespaces",
                         R"({"apiVersion":"v1","kind":"Namespace","metadata":{"name":"team"}})")
                .status,
            201);
  server.request("POST", "/api/v1/namespaces/team/configmaps",
                 R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"}})");
  EXPECT_EQ(server.request("DELETE", "/api/v1/namespaces/team").status, 200);
  EXPECT_EQ(server.request("GET", "/api/v1/namespaces/team/configmaps/c").status, 404)
      << "a namespace takes its objects along";
}

TEST_F(ApiObjects, StrictNamespacesRefuseMissingNamespaces) {
  ServerOptions options;
  options.strict_namespaces = true;
  FakeApiServer strict(options);
  auto r = strict.request("POST", "/api/v1/namespaces/ghost/configmaps",
                          R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"}})");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(strict
                .request("POST", "/api/v1/namespaces/default/configmaps",
                         R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"}})")
                .status,
            201);
}

TEST_F(ApiObjects, DeletingTheCrdDeletesItsObjectsAndKind) {
  create("a", 1);
  auto r = server.request(
      "DELETE", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/hunts.test.trove.dev");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(server.request("GET", kHunts).status, 404);
  EXPECT_EQ(server.request("GET", "/apis/test.trove.dev/v1").status, 404);
}

TEST_F(ApiObjects, CrdsAreCheckedAndEstablished) {
  auto bad = server.request(
      "POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
      R"({"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition","metadata":{"name":"wrong.name"},"spec":{"group":"g.dev","scope":"Namespaced","names":{"plural":"xs","kind":"X"},"versions":[{"name":"v1","served":true,"storage":true}]}})");
  EXPECT_EQ(bad.status, 422);
  auto crd = server.request(
      "GET", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/hunts.test.trove.dev");
  EXPECT_NE(crd.body.find(R"({"type":"Established","status":"True")"), std::string::npos)
      << crd.body;
  EXPECT_EQ(at(crd.body, "/status/acceptedNames/kind"), "Hunt");
}

}  // namespace
}  // namespace trove::fakeapi::testing
